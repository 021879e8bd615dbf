"""A real request's result and path, told in the simulation's words (pure functions).

What a probe can see on a real cluster: the address the client connected to (curl's
remote address), which pod answered (netexec's /hostname), the source address that pod
saw (/clientip), and the objects (Services, Nodes, the answering Pod). From those this
module names the hops a learner sees on the simulation: client, dns, vip / nodeport /
loadbalancer, dnat, snat, pod; or where it stopped (reject, drop, dns). kube-proxy's own
rules stay inside the nodes: `explain` says where to look at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubelab.backend import Hop, RequestResult
from kubelab.kube.probes import Transfer, outcome, split_address

Object = dict[str, Any]


@dataclass(frozen=True)
class Client:
    """Who sent the request."""

    kind: str  # "pod" | "node" | "outside"
    name: str
    ip: str
    node: str | None = None
    namespace: str = "default"
    stand_in: bool = False  # kubelab's probe pod stands in for a pod named "client"
    host_network: bool = False

    def describe(self) -> str:
        if self.kind == "outside":
            return f"this computer ({self.ip or 'the host'}), outside the cluster"
        if self.kind == "node":
            return f"node {self.name} ({self.ip})"
        where = f" on {self.node}" if self.node else ""
        if self.stand_in:
            return (f"kubelab's probe pod ({self.ip}){where}, standing in for a pod "
                    f'"{self.name}" in {self.namespace} (there is none)')
        net = ", hostNetwork" if self.host_network else ""
        return f"pod {self.namespace}/{self.name} ({self.ip}{net}){where}"


@dataclass(frozen=True)
class ServicePort:
    service: Object
    port: Object  # the entry of spec.ports

    @property
    def name(self) -> str:
        meta = self.service["metadata"]
        return f"{meta.get('namespace', 'default')}/{meta['name']}"


def _ports(svc: Object) -> list[Object]:
    return [p for p in (svc.get("spec") or {}).get("ports") or []
            if p.get("protocol", "TCP") == "TCP"]


def _cluster_ips(svc: Object) -> list[str]:
    spec = svc.get("spec") or {}
    ips = list(spec.get("clusterIPs") or [spec.get("clusterIP")])
    return [ip for ip in ips if ip and ip != "None"]


def _lb_ips(svc: Object) -> list[str]:
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return [i["ip"] for i in ingress if i.get("ip")]


def node_ips(nodes: list[Object]) -> dict[str, str]:
    """InternalIP -> node name."""
    found = {}
    for node in nodes:
        for address in (node.get("status") or {}).get("addresses") or []:
            if address.get("type") == "InternalIP":
                found[address["address"]] = node["metadata"]["name"]
    return found


def destination(ip: str, port: int, services: list[Object],
                nodes: list[Object]) -> tuple[Hop | None, ServicePort | None]:
    """What the address the client connected to is: a cluster IP, a LoadBalancer IP, a
    node port, or (None) anything else, e.g. a pod's own IP."""
    address = f"{ip}:{port}"
    for svc in services:
        for sp in _ports(svc):
            hit = ServicePort(svc, sp)
            if ip in _cluster_ips(svc) and sp.get("port") == port:
                return Hop("vip", f"{address} is the cluster IP of {hit.name}", address), hit
            if ip in _lb_ips(svc) and sp.get("port") == port:
                return (Hop("loadbalancer", f"{address} is the LoadBalancer IP of {hit.name}",
                            address), hit)
    by_ip = node_ips(nodes)
    if ip in by_ip:
        for svc in services:
            for sp in _ports(svc):
                if sp.get("nodePort") == port:
                    hit = ServicePort(svc, sp)
                    return (Hop("nodeport", f"{address}: node {by_ip[ip]}, nodePort of "
                                f"{hit.name}", address), hit)
        return Hop("nodeport", f"{address}: node {by_ip[ip]} (no Service has this nodePort)",
                   address), None
    return None, None


def target_port(sp: ServicePort | None, pod: Object | None, port: int) -> int | None:
    """The container port reached: the Service port's targetPort (a number, or a name
    looked up in the pod's containers), or the port connected to for a pod's IP."""
    if sp is None:
        return port
    target = sp.port.get("targetPort", sp.port.get("port"))
    if isinstance(target, int):
        return target
    for container in ((pod or {}).get("spec") or {}).get("containers") or []:
        for declared in container.get("ports") or []:
            if declared.get("name") == target:
                return int(declared["containerPort"])
    return None


def _pod_ip(pod: Object | None) -> str | None:
    return ((pod or {}).get("status") or {}).get("podIP")


def result(
    client: Client, before: tuple[Hop, ...], ip: str, port: int,
    transfers: list[Transfer], pods: dict[str, Object], services: list[Object],
    nodes: list[Object],
) -> RequestResult:
    """One request: the transfers of one curl run -> a RequestResult with its hops.

    `before` holds the client and DNS hops; `pods` maps a hostname to its Pod."""
    hop, sp = destination(ip, port, services, nodes)
    hops = [*before, *([hop] if hop else [])]
    first = transfers[0] if transfers else Transfer(-1, 0, "", "", None, "no answer", "")
    verdict = outcome(first)
    if verdict != "ok":
        step = {"refused": "reject", "nxdomain": "dns"}.get(verdict, "drop")
        why = first.error or f"curl exit code {first.exitcode}"
        return RequestResult(verdict, hops=(*hops, Hop(step, f"{ip}:{port}: {why}")))
    name = first.body or None
    pod = pods.get(name or "")
    pod_ip = _pod_ip(pod) or (ip if sp is None else None)
    reached = target_port(sp, pod, port)
    node = ((pod or {}).get("spec") or {}).get("nodeName")
    seen = split_address(transfers[1].body) if len(transfers) > 1 and transfers[1].body else None
    if hop is not None and pod_ip:
        hops.append(Hop("dnat", f"{ip}:{port} → {pod_ip}:{reached} (kube-proxy)", pod_ip))
    if seen:
        hops.append(_snat(seen, first.local_ip or client.ip))
    where = f" on {node}" if node else ""
    hops.append(Hop("pod", f"pod {name} ({pod_ip}){where} answers on port {reached}",
                    f"{pod_ip}:{reached}"))
    return RequestResult("ok", name, pod_ip, reached, seen, node, tuple(hops))


def _snat(seen: str, source: str) -> Hop:
    if seen == source:
        return Hop("snat", f"none: the pod sees the source address {seen}", seen)
    return Hop("snat", f"the source {source} was masqueraded: the pod sees {seen}", seen)
