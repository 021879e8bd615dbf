"""Ask the cluster DNS a name from a pod in a chosen namespace; see every name tried."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as widgets  # type: ignore[import-untyped]

from kubelab.widgets._common import DiagramView, LabWidget, button, html_box, names, pre

if TYPE_CHECKING:
    from kubelab.backend import DnsAnswer
    from kubelab.facade import Lab

RECORD_TYPES = ("A", "AAAA", "SRV", "PTR", "CNAME", "TXT")


class DnsExplorer(LabWidget):
    """A name, the client pod's namespace and a record type -> the resolver's walk.

    Controls: `name_text` (resolves on Enter or leaving the box), `namespace_dropdown`,
    `type_dropdown`, `resolve_button`.
    Views: `tried_html` (the search list, each name asked), `answer_html` (as dig prints
    the answer section), `diagram_html`, `message_html`.
    """

    def __init__(self, lab: Lab, name: str = "kubernetes.default",
                 namespace: str | None = None) -> None:
        super().__init__(lab, namespace, "kubelab-dns-explorer")
        self.answer: DnsAnswer | None = None
        self.name_text = widgets.Text(value=name, description="name", continuous_update=False)
        self.name_text.add_class("kubelab-dns-name")
        self.namespace_dropdown = widgets.Dropdown(description="from ns")
        self.namespace_dropdown.add_class("kubelab-namespace")
        self.type_dropdown = widgets.Dropdown(options=RECORD_TYPES, value="A",
                                              description="type")
        self.type_dropdown.add_class("kubelab-record-type")
        self.resolve_button = button("Resolve", "kubelab-resolve", "ask the cluster DNS")
        self.tried_html = html_box("kubelab-tried")
        self.answer_html = html_box("kubelab-answer")
        self.diagram_html = DiagramView()
        self.children = [
            widgets.HTML("<b>Cluster DNS</b>: what does a pod's resolver ask, what comes back?"),
            widgets.HBox([self.name_text, self.type_dropdown]),
            widgets.HBox([self.namespace_dropdown, self.resolve_button]),
            self.message_html,
            self.tried_html,
            self.answer_html,
            self.diagram_html,
        ]
        for control in (self.name_text, self.namespace_dropdown, self.type_dropdown):
            self.when_changed(control, self.resolve)
        self.when_clicked(self.resolve_button, self.resolve)
        self.attempt(self._start)

    def _start(self) -> None:
        with self.quietly():
            self.namespace_dropdown.options = names(self.lab.list("namespaces"))
            self.namespace_dropdown.value = self.namespace
        self.resolve()

    def resolve(self) -> None:
        """Resolve the name from a pod in the chosen namespace; redraw."""
        name = self.name_text.value.strip()
        namespace = self.namespace_dropdown.value or self.namespace
        self.answer = self.lab.resolve(name, self.type_dropdown.value, namespace=namespace)
        self.tried_html.value = tried_view(self.answer)
        self.answer_html.value = answer_view(self.answer)
        self.diagram_html.show(self.lab.diagram_dns(self.answer))


def tried_view(answer: DnsAnswer) -> str:
    """The client's resolv.conf, then each name asked, in order, and which one answered."""
    conf = (f"nameserver {answer.nameserver}\nsearch {' '.join(answer.search)}\n"
            f"options ndots:{answer.ndots}")
    rows = "".join(
        f"<li class='{'kubelab-answered' if name == answer.answered else 'kubelab-unanswered'}'>"
        f"<code>{html.escape(name)}</code> "
        f"{'✓ answered' if name == answer.answered else '✗ no answer'}</li>"
        for name in answer.tried)
    return (f"<div>the client pod's /etc/resolv.conf (namespace "
            f"<code>{html.escape(answer.namespace)}</code>):</div>"
            + pre(conf) + f"<div>names asked, in order:</div><ol>{rows}</ol>")


def answer_view(answer: DnsAnswer) -> str:
    """The answer as dig prints its status and answer section."""
    lines = [f";; ->>HEADER<<- opcode: QUERY, status: {answer.rcode}"]
    if answer.records:
        lines.append(";; ANSWER SECTION:")
        lines += [f"{r.name}\t{r.ttl}\tIN\t{r.type}\t{r.value}" for r in answer.records]
    if answer.additional:
        lines.append(";; ADDITIONAL SECTION:")
        lines += [f"{r.name}\t{r.ttl}\tIN\t{r.type}\t{r.value}" for r in answer.additional]
    return pre("\n".join(lines), "kubelab-pre kubelab-dig")


def dns_explorer(lab: Lab, name: str = "kubernetes.default",
                 namespace: str | None = None) -> DnsExplorer:
    """Type a name, pick the client pod's namespace and a record type; see the lookup."""
    return DnsExplorer(lab, name, namespace)
