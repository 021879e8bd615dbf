"""Addresses of the simulated kind cluster: nodes, pods, the client of a request, targets.

kind's network (kind docs, "Known issues" and kindnetd in kubernetes-sigs/kind):
- every node is a container on the Docker network `kind` (172.18.0.0/16 on a default
  Docker install); the Docker host is 172.18.0.1 on it: our "outside" client. It reaches
  node IPs and LoadBalancer IPs (containers on the same network), not cluster IPs nor
  pod IPs: the host has no route to either.
- kindnetd uses the CNI `ptp` plugin with host-local IPAM: a pod's gateway is the first
  address of its node's podCIDR and ptp puts that address on the node side of every pod's
  veth. So when a node masquerades a packet toward one of its own pods, the pod sees the
  node's gateway address (e.g. 10.244.1.1); toward a pod on another node it leaves by
  eth0 and the pod sees the node's InternalIP.
- kindnetd's KIND-MASQ-AGENT chain masquerades every packet leaving a node for an address
  outside the pod network (images/kindnetd/cmd/kindnetd/masq.go): a pod that talks to a
  node IP, a LoadBalancer IP or the internet shows up with its node's IP.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from kubelab import errors
from kubelab.mock import cluster
from kubelab.mock.api import ApiServer

Object = dict[str, Any]

HOST_IP = cluster.HOST_IP  # the Docker host on the kind network
KIND_NETWORK = ipaddress.ip_network(cluster.NODE_NETWORK)
CLIENT_POD = "client"  # the probe pod requests come from when no client is named
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
# kubeadm labels control-plane nodes with it; the cloud-provider service controller
# leaves such nodes out of every load balancer (nodeIncludedPredicate).
EXCLUDE_LB_LABEL = cluster.EXCLUDE_FROM_LB
TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler"
ZONE_LABEL = "topology.kubernetes.io/zone"


@dataclass(frozen=True)
class Node:
    name: str
    ip: str  # InternalIP
    pod_cidr: str
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    lb_eligible: bool = True

    @property
    def gateway(self) -> str:
        """The node's address toward its own pods (host-local's default gateway)."""
        if not self.pod_cidr:
            return self.ip
        return str(ipaddress.ip_network(self.pod_cidr, strict=False).network_address + 1)

    @property
    def zone(self) -> str:
        return self.labels.get(ZONE_LABEL, "")

    @property
    def control_plane(self) -> bool:
        return CONTROL_PLANE_LABEL in self.labels


def nodes(api: ApiServer) -> list[Node]:
    """The cluster's nodes in name order, with the addresses the data plane uses."""
    return [_node(obj) for obj in api.store.items("nodes")]


def _node(obj: Object) -> Node:
    addresses = (obj.get("status") or {}).get("addresses") or []
    ip = next((a["address"] for a in addresses if a.get("type") == "InternalIP"), "")
    labels = obj["metadata"].get("labels") or {}
    taints = (obj.get("spec") or {}).get("taints") or []
    eligible = (
        EXCLUDE_LB_LABEL not in labels
        and "deletionTimestamp" not in obj["metadata"]
        and not any(t.get("key") == TO_BE_DELETED_TAINT for t in taints)
    )
    return Node(
        name=obj["metadata"]["name"],
        ip=ip,
        pod_cidr=(obj.get("spec") or {}).get("podCIDR", ""),
        labels=dict(labels),
        lb_eligible=eligible,
    )


def node_named(api: ApiServer, name: str) -> Node:
    obj = api.store.get("nodes", "", name)
    if obj is None:
        raise errors.not_found("nodes", name)
    return _node(obj)


# -- pods -----------------------------------------------------------------------------------


def pod_ip(pod: Object) -> str:
    return str((pod.get("status") or {}).get("podIP") or "")


def host_network(pod: Object) -> bool:
    return bool((pod.get("spec") or {}).get("hostNetwork"))


def pods_by_ip(api: ApiServer) -> dict[str, Object]:
    """Pod-network pods by IP; a running pod wins over one that is terminating."""
    found: dict[str, Object] = {}
    for pod in api.store.items("pods"):
        ip = pod_ip(pod)
        if not ip or host_network(pod):
            continue
        held = found.get(ip)
        if held is None or "deletionTimestamp" in held["metadata"]:
            found[ip] = pod
    return found


