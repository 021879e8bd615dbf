"""What the simulated controllers share: owner references, pod predicates, cheap writes.

Upstream counterparts: pkg/controller/controller_utils.go (ComputeHash, FilterActivePods,
ActivePodsWithRanks), staging/src/k8s.io/apimachinery/pkg/util/rand (SafeEncodeString),
pkg/api/v1/pod/util.go (IsPodReady, IsPodAvailable).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from kubelab.mock.decode import parse_quantity
from kubelab.mock.store import Object
from kubelab.mock.timers import Timers

Key = tuple[str, str]  # (namespace, name)
Marked = TypeVar("Marked", str, tuple[Any, ...])  # what a work queue holds: sortable keys

TERMINAL_PHASES = ("Succeeded", "Failed")

# k8s.io/apimachinery/pkg/util/rand: the consonants and digits that never spell words.
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


# -- the work loop -----------------------------------------------------------------------


def sync_each(dirty: set[Marked], sync_one: Callable[[Marked], bool]) -> bool:
    """One pass of a controller's work queue: every marked key once, in sorted order (so
    runs repeat exactly), the marks cleared first so that this pass may mark keys for the
    next. True when any sync wrote."""
    if not dirty:
        return False
    keys = sorted(dirty)
    dirty.clear()
    wrote = False
    for key in keys:
        wrote = sync_one(key) or wrote
    return wrote


def wake_due(timers: Timers, now: float, dirty: set[Any]) -> list[Any]:
    """Mark the keys whose timed work has come (Timers.pop_due); returns them."""
    due = timers.pop_due(now)
    dirty.update(due)
    return due


def key_of(obj: Object) -> Key:
    metadata = obj["metadata"]
    return metadata.get("namespace", ""), metadata["name"]


def uid_of(obj: Object) -> str:
    return str(obj["metadata"].get("uid", ""))


def controller_ref(obj: Object) -> dict[str, Any] | None:
    """metav1.GetControllerOf: the owner reference that says controller: true."""
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return dict(ref)
    return None


class OwnerIndex:
    """Dependents by the uid of their controller (the informers' controllerRef index)."""

    def __init__(self) -> None:
        self.by_owner: dict[str, set[str]] = {}  # owner uid -> dependent names
        self.owner_of: dict[Key, str] = {}

    def add(self, key: Key, owner: str) -> None:
        self.owner_of[key] = owner
        self.by_owner.setdefault(owner, set()).add(key[1])

    def forget(self, key: Key) -> str | None:
        """Drop a dependent from the index; the uid of the owner it had, if any."""
        owner = self.owner_of.pop(key, None)
        if owner is not None:
            self.by_owner.get(owner, set()).discard(key[1])
        return owner


def new_controller_ref(owner: Object, api_version: str, kind: str) -> dict[str, Any]:
    """metav1.NewControllerRef: controller and blockOwnerDeletion both true."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


# -- pods -----------------------------------------------------------------------------


def is_terminating(obj: Object) -> bool:
    return "deletionTimestamp" in obj["metadata"]


def pod_phase(pod: Object) -> str:
    return str((pod.get("status") or {}).get("phase", ""))


def is_pod_active(pod: Object) -> bool:
    """controller.IsPodActive: not finished and not being deleted."""
    return pod_phase(pod) not in TERMINAL_PHASES and not is_terminating(pod)


def is_pod_terminating(pod: Object) -> bool:
    """controller.FilterTerminatingPods: being deleted and not finished."""
    return is_terminating(pod) and pod_phase(pod) not in TERMINAL_PHASES


def condition(status: Mapping[str, Any] | None, kind: str) -> dict[str, Any] | None:
    """A copy of the condition of that type, or None."""
    found = _condition(status, kind)
    return dict(found) if found is not None else None


def _condition(status: Mapping[str, Any] | None, kind: str) -> Mapping[str, Any] | None:
    """The condition itself (only to read: it may belong to a stored object)."""
    for cond in (status or {}).get("conditions") or ():
        if cond.get("type") == kind:
            return cond  # type: ignore[no-any-return]
    return None


def is_pod_ready(pod: Object) -> bool:
    ready = _condition(pod.get("status"), "Ready")
    return ready is not None and ready.get("status") == "True"


def ready_since(pod: Object, parse: Any) -> float | None:
    """When the pod's Ready condition last turned True, in simulated seconds."""
    ready = _condition(pod.get("status"), "Ready")
    if ready is None or ready.get("status") != "True" or not ready.get("lastTransitionTime"):
        return None
    return float(parse(ready["lastTransitionTime"]))


def is_pod_available(pod: Object, min_ready_seconds: int, now: float, parse: Any) -> bool:
    """podutil.IsPodAvailable. Deviation: available at exactly minReadySeconds (upstream: after)."""
    since = ready_since(pod, parse)
    if since is None:
        return False
    return min_ready_seconds == 0 or since + min_ready_seconds <= now


def max_restarts(pod: Object) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or ()
    return max((int(s.get("restartCount", 0)) for s in statuses), default=0)


def parse_time(api: Any, timestamp: str) -> float:
    """clock.parse, remembered per cluster (controllers parse the same few stamps often)."""
    cache: dict[str, float] = api.extensions.setdefault("kubelab.parsed-times", {})
    seconds = cache.get(timestamp)
    if seconds is None:
        seconds = cache[timestamp] = float(api.clock.parse(timestamp))
    return seconds


def parser(api: Any) -> Any:
    """A parse function for timestamps of this cluster, with the cache above."""
    return lambda timestamp: parse_time(api, timestamp)


# -- hashing ----------------------------------------------------------------------------


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: each byte mapped into the 27-letter alphabet."""
    return "".join(_SAFE_ALPHABET[ord(ch) % len(_SAFE_ALPHABET)] for ch in text)


def compute_hash(template: Any, collision_count: int | None = None) -> str:
    """controller.ComputeHash: a 32-bit hash of the template (and the collision count),
    printed in decimal and safely encoded.

    Go hashes its own dump of the struct with FNV-32a, so no value can match a real
    cluster's; the shape is the same (up to 10 characters from "45678bcdf9", e.g.
    "5d4f6b8c9"). blake2b cut to 32 bits keeps the spread and runs in C.
    """
    encoded = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        encoded += str(collision_count).encode()
    value = int.from_bytes(hashlib.blake2b(encoded, digest_size=4).digest(), "big")
    return safe_encode(str(value))


# -- cheap writes ---------------------------------------------------------------------


def write_status(
    api: Any, plural: str, stored: Object, status: Object, annotations: Object | None = None
) -> Object:
    """The status subresource, without deep copies: only status (and, for Deployments whose
    status strategy keeps them, annotations) change. Stored objects are never mutated, so the
    new version may share its spec with the old one.
    """
    current: Object | None = api.store.get(plural, stored["metadata"].get("namespace", ""),
                                           stored["metadata"]["name"])
    if current is None:
        return stored
    same_annotations = annotations is None or annotations == (
        current["metadata"].get("annotations") or {})
    if current.get("status") == status and same_annotations:
        return current  # etcd keeps the resourceVersion of a no-op write
    new = dict(current)
    new["metadata"] = dict(current["metadata"])
    if annotations is not None:
        new["metadata"]["annotations"] = annotations
    new["status"] = status
    written: Object = api.store.put(plural, new)
    return written


# -- quantities (requests, allocatable) ------------------------------------------------


def milli_cpu(value: Any) -> int:
    """Quantity.MilliValue: thousandths, rounded up."""
    return math.ceil(parse_quantity(value) * 1000)


def container_requests(containers: Iterable[Object]) -> tuple[int, int]:
    """Summed cpu (millicores) and memory (bytes) requests of containers."""
    cpu = memory = 0
    for container in containers:
        requests = (container.get("resources") or {}).get("requests") or {}
        if "cpu" in requests:
            cpu += milli_cpu(requests["cpu"])
        if "memory" in requests:
            memory += int(parse_quantity(requests["memory"]))
    return cpu, memory


def pod_requests(pod: Object) -> tuple[int, int]:
    """resource.PodRequests, without overhead: max(sum of containers, any init container)."""
    spec = pod.get("spec") or {}
    cpu, memory = container_requests(spec.get("containers") or ())
    for init in spec.get("initContainers") or ():
        init_cpu, init_memory = container_requests([init])
        cpu, memory = max(cpu, init_cpu), max(memory, init_memory)
    return cpu, memory
