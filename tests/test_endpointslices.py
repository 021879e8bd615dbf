"""The EndpointSlice and v1 Endpoints controllers on a bare simulated API server.

Objects go in the way the defaulted API returns them (Services with clusterIP, protocol and
targetPort; pods with the status a kubelet writes), then `api.reconcile()` runs the
controllers. Expected values follow kubernetes/kubernetes (pkg/controller/endpointslice,
staging/src/k8s.io/endpointslice, pkg/controller/endpoint).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

import kubelab
from kubelab import scenarios
from kubelab.kinds import resource_for
from kubelab.mock import endpointslices, gohash
from kubelab.mock.api import ApiServer

Object = dict[str, Any]
NODES = ("kind-control-plane", "kind-worker", "kind-worker2")
T0 = "2026-01-01T09:00:00Z"
MANAGED = {
    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    "kubernetes.io/service-name": "web",
}
HTTP = {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}


@pytest.fixture
def api() -> ApiServer:
    server = ApiServer(seed=0)
    for ns in ("default", "other"):
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
        server.store.put("namespaces", {**namespace, "status": {"phase": "Active"}})
    for node in NODES:
        server.store.put("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": node}})
    endpointslices.install(server)
    return server


def service(
    name: str = "web",
    selector: dict[str, str] | None = None,
    ports: list[Object] | None = None,
    labels: dict[str, str] | None = None,
    namespace: str = "default",
    **spec: Any,
) -> Object:
    cluster_ip = spec.pop("clusterIP", "10.96.0.10")
    body: Object = {
        "type": "ClusterIP",
        "selector": {"app": name} if selector is None else selector,
        "ports": [HTTP] if ports is None else ports,
        "clusterIP": cluster_ip,
        "clusterIPs": [cluster_ip],
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "sessionAffinity": "None",
        "internalTrafficPolicy": "Cluster",
        **spec,
    }
    if not body["selector"]:
        del body["selector"]
    meta: Object = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": body}


def add_service(api: ApiServer, *args: Any, **kwargs: Any) -> Object:
    created = api.create_object(service(*args, **kwargs))
    api.reconcile()
    return created


def container_ports(*ports: tuple[str, int, str]) -> list[Object]:
    return [{"name": n, "containerPort": p, "protocol": proto} for n, p, proto in ports]


def add_pod(
    api: ApiServer,
    name: str,
    ip: str | None,
    labels: dict[str, str] | None = None,
    ready: bool = True,
    node: str = "kind-worker",
    ports: list[Object] | None = None,
    namespace: str = "default",
    since: str = "2026-01-01T09:00:05Z",
    settle: bool = True,
    **pod_spec: Any,
) -> Object:
    """A pod as the scheduler and kubelet leave it: bound, Running, with an IP."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {"app": "web"}},
        "spec": {
            "nodeName": node,
            "containers": [{"name": "app", "image": "nginx", "ports": ports or []}],
            **pod_spec,
        },
    }
    created = copy.deepcopy(api.create_object(pod))
    created["status"] = kubelet_status(ip, ready, since)
    api.update_status(created)
    if settle:
        api.reconcile()
    return api.store.get("pods", namespace, name)  # type: ignore[return-value]


def kubelet_status(ip: str | None, ready: bool, since: str) -> Object:
    flag = "True" if ready else "False"
    status: Object = {
        "phase": "Running" if ip else "Pending",
        "conditions": [
            {"type": "Initialized", "status": "True", "lastTransitionTime": T0},
            {"type": "Ready", "status": flag, "lastTransitionTime": since},
            {"type": "ContainersReady", "status": flag, "lastTransitionTime": since},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": T0},
        ],
    }
    if ip:
        status.update(hostIP="172.18.0.3", podIP=ip, podIPs=[{"ip": ip}])
    return status


def set_ready(api: ApiServer, name: str, ready: bool, since: str) -> None:
    pod = copy.deepcopy(api.store.get("pods", "default", name))
    assert pod is not None
    pod["status"] = kubelet_status(pod["status"]["podIP"], ready, since)
    api.update_status(pod)
    api.reconcile()


