"""kubelab: learn Kubernetes Services on a simulated cluster or a real kind cluster.

import kubelab
lab = kubelab.connect()            # the simulated cluster (seed 0)
lab.apply(manifest_yaml)
lab.get("svc")
"""

from __future__ import annotations

from kubelab.errors import ApiError, KubelabError, SetupError, UsageError
from kubelab.facade import Lab
from kubelab.version import KIND_VERSION, KUBERNETES_VERSION, __version__

__all__ = [
    "KIND_VERSION",
    "KUBERNETES_VERSION",
    "ApiError",
    "KubelabError",
    "Lab",
    "SetupError",
    "UsageError",
    "__version__",
    "connect",
]


def connect(
    backend: str = "mock",
    *,
    seed: int = 0,
    workers: int = 2,
    context: str | None = None,
    namespace: str = "default",
) -> Lab:
    """A cluster to learn on.

    connect() / connect("mock", seed=0): the simulated cluster, shaped like kind's default
    (one control plane, two workers). connect("kind"): the real kind cluster `kubelab`.
    connect("kube", context="..."): any cluster your kubeconfig reaches, named explicitly.
    """
    if backend == "mock":
        from kubelab.mock.backend import MockBackend

        return Lab(MockBackend(seed=seed, workers=workers), namespace=namespace)
    if backend in ("kind", "kube"):
        raise SetupError(
            f'connect("{backend}"): the real-cluster backend is not built yet in this version '
            "of kubelab; use connect() for the simulated cluster."
        )
    raise UsageError(f'unknown backend {backend!r}: use "mock", "kind" or "kube"')
