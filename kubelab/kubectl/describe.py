"""`kubectl describe`: one object as kubectl describes it, with what it finds about it.

`related(kind, namespace, selector)` lists other objects (the EndpointSlices of a Service,
the pods of a node or a ReplicaSet) the way kubectl's describers ask the API server.
Source: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describeService,
describeEndpoints, describeEndpointSliceV1, describeNamespace and the ones in the
describe_* modules). kubelab keeps no Events, so every description ends "Events: <none>".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from kubelab.errors import UsageError
from kubelab.kubectl import _common as c
from kubelab.kubectl._timefmt import utc_now
from kubelab.kubectl._writer import Writer, annotations_multiline, events_none, labels_multiline
from kubelab.kubectl.describe_node import describe_node
from kubelab.kubectl.describe_pod import describe_pod
from kubelab.kubectl.describe_workloads import describe_deployment, describe_replica_set
from kubelab.kubectl.views import Text

Obj = Mapping[str, Any]
# related(kind, namespace, label selector): the objects kubectl would list; None: all namespaces
Related = Callable[[str, str | None, str | None], list[dict[str, Any]]]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"  # discoveryv1.LabelServiceName


def describe(obj: Mapping[str, Any], related: Related, *, now: datetime | None = None) -> Text:
    """The text `kubectl describe <kind>/<name>` prints for this object.

    `now` is the cluster's clock (for ages: a node's pods, a terminating pod).
    """
    kind = obj.get("kind", "")
    clock = utc_now(now)
    selector = c.selector_string(c.spec(obj).get("selector"))
    if kind == "Service":
        slices = related("endpointslices", c.namespace(obj), f"{SERVICE_NAME_LABEL}={c.name(obj)}")
        return describe_service(obj, slices)
    if kind == "Pod":
        return describe_pod(obj, clock)
    if kind == "Deployment":
        return describe_deployment(obj, related("replicasets", c.namespace(obj), selector))
    if kind == "ReplicaSet":
        return describe_replica_set(obj, related("pods", c.namespace(obj), selector))
    if kind == "Node":
        return describe_node(obj, related("pods", None, None), clock)
    simple: dict[str, Callable[[Obj], Text]] = {
        "EndpointSlice": describe_endpoint_slice,
        "Endpoints": describe_endpoints,
        "Namespace": describe_namespace,
    }
    if kind in simple:
        return simple[kind](obj)
    raise UsageError(
        f"describe does not know objects of kind {kind!r} "
        "(it knows Service, Pod, Deployment, ReplicaSet, EndpointSlice, Endpoints, Node, "
        "Namespace)"
    )


def _load_balancer_ingress(ingress: list[Obj]) -> str:
    """buildIngressString: `IP (ipMode)` or the hostname, comma-separated."""
    parts = []
    for entry in ingress:
        if entry.get("ip"):
            mode = f" ({entry['ipMode']})" if entry.get("ipMode") else ""
            parts.append(f"{entry['ip']}{mode}")
        else:
            parts.append(str(entry.get("hostname", "")))
    return ", ".join(parts)


def _ready(endpoint: Obj) -> bool:
    """An endpoint whose ready condition is unset counts as ready (discovery/v1 types.go)."""
    return (endpoint.get("conditions") or {}).get("ready") is not False


def format_endpoint_slices(slices: Sequence[Obj], port_name: str) -> str:
    """formatEndpointSlices: the ready endpoints of one service port as ip:port, three at
    most, then "+ N more..."; "<none>" when the Service has no EndpointSlice at all.

    As upstream, "more" is decided when a fourth endpoint is visited even if it is not
    ready, so three ready endpoints and a not-ready one read "... + 0 more...".
    """
    if not slices:
        return "<none>"
    listed: list[str] = []
    count, more = 0, False
    for eps in slices:
        ports = eps.get("ports") or []
        matching = [p for p in ports if (p.get("name") or "") == port_name] if ports else [None]
        for port in matching:
            for endpoint in eps.get("endpoints") or []:
                more = more or len(listed) == 3
                if not _ready(endpoint):
                    continue
                address = str((endpoint.get("addresses") or [""])[0])
                if not more:
                    listed.append(c.join_host_port(address, port.get("port")) if port else address)
                count += 1
    text = ",".join(listed)
    return f"{text} + {count - 3} more..." if more else text


def describe_service(svc: Obj, slices: list[dict[str, Any]]) -> Text:
    spec = c.spec(svc)
    w = Writer()
    w.write(0, f"Name:\t{c.name(svc)}\n")
    w.write(0, f"Namespace:\t{c.namespace(svc)}\n")
    labels_multiline(w, "Labels", c.meta(svc).get("labels"))
    annotations_multiline(w, "Annotations", c.meta(svc).get("annotations"))
    w.write(0, f"Selector:\t{c.format_labels(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = (c.status(svc).get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        w.write(0, f"LoadBalancer Ingress:\t{_load_balancer_ingress(ingress)}\n")
    for port in spec.get("ports") or []:
        _service_port(w, port, slices)
    _service_policies(w, spec)
    events_none(w)
    return w.text()


def _service_port(w: Writer, port: Obj, slices: list[dict[str, Any]]) -> None:
    name = port.get("name") or "<unset>"
    protocol = port.get("protocol", "")
    w.write(0, f"Port:\t{name}\t{port.get('port', 0)}/{protocol}\n")
    w.write(0, f"TargetPort:\t{port.get('targetPort', '')}/{protocol}\n")
    if port.get("appProtocol"):
        w.write(0, f"AppProtocol:\t{port['appProtocol']}\n")
    if port.get("nodePort"):
        w.write(0, f"NodePort:\t{name}\t{port['nodePort']}/{protocol}\n")
    w.write(0, f"Endpoints:\t{format_endpoint_slices(slices, port.get('name') or '')}\n")


def _service_policies(w: Writer, spec: Obj) -> None:
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    if spec.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")
    if spec.get("trafficDistribution"):
        w.write(0, f"Traffic Distribution:\t{spec['trafficDistribution']}\n")


def describe_endpoints(ep: Obj) -> Text:
    w = Writer()
    w.write(0, f"Name:\t{c.name(ep)}\n")
    w.write(0, f"Namespace:\t{c.namespace(ep)}\n")
    labels_multiline(w, "Labels", c.meta(ep).get("labels"))
    annotations_multiline(w, "Annotations", c.meta(ep).get("annotations"))
    w.write(0, "Subsets:\n")
    for subset in ep.get("subsets") or []:
        ready = ",".join(a.get("ip", "") for a in subset.get("addresses") or [])
        not_ready = ",".join(a.get("ip", "") for a in subset.get("notReadyAddresses") or [])
        w.write(1, f"Addresses:\t{ready or '<none>'}\n")
        w.write(1, f"NotReadyAddresses:\t{not_ready or '<none>'}\n")
        if subset.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for port in subset["ports"]:
                w.write(
                    2,
                    f"{port.get('name') or '<unset>'}\t{port.get('port', 0)}\t"
                    f"{port.get('protocol', '')}\n",
                )
        w.write(0, "\n")
    events_none(w)
    return w.text()


def describe_endpoint_slice(eps: Obj) -> Text:
    w = Writer()
    w.write(0, f"Name:\t{c.name(eps)}\n")
    w.write(0, f"Namespace:\t{c.namespace(eps)}\n")
    labels_multiline(w, "Labels", c.meta(eps).get("labels"))
    annotations_multiline(w, "Annotations", c.meta(eps).get("annotations"))
    w.write(0, f"AddressType:\t{eps.get('addressType', '')}\n")
    _slice_ports(w, eps.get("ports") or [])
    _slice_endpoints(w, eps.get("endpoints") or [])
    events_none(w)
    return w.text()


def _slice_ports(w: Writer, ports: list[Obj]) -> None:
    if not ports:
        w.write(0, "Ports: <unset>\n")
        return
    w.write(0, "Ports:\n")
    w.write(1, "Name\tPort\tProtocol\n")
    w.write(1, "----\t----\t--------\n")
    for port in ports:
        number = port.get("port")
        w.write(
            1,
            f"{port.get('name') or '<unset>'}\t"
            f"{'<unset>' if number is None else number}\t{port.get('protocol', '')}\n",
        )


def _unset(value: Any) -> str:
    return "<unset>" if value is None else str(value)


def _slice_endpoints(w: Writer, endpoints: list[Obj]) -> None:
    if not endpoints:
        w.write(0, "Endpoints: <none>\n")
        return
    w.write(0, "Endpoints:\n")
    for endpoint in endpoints:
        w.write(1, f"- Addresses:\t{', '.join(endpoint.get('addresses') or []) or '<none>'}\n")
        w.write(2, "Conditions:\n")
        ready = (endpoint.get("conditions") or {}).get("ready")
        w.write(3, f"Ready:\t{_unset(None if ready is None else str(ready).lower())}\n")
        w.write(2, f"Hostname:\t{_unset(endpoint.get('hostname'))}\n")
        target = endpoint.get("targetRef")
        if target:
            w.write(2, f"TargetRef:\t{target.get('kind', '')}/{target.get('name', '')}\n")
        w.write(2, f"NodeName:\t{_unset(endpoint.get('nodeName'))}\n")
        w.write(2, f"Zone:\t{_unset(endpoint.get('zone'))}\n")


def describe_namespace(ns: Obj) -> Text:
    """kubelab has no ResourceQuotas or LimitRanges, so both say there are none."""
    w = Writer()
    w.write(0, f"Name:\t{c.name(ns)}\n")
    labels_multiline(w, "Labels", c.meta(ns).get("labels"))
    annotations_multiline(w, "Annotations", c.meta(ns).get("annotations"))
    w.write(0, f"Status:\t{c.status(ns).get('phase', '')}\n")
    w.write(0, "\nNo resource quota.\n")
    w.write(0, "\nNo LimitRange resource.\n")
    return w.text()
