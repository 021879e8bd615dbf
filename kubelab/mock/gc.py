"""The garbage collector: dependents whose owners are gone are deleted (in the background).

Source: pkg/controller/garbagecollector/garbagecollector.go (attemptToDeleteItem): an
object whose owner references all point to absent owners is deleted; one that keeps a
live owner only loses the dangling references. Owners of kinds the simulation does not
store (a DaemonSet) are taken as present, as the real collector cannot prove otherwise.
"""

from __future__ import annotations

from typing import Any

from kubelab import errors
from kubelab.kinds import RESOURCES, resource_for
from kubelab.mock import controller_utils as cu
from kubelab.mock.store import Object

_KNOWN_KINDS = {(res.api_version, res.kind) for res in RESOURCES}
Item = tuple[str, cu.Key]  # (plural, (namespace, name))


def _known(ref: Object) -> bool:
    return (ref.get("apiVersion"), ref.get("kind")) in _KNOWN_KINDS


class GarbageCollector:
    def __init__(self) -> None:
        self.alive: set[str] = set()
        self.dependents: dict[str, set[Item]] = {}  # owner uid -> dependents
        self.dirty: set[Item] = set()
        # The ownerReferences list each dependent had when last indexed. Stored objects are
        # never changed in place, so an update that keeps that very list (a status write)
        # has nothing new to index: its owners were indexed, and an owner that goes away
        # queues its dependents then.
        self.indexed_refs: dict[Item, list[Object]] = {}

    def observe(self, plural: str, event: str, obj: Object) -> None:
        uid = cu.uid_of(obj)
        if event == "DELETED":
            self.alive.discard(uid)
            self.dirty.update(self.dependents.pop(uid, ()))
            self.indexed_refs.pop((plural, cu.key_of(obj)), None)
            return
        self.alive.add(uid)
        refs = obj["metadata"].get("ownerReferences")
        if not refs:
            return
        item = (plural, cu.key_of(obj))
        if event == "MODIFIED" and self.indexed_refs.get(item) is refs:
            return
        self.indexed_refs[item] = refs
        for ref in refs:
            if _known(ref):
                owner = str(ref.get("uid", ""))
                self.dependents.setdefault(owner, set()).add(item)
                if owner not in self.alive:
                    self.dirty.add(item)

    def sync(self, api: Any) -> bool:
        return cu.sync_each(self.dirty, lambda item: self._sync_one(api, item))

    def _sync_one(self, api: Any, item: Item) -> bool:
        plural, key = item
        obj = api.store.get(plural, *key)
        return obj is not None and self._collect(api, plural, obj)

    def next_deadline(self, api: Any) -> float | None:
        return None

    def _collect(self, api: Any, plural: str, obj: Object) -> bool:
        refs = obj["metadata"].get("ownerReferences") or []
        dangling = [r for r in refs if _known(r) and str(r.get("uid", "")) not in self.alive]
        if not dangling:
            return False
        res = resource_for(plural)
        if len(dangling) == len(refs):
            if cu.is_terminating(obj):
                return False
            try:
                api.delete_object(res, obj["metadata"]["name"], obj["metadata"].get("namespace"))
            except errors.ApiError as err:
                if err.code != 404:
                    raise
            return True
        kept = [r for r in refs if r not in dangling]
        api.update_object({**obj, "metadata": {**obj["metadata"], "ownerReferences": kept}})
        return True
