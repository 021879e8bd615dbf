"""Patch and apply arithmetic on Kubernetes JSON: JSON merge patch, strategic merge, and
kubectl's client-side three-way apply. Pure functions; inputs are never modified.

Strategic merge uses the patchMergeKey of the lists a Services course touches
(k8s.io/api core/v1 types.go: containers and env by name, container ports by
containerPort, Service ports by port, volumes by name, volumeMounts by mountPath).
Any other list is replaced whole, as strategic merge does for lists without a key.
"""

from __future__ import annotations

import copy
from typing import Any

_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
}


def _merge_key(list_name: str, items: list[Any]) -> str | None:
    if list_name == "ports":
        elements = [item for item in items if isinstance(item, dict)]
        if elements and all("containerPort" in item for item in elements):
            return "containerPort"
        return "port"
    return _MERGE_KEYS.get(list_name)


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge, null deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    """A two-way strategic merge: like a merge patch, but keyed lists merge item by item."""
    return three_way_merge(target, patch, {})


def three_way_merge(live: Any, desired: Any, last_applied: Any) -> Any:
    """kubectl apply: the desired manifest wins, fields it dropped since the last apply are
    removed, and fields only the server or others set (clusterIP, nodePort...) are kept."""
    if not isinstance(desired, dict) or not isinstance(live, dict):
        return copy.deepcopy(desired)
    last = last_applied if isinstance(last_applied, dict) else {}
    result = copy.deepcopy(live)
    for key in last:
        if key not in desired:
            result.pop(key, None)
    for key, want in desired.items():
        if want is None:
            result.pop(key, None)
        elif isinstance(want, list) and isinstance(live.get(key), list):
            result[key] = _merge_list(key, live[key], want, last.get(key))
        else:
            result[key] = three_way_merge(live.get(key), want, last.get(key))
    return result


def _merge_list(name: str, live: list[Any], desired: list[Any], last: Any) -> list[Any]:
    key = _merge_key(name, desired + live)
    if key is None or not all(isinstance(item, dict) and key in item for item in desired):
        return copy.deepcopy(desired)
    live_by_key = {item.get(key): item for item in live if isinstance(item, dict)}
    last_by_key = {item.get(key): item for item in (last or []) if isinstance(item, dict)}
    merged = [
        three_way_merge(live_by_key.get(item[key], {}), item, last_by_key.get(item[key], {}))
        for item in desired
    ]
    wanted = {item[key] for item in desired}
    for item in live:
        item_key = item.get(key) if isinstance(item, dict) else None
        if item_key not in wanted and item_key not in last_by_key:
            merged.append(copy.deepcopy(item))
    return merged
