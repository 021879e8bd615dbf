"""The ReplicaSet controller: keep `replicas` pods, claim and release by selector, report.

Source: pkg/controller/replicaset/replica_set.go (syncReplicaSet, manageReplicas,
getPodsToDelete, getPodsRankedByRelatedPodsOnSameNode), replica_set_utils.go
(calculateStatus; terminatingReplicas since the DeploymentReplicaSetTerminatingReplicas
gate went beta-on in 1.35), pkg/controller/controller_utils.go (GetPodFromTemplate,
ActivePodsWithRanks, getPodsPrefix), controller_ref_manager.go (ClaimPods).
"""

from __future__ import annotations

import functools
import math
from typing import Any

from kubelab import errors, selectors
from kubelab.kinds import resource_for
from kubelab.mock import controller_utils as cu
from kubelab.mock.store import Object
from kubelab.mock.timers import Timers

BURST_REPLICAS = 500  # replicaset.BurstReplicas: at most this many creates/deletes per sync
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}
_PODS = resource_for("pods")


class ReplicaSetController:
    """Incremental: pod and ReplicaSet events mark ReplicaSets dirty; sync visits only those."""

    def __init__(self) -> None:
        self.dirty: set[cu.Key] = set()
        self.rs_by_uid: dict[str, cu.Key] = {}
        self.pods = cu.OwnerIndex()  # controller uid -> pod names
        self.orphans: dict[str, set[str]] = {}  # namespace -> pods without a controller
        self.rs_in_ns: dict[str, set[str]] = {}
        self.orphan_checks: list[tuple[str, dict[str, str]]] = []
        self.timers = Timers()
        self.wake_at: dict[cu.Key, set[float]] = {}  # minReadySeconds timers already set

    # -- events -----------------------------------------------------------------------

    def observe(self, plural: str, event: str, obj: Object) -> None:
        if plural == "pods":
            self._observe_pod(event, obj)
        elif plural == "replicasets":
            key = cu.key_of(obj)
            if event == "DELETED":
                self.rs_by_uid.pop(cu.uid_of(obj), None)
                self.rs_in_ns.get(key[0], set()).discard(key[1])
                self.dirty.discard(key)
                return
            self.rs_by_uid[cu.uid_of(obj)] = key
            self.rs_in_ns.setdefault(key[0], set()).add(key[1])
            self.dirty.add(key)

    def _observe_pod(self, event: str, pod: Object) -> None:
        key = cu.key_of(pod)
        old_owner = self.pods.forget(key)
        if old_owner is not None:
            self._mark(old_owner)
        self.orphans.get(key[0], set()).discard(key[1])
        if event == "DELETED":
            return
        ref = cu.controller_ref(pod)
        if ref is not None:
            owner = str(ref.get("uid", ""))
            self.pods.add(key, owner)
            self._mark(owner)
        elif cu.is_pod_active(pod):
            self.orphans.setdefault(key[0], set()).add(key[1])
            self._mark_selecting(key[0], pod)

    def _mark(self, owner_uid: str) -> None:
        rs_key = self.rs_by_uid.get(owner_uid)
        if rs_key is not None:
            self.dirty.add(rs_key)

    def _mark_selecting(self, namespace: str, pod: Object) -> None:
        """An orphan pod may be adopted by any ReplicaSet of its namespace that selects it."""
        self.orphan_checks.append((namespace, pod["metadata"].get("labels") or {}))

    # -- reconcile ---------------------------------------------------------------------

    def sync(self, api: Any) -> bool:
        self._resolve_orphan_checks(api)
        for key in cu.wake_due(self.timers, api.clock.seconds, self.dirty):
            self.wake_at.pop(key, None)
        return cu.sync_each(self.dirty, lambda key: self._sync_one(api, key))

    def next_deadline(self, api: Any) -> float | None:
        return self.timers.next()

    def _resolve_orphan_checks(self, api: Any) -> None:
        checks, self.orphan_checks = self.orphan_checks, []
        for namespace, labels in checks:
            for name in sorted(self.rs_in_ns.get(namespace, ())):
                rs = api.store.get("replicasets", namespace, name)
                if rs is not None and _selects(rs, labels):
                    self.dirty.add((namespace, name))

    def _sync_one(self, api: Any, key: cu.Key) -> bool:
        rs = api.store.get("replicasets", *key)
        if rs is None:
            return False
        wrote, owned = self._claim(api, rs)
        active = [p for p in owned if cu.is_pod_active(p)]
        terminating = [p for p in owned if cu.is_pod_terminating(p)]
        failure = None
        if not cu.is_terminating(rs):
            created, failure = self._manage(api, rs, active)
            wrote = wrote or created
        status = calculate_status(api, rs, active, terminating, failure)
        if status != rs.get("status"):
            cu.write_status(api, "replicasets", rs, status)
            wrote = True
        self._schedule_availability(api, rs, active)
        return wrote

    # -- claiming: adopt orphans that match, release pods that no longer match ----------

    def _owned(self, api: Any, rs: Object) -> list[Object]:
        namespace = rs["metadata"]["namespace"]
        pods = (api.store.get("pods", namespace, name)
                for name in sorted(self.pods.by_owner.get(cu.uid_of(rs), ())))
        return [p for p in pods if p is not None]

    def _claim(self, api: Any, rs: Object) -> tuple[bool, list[Object]]:
        selector = selectors.from_label_selector(rs["spec"].get("selector"))
        deleting = cu.is_terminating(rs)
        wrote = False
        claimed = []
        for pod in self._owned(api, rs):
            if selectors.matches(selector, pod["metadata"].get("labels")) or deleting:
                claimed.append(pod)
            elif cu.is_pod_active(pod):
                _set_owner(api, pod, None)  # ReleasePod
                wrote = True
        if not deleting:
            namespace = rs["metadata"]["namespace"]
            for name in sorted(self.orphans.get(namespace, ())):
                pod = api.store.get("pods", namespace, name)
                if pod is None or cu.controller_ref(pod) or not cu.is_pod_active(pod):
                    continue
                if selectors.matches(selector, pod["metadata"].get("labels")):
                    ref = cu.new_controller_ref(rs, "apps/v1", "ReplicaSet")
                    claimed.append(_set_owner(api, pod, ref))  # AdoptPod
                    wrote = True
        claimed.sort(key=lambda p: p["metadata"]["name"])
        return wrote, claimed

    # -- manageReplicas ------------------------------------------------------------------

    def _manage(self, api: Any, rs: Object, active: list[Object]) -> tuple[bool, str | None]:
        diff = len(active) - int(rs["spec"].get("replicas", 1))
        if diff < 0:
            return self._create_pods(api, rs, min(-diff, BURST_REPLICAS))
        if diff > 0:
            victims = pods_to_delete(api, active, self._related(api, rs),
                                     min(diff, BURST_REPLICAS))
            for pod in victims:
                try:
                    api.delete_object(_PODS, pod["metadata"]["name"], pod["metadata"]["namespace"])
                except errors.ApiError as err:
                    if err.code != 404:
                        return True, str(err)
            return bool(victims), None
        return False, None

    def _create_pods(self, api: Any, rs: Object, count: int) -> tuple[bool, str | None]:
        created = False
        for _ in range(count):
            try:
                api.create_object(pod_from_template(rs))
            except errors.ApiError as err:
                if "because it is being terminated" in str(err):
                    return created, None  # NamespaceTerminatingCause is not a failure
                return created, str(err)
            created = True
        return created, None

    def _related(self, api: Any, rs: Object) -> list[Object]:
        """getIndirectlyRelatedPods: the active pods of every ReplicaSet of the same owner."""
        ref = cu.controller_ref(rs)
        if ref is None:
            return self._owned(api, rs)
        namespace = rs["metadata"]["namespace"]
        related: list[Object] = []
        for name in sorted(self.rs_in_ns.get(namespace, ())):
            sibling = api.store.get("replicasets", namespace, name)
            sibling_ref = cu.controller_ref(sibling) if sibling else None
            if sibling is not None and sibling_ref and sibling_ref.get("uid") == ref.get("uid"):
                related.extend(self._owned(api, sibling))
        return related

    def _schedule_availability(self, api: Any, rs: Object, active: list[Object]) -> None:
        """minReadySeconds: come back when a ready pod turns available (AddAfter upstream)."""
        min_ready = int(rs["spec"].get("minReadySeconds") or 0)
        if min_ready <= 0:
            return
        now = api.clock.seconds
        key = cu.key_of(rs)
        for pod in active:
            since = cu.ready_since(pod, cu.parser(api))
            if since is not None and since + min_ready > now:
                at = since + min_ready
                if at not in self.wake_at.setdefault(key, set()):
                    self.wake_at[key].add(at)
                    self.timers.add(at, key)