def slices(api: ApiServer, name: str = "web", namespace: str = "default") -> list[Object]:
    return [
        s
        for s in api.store.items("endpointslices", namespace)
        if s["metadata"]["labels"].get("kubernetes.io/service-name") == name
    ]


def the_slice(api: ApiServer, name: str = "web") -> Object:
    found = slices(api, name)
    assert len(found) == 1, found
    return found[0]


def by_pod(api: ApiServer, name: str = "web") -> dict[str, Object]:
    return {ep["targetRef"]["name"]: ep for s in slices(api, name) for ep in s["endpoints"] or ()}


def endpoints(api: ApiServer, name: str = "web") -> Object | None:
    return api.store.get("endpoints", "default", name)


def ips(addresses: list[Object] | None) -> list[str]:
    return [a["ip"] for a in addresses or ()]


def delete(api: ApiServer, plural: str, name: str) -> None:
    api.delete_object(resource_for(plural), name, "default")
    api.reconcile()


# -- one Service, a few pods --------------------------------------------------------------------


def test_a_slice_is_named_labelled_and_owned_like_upstream(api: ApiServer) -> None:
    svc = add_service(api, labels={"app": "web", "tier": "front"})
    for i in range(3):
        add_pod(api, f"web-{i}", f"10.244.1.{i + 2}", ports=container_ports(("http", 8080, "TCP")))
    found = the_slice(api)
    meta = found["metadata"]
    assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", meta["name"])
    assert meta["generateName"] == "web-"
    assert meta["labels"] == {**MANAGED, "app": "web", "tier": "front"}
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "name": "web",
            "uid": svc["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert meta["annotations"] == {
        "endpoints.kubernetes.io/last-change-trigger-time": "2026-01-01T09:00:05Z"
    }
    assert found["addressType"] == "IPv4"
    assert found["ports"] == [{"name": "http", "protocol": "TCP", "port": 8080}]
    first = found["endpoints"][0]
    assert first == {
        "addresses": ["10.244.1.2"],
        "conditions": {"ready": True, "serving": True, "terminating": False},
        "targetRef": {
            "kind": "Pod",
            "namespace": "default",
            "name": "web-0",
            "uid": api.store.get("pods", "default", "web-0")["metadata"]["uid"],  # type: ignore[index]
        },
        "nodeName": "kind-worker",
    }
    assert [ep["addresses"][0] for ep in found["endpoints"]] == [
        "10.244.1.2",
        "10.244.1.3",
        "10.244.1.4",
    ]


def test_a_service_without_pods_gets_one_placeholder_slice_that_is_then_reused(
    api: ApiServer,
) -> None:
    add_service(api)
    placeholder = the_slice(api)
    assert placeholder["endpoints"] is None  # the API returns empty lists as null
    assert placeholder["ports"] is None
    assert placeholder["metadata"]["annotations"] == {
        "endpoints.kubernetes.io/last-change-trigger-time": T0  # the Service's creation
    }
    add_pod(api, "web-0", "10.244.1.2")
    filled = the_slice(api)
    assert filled["metadata"]["name"] == placeholder["metadata"]["name"]
    assert filled["ports"] == [{"name": "http", "protocol": "TCP", "port": 8080}]
    delete(api, "pods", "web-0")
    empty = the_slice(api)
    assert empty["metadata"]["name"] == placeholder["metadata"]["name"]
    assert empty["endpoints"] is None and empty["ports"] is None


def test_pods_without_an_ip_finished_or_not_selected_are_left_out(api: ApiServer) -> None:
    add_service(api)
    add_pod(api, "web-0", "10.244.1.2")
    add_pod(api, "pending", None)
    add_pod(api, "other", "10.244.1.3", labels={"app": "other"})
    done = add_pod(api, "done", "10.244.1.4")
    finished = copy.deepcopy(done)
    finished["status"]["phase"] = "Succeeded"
    finished["status"]["conditions"][1]["status"] = "False"
    api.update_status(finished)
    api.reconcile()
    assert set(by_pod(api)) == {"web-0"}
    assert ips(endpoints(api)["subsets"][0]["addresses"]) == ["10.244.1.2"]  # type: ignore[index]


