"""The cluster: nodes holding their pods, Services, and which pods each Service selects."""

from __future__ import annotations

from collections.abc import Iterable

import graphviz  # type: ignore[import-untyped]

from kubelab.diagrams import snapshot as snap
from kubelab.diagrams.matching import selects
from kubelab.diagrams.snapshot import Object, Snapshot
from kubelab.diagrams.style import (
    LOOKS,
    MUTED,
    SMALL,
    Legend,
    font,
    line_attrs,
    new_graph,
    node_id,
    row,
    table,
)

# Labels controllers add to every pod; they only clutter a picture of selectors.
HIDDEN_LABELS = frozenset({"pod-template-hash", "controller-revision-hash",
                           "pod-template-generation", "statefulset.kubernetes.io/pod-name",
                           "apps.kubernetes.io/pod-index"})
ANCHOR = "anchor"  # an invisible point beside the Services that every pod hangs from
COMPACT = 12  # more pods than this on a node: one line per pod, so 50 pods stay legible


def pod_id(pod: Object) -> str:
    return node_id("pod", snap.namespace_of(pod), snap.name_of(pod))


def service_id(service: Object) -> str:
    return node_id("svc", snap.namespace_of(service), snap.name_of(service))


def _qualified(obj: Object, many: bool) -> str:
    name = snap.name_of(obj)
    return f"{snap.namespace_of(obj)}/{name}" if many else name


def _shown_labels(pod: Object) -> list[str]:
    return [f"{k}={v}" for k, v in sorted(snap.labels_of(pod).items()) if k not in HIDDEN_LABELS]


def pod_label(pod: Object, many_namespaces: bool = False, compact: bool = False) -> str:
    """Name, IP, labels and readiness; on one line when `compact` (the colour tells state)."""
    state = snap.pod_state(pod)
    name = _qualified(pod, many_namespaces)
    ip = font(snap.pod_ip(pod) or "no IP", color=MUTED, size=SMALL)
    status = font(state.reason, color=LOOKS[state.state].line, size=SMALL, bold=True)
    labels = _shown_labels(pod)
    if compact:
        parts = [font(name, bold=True, size=SMALL), ip,
                 font(",".join(labels) or "no labels", size=SMALL)]
        if state.state != "ready":
            parts.append(status)
        rows = [row("  ".join(parts))]
    else:
        tags = ("<BR/>".join(font(t, size=SMALL) for t in labels) if labels
                else font("no labels", color=MUTED, size=SMALL))
        rows = [row(font(name, bold=True)), row(ip), row(tags), row(status)]
    return table(rows, state.state, dashed=state.state == "pending")


def _ports_text(service: Object) -> list[str]:
    lines = []
    for port in (service.get("spec") or {}).get("ports") or ():
        target = port.get("targetPort", port.get("port"))
        text = f"{port.get('port')}/{port.get('protocol', 'TCP')} → {target}"
        if port.get("nodePort"):
            text += f", nodePort {port['nodePort']}"
        lines.append(text)
    return lines


def service_label(service: Object, many_namespaces: bool = False) -> str:
    spec = service.get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    rows = [row(font(f"Service {_qualified(service, many_namespaces)}", bold=True))]
    if kind == "ExternalName":
        rows.append(row(font(f"ExternalName → {spec.get('externalName', '')}", size=SMALL)))
    else:
        ip = spec.get("clusterIP") or "no IP"
        ip = "None (headless)" if ip == "None" else ip
        rows.append(row(font(f"{kind} {ip}", size=SMALL)))
    selector = snap.service_selector(service)
    text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    rows.append(row(font(f"selector {text}" if text else "no selector", size=SMALL,
                         bold=bool(selector))))
    rows.extend(row(font(line, color=MUTED, size=SMALL)) for line in _ports_text(service))
    for ip in snap.ingress_ips(service):
        rows.append(row(font(f"load balancer {ip}", color=LOOKS["entry"].line, size=SMALL)))
    return table(rows, "service")


