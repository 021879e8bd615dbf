"""Deleting a namespace: its content deleted, then the namespace is gone.

The registry's delete (clusterscoped.NamespaceHandler.begin_delete) marks the namespace
Terminating; this controller does the rest. Sources (kubernetes/kubernetes):
pkg/registry/core/namespace/storage/storage.go (Delete: deletionTimestamp and phase
Terminating while spec.finalizers holds "kubernetes"),
pkg/controller/namespace/deletion/namespaced_resources_deleter.go (delete every
namespaced resource, report what remains in conditions, then finalize)."""

from __future__ import annotations

from typing import Any

from kubelab import errors
from kubelab.kinds import RESOURCES, resource_for
from kubelab.mock import controller_utils as cu
from kubelab.mock.store import Object

_NAMESPACES = resource_for("namespaces")
_NAMESPACED = tuple(res for res in RESOURCES if res.namespaced)


class NamespaceController:
    def __init__(self) -> None:
        self.terminating: set[str] = set()
        self.dirty: set[str] = set()

    def observe(self, plural: str, event: str, obj: Object) -> None:
        if plural == "namespaces":
            name = obj["metadata"]["name"]
            if event == "DELETED":
                self.terminating.discard(name)
                self.dirty.discard(name)
            elif cu.is_terminating(obj):
                self.terminating.add(name)
                self.dirty.add(name)
        elif event == "DELETED" and self.terminating:
            namespace = obj["metadata"].get("namespace", "")
            if namespace in self.terminating:
                self.dirty.add(namespace)

    def sync(self, api: Any) -> bool:
        return cu.sync_each(self.dirty, lambda name: self._sync_one(api, name))

    def _sync_one(self, api: Any, name: str) -> bool:
        namespace = api.store.get("namespaces", "", name)
        return namespace is not None and cu.is_terminating(namespace) and (
            self._delete_content(api, namespace))

    def next_deadline(self, api: Any) -> float | None:
        return None

    def _delete_content(self, api: Any, namespace: Object) -> bool:
        name = namespace["metadata"]["name"]
        wrote = False
        remaining: dict[str, int] = {}
        for res in _NAMESPACED:
            for obj in list(api.store.items(res.plural, name)):
                if not cu.is_terminating(obj):
                    try:
                        api.delete_object(res, obj["metadata"]["name"], name)
                        wrote = True
                    except errors.ApiError as err:
                        if err.code != 404:
                            raise
            left = sum(1 for _ in api.store.items(res.plural, name))
            if left:
                remaining[f"{res.plural}.{res.group}"] = left
        if not remaining:
            api.remove_object(_NAMESPACES, "", name)  # finalize, then the registry deletes
            return True
        status = {**(namespace.get("status") or {}), "phase": "Terminating",
                  "conditions": _conditions(namespace, remaining, api.clock.timestamp())}
        if status != namespace.get("status"):
            cu.write_status(api, "namespaces", namespace, status)
            wrote = True
        return wrote


def _conditions(namespace: Object, remaining: dict[str, int], now: str) -> list[Object]:
    """The five deletion conditions the namespace controller keeps up to date."""
    left = ", ".join(sorted(f"{gr} has {n} resource instances" for gr, n in remaining.items()))
    wanted = [
        ("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered",
         "All resources successfully discovered"),
        ("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions",
         "All legacy kube types successfully parsed"),
        ("NamespaceDeletionContentFailure", "False", "ContentDeleted",
         "All content successfully deleted, may be waiting on finalization"),
        ("NamespaceContentRemaining", "True", "SomeResourcesRemain",
         f"Some resources are remaining: {left}"),
        ("NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers",
         "All content-preserving finalizers finished"),
    ]
    old = {c.get("type"): c for c in (namespace.get("status") or {}).get("conditions") or ()}
    result = []
    for kind, status, reason, message in wanted:
        prev = old.get(kind)
        since = prev["lastTransitionTime"] if prev and prev.get("status") == status else now
        result.append({"lastTransitionTime": since, "message": message, "reason": reason,
                       "status": status, "type": kind})
    return result
