"""The kubelets of the simulated nodes: run bound pods, probe readiness, finish deletions.

A pod bound to a node starts at once (images are always present): phase Running, a pod IP
from the node's range (or the node's IP with hostNetwork), containers running, the
conditions the kubelet writes (pkg/kubelet/status/generate.go, kubelet_pods.go
generateAPIPodStatus), container statuses sorted by name (SortedContainerStatuses).

Readiness (pkg/kubelet/prober/worker.go): a container without a readinessProbe is ready
once running. With one, probes run at start + k*periodSeconds; results before
initialDelaySeconds do not count; successThreshold successes in a row make it ready and
failureThreshold failures in a row make it unready. What the probe reports is decided by
`set_probe_result` (by default it succeeds). A pod with no readinessProbe at all follows
`set_probe_result` at once, since it has no probe timing to follow. A result set before
the pod runs applies from its start.

Deletion: a pod with deletionTimestamp keeps running and keeps its readiness (probes go on
during termination: kubernetes/website#49476) until the grace period ends; then it is
removed and its IP released. A terminating pod that never reached a node goes at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from kubelab.kinds import resource_for
from kubelab.mock import controller_utils as cu
from kubelab.mock import kindnode
from kubelab.mock.hostlocal import HostLocal, RangeFullError
from kubelab.mock.pods import qos_class
from kubelab.mock.store import Object
from kubelab.mock.timers import Timers

EXTENSION = "kubelab.kubelet"
_PODS = resource_for("pods")


@dataclass
class Probe:
    delay: int
    period: int
    success: int
    failure: int
    ready: bool = False


@dataclass
class PodRun:
    """What one kubelet remembers of a pod it started."""

    uid: str
    node: str
    ip: str
    start: float
    container_ids: dict[str, str]
    probes: dict[str, Probe]
    desired: bool = True  # what the readiness probes report
    since: float = 0.0  # when `desired` last changed
    overridden: bool = False  # set_probe_result was called
    ready_plain: bool = True  # containers without a probe (and no probe in the pod at all)
    wake_at: float | None = None  # the probe change a timer is already set for

    def advance(self, now: float) -> float | None:
        """Bring every probe up to `now`; return when the next change is due, if any."""
        next_change = None
        for probe in self.probes.values():
            if probe.ready == self.desired:
                continue
            needed = probe.success if self.desired else probe.failure
            first = max(math.ceil(probe.delay / probe.period),
                        math.ceil(max(self.since - self.start, 0) / probe.period - 1e-9))
            flip = self.start + (first + needed - 1) * probe.period
            if flip <= now:
                probe.ready = self.desired
            else:
                next_change = flip if next_change is None else min(next_change, flip)
        if not self.probes and self.overridden:
            self.ready_plain = self.desired
        return next_change

    def container_ready(self, name: str) -> bool:
        probe = self.probes.get(name)
        return probe.ready if probe is not None else self.ready_plain


class Kubelet:
    """All the nodes' kubelets in one controller (each pod is handled by its node's)."""

    def __init__(self) -> None:
        self.dirty: set[cu.Key] = set()
        self.runs: dict[cu.Key, PodRun] = {}
        self.waiting: dict[str, set[cu.Key]] = {}  # node not (yet) there -> pods bound to it
        self.ipam: dict[str, HostLocal] = {}
        self.removal: dict[cu.Key, float] = {}
        self.early: dict[cu.Key, tuple[str, bool]] = {}  # probe results set before the start
        self.timers = Timers()
        self._writing: cu.Key | None = None

    # -- events -----------------------------------------------------------------------

    def observe(self, plural: str, event: str, obj: Object) -> None:
        if plural == "pods":
            key = cu.key_of(obj)
            if event == "DELETED":
                self._forget(key)
            elif key != self._writing and (obj["spec"].get("nodeName") or cu.is_terminating(obj)):
                self.dirty.add(key)
        elif plural == "nodes" and event != "DELETED":
            self.dirty.update(self.waiting.pop(obj["metadata"]["name"], ()))

    def _forget(self, key: cu.Key) -> None:
        self.dirty.discard(key)
        self.early.pop(key, None)
        self.removal.pop(key, None)
        run = self.runs.pop(key, None)
        if run is not None and run.node in self.ipam:
            self.ipam[run.node].release(run.ip)

    # -- reconcile -----------------------------------------------------------------------

    def sync(self, api: Any) -> bool:
        cu.wake_due(self.timers, api.clock.seconds, self.dirty)
        return cu.sync_each(self.dirty, lambda key: self._sync_pod(api, key))

    def next_deadline(self, api: Any) -> float | None:
        return self.timers.next()

    def _sync_pod(self, api: Any, key: cu.Key) -> bool:
        pod = api.store.get("pods", *key)
        if pod is None:
            return False
        node_name = pod["spec"].get("nodeName")
        if cu.is_terminating(pod) and self._finish_deletion(api, pod, key):
            return True
        if not node_name:
            return False
        node = api.store.get("nodes", "", node_name)
        if node is None:
            self.waiting.setdefault(node_name, set()).add(key)
            return False
        run = self.runs.get(key)
        if run is None or run.uid != cu.uid_of(pod):
            run = self._start(api, pod, node)
            if run is None:
                return False
        next_change = run.advance(api.clock.seconds)
        if next_change is not None and next_change != run.wake_at:
            run.wake_at = next_change
            self.timers.add(next_change, key)
        status = build_status(api, pod, run, _internal_ip(node))
        if status == pod.get("status"):
            return False
        self._writing = key
        try:
            cu.write_status(api, "pods", pod, status)
        finally:
            self._writing = None
        return True

    def _finish_deletion(self, api: Any, pod: Object, key: cu.Key) -> bool:
        """Remove the pod once its grace period is over (or at once if it never ran)."""
        deadline = cu.parse_time(api, pod["metadata"]["deletionTimestamp"])
        never_ran = key not in self.runs
        if never_ran or deadline <= api.clock.seconds:
            api.remove_object(_PODS, key[0], key[1])
            return True
        if self.removal.get(key) != deadline:
            self.removal[key] = deadline
            self.timers.add(deadline, key)
        return False

    def _start(self, api: Any, pod: Object, node: Object) -> PodRun | None:
        key = cu.key_of(pod)
        old = self.runs.pop(key, None)
        if old is not None and old.node in self.ipam:
            self.ipam[old.node].release(old.ip)
        node_name = node["metadata"]["name"]
        if pod["spec"].get("hostNetwork"):
            ip = _internal_ip(node)
        else:
            if node_name not in self.ipam:
                self.ipam[node_name] = HostLocal(node["spec"].get("podCIDR", "10.244.0.0/24"))
            try:
                ip = self.ipam[node_name].allocate()
            except RangeFullError:
                return None
        rng = api.rng("containers")
        containers = _all_containers(pod)
        now = api.clock.seconds
        run = PodRun(
            uid=cu.uid_of(pod), node=node_name, ip=ip, start=now,
            container_ids={c["name"]: f"{rng.getrandbits(256):064x}" for c in containers},
            probes={c["name"]: _probe(c["readinessProbe"]) for c in pod["spec"]["containers"]
                    if c.get("readinessProbe")},
            since=now,
        )
        early = self.early.pop(key, None)
        if early is not None and early[0] == run.uid:
            run.desired, run.overridden = early[1], True
        self.runs[key] = run
        return run

    # -- set_probe_result ------------------------------------------------------------------

    def set_probe(self, api: Any, pod: Object, ready: bool) -> None:
        key = cu.key_of(pod)
        run = self.runs.get(key)
        if run is None or run.uid != cu.uid_of(pod):
            self.early[key] = (cu.uid_of(pod), ready)  # applies once the pod starts
            return
        run.advance(api.clock.seconds)
        run.overridden = True
        if run.desired != ready:
            run.desired = ready
            run.since = api.clock.seconds
        self.dirty.add(key)


def _probe(spec: Object) -> Probe:
    return Probe(delay=int(spec.get("initialDelaySeconds") or 0),
                 period=max(int(spec.get("periodSeconds") or 10), 1),
                 success=max(int(spec.get("successThreshold") or 1), 1),
                 failure=max(int(spec.get("failureThreshold") or 3), 1))


def _all_containers(pod: Object) -> list[Object]:
    spec = pod["spec"]
    return list(spec.get("initContainers") or []) + list(spec.get("containers") or [])


def _internal_ip(node: Object) -> str:
    for address in (node.get("status") or {}).get("addresses") or ():
        if address.get("type") == "InternalIP":
            return str(address.get("address"))
    return ""


# -- the status a kubelet writes -----------------------------------------------------------


def build_status(api: Any, pod: Object, run: PodRun, host_ip: str) -> Object:
    now = api.clock.timestamp()
    started = api.clock.timestamp(run.start)
    generation = pod["metadata"].get("generation")
    old = pod.get("status") or {}
    old_conditions = {c.get("type"): c for c in old.get("conditions") or ()}
    containers = pod["spec"].get("containers") or []
    unready = [c["name"] for c in containers if not run.container_ready(c["name"])]

    def cond(kind: str, ok: bool, reason: str = "", message: str = "") -> Object:
        prev = old_conditions.get(kind)
        value = "True" if ok else "False"
        result: Object = {"lastProbeTime": None,
                          "lastTransitionTime": prev.get("lastTransitionTime") if prev and (
                              prev.get("status") == value) else now}
        if message:
            result["message"] = message
        if generation:
            result["observedGeneration"] = generation
        if reason:
            result["reason"] = reason
        result["status"] = value
        result["type"] = kind
        return result

    why = f"containers with unready status: [{' '.join(unready)}]" if unready else ""
    reason = "ContainersNotReady" if unready else ""
    status: Object = {}
    if generation:
        status["observedGeneration"] = generation
    status["phase"] = "Running"
    status["conditions"] = [
        cond("PodReadyToStartContainers", True),
        cond("Initialized", True),
        cond("Ready", not unready, reason, why),
        cond("ContainersReady", not unready, reason, why),
        cond("PodScheduled", True),
    ]
    status["hostIP"] = host_ip
    status["hostIPs"] = [{"ip": host_ip}]
    status["podIP"] = run.ip
    status["podIPs"] = [{"ip": run.ip}]
    status["startTime"] = started
    inits = pod["spec"].get("initContainers") or []
    if inits:
        status["initContainerStatuses"] = [
            _container_status(pod, c, run, started, init=True) for c in inits]
    status["containerStatuses"] = sorted(
        (_container_status(pod, c, run, started) for c in containers), key=lambda s: s["name"])
    status["qosClass"] = old.get("qosClass") or qos_class(pod["spec"])
    allocated, pod_resources = _pod_resources(containers)
    if allocated:
        status["allocatedResources"] = allocated
    status["resources"] = pod_resources
    return status


def _container_status(pod: Object, container: Object, run: PodRun, started: str,
                      init: bool = False) -> Object:
    name = container["name"]
    container_id = f"containerd://{run.container_ids.get(name, '')}"
    resources = container.get("resources") or {}
    status: Object = {}
    requests = resources.get("requests") or {}
    if requests:
        status["allocatedResources"] = dict(requests)
    status["containerID"] = container_id
    status["image"] = kindnode.normalize_image(container.get("image", ""))
    status["imageID"] = kindnode.image_id(container.get("image", ""))
    status["lastState"] = {}
    status["name"] = name
    sidecar = init and container.get("restartPolicy") == "Always"
    if init and not sidecar:
        status["ready"] = False
        status["resources"] = _resources(resources)
        status["restartCount"] = 0
        status["started"] = False
        status["state"] = {"terminated": {"containerID": container_id, "exitCode": 0,
                                          "finishedAt": started, "reason": "Completed",
                                          "startedAt": started}}
    else:
        status["ready"] = True if sidecar else run.container_ready(name)
        status["resources"] = _resources(resources)
        status["restartCount"] = 0
        status["started"] = True
        status["state"] = {"running": {"startedAt": started}}
    status["user"] = {"linux": _linux_user(pod, container)}
    mounts = [_mount_status(m) for m in container.get("volumeMounts") or ()]
    if mounts:
        status["volumeMounts"] = mounts
    return status


def _resources(resources: Object) -> Object:
    return {k: dict(resources[k]) for k in ("limits", "requests") if resources.get(k)}


def _mount_status(mount: Object) -> Object:
    status: Object = {"mountPath": mount.get("mountPath"), "name": mount.get("name")}
    if mount.get("readOnly"):
        status["readOnly"] = True
        status["recursiveReadOnly"] = "Enabled" if mount.get("recursiveReadOnly") == (
            "Enabled") else "Disabled"
    return status


def _linux_user(pod: Object, container: Object) -> Object:
    pod_context = pod["spec"].get("securityContext") or {}
    context = container.get("securityContext") or {}
    uid = int(context.get("runAsUser", pod_context.get("runAsUser", 0)))
    gid = int(context.get("runAsGroup", pod_context.get("runAsGroup", 0)))
    groups = {gid, *(int(g) for g in pod_context.get("supplementalGroups") or ())}
    if "fsGroup" in pod_context:
        groups.add(int(pod_context["fsGroup"]))
    return {"gid": gid, "supplementalGroups": sorted(groups), "uid": uid}


def _pod_resources(containers: list[Object]) -> tuple[Object, Object]:
    """Pod-level allocatedResources (summed requests) and resources, as v1.37's kubelet
    reports them (observed: requests cpu 10m + memory 16Mi show resources.requests.memory)."""
    cpu, memory = cu.container_requests(containers)
    allocated: Object = {}
    if cpu:
        allocated["cpu"] = f"{cpu}m" if cpu % 1000 else str(cpu // 1000)
    if memory:
        allocated["memory"] = _memory_text(containers, memory)
    resources: Object = {"requests": {"memory": allocated["memory"]}} if memory else {}
    return allocated, resources


def _memory_text(containers: list[Object], total: int) -> str:
    given = [((c.get("resources") or {}).get("requests") or {}).get("memory")
             for c in containers]
    given = [g for g in given if g is not None]
    if len(given) == 1:
        return str(given[0])
    for suffix, size in (("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024)):
        if total % size == 0:
            return f"{total // size}{suffix}"
    return str(total)

