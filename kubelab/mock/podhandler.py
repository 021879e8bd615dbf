"""The Pod handler: the API server's steps for Pods (kubelab.mock.pods has the rules), with
the spec half of a create remembered per distinct spec.

A ReplicaSet stamps every pod from one template, and the API server would decode,
default, admit, order and validate that same spec again for each of them. Those steps
depend on the spec alone, except for the ServiceAccount token volume's random name, so a
plan keeps the finished spec with a stand-in name, and each pod gets a fresh copy with
its own name written in (nothing mutable is shared between stored objects). Simulation
only: kube-apiserver redoes the work for every request. The pods come out exactly as the
long way makes them, with the random numbers drawn in the same order; a spec the plan
cannot vouch for (one that fails a step, or is not plain JSON) takes the long way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kubelab.mock import decode
from kubelab.mock.api import Finish, Handler
from kubelab.mock.field import FieldError
from kubelab.mock.memo import Remembered
from kubelab.mock.poddefaults import sorted_keys
from kubelab.mock.pods import (
    SA_VOLUME_PREFIX,
    admit,
    admit_toleration_seconds,
    default_pod,
    is_mirror_pod,
    qos_class,
    validate_create_spec,
    validate_pod_update,
)
from kubelab.mock.store import copy_object

if TYPE_CHECKING:
    from kubelab.mock.api import ApiServer

Object = dict[str, Any]

_STAND_IN = "plan0"  # a token volume suffix only plans use (real ones have no vowels or 0)


def _noop(success: bool) -> None:
    return None


Path = tuple[Any, ...]  # keys and list indexes, from the spec down


@dataclass(frozen=True)
class SpecPlan:
    finished: Object  # the spec the long way makes, its token volume named with _STAND_IN
    token_places: tuple[Path, ...]  # where that name is written
    qos: str  # status.qosClass

    def spec(self, token_suffix: str) -> Object:
        """A fresh copy of the finished spec, the token volume (if admission added one)
        named with this suffix. Strings are shared, as between any copies."""
        spec = copy_object(self.finished)
        for path in self.token_places:
            node = spec
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = SA_VOLUME_PREFIX + token_suffix
        return spec


def plan_spec(received: Any) -> SpecPlan | None:
    """The spec half of a create (decode, defaults, admission, order, validation) as a plan,
    or None if the spec must take the long way: it is not plain JSON, fails a step, or
    names a token volume (which could collide with the pod's own)."""
    if type(received) is not dict or not _plain(received):
        return None
    if SA_VOLUME_PREFIX in json.dumps(received):
        return None
    pod: Object = {"apiVersion": "v1", "kind": "Pod", "metadata": {},
                   "spec": copy_object(received)}
    try:
        decode.check(pod, "Pod", "v1")
        default_pod(pod)
        spec = pod["spec"]
        admit(spec, _STAND_IN)
        spec = sorted_keys(spec)
        if validate_create_spec(spec):
            return None
    except Exception:  # a decoder's 400, or odd data: it fails again the long way, in place
        return None
    places = tuple(_places_of(spec, SA_VOLUME_PREFIX + _STAND_IN, ()))
    return SpecPlan(spec, places, qos_class(spec))


_JSON_LEAVES = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    """Made of JSON's own types only (no subclass, tuple or key that is not a string)."""
    kind = type(value)
    if kind is dict:
        return all(type(key) is str and _plain(item) for key, item in value.items())
    if kind is list:
        return all(_plain(item) for item in value)
    return kind in _JSON_LEAVES


def _places_of(value: Any, text: str, path: Path) -> list[Path]:
    if type(value) is dict:
        return [p for key, item in value.items() for p in _places_of(item, text, (*path, key))]
    if type(value) is list:
        return [p for i, item in enumerate(value) for p in _places_of(item, text, (*path, i))]
    return [path] if value == text else []


class PodHandler(Handler):
    """Pods track their generation: the strategy sets 1 on create and adds 1 per spec change.

    A spec seen before (every pod of a ReplicaSet has its template's) is not decoded,
    defaulted, admitted and validated again: its plan has the outcome, and only the
    metadata goes the whole way."""

    tracks_generation = True

    def __init__(self, api: ApiServer) -> None:
        self.api = api
        self.plans = Remembered(plan_spec)
        # The create in progress whose spec a plan stands for, and that plan.
        self._planned: tuple[Object, SpecPlan] | None = None

    def _plan_of(self, obj: Object) -> SpecPlan | None:
        planned = self._planned
        return planned[1] if planned is not None and planned[0] is obj else None

    def default(self, obj: Object) -> None:
        default_pod(obj)

    def copy_body(self, obj: Object) -> Object:
        """A spec with a plan is left out of the copy: the plan makes a fresh one."""
        self._planned = None
        plan = self.plans(obj.get("spec"))
        if plan is None:
            return super().copy_body(obj)
        copied = {key: value if key == "spec" else copy_object(value) for key, value in obj.items()}
        # Until begin_create replaces it, "spec" is the caller's, only read. No other create
        # comes in between: nothing before begin_create writes to the store.
        self._planned = (copied, plan)
        return copied

    def decode_create(self, obj: Object, kind: str, version: str) -> None:
        if self._plan_of(obj) is not None:
            decode.check_metadata(obj, kind, version)  # the plan vouches for the rest
            if not is_mirror_pod(obj):
                return
            self._planned = None  # a mirror pod skips ServiceAccount admission: no plan
            obj["spec"] = copy_object(obj["spec"])
        super().decode_create(obj, kind, version)

    def begin_create(self, obj: Object) -> Finish:
        plan = self._plan_of(obj)
        if plan is not None:
            obj["spec"] = plan.spec(self.api.random_suffix())
            return _noop
        admit(obj["spec"], None if is_mirror_pod(obj) else self.api.random_suffix())
        return _noop

    def prepare_create(self, obj: Object) -> None:
        plan = self._plan_of(obj)
        if plan is None:
            obj["spec"] = sorted_keys(obj["spec"])
        obj["status"] = {"phase": "Pending",
                         "qosClass": plan.qos if plan is not None else qos_class(obj["spec"])}

    def validate_create(self, obj: Object) -> list[FieldError]:
        plan = self._plan_of(obj)
        self._planned = None
        if plan is not None:
            return []  # plans are made of valid specs only
        return validate_create_spec(obj.get("spec") or {})

    def prepare_update(self, new: Object, old: Object) -> None:
        """Admission on update (Priority keeps the old priority, DefaultTolerationSeconds
        adds its tolerations), then the strategy (status stays)."""
        super().prepare_update(new, old)
        spec, old_spec = new.setdefault("spec", {}), old.get("spec") or {}
        for key in ("priority", "preemptionPolicy"):
            if spec.get(key) is None and old_spec.get(key) is not None:
                spec[key] = old_spec[key]
        admit_toleration_seconds(spec)

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        return validate_pod_update(new, old)

    def graceful(self, obj: Object) -> float | None:
        """CheckGracefulDelete: the pod's grace period; at once if unscheduled or finished."""
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
            return None
        period = spec.get("terminationGracePeriodSeconds")
        if period is None:
            return None
        return float(max(period, 1)) if period != 0 else None
