"""The contract every backend keeps: what a learner sees, asserted the same way everywhere.

A backend joins with two lines (see tests/test_contract_mock.py):

    class TestMockContract(BackendContract):
        @pytest.fixture
        def lab(self): return kubelab.connect("mock", seed=0)

The `lab` fixture gives a fresh cluster (or, on a real cluster, a fresh namespace set as
`lab.namespace`). Checks that take time on a real cluster go through `eventually`,
which on the simulation passes at once.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from kubelab import scenarios
from kubelab.errors import ApiError
from kubelab.facade import Lab

T = TypeVar("T")


def eventually(lab: Lab, check: Callable[[], T], timeout: float = 90) -> T:
    """Return check()'s value once it stops failing; lets (real or simulated) time pass."""
    waited = 0.0
    while True:
        try:
            return check()
        except AssertionError:
            if waited >= timeout:
                raise
            lab.advance(1)
            waited += 1


def _in(cidr: str, address: str) -> bool:
    return ipaddress.ip_address(address) in ipaddress.ip_network(cidr)


def _ready_pods(lab: Lab, selector: str, count: int) -> list[dict[str, Any]]:
    def check() -> list[dict[str, Any]]:
        pods = [p for p in lab.list("pods", selector=selector)
                if "deletionTimestamp" not in p["metadata"]]
        ready = [p for p in pods if any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in p.get("status", {}).get("conditions", []))]
        assert len(ready) == count, f"{len(ready)} of {count} pods ready"
        return ready

    return eventually(lab, check)


def _endpoints(lab: Lab, service: str) -> list[dict[str, Any]]:
    slices = lab.list("endpointslices", selector=f"kubernetes.io/service-name={service}")
    return [ep for s in slices for ep in (s.get("endpoints") or [])]