def test_a_pod_on_a_missing_node_is_skipped_unless_not_ready_addresses_are_published(
    api: ApiServer,
) -> None:
    add_service(api)
    add_service(api, "pub", selector={"app": "web"}, publishNotReadyAddresses=True)
    add_pod(api, "web-0", "10.244.1.2", node="gone")
    assert by_pod(api) == {}
    assert set(by_pod(api, "pub")) == {"web-0"}


# -- conditions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ready", "terminating", "publish", "conditions", "v1_field"),
    [
        (True, False, False, (True, True, False), "addresses"),
        (False, False, False, (False, False, False), "notReadyAddresses"),
        (True, True, False, (False, True, True), None),
        (False, True, False, (False, False, True), None),
        (False, False, True, (True, False, False), "addresses"),
        (True, True, True, (True, True, True), "addresses"),
    ],
)
def test_ready_serving_terminating_and_the_v1_endpoints_address_list(
    api: ApiServer,
    ready: bool,
    terminating: bool,
    publish: bool,
    conditions: tuple[bool, bool, bool],
    v1_field: str | None,
) -> None:
    add_service(api, publishNotReadyAddresses=publish)
    add_pod(api, "web-0", "10.244.1.2", ready=ready)
    if terminating:
        pod = copy.deepcopy(api.store.get("pods", "default", "web-0"))
        pod["metadata"]["deletionTimestamp"] = "2026-01-01T09:00:30Z"  # type: ignore[index]
        api.store.put("pods", pod)  # type: ignore[arg-type]
        api.reconcile()
    got = by_pod(api)["web-0"]["conditions"]
    assert (got["ready"], got["serving"], got["terminating"]) == conditions
    subsets = endpoints(api).get("subsets") or []  # type: ignore[union-attr]
    if v1_field is None:
        assert subsets == []  # v1 Endpoints leave terminating pods out
    else:
        assert ips(subsets[0].get(v1_field)) == ["10.244.1.2"]


def test_a_readiness_change_updates_the_endpoint_in_place(api: ApiServer) -> None:
    add_service(api)
    add_pod(api, "web-0", "10.244.1.2", ready=False)
    before = the_slice(api)
    set_ready(api, "web-0", True, "2026-01-01T09:00:20Z")
    after = the_slice(api)
    assert after["metadata"]["name"] == before["metadata"]["name"]
    assert after["endpoints"][0]["conditions"]["ready"] is True
    trigger = "endpoints.kubernetes.io/last-change-trigger-time"
    assert after["metadata"]["annotations"][trigger] == "2026-01-01T09:00:20Z"
    assert endpoints(api)["metadata"]["annotations"][trigger] == "2026-01-01T09:00:20Z"  # type: ignore[index]


def test_a_change_with_no_trigger_time_clears_the_annotation(api: ApiServer) -> None:
    add_service(api)
    add_pod(api, "web-0", "10.244.1.2")
    add_pod(api, "web-1", "10.244.1.3")
    delete(api, "pods", "web-1")  # a deletion moves no trigger time
    assert "annotations" not in the_slice(api)["metadata"]
    assert "annotations" not in endpoints(api)["metadata"]  # type: ignore[index]


# -- ports ---------------------------------------------------------------------------------


