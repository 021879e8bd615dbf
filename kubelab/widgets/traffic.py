"""Send requests to a Service and count which pod answered; change what decides it.

The knobs are what kube-proxy follows: which endpoints are ready, session affinity, and
the traffic policies (externalTrafficPolicy for node ports and load balancers,
internalTrafficPolicy for the cluster IP).
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from functools import partial
from typing import TYPE_CHECKING

import ipywidgets as widgets  # type: ignore[import-untyped]

from kubelab import selectors
from kubelab.errors import KubelabError
from kubelab.widgets import _routes
from kubelab.widgets._common import (
    DiagramView,
    LabWidget,
    Object,
    ReadyChecks,
    button,
    html_box,
    is_ready,
    is_terminating,
    pre,
    result_key,
)

if TYPE_CHECKING:
    from kubelab.backend import RequestResult
    from kubelab.facade import Lab

BAR_WIDTH = 30  # characters for a pod that answered every request
# spec field -> (the control's attribute, the value the API server defaults to)
POLICIES = {
    "sessionAffinity": ("affinity_buttons", "None"),
    "externalTrafficPolicy": ("external_policy_buttons", "Cluster"),
    "internalTrafficPolicy": ("internal_policy_buttons", "Cluster"),
}


class Traffic(LabWidget):
    """Send N requests from a client; count the answering pods; step through one request.

    Controls: `route_dropdown` (client and address), `count_slider`, `send_button`,
    `ready_checkboxes` (pod name -> Checkbox), `affinity_buttons`,
    `external_policy_buttons`, `internal_policy_buttons`, `step_button`.
    Views: `counts_html`, `hops_html`, `diagram_html`, `message_html`.
    """

    def __init__(self, lab: Lab, service: str, namespace: str | None = None) -> None:
        super().__init__(lab, namespace, "kubelab-traffic")
        self.service = service
        self.svc: Object = {}
        self.pods: list[Object] = []
        self.nodes: list[_routes.NodeInfo] = []
        self.results: list[RequestResult] = []
        self._stepping: RequestResult | None = None
        self._shown = 0
        self._build_controls()
        self._wire()
        self.attempt(self._start)

    def _build_controls(self) -> None:
        self.route_dropdown = widgets.Dropdown(description="client",
                                               layout=widgets.Layout(width="auto"))
        self.route_dropdown.add_class("kubelab-client")
        self.count_slider = widgets.IntSlider(value=30, min=1, max=200, description="requests",
                                              continuous_update=False)
        self.count_slider.add_class("kubelab-count")
        self.send_button = button("Send", "kubelab-send",
                                  "read the Service again and send the requests")
        self.ready_box = ReadyChecks(lambda pod: self.attempt(partial(self.set_ready, pod)))
        self.affinity_buttons = _toggle("sessionAffinity", ("None", "ClientIP"),
                                        "kubelab-affinity")
        self.external_policy_buttons = _toggle("externalTrafficPolicy", ("Cluster", "Local"),
                                               "kubelab-external-policy")
        self.internal_policy_buttons = _toggle("internalTrafficPolicy", ("Cluster", "Local"),
                                               "kubelab-internal-policy")
        self.step_button = button("Step ▶", "kubelab-step", "follow one request, hop by hop")
        self.counts_html = html_box("kubelab-counts")
        self.hops_html = html_box("kubelab-hops")
        self.diagram_html = DiagramView()
        self.children = [
            widgets.HTML(f"<b>Service {html.escape(self.service)}</b>: who answers?"),
            self.route_dropdown,
            widgets.HBox([self.count_slider, self.send_button]),
            widgets.HTML("ready (the pod's readiness probe answers):"),
            self.ready_box,
            self.affinity_buttons,
            self.external_policy_buttons,
            self.internal_policy_buttons,
            self.message_html,
            self.counts_html,
            self.step_button,
            self.hops_html,
            self.diagram_html,
        ]

    def _wire(self) -> None:
        self.when_changed(self.route_dropdown, self.send)
        self.when_changed(self.count_slider, self.send)
        self.when_clicked(self.send_button, self.send_again)
        self.when_clicked(self.step_button, self.step)
        for field in POLICIES:
            self.when_changed(getattr(self, POLICIES[field][0]), partial(self.set_policy, field))

    @property
    def ready_checkboxes(self) -> dict[str, widgets.Checkbox]:
        """Pod name -> its readiness checkbox (the pods the Service selects)."""
        return self.ready_box.checkboxes

    def _start(self) -> None:
        self.nodes = _routes.node_infos(self.lab.list("nodes"))
        self.refresh()
        self.send()

    # -- changes --------------------------------------------------------------------------------

    def set_policy(self, field: str) -> None:
        """Patch one of the Service's traffic fields, then send the requests again."""
        value = getattr(self, POLICIES[field][0]).value
        spec: dict[str, object] = {field: value}
        if field == "sessionAffinity" and value == "None":
            spec["sessionAffinityConfig"] = None  # only allowed with ClientIP
        try:
            svc = self.lab.patch("svc", self.service, {"spec": spec}, self.namespace,
                                 type="merge")
        except KubelabError:
            self._show_policies()  # back to what the cluster says
            raise
        self.refresh(svc)
        self.send()

    def set_ready(self, pod: str) -> None:
        """Decide what the pod's readiness probe reports; send the requests again."""
        ready = self.ready_box.checkboxes[pod].value
        self.lab.set_ready(pod, ready, namespace=self.namespace)
        self.refresh(self.svc)
        now = next((is_ready(p) for p in self.pods if p["metadata"]["name"] == pod), ready)
        if now != ready:
            self.message_html.info(
                f"pod/{pod}: its readiness probe answers {'success' if ready else 'failure'} "
                "from now on; the pod's Ready condition follows when the probe has run "
                "often enough (let time pass: lab.advance)")
        self.send()

    # -- views ----------------------------------------------------------------------------------

    def refresh(self, svc: Object | None = None) -> None:
        """Read the Service (unless given) and the pods; update the choices shown."""
        self.svc = svc or self.lab.read("svc", self.service, self.namespace)
        self.pods = self.lab.list("pods", self.namespace)
        routes = _routes.routes_for(self.svc, self.pods, self.nodes)
        with self.quietly():
            chosen = self.route_dropdown.value
            self.route_dropdown.options = [(r.label, r) for r in routes]
            self.route_dropdown.value = _same_route(chosen, routes)
        self._show_policies()
        self.ready_box.show(self._selected_pods())

    def send_again(self) -> None:
        """Read the Service and pods again (another cell may have changed them), then send."""
        self.refresh()
        self.send()

    def send(self) -> None:
        """Send the requests; count who answered; draw their paths."""
        route: _routes.Route = self.route_dropdown.value
        self.results = route.request(self.lab, self.namespace, self.count_slider.value)
        self.counts_html.value = (
            pre(route.command(self.namespace) + f"   # {len(self.results)} times")
            + counts_table(self.results, self._selected_pods())
        )
        self._stepping, self._shown, self.hops_html.value = None, 0, ""
        self.diagram_html.show(self.lab.diagram_request(self.results))

    def step(self) -> None:
        """Show the next hop of one request (a new request once the last hop was shown)."""
        if self._stepping is None or self._shown >= len(self._stepping.hops):
            route: _routes.Route = self.route_dropdown.value
            results = route.request(self.lab, self.namespace)
            self._stepping, self._shown = results[0], 1
            self.diagram_html.show(self.lab.diagram_request(results))
        else:
            self._shown += 1
        self.hops_html.value = hops_list(self._stepping, self._shown)

    def _selected_pods(self) -> list[Object]:
        selector = self.svc.get("spec", {}).get("selector")
        if not selector:
            return []
        return [p for p in self.pods
                if selectors.service_selects(selector, p["metadata"].get("labels"))]

    def _show_policies(self) -> None:
        spec = self.svc.get("spec", {})
        with self.quietly():
            for field, (attribute, default) in POLICIES.items():
                getattr(self, attribute).value = spec.get(field) or default

