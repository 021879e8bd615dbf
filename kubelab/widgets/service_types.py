"""Switch a Service between ClusterIP, NodePort, LoadBalancer, headless and ExternalName.

Most switches are one `kubectl patch`. One is not: a Service's clusterIP cannot change
once set (the API server's ValidateServiceUpdate: "may not change once set"; only a
switch to or from ExternalName may drop or allocate it), and headless means
`clusterIP: None`. Between headless and the kinds with a virtual IP, kubectl users delete
the Service and create it again; the widget does the same and says so.
"""

from __future__ import annotations

import html
import json
import time
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets  # type: ignore[import-untyped]

from kubelab.errors import ApiError
from kubelab.facade import LAST_APPLIED
from kubelab.widgets import _routes
from kubelab.widgets._common import (
    DiagramView,
    LabWidget,
    Object,
    button,
    html_box,
    pre,
    result_key,
)

if TYPE_CHECKING:
    from kubelab.facade import Lab

KINDS = ("ClusterIP", "NodePort", "LoadBalancer", "headless", "ExternalName")
# What a re-created Service keeps from the old one; allocated fields are left to the server.
_KEPT = ("selector", "ports", "sessionAffinity", "sessionAffinityConfig", "internalTrafficPolicy",
         "ipFamilyPolicy", "ipFamilies", "publishNotReadyAddresses", "externalIPs",
         "trafficDistribution")
_KEPT_EXTERNAL = ("externalTrafficPolicy", "loadBalancerSourceRanges",
                  "allocateLoadBalancerNodePorts", "loadBalancerClass")


def kind_of(svc: Object) -> str:
    """The Service's type as the widget names it (headless is ClusterIP with clusterIP None)."""
    kind = str(svc["spec"].get("type") or "ClusterIP")
    return "headless" if kind == "ClusterIP" and _routes.is_headless(svc) else kind


def needs_recreate(live: Object, kind: str) -> bool:
    """True when the switch would change an allocated clusterIP to None or back."""
    if kind == "ExternalName" or kind_of(live) == "ExternalName":
        return False
    if not live["spec"].get("clusterIP"):
        return False
    return _routes.is_headless(live) != (kind == "headless")


def type_patch(live: Object, kind: str, external_name: str) -> Object:
    """The JSON merge patch that switches `live` to `kind`."""
    spec: dict[str, Any] = {"type": "ClusterIP" if kind == "headless" else kind}
    if kind == "ExternalName":
        spec["externalName"] = external_name
    elif live["spec"].get("externalName"):
        spec["externalName"] = None
    if kind == "headless":
        spec["clusterIP"] = "None"
    return {"spec": spec}


def recreated(live: Object, kind: str) -> Object:
    """A manifest for the Service as `kind`, to create after deleting `live`."""
    old = live["spec"]
    spec: dict[str, Any] = {key: old[key] for key in _KEPT if key in old}
    if kind in ("NodePort", "LoadBalancer"):
        spec.update({key: old[key] for key in _KEPT_EXTERNAL if key in old})
    spec["ports"] = [{k: v for k, v in port.items() if k != "nodePort"}
                     for port in old.get("ports") or []]
    spec["type"] = "ClusterIP" if kind == "headless" else kind
    if kind == "headless":
        spec["clusterIP"] = "None"
    meta = live["metadata"]
    metadata: dict[str, Any] = {"name": meta["name"], "namespace": meta.get("namespace")}
    if meta.get("labels"):
        metadata["labels"] = dict(meta["labels"])
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def create_after_delete(lab: Lab, manifest: Object, tries: int = 20) -> Object:
    """Create `manifest` whose name was just deleted. On a real cluster a LoadBalancer
    Service lingers until its cloud provider removes its finalizer: wait a little."""
    for attempt in range(tries):
        try:
            return lab.create(manifest)
        except ApiError as err:
            if err.code != 409 or attempt == tries - 1:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


