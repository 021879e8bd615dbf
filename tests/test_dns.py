"""Cluster DNS: CoreDNS's answers (lookup) and a pod's resolver walking its search list.

The cluster is put straight into the store, shaped as the API server returns objects, so
each rule is checked on its own. Expected answers follow the Kubernetes DNS specification
as CoreDNS implements it (kubeadm's Corefile in kind) and glibc's res_search.
"""

from __future__ import annotations

from typing import Any

import pytest

import kubelab
from kubelab import errors, scenarios
from kubelab.mock import dns
from kubelab.mock.api import ApiServer

Object = dict[str, Any]
SLICE_LABEL = "kubernetes.io/service-name"
CF_SEARCH = ("default.svc.cluster.local", "svc.cluster.local", "cluster.local")


# -- the cluster ------------------------------------------------------------------------------


def namespace(name: str) -> Object:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def service(name: str, ns: str, cluster_ip: str | None, ports: list[Object],
            **spec: Any) -> Object:
    body: Object = {"type": "ClusterIP", "ports": ports, "sessionAffinity": "None", **spec}
    if cluster_ip is not None:
        body["clusterIP"] = cluster_ip
        body["clusterIPs"] = [cluster_ip]
        body["ipFamilies"] = ["IPv4"]
        body["ipFamilyPolicy"] = "SingleStack"
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns}, "spec": body, "status": {}}


def port(name: str, number: int, protocol: str = "TCP") -> Object:
    return {"name": name, "port": number, "protocol": protocol, "targetPort": number}


def endpoint(ip: str, ready: bool = True, hostname: str | None = None,
             pod: str = "pod", node: str = "kubelab-worker") -> Object:
    ep: Object = {
        "addresses": [ip],
        "conditions": {"ready": ready, "serving": ready, "terminating": False},
        "nodeName": node,
        "targetRef": {"kind": "Pod", "name": pod, "namespace": "default", "uid": "u-" + pod},
    }
    if hostname is not None:
        ep["hostname"] = hostname
    return ep


def endpoint_slice(svc: str, ns: str, endpoints: list[Object], ports: list[Object],
                   suffix: str = "abcde") -> Object:
    return {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": f"{svc}-{suffix}", "namespace": ns, "generateName": f"{svc}-",
                     "labels": {SLICE_LABEL: svc,
                                "endpointslice.kubernetes.io/managed-by":
                                "endpointslice-controller.k8s.io"}},
        "addressType": "IPv4",
        "endpoints": endpoints,
        "ports": ports,
    }


def pod(name: str, ns: str = "default", **spec: Any) -> Object:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
            "spec": {"containers": [{"name": "c", "image": "busybox"}],
                     "dnsPolicy": "ClusterFirst", **spec},
            "status": {"phase": "Running", "podIP": "10.244.1.99",
                       "podIPs": [{"ip": "10.244.1.99"}]}}


def node(name: str, ip: str) -> Object:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"addresses": [{"type": "InternalIP", "address": ip},
                                     {"type": "Hostname", "address": name}]}}


def build_cluster(seed: int = 0) -> ApiServer:
    api = ApiServer(seed=seed)
    put = api.store.put
    for ns in ("default", "other", "kube-system"):
        put("namespaces", namespace(ns))
    put("nodes", node("kubelab-control-plane", "172.18.0.2"))
    put("nodes", node("kubelab-worker", "172.18.0.3"))
    put("services", service("kube-dns", "kube-system", "10.96.0.10",
                            [port("dns", 53, "UDP"), port("dns-tcp", 53), port("metrics", 9153)]))
    # A ClusterIP service with two named ports and one ready endpoint.
    put("services", service("web", "default", "10.96.100.10",
                            [port("http", 80), port("https", 443)]))
    put("endpointslices", endpoint_slice("web", "default", [endpoint("10.244.1.20")],
                                         [port("http", 8080), port("https", 8443)]))
    put("services", service("web", "other", "10.96.200.20", [port("http", 8080)]))
    # Headless, StatefulSet-like: three ready endpoints with hostnames, one not ready.
    put("services", service("db", "default", "None", [port("pg", 5432)]))
    put("endpointslices", endpoint_slice("db", "default", [
        endpoint("10.244.1.10", hostname="db-0", pod="db-0"),
        endpoint("10.244.2.11", hostname="db-1", pod="db-1"),
        endpoint("10.244.1.12", hostname="db-2", pod="db-2"),
        endpoint("10.244.2.13", ready=False, hostname="db-3", pod="db-3"),
    ], [port("pg", 5432)]))
    # Headless with one ready endpoint, no hostname, one unnamed port.
    put("services", service("cache", "default", "None", [port("", 6379)]))
    put("endpointslices", endpoint_slice("cache", "default", [endpoint("10.244.2.7")],
                                         [port("", 6379)]))
    # Headless with no ready endpoint.
    put("services", service("empty", "default", "None", [port("http", 80)]))
    put("endpointslices", endpoint_slice("empty", "default",
                                         [endpoint("10.244.1.30", ready=False)],
                                         [port("http", 80)]))
    # ExternalName services: outside, outside and missing, inside, inside and missing.
    ext = {"type": "ExternalName"}
    put("services", service("ext", "default", None, [], externalName="www.example.com", **ext))
    put("services", service("lost", "default", None, [],
                            externalName="nowhere.example.com", **ext))
    put("services", service("alias", "default", None, [],
                            externalName="web.other.svc.cluster.local", **ext))
    put("services", service("dangling", "default", None, [],
                            externalName="gone.default.svc.cluster.local", **ext))
    # Pods with each DNS policy.
    put("pods", pod("tools"))
    put("pods", pod("plain", dnsPolicy="Default"))
    put("pods", pod("hostnet", hostNetwork=True))
    put("pods", pod("hostnet-cluster", hostNetwork=True, dnsPolicy="ClusterFirstWithHostNet"))
    put("pods", pod("custom", dnsPolicy="None", dnsConfig={
        "nameservers": ["10.96.0.10"], "searches": ["other.svc.cluster.local"],
        "options": [{"name": "ndots", "value": "2"}]}))
    put("pods", pod("tweaked", dnsConfig={
        "searches": ["example.com"], "options": [{"name": "ndots", "value": "1"},
                                                 {"name": "edns0"}]}))
    put("pods", pod("tools", ns="other"))
    return api


