"""The simulated data plane: kube-proxy's rules, kind's network and load balancer.

Objects go straight into the store, shaped as the API server returns them, so these
tests need none of the controllers. Random behaviour is checked with a chi-square test
computed by hand (df = n - 1; critical values at p = 0.001).
"""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from kubelab import errors, targets
from kubelab.mock import kubeproxy, proxy
from kubelab.mock.api import ApiServer

Object = dict[str, Any]
CP, W1, W2 = "kubelab-control-plane", "kubelab-worker", "kubelab-worker2"
NODE_IPS = {CP: "172.18.0.2", W1: "172.18.0.3", W2: "172.18.0.4"}
CHI2_DF2 = 13.816  # p = 0.001, 2 degrees of freedom
CHI2_DF9 = 27.877  # p = 0.001, 9 degrees of freedom


# -- objects as the API server returns them ------------------------------------------------


def node(name: str, ip: str, cidr: str, control_plane: bool = False) -> Object:
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "spec": {"podCIDR": cidr, "podCIDRs": [cidr], "providerID": f"kind://docker/kubelab/{name}"},
        "status": {"addresses": [
            {"type": "InternalIP", "address": ip},
            {"type": "Hostname", "address": name},
        ]},
    }


def pod(
    name: str, ip: str, node_name: str, ports: tuple[int, ...] = (8080,), ns: str = "default",
    phase: str = "Running", host_network: bool = False,
) -> Object:
    status: Object = {"phase": phase, "hostIP": NODE_IPS[node_name]}
    if ip:
        status.update(podIP=ip, podIPs=[{"ip": ip}])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": "web"}},
        "spec": {
            "nodeName": node_name,
            "hostNetwork": host_network,
            "containers": [{
                "name": "app",
                "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                "ports": [{"name": "http", "containerPort": p, "protocol": "TCP"} for p in ports],
            }],
        },
        "status": status,
    }


def service(
    name: str = "web", cluster_ip: str = "10.96.12.34", port: int = 80, target: Any = "http",
    type: str = "ClusterIP", node_port: int = 30080, ns: str = "default", lb: str = "",
    ip_mode: str = "Proxy", **spec: Any,
) -> Object:
    svc_port: Object = {"name": "http", "protocol": "TCP", "port": port, "targetPort": target}
    if type in ("NodePort", "LoadBalancer"):
        svc_port["nodePort"] = node_port
        spec.setdefault("externalTrafficPolicy", "Cluster")
    body: Object = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "type": type,
            "clusterIP": cluster_ip,
            "clusterIPs": [cluster_ip],
            "ports": [svc_port],
            "selector": {"app": "web"},
            "sessionAffinity": "None",
            "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            **spec,
        },
        "status": {"loadBalancer": {}},
    }
    if lb:
        ingress = {"ip": lb, "ipMode": ip_mode, "ports": [{"port": port, "protocol": "TCP"}]}
        body["status"]["loadBalancer"]["ingress"] = [ingress]
    return body


def endpoint_slice(
    svc: str, endpoints: list[tuple[str, str, str]], port: int = 8080, ns: str = "default",
    conditions: dict[str, Object] | None = None, name: str = "",
) -> Object:
    """endpoints: (pod name, IP, node); conditions: pod name -> conditions (default ready)."""
    conditions = conditions or {}
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": name or f"{svc}-abcde",
            "namespace": ns,
            "labels": {
                "kubernetes.io/service-name": svc,
                "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
            },
        },
        "addressType": "IPv4",
        "ports": [{"name": "http", "port": port, "protocol": "TCP"}],
        "endpoints": [
            {
                "addresses": [ip],
                "conditions": conditions.get(
                    pod_name, {"ready": True, "serving": True, "terminating": False}
                ),
                "nodeName": node_name,
                "targetRef": {"kind": "Pod", "name": pod_name, "namespace": ns},
            }
            for pod_name, ip, node_name in endpoints
        ],
    }


WEB = [("web-a", "10.244.1.2", W1), ("web-b", "10.244.2.2", W2), ("web-c", "10.244.2.3", W2)]


