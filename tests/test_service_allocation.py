"""Cluster IPs, node ports and LoadBalancer addresses: who gets what, what comes back.

Texts and rules: kubernetes/kubernetes pkg/registry/core/service/{ipallocator,
portallocator,storage/alloc.go}; addresses: kubernetes-sigs/cloud-provider-kind.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterator
from typing import Any

import pytest

from kubelab.errors import ApiError
from kubelab.kinds import resource_for
from kubelab.mock import services
from kubelab.mock.allocators import AllocationError, ClusterIPAllocator, NodePortAllocator
from kubelab.mock.api import ApiServer
from kubelab.mock.service_alloc import ServiceAllocators

Object = dict[str, Any]
SVC = resource_for("svc")
PORT = {"port": 80}


def make_api(seed: int = 0, nodes: int = 3) -> ApiServer:
    api = ApiServer(seed=seed)
    services.install(api)
    api.store.put(
        "namespaces",
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "default"},
            "status": {"phase": "Active"},
        },
    )
    for i in range(nodes):
        api.store.put("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"n{i}"}})
    return api


@pytest.fixture
def api() -> ApiServer:
    return make_api()


def pools(api: ApiServer) -> ServiceAllocators:
    handler = api.handlers["services"]
    assert isinstance(handler, services.ServiceHandler)
    return handler.allocators


def service(name: str = "web", **spec: Any) -> Object:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def rejected(api: ApiServer, obj: Object, update: bool = False) -> ApiError:
    with pytest.raises(ApiError) as info:
        (api.replace if update else api.create)(obj)
    return info.value


def held(api: ApiServer) -> tuple[frozenset[str], frozenset[int]]:
    return pools(api).ips.used, pools(api).ports.used


# -- cluster IPs -------------------------------------------------------------------------


def test_dynamic_cluster_ips_come_from_the_upper_band_and_repeat_per_seed() -> None:
    first = [make_api(seed=7).create(service(ports=[PORT]))["spec"]["clusterIP"] for _ in "ab"]
    assert first[0] == first[1]
    address = ipaddress.IPv4Address(first[0])
    assert ipaddress.IPv4Address("10.96.1.1") <= address <= ipaddress.IPv4Address("10.96.255.254")


def test_requested_cluster_ip_is_honoured(api: ApiServer) -> None:
    spec = api.create(service(ports=[PORT], clusterIP="10.96.0.10"))["spec"]
    assert (spec["clusterIP"], spec["clusterIPs"]) == ("10.96.0.10", ["10.96.0.10"])
    assert pools(api).ips.used == {"10.96.0.10"}


@pytest.mark.parametrize(
    ("ip", "why"),
    [
        ("10.96.0.10", "provided IP is already allocated"),
        ("10.97.0.1", "the provided network does not match the current range"),
        ("10.96.0.0", "the provided network does not match the current range"),
        ("10.96.255.255", "the provided network does not match the current range"),
    ],
)
def test_unavailable_cluster_ip(api: ApiServer, ip: str, why: str) -> None:
    api.create(service("dns", ports=[PORT], clusterIP="10.96.0.10"))
    err = rejected(api, service(ports=[PORT], clusterIP=ip))
    detail = f'Invalid value: []string{{"{ip}"}}: failed to allocate IP {ip}: {why}'
    assert str(err) == f'Service "web" is invalid: spec.clusterIPs: {detail}'
    assert err.causes == [
        {"reason": "FieldValueInvalid", "message": detail, "field": "spec.clusterIPs"}
    ]
    assert pools(api).ips.used == {"10.96.0.10"}


def test_full_cluster_ip_range_is_an_internal_error() -> None:
    allocator = ClusterIPAllocator("10.96.0.0/28", random.Random(0))
    taken = {allocator.allocate_next() for _ in range(14)}
    assert len(taken) == 14 and "10.96.0.0" not in taken and "10.96.0.15" not in taken
    with pytest.raises(AllocationError, match=r"^range is full$"):
        allocator.allocate_next()


# -- node ports --------------------------------------------------------------------------


def test_dynamic_node_ports_come_from_the_upper_band(api: ApiServer) -> None:
    spec = api.create(service(type="NodePort", ports=[PORT]))
    node_port = spec["spec"]["ports"][0]["nodePort"]
    assert 30086 <= node_port <= 32767
    assert pools(api).ports.used == {node_port}


def test_requested_node_port_is_honoured(api: ApiServer) -> None:
    spec = api.create(service(type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))["spec"]
    assert spec["ports"][0]["nodePort"] == 30080


@pytest.mark.parametrize(
    ("node_port", "why"),
    [
        (30080, "provided port is already allocated"),
        (8080, "provided port is not in the valid range. The range of valid ports is 30000-32767"),
        (32768, "provided port is not in the valid range. The range of valid ports is 30000-32767"),
    ],
)
def test_unavailable_node_port(api: ApiServer, node_port: int, why: str) -> None:
    api.create(service("taken", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    before = held(api)
    err = rejected(api, service(type="NodePort", ports=[{"port": 80, "nodePort": node_port}]))
    assert str(err) == (
        f'Service "web" is invalid: spec.ports[0].nodePort: Invalid value: {node_port}: {why}'
    )
    assert err.causes[0]["field"] == "spec.ports[0].nodePort"
    assert held(api) == before


def test_same_node_port_twice_in_one_service_collides(api: ApiServer) -> None:
    ports = [
        {"port": 80, "name": "a", "nodePort": 30100},
        {"port": 81, "name": "b", "nodePort": 30100},
    ]
    err = rejected(api, service(type="NodePort", ports=ports))
    assert str(err) == (
        'Service "web" is invalid: spec.ports[1].nodePort: Invalid value: 30100: '
        "provided port is already allocated"
    )
    assert held(api) == (frozenset(), frozenset())


def test_tcp_and_udp_on_one_port_share_a_node_port(api: ApiServer) -> None:
    ports = [{"port": 53, "name": "dns", "protocol": "UDP"}, {"port": 53, "name": "dns-tcp"}]
    spec = api.create(service(type="NodePort", ports=ports))["spec"]
    assert spec["ports"][0]["nodePort"] == spec["ports"][1]["nodePort"]
    assert len(pools(api).ports.used) == 1


def test_load_balancer_without_node_ports(api: ApiServer) -> None:
    ports = [{"port": 80, "name": "a"}, {"port": 81, "name": "b", "nodePort": 30081}]
    spec = api.create(
        service(type="LoadBalancer", allocateLoadBalancerNodePorts=False, ports=ports)
    )["spec"]
    assert "nodePort" not in spec["ports"][0]
    assert spec["ports"][1]["nodePort"] == 30081
    assert pools(api).ports.used == {30081}


def test_local_load_balancer_gets_a_health_check_port(api: ApiServer) -> None:
    spec = api.create(service(type="LoadBalancer", externalTrafficPolicy="Local", ports=[PORT]))[
        "spec"
    ]
    assert pools(api).ports.used == {spec["healthCheckNodePort"], spec["ports"][0]["nodePort"]}


def test_taken_health_check_port_is_an_internal_error(api: ApiServer) -> None:
    api.create(service("taken", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    before = held(api)
    err = rejected(
        api,
        service(
            type="LoadBalancer",
            externalTrafficPolicy="Local",
            healthCheckNodePort=30080,
            ports=[PORT],
        ),
    )
    assert (err.code, err.reason) == (500, "InternalError")
    assert str(err) == (
        "Internal error occurred: failed to allocate requested HealthCheck NodePort 30080: "
        "provided port is already allocated"
    )
    assert held(api) == before


def test_full_node_port_range_is_an_internal_error(api: ApiServer) -> None:
    for port in range(30000, 32768):
        pools(api).ports.allocate(port)
    err = rejected(api, service(type="NodePort", ports=[PORT]))
    assert (err.code, err.reason) == (500, "InternalError")
    assert str(err) == "Internal error occurred: failed to allocate a nodePort: range is full"
    assert pools(api).ips.used == frozenset()


def test_dynamic_ports_fall_back_to_the_static_band() -> None:
    allocator = NodePortAllocator(30000, 32767, random.Random(1))
    for port in range(30086, 32768):
        allocator.allocate(port)
    assert 30000 <= allocator.allocate_next() <= 30085


# -- nothing leaks -----------------------------------------------------------------------


def test_a_create_refused_by_validation_gives_everything_back(api: ApiServer) -> None:
    obj = service(
        type="LoadBalancer",
        externalTrafficPolicy="Local",
        ports=[{"port": 80, "protocol": "ICMP", "nodePort": 30080}],
    )
    rejected(api, obj)
    assert held(api) == (frozenset(), frozenset())


def test_a_create_refused_as_already_existing_gives_everything_back(api: ApiServer) -> None:
    api.create(service(type="NodePort", ports=[PORT]))
    before = held(api)
    err = rejected(api, service(type="NodePort", ports=[PORT]))
    assert (err.code, str(err)) == (409, 'services "web" already exists')
    assert held(api) == before


def test_delete_releases_ip_and_ports(api: ApiServer) -> None:
    obj = service(
        type="LoadBalancer",
        externalTrafficPolicy="Local",
        clusterIP="10.96.0.10",
        ports=[{"port": 80, "nodePort": 30080}],
        healthCheckNodePort=30081,
    )
    api.create(obj)
    assert held(api) == ({"10.96.0.10"}, {30080, 30081})
    api.delete(SVC, "web", "default")
    assert held(api) == (frozenset(), frozenset())
    api.create(obj)  # the same values are free again


# -- updates -----------------------------------------------------------------------------


def _update(api: ApiServer, name: str = "web", **changes: Any) -> Object:
    live = api.get(SVC, name, "default")
    live["spec"].update(changes)
    return api.replace(live)


def test_node_port_to_cluster_ip_releases_node_ports(api: ApiServer) -> None:
    api.create(service(type="NodePort", ports=[PORT]))
    spec = _update(api, type="ClusterIP")["spec"]
    assert "nodePort" not in spec["ports"][0] and "externalTrafficPolicy" not in spec
    assert pools(api).ports.used == frozenset()


def test_cluster_ip_to_node_port_allocates(api: ApiServer) -> None:
    ip = api.create(service(ports=[PORT]))["spec"]["clusterIP"]
    spec = _update(api, type="NodePort")["spec"]
    assert spec["clusterIP"] == ip
    assert pools(api).ports.used == {spec["ports"][0]["nodePort"]}


def test_to_external_name_releases_everything_and_back_allocates(api: ApiServer) -> None:
    api.create(service(type="NodePort", ports=[PORT]))
    spec = _update(api, type="ExternalName", externalName="example.com")["spec"]
    assert {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"}.isdisjoint(spec)
    assert "internalTrafficPolicy" not in spec
    assert held(api) == (frozenset(), frozenset())
    live = api.get(SVC, "web", "default")
    live["spec"]["type"] = "ClusterIP"
    del live["spec"]["externalName"]
    spec = api.replace(live)["spec"]
    assert pools(api).ips.used == {spec["clusterIP"]}
    assert spec["ipFamilies"] == ["IPv4"] and spec["internalTrafficPolicy"] == "Cluster"


def test_dropping_a_port_releases_its_node_port(api: ApiServer) -> None:
    ports = [
        {"port": 80, "name": "a", "nodePort": 30080},
        {"port": 81, "name": "b", "nodePort": 30081},
    ]
    api.create(service(type="NodePort", ports=ports))
    _update(api, ports=[{"port": 80, "name": "a", "nodePort": 30080}])
    assert pools(api).ports.used == {30080}


def test_resubmitting_without_node_ports_keeps_them(api: ApiServer) -> None:
    created = api.create(service(type="NodePort", ports=[{"port": 80, "name": "a"}]))
    again = api.replace(service(type="NodePort", ports=[{"port": 80, "name": "a"}]))
    assert again["spec"]["ports"] == created["spec"]["ports"]


def test_a_refused_update_keeps_the_old_allocation(api: ApiServer) -> None:
    api.create(service(type="NodePort", ports=[{"port": 80, "name": "a", "nodePort": 30080}]))
    before = held(api)
    live = api.get(SVC, "web", "default")
    live["spec"]["ports"] = [{"port": 80, "name": "a", "nodePort": 30090, "protocol": "ICMP"}]
    rejected(api, live, update=True)
    assert held(api) == before
    assert api.get(SVC, "web", "default")["spec"]["ports"][0]["nodePort"] == 30080


def test_duplicate_node_port_in_an_update_is_a_plain_server_error(api: ApiServer) -> None:
    api.create(service(type="NodePort", ports=[{"port": 80, "name": "a", "nodePort": 30100}]))
    live = api.get(SVC, "web", "default")
    live["spec"]["ports"].append({"port": 81, "name": "b", "nodePort": 30100})
    err = rejected(api, live, update=True)
    assert (err.code, err.reason, str(err)) == (500, "", "duplicate nodePort: {TCP 30100}")
    assert pools(api).ports.used == {30100}


def test_traffic_policy_change_moves_the_health_check_port(api: ApiServer) -> None:
    api.create(service(type="LoadBalancer", ports=[PORT]))
    spec = _update(api, externalTrafficPolicy="Local")["spec"]
    check = spec["healthCheckNodePort"]
    assert check in pools(api).ports.used
    spec = _update(api, externalTrafficPolicy="Cluster")["spec"]
    assert "healthCheckNodePort" not in spec
    assert pools(api).ports.used == {spec["ports"][0]["nodePort"]}


# -- LoadBalancer addresses (cloud-provider-kind) ----------------------------------------


def _ingress(api: ApiServer, name: str) -> list[Object]:
    status = api.get(SVC, name, "default")["status"]["loadBalancer"]
    return list(status.get("ingress", []))


def test_load_balancer_gets_the_next_kind_address(api: ApiServer) -> None:
    api.create(service("lb", type="LoadBalancer", ports=[PORT]))
    assert _ingress(api, "lb") == [
        {"ip": "172.18.0.5", "ipMode": "Proxy", "ports": [{"port": 80, "protocol": "TCP"}]}
    ]


def test_addresses_follow_the_nodes_and_are_reused() -> None:
    api = make_api(nodes=1)
    for name in ("a", "b", "c"):
        api.create(service(name, type="LoadBalancer", ports=[PORT]))
    assert [_ingress(api, n)[0]["ip"] for n in "abc"] == ["172.18.0.3", "172.18.0.4", "172.18.0.5"]
    api.delete(SVC, "a", "default")
    api.create(service("d", type="LoadBalancer", ports=[PORT]))
    assert _ingress(api, "d")[0]["ip"] == "172.18.0.3"


def test_load_balancer_class_is_left_to_its_controller(api: ApiServer) -> None:
    created = api.create(
        service("lb", type="LoadBalancer", loadBalancerClass="example.com/lb", ports=[PORT])
    )
    assert _ingress(api, "lb") == []
    assert "finalizers" not in created["metadata"]


def test_cleanup_finalizer_follows_the_type(api: ApiServer) -> None:
    created = api.create(service("lb", type="LoadBalancer", ports=[PORT]))
    assert created["metadata"]["finalizers"] == ["service.kubernetes.io/load-balancer-cleanup"]
    assert "finalizers" not in _update(api, "lb", type="NodePort")["metadata"]


def test_leaving_load_balancer_clears_status_and_frees_the_address(api: ApiServer) -> None:
    api.create(service("lb", type="LoadBalancer", ports=[PORT]))
    spec = _update(api, "lb", type="ClusterIP")
    assert spec["status"] == {"loadBalancer": {}}
    assert "allocateLoadBalancerNodePorts" not in spec["spec"]
    api.create(service("next", type="LoadBalancer", ports=[PORT]))
    assert _ingress(api, "next")[0]["ip"] == "172.18.0.5"


@pytest.mark.parametrize(
    ("requested", "ingress"),
    [("172.18.0.100", "172.18.0.100"), ("172.18.0.2", None), ("192.168.1.10", None)],
)
def test_requested_load_balancer_ip(api: ApiServer, requested: str, ingress: str | None) -> None:
    api.create(service("lb", type="LoadBalancer", loadBalancerIP=requested, ports=[PORT]))
    found = _ingress(api, "lb")
    assert (found[0]["ip"] if found else None) == ingress


def test_a_requested_address_that_is_taken_is_given_once_freed(api: ApiServer) -> None:
    api.create(service("first", type="LoadBalancer", ports=[PORT]))
    api.create(service("second", type="LoadBalancer", loadBalancerIP="172.18.0.5", ports=[PORT]))
    assert _ingress(api, "second") == []  # docker refuses an address in use: pending
    api.delete(SVC, "first", "default")
    assert _ingress(api, "second")[0]["ip"] == "172.18.0.5"


def test_the_load_balancer_controller_only_looks_at_changed_services(api: ApiServer) -> None:
    (controller,) = [c for c in api.controllers if type(c).__name__ == "LoadBalancerController"]
    for i in range(20):
        api.create(service(f"plain{i}", ports=[PORT]))
    looked_at: list[tuple[str, str]] = []
    get, items = api.store.get, api.store.items

    def spy_get(plural: str, namespace: str, name: str) -> Object | None:
        if plural == "services":
            looked_at.append((namespace, name))
        return get(plural, namespace, name)

    def spy_items(plural: str, namespace: str | None = None) -> Iterator[Object]:
        for obj in items(plural, namespace):
            if plural == "services":
                looked_at.append((obj["metadata"]["namespace"], obj["metadata"]["name"]))
            yield obj

    controller.sync(api)
    api.store.get = spy_get  # type: ignore[method-assign]
    api.store.items = spy_items  # type: ignore[method-assign]
    api.create(service("lb", type="LoadBalancer", ports=[PORT]))
    assert ("default", "lb") in looked_at
    assert not [name for _, name in looked_at if name.startswith("plain")]  # no rescans


def test_status_follows_the_ports(api: ApiServer) -> None:
    api.create(service("lb", type="LoadBalancer", ports=[PORT]))
    _update(api, "lb", ports=[{"port": 8080, "protocol": "UDP"}])
    assert _ingress(api, "lb")[0]["ports"] == [{"port": 8080, "protocol": "UDP"}]