class BackendContract:
    """Subclass with a `lab` fixture. Every test starts from a fresh cluster or namespace."""

    # -- the cluster as kind builds it -------------------------------------------------

    def test_cluster_services_kubernetes_and_kube_dns(self, lab: Lab) -> None:
        kubernetes = lab.read("svc", "kubernetes", namespace="default")
        assert kubernetes["spec"]["clusterIP"] == "10.96.0.1"
        assert kubernetes["spec"]["ports"][0]["port"] == 443
        dns = lab.read("svc", "kube-dns", namespace="kube-system")
        assert dns["spec"]["clusterIP"] == lab.info.dns_ip == "10.96.0.10"
        assert sorted((p["name"], p["port"], p["protocol"]) for p in dns["spec"]["ports"]) == [
            ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]

    def test_nodes_are_kinds(self, lab: Lab) -> None:
        nodes = {n["metadata"]["name"]: n for n in lab.list("nodes")}
        assert "kubelab-control-plane" in nodes
        plane = nodes["kubelab-control-plane"]
        assert {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"} in [
            {k: t[k] for k in ("key", "effect")} for t in plane["spec"].get("taints", [])]
        pod_network = ipaddress.IPv4Network("10.244.0.0/16")
        for node in nodes.values():
            assert ipaddress.IPv4Network(node["spec"]["podCIDR"]).subnet_of(pod_network)

    # -- Services: defaults and allocation ---------------------------------------------

    def test_clusterip_service_defaults(self, lab: Lab) -> None:
        (svc,) = lab.apply(scenarios.service("web"))
        spec = svc["spec"]
        assert spec["type"] == "ClusterIP"
        assert spec["sessionAffinity"] == "None"
        assert spec["ports"] == [
            {"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}]
        assert _in("10.96.0.0/16", spec["clusterIP"])
        assert spec["clusterIPs"] == [spec["clusterIP"]]
        assert spec["ipFamilies"] == ["IPv4"]
        assert spec["ipFamilyPolicy"] == "SingleStack"
        assert spec["internalTrafficPolicy"] == "Cluster"
        assert "externalTrafficPolicy" not in spec
        assert svc["status"] == {"loadBalancer": {}}

    def test_nodeport_service_gets_a_port_in_range(self, lab: Lab) -> None:
        (svc,) = lab.apply(scenarios.service("web", type="NodePort"))
        port = svc["spec"]["ports"][0]
        assert 30000 <= port["nodePort"] <= 32767
        assert svc["spec"]["externalTrafficPolicy"] == "Cluster"

    def test_apply_again_keeps_allocated_values(self, lab: Lab) -> None:
        (first,) = lab.apply(scenarios.service("web", type="NodePort"))
        (second,) = lab.apply(scenarios.service("web", type="NodePort", target_port=9090))
        assert second["spec"]["clusterIP"] == first["spec"]["clusterIP"]
        assert second["spec"]["ports"][0]["nodePort"] == first["spec"]["ports"][0]["nodePort"]
        assert second["spec"]["ports"][0]["targetPort"] == 9090

    def test_explicit_node_port_taken_twice_is_refused(self, lab: Lab) -> None:
        first = scenarios.service("one", type="NodePort")
        first["spec"]["ports"][0]["nodePort"] = 30080
        lab.apply(first)
        second = scenarios.service("two", type="NodePort")
        second["spec"]["ports"][0]["nodePort"] = 30080
        with pytest.raises(ApiError) as caught:
            lab.apply(second)
        assert caught.value.code == 422
        assert str(caught.value) == (
            'Service "two" is invalid: spec.ports[0].nodePort: Invalid value: 30080: '
            "provided port is already allocated")
        with pytest.raises(ApiError):
            lab.read("svc", "two")

    # -- the API's errors ----------------------------------------------------------------

    def test_create_twice_is_already_exists(self, lab: Lab) -> None:
        lab.create(scenarios.service("web"))
        with pytest.raises(ApiError) as caught:
            lab.create(scenarios.service("web"))
        assert (caught.value.code, caught.value.reason) == (409, "AlreadyExists")
        assert str(caught.value) == 'services "web" already exists'

    def test_read_missing_is_not_found(self, lab: Lab) -> None:
        with pytest.raises(ApiError) as caught:
            lab.read("svc", "nope")
        assert (caught.value.code, caught.value.reason) == (404, "NotFound")
        assert str(caught.value) == 'services "nope" not found'
        assert caught.value.status["details"] == {"name": "nope", "kind": "services"}

    def test_stale_resource_version_is_conflict(self, lab: Lab) -> None:
        (svc,) = lab.apply(scenarios.service("web"))
        stale = svc["metadata"]["resourceVersion"]
        lab.apply(scenarios.service("web", port=81))
        manifest = scenarios.service("web", port=82)
        manifest["metadata"]["resourceVersion"] = stale
        with pytest.raises(ApiError) as caught:
            lab.apply(manifest)
        assert caught.value.code == 409
        assert str(caught.value) == (
            'Operation cannot be fulfilled on services "web": the object has been modified; '
            "please apply your changes to the latest version and try again")

    def test_invalid_port_is_invalid_with_cause(self, lab: Lab) -> None:
        with pytest.raises(ApiError) as caught:
            lab.apply(scenarios.service("web", port=0))
        assert caught.value.code == 422
        assert str(caught.value) == (
            'Service "web" is invalid: spec.ports[0].port: Invalid value: 0: '
            "must be between 1 and 65535, inclusive")
        assert caught.value.causes == [{
            "reason": "FieldValueInvalid", "field": "spec.ports[0].port",
            "message": "Invalid value: 0: must be between 1 and 65535, inclusive"}]

    def test_missing_name_is_the_servers_422(self, lab: Lab) -> None:
        manifest = scenarios.service("web")
        del manifest["metadata"]["name"]
        with pytest.raises(ApiError) as caught:
            lab.create(manifest)
        assert str(caught.value) == (
            'Service "" is invalid: metadata.name: Required value: name or generateName is '
            "required")

    def test_generate_name(self, lab: Lab) -> None:
        manifest = scenarios.service("web")
        manifest["metadata"] = {"generateName": "web-"}
        created = lab.create(manifest)
        name = created["metadata"]["name"]
        assert name.startswith("web-") and len(name) == len("web-") + 5

    def test_unknown_namespace_is_not_found(self, lab: Lab) -> None:
        with pytest.raises(ApiError) as caught:
            lab.apply(scenarios.service("web"), namespace="no-such-ns")
        assert str(caught.value) == 'namespaces "no-such-ns" not found'

    def test_delete_then_read_is_not_found(self, lab: Lab) -> None:
        lab.apply(scenarios.service("web"))
        lab.delete("svc", "web")
        with pytest.raises(ApiError):
            lab.read("svc/web")

    # -- workloads, readiness and EndpointSlices --------------------------------------

    def test_deployment_pods_are_named_and_get_pod_ips(self, lab: Lab) -> None:
        lab.apply(scenarios.deployment("web", replicas=3))
        pods = _ready_pods(lab, "app=web", 3)
        for pod in pods:
            name = pod["metadata"]["name"]
            template_hash = pod["metadata"]["labels"]["pod-template-hash"]
            assert name.startswith(f"web-{template_hash}-")
            assert len(name) == len(f"web-{template_hash}-") + 5
            assert _in("10.244.0.0/16", pod["status"]["podIP"])
            assert pod["spec"]["nodeName"] != "kubelab-control-plane"

    def test_pod_with_node_name_stays_there(self, lab: Lab) -> None:
        lab.apply(scenarios.pod("pinned", node="kubelab-worker2"))
        (pod,) = _ready_pods(lab, "app=pinned", 1)
        assert pod["spec"]["nodeName"] == "kubelab-worker2"

    def test_list_takes_a_label_selector(self, lab: Lab) -> None:
        lab.apply([scenarios.pod("a", {"app": "web", "tier": "front"}),
                   scenarios.pod("b", {"app": "web", "tier": "db"}),
                   scenarios.pod("c", {"app": "other"})])
        names = sorted(p["metadata"]["name"] for p in lab.list("pods", selector="app=web,tier!=db"))
        assert names == ["a"]

    def test_endpointslice_follows_readiness(self, lab: Lab) -> None:
        lab.apply(scenarios.deployment("web", replicas=2))
        lab.apply(scenarios.service("web"))
        pods = _ready_pods(lab, "app=web", 2)

        def two_ready() -> None:
            endpoints = _endpoints(lab, "web")
            assert len(endpoints) == 2
            assert all(ep["conditions"]["ready"] for ep in endpoints)

        eventually(lab, two_ready)
        (slice_,) = lab.list("endpointslices", selector="kubernetes.io/service-name=web")
        assert slice_["addressType"] == "IPv4"
        assert slice_["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
        victim = pods[0]["metadata"]["name"]
        lab.set_ready(victim, False)

        def one_not_ready() -> None:
            by_pod = {ep["targetRef"]["name"]: ep["conditions"] for ep in _endpoints(lab, "web")}
            assert by_pod[victim] == {"ready": False, "serving": False, "terminating": False}

        eventually(lab, one_not_ready)

    def test_deleted_pod_terminates_then_is_replaced(self, lab: Lab) -> None:
        lab.apply(scenarios.deployment("web", replicas=1))
        lab.apply(scenarios.service("web"))
        (pod,) = _ready_pods(lab, "app=web", 1)
        name = pod["metadata"]["name"]
        lab.delete("pod", name)
        assert "deletionTimestamp" in lab.read("pod", name)["metadata"]

        def terminating_endpoint() -> None:
            by_pod = {ep["targetRef"]["name"]: ep["conditions"] for ep in _endpoints(lab, "web")}
            assert by_pod[name]["terminating"] is True
            assert by_pod[name]["ready"] is False

        eventually(lab, terminating_endpoint)
        lab.advance(31)

        def replaced() -> None:
            names = [p["metadata"]["name"] for p in lab.list("pods", selector="app=web")]
            assert name not in names and len(names) == 1

        eventually(lab, replaced)

    def test_set_ready_on_missing_pod_is_not_found(self, lab: Lab) -> None:
        with pytest.raises(ApiError) as caught:
            lab.set_ready("no-such-pod", True)
        assert str(caught.value) == 'pods "no-such-pod" not found'

    # -- probes: cluster DNS and traffic ------------------------------------------------

    def test_dns_service_name_on_the_search_path(self, lab: Lab) -> None:
        (svc,) = lab.apply(scenarios.service("web"))
        answer = lab.resolve("web")
        fqdn = f"web.{lab.namespace}.svc.cluster.local."
        assert answer.rcode == "NOERROR"
        assert [(r.name, r.type, r.value, r.ttl) for r in answer.records] == [
            (fqdn, "A", svc["spec"]["clusterIP"], 30)]
        assert answer.tried == (fqdn,)
        assert answer.answered == fqdn

    def test_dns_unknown_name_tries_every_search_domain_then_the_name(self, lab: Lab) -> None:
        answer = lab.resolve("nope")
        ns = lab.namespace
        assert answer.rcode == "NXDOMAIN"
        assert answer.records == ()
        assert answer.tried == (f"nope.{ns}.svc.cluster.local.", "nope.svc.cluster.local.",
                                "nope.cluster.local.", "nope.")

    def test_dns_absolute_name_is_asked_once(self, lab: Lab) -> None:
        lab.apply(scenarios.service("web"))
        fqdn = f"web.{lab.namespace}.svc.cluster.local."
        assert lab.resolve(fqdn).tried == (fqdn,)

    def test_dns_headless_answers_ready_pod_ips(self, lab: Lab) -> None:
        lab.apply(scenarios.deployment("db", replicas=2))
        lab.apply(scenarios.service("db", clusterIP="None"))
        pods = _ready_pods(lab, "app=db", 2)

        def answered() -> None:
            answer = lab.resolve("db")
            assert sorted(r.value for r in answer.records) == sorted(
                p["status"]["podIP"] for p in pods)

        eventually(lab, answered)

    def test_dns_aaaa_on_ipv4_service_is_empty_not_nxdomain(self, lab: Lab) -> None:
        lab.apply(scenarios.service("web"))
        answer = lab.resolve(f"web.{lab.namespace}.svc.cluster.local.", type="AAAA")
        assert (answer.rcode, answer.records) == ("NOERROR", ())

    def test_requests_reach_every_ready_pod(self, lab: Lab) -> None:
        lab.apply(scenarios.deployment("web", replicas=3))
        lab.apply(scenarios.service("web"))
        pods = {p["metadata"]["name"] for p in _ready_pods(lab, "app=web", 3)}
        eventually(lab, lambda: _assert_endpoints(lab, "web", 3))
        results = lab.request("web", n=60)
        assert {r.outcome for r in results} == {"ok"}
        assert {r.pod for r in results} == pods
        assert {r.port for r in results} == {8080}

    def test_request_to_service_without_endpoints_is_refused(self, lab: Lab) -> None:
        lab.apply(scenarios.service("web"))
        (result,) = lab.request("web")
        assert result.outcome == "refused"
        assert result.pod is None

    def test_unresolvable_name_is_nxdomain(self, lab: Lab) -> None:
        (result,) = lab.request("no-such-service")
        assert result.outcome == "nxdomain"

    def test_node_port_from_outside_on_every_node(self, lab: Lab) -> None:
        lab.apply(scenarios.deployment("web", replicas=2))
        (svc,) = lab.apply(scenarios.service("web", type="NodePort"))
        _ready_pods(lab, "app=web", 2)
        eventually(lab, lambda: _assert_endpoints(lab, "web", 2))
        node_port = svc["spec"]["ports"][0]["nodePort"]
        for node in lab.list("nodes"):
            address = next(a["address"] for a in node["status"]["addresses"]
                           if a["type"] == "InternalIP")
            (result,) = lab.request(f"{address}:{node_port}", from_outside=True)
            assert result.outcome == "ok", (node["metadata"]["name"], result)

    def test_external_traffic_policy_local_keeps_the_client_ip(self, lab: Lab) -> None:
        lab.apply(scenarios.pod("only", {"app": "web"}, node="kubelab-worker"))
        (svc,) = lab.apply(scenarios.service("web", type="NodePort",
                                             externalTrafficPolicy="Local"))
        _ready_pods(lab, "app=web", 1)
        eventually(lab, lambda: _assert_endpoints(lab, "web", 1))
        node_port = svc["spec"]["ports"][0]["nodePort"]
        addresses = {n["metadata"]["name"]: next(
            a["address"] for a in n["status"]["addresses"] if a["type"] == "InternalIP")
            for n in lab.list("nodes")}
        (local,) = lab.request(f"{addresses['kubelab-worker']}:{node_port}", from_outside=True)
        assert (local.outcome, local.client_ip) == ("ok", "172.18.0.1")
        (other,) = lab.request(f"{addresses['kubelab-worker2']}:{node_port}", from_outside=True)
        assert other.outcome == "timeout"


def _assert_endpoints(lab: Lab, service: str, ready: int) -> None:
    endpoints = _endpoints(lab, service)
    assert sum(bool(ep["conditions"].get("ready")) for ep in endpoints) == ready