def _selects(rs: Object, labels: dict[str, str]) -> bool:
    selector = selectors.from_label_selector(rs["spec"].get("selector"))
    return bool(selector) and selectors.matches(selector, labels)


def _set_owner(api: Any, pod: Object, ref: dict[str, Any] | None) -> Object:
    """AdoptPod / ReleasePod: a patch of metadata.ownerReferences only."""
    metadata = dict(pod["metadata"])
    refs = [r for r in metadata.get("ownerReferences") or () if not r.get("controller")]
    if ref is not None:
        refs.append(ref)
    if refs:
        metadata["ownerReferences"] = refs
    else:
        metadata.pop("ownerReferences", None)
    return api.update_object({**pod, "metadata": metadata})  # type: ignore[no-any-return]


def pod_prefix(controller_name: str) -> str:
    """getPodsPrefix: `<name>-`, unless that is not a valid generateName."""
    prefix = f"{controller_name}-"
    return prefix if len(prefix) <= 253 else controller_name


def pod_from_template(rs: Object) -> Object:
    """GetPodFromTemplate: labels, annotations and finalizers of the template, the owner."""
    template = rs["spec"].get("template") or {}
    template_meta = template.get("metadata") or {}
    metadata: Object = {"generateName": pod_prefix(rs["metadata"]["name"]),
                        "namespace": rs["metadata"]["namespace"]}
    for field in ("labels", "annotations", "finalizers"):
        if template_meta.get(field):
            metadata[field] = template_meta[field]
    metadata["ownerReferences"] = [cu.new_controller_ref(rs, "apps/v1", "ReplicaSet")]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": template.get("spec") or {}}


