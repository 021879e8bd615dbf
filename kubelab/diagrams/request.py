"""Requests' paths: client → DNS → virtual IP / node port / load balancer → kube-proxy's
choice → pod, with SNAT marked and where traffic was refused or dropped.

Built from the hops a backend reports (`RequestResult.hops`); n requests share the steps
they have in common, and each edge counts the requests that took it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import graphviz  # type: ignore[import-untyped]

from kubelab.backend import Hop, RequestResult
from kubelab.diagrams.style import (
    MUTED,
    SMALL,
    Legend,
    box_attrs,
    esc,
    font,
    line_attrs,
    new_graph,
    node_id,
)

_PROBABILITY = re.compile(r"probability ([0-9.]+)")
_KUBE_PROXY = re.compile(r"kube-proxy on ([\w.-]+)")
_SERVICE = re.compile(
    r"(?:cluster IP|external IP|nodePort \d+|LoadBalancer IP) of ([\w.-]+/[\w.-]+)"
)
_QUOTED = re.compile(r'"([^"]+)"')
WRAP = 44  # characters per label line
SEP = " · "  # between the facts on one line


@dataclass(frozen=True)
class Station:
    """One box on the path. Requests that pass the same station share its box."""

    key: str
    look: str
    title: str
    text: str = ""
    tooltip: str = ""


@dataclass(frozen=True)
class Leg:
    """The line into a station: its kind and the words on it."""

    kind: str = "path"
    label: str = ""


def wrap(text: str, width: int = WRAP) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def head(detail: str) -> str:
    """A hop's detail up to its explanation: `pod client (10.244.1.254) on kubelab-worker`."""
    return re.split(r": | \(", detail, maxsplit=1)[0]


