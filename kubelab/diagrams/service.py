"""One Service: its entry points, its selector against each pod, its EndpointSlices, and
the port chain port → targetPort → containerPort on every pod."""

from __future__ import annotations

from collections.abc import Sequence

import graphviz  # type: ignore[import-untyped]

from kubelab import ports
from kubelab.diagrams import snapshot as snap
from kubelab.diagrams.cluster import pod_id, service_id
from kubelab.diagrams.matching import KeyCheck, compare, near_miss, selects
from kubelab.diagrams.snapshot import Object, Snapshot
from kubelab.diagrams.style import (
    LOOKS,
    MUTED,
    SMALL,
    Legend,
    box_attrs,
    font,
    line_attrs,
    new_graph,
    node_id,
    row,
    table,
)
from kubelab.errors import UsageError

OK, BAD, WARN = LOOKS["ready"].line, LOOKS["failed"].line, LOOKS["not-ready"].line
MAX_UNRELATED = 6  # pods with none of the selector's keys: named in one note, at most


def _spec(service: Object) -> Object:
    return dict(service.get("spec") or {})


def service_ports(service: Object) -> list[Object]:
    return list(_spec(service).get("ports") or ())


def _port_name(port: Object) -> str:
    return str(port.get("name") or port.get("port"))


# -- the Service box -------------------------------------------------------------------------


def service_box(service: Object) -> str:
    spec = _spec(service)
    kind = spec.get("type", "ClusterIP")
    ip = spec.get("clusterIP") or "no IP"
    rows = [row(font(f"Service {snap.name_of(service)}", bold=True)),
            row(font(f"{kind} · cluster IP {'None (headless)' if ip == 'None' else ip}",
                     size=SMALL))]
    selector = snap.service_selector(service)
    if not selector:
        rows.append(row(font("no selector: EndpointSlices are not managed for it", color=WARN,
                             size=SMALL)))
    for i, key in enumerate(sorted(selector)):
        rows.append(row(font(f"selector {key}={selector[key]}", size=SMALL, bold=True),
                        port=f"sel{i}"))
    for port in service_ports(service):
        target = ports.target_port(port)
        named = " (named)" if isinstance(target, str) else ""
        text = (f"port {_port_name(port)}: {port.get('port')}/{port.get('protocol', 'TCP')}"
                f" → targetPort {target}{named}")
        rows.append(row(font(text, size=SMALL)))
    return table(rows, "service")


# -- entry points: a nodePort on every node, the load balancer ---------------------------------


def add_entries(g: graphviz.Digraph, service: Object, nodes: Sequence[Object],
                legend: Legend) -> None:
    """Each node's IP:nodePort into the Service; the load balancer into every node port."""
    svc = service_id(service)
    node_ports = [p for p in service_ports(service) if p.get("nodePort")]
    entry_ids: list[str] = []
    for node in sorted(nodes, key=snap.name_of):
        for port in node_ports:
            ident = node_id("nodeport", snap.name_of(node), str(port["nodePort"]))
            address = f"{snap.node_ip(node)}:{port['nodePort']}"
            via = f"nodePort → port {port.get('port')}"
            text = (f"<{font(snap.name_of(node), bold=True)}<BR/>{font(address, size=SMALL)}"
                    f"<BR/>{font(via, color=MUTED, size=SMALL)}>")
            g.node(ident, label=text, **box_attrs(legend.use("entry")))
            g.edge(ident, svc, **line_attrs(legend.use("path")))
            entry_ids.append(ident)
    for ip in snap.ingress_ips(service):
        ident = node_id("lb", ip)
        listens = ", ".join(f"{ip}:{p.get('port')}" for p in service_ports(service))
        text = f"<{font('load balancer', bold=True)}<BR/>{font(listens, size=SMALL)}>"
        g.node(ident, label=text, **box_attrs(legend.use("entry")))
        for target in entry_ids or [svc]:
            g.edge(ident, target, **line_attrs("path"))


# -- EndpointSlices --------------------------------------------------------------------------


def _flag(condition: str, value: object) -> str:
    """A condition's value: ready/serving true is good news, terminating true is not."""
    if value is None:
        return font("-", color=MUTED, size=SMALL)
    if condition == "terminating":
        color = LOOKS["terminating"].line if value else MUTED
        return font(str(bool(value)).lower(), color=color, size=SMALL, bold=bool(value))
    return font("true", color=OK, size=SMALL) if value else font("false", color=BAD, size=SMALL)


