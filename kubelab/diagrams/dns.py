"""A DNS answer: the names the resolver tried along the search path, the one that answered,
and its records with their TTLs."""

from __future__ import annotations

import graphviz  # type: ignore[import-untyped]

from kubelab.backend import DnsAnswer, DnsRecord
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


def origin(answer: DnsAnswer, name: str) -> str:
    """Where a tried name came from: a search domain, or the name as given."""
    stem = answer.question.rstrip(".")
    for domain in answer.search:
        if name.rstrip(".") == f"{stem}.{domain.rstrip('.')}":
            return f"search: {domain}"
    return "absolute" if answer.question.endswith(".") else "as given"


def client_box(answer: DnsAnswer) -> str:
    who = f"pod {answer.client_pod}" if answer.client_pod else "client"
    rows = [row(font(f"{who} ({answer.namespace})", bold=True)),
            row(font(f"asks: {answer.question} ({answer.type})", size=SMALL))]
    if answer.nameserver:
        rows.append(row(font(f"nameserver {answer.nameserver}", color=MUTED, size=SMALL)))
    if answer.search:
        rows.append(row(font("search " + " ".join(answer.search), color=MUTED, size=SMALL)))
        rows.append(row(font(f"options ndots:{answer.ndots}", color=MUTED, size=SMALL)))
    return table(rows, "client")


def tried_box(answer: DnsAnswer, index: int, name: str) -> tuple[str, str]:
    """The label and look of the index-th name tried."""
    answered = name == answer.answered
    look = "answer" if answered else "nxdomain"
    rcode = "NOERROR" if answered else "NXDOMAIN"
    color = LOOKS[look].line
    rows = [row(font(f"{index + 1}. {name}", bold=answered, strike=not answered,
                     color=None if answered else MUTED)),
            row(font(f"{origin(answer, name)} · {rcode}", color=color, size=SMALL))]
    return table(rows, look), look


def record_text(record: DnsRecord) -> str:
    return f"{record.type} {record.value}"


def record_box(record: DnsRecord, extra: bool = False) -> str:
    section = "additional · " if extra else ""
    rows = [row(font(record_text(record), bold=True)),
            row(font(f"{section}{record.name}", color=MUTED, size=SMALL)),
            row(font(f"TTL {record.ttl} s", size=SMALL))]
    return table(rows, "record")


def dns_graph(answer: DnsAnswer, legend: bool = True, title: str = "") -> graphviz.Digraph:
    """Client → each name tried in order (NXDOMAIN ones struck out) → records with TTLs."""
    head = title or f"DNS: {answer.question} ({answer.type}) → {answer.rcode}"
    g = new_graph("dns", head)
    keys = Legend()
    g.node("client", label=client_box(answer))
    keys.use("client")
    previous, kind = "client", "path"
    answered_id = ""
    for i, name in enumerate(answer.tried):
        ident = node_id("try", str(i))
        label, look = tried_box(answer, i, name)
        g.node(ident, label=label)
        keys.use(look)
        g.edge(previous, ident, **line_attrs(keys.use(kind), "asks" if i == 0 else "then"))
        if name == answer.answered:
            answered_id = ident
            break
        previous, kind = ident, "next-try"
    if not answered_id:
        verdict = answer.rcode if answer.rcode != "NOERROR" else f"no {answer.type} record"
        g.node("rcode", label=table([row(font(verdict, bold=True))], "failed"))
        keys.use("failed")
        g.edge(previous, "rcode", **line_attrs(keys.use("blocked"), "no more names"))
        answered_id = "rcode"
    for i, record in enumerate(answer.records):
        ident = node_id("record", str(i))
        g.node(ident, label=record_box(record))
        g.edge(answered_id, ident, **line_attrs(keys.use("path")))
        keys.use("record")
    for i, record in enumerate(answer.additional):
        ident = node_id("additional", str(i))
        g.node(ident, label=record_box(record, extra=True))
        g.edge(answered_id, ident, style="dashed", color=LOOKS["record"].line)
    if legend:
        keys.draw(g, head)
    return g