class ServiceTypes(LabWidget):
    """Toggle a Service's type; see `kubectl get svc`, its YAML and a request's path.

    Controls: `type_buttons` (applies at once), `external_name_text`, `apply_button`.
    Views: `command_html` (the kubectl commands that did it), `request_html`, `get_html`,
    `yaml_html`, `diagram_html`, `message_html`.
    """

    def __init__(self, lab: Lab, service: str, namespace: str | None = None) -> None:
        super().__init__(lab, namespace, "kubelab-service-types")
        self.service = service
        self.nodes: list[_routes.NodeInfo] = []
        self.type_buttons = widgets.ToggleButtons(options=KINDS, description="type")
        self.type_buttons.add_class("kubelab-type")
        self.external_name_text = widgets.Text(value="example.com", description="externalName")
        self.external_name_text.add_class("kubelab-external-name")
        self.apply_button = button("Apply", "kubelab-apply", "switch the Service to this type")
        self.command_html = html_box("kubelab-command")
        self.request_html = html_box("kubelab-request")
        self.get_html = html_box("kubelab-get")
        self.yaml_html = html_box("kubelab-yaml")
        self.diagram_html = DiagramView()
        yaml_view = widgets.Accordion(children=[self.yaml_html], titles=("YAML",))
        self.children = [
            widgets.HTML(f"<b>Service {html.escape(service)}</b>: its type"),
            self.type_buttons,
            widgets.HBox([self.external_name_text, self.apply_button]),
            self.message_html,
            self.command_html,
            self.get_html,
            self.request_html,
            self.diagram_html,
            yaml_view,
        ]
        self.when_changed(self.type_buttons, self.apply)
        self.when_clicked(self.apply_button, self.apply)
        self.attempt(self._start)

    def _start(self) -> None:
        self.nodes = _routes.node_infos(self.lab.list("nodes"))
        self.refresh()

    # -- changes --------------------------------------------------------------------------------

    def apply(self) -> None:
        """Switch the Service to the chosen type, the way a kubectl user would."""
        kind = self.type_buttons.value
        live = self.lab.read("svc", self.service, self.namespace)
        try:
            if needs_recreate(live, kind):
                self._recreate(live, kind)
            else:
                self._patch(live, kind)
        except ApiError:
            with self.quietly():
                self.type_buttons.value = kind_of(live)  # the cluster did not change
            raise
        self.refresh()

    def _patch(self, live: Object, kind: str) -> None:
        patch = type_patch(live, kind, self.external_name_text.value.strip())
        text = json.dumps(patch, separators=(",", ":"))
        ns = _ns_flag(self.namespace)
        self.command_html.value = pre(
            f"kubectl patch svc {self.service}{ns} --type merge -p '{text}'")
        svc = self.lab.patch("svc", self.service, patch, self.namespace, type="merge")
        if kind_of(svc) != kind_of(live):
            self.message_html.info(f"service/{self.service} patched: {kind_of(live)} → {kind}")

    def _recreate(self, live: Object, kind: str) -> None:
        ns = _ns_flag(self.namespace)
        self.command_html.value = pre(
            f"kubectl get svc {self.service}{ns} -o yaml > svc.yaml   # edit: {_edit_hint(kind)}\n"
            f"kubectl replace --force -f svc.yaml                # = delete, then create")
        manifest = recreated(live, kind)
        self.lab.delete("svc", self.service, self.namespace)
        try:
            create_after_delete(self.lab, manifest)
        except ApiError:
            create_after_delete(self.lab, recreated(live, kind_of(live)))  # put it back
            raise
        self.message_html.info(
            f"A Service's clusterIP cannot change once set (the API server answers "
            f'"spec.clusterIPs[0]: ... may not change once set"), and headless means '
            f"clusterIP: None. So, as a kubectl user must, the widget deleted service/"
            f"{self.service} and created it again: it has a new uid"
            + ("." if kind == "headless" else " and a new cluster IP.")
        )

    # -- views ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the Service; redraw the table, the YAML and one request's path."""
        svc = self.lab.read("svc", self.service, self.namespace)
        with self.quietly():
            self.type_buttons.value = kind_of(svc)
        if svc["spec"].get("externalName"):
            self.external_name_text.value = svc["spec"]["externalName"]
        self.get_html.value = pre(str(self.lab.get("svc", self.service, self.namespace)))
        self.yaml_html.value = pre(str(self.lab.yaml(svc)))
        self._show_request(svc)

    def _show_request(self, svc: Object) -> None:
        pods = self.lab.list("pods", self.namespace) if _routes.is_headless(svc) else []
        route = _routes.preferred_route(svc, _routes.routes_for(svc, pods, self.nodes))
        results = route.request(self.lab, self.namespace)
        answer = results[0]
        self.request_html.value = (
            f"<div>{html.escape(route.label)}: <b>{html.escape(answer.outcome)}</b>"
            f" ({html.escape(result_key(answer))})</div>" + pre(route.command(self.namespace))
        )
        self.diagram_html.show(self.lab.diagram_request(results))


def _ns_flag(namespace: str) -> str:
    return f" -n {namespace}" if namespace != "default" else ""


def _edit_hint(kind: str) -> str:
    if kind == "headless":
        return "delete clusterIP/clusterIPs, set clusterIP: None"
    return f"delete clusterIP/clusterIPs, set type: {kind}"


def service_types(lab: Lab, service: str, namespace: str | None = None) -> ServiceTypes:
    """Toggle `service` between the Service types and watch a request's path change."""
    return ServiceTypes(lab, service, namespace)