@pytest.fixture(scope="module")
def api() -> ApiServer:
    return build_cluster()


def rows(records: Any) -> list[tuple[str, str, str, int]]:
    return [(r.name, r.type, r.value, r.ttl) for r in records]


def lookup(api: ApiServer, name: str, qtype: str) -> tuple[str, list[tuple[str, str, str, int]]]:
    rcode, records = dns.lookup(api, name, qtype)
    return rcode, rows(records)


WEB = "web.default.svc.cluster.local."
DB = "db.default.svc.cluster.local."


# -- CoreDNS: one absolute name, one answer ---------------------------------------------------

SERVER_CASES = [
    # ClusterIP Services: the cluster IP, with or without endpoints; no AAAA; NODATA types.
    ("web.default.svc.cluster.local", "A", "NOERROR", [(WEB, "A", "10.96.100.10", 30)]),
    ("WEB.Default.svc.Cluster.Local.", "A", "NOERROR",
     [("WEB.Default.svc.Cluster.Local.", "A", "10.96.100.10", 30)]),
    ("web.other.svc.cluster.local", "A", "NOERROR",
     [("web.other.svc.cluster.local.", "A", "10.96.200.20", 30)]),
    ("kube-dns.kube-system.svc.cluster.local", "A", "NOERROR",
     [("kube-dns.kube-system.svc.cluster.local.", "A", "10.96.0.10", 30)]),
    ("web.default.svc.cluster.local", "AAAA", "NOERROR", []),
    ("web.default.svc.cluster.local", "CNAME", "NOERROR", []),
    ("web.default.svc.cluster.local", "TXT", "NOERROR", []),
    ("web.default.svc.cluster.local", "PTR", "NOERROR", []),
    # Names that match nothing; namespaces that do not exist.
    ("nope.default.svc.cluster.local", "A", "NXDOMAIN", []),
    ("nope.default.svc.cluster.local", "AAAA", "NXDOMAIN", []),
    ("nope.default.svc.cluster.local", "TXT", "NXDOMAIN", []),
    ("web.nons.svc.cluster.local", "A", "NXDOMAIN", []),
    ("nons.svc.cluster.local", "A", "NXDOMAIN", []),
    ("x.y.z.web.default.svc.cluster.local", "A", "NXDOMAIN", []),  # too many labels
    ("web.default.cluster.local", "A", "NXDOMAIN", []),  # neither svc nor pod
    ("foo.cluster.local", "A", "NXDOMAIN", []),
    # Names in the schema with nothing to answer: NODATA.
    ("default.svc.cluster.local", "A", "NOERROR", []),
    ("svc.cluster.local", "A", "NOERROR", []),
    ("pod.cluster.local", "A", "NOERROR", []),
    ("cluster.local", "A", "NOERROR", []),
    ("default.pod.cluster.local", "A", "NOERROR", []),
    # The schema version; TXT elsewhere.
    ("dns-version.cluster.local", "TXT", "NOERROR",
     [("dns-version.cluster.local.", "TXT", '"1.1.0"', 30)]),
    ("dns-version.cluster.local", "A", "NXDOMAIN", []),
    # CoreDNS's own name.
    ("ns.dns.cluster.local", "A", "NOERROR", [("ns.dns.cluster.local.", "A", "10.96.0.10", 30)]),
    # SRV for named ports of a ClusterIP service: target is the service, weight 100/n.
    ("_http._tcp.web.default.svc.cluster.local", "SRV", "NOERROR",
     [("_http._tcp.web.default.svc.cluster.local.", "SRV", f"0 100 80 {WEB}", 30)]),
    ("_HTTPS._TCP.web.default.svc.cluster.local", "SRV", "NOERROR",
     [("_HTTPS._TCP.web.default.svc.cluster.local.", "SRV", f"0 100 443 {WEB}", 30)]),
    ("_http._udp.web.default.svc.cluster.local", "SRV", "NXDOMAIN", []),
    ("_ftp._tcp.web.default.svc.cluster.local", "SRV", "NXDOMAIN", []),
    ("web.default.svc.cluster.local", "SRV", "NOERROR",
     [(WEB, "SRV", f"0 50 80 {WEB}", 30), (WEB, "SRV", f"0 50 443 {WEB}", 30)]),
    ("_dns._udp.kube-dns.kube-system.svc.cluster.local", "SRV", "NOERROR",
     [("_dns._udp.kube-dns.kube-system.svc.cluster.local.", "SRV",
       "0 100 53 kube-dns.kube-system.svc.cluster.local.", 30)]),
    # Three items share the weight; dns/UDP and dns-tcp/TCP make one SRV (same target, port).
    ("kube-dns.kube-system.svc.cluster.local", "SRV", "NOERROR", [
        ("kube-dns.kube-system.svc.cluster.local.", "SRV",
         "0 33 53 kube-dns.kube-system.svc.cluster.local.", 30),
        ("kube-dns.kube-system.svc.cluster.local.", "SRV",
         "0 33 9153 kube-dns.kube-system.svc.cluster.local.", 30)]),
    # A port-and-protocol name asked for A answers the service's address (CoreDNS).
    ("_http._tcp.web.default.svc.cluster.local", "A", "NOERROR",
     [("_http._tcp.web.default.svc.cluster.local.", "A", "10.96.100.10", 30)]),
    # Endpoint names: the hostname when set, else the dashed IP; for any service.
    ("db-0.db.default.svc.cluster.local", "A", "NOERROR",
     [("db-0.db.default.svc.cluster.local.", "A", "10.244.1.10", 30)]),
    ("db-3.db.default.svc.cluster.local", "A", "NXDOMAIN", []),  # not ready
    ("10-244-1-10.db.default.svc.cluster.local", "A", "NXDOMAIN", []),  # has a hostname
    ("10-244-2-7.cache.default.svc.cluster.local", "A", "NOERROR",
     [("10-244-2-7.cache.default.svc.cluster.local.", "A", "10.244.2.7", 30)]),
    ("10-244-1-20.web.default.svc.cluster.local", "A", "NOERROR",
     [("10-244-1-20.web.default.svc.cluster.local.", "A", "10.244.1.20", 30)]),
    # Headless with one ready endpoint, and with none: NXDOMAIN (spec 2.4.1).
    ("cache.default.svc.cluster.local", "A", "NOERROR",
     [("cache.default.svc.cluster.local.", "A", "10.244.2.7", 30)]),
    ("cache.default.svc.cluster.local", "AAAA", "NOERROR", []),
    ("empty.default.svc.cluster.local", "A", "NXDOMAIN", []),
    ("empty.default.svc.cluster.local", "SRV", "NXDOMAIN", []),
    # Headless SRV: one per endpoint, target named after it, port from the slice.
    ("cache.default.svc.cluster.local", "SRV", "NOERROR",
     [("cache.default.svc.cluster.local.", "SRV",
       "0 100 6379 10-244-2-7.cache.default.svc.cluster.local.", 30)]),
    ("_redis._tcp.cache.default.svc.cluster.local", "SRV", "NXDOMAIN", []),  # unnamed port
    # ExternalName: a CNAME, followed outside (through the cache: TTLs capped at 30).
    ("ext.default.svc.cluster.local", "A", "NOERROR", [
        ("ext.default.svc.cluster.local.", "CNAME", "www.example.com.", 30),
        ("www.example.com.", "CNAME", "example.com.", 30),
        ("example.com.", "A", "203.0.113.10", 30)]),
    ("ext.default.svc.cluster.local", "AAAA", "NOERROR", [
        ("ext.default.svc.cluster.local.", "CNAME", "www.example.com.", 30),
        ("www.example.com.", "CNAME", "example.com.", 30),
        ("example.com.", "AAAA", "2001:db8::10", 30)]),
    ("ext.default.svc.cluster.local", "CNAME", "NOERROR",
     [("ext.default.svc.cluster.local.", "CNAME", "www.example.com.", 30)]),
    ("ext.default.svc.cluster.local", "SRV", "NOERROR", []),
    ("ext.default.svc.cluster.local", "TXT", "NOERROR", []),
    ("_http._tcp.ext.default.svc.cluster.local", "SRV", "NXDOMAIN", []),
    ("x.ext.default.svc.cluster.local", "A", "NXDOMAIN", []),  # coredns issue 5733
    ("lost.default.svc.cluster.local", "A", "NOERROR",
     [("lost.default.svc.cluster.local.", "CNAME", "nowhere.example.com.", 30)]),
    ("alias.default.svc.cluster.local", "A", "NOERROR", [
        ("alias.default.svc.cluster.local.", "CNAME", "web.other.svc.cluster.local.", 30),
        ("web.other.svc.cluster.local.", "A", "10.96.200.20", 30)]),
    ("dangling.default.svc.cluster.local", "A", "NOERROR", []),  # coredns issue 6088
    # Pod names (`pods insecure`: any dashed IP in an existing namespace).
    ("10-244-1-5.default.pod.cluster.local", "A", "NOERROR",
     [("10-244-1-5.default.pod.cluster.local.", "A", "10.244.1.5", 30)]),
    ("1-2-3-4.other.pod.cluster.local", "A", "NOERROR",
     [("1-2-3-4.other.pod.cluster.local.", "A", "1.2.3.4", 30)]),
    ("10-244-1-5.default.pod.cluster.local", "AAAA", "NOERROR", []),
    ("10-244-1-5.nons.pod.cluster.local", "A", "NXDOMAIN", []),
    ("10-244-1.default.pod.cluster.local", "A", "NXDOMAIN", []),
    ("web.default.pod.cluster.local", "A", "NXDOMAIN", []),
    # PTR: cluster IPs, endpoints with a hostname; others fall through to upstream.
    ("10.100.96.10.in-addr.arpa", "PTR", "NOERROR",
     [("10.100.96.10.in-addr.arpa.", "PTR", WEB, 30)]),
    ("10.0.96.10.in-addr.arpa", "PTR", "NOERROR",
     [("10.0.96.10.in-addr.arpa.", "PTR", "kube-dns.kube-system.svc.cluster.local.", 30)]),
    ("10.1.244.10.in-addr.arpa", "PTR", "NOERROR",
     [("10.1.244.10.in-addr.arpa.", "PTR", "db-0.db.default.svc.cluster.local.", 30)]),
    ("7.2.244.10.in-addr.arpa", "PTR", "NXDOMAIN", []),  # endpoint without hostname
    ("13.2.244.10.in-addr.arpa", "PTR", "NXDOMAIN", []),  # not ready
    ("99.99.96.10.in-addr.arpa", "PTR", "NXDOMAIN", []),
    ("10.100.96.10.in-addr.arpa", "A", "NXDOMAIN", []),
    # Outside the cluster: the simulated internet and the kind nodes' names.
    ("example.com", "A", "NOERROR", [("example.com.", "A", "203.0.113.10", 30)]),
    ("nowhere.example.com", "A", "NXDOMAIN", []),
    ("example.net", "AAAA", "NOERROR", []),
    ("kubelab-control-plane", "A", "NOERROR",
     [("kubelab-control-plane.", "A", "172.18.0.2", 30)]),
    ("web", "A", "NXDOMAIN", []),
]


