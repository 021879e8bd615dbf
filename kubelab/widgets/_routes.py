"""Ways to reach a Service, worked out from its object: which client sends, to which address.

A pod asks for the Service's name; a node asks for the cluster IP (a node's resolver is
not the cluster DNS); the host outside asks for a node port or the load balancer's IP.
Pure functions of objects, so `service_types` and `traffic` pick the same routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kubelab import selectors
from kubelab.ports import resolve_target_port

if TYPE_CHECKING:
    from kubelab.backend import RequestResult
    from kubelab.facade import Lab

Object = dict[str, Any]
PROBE_POD = "client"  # the pod a backend sends probes from when none is named


@dataclass(frozen=True)
class NodeInfo:
    name: str
    ip: str
    control_plane: bool


@dataclass(frozen=True)
class Route:
    """Who sends a request ("pod", "node" or "outside"), its name, and what it asks for."""

    label: str
    client: str
    name: str  # the pod or node; "" for the probe pod and for the host outside
    target: str

    def request(self, lab: Lab, namespace: str, n: int = 1) -> list[RequestResult]:
        if self.client == "node":
            return lab.request(self.target, from_node=self.name, namespace=namespace, n=n)
        if self.client == "outside":
            return lab.request(self.target, from_outside=True, namespace=namespace, n=n)
        return lab.request(self.target, from_pod=self.name or None, namespace=namespace, n=n)

    def command(self, namespace: str) -> str:
        """The same request typed by hand."""
        url = f"http://{self.target}/hostname"
        if self.client == "node":
            return f"docker exec {self.name} curl -s {url}"
        if self.client == "outside":
            return f"curl -s {url}"
        ns = f" -n {namespace}" if namespace != "default" else ""
        return f"kubectl exec {self.name or PROBE_POD}{ns} -- curl -s {url}"


def node_infos(nodes: list[Object]) -> list[NodeInfo]:
    """Nodes with their InternalIP, workers first (they run the lesson's pods)."""
    infos = []
    for node in nodes:
        addresses = (node.get("status") or {}).get("addresses") or []
        ip = next((a["address"] for a in addresses if a.get("type") == "InternalIP"), "")
        labels = node["metadata"].get("labels") or {}
        infos.append(NodeInfo(node["metadata"]["name"], ip,
                              "node-role.kubernetes.io/control-plane" in labels))
    return sorted(infos, key=lambda info: info.control_plane)


def is_running(pod: Object) -> bool:
    status = pod.get("status") or {}
    return (status.get("phase") == "Running" and bool(status.get("podIP"))
            and not pod["metadata"].get("deletionTimestamp"))


def is_headless(svc: Object) -> bool:
    return (svc.get("spec") or {}).get("clusterIP") == "None"


def cluster_ip(svc: Object) -> str | None:
    ip = (svc.get("spec") or {}).get("clusterIP")
    return ip if ip and ip != "None" else None


def first_port(svc: Object) -> Object:
    ports = (svc.get("spec") or {}).get("ports") or []
    return dict(ports[0]) if ports else {}


def pod_port(svc: Object, pods: list[Object]) -> int | None:
    """The port a pod of the Service listens on (its first port's targetPort), if known."""
    port = first_port(svc)
    selector = (svc.get("spec") or {}).get("selector")
    for pod in pods:
        if selector and selectors.service_selects(selector, pod["metadata"].get("labels")):
            number = resolve_target_port(port, pod)
            if number is not None:
                return number
    target = port.get("targetPort", port.get("port"))
    return target if isinstance(target, int) else None


def name_target(svc: Object, pods: list[Object]) -> str:
    """What a pod asks for: the name and port. A headless Service has no virtual IP to
    translate its port, so the client must use the pods' own port."""
    name = svc["metadata"]["name"]
    port = pod_port(svc, pods) if is_headless(svc) else first_port(svc).get("port")
    return f"{name}:{port}" if port else name


def outside_routes(svc: Object, nodes: list[NodeInfo]) -> list[Route]:
    port = first_port(svc)
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    routes = [Route(f"outside → {address}:{port.get('port')} (load balancer)", "outside", "",
                    f"{address}:{port.get('port')}")
              for address in (i.get("ip") or i.get("hostname") for i in ingress) if address]
    node_port = port.get("nodePort")
    if node_port:
        routes += [Route(f"outside → {node.ip}:{node_port} (node port on {node.name})",
                         "outside", "", f"{node.ip}:{node_port}") for node in nodes if node.ip]
    ip = cluster_ip(svc)
    if not routes and ip and port.get("port"):
        target = f"{ip}:{port['port']}"
        routes.append(Route(f"outside → {target} (a cluster IP: no route from outside)",
                            "outside", "", target))
    return routes


def routes_for(svc: Object, pods: list[Object], nodes: list[NodeInfo]) -> list[Route]:
    """Every way to reach `svc`: the probe pod first, then other pods, nodes, outside."""
    target = name_target(svc, pods)
    routes = [Route(f"pod {PROBE_POD} (probe) → {target}", "pod", "", target)]
    routes += [Route(f"pod {name} → {target}", "pod", name, target)
               for name in (p["metadata"]["name"] for p in pods if is_running(p))
               if name != PROBE_POD]
    ip, port = cluster_ip(svc), first_port(svc).get("port")
    if ip and port:
        routes += [Route(f"node {node.name} → {ip}:{port}", "node", node.name, f"{ip}:{port}")
                   for node in nodes]
    return routes + outside_routes(svc, nodes)


def preferred_route(svc: Object, routes: list[Route]) -> Route:
    """The route that shows off the Service's type: from outside for NodePort and
    LoadBalancer (the load balancer first), from the probe pod otherwise."""
    if (svc.get("spec") or {}).get("type") in ("NodePort", "LoadBalancer"):
        outside = [r for r in routes if r.client == "outside" and "no route" not in r.label]
        if outside:
            return outside[0]
    return routes[0]
