"""The plan of a request: the path up to each random choice, with finished results as leaves.

A `Trip` plans one request from one client. Its tree has three kinds of nodes:
- a RequestResult: the path is decided (a DNS failure, a REJECT, a pod that answers...);
- a `Choice`: kube-proxy on one node picks an endpoint for each new connection, by the
  statistic rules or by a session-affinity rule (kubeproxy.py);
- a `Spread`: cloud-provider-kind's Envoy picks a node for each new connection.
paths.py builds the tree up to kube-proxy; proxy.py draws connections through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubelab.backend import Hop, RequestResult
from kubelab.mock import internet, iptables, kubeproxy, network
from kubelab.mock.api import ApiServer
from kubelab.mock.kubeproxy import ServicePort, Verdict
from kubelab.mock.network import Client, Node

Object = dict[str, Any]
ENVOY_CONNECT_TIMEOUT = 5  # seconds: cloud-provider-kind's cluster connect_timeout


@dataclass(frozen=True)
class Choice:
    """kube-proxy on one node picks an endpoint for each new connection."""

    node: str
    source: str  # the source address the node's `recent` lists see
    bounds: tuple[float, ...]  # cumulative rule shares but the last
    total: float
    picked: tuple[RequestResult, ...]  # per endpoint, taken by a statistic rule
    stuck: tuple[RequestResult, ...]  # per endpoint, taken by a session-affinity rule
    sep_chains: tuple[str, ...]
    affinity: int | None
    name: str = ""  # the service port, whose affinity lists these are
    live: frozenset[str] = frozenset()  # SEP chains the node has for it (lists that exist)


@dataclass(frozen=True)
class Spread:
    """Envoy picks a node for each new connection (hashed: the same one every time)."""

    branches: tuple[Step, ...]
    hashed: int | None


Step = RequestResult | Choice | Spread


class World:
    """One snapshot of what the data plane needs, indexed by address."""

    def __init__(self, api: ApiServer) -> None:
        self.nodes = network.nodes(api)
        self.node_by_ip = {n.ip: n for n in self.nodes if n.ip}
        self.pods = network.pods_by_ip(api)
        self.cluster_ips: dict[str, Object] = {}
        self.lb_ips: dict[str, Object] = {}
        self.external_ips: dict[str, list[Object]] = {}
        self.node_ports: dict[int, Object] = {}
        # Endpoints without a Pod on a node's address (the API server behind
        # default/kubernetes): a process of the node listens there.
        self.node_listeners = {
            (address, port.get("port"))
            for eps in api.store.items("endpointslices")
            for item in eps.get("endpoints") or []
            if not item.get("targetRef")
            for address in (item.get("addresses") or [])[:1]
            if address in self.node_by_ip
            for port in eps.get("ports") or []
        }
        self.host_pods = [
            p for p in api.store.items("pods") if network.host_network(p) and network.pod_ip(p)
        ]
        for svc in api.store.items("services"):
            spec = svc.get("spec") or {}
            for port in spec.get("ports") or []:
                if port.get("nodePort"):
                    self.node_ports[int(port["nodePort"])] = svc
            for ip in spec.get("clusterIPs") or [spec.get("clusterIP")]:
                if ip and ip != "None":
                    self.cluster_ips[ip] = svc
            for ingress in ((svc.get("status") or {}).get("loadBalancer") or {}).get(
                "ingress"
            ) or []:
                if ingress.get("ip"):
                    self.lb_ips[ingress["ip"]] = svc
            for ip in spec.get("externalIPs") or []:
                self.external_ips.setdefault(ip, []).append(svc)
        self.internet = {
            value: name.rstrip(".")
            for name, records in internet.ZONE.items()
            for rtype, value in records
            if rtype == "A"
        }


class Trip:
    """Plans one request from one client: the path up to each random choice."""

    def __init__(self, api: ApiServer, client: Client, explaining: bool = False) -> None:
        self.api, self.client, self.explaining = api, client, explaining
        self.world = World(api)
        self.notes: list[str] = []
        self.volatile = False  # the DNS answer has several addresses: plan again each time
        self._eps: dict[tuple[str, str, str, int], list[kubeproxy.Endpoint]] = {}
        self._tables: set[tuple[str, str, tuple[str, ...]]] = set()

    # notes are what explain() prints
    def say(self, hop: Hop) -> Hop:
        if self.explaining:
            self.notes.append(f"{hop.step + ':':<14}{hop.detail}")
        return hop

    def fail(self, outcome: str, hops: list[Hop], step: str, detail: str) -> RequestResult:
        return RequestResult(outcome, hops=(*hops, self.say(Hop(step, detail))))

    def endpoints(self, sp: ServicePort) -> list[kubeproxy.Endpoint]:
        key = (sp.namespace, sp.service, sp.port_name, sp.port)
        if key not in self._eps:
            self._eps[key] = kubeproxy.endpoints(self.api, sp)
        return self._eps[key]

    # -- kube-proxy on one node ----------------------------------------------------------

    def kube_proxy(
        self, sp: ServicePort, entry: str, dest: str, node: Node, source: str, kind: str,
        hops: list[Hop], behind_envoy: bool = False,
    ) -> Step:
        """What `node`'s rules do with a new connection from `source` to `dest`."""
        eps = self.endpoints(sp)
        cat = kubeproxy.categorize(eps, sp, node.name, node.zone)
        verdict = kubeproxy.decide(sp, cat, entry, kind)
        self.show_rules(sp, entry, dest, node, verdict, bool(cat.local))
        if verdict.action != "dnat":
            return self.stopped(node, verdict, hops, behind_envoy)
        shares = kubeproxy.rule_shares(len(verdict.endpoints))
        cum = kubeproxy.cumulative(shares)
        picked, stuck, chains = [], [], []
        for i, ep in enumerate(verdict.endpoints):
            sep = sp.sep_chain(ep)
            chains.append(sep)
            how = f"{sep}, endpoint {i + 1} of {len(shares)}: probability {shares[i]:.4g}"
            dnat = Hop("dnat", f"{dest} → {ep.address} ({how})", ep.address)
            picked.append(self.answer(sp, verdict, node, source, ep, [*hops, dnat]))
            if sp.affinity_seconds is not None:
                how = f"{sep}: session affinity, {source} used it in the last "
                how += f"{sp.affinity_seconds} s"
                again = Hop("dnat", f"{dest} → {ep.address} ({how})", ep.address)
                stuck.append(self.answer(sp, verdict, node, source, ep, [*hops, again]))
        self.show_choice(sp, verdict, node, source, shares)
        live = frozenset(sp.sep_chain(ep) for ep in (*cat.cluster, *cat.local))
        return Choice(node.name, source, tuple(cum[:-1]), cum[-1], tuple(picked), tuple(stuck),
                      tuple(chains), sp.affinity_seconds, sp.name, live)

    def stopped(
        self, node: Node, verdict: Verdict, hops: list[Hop], behind_envoy: bool
    ) -> RequestResult:
        if verdict.action == "reject":
            outcome, detail = "refused", (
                f'kube-proxy on {node.name}: "{verdict.reason}": the filter table REJECTs the '
                "connection (ICMP port unreachable: connection refused)"
            )
            after = "Envoy's connection to the node is refused; Envoy closes the client's"
        else:
            outcome, detail = "timeout", (
                f'kube-proxy on {node.name}: "{verdict.reason}": the packet is DROPped and '
                "the client waits in vain"
            )
            after = (
                f"Envoy gives up after its {ENVOY_CONNECT_TIMEOUT} s connect timeout and "
                "closes the client's"
            )
        steps = [*hops, self.say(Hop(verdict.action, detail))]
        if behind_envoy:
            steps.append(self.say(Hop("loadbalancer", after + " connection")))
        return RequestResult(outcome, hops=tuple(steps))

    def answer(
        self, sp: ServicePort, verdict: Verdict, nat_node: Node, source: str,
        ep: kubeproxy.Endpoint, hops: list[Hop],
    ) -> RequestResult:
        """The endpoint's side: the source address it sees, and whether it listens."""
        seen, snat = self.masquerade(verdict, nat_node, source, ep)
        steps = [*hops, Hop("snat", snat, seen)]
        pod = self.api.store.get("pods", sp.namespace, ep.pod) if ep.pod else None
        return self.arrive(pod, ep.ip, ep.port, seen, steps, ep.node)

    def masquerade(
        self, verdict: Verdict, nat_node: Node, source: str, ep: kubeproxy.Endpoint
    ) -> tuple[str, str]:
        if not verdict.masquerade and source != ep.ip:
            return source, f"none: the endpoint sees the source address {source}"
        toward = (
            f"{nat_node.name}'s address toward its own pods"
            if ep.node == nat_node.name
            else f"{nat_node.name}'s InternalIP"
        )
        seen = nat_node.gateway if ep.node == nat_node.name else nat_node.ip
        if not verdict.masquerade:
            why = "the client is the endpoint itself (hairpin): KUBE-SEP marks it"
        elif verdict.reason.endswith(" cluster IP"):
            why = f"KUBE-MARK-MASQ: the source is outside the pod network {kubeproxy.CLUSTER_CIDR}"
        else:
            why = f"KUBE-MARK-MASQ ({verdict.reason})"
        return seen, f"{why}; KUBE-POSTROUTING masquerades {source} → {seen} ({toward})"

    def arrive(
        self, pod: Object | None, ip: str, port: int, seen: str | None, hops: list[Hop],
        node_name: str | None = None,
    ) -> RequestResult:
        """The packet reaches `ip:port`: a pod that listens or not, or a node's process."""
        if pod is None:
            node = self.world.node_by_ip.get(ip)
            if node is None:
                return RequestResult("timeout", hops=(*hops, Hop("drop", f"no pod holds {ip}")))
            detail = f"{ip}:{port}, a process of node {node.name}, answers (no Pod behind it)"
            return RequestResult("ok", None, ip, port, seen, node.name,
                                 (*hops, Hop("pod", detail, f"{ip}:{port}")))
        name = pod["metadata"]["name"]
        where = (pod.get("spec") or {}).get("nodeName") or node_name
        if network.listens(pod, port):
            detail = f"pod {name} ({ip}) on {where} answers on port {port}"
            return RequestResult("ok", name, ip, port, seen, where,
                                 (*hops, Hop("pod", detail, f"{ip}:{port}")))
        detail = (
            f"pod {name} ({ip}) on {where}: no container declares containerPort {port}/TCP, "
            "nothing listens there and the pod's kernel answers with a reset"
        )
        return RequestResult("refused", name, ip, port, seen, where,
                             (*hops, Hop("pod", detail, f"{ip}:{port}")))

    # -- explain() ---------------------------------------------------------------------

    def show_rules(
        self, sp: ServicePort, entry: str, dest: str, node: Node, verdict: Verdict,
        has_local: bool,
    ) -> None:
        if not self.explaining:
            return
        lines = iptables.rules_for(sp, entry, dest.rsplit(":", 1)[0], verdict, has_local)
        key = (entry, verdict.chain or verdict.action, tuple(lines))
        if key in self._tables:
            self.notes.append(f"{'':14}(kube-proxy on {node.name}: the same rules)")
            return
        self._tables.add(key)
        self.notes.append(f"{'rules:':<14}kube-proxy (iptables mode) on {node.name}, as "
                          "iptables-save prints them")
        self.notes.extend(f"{'':16}{line}" for line in lines)

    def show_choice(
        self, sp: ServicePort, verdict: Verdict, node: Node, source: str, shares: list[float]
    ) -> None:
        if not self.explaining:
            return
        self.notes.append(
            f"{'dnat:':<14}on {node.name}, each new connection takes the first matching rule "
            f"of {verdict.chain}: rule i of n matches with probability 1/(n-i), so each "
            "endpoint gets 1/n"
        )
        if sp.affinity_seconds is not None:
            self.notes.append(
                f"{'':14}sessionAffinity ClientIP: a client address seen in the last "
                f"{sp.affinity_seconds} s goes back to the same endpoint (the recent rules)"
            )
        for ep, share in zip(verdict.endpoints, shares, strict=True):
            seen, _ = self.masquerade(verdict, node, source, ep)
            who = f"pod {ep.pod}" if ep.pod else "not a pod"
            self.notes.append(
                f"{'':16}{ep.address:<21} {share:.4f}  {who} on {ep.node}, sees source {seen}"
            )