@pytest.mark.parametrize(("name", "qtype", "rcode", "records"), SERVER_CASES)
def test_coredns_answers(api: ApiServer, name: str, qtype: str, rcode: str,
                         records: list[tuple[str, str, str, int]]) -> None:
    assert lookup(api, name, qtype) == (rcode, records)


def test_headless_answers_every_ready_endpoint(api: ApiServer) -> None:
    rcode, records = lookup(api, "db.default.svc.cluster.local", "A")
    assert rcode == "NOERROR"
    assert sorted(records) == [(DB, "A", "10.244.1.10", 30), (DB, "A", "10.244.1.12", 30),
                               (DB, "A", "10.244.2.11", 30)]


def test_headless_srv_names_each_endpoint_with_its_share_of_weight(api: ApiServer) -> None:
    name = "_pg._tcp.db.default.svc.cluster.local."
    answer = dns.resolve(api, name, "SRV")
    assert rows(answer.records) == [
        (name, "SRV", "0 33 5432 db-0.db.default.svc.cluster.local.", 30),
        (name, "SRV", "0 33 5432 db-1.db.default.svc.cluster.local.", 30),
        (name, "SRV", "0 33 5432 db-2.db.default.svc.cluster.local.", 30),
    ]
    assert sorted(rows(answer.additional)) == [
        ("db-0.db.default.svc.cluster.local.", "A", "10.244.1.10", 30),
        ("db-1.db.default.svc.cluster.local.", "A", "10.244.2.11", 30),
        ("db-2.db.default.svc.cluster.local.", "A", "10.244.1.12", 30),
    ]


