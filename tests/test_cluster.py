"""The simulated cluster as a fresh `kind create cluster --name kubelab` shows it."""

from __future__ import annotations

import re
from typing import Any

import pytest

import kubelab
from kubelab import scenarios
from kubelab.mock import cluster

Object = dict[str, Any]
SUFFIX = "[bcdfghjklmnpqrstvwxz2456789]{5}"


@pytest.fixture(scope="module")
def lab() -> kubelab.Lab:
    return kubelab.connect("mock", seed=0)  # read-only below: one cluster for the module


def by_name(objects: list[Object]) -> dict[str, Object]:
    return {o["metadata"]["name"]: o for o in objects}


def test_constants() -> None:
    assert (cluster.POD_CIDR, cluster.SERVICE_CIDR, cluster.DNS_IP, cluster.CLUSTER_DOMAIN) == (
        "10.244.0.0/16", "10.96.0.0/16", "10.96.0.10", "cluster.local")


@pytest.mark.parametrize(("workers", "names"), [
    (0, ["kubelab-control-plane"]),
    (1, ["kubelab-control-plane", "kubelab-worker"]),
    (3, ["kubelab-control-plane", "kubelab-worker", "kubelab-worker2", "kubelab-worker3"]),
])
def test_node_names_addresses_and_cidrs(workers: int, names: list[str]) -> None:
    assert cluster.node_names("kubelab", workers) == names
    nodes = by_name(kubelab.connect("mock", seed=0, workers=workers).list("nodes"))
    assert sorted(nodes) == sorted(names)
    for index, name in enumerate(names):
        node = nodes[name]
        assert node["status"]["addresses"] == [
            {"address": f"172.18.0.{2 + index}", "type": "InternalIP"},
            {"address": name, "type": "Hostname"}]
        assert node["spec"]["podCIDR"] == f"10.244.{index}.0/24"
        assert node["spec"]["podCIDRs"] == [f"10.244.{index}.0/24"]
        assert node["spec"]["providerID"] == f"kind://docker/kubelab/{name}"


