"""The simulated etcd: objects by resource, namespace and name, with resourceVersions."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

Object = dict[str, Any]
Key = tuple[str, str]  # (namespace or "", name)
Listener = Callable[
    [str, str, Object], None
]  # (plural, event, obj)


T = TypeVar("T")
_IMMUTABLE = frozenset({str, int, float, bool, type(None)})


def copy_object(value: T) -> T:
    """A deep copy of JSON data, several times faster than copy.deepcopy. Shared
    sub-objects come out as separate copies, as they would through JSON; anything that is
    not JSON is copied by copy.deepcopy."""
    return cast(T, _copy(value))


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:  # leaves are kept without a call: most values are strings and numbers
        return {key: item if type(item) in _IMMUTABLE else _copy(item)
                for key, item in value.items()}
    if kind is list:
        return [item if type(item) in _IMMUTABLE else _copy(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


class Store:
    """Holds objects and hands out resourceVersions. Callers own copying."""

    def __init__(self) -> None:
        self._objects: dict[str, dict[Key, Object]] = {}
        self._revision = 0
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def get(self, plural: str, namespace: str, name: str) -> Object | None:
        bucket = self._objects.get(plural)
        return bucket.get((namespace, name)) if bucket is not None else None

    def items(self, plural: str, namespace: str | None = None) -> Iterator[Object]:
        """Objects of one resource, in (namespace, name) order; namespace None means all."""
        bucket = self._objects.get(plural, {})
        for key in sorted(bucket):
            if namespace is None or key[0] == namespace:
                yield bucket[key]

    def count(self, plural: str) -> int:
        return len(self._objects.get(plural, {}))

    def put(self, plural: str, obj: Object) -> Object:
        """Store (add or replace) an object under a new resourceVersion."""
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        bucket = self._objects.setdefault(plural, {})
        event = "MODIFIED" if key in bucket else "ADDED"
        self._revision += 1
        meta["resourceVersion"] = str(self._revision)
        bucket[key] = obj
        self._notify(plural, event, obj)
        return obj

    def remove(self, plural: str, namespace: str, name: str) -> Object | None:
        obj = self._objects.get(plural, {}).pop((namespace, name), None)
        if obj is not None:
            self._revision += 1
            self._notify(plural, "DELETED", obj)
        return obj

    @property
    def revision(self) -> int:
        return self._revision

    def _notify(self, plural: str, event: str, obj: Object) -> None:
        for listener in self._listeners:
            listener(plural, event, obj)
