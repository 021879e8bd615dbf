"""kube-scheduler, as far as a lesson can see it: filters, a spreading choice, the binding.

Filters run in the default profile's order and a node fails at the first one that rejects
it (framework.RunFilterPlugins): NodeUnschedulable, TaintToleration, NodeAffinity,
NodeResourcesFit. The reason texts are the plugins' own; the message is FitError.Error()
with the PostFilter (DefaultPreemption) text appended.
Sources (kubernetes/kubernetes): pkg/scheduler/framework/types.go (FitError),
pkg/scheduler/framework/plugins/{nodeunschedulable,tainttoleration,nodeaffinity,
noderesources}, pkg/scheduler/framework/preemption/preemption.go,
pkg/registry/core/pod/storage/storage.go (assignPod: the binding).

Scoring is simplified to "fewest pods on the node, then the node's name": deterministic,
and it spreads a ReplicaSet over the workers as the real scoring plugins usually do.
"""

from __future__ import annotations

import bisect
from typing import Any

from kubelab.mock import controller_utils as cu
from kubelab.mock.decode import parse_quantity
from kubelab.mock.pods import qos_class
from kubelab.mock.store import Object

NO_NODES = "no nodes available to schedule pods"  # ErrNoNodesAvailable
UNSCHEDULABLE_NODE = "node(s) were unschedulable"
UNTOLERATED = "node(s) had untolerated taint(s)"
AFFINITY = "node(s) didn't match Pod's node affinity/selector"
TOO_MANY_PODS = "Too many pods"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
_UNRESOLVABLE = {UNSCHEDULABLE_NODE, UNTOLERATED, AFFINITY}
_UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


