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
    backend: str | None = None,
    *,
    seed: int = 0,
    workers: int = 2,
    context: str | None = None,
    namespace: str | None = None,
) -> Lab:
    """A cluster to learn on.

    connect() / connect("mock", seed=0): the simulated cluster, shaped like kind's default
    (one control plane, two workers). connect("kind"): the real kind cluster `kubelab`
    (`kubelab up` makes it), lessons in the namespace "kubelab". connect("kube",
    context="..."): any cluster your kubeconfig reaches, named explicitly, lessons in
    "kubelab-<your user name>". On a real cluster kubelab writes only in namespaces it
    created (labelled app.kubernetes.io/managed-by=kubelab).

    With no backend named, $KUBELAB_BACKEND decides (default "mock"), and
    $KUBELAB_CONTEXT gives the context: so CI runs the lessons on kind unchanged.
    """
    import os

    backend = backend or os.environ.get("KUBELAB_BACKEND") or "mock"
    if backend == "mock":
        from kubelab.mock.backend import MockBackend

        return Lab(MockBackend(seed=seed, workers=workers), namespace=namespace or "default")
    if backend in ("kind", "kube"):
        from kubelab.kube import open_backend

        real, home = open_backend(
            backend, context=context or os.environ.get("KUBELAB_CONTEXT") or None,
            namespace=namespace)
        return Lab(real, namespace=home)
    raise UsageError(f'unknown backend {backend!r}: use "mock", "kind" or "kube"')
