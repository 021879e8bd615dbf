"""What kubelab may touch on a real cluster: its own namespaces and objects, nothing else.

The rules (DESIGN.md, "Safety on a real cluster"):

- Contexts: `connect("kind")` uses the kind context `kind-kubelab` (or another `kind-*`
  context named explicitly); `connect("kube")` takes the current context only when it is a
  kind one; any other cluster must be named: `connect("kube", context="...")`.
- Reads go anywhere the kubeconfig's credentials allow (a lesson shows kube-dns in
  kube-system and the `kubernetes` Service in default).
- Writes (create, replace, patch, delete, set_ready) go only into namespaces labelled
  `app.kubernetes.io/managed-by: kubelab`. Inside them, kubelab changes an object only if
  it carries that label or was made by a controller for one (it has ownerReferences: the
  pods of a Deployment, the EndpointSlices of a Service).
- Cluster-scoped writes: creating a Namespace (labelled), and changing or deleting a
  Namespace that carries the label. Nodes and the rest are read-only.

Everything here is pure: the backend fetches the objects and asks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kubelab.errors import SetupError, UsageError

MANAGED_BY_KEY = "app.kubernetes.io/managed-by"
MANAGED_BY = "kubelab"
KIND_CLUSTER = "kubelab"
KIND_CONTEXT = f"kind-{KIND_CLUSTER}"
KIND_NAMESPACE = "kubelab"  # the lessons' namespace on the kind cluster

Object = dict[str, Any]


class RefusedError(UsageError):
    """kubelab will not change this object: it is not kubelab's. The message says why."""


# -- contexts ----------------------------------------------------------------------------


def is_kind_context(name: str) -> bool:
    return name.startswith("kind-")


def choose_context(
    backend: str, requested: str | None, contexts: Mapping[str, object], current: str | None,
    where: str = "your kubeconfig",
) -> str:
    """The context to use, or a SetupError that names the fix."""
    if backend == "kind":
        context = requested or KIND_CONTEXT
        if not is_kind_context(context):
            raise SetupError(
                f'connect("kind") uses kind contexts (kind-<cluster>), not "{context}"; '
                f'for another cluster name it: connect("kube", context="{context}")'
            )
        _must_exist(context, contexts, where, fix="create it with `kubelab up`")
        return context
    if requested:
        _must_exist(requested, contexts, where, fix="see `kubectl config get-contexts`")
        return requested
    if not current:
        raise SetupError(
            f"{where} has no current context: name one, connect(\"kube\", context=...), "
            "or use connect(\"kind\") after `kubelab up`"
        )
    if not is_kind_context(current):
        raise SetupError(
            f'the current context "{current}" is not a kind cluster, and kubelab uses '
            f'another cluster only when you name it: connect("kube", context="{current}")'
        )
    _must_exist(current, contexts, where, fix="see `kubectl config get-contexts`")
    return current


def _must_exist(context: str, contexts: Mapping[str, object], where: str, fix: str) -> None:
    if context not in contexts:
        known = ", ".join(sorted(contexts)) or "none"
        raise SetupError(f'no context "{context}" in {where} (contexts: {known}): {fix}')


# -- namespaces --------------------------------------------------------------------------

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def home_namespace(backend: str, namespace: str | None, user: str) -> str:
    """The lessons' namespace: given, or `kubelab` on kind, `kubelab-<user>` elsewhere
    (so a class of learners can share one cluster)."""
    if namespace:
        name = namespace
    elif backend == "kind":
        name = KIND_NAMESPACE
    else:
        slug = re.sub(r"[^a-z0-9-]+", "-", user.lower()).strip("-") or "learner"
        name = f"{KIND_NAMESPACE}-{slug}"[:63].rstrip("-")
    if not _DNS_LABEL.match(name) or len(name) > 63:
        raise UsageError(f'"{name}" is not a namespace name (lowercase letters, digits, "-")')
    return name


def probe_namespace(home: str) -> str:
    """Where the probe pods live: beside the lessons' namespace, never inside it, so
    `lab.get("pods")` shows only the lesson's pods (as on the simulation)."""
    return f"{home}-probes"[:63].rstrip("-")


def managed_labels(obj: Object) -> dict[str, str]:
    return dict(((obj.get("metadata") or {}).get("labels")) or {})


def is_managed(obj: Object) -> bool:
    return managed_labels(obj).get(MANAGED_BY_KEY) == MANAGED_BY


def namespace_manifest(name: str) -> Object:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {MANAGED_BY_KEY: MANAGED_BY}}}


def check_home_namespace(ns: Object) -> None:
    """connect() found the namespace already there: it must be kubelab's."""
    if not is_managed(ns):
        name = ns["metadata"]["name"]
        raise SetupError(
            f'namespace "{name}" exists and kubelab did not create it (it has no label '
            f"{MANAGED_BY_KEY}={MANAGED_BY}); kubelab writes only in its own namespaces: "
            'pick a new name, e.g. connect(..., namespace="kubelab-yourname")'
        )


def check_namespace(ns: Object, verb: str) -> None:
    """A write into a namespace: only into one kubelab manages."""
    if not is_managed(ns):
        name = ns["metadata"]["name"]
        raise RefusedError(
            f'kubelab will not {verb} in namespace "{name}": it is not labelled '
            f"{MANAGED_BY_KEY}={MANAGED_BY}, so kubelab did not create it. Reads are fine; "
            "lessons write in kubelab's own namespace (lab.namespace)"
        )


def check_object(obj: Object, verb: str, qualified: str) -> None:
    """A change to an existing object: kubelab's own, or made by a controller for one."""
    labels = managed_labels(obj)
    owner = labels.get(MANAGED_BY_KEY)
    owned = bool((obj.get("metadata") or {}).get("ownerReferences"))
    if owner == MANAGED_BY or (owner is None and owned):
        return
    meta = obj.get("metadata") or {}
    where = f' in namespace "{meta["namespace"]}"' if meta.get("namespace") else ""
    why = (f"it is managed by {owner!r}" if owner
           else f"it has no label {MANAGED_BY_KEY}={MANAGED_BY}")
    raise RefusedError(
        f'kubelab will not {verb} {qualified} "{meta.get("name", "")}"{where}: {why}, so '
        "kubelab did not create it. Change it with kubectl if you mean to"
    )


def check_cluster_write(kind: str, verb: str, name: str) -> None:
    """Cluster-scoped objects other than Namespaces are read-only for kubelab."""
    if kind != "Namespace":
        raise RefusedError(
            f'kubelab will not {verb} {kind} "{name}": on a real cluster it changes only '
            "namespaces it created and what is inside them"
        )