def test_clusterip_srv_carries_the_service_address_as_additional(api: ApiServer) -> None:
    answer = dns.resolve(api, "_https._tcp.web", "SRV")
    assert rows(answer.additional) == [(WEB, "A", "10.96.100.10", 30)]


def test_loadbalance_shuffles_address_records_deterministically() -> None:
    def orders(seed: int) -> list[tuple[str, ...]]:
        api = build_cluster(seed)
        return [tuple(r.value for r in dns.lookup(api, DB, "A")[1]) for _ in range(30)]

    first = orders(7)
    assert first == orders(7)  # seeded: the same every run
    assert len(set(first)) > 1  # but shuffled from one answer to the next, as CoreDNS does
    assert {frozenset(o) for o in first} == {frozenset({"10.244.1.10", "10.244.2.11",
                                                        "10.244.1.12"})}


def test_loadbalance_keeps_cnames_before_addresses(api: ApiServer) -> None:
    for _ in range(10):
        types = [r.type for r in dns.lookup(api, "ext.default.svc.cluster.local", "A")[1]]
        assert types == ["CNAME", "CNAME", "A"]


def test_answers_follow_store_changes(api: ApiServer) -> None:
    local = build_cluster()
    assert lookup(local, "new.default.svc.cluster.local", "A")[0] == "NXDOMAIN"
    local.store.put("services", service("new", "default", "10.96.5.5", [port("http", 80)]))
    assert lookup(local, "new.default.svc.cluster.local", "A") == (
        "NOERROR", [("new.default.svc.cluster.local.", "A", "10.96.5.5", 30)])
    local.store.remove("services", "default", "new")
    assert lookup(local, "new.default.svc.cluster.local", "A")[0] == "NXDOMAIN"


