"""The Deployment controller: one ReplicaSet per pod template, rolled out and reported.

Source: pkg/controller/deployment/{deployment_controller,sync,rolling,recreate,progress}.go
(kubernetes/kubernetes). Not simulated: rollback via the deprecated rollbackTo annotation,
adopting orphan ReplicaSets, the pod replacement policy alpha field.
"""

from __future__ import annotations

from typing import Any

from kubelab import errors
from kubelab.kinds import resource_for
from kubelab.mock import controller_utils as cu
from kubelab.mock import deployment_util as du
from kubelab.mock.store import Object
from kubelab.mock.timers import Timers

_RS = resource_for("replicasets")


class DeploymentController:
    """Deployment and ReplicaSet events mark Deployments dirty; sync visits only those."""

    def __init__(self, pods_by_owner: dict[str, set[str]] | None = None) -> None:
        # The ReplicaSet controller's pod index (controller uid -> pod names), shared.
        self.pods_by_owner = pods_by_owner if pods_by_owner is not None else {}
        self.dirty: set[cu.Key] = set()
        self.by_uid: dict[str, cu.Key] = {}
        self.replica_sets_by_owner = cu.OwnerIndex()  # deployment uid -> ReplicaSet names
        self.timers = Timers()
        self.requeue_at: dict[cu.Key, float] = {}

    def observe(self, plural: str, event: str, obj: Object) -> None:
        if plural == "deployments":
            key = cu.key_of(obj)
            if event == "DELETED":
                self.by_uid.pop(cu.uid_of(obj), None)
                self.dirty.discard(key)
                self.requeue_at.pop(key, None)
            else:
                self.by_uid[cu.uid_of(obj)] = key
                self.dirty.add(key)
        elif plural == "replicasets":
            self._observe_rs(event, obj)
        elif plural == "pods" and event == "DELETED":
            # deletePod: a Recreate rollout waits for the old pods to be gone.
            ref = cu.controller_ref(obj)
            if ref and ref.get("kind") == "ReplicaSet":
                rs_key = (obj["metadata"].get("namespace", ""), str(ref.get("name")))
                self._mark(self.replica_sets_by_owner.owner_of.get(rs_key))

    def _observe_rs(self, event: str, rs: Object) -> None:
        key = cu.key_of(rs)
        old = self.replica_sets_by_owner.forget(key)
        if old is not None:
            self._mark(old)
        ref = cu.controller_ref(rs)
        if event != "DELETED" and ref and ref.get("kind") == "Deployment":
            owner = str(ref.get("uid"))
            self.replica_sets_by_owner.add(key, owner)
            self._mark(owner)

    def _mark(self, owner_uid: str | None) -> None:
        key = self.by_uid.get(owner_uid or "")
        if key is not None:
            self.dirty.add(key)

    def sync(self, api: Any) -> bool:
        cu.wake_due(self.timers, api.clock.seconds, self.dirty)
        return cu.sync_each(self.dirty, lambda key: self._sync_one(api, key))

    def _sync_one(self, api: Any, key: cu.Key) -> bool:
        d = api.store.get("deployments", *key)
        return d is not None and _Sync(api, self, d).run()

    def next_deadline(self, api: Any) -> float | None:
        return self.timers.next()

    def replica_sets(self, api: Any, d: Object) -> list[Object]:
        namespace = d["metadata"]["namespace"]
        found = (api.store.get("replicasets", namespace, name)
                 for name in sorted(self.replica_sets_by_owner.by_owner.get(cu.uid_of(d), ())))
        return du.by_creation([rs for rs in found if rs is not None])


