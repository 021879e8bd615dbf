"""The cluster as `kind create cluster --name <name>` builds it, already settled.

Node names, addresses and pod CIDRs (kubernetes-sigs/kind pkg/cluster/nodes and the docs'
defaults): `<name>-control-plane`, then `<name>-worker`, `<name>-worker2`, ...; the node
containers sit on the docker network `kind` (172.18.0.0/16, gateway 172.18.0.1) and here
get 172.18.0.2, .3, ... in that order (on Docker the order follows container start, so a
real cluster may shuffle the workers); kube-controller-manager gives each node a /24 of
10.244.0.0/16 in registration order: the control plane 10.244.0.0/24, the workers
10.244.1.0/24, 10.244.2.0/24, ...

With no workers, kind removes the control-plane taint and the
exclude-from-external-load-balancers label so pods can run there (kind's kubeadminit
action; kubernetes-sigs/kind#3507).

CoreDNS starts before the workers join, so both its pods (and local-path-provisioner,
which tolerates the control-plane taint) run on the control plane: 10.244.0.2, .3, .4.
"""

from __future__ import annotations

from typing import Any

from kubelab.mock import kindnode, kindpods, services
from kubelab.mock.store import Object
from kubelab.version import KUBERNETES_VERSION

POD_CIDR = "10.244.0.0/16"
SERVICE_CIDR = services.SERVICE_CIDR
DNS_IP = "10.96.0.10"
KUBERNETES_IP = "10.96.0.1"
CLUSTER_DOMAIN = "cluster.local"
NODE_NETWORK = "172.18.0.0/16"  # docker network "kind"
HOST_IP = "172.18.0.1"  # its gateway: the host, "outside" the cluster
CONTROL_PLANE_TAINT = "node-role.kubernetes.io/control-plane"
EXCLUDE_FROM_LB = "node.kubernetes.io/exclude-from-external-load-balancers"


def control_plane_name(cluster: str) -> str:
    return f"{cluster}-control-plane"


def worker_name(cluster: str, index: int) -> str:
    """The index-th worker (1-based): kubelab-worker, kubelab-worker2, kubelab-worker3, ..."""
    return f"{cluster}-worker" if index == 1 else f"{cluster}-worker{index}"


def node_names(cluster: str, workers: int) -> list[str]:
    return [control_plane_name(cluster)] + [worker_name(cluster, i) for i in
                                            range(1, workers + 1)]


def node_ip(index: int) -> str:
    """Node 0 is the control plane (172.18.0.2); worker i is 172.18.0.(2 + i)."""
    return f"172.18.0.{2 + index}"


def node_pod_cidr(index: int) -> str:
    return f"10.244.{index}.0/24"


# -- building it ----------------------------------------------------------------------------