def node_title(node: Object) -> str:
    roles = ",".join(snap.node_roles(node))
    cidr = (node.get("spec") or {}).get("podCIDR", "")
    parts = [snap.node_ip(node), f"pods {cidr}" if cidr else "", roles]
    detail = " · ".join(p for p in parts if p)
    return f"<{font(snap.name_of(node), bold=True)}<BR/>{font(detail, color=MUTED, size=SMALL)}>"


def _add_node_box(g: graphviz.Digraph, name: str, title: str, pods: list[Object],
                  many: bool, legend: Legend) -> None:
    look = LOOKS["node"]
    with g.subgraph(name=node_id("cluster", "node", name)) as box:
        box.attr(label=title, style="rounded,filled", fillcolor=look.fill, color=look.line,
                 margin="8")
        legend.use("node")
        if not pods:
            box.node(node_id("empty", name), label=f"<{font('no pods', color=MUTED, size=SMALL)}>")
            box.edge(ANCHOR, node_id("empty", name), style="invis")
        compact = len(pods) > COMPACT
        for pod in pods:
            legend.use(snap.pod_state(pod).state)
            box.node(pod_id(pod), label=pod_label(pod, many, compact))
            # every pod one column right of the Services, selected or not
            box.edge(ANCHOR, pod_id(pod), style="invis")


def _edge_kind(pod: Object, slices: Iterable[Object]) -> tuple[str, str]:
    """The line from a Service to a pod it selects: its kind and label. Solid when the pod
    is ready, or when its endpoint is ready anyway (publishNotReadyAddresses)."""
    state = snap.pod_state(pod)
    conditions = snap.endpoint_conditions(slices, snap.name_of(pod))
    if state.state == "ready" or (conditions or {}).get("ready"):
        return "to-ready", ""
    return f"to-{state.state}", "terminating" if state.state == "terminating" else state.reason


def add_selection_edges(g: graphviz.Digraph, services: list[Object], pods: list[Object],
                        data: Snapshot, legend: Legend) -> None:
    for service in services:
        selector = snap.service_selector(service)
        slices = data.slices_of(service)
        for pod in pods:
            same_ns = snap.namespace_of(pod) == snap.namespace_of(service)
            if not (same_ns and selects(selector, snap.labels_of(pod))):
                continue
            kind, label = _edge_kind(pod, slices)
            g.edge(service_id(service), pod_id(pod), **line_attrs(legend.use(kind), label))


def cluster_graph(data: Snapshot, title: str = "", legend: bool = True) -> graphviz.Digraph:
    """Nodes as boxes holding their pods, Services on the left, an edge to each selected pod.

    Draws every pod and Service in the snapshot: choose the namespaces when gathering it.
    """
    title = title or "the cluster"
    g = new_graph("cluster", title)
    pods = sorted(data.pods, key=lambda p: (snap.namespace_of(p), snap.name_of(p)))
    services = sorted(data.services, key=lambda s: (snap.namespace_of(s), snap.name_of(s)))
    many = len({snap.namespace_of(o) for o in [*pods, *services]}) > 1
    keys = Legend()
    with g.subgraph(name="services") as column:
        column.attr(rank="min")
        column.node(ANCHOR, style="invis", shape="point", width="0", label="")
        for service in services:
            column.node(service_id(service), label=service_label(service, many))
            keys.use("service")
    nodes = sorted(data.nodes, key=snap.name_of)
    known = {snap.name_of(n) for n in nodes}
    for node in nodes:
        here = [p for p in pods if snap.node_of(p) == snap.name_of(node)]
        _add_node_box(g, snap.name_of(node), node_title(node), here, many, keys)
    stray = sorted({snap.node_of(p) for p in pods} - known - {""})
    for name in stray:
        here = [p for p in pods if snap.node_of(p) == name]
        _add_node_box(g, name, f"<{font(name, bold=True)}>", here, many, keys)
    unscheduled = [p for p in pods if not snap.node_of(p)]
    if unscheduled:
        title_html = f"<{font('not scheduled on a node', bold=True)}>"
        _add_node_box(g, "", title_html, unscheduled, many, keys)
    add_selection_edges(g, services, pods, data, keys)
    if legend:
        keys.draw(g, title)
    return g