def test_a_pod_resolving_again_follows_store_changes_and_shuffles() -> None:
    local = build_cluster(7)
    assert dns.resolve(local, "new").rcode == "NXDOMAIN"
    local.store.put("services", service("new", "default", "10.96.5.5", [port("http", 80)]))
    answer = dns.resolve(local, "new")
    assert (answer.answered, rows(answer.records)) == (
        "new.default.svc.cluster.local.",
        [("new.default.svc.cluster.local.", "A", "10.96.5.5", 30)])
    assert dns.resolve(local, "new") == answer
    orders = {tuple(r.value for r in dns.resolve(local, "db").records) for _ in range(30)}
    assert len(orders) > 1  # every resolve gets CoreDNS's next shuffle


def test_endpoint_readiness_change_changes_headless_answer() -> None:
    local = build_cluster()
    slice_ = local.store.get("endpointslices", "default", "empty-abcde")
    assert slice_ is not None
    slice_["endpoints"][0]["conditions"]["ready"] = True
    local.store.put("endpointslices", slice_)
    assert lookup(local, "empty.default.svc.cluster.local", "A") == (
        "NOERROR", [("empty.default.svc.cluster.local.", "A", "10.244.1.30", 30)])


def test_endpoint_without_ready_condition_counts_as_ready() -> None:
    local = build_cluster()
    slice_ = local.store.get("endpointslices", "default", "empty-abcde")
    assert slice_ is not None
    del slice_["endpoints"][0]["conditions"]["ready"]
    local.store.put("endpointslices", slice_)
    assert lookup(local, "empty.default.svc.cluster.local", "A")[0] == "NOERROR"


# -- the pod's resolver: search list, ndots, what is tried ------------------------------------