class Scheduler:
    """Pods without a node are queued; unschedulable ones wait for the cluster to change."""

    def __init__(self) -> None:
        self.queue: set[cu.Key] = set()
        self.unschedulable: dict[cu.Key, Object] = {}  # key -> the spec that failed
        self.usage: dict[str, dict[cu.Key, tuple[int, int]]] = {}  # node -> pod -> requests
        self.used: dict[str, list[int]] = {}  # node -> [cpu millicores, memory bytes]
        self.pod_node: dict[cu.Key, str] = {}
        self.nodes: list[Object] | None = None  # sorted by name; None: rebuild
        self.node_names: list[str] = []
        # The nodes in order of preference, (pods on it, name, index in nodes), kept up to
        # date as pods come and go so that scheduling a pod needs no sort.
        self.ranked: list[tuple[int, str, int]] = []
        self.rank_of: dict[str, tuple[int, str, int]] = {}
        self.allocatable: dict[str, tuple[float, float, float]] = {}  # pods, cpu (m), memory

    # -- events -----------------------------------------------------------------------

    def observe(self, plural: str, event: str, obj: Object) -> None:
        if plural == "nodes":
            self.nodes = None
            self._retry_all()
        elif plural == "pods":
            self._observe_pod(event, obj)

    def _observe_pod(self, event: str, pod: Object) -> None:
        key = cu.key_of(pod)
        node = pod["spec"].get("nodeName")
        if event == "DELETED" or (node and cu.pod_phase(pod) in cu.TERMINAL_PHASES):
            self.queue.discard(key)
            self.unschedulable.pop(key, None)
            if self._unassign(key):
                self._retry_all()  # capacity was freed
            return
        if node:
            self.queue.discard(key)
            self.unschedulable.pop(key, None)
            if self.pod_node.get(key) != node:
                self._unassign(key)
                self.pod_node[key] = node
                requests = cu.pod_requests(pod)
                self.usage.setdefault(node, {})[key] = requests
                used = self.used.setdefault(node, [0, 0])
                used[0] += requests[0]
                used[1] += requests[1]
                self._rerank(node)
            return
        if cu.is_terminating(pod) or pod["spec"].get("schedulerName", "default-scheduler") != (
            "default-scheduler"
        ):
            return
        failed_spec = self.unschedulable.get(key)
        if failed_spec is None or (failed_spec is not pod["spec"] and failed_spec != pod["spec"]):
            self.unschedulable.pop(key, None)
            self.queue.add(key)

    def _unassign(self, key: cu.Key) -> bool:
        node = self.pod_node.pop(key, None)
        if node is None:
            return False
        requests = self.usage.get(node, {}).pop(key, None)
        if requests is not None:
            used = self.used[node]
            used[0] -= requests[0]
            used[1] -= requests[1]
            self._rerank(node)
        return True

    def _rerank(self, node: str) -> None:
        old = self.rank_of.get(node)
        if old is None:
            return  # not a node of the current list (which is rebuilt when nodes change)
        new = (len(self.usage.get(node, ())), node, old[2])
        if new != old:
            del self.ranked[bisect.bisect_left(self.ranked, old)]
            bisect.insort(self.ranked, new)
            self.rank_of[node] = new

    def _retry_all(self) -> None:
        self.queue.update(self.unschedulable)
        self.unschedulable.clear()

    # -- scheduling -------------------------------------------------------------------

    def sync(self, api: Any) -> bool:
        if not self.queue:
            return False
        if self.nodes is None:
            self.nodes = list(api.store.items("nodes"))
            self.node_names = [node["metadata"]["name"] for node in self.nodes]
            self.allocatable = {n["metadata"]["name"]: _allocatable(n) for n in self.nodes}
            self.ranked = sorted((len(self.usage.get(name, ())), name, index)
                                 for index, name in enumerate(self.node_names))
            self.rank_of = {rank[1]: rank for rank in self.ranked}
        keys = sorted(self.queue)
        self.queue.clear()
        wrote = False
        for key in keys:
            pod = api.store.get("pods", *key)
            if pod is None or pod["spec"].get("nodeName") or cu.is_terminating(pod):
                continue
            wrote = self._schedule(api, pod) or wrote
        return wrote

    def next_deadline(self, api: Any) -> float | None:
        return None

    def _schedule(self, api: Any, pod: Object) -> bool:
        """Bind to the preferred feasible node: the first that passes the filters, in the
        order fewest pods, then name. Only when none fits are all reasons needed."""
        nodes = self.nodes or []
        requests = cu.pod_requests(pod)
        for _, name, index in self.ranked:
            if not self._filter(pod, nodes[index], requests):
                bind(api, pod, name)  # changes the ranking, so the loop ends here
                return True
        self.unschedulable[cu.key_of(pod)] = pod["spec"]
        message = fit_error(pod, [self._filter(pod, node, requests) for node in nodes])
        return mark_unschedulable(api, pod, message)

    def filter(self, pod: Object, node: Object) -> list[str]:
        """The reasons the first failing filter plugin gives; [] when the node fits."""
        return self._filter(pod, node, cu.pod_requests(pod))

    def _filter(self, pod: Object, node: Object, requests: tuple[int, int]) -> list[str]:
        if node["spec"].get("unschedulable") and not tolerates(pod, _UNSCHEDULABLE_TAINT):
            return [UNSCHEDULABLE_NODE]
        for taint in node["spec"].get("taints") or ():
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(pod, taint):
                return [UNTOLERATED]
        if not matches_node(pod, node):
            return [AFFINITY]
        return self._resources_fit(node, requests)

    def _resources_fit(self, node: Object, requests: tuple[int, int]) -> list[str]:
        """NodeResourcesFit (fitsRequest): pod count first, then cpu and memory."""
        name = node["metadata"]["name"]
        pods, cpu_total, memory_total = self.allocatable.get(name) or _allocatable(node)
        reasons = []
        if len(self.usage.get(name, ())) + 1 > pods:
            reasons.append(TOO_MANY_PODS)
        cpu, memory = requests
        if cpu == 0 and memory == 0:
            return reasons
        used_cpu, used_memory = self.used.get(name, (0, 0))
        if cpu and cpu > cpu_total - used_cpu:
            reasons.append("Insufficient cpu")
        if memory and memory > memory_total - used_memory:
            reasons.append("Insufficient memory")
        return reasons


def _allocatable(node: Object) -> tuple[float, float, float]:
    """status.allocatable as numbers: pods, millicores, bytes (absent: unlimited)."""
    allocatable = (node.get("status") or {}).get("allocatable") or {}
    unlimited = float("inf")
    pods = float(parse_quantity(allocatable["pods"])) if "pods" in allocatable else unlimited
    cpu = cu.milli_cpu(allocatable["cpu"]) if "cpu" in allocatable else unlimited
    memory = float(parse_quantity(allocatable["memory"])) if "memory" in allocatable else unlimited
    return pods, cpu, memory


# -- filters as pure functions --------------------------------------------------------------


def tolerates(pod: Object, taint: Object) -> bool:
    """Does any toleration of the pod tolerate the taint (v1.Toleration.ToleratesTaint)?"""
    return any(_tolerates(t, taint) for t in pod["spec"].get("tolerations") or ())