def cluster(seed: int = 0, svc: Object | None = None, eps: list[tuple[str, str, str]] = WEB,
            conditions: dict[str, Object] | None = None) -> ApiServer:
    """kind's three nodes, three web pods (one on worker, two on worker2), a Service."""
    api = ApiServer(seed=seed)
    put = api.store.put
    put("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    put("nodes", node(CP, NODE_IPS[CP], "10.244.0.0/24", control_plane=True))
    put("nodes", node(W1, NODE_IPS[W1], "10.244.1.0/24"))
    put("nodes", node(W2, NODE_IPS[W2], "10.244.2.0/24"))
    for name, ip, node_name in eps:
        put("pods", pod(name, ip, node_name))
    put("services", svc if svc is not None else service())
    put("endpointslices", endpoint_slice("web", eps, conditions=conditions))
    return api


def pods_of(results: list[Any]) -> list[str | None]:
    return [r.pod for r in results]


def chi_square(counts: list[int]) -> float:
    expected = sum(counts) / len(counts)
    return sum((c - expected) ** 2 / expected for c in counts)


# -- kube-proxy's names and numbers ----------------------------------------------------------


@pytest.mark.parametrize(("port_name", "protocol", "chain"), [
    # the chains every kind cluster has (iptables-save on a kind node)
    ("default/kubernetes:https", "tcp", "KUBE-SVC-NPX46M4PTMTKRN6Y"),
    ("kube-system/kube-dns:dns", "udp", "KUBE-SVC-TCOU7JCQXEZGVUNU"),
    ("kube-system/kube-dns:dns-tcp", "tcp", "KUBE-SVC-ERIFXISQEP7F7OF4"),
    ("kube-system/kube-dns:metrics", "tcp", "KUBE-SVC-JD5MR3NA4I4DYORP"),
])
def test_chain_names_are_kube_proxys(port_name: str, protocol: str, chain: str) -> None:
    ns_name, _, name = port_name.partition(":")
    ns, svc = ns_name.split("/")
    sp = kubeproxy.ServicePort(ns, svc, name, protocol.upper(), 1, 0, 1, "10.96.0.1",
                               "ClusterIP", (), (), (), False, False, None)
    assert sp.chain("KUBE-SVC-") == chain
    assert sp.chain("KUBE-EXT-") == "KUBE-EXT-" + chain[9:]


def test_endpoint_chain_hashes_the_endpoint_too() -> None:
    sp = kubeproxy.service_ports(service())[0]
    ep = kubeproxy.endpoints(cluster(), sp)[0]
    assert sp.sep_chain(ep).startswith("KUBE-SEP-") and len(sp.sep_chain(ep)) == 25
    assert sp.sep_chain(ep) != sp.sep_chain(kubeproxy.endpoints(cluster(), sp)[1])


@pytest.mark.parametrize(("remaining", "written", "saved"), [
    (2, "0.5000000000", "0.50000000000"),
    (3, "0.3333333333", "0.33333333349"),
    (4, "0.2500000000", "0.25000000000"),
    (7, "0.1428571429", "0.14285714272"),
    (10, "0.1000000000", "0.10000000009"),
])
def test_probabilities_as_kube_proxy_writes_and_iptables_prints(
    remaining: int, written: str, saved: str
) -> None:
    assert kubeproxy.written_probability(remaining) == written
    assert kubeproxy.saved_probability(remaining) == saved


@pytest.mark.parametrize("count", [1, 2, 3, 5, 10, 40])
def test_rule_shares_are_uniform(count: int) -> None:
    shares = kubeproxy.rule_shares(count)
    assert sum(shares) == pytest.approx(1.0)
    assert all(s == pytest.approx(1 / count, abs=1e-8) for s in shares)


def test_endpoints_sorted_by_address_string_and_deduplicated() -> None:
    eps = [("p10", "10.244.1.10", W1), ("p2", "10.244.1.2", W1), ("p9", "10.244.1.9", W1)]
    api = cluster(eps=eps)
    # the same endpoint in a second slice, terminating: the ready copy wins
    api.store.put("endpointslices", endpoint_slice(
        "web", [("p2", "10.244.1.2", W1)], name="web-fghij",
        conditions={"p2": {"ready": False, "serving": True, "terminating": True}},
    ))
    sp = kubeproxy.service_ports(service())[0]
    found = kubeproxy.endpoints(api, sp)
    assert [e.address for e in found] == ["10.244.1.10:8080", "10.244.1.2:8080", "10.244.1.9:8080"]
    assert all(e.ready for e in found)


# -- the distribution and its determinism --------------------------------------------------


def test_three_endpoints_share_connections_uniformly() -> None:
    api = cluster(seed=7)
    counts = proxy.request_counts(api, "10.96.12.34:80", n=3000)
    assert set(counts) == {"web-a", "web-b", "web-c"}
    assert chi_square(list(counts.values())) < CHI2_DF2


def test_the_chi_square_check_catches_the_naive_rule() -> None:
    # The bug the 1/(n-i) rule avoids: every rule matching with probability 1/n.
    rng, counts = random.Random(7), [0, 0, 0]
    for _ in range(3000):
        i = next((i for i in range(2) if rng.random() < 1 / 3), 2)
        counts[i] += 1
    assert chi_square(counts) > CHI2_DF2


def test_ten_endpoints_uniform() -> None:
    eps = [(f"web-{i}", f"10.244.{1 + i % 2}.{10 + i}", (W1, W2)[i % 2]) for i in range(10)]
    counts = proxy.request_counts(cluster(seed=3, eps=eps), "10.96.12.34:80", n=20000)
    assert len(counts) == 10 and chi_square(list(counts.values())) < CHI2_DF9


def test_same_seed_same_choices_and_other_seeds_differ() -> None:
    first = pods_of(proxy.request(cluster(seed=11), "10.96.12.34:80", n=40))
    again = pods_of(proxy.request(cluster(seed=11), "10.96.12.34:80", n=40))
    other = pods_of(proxy.request(cluster(seed=12), "10.96.12.34:80", n=40))
    assert first == again and first != other


def test_counts_make_the_same_choices_as_single_requests() -> None:
    one_by_one = cluster(seed=5)
    singles = [proxy.request(one_by_one, "10.96.12.34:80")[0].pod for _ in range(500)]
    batch = pods_of(proxy.request(cluster(seed=5), "10.96.12.34:80", n=500))
    counts = proxy.request_counts(cluster(seed=5), "10.96.12.34:80", n=500)
    assert singles == batch
    assert counts == {p: singles.count(p) for p in sorted(set(singles))}  # type: ignore[arg-type]
    # and the stream continues where it stopped
    assert proxy.request(one_by_one, "10.96.12.34:80")[0].pod == pods_of(
        proxy.request(cluster(seed=5), "10.96.12.34:80", n=501))[-1]


@pytest.mark.parametrize(("target", "kwargs"), [
    ("172.18.0.5:80", {"from_outside": True}),  # Envoy draws a node, then kube-proxy
    ("172.18.0.3:30080", {"from_node": W2}),
])
def test_counts_match_requests_through_every_path(target: str, kwargs: Object) -> None:
    svc = service(type="LoadBalancer", lb="172.18.0.5")
    one_by_one = cluster(9, svc)
    singles = [proxy.request(one_by_one, target, **kwargs)[0].pod for _ in range(300)]
    batch = proxy.request(cluster(9, svc), target, n=300, **kwargs)
    counts = proxy.request_counts(cluster(9, svc), target, n=300, **kwargs)
    assert singles == pods_of(batch) and len(set(singles)) == 3
    assert counts == {p: singles.count(p) for p in sorted(set(singles))}  # type: ignore[arg-type]


def test_explain_draws_nothing() -> None:
    api = cluster(seed=5)
    proxy.explain(api, "10.96.12.34:80")
    assert pods_of(proxy.request(api, "10.96.12.34:80", n=50)) == pods_of(
        proxy.request(cluster(seed=5), "10.96.12.34:80", n=50))


def test_a_million_requests_to_ten_endpoints_in_about_a_second() -> None:
    eps = [(f"web-{i}", f"10.244.1.{10 + i}", W1) for i in range(10)]
    api = cluster(eps=eps)
    start = time.perf_counter()
    counts = proxy.request_counts(api, "10.96.12.34:80", n=1_000_000)
    elapsed = time.perf_counter() - start
    assert sum(counts.values()) == 1_000_000 and len(counts) == 10
    assert elapsed < 2.0  # the benchmark goal is 1 s; leave room for a loaded CI machine


# -- ClusterIP ----------------------------------------------------------------------------


def test_cluster_ip_from_a_pod_keeps_the_source() -> None:
    api = cluster()
    api.store.put("pods", pod("client", "10.244.2.9", W2))
    results = proxy.request(api, "10.96.12.34:80", n=30)
    assert {r.outcome for r in results} == {"ok"}
    assert {r.client_ip for r in results} == {"10.244.2.9"}
    first = results[0]
    assert first.port == 8080 and first.pod_ip is not None
    assert [h.step for h in first.hops] == ["client", "vip", "dnat", "snat", "pod"]


def test_stand_in_client_on_the_first_worker() -> None:
    result = proxy.request(cluster(), "10.96.12.34:80")[0]
    assert result.client_ip == "10.244.1.254"
    assert "stand-in" in result.hops[0].detail and W1 in result.hops[0].detail


def test_cluster_ip_from_a_node_is_masqueraded() -> None:
    results = proxy.request(cluster(), "10.96.12.34:80", from_node=W2, n=60)
    seen = {r.pod: r.client_ip for r in results}
    assert seen == {"web-a": "172.18.0.4", "web-b": "10.244.2.1", "web-c": "10.244.2.1"}


def test_hairpin_is_masqueraded() -> None:
    results = proxy.request(cluster(), "10.96.12.34:80", from_pod="web-b", n=60)
    seen = {r.pod: r.client_ip for r in results}
    assert seen == {"web-a": "10.244.2.2", "web-b": "10.244.2.1", "web-c": "10.244.2.2"}


def test_no_endpoints_is_rejected() -> None:
    api = cluster(eps=[])
    result = proxy.request(api, "10.96.12.34:80")[0]
    assert result.outcome == "refused" and result.pod is None
    assert result.hops[-1].step == "reject" and "has no endpoints" in result.hops[-1].detail
    assert "-j REJECT --reject-with icmp-port-unreachable" in proxy.explain(api, "10.96.12.34:80")


def test_unknown_port_of_a_cluster_ip_times_out() -> None:
    result = proxy.request(cluster(), "10.96.12.34:8080")[0]
    assert result.outcome == "timeout" and result.hops[-1].step == "drop"


def test_unallocated_cluster_ip_times_out() -> None:
    assert proxy.request(cluster(), "10.96.99.99:80")[0].outcome == "timeout"


def test_cluster_ip_and_pod_ip_unreachable_from_outside() -> None:
    api = cluster()
    assert proxy.request(api, "10.96.12.34:80", from_outside=True)[0].outcome == "timeout"
    assert proxy.request(api, "10.244.1.2:8080", from_outside=True)[0].outcome == "timeout"


def test_terminating_fallback_and_not_serving() -> None:
    terminating = {"ready": False, "serving": True, "terminating": True}
    gone = {"ready": False, "serving": False, "terminating": True}
    # one ready endpoint: only it is used
    api = cluster(conditions={"web-a": terminating, "web-b": terminating})
    assert set(pods_of(proxy.request(api, "10.96.12.34:80", n=40))) == {"web-c"}
    # none ready: the serving terminating ones take the traffic
    api = cluster(conditions={"web-a": terminating, "web-b": terminating, "web-c": gone})
    assert set(pods_of(proxy.request(api, "10.96.12.34:80", n=40))) == {"web-a", "web-b"}
    # none ready nor serving: REJECT
    api = cluster(conditions={"web-a": gone, "web-b": gone, "web-c": gone})
    assert proxy.request(api, "10.96.12.34:80")[0].outcome == "refused"


def test_target_port_the_pod_does_not_declare_is_refused_at_the_pod() -> None:
    api = cluster(svc=service(target=9090))
    api.store.put("endpointslices", endpoint_slice("web", WEB, port=9090))
    result = proxy.request(api, "10.96.12.34:80")[0]
    assert result.outcome == "refused" and result.pod in {"web-a", "web-b", "web-c"}
    assert result.port == 9090 and "nothing listens" in result.hops[-1].detail


def test_internal_traffic_policy_local() -> None:
    api = cluster(svc=service(internalTrafficPolicy="Local"))
    api.store.put("pods", pod("client", "10.244.2.9", W2))
    assert set(pods_of(proxy.request(api, "10.96.12.34:80", n=40))) == {"web-b", "web-c"}
    api.store.put("pods", pod("other", "10.244.0.9", CP))
    result = proxy.request(api, "10.96.12.34:80", from_pod="other")[0]
    assert result.outcome == "timeout" and "has no local endpoints" in result.hops[-1].detail
    assert "-j DROP" in proxy.explain(api, "10.96.12.34:80", from_pod="other")


def test_topology_hints_for_the_node() -> None:
    api = cluster()
    slice_ = endpoint_slice("web", WEB)
    for item in slice_["endpoints"]:
        item["hints"] = {"forNodes": [{"name": item["nodeName"]}]}
    api.store.put("endpointslices", slice_)
    api.store.put("pods", pod("client", "10.244.2.9", W2))
    assert set(pods_of(proxy.request(api, "10.96.12.34:80", n=40))) == {"web-b", "web-c"}
    # no endpoint hinted for the control plane: hints are ignored there
    api.store.put("pods", pod("other", "10.244.0.9", CP))
    assert len(set(pods_of(proxy.request(api, "10.96.12.34:80", from_pod="other", n=60)))) == 3


# -- session affinity ----------------------------------------------------------------------


def affinity_service(seconds: int = 60) -> Object:
    return service(sessionAffinity="ClientIP",
                   sessionAffinityConfig={"clientIP": {"timeoutSeconds": seconds}})


def test_affinity_sticks_and_refreshes() -> None:
    api = cluster(seed=2, svc=affinity_service(60))
    first = proxy.request(api, "10.96.12.34:80", n=50)
    assert len(set(pods_of(first))) == 1
    assert "session affinity" in first[1].hops[2].detail
    for step in range(1, 20):  # each request refreshes the stamp: 60 s gaps keep it
        api.clock.advance_to(api.clock.seconds + 60)
        assert proxy.request(api, "10.96.12.34:80")[0].pod == first[0].pod, step


def test_affinity_expires_after_the_timeout() -> None:
    api = cluster(seed=2, svc=affinity_service(60))
    picks = []
    for _ in range(30):
        picks.append(proxy.request(api, "10.96.12.34:80")[0].pod)
        api.clock.advance_to(api.clock.seconds + 61)
    assert len(set(picks)) == 3


def test_affinity_is_per_client_address_and_counts_agree() -> None:
    api = cluster(seed=4, svc=affinity_service())
    picks = set()
    for i in range(20):
        api.store.put("pods", pod(f"c{i}", f"10.244.2.{100 + i}", W2))
        picks.add(proxy.request(api, "10.96.12.34:80", from_pod=f"c{i}")[0].pod)
    assert len(picks) > 1
    counts = proxy.request_counts(cluster(seed=4, svc=affinity_service()), "10.96.12.34:80", n=99)
    assert list(counts.values()) == [99]


def test_affinity_forgets_an_endpoint_that_left() -> None:
    api = cluster(seed=2, svc=affinity_service())
    stuck = proxy.request(api, "10.96.12.34:80")[0].pod
    rest = [e for e in WEB if e[0] != stuck]
    api.store.put("endpointslices", endpoint_slice("web", rest))
    assert proxy.request(api, "10.96.12.34:80")[0].pod != stuck
    lists = kubeproxy.affinity_lists(api, W1, "default/web:http")
    assert len(lists) == 1


def test_affinity_rules_in_explain() -> None:
    text = proxy.explain(cluster(svc=affinity_service(600)), "10.96.12.34:80")
    assert "-m recent --rcheck --seconds 600 --reap --name KUBE-SEP-" in text
    assert "-m recent --set --name KUBE-SEP-" in text


# -- NodePort -----------------------------------------------------------------------------


def test_nodeport_cluster_policy_from_outside() -> None:
    api = cluster(svc=service(type="NodePort"))
    for ip in NODE_IPS.values():
        results = proxy.request(api, f"{ip}:30080", from_outside=True, n=60)
        assert set(pods_of(results)) == {"web-a", "web-b", "web-c"}
        for r in results:
            here = next(n for n, a in NODE_IPS.items() if a == ip) == r.node
            gateway = {W1: "10.244.1.1", W2: "10.244.2.1"}[r.node]
            assert r.client_ip == (gateway if here else ip)
        assert [h.step for h in results[0].hops] == ["client", "nodeport", "dnat", "snat", "pod"]


def test_nodeport_local_policy_keeps_the_client_and_drops_elsewhere() -> None:
    api = cluster(svc=service(type="NodePort", externalTrafficPolicy="Local",
                              healthCheckNodePort=32000))
    on_w2 = proxy.request(api, "172.18.0.4:30080", from_outside=True, n=40)
    assert set(pods_of(on_w2)) == {"web-b", "web-c"}
    assert {r.client_ip for r in on_w2} == {"172.18.0.1"}
    on_cp = proxy.request(api, "172.18.0.2:30080", from_outside=True)[0]
    assert on_cp.outcome == "timeout" and "has no local endpoints" in on_cp.hops[-1].detail
    text = proxy.explain(api, "172.18.0.4:30080", from_outside=True)
    assert "-j KUBE-SVL-" in text and "pod traffic for default/web:http external" in text


def test_nodeport_local_policy_short_circuits_pods_and_the_node_itself() -> None:
    api = cluster(svc=service(type="NodePort", externalTrafficPolicy="Local"))
    api.store.put("pods", pod("client", "10.244.0.9", CP))
    # a pod to its own node's nodePort: KUBE-EXT sends pod traffic to KUBE-SVC, no masquerade
    results = proxy.request(api, "172.18.0.2:30080", n=60)
    assert set(pods_of(results)) == {"web-a", "web-b", "web-c"}
    assert {r.client_ip for r in results} == {"10.244.0.9"}
    # the node itself: masqueraded, every endpoint
    results = proxy.request(api, "172.18.0.2:30080", from_node=CP, n=60)
    assert set(pods_of(results)) == {"web-a", "web-b", "web-c"}
    assert {r.client_ip for r in results} == {"172.18.0.2"}


def test_pod_to_another_nodes_nodeport_is_masqueraded_by_kindnet_first() -> None:
    api = cluster(svc=service(type="NodePort", externalTrafficPolicy="Local"))
    api.store.put("pods", pod("client", "10.244.1.9", W1))
    results = proxy.request(api, "172.18.0.4:30080", n=40)
    assert set(pods_of(results)) == {"web-b", "web-c"}
    assert {r.client_ip for r in results} == {"172.18.0.3"}
    assert results[0].hops[1].step == "snat" and "kind-masq-agent" in results[0].hops[1].detail


def test_nodeport_without_endpoints_is_rejected() -> None:
    api = cluster(svc=service(type="NodePort"), eps=[])
    result = proxy.request(api, "172.18.0.3:30080", from_outside=True)[0]
    assert result.outcome == "refused"
    assert "KUBE-EXTERNAL-SERVICES" in proxy.explain(api, "172.18.0.3:30080", from_outside=True)


def test_node_port_nobody_listens_on() -> None:
    result = proxy.request(cluster(), "172.18.0.3:31111", from_outside=True)[0]
    assert result.outcome == "refused"


# -- LoadBalancer (cloud-provider-kind) ---------------------------------------------------


def lb_cluster(seed: int = 0, **spec: Any) -> ApiServer:
    return cluster(seed, service(type="LoadBalancer", lb="172.18.0.5", **spec))


def test_load_balancer_goes_through_envoy_to_the_workers() -> None:
    results = proxy.request(lb_cluster(), "172.18.0.5:80", from_outside=True, n=200)
    assert {r.outcome for r in results} == {"ok"}
    steps = [h.step for h in results[0].hops]
    assert steps == ["client", "loadbalancer", "nodeport", "dnat", "snat", "pod"]
    via = {r.hops[2].address.split(":")[0] for r in results}
    assert via == {"172.18.0.3", "172.18.0.4"}  # the control plane is excluded
    for r in results:
        node_ip = r.hops[2].address.split(":")[0]
        gateway = {W1: "10.244.1.1", W2: "10.244.2.1"}[r.node]
        assert r.client_ip in (node_ip, gateway)
        assert (r.client_ip == gateway) == (NODE_IPS[r.node] == node_ip)


def test_load_balancer_local_policy_only_healthy_nodes_and_envoys_address() -> None:
    api = lb_cluster(externalTrafficPolicy="Local", healthCheckNodePort=32000)
    api.store.put("endpointslices", endpoint_slice("web", WEB[1:]))  # only on worker2
    results = proxy.request(api, "172.18.0.5:80", from_outside=True, n=40)
    assert {r.node for r in results} == {W2}
    assert {r.client_ip for r in results} == {"172.18.0.5"}


def test_load_balancer_from_a_pod_leaves_the_node_first() -> None:
    api = lb_cluster()
    api.store.put("pods", pod("client", "10.244.1.9", W1))
    result = proxy.request(api, "172.18.0.5:80")[0]
    assert [h.step for h in result.hops[:3]] == ["client", "snat", "loadbalancer"]


def test_load_balancer_vip_mode_is_short_circuited_in_the_node() -> None:
    api = cluster(svc=service(type="LoadBalancer", lb="172.18.0.5", ip_mode="VIP"))
    api.store.put("pods", pod("client", "10.244.1.9", W1))
    result = proxy.request(api, "172.18.0.5:80")[0]
    assert [h.step for h in result.hops] == ["client", "loadbalancer", "dnat", "snat", "pod"]
    assert "loadbalancer IP" in proxy.explain(api, "172.18.0.5:80")


def test_load_balancer_wrong_port_and_no_endpoints() -> None:
    api = lb_cluster()
    assert proxy.request(api, "172.18.0.5:81", from_outside=True)[0].outcome == "refused"
    empty = cluster(svc=service(type="LoadBalancer", lb="172.18.0.5"), eps=[])
    assert proxy.request(empty, "172.18.0.5:80", from_outside=True)[0].outcome == "refused"


def test_load_balancer_affinity_sticks_to_one_node_and_pod() -> None:
    api = lb_cluster(sessionAffinity="ClientIP",
                     sessionAffinityConfig={"clientIP": {"timeoutSeconds": 10800}})
    results = proxy.request(api, "172.18.0.5:80", from_outside=True, n=30)
    assert len({(r.node, r.pod) for r in results}) == 1


# -- straight to a pod, names, the outside world -----------------------------------------


def test_pod_ip_directly() -> None:
    api = cluster()
    api.store.put("pods", pod("client", "10.244.1.9", W1))
    result = proxy.request(api, "10.244.2.2:8080")[0]
    assert (result.outcome, result.pod, result.client_ip) == ("ok", "web-b", "10.244.1.9")
    assert proxy.request(api, "10.244.2.2:9999")[0].outcome == "refused"
    assert proxy.request(api, "10.244.1.2:8080", from_node=W1)[0].client_ip == "10.244.1.1"
    assert proxy.request(api, "10.244.9.9:8080")[0].outcome == "timeout"


def test_internet_host() -> None:
    result = proxy.request(cluster(), "203.0.113.10:80")[0]
    assert result.outcome == "ok" and result.pod is None and result.hops[-1].step == "external"


def test_clients_that_cannot_send() -> None:
    api = cluster()
    with pytest.raises(errors.ApiError) as err:
        proxy.request(api, "10.96.12.34:80", from_pod="nope")
    assert err.value.code == 404
    api.store.put("pods", pod("pending", "", W1, phase="Pending"))
    with pytest.raises(errors.UsageError):
        proxy.request(api, "10.96.12.34:80", from_pod="pending")
    with pytest.raises(errors.UsageError):
        proxy.request(api, "10.96.12.34:80", from_pod="web-a", from_outside=True)
    with pytest.raises(errors.UsageError):
        proxy.request(api, "10.96.12.34:80", n=-1)


@pytest.mark.parametrize(("text", "host", "port"), [
    ("web", "web", None),
    ("web:8080", "web", 8080),
    ("web.default.svc.cluster.local:80", "web.default.svc.cluster.local", 80),
    ("web.default.", "web.default.", None),
    ("http://web:8080/hostname", "web", 8080),
    ("10.96.0.10:53", "10.96.0.10", 53),
])
def test_parse_target(text: str, host: str, port: int | None) -> None:
    parsed = targets.parse_target(text)
    assert (parsed.host, parsed.port) == (host, port)


@pytest.mark.parametrize("text", ["", "web:0", "web:99999", "[::1]:80"])
def test_bad_targets(text: str) -> None:
    with pytest.raises(errors.UsageError):
        targets.parse_target(text)


def test_names_from_nodes_and_the_host() -> None:
    api = cluster(svc=service(type="NodePort"))
    # Docker's DNS on the node knows the node names, not the cluster's names
    assert proxy.request(api, "kubelab-worker:30080", from_node=W2)[0].outcome == "ok"
    assert proxy.request(api, "web", from_node=W2)[0].outcome == "nxdomain"
    assert proxy.request(api, "kubelab-worker:30080", from_outside=True)[0].outcome == "nxdomain"
    assert proxy.request(api, "example.com", from_outside=True)[0].outcome == "ok"


# -- names, through the simulated cluster DNS ----------------------------------------------


@pytest.fixture
def dns_ready() -> None:
    pytest.importorskip("kubelab.mock.dns", reason="cluster DNS (kubelab.mock.dns) not built yet")


@pytest.mark.usefixtures("dns_ready")
@pytest.mark.parametrize(("target", "outcome", "port"), [
    ("web", "ok", 8080),  # no port: the Service's first port, 80 -> targetPort http
    ("web.default", "ok", 8080),
    ("web.default.svc.cluster.local", "ok", 8080),
    ("web.default.svc.cluster.local.:80", "ok", 8080),
    ("web:8080", "timeout", None),  # the Service has no port 8080
    ("nope", "nxdomain", None),
])
def test_service_names(target: str, outcome: str, port: int | None) -> None:
    result = proxy.request(cluster(), target)[0]
    assert (result.outcome, result.port) == (outcome, port)
    if outcome != "nxdomain":
        assert result.hops[1].step == "dns" and result.hops[1].address == "10.96.12.34"


@pytest.mark.usefixtures("dns_ready")
def test_names_are_namespaced() -> None:
    api = cluster()
    api.store.put("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                 "metadata": {"name": "other"}})
    api.store.put("pods", pod("client", "10.244.2.9", W2, ns="other"))
    assert proxy.request(api, "web", namespace="other")[0].outcome == "nxdomain"
    assert proxy.request(api, "web.default", namespace="other")[0].outcome == "ok"


@pytest.mark.usefixtures("dns_ready")
def test_headless_name_goes_straight_to_a_pod() -> None:
    api = cluster()
    api.store.put("services", service("web-h", cluster_ip="None", port=8080))
    api.store.put("endpointslices", endpoint_slice("web-h", WEB, name="web-h-xyz12"))
    results = proxy.request(api, "web-h", n=60)
    assert {r.outcome for r in results} == {"ok"}
    assert all(r.port == 8080 and "dnat" not in [h.step for h in r.hops] for r in results)
    assert {r.client_ip for r in results} == {"10.244.1.254"}
    # every connection looks the name up again; counts make the same choices
    again = cluster()
    again.store.put("services", service("web-h", cluster_ip="None", port=8080))
    again.store.put("endpointslices", endpoint_slice("web-h", WEB, name="web-h-xyz12"))
    counts = proxy.request_counts(again, "web-h", n=60)
    assert counts == {p: pods_of(results).count(p) for p in sorted({r.pod for r in results})}


@pytest.mark.usefixtures("dns_ready")
def test_external_name_leaves_the_cluster() -> None:
    api = cluster()
    api.store.put("services", {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "ext", "namespace": "default"},
        "spec": {"type": "ExternalName", "externalName": "www.example.com",
                 "sessionAffinity": "None"},
        "status": {"loadBalancer": {}},
    })
    result = proxy.request(api, "ext")[0]
    assert (result.outcome, result.pod, result.port) == ("ok", None, 80)
    assert "CNAME" in result.hops[1].detail and result.hops[-1].step == "external"
    api.store.put("services", {**api.store.get("services", "default", "ext"),  # type: ignore[dict-item]
                               "spec": {"type": "ExternalName", "externalName": "nowhere.invalid"}})
    assert proxy.request(api, "ext")[0].outcome == "nxdomain"


# -- end to end: the whole simulated cluster ------------------------------------------------


@pytest.fixture
def lab() -> Any:
    import kubelab
    from kubelab import scenarios

    lab = kubelab.connect(seed=3)
    lab.apply(scenarios.deployment(replicas=3))
    lab.apply(scenarios.service(type="LoadBalancer"))
    lab.advance(30)
    return lab


def test_end_to_end_cluster_ip_by_name(lab: Any) -> None:
    api = lab.backend.api
    names = {p["metadata"]["name"] for p in lab.list("pods", selector="app=web")}
    counts = proxy.request_counts(api, "web", n=3000)
    assert set(counts) == names and chi_square(list(counts.values())) < CHI2_DF2
    result = lab.request("web")[0]  # the facade's verb, wired to proxy.request
    assert result.outcome == "ok" and result.port == 8080 and result.client_ip == "10.244.1.254"
    assert "--probability 0.33333333349" in str(lab.explain("web"))
    assert [h.step for h in result.hops] == ["client", "dns", "vip", "dnat", "snat", "pod"]


def test_end_to_end_load_balancer_and_node_ports(lab: Any) -> None:
    api = lab.backend.api
    svc = lab.read("svc", "web")
    lb_ip = svc["status"]["loadBalancer"]["ingress"][0]["ip"]
    node_port = svc["spec"]["ports"][0]["nodePort"]
    results = proxy.request(api, f"{lb_ip}:80", from_outside=True, n=100)
    assert {r.outcome for r in results} == {"ok"}
    assert {r.client_ip for r in results} <= {"172.18.0.3", "172.18.0.4", "10.244.1.1",
                                              "10.244.2.1"}
    lab.patch("svc", "web", {"spec": {"externalTrafficPolicy": "Local"}})
    results = proxy.request(api, f"{lb_ip}:80", from_outside=True, n=100)
    assert {r.client_ip for r in results} == {lb_ip}
    pod_nodes = {p["spec"]["nodeName"] for p in lab.list("pods", selector="app=web")}
    for name, ip in NODE_IPS.items():
        outcome = proxy.request(api, f"{ip}:{node_port}", from_outside=True)[0].outcome
        assert outcome == ("ok" if name in pod_nodes else "timeout")


def test_end_to_end_no_endpoints_and_system_services(lab: Any) -> None:
    api = lab.backend.api
    assert proxy.request(api, "kubernetes:443")[0].node == CP
    dns = proxy.request(api, "kube-dns.kube-system:53", n=20)
    assert {r.pod.split("-")[0] for r in dns if r.pod} == {"coredns"}
    lab.patch("deployment", "web", {"spec": {"replicas": 0}})
    lab.advance(60)
    assert proxy.request(api, "web")[0].outcome == "refused"
    assert "has no endpoints" in proxy.explain(api, "web")


# -- the rule text, and a few more corners -------------------------------------------------


@pytest.mark.parametrize(("comment", "saved"), [
    ("KUBE-MARK-MASQ", "KUBE-MARK-MASQ"),
    ("default/web:http", '"default/web:http"'),
    ("default/web:http -> 10.244.1.2:8080", '"default/web:http -> 10.244.1.2:8080"'),
    ('say "hi"', '"say \\"hi\\""'),
])
def test_iptables_save_quotes_comments(comment: str, saved: str) -> None:
    from kubelab.mock import iptables

    assert iptables.quote(comment) == saved


def test_rule_lines_are_exact() -> None:
    text = proxy.explain(cluster(), "10.96.12.34:80").splitlines()
    lines = [line.strip() for line in text]
    svc = kubeproxy.service_ports(service())[0].chain("KUBE-SVC-")
    assert (
        f'-A KUBE-SERVICES -d 10.96.12.34/32 -p tcp -m comment --comment "default/web:http '
        f'cluster IP" -m tcp --dport 80 -j {svc}'
    ) in lines
    assert (
        f'-A {svc} ! -s 10.244.0.0/16 -d 10.96.12.34/32 -p tcp -m comment --comment '
        f'"default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ'
    ) in lines
    probabilities = [line.split("--probability ")[1].split()[0]
                     for line in lines if "--probability" in line]
    assert probabilities == ["0.33333333349", "0.50000000000"]  # the third rule has none
    last = [line for line in lines if line.startswith(f"-A {svc} ") and "-> 10.244.2.3" in line]
    assert last and "statistic" not in last[0]
    assert any(line.endswith("-m tcp -j DNAT --to-destination 10.244.2.3:8080") for line in lines)


def test_envoy_never_panics_it_uses_only_the_healthy_nodes() -> None:
    # cloud-provider-kind sets healthy_panic_threshold 0 (PR #360, issue #359): one healthy
    # node of three still gets every connection, none goes to a node that would DROP it.
    api = cluster(svc=service(type="LoadBalancer", lb="172.18.0.9",
                              externalTrafficPolicy="Local", healthCheckNodePort=32000),
                  eps=WEB[:1])  # the only endpoint is on kubelab-worker
    api.store.put("nodes", node("kubelab-worker3", "172.18.0.5", "10.244.3.0/24"))
    results = proxy.request(api, "172.18.0.9:80", from_outside=True, n=60)
    assert {r.outcome for r in results} == {"ok"}
    assert {r.pod for r in results} == {"web-a"}
    assert {r.client_ip for r in results} == {"172.18.0.9"}  # Envoy's address, eTP Local
    assert "panic" not in results[0].hops[1].detail


def test_envoy_with_no_healthy_node_closes_the_connection() -> None:
    api = cluster(svc=service(type="LoadBalancer", lb="172.18.0.9",
                              externalTrafficPolicy="Local", healthCheckNodePort=32000),
                  eps=[])
    result = proxy.request(api, "172.18.0.9:80", from_outside=True)[0]
    assert result.outcome == "refused" and result.pod is None
    assert "healthy none" in result.hops[-1].detail
    assert "closes the client's connection" in result.hops[-1].detail


def test_envoy_filters_by_load_balancer_source_ranges() -> None:
    # cloud-provider-kind turns loadBalancerSourceRanges into the listener's
    # filter_chain_match source_prefix_ranges: another source matches no filter chain.
    api = cluster(svc=service(type="LoadBalancer", lb="172.18.0.9",
                              loadBalancerSourceRanges=["172.18.0.1/32"]))
    assert {r.outcome for r in proxy.request(api, "172.18.0.9:80", from_outside=True, n=20)} \
        == {"ok"}
    api.store.put("pods", pod("client", "10.244.1.9", W1))
    result = proxy.request(api, "172.18.0.9:80", from_pod="client")[0]
    assert result.outcome == "refused" and result.pod is None
    assert "no filter chain matches 172.18.0.3" in result.hops[-1].detail  # kind-masq-agent


def test_nodes_leaving_the_load_balancer() -> None:
    api = cluster(svc=service(type="LoadBalancer", lb="172.18.0.5"))
    leaving = node(W2, NODE_IPS[W2], "10.244.2.0/24")
    leaving["spec"]["taints"] = [{"key": "ToBeDeletedByClusterAutoscaler", "effect": "NoSchedule"}]
    api.store.put("nodes", leaving)
    results = proxy.request(api, "172.18.0.5:80", from_outside=True, n=40)
    assert {r.hops[2].address for r in results} == {"172.18.0.3:30080"}


def test_vip_load_balancer_from_outside_reaches_the_first_node() -> None:
    api = cluster(svc=service(type="LoadBalancer", lb="172.18.0.5", ip_mode="VIP"))
    result = proxy.request(api, "172.18.0.5:80", from_outside=True)[0]
    assert result.outcome == "ok" and W1 in result.hops[1].detail


def test_more_clients_that_cannot_send() -> None:
    api = cluster()
    api.store.put("pods", pod("done", "10.244.1.50", W1, phase="Succeeded"))
    with pytest.raises(errors.UsageError, match="completed pod; current phase is Succeeded"):
        proxy.request(api, "10.96.12.34:80", from_pod="done")
    with pytest.raises(errors.ApiError, match='namespaces "nowhere" not found'):
        proxy.request(api, "10.96.12.34:80", namespace="nowhere")
    with pytest.raises(errors.ApiError, match='nodes "kubelab-worker9" not found'):
        proxy.request(api, "10.96.12.34:80", from_node="kubelab-worker9")