RESOLVE_CASES = [
    # (name, qtype, namespace, tried, answered, rcode, values)
    ("web", "A", "default", [WEB], WEB, "NOERROR", ["10.96.100.10"]),
    ("web.default", "A", "default",
     ["web.default.default.svc.cluster.local.", WEB], WEB, "NOERROR", ["10.96.100.10"]),
    ("web.default.svc", "A", "default",
     ["web.default.svc.default.svc.cluster.local.", "web.default.svc.svc.cluster.local.", WEB],
     WEB, "NOERROR", ["10.96.100.10"]),
    ("web.default.svc.cluster.local", "A", "default",
     ["web.default.svc.cluster.local.default.svc.cluster.local.",
      "web.default.svc.cluster.local.svc.cluster.local.",
      "web.default.svc.cluster.local.cluster.local.", WEB], WEB, "NOERROR", ["10.96.100.10"]),
    ("web.default.svc.cluster.local.", "A", "default", [WEB], WEB, "NOERROR", ["10.96.100.10"]),
    ("web.", "A", "default", ["web."], None, "NXDOMAIN", []),
    # From another namespace: the short name is that namespace's service.
    ("web", "A", "other", ["web.other.svc.cluster.local."], "web.other.svc.cluster.local.",
     "NOERROR", ["10.96.200.20"]),
    ("web.default", "A", "other", ["web.default.other.svc.cluster.local.", WEB], WEB,
     "NOERROR", ["10.96.100.10"]),
    # Nothing anywhere: every search domain, then the name as given.
    ("nope", "A", "default",
     ["nope.default.svc.cluster.local.", "nope.svc.cluster.local.", "nope.cluster.local.",
      "nope."], None, "NXDOMAIN", []),
    # NODATA does not stop the search, and is what the resolver reports at the end.
    ("web", "AAAA", "default",
     [WEB, "web.svc.cluster.local.", "web.cluster.local.", "web."], None, "NOERROR", []),
    ("pod", "A", "default",
     ["pod.default.svc.cluster.local.", "pod.svc.cluster.local.", "pod.cluster.local.",
      "pod."], None, "NOERROR", []),
    # ndots:5: a name with five dots is asked as given first, then with the search list.
    ("a.b.c.d.e.f", "A", "default",
     ["a.b.c.d.e.f.", "a.b.c.d.e.f.default.svc.cluster.local.",
      "a.b.c.d.e.f.svc.cluster.local.", "a.b.c.d.e.f.cluster.local."], None, "NXDOMAIN", []),
    ("_http._tcp.web.default.svc.cluster.local", "SRV", "default",
     ["_http._tcp.web.default.svc.cluster.local."], "_http._tcp.web.default.svc.cluster.local.",
     "NOERROR", [f"0 100 80 {WEB}"]),
    # ... and when that first answer was NODATA, that is the final word.
    ("_http._tcp.web.default.svc.cluster.local", "AAAA", "default",
     ["_http._tcp.web.default.svc.cluster.local.",
      "_http._tcp.web.default.svc.cluster.local.default.svc.cluster.local.",
      "_http._tcp.web.default.svc.cluster.local.svc.cluster.local.",
      "_http._tcp.web.default.svc.cluster.local.cluster.local."], None, "NOERROR", []),
    # Outside names walk the whole search list first (the ndots:5 cost).
    ("example.com", "A", "default",
     ["example.com.default.svc.cluster.local.", "example.com.svc.cluster.local.",
      "example.com.cluster.local.", "example.com."], "example.com.", "NOERROR",
     ["203.0.113.10"]),
    ("kubelab-worker", "A", "default",
     ["kubelab-worker.default.svc.cluster.local.", "kubelab-worker.svc.cluster.local.",
      "kubelab-worker.cluster.local.", "kubelab-worker."], "kubelab-worker.", "NOERROR",
     ["172.18.0.3"]),
    # Short names of headless services, SRV through the search list, ExternalName.
    ("db-1.db", "A", "default", ["db-1.db.default.svc.cluster.local."],
     "db-1.db.default.svc.cluster.local.", "NOERROR", ["10.244.2.11"]),
    ("_https._tcp.web", "SRV", "default", ["_https._tcp.web.default.svc.cluster.local."],
     "_https._tcp.web.default.svc.cluster.local.", "NOERROR", [f"0 100 443 {WEB}"]),
    ("ext", "A", "default", ["ext.default.svc.cluster.local."],
     "ext.default.svc.cluster.local.", "NOERROR",
     ["www.example.com.", "example.com.", "203.0.113.10"]),
    # An address asked for PTR becomes its reverse name, asked once, as dig -x does.
    ("10.96.100.10", "PTR", "default", ["10.100.96.10.in-addr.arpa."],
     "10.100.96.10.in-addr.arpa.", "NOERROR", [WEB]),
    ("10.244.2.7", "PTR", "default", ["7.2.244.10.in-addr.arpa."], None, "NXDOMAIN", []),
    ("dns-version.cluster.local.", "txt", "default", ["dns-version.cluster.local."],
     "dns-version.cluster.local.", "NOERROR", ['"1.1.0"']),
]


@pytest.mark.parametrize(
    ("name", "qtype", "ns", "tried", "answered", "rcode", "values"), RESOLVE_CASES)
def test_resolve_walks_the_search_list(api: ApiServer, name: str, qtype: str, ns: str,
                                       tried: list[str], answered: str | None, rcode: str,
                                       values: list[str]) -> None:
    answer = dns.resolve(api, name, qtype, namespace=ns)
    assert (list(answer.tried), answer.answered, answer.rcode) == (tried, answered, rcode)
    assert [r.value for r in answer.records] == values
    assert answer.question == name
    assert answer.type == qtype.upper()
    assert (answer.client_pod, answer.namespace) == ("client", ns)


def test_resolve_reports_the_probe_pods_resolv_conf(api: ApiServer) -> None:
    answer = dns.resolve(api, "web", namespace="other")
    assert (answer.nameserver, answer.search, answer.ndots) == (
        "10.96.0.10", ("other.svc.cluster.local", "svc.cluster.local", "cluster.local"), 5)