def listens(pod: Object, port: int, protocol: str = "TCP") -> bool:
    """A pod answers on the containerPorts its containers declare, and on nothing else.

    A simplification: a real process listens where it binds, declared or not. Declaring
    ports is what lets named targetPorts work, so the course's pods always declare them.
    """
    if (pod.get("status") or {}).get("phase", "Running") != "Running":
        return False
    for container in (pod.get("spec") or {}).get("containers") or []:
        for declared in container.get("ports") or []:
            same = declared.get("protocol", "TCP") == protocol
            if same and declared.get("containerPort") == port:
                return True
    return False


# -- the client of a request --------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    kind: str  # "pod" | "node" | "outside"
    name: str
    ip: str
    node: Node | None  # None: the Docker host
    namespace: str = "default"
    stand_in: bool = False  # no pod named "client" exists: a stand-in on the first worker
    host_network: bool = False  # a hostNetwork pod sends from its node's address

    @property
    def in_pod_network(self) -> bool:
        return self.kind == "pod" and not self.host_network

    def describe(self) -> str:
        if self.kind == "outside":
            return f"the Docker host {self.ip}, outside the cluster on the kind network"
        assert self.node is not None
        if self.kind == "node":
            return f"node {self.name} ({self.ip})"
        where = f"on {self.node.name}"
        if self.stand_in:
            return (
                f'pod {self.name} ({self.ip}) {where}: no pod named "{self.name}" exists in '
                f"{self.namespace}, so a stand-in pod with a free address of {self.node.name}'s "
                f"podCIDR {self.node.pod_cidr} sends the request"
            )
        net = ", hostNetwork" if self.host_network else ""
        return f"pod {self.namespace}/{self.name} ({self.ip}{net}) {where}"


def client_for(
    api: ApiServer, from_pod: str | None, from_node: str | None, from_outside: bool,
    namespace: str,
) -> Client:
    """Who sends the request; with none named, the probe pod "client" (or its stand-in)."""
    if sum((from_pod is not None, from_node is not None, bool(from_outside))) > 1:
        raise errors.UsageError("name one client: from_pod=, from_node= or from_outside=True")
    if from_outside:
        return Client("outside", "host", HOST_IP, None, namespace)
    if from_node is not None:
        node = node_named(api, from_node)
        return Client("node", node.name, node.ip, node, namespace)
    name = from_pod if from_pod is not None else CLIENT_POD
    pod = api.store.get("pods", namespace, name)
    if pod is None:
        if from_pod is not None:
            raise errors.not_found("pods", name)
        return _stand_in(api, namespace)
    node_name = (pod.get("spec") or {}).get("nodeName")
    phase = (pod.get("status") or {}).get("phase", "Pending")
    if phase in ("Succeeded", "Failed"):  # kubectl exec's own words
        raise errors.UsageError(
            f"cannot exec into a container in a completed pod; current phase is {phase}"
        )
    if not pod_ip(pod) or not node_name:
        raise errors.UsageError(
            f'pod "{name}" has no IP yet (it is {phase}): it cannot send requests'
        )
    node = node_named(api, node_name)
    return Client("pod", name, pod_ip(pod), node, namespace, host_network=host_network(pod))


def _stand_in(api: ApiServer, namespace: str) -> Client:
    if api.store.get("namespaces", "", namespace) is None:
        raise errors.not_found("namespaces", namespace)
    all_nodes = nodes(api)
    workers = [n for n in all_nodes if not n.control_plane] or all_nodes
    if not workers:
        raise errors.UsageError("the cluster has no nodes: no pod can send a request")
    node = workers[0]
    taken = {pod_ip(p) for p in api.store.items("pods")}
    network = ipaddress.ip_network(node.pod_cidr or "10.244.1.0/24", strict=False)
    free = next(str(ip) for ip in reversed(list(network.hosts())[1:]) if str(ip) not in taken)
    return Client("pod", CLIENT_POD, free, node, namespace, stand_in=True)


# -- the target of a request ---------------------------------------------------------------