def test_a_named_target_port_is_resolved_per_pod_by_name_and_protocol(api: ApiServer) -> None:
    add_service(api, ports=[{"name": "web", "protocol": "TCP", "port": 80, "targetPort": "http"}])
    add_pod(api, "a", "10.244.1.2", ports=container_ports(("http", 8080, "TCP")))
    add_pod(api, "b", "10.244.1.3", ports=container_ports(("http", 9090, "TCP")))
    add_pod(api, "c", "10.244.1.4", ports=container_ports(("http", 8080, "TCP")))
    add_pod(api, "udp", "10.244.1.5", ports=container_ports(("http", 8080, "UDP")))
    groups = {
        tuple(p["port"] for p in s["ports"] or ()): [e["targetRef"]["name"] for e in s["endpoints"]]
        for s in slices(api)
    }
    # Pods whose port differs go in another slice; the UDP-only pod keeps no port at all.
    assert groups == {(8080,): ["a", "c"], (9090,): ["b"], (): ["udp"]}
    subsets = endpoints(api)["subsets"]  # type: ignore[index]
    assert {(s["ports"][0]["port"], tuple(ips(s["addresses"]))) for s in subsets} == {
        (8080, ("10.244.1.2", "10.244.1.4")),
        (9090, ("10.244.1.3",)),
    }


def test_a_sidecar_init_container_port_counts(api: ApiServer) -> None:
    add_service(
        api, ports=[{"name": "m", "protocol": "TCP", "port": 9000, "targetPort": "metrics"}]
    )
    sidecar = {"name": "s", "image": "x", "restartPolicy": "Always"}
    sidecar["ports"] = container_ports(("metrics", 9100, "TCP"))
    add_pod(api, "web-0", "10.244.1.2", initContainers=[sidecar])
    assert the_slice(api)["ports"] == [{"name": "m", "protocol": "TCP", "port": 9100}]


def test_several_ports_keep_upstreams_hash_order_and_app_protocol(api: ApiServer) -> None:
    ports = [
        {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080},
        {
            "name": "https",
            "protocol": "TCP",
            "port": 443,
            "targetPort": 8443,
            "appProtocol": "https",
        },
        {"name": "dns", "protocol": "UDP", "port": 53, "targetPort": 5353},
    ]
    add_service(api, ports=ports)
    add_pod(api, "web-0", "10.244.1.2")
    written = the_slice(api)["ports"]
    assert written == sorted(written, key=gohash.slice_port_order)
    assert {p["name"]: p.get("appProtocol") for p in written} == {
        "http": None,
        "https": "https",
        "dns": None,
    }
    v1_ports = endpoints(api)["subsets"][0]["ports"]  # type: ignore[index]
    assert v1_ports == sorted(v1_ports, key=gohash.core_port_order)
    assert {"name": "https", "port": 8443, "protocol": "TCP", "appProtocol": "https"} in v1_ports


# -- kinds of Service ----------------------------------------------------------------------


def test_services_without_selector_and_external_names_get_nothing(api: ApiServer) -> None:
    add_service(api, "manual", selector={})
    external = service("ext", ports=[], externalName="example.com", type="ExternalName")
    del external["spec"]["clusterIP"], external["spec"]["clusterIPs"]
    api.create_object(external)
    api.reconcile()
    add_pod(api, "manual-0", "10.244.1.2", labels={"app": "manual"})
    add_pod(api, "ext-0", "10.244.1.3", labels={"app": "ext"})
    assert list(api.store.items("endpointslices")) == []
    assert list(api.store.items("endpoints")) == []


def test_a_headless_service_is_labelled_and_may_have_no_ports(api: ApiServer) -> None:
    add_service(api, ports=[], clusterIP="None")
    add_pod(api, "web-0", "10.244.1.2")
    found = the_slice(api)
    assert found["metadata"]["labels"] == {**MANAGED, "service.kubernetes.io/headless": ""}
    assert found["ports"] is None
    assert [e["addresses"] for e in found["endpoints"]] == [["10.244.1.2"]]
    v1 = endpoints(api)
    assert v1["metadata"]["labels"] == {  # type: ignore[index]
        "endpoints.kubernetes.io/managed-by": "endpoint-controller",
        "service.kubernetes.io/headless": "",
    }
    assert v1["subsets"] == [  # type: ignore[index]
        {
            "addresses": [
                {
                    "ip": "10.244.1.2",
                    "nodeName": "kind-worker",
                    "targetRef": by_pod(api)["web-0"]["targetRef"],
                }
            ]
        }
    ]