def _toggle(field: str, options: tuple[str, ...], css_class: str) -> widgets.ToggleButtons:
    control = widgets.ToggleButtons(options=options, description=field,
                                    style={"description_width": "initial"})
    control.add_class(css_class)
    return control


def _same_route(chosen: _routes.Route | None, routes: list[_routes.Route]) -> _routes.Route:
    """Keep the learner's choice across a refresh when it still exists (by client)."""
    if chosen is not None:
        for route in routes:
            if route == chosen:
                return route
        for route in routes:
            if (route.client, route.name) == (chosen.client, chosen.name):
                return route
    return routes[0]


def counts_table(results: list[RequestResult], selected: list[Object]) -> str:
    """Requests per pod as text bars; every selected pod gets a row, even with none."""
    counts = Counter(result_key(r) for r in results)
    seen: dict[str, set[str]] = defaultdict(set)
    nodes: dict[str, str] = {}
    for r in results:
        seen[result_key(r)].add(r.client_ip or "")
        nodes[result_key(r)] = r.node or ""
    ready = {p["metadata"]["name"]: _state(p) for p in selected}
    for pod in selected:
        nodes.setdefault(pod["metadata"]["name"], pod["spec"].get("nodeName") or "")
    keys = [*ready, *(k for k in counts if k not in ready)]
    total = max(len(results), 1)
    rows = "".join(
        _count_row(key, counts[key], total, nodes.get(key, ""), ready.get(key, ""),
                   ", ".join(sorted(ip for ip in seen[key] if ip)))
        for key in keys)
    return (f"<table class='kubelab-count-table'><tr><th>answered by</th><th>node</th>"
            f"<th>ready</th><th></th><th>requests</th><th>source seen</th></tr>{rows}</table>")