# -- which pods go first when scaling down ------------------------------------------------


def pods_to_delete(
    api: Any, active: list[Object], related: list[Object], count: int
) -> list[Object]:
    """getPodsToDelete: rank the active pods (ActivePodsWithRanks) and take the first ones."""
    if count >= len(active):
        return list(active)
    on_node: dict[str, int] = {}
    for pod in related:
        if cu.is_pod_active(pod):
            node = pod["spec"].get("nodeName", "")
            on_node[node] = on_node.get(node, 0) + 1
    now = api.clock.seconds
    ranked = [(pod, on_node.get(pod["spec"].get("nodeName", ""), 0)) for pod in active]
    compare = functools.partial(_less_to_cmp, now=now, parse=cu.parser(api))
    ranked.sort(key=functools.cmp_to_key(compare))
    return [pod for pod, _ in ranked[:count]]


def _less_to_cmp(a: tuple[Object, int], b: tuple[Object, int], now: float, parse: Any) -> int:
    if _less(a, b, now, parse):
        return -1
    if _less(b, a, now, parse):
        return 1
    return 0


def _less(a: tuple[Object, int], b: tuple[Object, int], now: float, parse: Any) -> bool:
    """ActivePodsWithRanks.Less: true when `a` should be deleted before `b`."""
    (pa, rank_a), (pb, rank_b) = a, b
    node_a, node_b = pa["spec"].get("nodeName", ""), pb["spec"].get("nodeName", "")
    if node_a != node_b and (not node_a or not node_b):
        return not node_a  # 1. unassigned < assigned
    phase_a = _PHASE_ORDINAL.get(cu.pod_phase(pa), 0)
    phase_b = _PHASE_ORDINAL.get(cu.pod_phase(pb), 0)
    if phase_a != phase_b:
        return phase_a < phase_b  # 2. Pending < Unknown < Running
    ready_a, ready_b = cu.is_pod_ready(pa), cu.is_pod_ready(pb)
    if ready_a != ready_b:
        return not ready_a  # 3. not ready < ready
    cost_a, cost_b = _deletion_cost(pa), _deletion_cost(pb)
    if cost_a != cost_b:
        return cost_a < cost_b  # 4. lower pod-deletion-cost first
    if rank_a != rank_b:
        return rank_a > rank_b  # 5. doubled up (more related pods on its node) first
    if ready_a and ready_b:
        since_a, since_b = cu.ready_since(pa, parse), cu.ready_since(pb, parse)
        if since_a != since_b and since_a is not None and since_b is not None:
            return _log_newer(pa, pb, since_a, since_b, now)  # 6. ready for less time first
    restarts_a, restarts_b = cu.max_restarts(pa), cu.max_restarts(pb)
    if restarts_a != restarts_b:
        return restarts_a > restarts_b  # 7. more restarts first
    created_a = parse(pa["metadata"]["creationTimestamp"])
    created_b = parse(pb["metadata"]["creationTimestamp"])
    if created_a != created_b:
        return _log_newer(pa, pb, created_a, created_b, now)  # 8. newer first
    return False