def test_hostname_and_subdomain_name_the_endpoint(api: ApiServer) -> None:
    add_service(api, ports=[], clusterIP="None")
    add_pod(api, "web-0", "10.244.1.2", hostname="db-0", subdomain="web")
    add_pod(api, "web-1", "10.244.1.3", hostname="db-1", subdomain="elsewhere")
    assert by_pod(api)["web-0"]["hostname"] == "db-0"
    assert "hostname" not in by_pod(api)["web-1"]
    addresses = endpoints(api)["subsets"][0]["addresses"]  # type: ignore[index]
    assert [a.get("hostname") for a in addresses] == ["db-0", None]


def test_prefer_same_node_traffic_gives_ready_endpoints_node_hints(api: ApiServer) -> None:
    add_service(api, trafficDistribution="PreferSameNode")
    add_pod(api, "web-0", "10.244.1.2", node="kind-worker2")
    add_pod(api, "web-1", "10.244.1.3", ready=False)
    assert by_pod(api)["web-0"]["hints"] == {"forNodes": [{"name": "kind-worker2"}]}
    assert "hints" not in by_pod(api)["web-1"]


# -- change over time ----------------------------------------------------------------------


def test_a_no_op_sync_writes_nothing(api: ApiServer) -> None:
    add_service(api)
    for i in range(5):
        add_pod(api, f"web-{i}", f"10.244.1.{i + 2}")
    revision = api.store.revision
    for controller in api.controllers:  # requeue everything, as a resync would
        controller._dirty.update({("default", "web"), ("default", "nothing")})  # type: ignore[attr-defined]
    pod = copy.deepcopy(api.store.get("pods", "default", "web-0"))
    pod["metadata"]["annotations"] = {"note": "irrelevant"}  # type: ignore[index]
    api.store.put("pods", pod)  # type: ignore[arg-type]
    api.reconcile()
    assert api.store.revision == revision + 1  # only the pod's own write


def test_changing_the_selector_moves_the_endpoints_in_the_same_slice(api: ApiServer) -> None:
    add_service(api)
    add_pod(api, "web-0", "10.244.1.2")
    add_pod(api, "api-0", "10.244.1.3", labels={"app": "api"})
    name = the_slice(api)["metadata"]["name"]
    changed = copy.deepcopy(api.store.get("services", "default", "web"))
    changed["spec"]["selector"] = {"app": "api"}  # type: ignore[index]
    api.update_object(changed)  # type: ignore[arg-type]
    api.reconcile()
    assert the_slice(api)["metadata"]["name"] == name
    assert set(by_pod(api)) == {"api-0"}
    assert ips(endpoints(api)["subsets"][0]["addresses"]) == ["10.244.1.3"]  # type: ignore[index]


def test_relabelling_a_pod_moves_it_between_services(api: ApiServer) -> None:
    add_service(api)
    add_service(api, "api")
    add_pod(api, "p", "10.244.1.2")
    pod = copy.deepcopy(api.store.get("pods", "default", "p"))
    pod["metadata"]["labels"] = {"app": "api"}  # type: ignore[index]
    api.update_object(pod)  # type: ignore[arg-type]
    api.reconcile()
    assert by_pod(api) == {}
    assert set(by_pod(api, "api")) == {"p"}


def test_removing_the_selector_leaves_the_slices_as_upstream_does(api: ApiServer) -> None:
    # kubernetes#118376: neither controller cleans up when the selector goes.
    add_service(api)
    add_pod(api, "web-0", "10.244.1.2")
    before = the_slice(api)
    changed = copy.deepcopy(api.store.get("services", "default", "web"))
    del changed["spec"]["selector"]  # type: ignore[index]
    api.update_object(changed)  # type: ignore[arg-type]
    api.reconcile()
    add_pod(api, "web-1", "10.244.1.3")
    assert the_slice(api) is before
    assert ips(endpoints(api)["subsets"][0]["addresses"]) == ["10.244.1.2"]  # type: ignore[index]


