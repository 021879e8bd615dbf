"""Properties of Service allocation under random create/update/delete sequences.

- no two live Services share a cluster IP, a node port or a LoadBalancer address;
- the allocators hold exactly what live Services hold (nothing leaks, nothing is lost);
- a refused request leaves the store and the allocators exactly as they were;
- after deleting everything, every pool is empty again.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubelab.errors import ApiError
from kubelab.kinds import resource_for
from kubelab.mock import services
from kubelab.mock.api import ApiServer

Object = dict[str, Any]
SVC = resource_for("svc")
NAMES = ("a", "b", "c", "d")


def _spec(**spec: Any) -> Callable[[], Object]:
    return lambda: copy.deepcopy(spec)


# Valid and invalid shapes; the small pools of explicit values make collisions likely.
SHAPES: dict[str, Callable[[], Object]] = {
    "cluster-ip": _spec(ports=[{"port": 80}]),
    "static-ip": _spec(ports=[{"port": 80}], clusterIP="10.96.0.10"),
    "other-static-ip": _spec(ports=[{"port": 80}], clusterIP="10.96.0.11"),
    "headless": _spec(clusterIP="None", selector={"app": "x"}),
    "external-name": _spec(type="ExternalName", externalName="example.com"),
    "node-port": _spec(
        type="NodePort", ports=[{"port": 80, "name": "a"}, {"port": 81, "name": "b"}]
    ),
    "static-node-port": _spec(
        type="NodePort", ports=[{"port": 80, "name": "a", "nodePort": 30010}]
    ),
    "shared-node-port": _spec(
        type="NodePort",
        ports=[
            {"port": 53, "name": "u", "protocol": "UDP", "nodePort": 30011},
            {"port": 53, "name": "t"},
        ],
    ),
    "lb-local": _spec(
        type="LoadBalancer", externalTrafficPolicy="Local", ports=[{"port": 80, "name": "a"}]
    ),
    "lb-static-check": _spec(
        type="LoadBalancer",
        externalTrafficPolicy="Local",
        healthCheckNodePort=30010,
        ports=[{"port": 80, "name": "a"}],
    ),
    "lb-no-node-ports": _spec(
        type="LoadBalancer", allocateLoadBalancerNodePorts=False, ports=[{"port": 80, "name": "a"}]
    ),
    "lb-class": _spec(
        type="LoadBalancer", loadBalancerClass="example.com/lb", ports=[{"port": 80}]
    ),
    "bad-port": _spec(type="NodePort", ports=[{"port": 0, "nodePort": 30012}]),
    "bad-node-port": _spec(type="NodePort", ports=[{"port": 80, "nodePort": 80}]),
    "bad-ip": _spec(ports=[{"port": 80}], clusterIP="10.0.0.1"),
    "bad-protocol": _spec(type="LoadBalancer", ports=[{"port": 80, "protocol": "ICMP"}]),
    "ip-change": _spec(ports=[{"port": 80}], clusterIP="10.96.0.12"),
}

OPS = st.lists(
    st.tuples(
        st.sampled_from(["create", "update", "delete"]),
        st.sampled_from(NAMES),
        st.sampled_from(sorted(SHAPES)),
    ),
    max_size=14,
)


def make_api() -> ApiServer:
    api = ApiServer(seed=0)
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
    for i in range(2):
        api.store.put("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"n{i}"}})
    return api


def state(api: ApiServer) -> str:
    """Everything a request may touch, as one comparable text."""
    pools = api.handlers["services"].allocators  # type: ignore[attr-defined]
    return json.dumps(
        {
            "services": list(api.store.items("services")),
            "revision": api.store.revision,
            "ips": sorted(pools.ips.used),
            "ports": sorted(pools.ports.used),
        },
        sort_keys=True,
    )


def held_by_live(api: ApiServer) -> tuple[list[str], list[int], list[str]]:
    ips: list[str] = []
    ports: list[int] = []
    addresses: list[str] = []
    for svc in api.store.items("services"):
        spec = svc["spec"]
        if spec["type"] != "ExternalName" and spec.get("clusterIPs") != ["None"]:
            ips += spec["clusterIPs"]
        ports += sorted({p["nodePort"] for p in spec.get("ports", []) if p.get("nodePort")})
        if spec.get("healthCheckNodePort"):
            ports.append(spec["healthCheckNodePort"])
        addresses += [i["ip"] for i in svc["status"]["loadBalancer"].get("ingress", [])]
    return ips, ports, addresses


def check_invariants(api: ApiServer) -> None:
    ips, ports, addresses = held_by_live(api)
    for values in (ips, ports, addresses):
        assert not [v for v, n in Counter(values).items() if n > 1], values
    pools = api.handlers["services"].allocators  # type: ignore[attr-defined]
    assert pools.ips.used == set(ips)
    assert pools.ports.used == set(ports)


def apply(api: ApiServer, op: str, name: str, shape: str) -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": SHAPES[shape](),
    }
    if op == "create":
        api.create(obj)
    elif op == "update":
        api.replace(obj)
    else:
        api.delete(SVC, name, "default")


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(OPS)
def test_random_requests_never_share_or_leak(ops: list[tuple[str, str, str]]) -> None:
    api = make_api()
    for op, name, shape in ops:
        before = state(api)
        try:
            apply(api, op, name, shape)
        except ApiError:
            assert state(api) == before  # a refused request changes nothing
        check_invariants(api)
    for svc in list(api.store.items("services")):
        api.delete(SVC, svc["metadata"]["name"], "default")
    pools = api.handlers["services"].allocators  # type: ignore[attr-defined]
    assert (pools.ips.used, pools.ports.used) == (set(), set())


@settings(max_examples=40, deadline=None, database=None)
@given(OPS)
def test_same_requests_same_cluster(ops: list[tuple[str, str, str]]) -> None:
    """Seeded: replaying a sequence on a fresh cluster gives the same objects."""
    results = []
    for _ in range(2):
        api = make_api()
        for op, name, shape in ops:
            with contextlib.suppress(ApiError):
                apply(api, op, name, shape)
        results.append(state(api))
    assert results[0] == results[1]