def _log_newer(pa: Object, pb: Object, t_a: float, t_b: float, now: float) -> bool:
    """LogarithmicScaleDown (GA): compare log2 of the ages in ns; the same bucket goes by UID."""
    diff = _log_rank(now - t_a) - _log_rank(now - t_b)
    if diff == 0:
        return cu.uid_of(pa) < cu.uid_of(pb)
    return diff < 0


def _log_rank(age_seconds: float) -> int:
    nanos = age_seconds * 1e9
    return int(math.log2(nanos)) if nanos > 0 else -1


def _deletion_cost(pod: Object) -> int:
    value = (pod["metadata"].get("annotations") or {}).get(DELETION_COST, "0")
    try:
        return int(value)
    except ValueError:
        return 0


# -- status --------------------------------------------------------------------------------


def calculate_status(
    api: Any, rs: Object, active: list[Object], terminating: list[Object], failure: str | None
) -> Object:
    """calculateStatus + updateReplicaSetStatus: counts, observedGeneration, ReplicaFailure."""
    template_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels")
    template_labels = template_labels or {}
    min_ready = int(rs["spec"].get("minReadySeconds") or 0)
    now = api.clock.seconds
    fully = ready = available = 0
    for pod in active:
        labels = pod["metadata"].get("labels") or {}
        if all(labels.get(k) == v for k, v in template_labels.items()):
            fully += 1
        if cu.is_pod_ready(pod):
            ready += 1
            if cu.is_pod_available(pod, min_ready, now, cu.parser(api)):
                available += 1
    old = rs.get("status") or {}
    conditions = [c for c in old.get("conditions") or () if c.get("type") != "ReplicaFailure"]
    old_failure = cu.condition(old, "ReplicaFailure")
    if failure is not None:
        if old_failure is not None:
            conditions.append(old_failure)  # SetCondition keeps an existing one
        else:
            diff = len(active) - int(rs["spec"].get("replicas", 1))
            reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
            conditions.append({"type": "ReplicaFailure", "status": "True",
                               "lastTransitionTime": api.clock.timestamp(),
                               "reason": reason, "message": failure})
    status: Object = {"replicas": len(active)}
    if fully:
        status["fullyLabeledReplicas"] = fully
    if ready:
        status["readyReplicas"] = ready
    if available:
        status["availableReplicas"] = available
    status["terminatingReplicas"] = len(terminating)
    generation = rs["metadata"].get("generation")
    if generation:
        status["observedGeneration"] = generation
    if conditions:
        status["conditions"] = conditions
    return status