def _tolerates(toleration: Object, taint: Object) -> bool:
    effect = toleration.get("effect", "")
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key", "")
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and toleration.get("value", "") == taint.get("value", "")


def matches_node(pod: Object, node: Object) -> bool:
    """NodeAffinity's filter: spec.nodeSelector and the required node affinity terms."""
    labels = node["metadata"].get("labels") or {}
    for key, value in (pod["spec"].get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = (((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms")
    if not terms:
        return True
    return any(_term_matches(term, labels, node["metadata"]["name"]) for term in terms)


def _term_matches(term: Object, labels: dict[str, str], name: str) -> bool:
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False  # an empty term matches no objects
    field_values = {"metadata.name": name}
    return all(_requirement(e, labels) for e in expressions) and all(
        _requirement(f, field_values) for f in fields)


def _requirement(expr: Object, values: dict[str, str]) -> bool:
    key, operator = expr.get("key", ""), expr.get("operator")
    wanted = expr.get("values") or []
    present = key in values
    if operator == "In":
        return present and values[key] in wanted
    if operator == "NotIn":
        return not present or values[key] not in wanted
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and len(wanted) == 1:
        try:
            have, limit = int(values[key]), int(wanted[0])
        except ValueError:
            return False
        return have > limit if operator == "Gt" else have < limit
    return False


def fit_error(pod: Object, node_reasons: list[list[str]]) -> str:
    """FitError.Error() followed by DefaultPreemption's PostFilter message."""
    if not node_reasons:
        return NO_NODES
    total = len(node_reasons)
    message = f"0/{total} nodes are available: {_histogram(r for rs in node_reasons for r in rs)}."
    if pod["spec"].get("preemptionPolicy") == "Never":
        return f"{message} preemption: not eligible due to preemptionPolicy=Never."
    # Nodes rejected for a reason preemption cannot change are "not helpful"; the others
    # have no lower-priority victims here (every lesson pod has priority 0).
    preemption = [NOT_HELPFUL if set(rs) <= _UNRESOLVABLE else NO_VICTIMS for rs in node_reasons]
    return f"{message} preemption: 0/{total} nodes are available: {_histogram(preemption)}."


def _histogram(reasons: Any) -> str:
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return ", ".join(sorted(f"{count} {reason}" for reason, count in counts.items()))


# -- writes -------------------------------------------------------------------------------


def _pod_condition(pod: Object, status: str, now: str, reason: str = "",
                   message: str = "") -> Object:
    cond: Object = {"lastProbeTime": None, "lastTransitionTime": now}
    if message:
        cond["message"] = message
    generation = pod["metadata"].get("generation")
    if generation:
        cond["observedGeneration"] = generation
    if reason:
        cond["reason"] = reason
    cond["status"] = status
    cond["type"] = "PodScheduled"
    return cond


def _with_scheduled(pod: Object, cond: Object) -> Object:
    """podutil.UpdatePodCondition: replace PodScheduled, keeping its transition time when
    the status did not change."""
    status = dict(pod.get("status") or {})
    status.setdefault("phase", "Pending")
    conditions = list(status.get("conditions") or [])
    for i, old in enumerate(conditions):
        if old.get("type") == "PodScheduled":
            if old.get("status") == cond["status"]:
                cond = {**cond, "lastTransitionTime": old.get("lastTransitionTime")}
            conditions[i] = cond
            break
    else:
        conditions.append(cond)
    status["conditions"] = conditions
    if "qosClass" not in status:
        status["qosClass"] = qos_class(pod["spec"])
    return status


def bind(api: Any, pod: Object, node: str) -> Object:
    """The pods/binding subresource (assignPod): spec.nodeName and PodScheduled True."""
    new = dict(pod)
    new["metadata"] = dict(pod["metadata"])
    new["spec"] = {**pod["spec"], "nodeName": node}
    new["status"] = _with_scheduled(pod, _pod_condition(pod, "True", api.clock.timestamp()))
    return api.store.put("pods", new)  # type: ignore[no-any-return]


def mark_unschedulable(api: Any, pod: Object, message: str) -> bool:
    """The scheduler's status patch: PodScheduled False, reason Unschedulable, the message."""
    cond = _pod_condition(pod, "False", api.clock.timestamp(), "Unschedulable", message)
    status = _with_scheduled(pod, cond)
    if status == pod.get("status"):
        return False
    cu.write_status(api, "pods", pod, status)
    return True
