"""The READY, STATUS and RESTARTS cells of a pod, reasoned out as printPod does it.

STATUS starts from the phase (or status.reason), is overridden by an init container that has
not finished ("Init:0/1"), then by a container's waiting or terminated reason
("ContainerCreating", "CrashLoopBackOff", "Completed"), and ends as "Terminating" once the pod
has a deletionTimestamp. Source: pkg/printers/internalversion/printers.go printPod.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kubelab.kubectl import _common as c
from kubelab.kubectl._timefmt import human_duration, parse_time

Dict = Mapping[str, Any]


class _Restarts:
    """A restart count and the latest time a container finished before restarting."""

    def __init__(self) -> None:
        self.count = 0
        self.last: datetime | None = None

    def add(self, container_status: Dict) -> None:
        self.count += int(container_status.get("restartCount", 0))
        finished = parse_time(
            ((container_status.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
        )
        if finished is not None and (self.last is None or finished > self.last):
            self.last = finished

    def text(self, now: datetime) -> str:
        if self.count and self.last is not None:
            return f"{self.count} ({human_duration(now - self.last)} ago)"
        return str(self.count)


def _exit_reason(terminated: Dict, prefix: str = "") -> str:
    if terminated.get("reason"):
        return prefix + str(terminated["reason"])
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _has_condition(status: Dict, kind: str) -> bool:
    return any(
        cond.get("type") == kind and cond.get("status") == "True"
        for cond in status.get("conditions") or []
    )


def _init_reason(
    spec: Dict, status: Dict, restarts: _Restarts, sidecars: _Restarts
) -> tuple[str | None, int]:
    """The Init:... reason of a pod still initializing (None if not), and ready sidecars."""
    init_specs = {ic.get("name"): ic for ic in spec.get("initContainers") or []}
    total = len(init_specs)
    ready = 0
    for index, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts.add(cs)
        sidecar = (init_specs.get(cs.get("name")) or {}).get("restartPolicy") == "Always"
        if sidecar:
            sidecars.add(cs)
        state = cs.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and terminated.get("exitCode", 0) == 0:
            continue
        if sidecar and cs.get("started"):
            ready += 1 if cs.get("ready") else 0
            continue
        if terminated is not None:
            return _exit_reason(terminated, "Init:"), ready
        if waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            return f"Init:{waiting['reason']}", ready
        return f"Init:{index}/{total}", ready
    return None, ready


def _container_reason(status: Dict, reason: str) -> tuple[str, int]:
    """Walk the containers from last to first: a waiting or terminated reason wins."""
    ready = 0
    running = False
    for cs in reversed(status.get("containerStatuses") or []):
        state = cs.get("state") or {}
        waiting, terminated = state.get("waiting"), state.get("terminated")
        if waiting is not None and waiting.get("reason"):
            reason = str(waiting["reason"])
        elif terminated is not None:
            reason = _exit_reason(terminated)
        elif cs.get("ready") and state.get("running") is not None:
            running = True
            ready += 1
    if reason == "Completed" and running:
        reason = "Running" if _has_condition(status, "Ready") else "NotReady"
    return reason, ready


def pod_ready_status_restarts(pod: Dict, now: datetime) -> tuple[str, str, str]:
    """The READY ("1/1"), STATUS and RESTARTS ("2 (5m ago)") cells of `kubectl get pods`."""
    spec, status, metadata = c.spec(pod), c.status(pod), c.meta(pod)
    init_specs = spec.get("initContainers") or []
    total = len(spec.get("containers") or []) + sum(
        1 for ic in init_specs if ic.get("restartPolicy") == "Always"
    )
    phase = str(status.get("phase", ""))
    reason = str(status.get("reason") or phase)
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    restarts, sidecars = _Restarts(), _Restarts()
    init_reason, ready = _init_reason(spec, status, restarts, sidecars)
    if init_reason is not None:
        reason = init_reason
    if init_reason is None or _has_condition(status, "Initialized"):
        restarts = sidecars  # only restartable init containers count once initialized
        for cs in status.get("containerStatuses") or []:
            restarts.add(cs)
        reason, ready_containers = _container_reason(status, reason)
        ready += ready_containers

    if metadata.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif metadata.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return f"{ready}/{total}", reason, restarts.text(now)