def test_control_plane_is_tainted_when_it_has_workers(lab: kubelab.Lab) -> None:
    plane = lab.read("node", "kubelab-control-plane")
    assert plane["spec"]["taints"] == [
        {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    assert plane["metadata"]["labels"] == {
        "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": "kubelab-control-plane",
        "kubernetes.io/os": "linux", "node-role.kubernetes.io/control-plane": "",
        "node.kubernetes.io/exclude-from-external-load-balancers": ""}
    worker = lab.read("node", "kubelab-worker")
    assert "taints" not in worker["spec"]
    assert worker["metadata"]["labels"] == {
        "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": "kubelab-worker",
        "kubernetes.io/os": "linux"}


def test_a_lone_control_plane_is_untainted() -> None:
    lone = kubelab.connect("mock", seed=0, workers=0)
    plane = lone.read("node", "kubelab-control-plane")
    assert "taints" not in plane["spec"]
    assert "node.kubernetes.io/exclude-from-external-load-balancers" not in plane["metadata"][
        "labels"]
    lone.apply(scenarios.pod("web"))
    assert lone.read("pod", "web")["spec"]["nodeName"] == "kubelab-control-plane"


def test_node_status_is_a_v1_37_kubelets(lab: kubelab.Lab) -> None:
    status = lab.read("node", "kubelab-worker")["status"]
    info = status["nodeInfo"]
    assert (info["kubeletVersion"], info["kubeProxyVersion"], info["containerRuntimeVersion"],
            info["osImage"], info["architecture"], info["operatingSystem"]) == (
        "v1.37.0", "", "containerd://2.3.4", "Debian GNU/Linux 13 (trixie)", "amd64", "linux")
    assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID"),
        ("Ready", "True", "KubeletReady")]
    assert status["allocatable"]["pods"] == status["capacity"]["pods"] == "110"
    assert status["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10250}}


def test_namespaces(lab: kubelab.Lab) -> None:
    namespaces = by_name(lab.list("namespaces"))
    assert sorted(namespaces) == ["default", "kube-node-lease", "kube-public", "kube-system",
                                  "local-path-storage"]
    assert all(ns["status"]["phase"] == "Active" for ns in namespaces.values())


def test_the_kubernetes_service_and_its_endpoints(lab: kubelab.Lab) -> None:
    svc = lab.read("svc", "kubernetes", namespace="default")
    assert svc["metadata"]["labels"] == {"component": "apiserver", "provider": "kubernetes"}
    assert svc["spec"]["clusterIP"] == "10.96.0.1"
    assert "selector" not in svc["spec"]
    assert svc["spec"]["ports"] == [
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]
    endpoint_slice = lab.read("endpointslices", "kubernetes", namespace="default")
    assert endpoint_slice["metadata"]["labels"] == {"kubernetes.io/service-name": "kubernetes"}
    assert endpoint_slice["addressType"] == "IPv4"
    assert endpoint_slice["endpoints"] == [
        {"addresses": ["172.18.0.2"], "conditions": {"ready": True}}]
    assert endpoint_slice["ports"] == [{"name": "https", "port": 6443, "protocol": "TCP"}]
    endpoints = lab.read("endpoints", "kubernetes", namespace="default")
    assert endpoints["metadata"]["labels"] == {"endpointslice.kubernetes.io/skip-mirror": "true"}
    assert endpoints["subsets"] == [{"addresses": [{"ip": "172.18.0.2"}],
                                     "ports": [{"name": "https", "port": 6443,
                                                "protocol": "TCP"}]}]


def test_kube_dns_service_as_kubeadm_makes_it(lab: kubelab.Lab) -> None:
    svc = lab.read("svc", "kube-dns", namespace="kube-system")
    assert svc["metadata"]["labels"] == {"k8s-app": "kube-dns",
                                         "kubernetes.io/cluster-service": "true",
                                         "kubernetes.io/name": "CoreDNS"}
    assert svc["metadata"]["annotations"] == {"prometheus.io/port": "9153",
                                              "prometheus.io/scrape": "true"}
    assert svc["spec"]["clusterIP"] == "10.96.0.10"
    assert svc["spec"]["selector"] == {"k8s-app": "kube-dns"}


def test_pods_of_a_fresh_cluster(lab: kubelab.Lab) -> None:
    pods = lab.list("pods", all_namespaces=True)
    names = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods]
    patterns = [
        ("kube-system", r"coredns-[4-9bcdf]{1,10}-" + SUFFIX),
        ("kube-system", r"coredns-[4-9bcdf]{1,10}-" + SUFFIX),
        ("kube-system", "etcd-kubelab-control-plane"),
        *[("kube-system", "kindnet-" + SUFFIX)] * 3,
        ("kube-system", "kube-apiserver-kubelab-control-plane"),
        ("kube-system", "kube-controller-manager-kubelab-control-plane"),
        *[("kube-system", "kube-proxy-" + SUFFIX)] * 3,
        ("kube-system", "kube-scheduler-kubelab-control-plane"),
        ("local-path-storage", r"local-path-provisioner-[4-9bcdf]{1,10}-" + SUFFIX),
    ]
    assert len(names) == len(patterns)
    for (namespace, name), (want_ns, pattern) in zip(names, patterns, strict=True):
        assert namespace == want_ns and re.fullmatch(pattern, name), name
    for pod in pods:
        assert pod["status"]["phase"] == "Running"
        assert all(c["status"] == "True" for c in pod["status"]["conditions"])


def test_system_pod_addresses(lab: kubelab.Lab) -> None:
    pods = lab.list("pods", all_namespaces=True)
    node_ips = {n["metadata"]["name"]: n["status"]["addresses"][0]["address"]
                for n in lab.list("nodes")}
    ips = {p["metadata"]["name"]: (p["spec"]["nodeName"], p["status"]["podIP"]) for p in pods}
    dns = sorted(ip for name, ip in ips.items() if name.startswith("coredns-"))
    assert dns == [("kubelab-control-plane", "10.244.0.2"), ("kubelab-control-plane",
                                                             "10.244.0.3")]
    (local_path,) = [ip for name, ip in ips.items() if name.startswith("local-path")]
    assert local_path == ("kubelab-control-plane", "10.244.0.4")
    for pod in pods:
        if pod["spec"].get("hostNetwork"):
            assert pod["status"]["podIP"] == node_ips[pod["spec"]["nodeName"]]
    daemons = sorted(ips[n][0] for n in ips if n.startswith("kube-proxy-"))
    assert daemons == ["kubelab-control-plane", "kubelab-worker", "kubelab-worker2"]


def test_owners_of_system_pods(lab: kubelab.Lab) -> None:
    plane = lab.read("node", "kubelab-control-plane")
    etcd = lab.read("pod", "etcd-kubelab-control-plane", namespace="kube-system")
    assert etcd["metadata"]["ownerReferences"] == [{
        "apiVersion": "v1", "controller": True, "kind": "Node",
        "name": "kubelab-control-plane", "uid": plane["metadata"]["uid"]}]
    assert etcd["metadata"]["annotations"]["kubeadm.kubernetes.io/etcd.advertise-client-urls"] == (
        "https://172.18.0.2:2379")
    proxies = lab.list("pods", namespace="kube-system", selector="k8s-app=kube-proxy")
    refs = {p["metadata"]["ownerReferences"][0]["kind"] for p in proxies}
    assert refs == {"DaemonSet"}  # kept: the garbage collector cannot prove it is gone
    assert len({p["metadata"]["labels"]["controller-revision-hash"] for p in proxies}) == 1


@pytest.mark.parametrize("component", [
    "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"])
def test_static_pods_skip_service_account_admission(lab: kubelab.Lab, component: str) -> None:
    mirror = lab.read("pod", f"{component}-kubelab-control-plane", namespace="kube-system")
    assert "serviceAccountName" not in mirror["spec"]
    assert "serviceAccount" not in mirror["spec"]
    volumes = [v["name"] for v in mirror["spec"]["volumes"]]
    assert not any(name.startswith("kube-api-access-") for name in volumes)
    mounts = [m["name"] for m in mirror["spec"]["containers"][0]["volumeMounts"]]
    assert not any(name.startswith("kube-api-access-") for name in mounts)


def test_addons_are_settled_deployments(lab: kubelab.Lab) -> None:
    coredns = lab.read("deploy", "coredns", namespace="kube-system")
    assert coredns["status"]["readyReplicas"] == coredns["status"]["availableReplicas"] == 2
    local_path = lab.read("deploy", "local-path-provisioner", namespace="local-path-storage")
    assert local_path["status"]["availableReplicas"] == 1
    assert lab.backend.api.clock.seconds == 0  # type: ignore[attr-defined]


def test_bootstrap_is_deterministic() -> None:
    def snapshot(seed: int) -> list[Object]:
        return kubelab.connect("mock", seed=seed).list("pods", all_namespaces=True)

    assert snapshot(1) == snapshot(1)
    assert snapshot(1) != snapshot(2)
