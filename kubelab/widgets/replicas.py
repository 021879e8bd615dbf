"""Scale a Deployment, flip its pods' readiness, let time pass; watch the cluster."""

from __future__ import annotations

import html
from functools import partial
from typing import TYPE_CHECKING

import ipywidgets as widgets  # type: ignore[import-untyped]

from kubelab import selectors
from kubelab.widgets._common import (
    DiagramView,
    LabWidget,
    Object,
    ReadyChecks,
    button,
    html_box,
    pre,
)

if TYPE_CHECKING:
    from kubelab.facade import Lab

ADVANCE_SECONDS = 30


class Replicas(LabWidget):
    """A Deployment's replicas slider, its pods' readiness, and a clock.

    Controls: `replicas_slider`, `ready_checkboxes` (pod name -> Checkbox),
    `advance_button`. Views: `pods_html` (`kubectl get pods -l ...`), `diagram_html`
    (the namespace's pods on their nodes), `message_html`.
    """

    def __init__(self, lab: Lab, deployment: str, namespace: str | None = None,
                 max_replicas: int = 10) -> None:
        super().__init__(lab, namespace, "kubelab-replicas")
        self.deployment = deployment
        self.selector = ""
        self.pods: list[Object] = []
        self.replicas_slider = widgets.IntSlider(min=0, max=max_replicas, description="replicas",
                                                 continuous_update=False)
        self.replicas_slider.add_class("kubelab-replicas-slider")
        self.ready_box = ReadyChecks(lambda pod: self.attempt(partial(self.set_ready, pod)))
        self.advance_button = button(f"advance {ADVANCE_SECONDS} s", "kubelab-advance",
                                     "let simulated time pass (probes, grace periods)")
        self.pods_html = html_box("kubelab-get")
        self.diagram_html = DiagramView()
        self.children = [
            widgets.HTML(f"<b>Deployment {html.escape(deployment)}</b>: replicas and readiness"),
            self.replicas_slider,
            widgets.HTML("ready (the pod's readiness probe answers):"),
            self.ready_box,
            self.advance_button,
            self.message_html,
            self.pods_html,
            self.diagram_html,
        ]
        self.when_changed(self.replicas_slider, self.scale)
        self.when_clicked(self.advance_button, self.advance)
        self.attempt(self.refresh)

    @property
    def ready_checkboxes(self) -> dict[str, widgets.Checkbox]:
        """Pod name -> its readiness checkbox (the Deployment's pods)."""
        return self.ready_box.checkboxes

    # -- changes --------------------------------------------------------------------------------

    def scale(self) -> None:
        """`kubectl scale deployment NAME --replicas=N`."""
        replicas = self.replicas_slider.value
        self.lab.patch("deploy", self.deployment, {"spec": {"replicas": replicas}},
                       self.namespace)
        self.refresh()

    def set_ready(self, pod: str) -> None:
        self.lab.set_ready(pod, self.ready_box.checkboxes[pod].value, namespace=self.namespace)
        self.refresh(deployment=False)

    def advance(self) -> None:
        self.lab.advance(ADVANCE_SECONDS)
        self.refresh(deployment=False)
        self.message_html.info(f"{ADVANCE_SECONDS} s passed on the cluster's clock")

    # -- views ----------------------------------------------------------------------------------

    def refresh(self, deployment: bool = True) -> None:
        """Read the Deployment (its selector and replicas) and its pods; redraw."""
        if deployment or not self.selector:
            deploy = self.lab.read("deploy", self.deployment, self.namespace)
            match = (deploy["spec"].get("selector") or {}).get("matchLabels") or {}
            self.selector = selectors.to_string(match)
            with self.quietly():
                self.replicas_slider.max = max(self.replicas_slider.max,
                                               deploy["spec"].get("replicas", 1))
                self.replicas_slider.value = deploy["spec"].get("replicas", 1)
        self.pods = self.lab.list("pods", self.namespace, selector=self.selector)
        self.ready_box.show(self.pods)
        table = self.lab.get("pods", namespace=self.namespace, selector=self.selector)
        self.pods_html.value = pre(f"$ kubectl get pods -l {self.selector}\n{table}")
        self.diagram_html.show(self.lab.diagram(namespace=self.namespace))


def replicas(lab: Lab, deployment: str, namespace: str | None = None) -> Replicas:
    """Scale `deployment`, set its pods' readiness, advance the clock; watch the pods."""
    return Replicas(lab, deployment, namespace)
