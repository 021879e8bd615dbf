"""The control loops of the simulated cluster, installed in the order they run each round.

Deployment -> ReplicaSet -> scheduler -> kubelet -> garbage collector -> namespace: one
reconcile round carries a new Deployment all the way to running pods. Each controller is
incremental: `observe` marks what changed, `sync` works only on that.
"""

from __future__ import annotations

from typing import Any

from kubelab import errors
from kubelab.mock import namespaces
from kubelab.mock.deployments import DeploymentController
from kubelab.mock.gc import GarbageCollector
from kubelab.mock.kubelet import EXTENSION, Kubelet
from kubelab.mock.replicasets import ReplicaSetController
from kubelab.mock.scheduler import Scheduler


def install(api: Any) -> None:
    """Append this module's controllers to api.controllers (per cluster: nothing shared)."""
    replicasets = ReplicaSetController()
    kubelet = Kubelet()
    api.controllers.extend([
        DeploymentController(replicasets.pods.by_owner),
        replicasets,
        Scheduler(),
        kubelet,
        GarbageCollector(),
        namespaces.NamespaceController(),
    ])
    api.extensions[EXTENSION] = kubelet


def set_probe_result(api: Any, pod_name: str, namespace: str, ready: bool) -> None:
    """From now on the pod's readiness probes report success (True) or failure (False)."""
    pod = api.store.get("pods", namespace, pod_name)
    if pod is None:
        raise errors.not_found("pods", pod_name)
    kubelet: Kubelet = api.extensions[EXTENSION]
    kubelet.set_probe(api, pod, bool(ready))
    api.reconcile()