def _joined(*parts: str, sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


def _service(detail: str) -> str:
    found = _SERVICE.search(detail)
    return f"Service {found.group(1)}" if found else ""


def _why(detail: str) -> str:
    quoted = _QUOTED.search(detail)
    return quoted.group(1) if quoted else head(detail)


# -- one box per kind of hop --------------------------------------------------------------------


def _client(hop: Hop, outcome: str) -> Station:
    return Station("client", "client", "client", head(hop.detail), hop.detail)


def _dns(hop: Hop, outcome: str) -> Station:
    failed = not hop.address  # the name did not resolve
    return Station(node_id("dns", hop.address or hop.detail), "failed" if failed else "dns",
                   "DNS", hop.detail.split(" (")[0], hop.detail)


def _vip(hop: Hop, outcome: str) -> Station:
    return Station(node_id("vip", hop.address or hop.detail), "service", "virtual IP",
                   _joined(hop.address, _service(hop.detail)), hop.detail)


def _node_port(hop: Hop, outcome: str) -> Station:
    node = _KUBE_PROXY.search(hop.detail)
    return Station(node_id("nodeport", hop.address or hop.detail), "entry", "node port",
                   _joined(hop.address, f"node {node.group(1)}" if node else ""), hop.detail)


def _load_balancer(hop: Hop, outcome: str) -> Station:
    if not hop.address:  # what the load balancer did after the nodes failed it
        return Station(node_id("lb-gave-up", hop.detail), "failed", "load balancer",
                       hop.detail, hop.detail)
    return Station(node_id("lb", hop.address), "entry", "load balancer",
                   _joined(hop.address, _service(hop.detail)), hop.detail)


def _stopped(hop: Hop, outcome: str) -> Station:
    title = "refused" if hop.step == "reject" else "dropped"
    return Station(node_id(hop.step, hop.detail), "failed", title, _why(hop.detail), hop.detail)


def _pod(hop: Hop, outcome: str) -> Station:
    name = re.match(r"pod (\S+)", hop.detail)
    title = f"pod {name.group(1)}" if name else "answered by"
    if outcome == "ok":
        return Station(node_id("pod", hop.address or hop.detail), "ready", title,
                       hop.address, hop.detail)
    return Station(node_id("pod", hop.address or hop.detail, outcome), "failed", title,
                   _why(hop.detail.split(": ", 1)[-1]), hop.detail)


def _external(hop: Hop, outcome: str) -> Station:
    return Station(node_id("external", hop.address), "node", "outside the cluster",
                   head(hop.detail), hop.detail)


STATIONS = {"client": _client, "dns": _dns, "vip": _vip, "nodeport": _node_port,
            "loadbalancer": _load_balancer, "reject": _stopped, "drop": _stopped,
            "pod": _pod, "external": _external}


def station(hop: Hop, outcome: str) -> Station:
    """The box a hop draws (dnat and snat hops mark lines instead)."""
    make = STATIONS.get(hop.step)
    if make is not None:
        return make(hop, outcome)
    return Station(node_id(hop.step, hop.address or hop.detail), "note", hop.step,
                   head(hop.detail), hop.detail)


def _kube_proxy(previous: Station | None, entry_detail: str) -> Station:
    node = _KUBE_PROXY.search(entry_detail)
    where = f"on {node.group(1)}: " if node else ""
    key = node_id("kube-proxy", previous.key if previous else "")
    return Station(key, "kube-proxy", "kube-proxy", f"{where}picks an endpoint",
                   "kube-proxy DNATs each new connection to one endpoint")


# -- lines: DNAT's choice and SNAT mark the line into the next box -----------------------------


def _dnat_words(detail: str) -> str:
    found = _PROBABILITY.search(detail)
    if found:
        return f"p={float(found.group(1)):.2g}"
    return "session affinity" if "affinity" in detail else "DNAT"


def _mark(leg: Leg, hop: Hop) -> Leg:
    """What a snat hop adds to the line: the rewritten source, or the kept one."""
    if hop.detail.startswith("none"):
        kept = f"source {hop.address}" if hop.address else ""
        return Leg(leg.kind, _joined(leg.label, kept, sep=SEP))
    rewritten = f"SNAT → {hop.address}" if hop.address else "SNAT"
    return Leg("snat", _joined(leg.label, rewritten, sep=SEP))


def path(result: RequestResult) -> list[tuple[Station, Leg]]:
    """The stations one request passed, each with the line that led into it."""
    out: list[tuple[Station, Leg]] = []
    leg, entry = Leg(), ""
    for hop in result.hops:
        if hop.step in ("vip", "nodeport", "loadbalancer") and hop.address:
            entry = hop.detail  # it names the kube-proxy that decides
        if hop.step == "dnat":
            out.append((_kube_proxy(out[-1][0] if out else None, entry), leg))
            leg = Leg("path", _dnat_words(hop.detail))
        elif hop.step == "snat":
            leg = _mark(leg, hop)
        else:
            box = station(hop, result.outcome)
            out.append((box, Leg("blocked", leg.label) if box.look == "failed" else leg))
            leg = Leg()
    return out


def _station_label(box: Station) -> str:
    lines = [font(box.title, bold=True)]
    lines.extend(font(line, color=MUTED if box.look != "failed" else None, size=SMALL)
                 for line in wrap(box.text))
    return "<" + "<BR/>".join(lines) + ">"


def _summary(results: Sequence[RequestResult]) -> str:
    counts = Counter(r.pod if r.outcome == "ok" and r.pod else r.outcome for r in results)
    parts = [f"{name} {count}" for name, count in sorted(counts.items())]
    noun = "request" if len(results) == 1 else "requests"
    return f"{len(results)} {noun}: " + " · ".join(parts)


def _add_stations(g: graphviz.Digraph, boxes: Iterable[Station], legend: Legend) -> None:
    seen: set[str] = set()
    for box in boxes:
        if box.key in seen:
            continue
        seen.add(box.key)
        attrs = box_attrs(legend.use(box.look))
        if box.look == "kube-proxy":
            attrs["style"] = "filled,diagonals"
        if box.look == "failed":
            attrs["shape"] = "octagon"
        g.node(box.key, label=_station_label(box), tooltip=esc(box.tooltip), **attrs)


def request_graph(results: Sequence[RequestResult], legend: bool = True,
                  title: str = "") -> graphviz.Digraph:
    """One picture of n requests: shared steps drawn once, edges labelled with counts."""
    results = list(results)
    title = title or _summary(results)
    g = new_graph("request", title)
    keys = Legend()
    paths = [path(r) for r in results]
    _add_stations(g, (box for p in paths for box, _ in p), keys)
    edges: Counter[tuple[str, str, str, str]] = Counter()
    for stations in paths:
        for (before, _), (after, leg) in pairwise(stations):
            edges[(before.key, after.key, leg.kind, leg.label)] += 1
    for (tail, tip, kind, label), count in sorted(edges.items()):
        words = label
        if len(results) > 1:
            words = _joined(label, f"{count}\N{MULTIPLICATION SIGN}", sep=SEP)
        weight = 1.0 + 2.0 * count / len(results) if len(results) > 1 else 1.0
        g.edge(tail, tip, **line_attrs(keys.use(kind), words, weight))
    if legend:
        keys.draw(g, title)
    return g