def test_service_labels_are_mirrored_without_touching_endpoints(api: ApiServer) -> None:
    add_service(api)
    add_pod(api, "web-0", "10.244.1.2")
    changed = copy.deepcopy(api.store.get("services", "default", "web"))
    changed["metadata"]["labels"] = {"team": "blue"}  # type: ignore[index]
    api.update_object(changed)  # type: ignore[arg-type]
    api.reconcile()
    assert the_slice(api)["metadata"]["labels"] == {**MANAGED, "team": "blue"}
    assert endpoints(api)["metadata"]["labels"] == {  # type: ignore[index]
        "endpoints.kubernetes.io/managed-by": "endpoint-controller",
        "team": "blue",
    }


def test_deleting_the_service_removes_its_slices_and_endpoints(api: ApiServer) -> None:
    add_service(api)
    add_service(api, "keep", selector={"app": "web"})
    add_pod(api, "web-0", "10.244.1.2")
    delete(api, "services", "web")
    assert slices(api) == [] and endpoints(api) is None
    assert len(slices(api, "keep")) == 1


def test_a_deleted_managed_slice_or_endpoints_comes_back(api: ApiServer) -> None:
    add_service(api)
    add_pod(api, "web-0", "10.244.1.2")
    old = the_slice(api)["metadata"]["name"]
    delete(api, "endpointslices", old)
    delete(api, "endpoints", "web")
    assert the_slice(api)["metadata"]["name"] != old
    assert set(by_pod(api)) == {"web-0"}
    assert endpoints(api) is not None


def test_namespaces_do_not_mix(api: ApiServer) -> None:
    add_service(api)
    add_service(api, namespace="other")
    add_pod(api, "web-0", "10.244.1.2")
    add_pod(api, "web-0", "10.244.2.2", namespace="other")
    assert set(by_pod(api)) == {"web-0"}
    other = slices(api, namespace="other")
    assert [e["addresses"] for e in other[0]["endpoints"]] == [["10.244.2.2"]]


# -- scale ---------------------------------------------------------------------------------


def test_slices_hold_at_most_100_endpoints(api: ApiServer) -> None:
    add_service(api)
    for i in range(250):
        add_pod(api, f"web-{i:03d}", f"10.244.{1 + i // 200}.{2 + i % 200}", settle=i % 50 == 0)
    api.reconcile()
    sizes = sorted(len(s["endpoints"]) for s in slices(api))
    assert sizes == [50, 100, 100]
    assert len(by_pod(api)) == 250
    delete(api, "pods", "web-000")
    assert sorted(len(s["endpoints"]) for s in slices(api)) == [50, 99, 100]


def test_v1_endpoints_sort_addresses_and_truncate_past_1000(api: ApiServer) -> None:
    add_service(api)
    for i in range(1003):
        add_pod(api, f"web-{i:04d}", f"10.244.{i // 250}.{2 + i % 250}", settle=False)
    api.reconcile()
    v1 = endpoints(api)
    assert v1["metadata"]["annotations"]["endpoints.kubernetes.io/over-capacity"] == "truncated"  # type: ignore[index]
    kept = ips(v1["subsets"][0]["addresses"])  # type: ignore[index]
    assert len(kept) == 1000
    assert kept == sorted(kept)  # byte order: 10.244.0.10 before 10.244.0.2
    assert kept[:2] == ["10.244.0.10", "10.244.0.100"]
    assert len(by_pod(api)) == 1003  # slices are not truncated


# -- the Go hash orders ----------------------------------------------------------------------


def test_fnv128a_matches_the_reference_vectors() -> None:
    assert gohash.fnv128a(b"").hex() == "6c62272e07bb014262b821756295c58d"
    assert gohash.fnv128a(b"a").hex() == "d228cb696f1a8caf78912b704e4a8964"