COLUMNS = ("address", "pod", "ready", "serving", "terminating")


def _cells(texts: list[str], last_port: str = "") -> str:
    """A table row of cells; the last one carries the port an edge leaves from."""
    port = f' PORT="{last_port}"' if last_port else ""
    tds = [f'<TD ALIGN="LEFT">{t}</TD>' for t in texts[:-1]]
    tds.append(f'<TD ALIGN="LEFT"{port}>{texts[-1]}</TD>')
    return f"<TR>{''.join(tds)}</TR>"


def _endpoint_row(index: int, endpoint: Object) -> str:
    cond = endpoint.get("conditions") or {}
    pod = (endpoint.get("targetRef") or {}).get("name", "")
    return _cells([font(", ".join(endpoint.get("addresses") or ()), size=SMALL),
                   font(pod or "-", size=SMALL),
                   *(_flag(k, cond.get(k)) for k in COLUMNS[2:])], f"ep{index}")


def slice_box(item: Object) -> str:
    """The slice's name and ports, then one row per endpoint with its conditions."""
    look = LOOKS["slice"]
    slice_ports = ", ".join(
        f"{p.get('name') or '-'} {p.get('port')}/{p.get('protocol', 'TCP')}"
        for p in item.get("ports") or ()
    ) or "none"
    head = (f'<TR><TD COLSPAN="{len(COLUMNS)}" ALIGN="LEFT">'
            f"{font('EndpointSlice ' + snap.name_of(item), bold=True)}<BR/>"
            f"{font('ports: ' + slice_ports, color=MUTED, size=SMALL)}</TD></TR>")
    header = _cells([font(n, color=MUTED, size=SMALL) for n in COLUMNS])
    body = [_endpoint_row(i, e) for i, e in enumerate(item.get("endpoints") or ())]
    if not body:
        body.append(f'<TR><TD COLSPAN="{len(COLUMNS)}">'
                    f'{font("no endpoints", color=BAD, size=SMALL)}</TD></TR>')
    return (f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" '
            f'BGCOLOR="{look.fill}" COLOR="{look.line}" STYLE="rounded">'
            f"{head}{header}{''.join(body)}</TABLE>>")


def endpoint_line(cond: Object) -> str:
    """The line from an endpoint row to its pod, by the endpoint's conditions."""
    if cond.get("terminating"):
        return "to-terminating"
    return "to-ready" if cond.get("ready") else "to-not-ready"


def add_slices(g: graphviz.Digraph, service: Object, slices: list[Object], pods: set[str],
               legend: Legend) -> set[str]:
    """Draw the slices; link each endpoint row to its pod. Returns the pods linked."""
    linked: set[str] = set()
    for item in sorted(slices, key=snap.name_of):
        ident = node_id("slice", snap.namespace_of(item), snap.name_of(item))
        g.node(ident, label=slice_box(item))
        legend.use("slice")
        g.edge(service_id(service), ident, **line_attrs(legend.use("lists"),
               f"{snap.SERVICE_NAME_LABEL}={snap.name_of(service)}"))
        for i, endpoint in enumerate(item.get("endpoints") or ()):
            pod = (endpoint.get("targetRef") or {}).get("name")
            if pod not in pods:
                continue
            kind = legend.use(endpoint_line(dict(endpoint.get("conditions") or {})))
            g.edge(f"{ident}:ep{i}", node_id("pod", snap.namespace_of(service), str(pod)),
                   **line_attrs(kind))
            linked.add(str(pod))
    return linked


# -- pods --------------------------------------------------------------------------------------


def _key_text(check: KeyCheck) -> str:
    """One selector key as the pod box shows it."""
    if check.ok:
        return f"{check.key}={check.actual}  matches"
    if check.verdict == "different":
        why = " (only the case differs)" if check.case_only else (
            " (a typo?)" if check.similar else "")
        return f"{check.key}={check.actual}  ≠ {check.wanted}{why}"
    if check.pod_key is not None:
        return f"{check.pod_key}={check.actual}  key ≠ {check.key} (only the case differs)"
    return f"{check.key}: missing"


def _label_rows(checks: list[KeyCheck], labels: dict[str, str]) -> list[str]:
    rows = [row(font(_key_text(c), color=OK if c.ok else BAD, size=SMALL, bold=not c.ok))
            for c in checks]
    named = {c.key for c in checks} | {c.pod_key for c in checks if c.pod_key}
    others = [f"{k}={v}" for k, v in sorted(labels.items()) if k not in named]
    if others:
        rows.append(row(font(", ".join(others), color=MUTED, size=SMALL)))
    return rows


