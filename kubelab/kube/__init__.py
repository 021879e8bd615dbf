"""The real backend: kind (the documented default) or any cluster named explicitly.

    lab = kubelab.connect("kind")                       # context kind-kubelab
    lab = kubelab.connect("kube", context="workshop")   # any context, named

The only package that imports `kubernetes`, and only when connect() asks for it, so
`import kubelab` stays fast (tests/test_packaging.py checks that).
"""

from __future__ import annotations

import getpass

from kubelab.kube import safety
from kubelab.kube.api import Api, Transport, ensure_namespace
from kubelab.kube.backend import KubeBackend
from kubelab.kube.client import (
    KubeConfig,
    cluster_name,
    kubeconfig_files,
    open_transport,
    read_kubeconfig,
)

__all__ = ["KubeBackend", "open_backend", "open_with"]


def open_backend(backend: str, *, context: str | None = None,
                 namespace: str | None = None) -> tuple[KubeBackend, str]:
    """The backend for a kubeconfig context and the lessons' namespace (made if missing)."""
    config = read_kubeconfig(kubeconfig_files())
    chosen = safety.choose_context(backend, context, config.contexts, config.current,
                                   config.where)
    transport = open_transport(chosen, config)
    return open_with(transport, backend, chosen, config, namespace)


def open_with(transport: Transport, backend: str, context: str, config: KubeConfig,
              namespace: str | None = None, user: str | None = None) -> tuple[KubeBackend, str]:
    """The same, over a given transport (tests pass a fake one)."""
    home = safety.home_namespace(backend, namespace, user if user is not None else _user())
    api = Api(transport)
    kube = KubeBackend(api, context=context, cluster=cluster_name(context, config),
                       probe_namespace=safety.probe_namespace(home))
    ensure_namespace(api, home)
    return kube, home


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "learner"