@pytest.mark.parametrize(
    ("port", "dump"),
    [
        (
            {"name": "http", "protocol": "TCP", "port": 80},
            "(v1.EndpointPort){Name:(*string)http Protocol:(*v1.Protocol)TCP Port:(*int32)80 "
            "AppProtocol:(*string)<nil>}",
        ),
        (
            {"name": "", "protocol": "UDP", "port": 53, "appProtocol": "dns"},
            "(v1.EndpointPort){Name:(*string) Protocol:(*v1.Protocol)UDP Port:(*int32)53 "
            "AppProtocol:(*string)dns}",
        ),
    ],
)
def test_spew_dump_of_a_slice_port(port: Object, dump: str) -> None:
    assert gohash.spew_slice_port(port) == dump


# -- through the facade, with the whole simulated cluster --------------------------------------


@pytest.fixture
def lab() -> kubelab.Lab:
    return kubelab.connect(seed=0)


def web_slices(lab: kubelab.Lab) -> list[Object]:
    return lab.list("endpointslices", selector="kubernetes.io/service-name=web")


def conditions_by_pod(lab: kubelab.Lab) -> dict[str, tuple[bool, bool, bool]]:
    return {
        ep["targetRef"]["name"]: tuple(
            ep["conditions"][k] for k in ("ready", "serving", "terminating")
        )
        for s in web_slices(lab)
        for ep in s["endpoints"] or ()
    }


def test_facade_a_deployment_behind_a_service(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=3))
    (svc,) = lab.apply(scenarios.service("web"))
    (found,) = web_slices(lab)
    assert found["metadata"]["ownerReferences"][0]["uid"] == svc["metadata"]["uid"]
    assert found["metadata"]["generation"] == 1
    assert found["ports"] == [{"name": "http", "protocol": "TCP", "port": 8080}]
    pods = {p["metadata"]["name"]: p for p in lab.list("pods", selector="app=web")}
    assert conditions_by_pod(lab) == dict.fromkeys(pods, (True, True, False))
    v1 = lab.read("endpoints", "web")
    assert sorted(ips(v1["subsets"][0]["addresses"])) == sorted(
        p["status"]["podIP"] for p in pods.values()
    )


def test_facade_readiness_and_termination(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=2))
    lab.apply(scenarios.service("web"))
    unready, leaving = sorted(p["metadata"]["name"] for p in lab.list("pods", selector="app=web"))
    lab.set_ready(unready, False)
    lab.delete("pod", leaving)
    found = conditions_by_pod(lab)
    assert found[unready] == (False, False, False)
    assert found[leaving] == (False, True, True)  # serving while it drains
    v1 = lab.read("endpoints", "web")["subsets"][0]
    assert ips(v1["notReadyAddresses"]) == [lab.read("pod", unready)["status"]["podIP"]]
    assert leaving not in {a["targetRef"]["name"] for a in v1.get("addresses") or ()}
    lab.advance(31)
    assert leaving not in conditions_by_pod(lab)
    assert len(conditions_by_pod(lab)) == 2  # the ReplicaSet's replacement


def test_facade_pods_with_a_different_named_port_get_their_own_slice(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=2))
    lab.apply(
        scenarios.deployment(
            "web-canary", replicas=1, labels={"app": "web", "track": "canary"}, port=9090
        )
    )
    lab.apply(scenarios.service("web"))
    ports = sorted((s["ports"][0]["port"], len(s["endpoints"])) for s in web_slices(lab))
    assert ports == [(8080, 2), (9090, 1)]


def test_facade_deleting_the_service_deletes_slices_and_endpoints(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=1))
    lab.apply(scenarios.service("web"))
    assert len(web_slices(lab)) == 1
    lab.delete("svc", "web")
    assert web_slices(lab) == []
    assert [e["metadata"]["name"] for e in lab.list("endpoints")] == ["kubernetes"]