def test_every_record_carries_the_ttl(api: ApiServer) -> None:
    names = ["web", "db", "_pg._tcp.db", "ext", "cache", "dns-version.cluster.local."]
    qtypes = ["A", "A", "SRV", "A", "SRV", "TXT"]
    for name, qtype in zip(names, qtypes, strict=True):
        answer = dns.resolve(api, name, qtype)
        assert answer.records
        assert {r.ttl for r in answer.records + answer.additional} == {30}


# -- dnsPolicy: what the kubelet writes into resolv.conf --------------------------------------

POLICY_CASES = [
    ("tools", "10.96.0.10", CF_SEARCH, 5),
    ("plain", "172.18.0.1", (), 1),  # Default: the node's resolv.conf
    ("hostnet", "172.18.0.1", (), 1),  # ClusterFirst on the host network falls back
    ("hostnet-cluster", "10.96.0.10", CF_SEARCH, 5),
    ("custom", "10.96.0.10", ("other.svc.cluster.local",), 2),  # None + dnsConfig
    ("tweaked", "10.96.0.10", (*CF_SEARCH, "example.com"), 1),  # dnsConfig appended
]


@pytest.mark.parametrize(("pod_name", "nameserver", "search", "ndots"), POLICY_CASES)
def test_pod_resolv_conf_follows_dns_policy(api: ApiServer, pod_name: str, nameserver: str,
                                            search: tuple[str, ...], ndots: int) -> None:
    conf = dns.pod_resolv_conf(api.store.get("pods", "default", pod_name), "default")
    assert (conf.nameservers[0], conf.search, conf.ndots) == (nameserver, search, ndots)


POD_CASES = [
    # (pod, name, tried, rcode, values, ttl)
    ("plain", "web", ["web."], "NXDOMAIN", [], None),
    ("plain", "web.default.svc.cluster.local",
     ["web.default.svc.cluster.local."], "NXDOMAIN", [], None),
    ("plain", "example.com", ["example.com."], "NOERROR", ["203.0.113.10"], 300),
    ("plain", "kubelab-control-plane", ["kubelab-control-plane."], "NOERROR",
     ["172.18.0.2"], 600),
    ("hostnet", "web", ["web."], "NXDOMAIN", [], None),
    ("hostnet-cluster", "web", [WEB], "NOERROR", ["10.96.100.10"], 30),
    ("custom", "web", ["web.other.svc.cluster.local."], "NOERROR", ["10.96.200.20"], 30),
    ("custom", "web.default", ["web.default.other.svc.cluster.local.", "web.default."],
     "NXDOMAIN", [], None),
    ("tweaked", "web.default", ["web.default.", "web.default.default.svc.cluster.local.", WEB],
     "NOERROR", ["10.96.100.10"], 30),
    ("tweaked", "www", ["www.default.svc.cluster.local.", "www.svc.cluster.local.",
                        "www.cluster.local.", "www.example.com."], "NOERROR",
     ["example.com.", "203.0.113.10"], 30),
]


@pytest.mark.parametrize(("pod_name", "name", "tried", "rcode", "values", "ttl"), POD_CASES)
def test_resolve_from_pods_with_each_dns_policy(api: ApiServer, pod_name: str, name: str,
                                                tried: list[str], rcode: str,
                                                values: list[str], ttl: int | None) -> None:
    answer = dns.resolve(api, name, from_pod=pod_name)
    assert (list(answer.tried), answer.rcode) == (tried, rcode)
    assert [r.value for r in answer.records] == values
    assert {r.ttl for r in answer.records} == ({ttl} if ttl else set())
    assert answer.client_pod == pod_name


def test_resolve_from_a_named_pod_in_another_namespace(api: ApiServer) -> None:
    answer = dns.resolve(api, "web", from_pod="tools", namespace="other")
    assert answer.tried == ("web.other.svc.cluster.local.",)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"from_pod": "ghost"}, 'pods "ghost" not found'),
    ({"from_pod": "tools", "namespace": "kube-system"}, 'pods "tools" not found'),
    ({"namespace": "nons"}, 'namespaces "nons" not found'),
])
def test_resolve_from_a_missing_pod_is_an_api_404(api: ApiServer, kwargs: Object,
                                                  message: str) -> None:
    with pytest.raises(errors.ApiError) as caught:
        dns.resolve(api, "web", **kwargs)
    assert (caught.value.code, str(caught.value)) == (404, message)


@pytest.mark.parametrize(("name", "qtype"), [
    ("web", "MX"), ("web", "ANY"), ("", "A"), (".", "A"), ("web..default", "A"),
    ("a" * 254, "A"),
])
def test_resolve_refuses_what_it_cannot_ask(api: ApiServer, name: str, qtype: str) -> None:
    with pytest.raises(errors.UsageError):
        dns.resolve(api, name, qtype)


# -- the search rule on its own (glibc res_search) --------------------------------------------

