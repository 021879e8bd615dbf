"""The rows of `kubectl get`, one function per resource: column definitions and cell formats.

Source: kubernetes/kubernetes pkg/printers/internalversion/printers.go (AddHandlers for the
columns; printPod, printService, printEndpoints, printEndpointSlice, printDeployment,
printReplicaSet, printNode, printNamespace for the cells). Priority-1 columns show only
with `-o wide`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubelab.kubectl import _common as c
from kubelab.kubectl._pod_status import pod_ready_status_restarts
from kubelab.kubectl._timefmt import since

Row = Callable[[Mapping[str, Any], datetime, bool], list[str]]


@dataclass(frozen=True)
class Printer:
    columns: tuple[str, ...]  # headers as kubectl prints them (the column name upper-cased)
    wide: tuple[str, ...]  # the priority-1 columns `-o wide` adds
    row: Row  # all cells, the wide ones last


def _pod(pod: Mapping[str, Any], now: datetime, wide: bool) -> list[str]:
    ready, reason, restarts = pod_ready_status_restarts(pod, now)
    spec, status = c.spec(pod), c.status(pod)
    # The API converts a lone status.podIP into podIPs, so either one names the IP.
    pod_ips = status.get("podIPs") or [{"ip": status.get("podIP", "")}]
    pod_ip = pod_ips[0].get("ip") or "<none>"
    return [
        c.name(pod),
        ready,
        reason,
        restarts,
        since(c.meta(pod).get("creationTimestamp"), now),
        pod_ip,
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        _readiness_gates(spec, status),
    ]


def _readiness_gates(spec: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    gates = spec.get("readinessGates") or []
    if not gates:
        return "<none>"
    conditions = {cond.get("type"): cond.get("status") for cond in status.get("conditions") or []}
    true = sum(1 for gate in gates if conditions.get(gate.get("conditionType")) == "True")
    return f"{true}/{len(gates)}"


_LOAD_BALANCER_WIDTH = 16  # printers.go loadBalancerWidth: clipped unless -o wide


def _load_balancer_ips(svc: Mapping[str, Any], wide: bool) -> str:
    """loadBalancerStatusStringer: ingress IPs (or hostnames), sorted and de-duplicated."""
    ingress = (c.status(svc).get("loadBalancer") or {}).get("ingress") or []
    found = {entry.get("ip") or entry.get("hostname") for entry in ingress}
    text = ",".join(sorted(value for value in found if value))
    if not wide and len(text) > _LOAD_BALANCER_WIDTH:
        text = text[: _LOAD_BALANCER_WIDTH - 3] + "..."
    return text


def _external_ip(svc: Mapping[str, Any], wide: bool) -> str:
    """getServiceExternalIP: what EXTERNAL-IP shows for each type of Service."""
    spec = c.spec(svc)
    svc_type = spec.get("type", "")
    external_ips = list(spec.get("externalIPs") or [])
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) or "<none>"
    if svc_type == "LoadBalancer":
        lb_ips = _load_balancer_ips(svc, wide)
        if external_ips:
            return ",".join([*(lb_ips.split(",") if lb_ips else []), *external_ips])
        return lb_ips or "<pending>"
    if svc_type == "ExternalName":
        return str(spec.get("externalName", ""))
    return "<unknown>"


def _port_string(ports: list[Mapping[str, Any]]) -> str:
    """makePortString: `80/TCP`, or `80:30080/TCP` when a node port is allocated."""
    pieces = []
    for port in ports:
        protocol = port.get("protocol", "")
        if port.get("nodePort"):
            pieces.append(f"{port.get('port', 0)}:{port['nodePort']}/{protocol}")
        else:
            pieces.append(f"{port.get('port', 0)}/{protocol}")
    return ",".join(pieces)


def _service(svc: Mapping[str, Any], now: datetime, wide: bool) -> list[str]:
    spec = c.spec(svc)
    # The printer shows clusterIPs[0]; an object without clusterIPs falls back to clusterIP.
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [
        c.name(svc),
        str(spec.get("type", "")),
        cluster_ips[0] if cluster_ips else "<none>",
        _external_ip(svc, wide),
        _port_string(spec.get("ports") or []) or "<none>",
        since(c.meta(svc).get("creationTimestamp"), now),
        c.format_labels(spec.get("selector")),
    ]


_MAX_LISTED = 3  # printers.go formatEndpoints and friends list three, then "+ N more..."


def _more(listed: list[str], count: int) -> str:
    """listWithMoreString: the first three, then how many more; "<unset>" for none."""
    text = ",".join(listed)
    if count > _MAX_LISTED:
        return f"{text} + {count - _MAX_LISTED} more..."
    return text or "<unset>"


def format_endpoints(endpoints: Mapping[str, Any]) -> str:
    """formatEndpoints: ready addresses as ip:port (ip alone for port-less subsets)."""
    subsets = endpoints.get("subsets") or []
    if not subsets:
        return "<none>"
    listed: list[str] = []
    count = 0
    for subset in subsets:
        addresses = [a.get("ip", "") for a in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        if not ports:
            count += len(addresses)
            listed.extend(addresses[: _MAX_LISTED - len(listed)])
            continue
        for port in ports:
            count += len(addresses)
            for ip in addresses[: _MAX_LISTED - len(listed)]:
                listed.append(c.join_host_port(ip, port.get("port", 0)))
    text = ",".join(listed)
    return f"{text} + {count - _MAX_LISTED} more..." if count > len(listed) else text


def _endpoints(ep: Mapping[str, Any], now: datetime, wide: bool) -> list[str]:
    return [c.name(ep), format_endpoints(ep), since(c.meta(ep).get("creationTimestamp"), now)]


def _slice_ports(ports: list[Mapping[str, Any]]) -> str:
    """formatDiscoveryPorts: port numbers (a port without a number shows its name, or *)."""
    cells = []
    for port in ports:
        if port.get("port") is not None:
            cells.append(str(port["port"]))
        elif port.get("name") is not None:
            cells.append(str(port["name"]))
        else:
            cells.append("*")
    return _more(cells[:_MAX_LISTED], len(cells))


def _slice_endpoints(endpoints: list[Mapping[str, Any]]) -> str:
    """formatDiscoveryEndpoints: every address of every endpoint, ready or not."""
    addresses = [str(a) for ep in endpoints for a in ep.get("addresses") or []]
    return _more(addresses[:_MAX_LISTED], len(addresses))


def _endpoint_slice(eps: Mapping[str, Any], now: datetime, wide: bool) -> list[str]:
    return [
        c.name(eps),
        str(eps.get("addressType", "")),
        _slice_ports(eps.get("ports") or []),
        _slice_endpoints(eps.get("endpoints") or []),
        since(c.meta(eps).get("creationTimestamp"), now),
    ]


def _template_containers(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    template = c.spec(obj).get("template") or {}
    return list((template.get("spec") or {}).get("containers") or [])


def _deployment(deploy: Mapping[str, Any], now: datetime, wide: bool) -> list[str]:
    spec, status = c.spec(deploy), c.status(deploy)
    names, images = c.container_cells(_template_containers(deploy))
    return [
        c.name(deploy),
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        str(status.get("updatedReplicas", 0)),
        str(status.get("availableReplicas", 0)),
        since(c.meta(deploy).get("creationTimestamp"), now),
        names,
        images,
        c.selector_string(spec.get("selector")),  # printDeployment uses selector.String()
    ]


def _replica_set(rs: Mapping[str, Any], now: datetime, wide: bool) -> list[str]:
    spec, status = c.spec(rs), c.status(rs)
    names, images = c.container_cells(_template_containers(rs))
    return [
        c.name(rs),
        str(spec.get("replicas", 1)),
        str(status.get("replicas", 0)),
        str(status.get("readyReplicas", 0)),
        since(c.meta(rs).get("creationTimestamp"), now),
        names,
        images,
        c.format_label_selector(spec.get("selector")),
    ]


_ROLE_PREFIX, _ROLE_LABEL = "node-role.kubernetes.io/", "kubernetes.io/role"


def node_roles(node: Mapping[str, Any]) -> list[str]:
    """findNodeRoles: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role` values."""
    roles = set()
    for key, value in (c.meta(node).get("labels") or {}).items():
        if key.startswith(_ROLE_PREFIX) and key[len(_ROLE_PREFIX) :]:
            roles.add(key[len(_ROLE_PREFIX) :])
        elif key == _ROLE_LABEL and value:
            roles.add(str(value))
    return sorted(roles)


def _node_status(node: Mapping[str, Any]) -> str:
    """Ready or NotReady from the Ready condition; SchedulingDisabled when cordoned."""
    states = [
        "Ready" if cond.get("status") == "True" else "NotReady"
        for cond in c.status(node).get("conditions") or []
        if cond.get("type") == "Ready"
    ][-1:] or ["Unknown"]
    if c.spec(node).get("unschedulable"):
        states.append("SchedulingDisabled")
    return ",".join(states)


def _node_address(node: Mapping[str, Any], kind: str) -> str:
    for address in c.status(node).get("addresses") or []:
        if address.get("type") == kind:
            return str(address.get("address", ""))
    return "<none>"


def _node(node: Mapping[str, Any], now: datetime, wide: bool) -> list[str]:
    info = c.status(node).get("nodeInfo") or {}
    return [
        c.name(node),
        _node_status(node),
        ",".join(node_roles(node)) or "<none>",
        since(c.meta(node).get("creationTimestamp"), now),
        str(info.get("kubeletVersion", "")),
        _node_address(node, "InternalIP"),
        _node_address(node, "ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def _namespace(ns: Mapping[str, Any], now: datetime, wide: bool) -> list[str]:
    return [
        c.name(ns),
        str(c.status(ns).get("phase", "")),
        since(c.meta(ns).get("creationTimestamp"), now),
    ]


def _name_age(obj: Mapping[str, Any], now: datetime, wide: bool) -> list[str]:
    return [c.name(obj), since(c.meta(obj).get("creationTimestamp"), now)]


PRINTERS: dict[str, Printer] = {
    "Pod": Printer(
        ("NAME", "READY", "STATUS", "RESTARTS", "AGE"),
        ("IP", "NODE", "NOMINATED NODE", "READINESS GATES"),
        _pod,
    ),
    "Service": Printer(
        ("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"), ("SELECTOR",), _service
    ),
    "Endpoints": Printer(("NAME", "ENDPOINTS", "AGE"), (), _endpoints),
    "EndpointSlice": Printer(
        ("NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"), (), _endpoint_slice
    ),
    "Deployment": Printer(
        ("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"),
        ("CONTAINERS", "IMAGES", "SELECTOR"),
        _deployment,
    ),
    "ReplicaSet": Printer(
        ("NAME", "DESIRED", "CURRENT", "READY", "AGE"),
        ("CONTAINERS", "IMAGES", "SELECTOR"),
        _replica_set,
    ),
    "Node": Printer(
        ("NAME", "STATUS", "ROLES", "AGE", "VERSION"),
        ("INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"),
        _node,
    ),
    "Namespace": Printer(("NAME", "STATUS", "AGE"), (), _namespace),
}

DEFAULT_PRINTER = Printer(("NAME", "AGE"), (), _name_age)  # tableprinter.go defaultHandlerEntry