def _count_row(key: str, count: int, total: int, node: str, ready: str, seen: str) -> str:
    bar = "█" * round(BAR_WIDTH * count / total)
    return (f"<tr class='kubelab-count-row'><td>{html.escape(key)}</td>"
            f"<td>{html.escape(node)}</td><td>{ready}</td>"
            f"<td><code class='kubelab-bar'>{bar}</code></td>"
            f"<td style='text-align: right;'>{count} ({100 * count / total:.0f}%)</td>"
            f"<td><code>{html.escape(seen)}</code></td></tr>")


def _state(pod: Object) -> str:
    if is_terminating(pod):
        return "terminating"
    return "yes" if is_ready(pod) else "no"


def hops_list(result: RequestResult, shown: int) -> str:
    """The first `shown` hops of one request, the last of them marked as the current one."""
    items = []
    for index, hop in enumerate(result.hops[:shown], start=1):
        current = index == shown
        css = "kubelab-hop kubelab-hop-current" if current else "kubelab-hop"
        style = " style='font-weight: bold;'" if current else ""
        items.append(f"<li class='{css}'{style}><code>{html.escape(hop.step)}</code> "
                     f"{html.escape(hop.detail)}</li>")
    done = ""
    if shown >= len(result.hops):
        done = (f"<div class='kubelab-hop-done'>→ {html.escape(result.outcome)}"
                + (f": pod {html.escape(result.pod)} answered" if result.pod else "")
                + " (Step again for a new request)</div>")
    return (f"<div>hop {min(shown, len(result.hops))} of {len(result.hops)}</div>"
            f"<ol>{''.join(items)}</ol>{done}")


def traffic(lab: Lab, service: str, namespace: str | None = None) -> Traffic:
    """Send requests to `service` and see which pods answer, and why."""
    return Traffic(lab, service, namespace)