def port_chain(port: Object, pod: Object) -> tuple[str, str]:
    """`80 → http → 8080` for one Service port on one pod, and its colour."""
    target = ports.target_port(port)
    head = f"{port.get('port')} → "
    resolved = ports.resolve_target_port(port, pod)
    if resolved is None:
        have = ", ".join(f"{p.name or '-'} {p.number}/{p.protocol}"
                         for p in ports.container_ports(pod)) or "none"
        return f"{head}{target} → not found (pod ports: {have})", BAD
    if isinstance(target, str):
        return f"{head}{target} → {resolved}", OK
    protocol = str(port.get("protocol", "TCP"))
    if not ports.declares(pod, resolved, protocol):
        return f"{head}{resolved} (no container declares it)", WARN
    return f"{head}{resolved}", OK


def pod_box(pod: Object, service: Object, checks: list[KeyCheck]) -> str:
    state = snap.pod_state(pod)
    rows = [row(font(snap.name_of(pod), bold=True)),
            row(font(f"{snap.pod_ip(pod) or 'no IP'} on {snap.node_of(pod) or 'no node'}",
                     color=MUTED, size=SMALL))]
    rows.extend(_label_rows(checks, snap.labels_of(pod)))
    rows.append(row(font(state.reason, color=LOOKS[state.state].line, size=SMALL, bold=True)))
    if all(c.ok for c in checks):
        for port in service_ports(service):
            text, color = port_chain(port, pod)
            rows.append(row(font(text, color=color, size=SMALL)))
    return table(rows, state.state, dashed=state.state == "pending")


def _mismatch_text(checks: list[KeyCheck]) -> str:
    return "\\n".join(c.short() for c in checks if not c.ok)  # DOT's escaped newline


def add_pods(g: graphviz.Digraph, service: Object, pods: list[Object], slices: list[Object],
             legend: Legend) -> list[str]:
    """Selected and nearly selected pods; returns the names of the unrelated ones."""
    selector = snap.service_selector(service)
    chosen, unrelated = [], []
    for pod in sorted(pods, key=snap.name_of):
        checks = compare(selector, snap.labels_of(pod))
        if selector and (selects(selector, snap.labels_of(pod)) or near_miss(checks)):
            chosen.append((pod, checks))
        else:
            unrelated.append(snap.name_of(pod))
    names = {snap.name_of(p) for p, _ in chosen}
    linked = add_slices(g, service, slices, names, legend)
    for pod, checks in chosen:
        legend.use(snap.pod_state(pod).state)
        g.node(pod_id(pod), label=pod_box(pod, service, checks))
        if not all(c.ok for c in checks):
            g.edge(service_id(service), pod_id(pod),
                   **line_attrs(legend.use("mismatch"), _mismatch_text(checks)))
        elif snap.name_of(pod) not in linked:
            state = snap.pod_state(pod)
            label = f"selected, not an endpoint: {state.reason}"
            g.edge(service_id(service), pod_id(pod),
                   **line_attrs(legend.use(f"to-{state.state}"), label))
    return unrelated


def service_graph(data: Snapshot, name: str, namespace: str, legend: bool = True,
                  title: str = "") -> graphviz.Digraph:
    """A Service from its entry points to its pods, with selector checks and port chains."""
    service = data.service(name, namespace)
    if service is None:
        raise UsageError(f'no Service "{name}" in namespace "{namespace}" in the snapshot')
    title = title or f"Service {namespace}/{name}"
    g = new_graph("service", title)
    keys = Legend()
    g.node(service_id(service), label=service_box(service))
    keys.use("service")
    add_entries(g, service, data.nodes, keys)
    unrelated = add_pods(g, service, data.pods_in(namespace), data.slices_of(service), keys)
    if unrelated:
        shown = ", ".join(unrelated[:MAX_UNRELATED])
        extra = len(unrelated) - MAX_UNRELATED
        more = f" and {extra} more" if extra > 0 else ""
        why = "far from the selector" if snap.service_selector(service) else "no selector"
        text = f"other pods in {namespace} ({why}): {shown}{more}"
        g.node("unrelated", label=text, fontcolor=MUTED, fontsize=SMALL,
               **box_attrs("note", dashed=True))
        g.edge(service_id(service), "unrelated", style="invis")
    if legend:
        keys.draw(g, title)
    return g

