"""Edit a Service's selector and a pod's labels; see which pods the Service selects."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as widgets  # type: ignore[import-untyped]

from kubelab import selectors
from kubelab.errors import KubelabError
from kubelab.widgets._common import (
    DiagramView,
    LabWidget,
    Object,
    button,
    format_labels,
    html_box,
    is_ready,
    is_terminating,
    map_patch,
    parse_labels,
    pre,
)

if TYPE_CHECKING:
    from kubelab.facade import Lab


class SelectorExplorer(LabWidget):
    """The Service's selector and one pod's labels as text; Apply patches both.

    Controls: `selector_text`, `pod_dropdown`, `labels_text`, `apply_button`.
    Views: `matching_html` (every pod, matched or not), `why_html` (why the chosen pod is
    or is not an endpoint), `diagram_html` (the Service and what it selects),
    `message_html` (what changed, or the API server's error).
    """

    def __init__(self, lab: Lab, service: str, namespace: str | None = None) -> None:
        super().__init__(lab, namespace, "kubelab-selector-explorer")
        self.service = service
        self.pods: dict[str, Object] = {}
        self.selector_text = widgets.Text(description="selector", placeholder="app=web")
        self.selector_text.add_class("kubelab-selector")
        self.pod_dropdown = widgets.Dropdown(description="pod")
        self.pod_dropdown.add_class("kubelab-pod")
        self.labels_text = widgets.Text(description="labels", placeholder="app=web")
        self.labels_text.add_class("kubelab-labels")
        self.apply_button = button("Apply", "kubelab-apply",
                                   "patch the Service's selector and the pod's labels")
        self.matching_html = html_box("kubelab-matching")
        self.why_html = html_box("kubelab-why")
        self.diagram_html = DiagramView()
        self.children = [
            widgets.HTML(f"<b>Service {html.escape(service)}</b>: which pods does it select?"),
            self.selector_text,
            widgets.HBox([self.pod_dropdown, self.labels_text]),
            self.apply_button,
            self.message_html,
            self.matching_html,
            self.why_html,
            self.diagram_html,
        ]
        self.when_clicked(self.apply_button, self.apply)
        self.when_changed(self.pod_dropdown, self.show_pod)
        self.attempt(self.refresh)

    # -- changes ------------------------------------------------------------------------------

    def apply(self) -> None:
        """Patch what the texts changed (`kubectl patch --type merge`), then redraw."""
        selector = parse_labels(self.selector_text.value)  # both parsed before any change
        pod = self.pod_dropdown.value
        labels = parse_labels(self.labels_text.value) if pod else None
        done: list[str] = []
        try:
            done.append(self._patch_selector(selector))
            if pod and labels is not None:
                done.append(self._patch_labels(pod, labels))
        except KubelabError:
            if any(done):  # the selector changed before the labels were refused
                self.refresh(texts=False)
            raise
        said = [line for line in done if line]
        self.refresh()
        self.message_html.info("\n".join(said) or "nothing to change: the cluster already says so")

    def _patch_selector(self, selector: dict[str, str]) -> str:
        svc = self.lab.read("svc", self.service, self.namespace)
        old = svc["spec"].get("selector") or {}
        if old == selector:
            return ""
        self.lab.patch("svc", self.service, {"spec": {"selector": map_patch(old, selector)}},
                       self.namespace, type="merge")
        if not selector:
            return (f"service/{self.service} has no selector now: Kubernetes manages no "
                    "EndpointSlices for it")
        return f"service/{self.service} selector: {format_labels(old)} → {format_labels(selector)}"

    def _patch_labels(self, pod: str, labels: dict[str, str]) -> str:
        old = self.lab.read("pod", pod, self.namespace)["metadata"].get("labels") or {}
        if old == labels:
            return ""
        self.lab.patch("pod", pod, {"metadata": {"labels": map_patch(old, labels)}},
                       self.namespace, type="merge")
        return f"pod/{pod} labels: {format_labels(old)} → {format_labels(labels)}"

    # -- views ----------------------------------------------------------------------------------

    def refresh(self, texts: bool = True) -> None:
        """Read the Service and the pods once; redraw everything that shows them.

        texts=False keeps what the learner typed (after a refusal, to fix and retry)."""
        svc = self.lab.read("svc", self.service, self.namespace)
        self.pods = {p["metadata"]["name"]: p for p in self.lab.list("pods", self.namespace)}
        selector = svc["spec"].get("selector") or {}
        if texts:
            self.selector_text.value = format_labels(selector)
        with self.quietly():
            chosen = self.pod_dropdown.value
            self.pod_dropdown.options = list(self.pods)
            self.pod_dropdown.value = chosen if chosen in self.pods else next(iter(self.pods), None)
        self.matching_html.value = matching_table(selector, list(self.pods.values()))
        self.show_pod(texts)
        self.diagram_html.show(self.lab.diagram_service(self.service, namespace=self.namespace))

    def show_pod(self, texts: bool = True) -> None:
        """The chosen pod's labels and why it is (not) behind the Service."""
        pod = self.pod_dropdown.value
        if not pod or pod not in self.pods:
            self.labels_text.value, self.why_html.value = "", ""
            return
        if texts:
            self.labels_text.value = format_labels(self.pods[pod]["metadata"].get("labels"))
        why = self.lab.why_not(self.service, pod, namespace=self.namespace)
        self.why_html.value = pre(str(why), "kubelab-pre kubelab-explanation")


def matching_table(selector: dict[str, str], pods: list[Object]) -> str:
    """Every pod of the namespace: its labels, whether the selector picks it, ready or not."""
    picked = [p for p in pods if selector and selectors.service_selects(selector, _labels(p))]
    endpoints = [p for p in picked if is_ready(p) and not is_terminating(p)]
    if not selector:
        head = "no selector: the Service selects no pods (EndpointSlices are yours to write)"
    else:
        head = (f"selector <code>{html.escape(format_labels(selector))}</code> selects "
                f"{len(picked)} of {len(pods)} pods; {len(endpoints)} ready (the endpoints)")
    rows = "".join(_row(p, p in picked, p in endpoints) for p in pods)
    return (f"<div>{head}</div><table class='kubelab-pods'><tr><th></th><th>pod</th>"
            f"<th>labels</th><th>ready</th></tr>{rows}</table>")


def _row(pod: Object, picked: bool, endpoint: bool) -> str:
    name = html.escape(pod["metadata"]["name"])
    css = "kubelab-match" if picked else "kubelab-nomatch"
    mark = "✓" if picked else "✗"
    ready = "terminating" if is_terminating(pod) else ("yes" if is_ready(pod) else "no")
    style = "font-weight: bold;" if endpoint else ("" if picked else "color: #888;")
    return (f"<tr class='{css}' style='{style}'><td>{mark}</td><td>{name}</td>"
            f"<td><code>{html.escape(format_labels(_labels(pod)))}</code></td>"
            f"<td>{ready}</td></tr>")


def _labels(pod: Object) -> dict[str, str]:
    return dict(pod["metadata"].get("labels") or {})


def selector_explorer(lab: Lab, service: str, namespace: str | None = None) -> SelectorExplorer:
    """Edit `service`'s selector and a pod's labels, and watch which pods it selects."""
    return SelectorExplorer(lab, service, namespace)