def bootstrap(api: Any, name: str = "kubelab", workers: int = 2) -> None:
    """Create what a fresh kind cluster shows and let it settle (the clock stays put)."""
    for namespace in ("default", "kube-node-lease", "kube-public", "kube-system"):
        _create(api, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    plane = _create_node(api, name, 0, alone=workers == 0)
    seen = api.clock.timestamp()[:-1] + f".{api.rng('kubelet').randrange(10**9):09d}Z"
    for pod in kindpods.control_plane_pods(plane, node_ip(0), api.rng("kubelet"), seen):
        _create(api, pod)
    _create(api, kindpods.kubernetes_service(KUBERNETES_IP))
    for obj in kindpods.kubernetes_endpoints(node_ip(0)):
        _create(api, obj)
    _create(api, kindpods.kube_dns_service(DNS_IP))
    _create(api, kindpods.coredns_deployment())
    daemons = [kindpods.kube_proxy(api.new_uid()),
               kindpods.kindnet(api.new_uid(), control_plane_name(name))]
    _run_daemons(api, daemons, control_plane_name(name))
    api.reconcile()
    _create(api, {"apiVersion": "v1", "kind": "Namespace",
                  "metadata": {"name": "local-path-storage"}})
    _create(api, kindpods.local_path_deployment())
    api.reconcile()
    for index in range(1, workers + 1):
        _create_node(api, name, index, alone=False)
        _run_daemons(api, daemons, worker_name(name, index))
    api.reconcile()


def _create(api: Any, obj: Object) -> Object:
    return api.create_object(obj)  # type: ignore[no-any-return]


def _run_daemons(api: Any, daemons: list[kindpods.DaemonSet], node: str) -> None:
    for daemon in daemons:
        _create(api, daemon.pod_for(node))


def _create_node(api: Any, cluster: str, index: int, alone: bool) -> Object:
    """A node as its kubelet registers it, with the pod CIDR the node IPAM gave it."""
    name = control_plane_name(cluster) if index == 0 else worker_name(cluster, index)
    labels = {"beta.kubernetes.io/arch": kindnode.ARCH, "beta.kubernetes.io/os": "linux",
              "kubernetes.io/arch": kindnode.ARCH, "kubernetes.io/hostname": name,
              "kubernetes.io/os": "linux"}
    spec: Object = {"podCIDR": node_pod_cidr(index), "podCIDRs": [node_pod_cidr(index)],
                    "providerID": f"kind://docker/{cluster}/{name}"}
    if index == 0:
        labels[CONTROL_PLANE_TAINT] = ""
        if not alone:
            labels[EXCLUDE_FROM_LB] = ""
            spec["taints"] = [{"effect": "NoSchedule", "key": CONTROL_PLANE_TAINT}]
    node = {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                     "volumes.kubernetes.io/controller-managed-attach-detach":
                                         "true"},
                     "labels": labels, "name": name},
        "spec": spec,
        "status": node_status(api, name, node_ip(index)),
    }
    created = _create(api, node)
    if created.get("status") != node["status"]:  # a strategy that drops status on create
        api.update_status({**created, "status": node["status"]})
    return api.store.get("nodes", "", name)  # type: ignore[no-any-return]


def node_status(api: Any, name: str, ip: str) -> Object:
    now = api.clock.timestamp()
    rng = api.rng("nodes")

    def condition(kind: str, status: str, reason: str, message: str) -> Object:
        return {"lastHeartbeatTime": now, "lastTransitionTime": now, "message": message,
                "reason": reason, "status": status, "type": kind}

    handler_features = {"recursiveReadOnlyMounts": True, "userNamespaces": True}
    return {
        "addresses": [{"address": ip, "type": "InternalIP"},
                      {"address": name, "type": "Hostname"}],
        "allocatable": dict(kindnode.CAPACITY),
        "capacity": dict(kindnode.CAPACITY),
        "conditions": [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                      "kubelet has sufficient memory available"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                      "kubelet has no disk pressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID",
                      "kubelet has sufficient PID available"),
            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "declaredFeatures": list(kindnode.DECLARED_FEATURES),
        "features": {"supplementalGroupsPolicy": True},
        "images": kindnode.node_images(),
        "nodeInfo": {
            "architecture": kindnode.ARCH,
            "bootID": _uuid(rng.getrandbits(128)),
            "containerRuntimeVersion": kindnode.CONTAINERD_VERSION,
            "kernelVersion": kindnode.KERNEL_VERSION,
            "kubeProxyVersion": "",
            "kubeletVersion": KUBERNETES_VERSION,
            "machineID": f"{rng.getrandbits(128):032x}",
            "operatingSystem": "linux",
            "osImage": kindnode.OS_IMAGE,
            "runningInUserNamespace": False,
            "swap": {"capacity": 0},
            "systemUUID": _uuid(rng.getrandbits(128)),
        },
        "runtimeHandlers": [{"features": dict(handler_features), "name": handler}
                            for handler in ("", "runc", "test-handler")],
    }


def _uuid(value: int) -> str:
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
