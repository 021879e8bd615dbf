"""The probe pods kubelab starts on a real cluster, in their own namespace.

- `client`: an agnhost netexec pod on the first worker, standing in for a pod named
  "client" when the lesson's namespace has none (the simulation's stand-in sits on the
  first worker too). It lives in `<home>-probes`, not in the lesson's namespace, so
  `lab.get("pods")` shows what it shows on the simulation; DNS questions asked for
  another namespace use that namespace's search list (probes.for_namespace).
- `node-<node>`: a hostNetwork agnhost netexec pod pinned to a node, tolerating every
  taint: requests `from_node=` leave from the node's own address and use the node's
  resolver, as a process on a kind node does. netexec listens on 18080 there, a port
  a kind node leaves free (8080 could be taken on the node's network).

Both are labelled app.kubernetes.io/managed-by=kubelab and are reused between calls;
`kubelab down` (deleting the cluster) or deleting the namespace removes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kubelab.errors import ApiError, SetupError
from kubelab.kinds import resource_for
from kubelab.kube import safety
from kubelab.kube.api import Api, ensure_namespace
from kubelab.scenarios import AGNHOST_IMAGE

Object = dict[str, Any]
PODS = resource_for("pods")

CLIENT = "client"
CLIENT_PORT = 8080
NODE_PORT = 18080
READY_TIMEOUT = 120.0  # seconds to wait for a probe pod (the image may still be pulled)
LABELS = {safety.MANAGED_BY_KEY: safety.MANAGED_BY, "app.kubernetes.io/component": "probe"}


def _netexec(port: int) -> Object:
    return {
        "name": "agnhost",
        "image": AGNHOST_IMAGE,
        "args": ["netexec", f"--http-port={port}", "--udp-port=-1"],
    }


def client_manifest(node: str | None) -> Object:
    spec: Object = {"containers": [_netexec(CLIENT_PORT)], "terminationGracePeriodSeconds": 0}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": CLIENT, "labels": dict(LABELS)}, "spec": spec}


def node_pod_name(node: str) -> str:
    return f"node-{node}"[:63].rstrip("-.")


def node_manifest(node: str) -> Object:
    spec: Object = {
        "containers": [_netexec(NODE_PORT)],
        "hostNetwork": True,
        "nodeName": node,
        "tolerations": [{"operator": "Exists"}],
        "terminationGracePeriodSeconds": 0,
    }
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": node_pod_name(node), "labels": dict(LABELS)}, "spec": spec}


def first_worker(nodes: list[Object]) -> str | None:
    """The first node without the control-plane role, by name (kind: kubelab-worker)."""
    def control_plane(node: Object) -> bool:
        labels = node["metadata"].get("labels") or {}
        return "node-role.kubernetes.io/control-plane" in labels

    names = sorted(n["metadata"]["name"] for n in nodes if not control_plane(n))
    return names[0] if names else None


def is_ready(pod: Object) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def why_not_ready(pod: Object) -> str:
    """The phase and the first container's waiting reason (e.g. ImagePullBackOff)."""
    status = pod.get("status") or {}
    words = [status.get("phase", "Pending")]
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason"):
            words.append(waiting["reason"])
    return ", ".join(words)


class ProbePods:
    """Finds or starts the probe pods, and waits (with a deadline) until they are ready."""

    def __init__(self, api: Api, namespace: str, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 timeout: float = READY_TIMEOUT) -> None:
        self.api = api
        self.namespace = namespace
        self.sleep = sleep
        self.clock = clock
        self.timeout = timeout
        self._namespace_ok = False

    def client(self, nodes: list[Object]) -> Object:
        return self._ensure(client_manifest(first_worker(nodes)))

    def node(self, node: str) -> Object:
        return self._ensure(node_manifest(node))

    def ensure_namespace(self) -> None:
        if not self._namespace_ok:
            ensure_namespace(self.api, self.namespace)
            self._namespace_ok = True

    def _ensure(self, manifest: Object) -> Object:
        self.ensure_namespace()
        name = manifest["metadata"]["name"]
        pod = self._current(name)
        if pod is None:
            pod = self.api.create(PODS, manifest, self.namespace)
        deadline = self.clock() + self.timeout
        while not is_ready(pod):
            if self.clock() >= deadline:
                raise SetupError(
                    f"kubelab's probe pod {self.namespace}/{name} is not ready after "
                    f"{self.timeout:.0f} s ({why_not_ready(pod)}): check `kubectl -n "
                    f"{self.namespace} describe pod {name}`; its image {AGNHOST_IMAGE} must "
                    "be pullable, or loaded into kind (`kubelab up` does that)"
                )
            self.sleep(1.0)
            pod = self._current(name) or self.api.create(PODS, manifest, self.namespace)
        return pod

    def _current(self, name: str) -> Object | None:
        """The pod, or None when it is missing; waits out one being deleted."""
        try:
            pod = self.api.get(PODS, name, self.namespace)
        except ApiError as err:
            if err.code != 404:
                raise
            return None
        if "deletionTimestamp" in pod["metadata"] or pod.get("status", {}).get("phase") in (
                "Failed", "Succeeded"):
            if "deletionTimestamp" not in pod["metadata"]:
                self.api.delete(PODS, name, self.namespace)
            return pod  # not ready: the caller waits, then creates it again
        return pod