class _Sync:
    """One syncDeployment pass. `d` is a private working copy of the Deployment."""

    def __init__(self, api: Any, controller: DeploymentController, stored: Object) -> None:
        self.api = api
        self.controller = controller
        self.d: Object = {**stored, "metadata": dict(stored["metadata"]),
                          "status": _status_copy(stored.get("status"))}
        self.d["metadata"]["annotations"] = dict(stored["metadata"].get("annotations") or {})
        self.wrote = False
        self.now = str(api.clock.timestamp())  # the clock stands still during a sync

    def run(self) -> bool:
        d = self.d
        if not (d["spec"].get("selector") or {}).get("matchLabels") and not (
            d["spec"].get("selector") or {}).get("matchExpressions"):
            return False  # "This deployment is selecting all pods": validation forbids it
        try:
            self._run(d)
        except _Requeue:
            self.controller.dirty.add(cu.key_of(d))  # a conflict: try again next round
            self.wrote = True
        return self.wrote

    def _run(self, d: Object) -> None:
        rs_list = self.controller.replica_sets(self.api, d)
        if cu.is_terminating(d):
            new_rs, old = self.all_replica_sets(rs_list, create=False)
            self.sync_status(old + _present(new_rs), new_rs)
        elif self.check_paused() or d["spec"].get("paused") or self.is_scaling_event(rs_list):
            self.scale_sync(rs_list)
        else:
            rs_list = self.controller.replica_sets(self.api, d)  # isScalingEvent may write
            if du.is_rolling(d):
                self.rollout_rolling(rs_list)
            else:
                self.rollout_recreate(rs_list)

    # -- writes ---------------------------------------------------------------------------

    def write_status(self) -> None:
        stored = self.api.store.get("deployments", self.d["metadata"]["namespace"],
                                    self.d["metadata"]["name"])
        if stored is None:
            return
        annotations = self.d["metadata"]["annotations"]
        if stored.get("status") == self.d["status"] and annotations == (
            stored["metadata"].get("annotations") or {}
        ):
            return
        cu.write_status(self.api, "deployments", stored, self.d["status"], annotations)
        self.wrote = True

    def update_rs(self, rs: Object, spec: Object | None = None,
                  annotations: dict[str, str] | None = None) -> Object:
        metadata = dict(rs["metadata"])
        if annotations is not None:
            metadata["annotations"] = annotations
        body = {**rs, "metadata": metadata, "spec": spec if spec is not None else rs["spec"]}
        self.wrote = True
        try:
            return self.api.update_object(body)  # type: ignore[no-any-return]
        except errors.ApiError as err:
            if err.code in (404, 409):
                raise _Requeue from err
            raise

    def scale_rs(self, rs: Object, new_scale: int, force: bool = False) -> tuple[bool, Object]:
        """scaleReplicaSetAndRecordEvent / scaleReplicaSet."""
        if not force and du.replicas(rs) == new_scale:
            return False, rs
        size_changed = du.replicas(rs) != new_scale
        wanted = du.replicas_annotations(self.d)
        current = rs["metadata"].get("annotations") or {}
        if not size_changed and all(current.get(k) == v for k, v in wanted.items()):
            return False, rs
        updated = self.update_rs(rs, {**rs["spec"], "replicas": new_scale},
                                 {**current, **wanted})
        return size_changed, updated

    # -- ReplicaSets of this Deployment ------------------------------------------------------

    def all_replica_sets(
        self, rs_list: list[Object], create: bool
    ) -> tuple[Object | None, list[Object]]:
        """getAllReplicaSetsAndSyncRevision: the new ReplicaSet (made if asked) and the old."""
        new_rs = du.find_new(self.d, rs_list)
        old = [rs for rs in rs_list if new_rs is None or rs is not new_rs]
        new_revision = du.max_revision(old) + 1
        if new_rs is not None:
            return self._sync_existing(new_rs, new_revision), old
        if not create:
            return None, old
        return self._create_new(old, new_revision), old

    def _sync_existing(self, rs: Object, new_revision: int) -> Object:
        annotations = du.new_rs_annotations(
            self.d, rs["metadata"].get("annotations") or {}, new_revision, exists=True)
        min_ready = self.d["spec"].get("minReadySeconds", 0) or 0
        if annotations != (rs["metadata"].get("annotations") or {}) or (
            (rs["spec"].get("minReadySeconds") or 0) != min_ready
        ):
            spec = {**rs["spec"]}
            if min_ready:
                spec["minReadySeconds"] = min_ready
            else:
                spec.pop("minReadySeconds", None)
            return self.update_rs(rs, spec, annotations)
        needs = self._set_revision(rs["metadata"].get("annotations", {}).get(du.REVISION, ""))
        progressing = cu.condition(self.d["status"], "Progressing")
        if du.has_progress_deadline(self.d) and progressing is None:
            du.set_condition(self.d["status"], du.new_condition(
                "Progressing", "True", du.FOUND_NEW_RS,
                f'Found new replica set "{rs["metadata"]["name"]}"', self.now))
            needs = True
        if needs:
            self.write_status()
        return rs

    def _set_revision(self, value: Any) -> bool:
        annotations = self.d["metadata"]["annotations"]
        if annotations.get(du.REVISION) == str(value):
            return False
        annotations[du.REVISION] = str(value)
        return True

    def _create_new(self, old: list[Object], new_revision: int) -> Object | None:
        d = self.d
        collisions = d["status"].get("collisionCount")
        # Shallow copies: create_object copies the whole ReplicaSet before storing it.
        template = dict(d["spec"].get("template") or {})
        template_hash = cu.compute_hash(template, collisions)
        template["metadata"] = dict(template.get("metadata") or {})
        template["metadata"]["labels"] = {**(template["metadata"].get("labels") or {}),
                                          du.HASH_LABEL: template_hash}
        selector = dict(d["spec"].get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}),
                                   du.HASH_LABEL: template_hash}
        spec: Object = {"replicas": 0}
        if d["spec"].get("minReadySeconds"):
            spec["minReadySeconds"] = d["spec"]["minReadySeconds"]
        spec["selector"] = selector
        spec["template"] = template
        rs: Object = {
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": du.rs_name(d["metadata"]["name"], template_hash),
                         "namespace": d["metadata"]["namespace"],
                         "labels": dict(template["metadata"]["labels"]),
                         "ownerReferences": [cu.new_controller_ref(d, "apps/v1", "Deployment")]},
            "spec": spec,
        }
        spec["replicas"] = du.new_rs_replicas(d, [*old, rs], rs)
        rs["metadata"]["annotations"] = du.new_rs_annotations(d, {}, new_revision, exists=False)
        try:
            created = self.api.create_object(rs)
        except errors.ApiError as err:
            self._create_failed(rs, err)
            return None
        self.wrote = True
        self._set_revision(new_revision)
        if du.has_progress_deadline(d):
            du.set_condition(d["status"], du.new_condition(
                "Progressing", "True", du.NEW_RS_CREATED,
                f'Created new replica set "{created["metadata"]["name"]}"', self.now))
        self.write_status()
        return created  # type: ignore[no-any-return]

    def _create_failed(self, rs: Object, err: errors.ApiError) -> None:
        if err.code == 409:
            existing = self.api.store.get("replicasets", rs["metadata"]["namespace"],
                                          rs["metadata"]["name"])
            ref = cu.controller_ref(existing) if existing else None
            if existing is None or not ref or ref.get("uid") != cu.uid_of(self.d) or not (
                du.equal_ignore_hash(existing["spec"].get("template"),
                                     self.d["spec"].get("template"))
            ):
                # A hash collision: try the next name on the next sync.
                self.d["status"]["collisionCount"] = self.d["status"].get("collisionCount", 0) + 1
                self.write_status()
                self.controller.dirty.add(cu.key_of(self.d))
            return
        if "because it is being terminated" in str(err):
            return
        if du.has_progress_deadline(self.d):
            du.set_condition(self.d["status"], du.new_condition(
                "Progressing", "False", du.FAILED_RS_CREATE,
                f'Failed to create new replica set "{rs["metadata"]["name"]}": {err}', self.now))
            self.write_status()
        return

    # -- scaling (sync) -------------------------------------------------------------------

    def check_paused(self) -> bool:
        """checkPausedConditions: Progressing Unknown while paused. Returns spec.paused."""
        d = self.d
        paused = bool(d["spec"].get("paused"))
        if not du.has_progress_deadline(d):
            return paused
        cond = cu.condition(d["status"], "Progressing")
        if cond is not None and cond.get("reason") == du.TIMED_OUT:
            return paused
        paused_cond = cond is not None and cond.get("reason") == du.PAUSED
        if paused and not paused_cond:
            du.set_condition(d["status"], du.new_condition(
                "Progressing", "Unknown", du.PAUSED, "Deployment is paused", self.now))
            self.write_status()
        elif not paused and paused_cond:
            du.set_condition(d["status"], du.new_condition(
                "Progressing", "Unknown", du.RESUMED, "Deployment is resumed", self.now))
            self.write_status()
        return paused

    def is_scaling_event(self, rs_list: list[Object]) -> bool:
        new_rs, old = self.all_replica_sets(rs_list, create=False)
        for rs in du.active(old + _present(new_rs)):
            desired = du.annotation_int(rs, du.DESIRED_REPLICAS)
            if desired is not None and desired != du.replicas(self.d):
                return True
        return False

    def scale_sync(self, rs_list: list[Object]) -> None:
        """sync: scale proportionally, clean up when paused, report."""
        new_rs, old = self.all_replica_sets(self.controller.replica_sets(self.api, self.d),
                                            create=False)
        self.scale(new_rs, old)
        if self.d["spec"].get("paused"):
            self.cleanup(old)
        self.sync_status(self._fresh(old + _present(new_rs)), new_rs)

    def scale(self, new_rs: Object | None, old: list[Object]) -> None:
        d = self.d
        latest = _active_or_latest(new_rs, old)
        if latest is not None:
            if du.replicas(latest) != du.replicas(d):
                self.scale_rs(latest, du.replicas(d))
            return
        if du.is_saturated(d, new_rs):
            for rs in du.active(old):
                self.scale_rs(rs, 0)
            return
        if not du.is_rolling(d):
            return
        rss = du.active(old + _present(new_rs))
        allowed = du.replicas(d) + du.max_surge(d) if du.replicas(d) > 0 else 0
        to_add = allowed - du.spec_total(rss)
        if to_add > 0:  # ReplicaSetsBySizeNewer
            rss.sort(key=lambda rs: (-du.replicas(rs), _desc(rs)))
        elif to_add < 0:  # ReplicaSetsBySizeOlder
            rss.sort(key=lambda rs: (-du.replicas(rs), rs["metadata"].get("creationTimestamp", ""),
                                     rs["metadata"]["name"]))
        added = 0
        sizes = []
        for rs in rss:
            share = du.proportion(rs, d, to_add, added) if to_add else 0
            sizes.append(du.replicas(rs) + share)
            added += share
        for i, rs in enumerate(rss):
            size = sizes[i]
            if i == 0 and to_add != 0:
                size = max(size + to_add - added, 0)
            self.scale_rs(rs, size, force=True)

    def cleanup(self, old: list[Object]) -> None:
        """cleanupDeployment: delete the oldest empty ReplicaSets beyond revisionHistoryLimit."""
        d = self.d
        if not du.has_history_limit(d):
            return
        cleanable = [rs for rs in self._fresh(old) if not cu.is_terminating(rs)]
        diff = len(cleanable) - int(d["spec"].get("revisionHistoryLimit", 10))
        for rs in du.by_revision(cleanable)[:max(diff, 0)]:
            status = rs.get("status") or {}
            if status.get("replicas", 0) != 0 or du.replicas(rs) != 0 or cu.is_terminating(rs):
                continue
            if rs["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
                continue
            try:
                self.api.delete_object(_RS, rs["metadata"]["name"], rs["metadata"]["namespace"])
                self.wrote = True
            except errors.ApiError as err:
                if err.code != 404:
                    raise

    # -- rollouts ---------------------------------------------------------------------------

    def rollout_rolling(self, rs_list: list[Object]) -> None:
        new_rs, old = self.all_replica_sets(rs_list, create=True)
        if new_rs is None:
            return
        all_rss = [*old, new_rs]
        if self.reconcile_new(all_rss, new_rs):
            self.sync_rollout_status(all_rss, new_rs)
            return
        all_rss = self._fresh(all_rss)
        new_rs = all_rss[-1]
        if self.reconcile_old(all_rss, du.active(all_rss[:-1]), new_rs):
            self.sync_rollout_status(all_rss, new_rs)
            return
        if du.complete(self.d, self.d["status"]):
            self.cleanup(old)
        self.sync_rollout_status(all_rss, new_rs)

    def reconcile_new(self, all_rss: list[Object], new_rs: Object) -> bool:
        desired, current = du.replicas(self.d), du.replicas(new_rs)
        if current == desired:
            return False
        if current > desired:
            return self.scale_rs(new_rs, desired)[0]
        return self.scale_rs(new_rs, du.new_rs_replicas(self.d, all_rss, new_rs))[0]

    def reconcile_old(self, all_rss: list[Object], old: list[Object], new_rs: Object) -> bool:
        """reconcileOldReplicaSets: scale old ReplicaSets down as far as availability allows."""
        if du.spec_total(old) == 0:
            return False
        min_available = du.replicas(self.d) - du.max_unavailable(self.d)
        new_unavailable = du.replicas(new_rs) - du.status_int(new_rs, "availableReplicas")
        max_scaled_down = du.spec_total(all_rss) - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        old, cleaned = self.cleanup_unhealthy(old, max_scaled_down)
        scaled = self.scale_down_old([*old, new_rs], old)
        return cleaned + scaled > 0

    def cleanup_unhealthy(self, old: list[Object], max_cleanup: int) -> tuple[list[Object], int]:
        total = 0
        result = []
        for rs in du.by_creation(old):
            if total >= max_cleanup:
                result.append(rs)
                continue
            count, available = du.replicas(rs), du.status_int(rs, "availableReplicas")
            if count == 0 or count == available:
                result.append(rs)
                continue
            down = min(max_cleanup - total, count - available)
            _, rs = self.scale_rs(rs, count - down)
            total += down
            result.append(rs)
        return result, total

    def scale_down_old(self, all_rss: list[Object], old: list[Object]) -> int:
        min_available = du.replicas(self.d) - du.max_unavailable(self.d)
        available = du.status_total(all_rss, "availableReplicas")
        if available <= min_available:
            return 0
        budget = available - min_available
        total = 0
        for rs in du.by_creation(old):
            if total >= budget:
                break
            if du.replicas(rs) == 0:
                continue
            down = min(du.replicas(rs), budget - total)
            self.scale_rs(rs, du.replicas(rs) - down)
            total += down
        return total

    def rollout_recreate(self, rs_list: list[Object]) -> None:
        new_rs, old = self.all_replica_sets(rs_list, create=False)
        scaled = False
        for rs in du.active(old):
            scaled = self.scale_rs(rs, 0)[0] or scaled
        if scaled or self._old_pods_running(new_rs, old):
            self.sync_rollout_status(self._fresh(old + _present(new_rs)), new_rs)
            return
        if new_rs is None:
            new_rs, old = self.all_replica_sets(self.controller.replica_sets(self.api, self.d),
                                                create=True)
            if new_rs is None:
                return
        self.scale_rs(new_rs, du.replicas(self.d))
        if du.complete(self.d, self.d["status"]):
            self.cleanup(old)
        self.sync_rollout_status(self._fresh([*old, new_rs]), new_rs)

    def _old_pods_running(self, new_rs: Object | None, old: list[Object]) -> bool:
        """oldPodsRunning: old ReplicaSets report pods, or pods of theirs still exist."""
        if du.status_total(self._fresh(old), "replicas") > 0:
            return True
        for rs in old:
            for name in sorted(self.controller.pods_by_owner.get(cu.uid_of(rs), ())):
                pod = self.api.store.get("pods", rs["metadata"]["namespace"], name)
                if pod is not None and cu.pod_phase(pod) not in cu.TERMINAL_PHASES:
                    return True
        return False

    # -- status ---------------------------------------------------------------------------

    def calculate_status(self, all_rss: list[Object], new_rs: Object | None) -> Object:
        d = self.d
        available = du.status_total(all_rss, "availableReplicas")
        unavailable = max(du.spec_total(all_rss) - available, 0)
        status: Object = {}
        fields = (
            ("observedGeneration", d["metadata"].get("generation", 0)),
            ("replicas", du.status_total(all_rss, "replicas")),
            ("updatedReplicas", du.status_total(_present(new_rs), "replicas")),
            ("readyReplicas", du.status_total(all_rss, "readyReplicas")),
            ("availableReplicas", available),
            ("unavailableReplicas", unavailable),
        )
        for name, value in fields:
            if value:
                status[name] = value
        terminating = du.terminating_total(all_rss)
        if terminating is not None:
            status["terminatingReplicas"] = terminating
        if d["status"].get("conditions"):
            status["conditions"] = [dict(c) for c in d["status"]["conditions"]]
        if d["status"].get("collisionCount") is not None:
            status["collisionCount"] = d["status"]["collisionCount"]
        if available >= du.replicas(d) - du.max_unavailable(d):
            du.set_condition(status, du.new_condition(
                "Available", "True", du.MIN_AVAILABLE, "Deployment has minimum availability.",
                self.now))
        else:
            du.set_condition(status, du.new_condition(
                "Available", "False", du.MIN_UNAVAILABLE,
                "Deployment does not have minimum availability.", self.now))
        return status

    def sync_status(self, all_rss: list[Object], new_rs: Object | None) -> None:
        self.d["status"] = self.calculate_status(all_rss, new_rs)
        self.write_status()

    def sync_rollout_status(self, all_rss: list[Object], new_rs: Object | None) -> None:
        """syncRolloutStatus: the Progressing condition, ReplicaFailure, the counts."""
        d = self.d
        all_rss = self._fresh(all_rss)
        new_rs = self._fresh(_present(new_rs))[0] if new_rs is not None else None
        status = self.calculate_status(all_rss, new_rs)
        if not du.has_progress_deadline(d):
            du.remove_condition(status, "Progressing")
        current = cu.condition(d["status"], "Progressing")
        what = (f'ReplicaSet "{new_rs["metadata"]["name"]}"' if new_rs is not None
                else f'Deployment "{d["metadata"]["name"]}"')
        is_complete = (status.get("replicas", 0) == status.get("updatedReplicas", 0)
                       and current is not None and current.get("reason") == du.NEW_RS_AVAILABLE)
        if du.has_progress_deadline(d) and not is_complete:
            if du.complete(d, status):
                du.set_condition(status, du.new_condition(
                    "Progressing", "True", du.NEW_RS_AVAILABLE,
                    f"{what} has successfully progressed.", self.now))
            elif du.progressing(d, status):
                cond = du.new_condition("Progressing", "True", du.RS_UPDATED,
                                        f"{what} is progressing.", self.now)
                if current is not None:
                    if current["status"] == "True":
                        cond["lastTransitionTime"] = current["lastTransitionTime"]
                    du.remove_condition(status, "Progressing")
                du.set_condition(status, cond)
            elif du.timed_out(d, status, self.api.clock.seconds, cu.parser(self.api)):
                du.set_condition(status, du.new_condition(
                    "Progressing", "False", du.TIMED_OUT, f"{what} has timed out progressing.",
                    self.now))
        failures = _replica_failures(all_rss, new_rs)
        if failures:
            du.set_condition(status, failures[0])
        else:
            du.remove_condition(status, "ReplicaFailure")
        if status != d["status"]:
            d["status"] = status
            self.write_status()
        self._requeue_stuck(status)

    def _requeue_stuck(self, status: Object) -> None:
        """requeueStuckDeployment: look again when the progress deadline passes."""
        d = self.d
        cond = cu.condition(status, "Progressing")
        if not du.has_progress_deadline(d) or cond is None:
            return
        if du.complete(d, status) or cond.get("reason") == du.TIMED_OUT:
            return
        at = cu.parse_time(self.api, cond["lastUpdateTime"]) + int(
            d["spec"].get("progressDeadlineSeconds", 600)) + 1
        key = cu.key_of(d)
        if self.controller.requeue_at.get(key) != at:
            self.controller.requeue_at[key] = at
            self.controller.timers.add(at, key)

    def _fresh(self, rss: list[Object]) -> list[Object]:
        """The stored versions of ReplicaSets this pass may have changed."""
        fresh = []
        for rs in rss:
            stored = self.api.store.get("replicasets", rs["metadata"]["namespace"],
                                        rs["metadata"]["name"])
            if stored is not None:
                fresh.append(stored)
        return fresh


class _Requeue(Exception):  # noqa: N818 - a signal, not an error
    """The ReplicaSets moved under this pass (409/404): sync the Deployment again."""


def _status_copy(status: Object | None) -> Object:
    """A private copy of a status: its conditions are the only nested values changed."""
    copied = dict(status or {})
    if "conditions" in copied:
        copied["conditions"] = [dict(c) for c in copied["conditions"]]
    return copied


def _present(rs: Object | None) -> list[Object]:
    return [rs] if rs is not None else []


def _desc(rs: Object) -> tuple[int, ...]:
    """A key that sorts newer ReplicaSets first (creation time, then name, descending)."""
    stamp = rs["metadata"].get("creationTimestamp", "")
    return tuple(-ord(ch) for ch in stamp + "\x00" + rs["metadata"]["name"])


def _active_or_latest(new_rs: Object | None, old: list[Object]) -> Object | None:
    """FindActiveOrLatest: the only active ReplicaSet, or the newest when none is active."""
    if new_rs is None and not old:
        return None
    newest_first = sorted(old, key=_desc)
    rss = du.active(newest_first + _present(new_rs))
    if not rss:
        return new_rs if new_rs is not None else newest_first[0]
    return rss[0] if len(rss) == 1 else None


def _replica_failures(all_rss: list[Object], new_rs: Object | None) -> list[Object]:
    """getReplicaFailures: the new ReplicaSet's ReplicaFailure first, then any other."""
    def failures(rs: Object) -> list[Object]:
        return [{"type": c["type"], "status": c["status"],
                 "lastUpdateTime": c.get("lastTransitionTime"),
                 "lastTransitionTime": c.get("lastTransitionTime"),
                 "reason": c.get("reason", ""), "message": c.get("message", "")}
                for c in (rs.get("status") or {}).get("conditions") or ()
                if c.get("type") == "ReplicaFailure"]

    if new_rs is not None and failures(new_rs):
        return failures(new_rs)
    return [f for rs in all_rss for f in failures(rs)]
