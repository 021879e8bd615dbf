"""The widgets, driven from Python as a learner drives them in the browser: set `.value`,
click buttons; then assert the cluster changed and the diagram was drawn again."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import kubelab
from kubelab import scenarios
from kubelab.backend import Backend
from kubelab.widgets import (
    Traffic,
    dns_explorer,
    replicas,
    selector_explorer,
    service_types,
    traffic,
)
from kubelab.widgets._common import format_labels, map_patch, parse_labels

CANARY = "web-canary"


@pytest.fixture
def lab() -> kubelab.Lab:
    """Three web pods from a Deployment, a canary pod labelled tier=front, Service web."""
    lab = kubelab.connect(seed=0)
    lab.apply([
        scenarios.deployment("web", replicas=3),
        scenarios.pod(CANARY, labels={"app": "web", "tier": "front"}),
        scenarios.service("web"),
    ])
    lab.advance(30)
    return lab


def web_pods(lab: kubelab.Lab) -> list[str]:
    return sorted(p["metadata"]["name"] for p in lab.list("pods", selector="app=web"))


def deployment_pods(lab: kubelab.Lab) -> list[str]:
    return [name for name in web_pods(lab) if name != CANARY]


# -- label text -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "labels"), [
    ("", {}),
    ("app=web", {"app": "web"}),
    (" app = web , tier=front ", {"app": "web", "tier": "front"}),
    ("app==web", {"app": "web"}),
    ("app=", {"app": ""}),
    ("app=web,", {"app": "web"}),
])
def test_parse_labels(text: str, labels: dict[str, str]) -> None:
    assert parse_labels(text) == labels


@pytest.mark.parametrize(("text", "says"), [
    ("app", "is not key=value"),
    ("=web", "is not key=value"),
    ("app!=web", "key=value pairs only"),
    ("app in (web)", "key=value pairs only"),
    ("app=web,app=db", "given twice"),
])
def test_parse_labels_refuses(text: str, says: str) -> None:
    with pytest.raises(kubelab.UsageError, match=re.escape(says)):
        parse_labels(text)


def test_labels_round_trip_and_merge_patch() -> None:
    assert format_labels({"tier": "front", "app": "web"}) == "app=web,tier=front"
    assert map_patch({"app": "web", "old": "x"}, {"app": "web", "tier": "front"}) == {
        "old": None, "tier": "front"}


# -- selector_explorer ------------------------------------------------------------------------


def test_selector_explorer_shows_the_service_and_its_pods(lab: kubelab.Lab) -> None:
    w = selector_explorer(lab, "web")
    assert w.selector_text.value == "app=web"
    assert w.message_html.text == ""
    assert "selects 4 of 4 pods" in w.matching_html.value
    assert w.pod_dropdown.value == web_pods(lab)[0]
    assert "is a ready endpoint of Service web" in w.why_html.value
    assert "<svg" in w.diagram_html.value
    for pod in web_pods(lab):
        assert pod in w.diagram_html.source
    assert "kubelab-diagram" in w.diagram_html._dom_classes
    assert "kubelab-apply" in w.apply_button._dom_classes


def test_narrower_selector_patches_the_service_and_redraws(lab: kubelab.Lab) -> None:
    w = selector_explorer(lab, "web")
    before_source, before_svg = w.diagram_html.source, w.diagram_html.value
    w.selector_text.value = "app=web,tier=front"
    w.apply_button.click()
    assert lab.read("svc", "web")["spec"]["selector"] == {"app": "web", "tier": "front"}
    assert w.message_html.text == "service/web selector: app=web → app=web,tier=front"
    assert "selects 1 of 4 pods" in w.matching_html.value
    assert w.diagram_html.source != before_source
    assert w.diagram_html.value != before_svg
    assert CANARY in w.diagram_html.source
    assert w.pod_dropdown.value == deployment_pods(lab)[0]  # the first pod, explained
    assert "does not select" in w.why_html.value
    assert "tier: missing" in w.why_html.value


def test_pod_labels_are_patched_and_the_explanation_follows(lab: kubelab.Lab) -> None:
    w = selector_explorer(lab, "web")
    w.selector_text.value = "tier=front"
    w.apply_button.click()
    pod = deployment_pods(lab)[0]
    w.pod_dropdown.value = pod
    why_before = w.why_html.value
    w.labels_text.value = w.labels_text.value + ",tier=front"
    w.apply_button.click()
    labels = lab.read("pod", pod)["metadata"]["labels"]
    assert labels["tier"] == "front"
    assert f"pod/{pod} labels:" in w.message_html.text
    assert "selects 2 of 4 pods" in w.matching_html.value
    assert w.why_html.value != why_before
    assert pod in w.diagram_html.source


def test_choosing_another_pod_does_not_redraw_the_diagram(lab: kubelab.Lab) -> None:
    w = selector_explorer(lab, "web")
    renders, why = w.diagram_html.renders, w.why_html.value
    w.pod_dropdown.value = CANARY
    assert w.labels_text.value == "app=web,tier=front"
    assert w.why_html.value != why
    assert w.diagram_html.renders == renders


def test_apply_without_change_keeps_the_drawing(lab: kubelab.Lab) -> None:
    w = selector_explorer(lab, "web")
    renders, version = w.diagram_html.renders, lab.read("svc", "web")["metadata"]
    w.apply_button.click()
    assert "nothing to change" in w.message_html.text
    assert w.diagram_html.renders == renders
    assert lab.read("svc", "web")["metadata"] == version


def test_selector_text_that_is_not_key_value_is_a_message(lab: kubelab.Lab) -> None:
    w = selector_explorer(lab, "web")
    w.selector_text.value = "app=web,tier"
    w.apply_button.click()
    assert w.message_html.is_error
    assert w.message_html.text.startswith("error: 'tier' is not key=value")
    assert "kubelab-error" in w.message_html.value
    assert lab.read("svc", "web")["spec"]["selector"] == {"app": "web"}


def test_api_refusal_is_a_message_and_the_text_stays(lab: kubelab.Lab) -> None:
    w = selector_explorer(lab, "web")
    w.selector_text.value = "app=web page"
    w.apply_button.click()
    assert w.message_html.text.startswith('Error from server (Invalid): Service "web" is invalid')
    assert isinstance(w.last_error, kubelab.ApiError) and w.last_error.code == 422
    assert w.selector_text.value == "app=web page"  # to fix and retry
    assert lab.read("svc", "web")["spec"]["selector"] == {"app": "web"}


def test_missing_service_shows_not_found_inside_the_widget(lab: kubelab.Lab) -> None:
    w = selector_explorer(lab, "nope")
    assert w.message_html.text == 'Error from server (NotFound): services "nope" not found'


# -- service_types ------------------------------------------------------------------------------


def test_service_types_starts_from_the_live_type(lab: kubelab.Lab) -> None:
    w = service_types(lab, "web")
    assert w.type_buttons.value == "ClusterIP"
    assert "ClusterIP" in w.get_html.value and "clusterIP:" in w.yaml_html.value
    assert "<svg" in w.diagram_html.value
    assert w.message_html.text == ""


def test_node_port_then_load_balancer(lab: kubelab.Lab) -> None:
    w = service_types(lab, "web")
    cluster_ip = lab.read("svc", "web")["spec"]["clusterIP"]
    before = w.diagram_html.source
    w.type_buttons.value = "NodePort"
    svc = lab.read("svc", "web")
    assert svc["spec"]["type"] == "NodePort" and svc["spec"]["clusterIP"] == cluster_ip
    node_port = svc["spec"]["ports"][0]["nodePort"]
    assert f"80:{node_port}/TCP" in w.get_html.value
    assert f"nodePort: {node_port}" in w.yaml_html.value
    assert "kubectl patch svc web --type merge" in w.command_html.value
    assert f":{node_port} (node port on" in w.request_html.value
    assert w.diagram_html.source != before
    w.type_buttons.value = "LoadBalancer"
    ingress = lab.read("svc", "web")["status"]["loadBalancer"]["ingress"][0]["ip"]
    assert ingress in w.get_html.value
    assert f"{ingress}:80 (load balancer)" in w.request_html.value


def test_headless_is_delete_and_create_and_says_so(lab: kubelab.Lab) -> None:
    w = service_types(lab, "web")
    uid = lab.read("svc", "web")["metadata"]["uid"]
    before = w.diagram_html.source
    w.type_buttons.value = "headless"
    svc = lab.read("svc", "web")
    assert svc["spec"]["clusterIP"] == "None"
    assert svc["metadata"]["uid"] != uid
    assert svc["spec"]["selector"] == {"app": "web"}
    assert "deleted service/web and created it again" in w.message_html.text
    assert not w.message_html.is_error
    assert "replace --force" in w.command_html.value
    assert "web:8080" in w.request_html.value  # no virtual IP: the pods' own port
    assert w.diagram_html.source != before
    w.type_buttons.value = "ClusterIP"  # and back: a new cluster IP
    assert lab.read("svc", "web")["spec"]["clusterIP"] not in ("None", None)
    assert w.type_buttons.value == "ClusterIP"


def test_external_name(lab: kubelab.Lab) -> None:
    w = service_types(lab, "web")
    w.external_name_text.value = "example.org"
    w.type_buttons.value = "ExternalName"
    svc = lab.read("svc", "web")
    assert svc["spec"]["externalName"] == "example.org"
    assert "clusterIP" not in svc["spec"]
    assert "externalName: example.org" in w.yaml_html.value
    w.external_name_text.value = "example.net"
    w.apply_button.click()
    assert lab.read("svc", "web")["spec"]["externalName"] == "example.net"


def test_refused_type_change_is_a_message_and_the_toggle_goes_back(lab: kubelab.Lab) -> None:
    w = service_types(lab, "web")
    w.external_name_text.value = "not a name!"
    w.type_buttons.value = "ExternalName"
    assert w.message_html.text.startswith("Error from server (Invalid):")
    assert "externalName" in w.message_html.text
    assert w.type_buttons.value == "ClusterIP"
    assert lab.read("svc", "web")["spec"]["type"] == "ClusterIP"


# -- traffic --------------------------------------------------------------------------------------


def count_of(w: Traffic, pod: str) -> int:
    return sum(1 for r in w.results if r.pod == pod)


def test_traffic_counts_every_request(lab: kubelab.Lab) -> None:
    w = traffic(lab, "web")
    assert len(w.results) == w.count_slider.value == 30
    assert sorted(w.ready_checkboxes) == web_pods(lab)
    for pod in web_pods(lab):
        assert pod in w.counts_html.value
    assert "█" in w.counts_html.value
    assert "<svg" in w.diagram_html.value
    w.count_slider.value = 60
    assert len(w.results) == 60


def test_unready_pod_gets_no_requests(lab: kubelab.Lab) -> None:
    w = traffic(lab, "web")
    pod = deployment_pods(lab)[0]
    before = w.diagram_html.source
    w.ready_checkboxes[pod].value = False
    conditions = lab.read("pod", pod)["status"]["conditions"]
    assert {"type": "Ready", "status": "False"}.items() <= next(
        c for c in conditions if c["type"] == "Ready").items()
    assert count_of(w, pod) == 0
    assert w.diagram_html.source != before


def test_session_affinity_sticks_to_one_pod_and_back(lab: kubelab.Lab) -> None:
    w = traffic(lab, "web")
    w.affinity_buttons.value = "ClientIP"
    assert lab.read("svc", "web")["spec"]["sessionAffinity"] == "ClientIP"
    assert len({r.pod for r in w.results}) == 1
    w.affinity_buttons.value = "None"
    spec = lab.read("svc", "web")["spec"]
    assert spec["sessionAffinity"] == "None" and "sessionAffinityConfig" not in spec
    assert w.message_html.text == ""


def test_external_policy_on_a_cluster_ip_service_is_refused_in_the_widget(
    lab: kubelab.Lab,
) -> None:
    w = traffic(lab, "web")
    w.external_policy_buttons.value = "Local"
    assert "may only be set for externally-accessible services" in w.message_html.text
    assert w.message_html.text.startswith("Error from server (Invalid):")
    assert w.external_policy_buttons.value == "Cluster"
    assert "externalTrafficPolicy" not in lab.read("svc", "web")["spec"]


def test_internal_policy_local_keeps_requests_on_the_client_node(lab: kubelab.Lab) -> None:
    w = traffic(lab, "web")
    client = deployment_pods(lab)[0]
    w.route_dropdown.value = next(v for _, v in w.route_dropdown.options if v.name == client)
    assert len({r.node for r in w.results}) == 2  # both workers answer
    w.internal_policy_buttons.value = "Local"
    assert lab.read("svc", "web")["spec"]["internalTrafficPolicy"] == "Local"
    assert {r.node for r in w.results} == {lab.read("pod", client)["spec"]["nodeName"]}


def test_external_traffic_policy_local_from_outside(lab: kubelab.Lab) -> None:
    lab.patch("svc", "web", {"spec": {"type": "NodePort"}})
    w = traffic(lab, "web")
    outside = [v for _, v in w.route_dropdown.options if v.client == "outside"]
    w.route_dropdown.value = outside[0]
    assert {r.outcome for r in w.results} == {"ok"}
    w.external_policy_buttons.value = "Local"
    assert lab.read("svc", "web")["spec"]["externalTrafficPolicy"] == "Local"
    node = outside[0].label.rsplit(" ", 1)[-1].rstrip(")")
    pods_there = [p for p in lab.list("pods") if p["spec"]["nodeName"] == node]
    expected = {"ok"} if pods_there else {"timeout"}
    assert {r.outcome for r in w.results} == expected


def test_outside_to_a_cluster_ip_times_out(lab: kubelab.Lab) -> None:
    w = traffic(lab, "web")
    (outside,) = [v for _, v in w.route_dropdown.options if v.client == "outside"]
    w.route_dropdown.value = outside
    assert {r.outcome for r in w.results} == {"timeout"}
    assert "timeout" in w.counts_html.value


def test_step_through_one_request(lab: kubelab.Lab) -> None:
    w = traffic(lab, "web")
    w.step_button.click()
    hops = w._stepping.hops if w._stepping else ()
    assert len(hops) > 2
    assert w.hops_html.value.count("<li") == 1 and "kubelab-hop-current" in w.hops_html.value
    for shown in range(2, len(hops) + 1):
        w.step_button.click()
        assert w.hops_html.value.count("<li") == shown
    assert "answered" in w.hops_html.value
    w.step_button.click()  # a new request
    assert w.hops_html.value.count("<li") == 1


def test_send_reads_changes_made_elsewhere(lab: kubelab.Lab) -> None:
    w = traffic(lab, "web")
    lab.patch("svc", "web", {"spec": {"selector": {"tier": "front"}}})
    w.send_button.click()
    assert {r.pod for r in w.results} == {CANARY}
    assert list(w.ready_checkboxes) == [CANARY]


# -- dns_explorer ---------------------------------------------------------------------------------


def test_dns_explorer_resolves_and_redraws(lab: kubelab.Lab) -> None:
    w = dns_explorer(lab)
    assert "10.96.0.1" in w.answer_html.value
    before = w.diagram_html.source
    w.name_text.value = "web"
    cluster_ip = lab.read("svc", "web")["spec"]["clusterIP"]
    assert cluster_ip in w.answer_html.value
    assert "web.default.svc.cluster.local." in w.tried_html.value
    assert w.diagram_html.source != before
    assert "<svg" in w.diagram_html.value


def test_dns_from_another_namespace_walks_the_search_list(lab: kubelab.Lab) -> None:
    w = dns_explorer(lab, "web")
    assert "kube-system" in w.namespace_dropdown.options
    w.namespace_dropdown.value = "kube-system"
    assert "NXDOMAIN" in w.answer_html.value
    assert w.answer is not None and len(w.answer.tried) == 4
    assert w.tried_html.value.count("✗ no answer") == 4
    w.name_text.value = "web.default"
    assert "NOERROR" in w.answer_html.value


def test_dns_record_type(lab: kubelab.Lab) -> None:
    w = dns_explorer(lab, "_http._tcp.web")
    w.type_dropdown.value = "SRV"
    assert "IN\tSRV\t0 100 80 web.default.svc.cluster.local." in w.answer_html.value


def test_dns_bad_name_is_a_message(lab: kubelab.Lab) -> None:
    w = dns_explorer(lab)
    w.name_text.value = "a..b"
    assert w.message_html.is_error


# -- replicas --------------------------------------------------------------------------------------


def test_scaling_up_adds_pods_to_the_picture(lab: kubelab.Lab) -> None:
    w = replicas(lab, "web")
    assert w.replicas_slider.value == 3
    before = w.diagram_html.source
    w.replicas_slider.value = 5
    assert lab.read("deploy", "web")["spec"]["replicas"] == 5
    pods = deployment_pods(lab)
    assert len(pods) == 5
    assert w.diagram_html.source != before
    for pod in pods:
        assert pod in w.diagram_html.source
        assert pod in w.pods_html.value
    assert set(pods) <= set(w.ready_checkboxes)


def test_readiness_checkbox_and_clock(lab: kubelab.Lab) -> None:
    w = replicas(lab, "web")
    pod = deployment_pods(lab)[0]
    before, table = w.diagram_html.source, w.pods_html.value
    w.ready_checkboxes[pod].value = False
    ready = next(c for c in lab.read("pod", pod)["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False"
    assert w.diagram_html.source != before
    assert w.pods_html.value != table
    table = w.pods_html.value
    w.advance_button.click()
    assert "30 s passed" in w.message_html.text
    assert w.pods_html.value != table  # the AGE column moved on


def test_missing_deployment_is_a_message(lab: kubelab.Lab) -> None:
    w = replicas(lab, "nope")
    assert w.message_html.text == (
        'Error from server (NotFound): deployments.apps "nope" not found')


# -- only through the facade ------------------------------------------------------------------

WIDGETS = Path(kubelab.__file__).parent / "widgets"
PROTOCOL = {name for name in dir(Backend) if not name.startswith("_")}


class ProtocolOnly:
    """A backend that answers the Backend protocol and nothing else, as a real-cluster
    backend would: a widget reaching past the facade into the simulation fails here."""

    def __init__(self, inner: Backend) -> None:
        self._inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name not in PROTOCOL:
            raise AttributeError(f"{name!r} is not part of the Backend protocol")
        self.calls.append(name)
        return getattr(self._inner, name)


def test_every_widget_works_on_a_protocol_only_backend(lab: kubelab.Lab) -> None:
    backend = ProtocolOnly(lab.backend)
    other = kubelab.Lab(backend)  # type: ignore[arg-type]
    built = [selector_explorer(other, "web"), service_types(other, "web"),
             traffic(other, "web"), dns_explorer(other), replicas(other, "web")]
    for w in built:
        assert not w.message_html.is_error, w.message_html.text
        assert "<svg" in w.diagram_html.value
    built[1].type_buttons.value = "NodePort"
    assert backend.calls and not built[1].message_html.is_error


def test_widgets_import_no_backend_and_only_they_import_ipywidgets() -> None:
    for path in WIDGETS.glob("*.py"):
        text = path.read_text()
        assert "kubelab.mock" not in text and "kubelab.kube" not in text, path.name
        assert not re.search(r"\blab\.backend\b|\._backend\b", text), path.name
    for path in WIDGETS.parent.rglob("*.py"):
        if WIDGETS not in path.parents:
            assert "import ipywidgets" not in path.read_text(), path