SEARCH_CASES = [
    ("web", 5, ("a", "b"), ["web.a.", "web.b.", "web."], False),
    ("w.x.y.z.v.u", 5, ("a",), ["w.x.y.z.v.u.", "w.x.y.z.v.u.a."], True),
    ("web.", 5, ("a", "b"), ["web."], True),
    ("web.x", 1, ("a",), ["web.x.", "web.x.a."], True),
    ("web", 0, ("a",), ["web.", "web.a."], True),
    ("web", 1, (), ["web."], False),
    ("web", 5, ("a", "."), ["web.a.", "web."], False),  # the root on the list: no extra try
]


@pytest.mark.parametrize(("name", "ndots", "search", "names", "as_is_first"), SEARCH_CASES)
def test_search_list(name: str, ndots: int, search: tuple[str, ...], names: list[str],
                     as_is_first: bool) -> None:
    conf = dns.ResolvConf(nameservers=("10.96.0.10",), search=search, ndots=ndots)
    assert dns.search_list(name, conf) == (names, as_is_first)


@pytest.mark.parametrize(("rcodes", "as_is_first", "final"), [
    (["NXDOMAIN", "NXDOMAIN"], False, "NXDOMAIN"),
    (["NOERROR", "NXDOMAIN"], False, "NOERROR"),
    (["NXDOMAIN", "NOERROR"], False, "NOERROR"),
    (["NXDOMAIN", "NOERROR"], True, "NXDOMAIN"),
    (["NOERROR", "NXDOMAIN"], True, "NOERROR"),
])
def test_final_rcode_is_glibcs_choice(rcodes: list[str], as_is_first: bool,
                                      final: str) -> None:
    assert dns.final_rcode(rcodes, as_is_first) == final


# -- end to end: a cluster built by kubelab.connect(), objects made by its controllers ---------


@pytest.fixture
def lab() -> kubelab.Lab:
    lab = kubelab.connect()
    lab.apply([scenarios.deployment("web", replicas=3), scenarios.service("web"),
               scenarios.service("web-headless", selector={"app": "web"}, clusterIP="None")])
    return lab


def test_e2e_a_service_name_is_its_cluster_ip(lab: kubelab.Lab) -> None:
    answer = lab.resolve("web")
    cluster_ip = lab.read("svc", "web")["spec"]["clusterIP"]
    assert rows(answer.records) == [(WEB, "A", cluster_ip, 30)]
    assert answer.tried == (WEB,)


def test_e2e_cluster_services_kubernetes_and_kube_dns(lab: kubelab.Lab) -> None:
    assert [r.value for r in lab.resolve("kubernetes.default").records] == ["10.96.0.1"]
    assert [r.value for r in lab.resolve("10.96.0.10", "PTR").records] == [
        "kube-dns.kube-system.svc.cluster.local."]
    assert [r.value for r in lab.resolve("kubelab-control-plane").records] == ["172.18.0.2"]


def test_e2e_headless_answers_follow_pod_readiness(lab: kubelab.Lab) -> None:
    pods = lab.list("pods", selector="app=web")
    ips = sorted(p["status"]["podIP"] for p in pods)
    assert sorted(r.value for r in lab.resolve("web-headless").records) == ips
    lab.set_ready(pods[0]["metadata"]["name"], False)
    remaining = sorted(set(ips) - {pods[0]["status"]["podIP"]})
    assert sorted(r.value for r in lab.resolve("web-headless").records) == remaining
    srv = lab.resolve("_http._tcp.web-headless", "SRV")
    assert [r.value.split()[:3] for r in srv.records] == [["0", "50", "8080"]] * 2


def test_e2e_pod_hostname_and_subdomain_get_a_name_and_a_ptr(lab: kubelab.Lab) -> None:
    db = scenarios.pod("db-0", labels={"app": "db"})
    db["spec"].update(hostname="db-0", subdomain="db")
    lab.apply([db, scenarios.service("db", selector={"app": "db"}, clusterIP="None")])
    ip = lab.read("pod", "db-0")["status"]["podIP"]
    name = "db-0.db.default.svc.cluster.local."
    assert rows(lab.resolve("db-0.db").records) == [(name, "A", ip, 30)]
    assert [r.value for r in lab.resolve(ip, "PTR").records] == [name]


def test_e2e_namespaces_externalname_and_deletion(lab: kubelab.Lab) -> None:
    lab.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    lab.apply(scenarios.service("web"), namespace="shop")
    shop_ip = lab.read("svc", "web", namespace="shop")["spec"]["clusterIP"]
    assert [r.value for r in lab.resolve("web", namespace="shop").records] == [shop_ip]
    assert [r.value for r in lab.resolve("web.shop").records] == [shop_ip]
    lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
               "spec": {"type": "ExternalName", "externalName": "www.example.com"}})
    assert [r.type for r in lab.resolve("ext").records] == ["CNAME", "CNAME", "A"]
    lab.delete("svc", "ext")
    assert lab.resolve("ext").rcode == "NXDOMAIN"
