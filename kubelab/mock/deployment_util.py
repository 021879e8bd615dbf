"""Pure rules of the Deployment controller: revisions, surge, proportions, conditions.

Source: pkg/controller/deployment/util/deployment_util.go (kubernetes/kubernetes).
"""

from __future__ import annotations

import functools
import math
from typing import Any

from kubelab.mock import controller_utils as cu
from kubelab.mock.store import Object

HASH_LABEL = "pod-template-hash"  # apps.DefaultDeploymentUniqueLabelKey
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_SKIP_COPY = {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS,
              "deprecated.deployment.rollback.to"}
MAX_REV_HISTORY_CHARS = 2000
MAX_INT32 = 2**31 - 1

# Condition reasons.
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"
FAILED_RS_CREATE = "ReplicaSetCreateError"


def replicas(obj: Object) -> int:
    return int(obj["spec"].get("replicas", 1))


def status_int(obj: Object, field: str) -> int:
    return int((obj.get("status") or {}).get(field, 0))


def strategy(d: Object) -> Object:
    return d["spec"].get("strategy") or {"type": "RollingUpdate"}


def is_rolling(d: Object) -> bool:
    return bool(strategy(d).get("type", "RollingUpdate") == "RollingUpdate")


def int_or_percent(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, str) and value.endswith("%"):
        return _scaled(value, total, round_up)
    return int(value)


@functools.lru_cache(maxsize=256)
def _scaled(percent: str, total: int, round_up: bool) -> int:
    """Remembered: every sync of every Deployment asks for its surge and unavailability."""
    scaled = int(percent[:-1]) * total / 100
    return math.ceil(scaled) if round_up else math.floor(scaled)


def fenceposts(d: Object) -> tuple[int, int]:
    """ResolveFenceposts: (maxSurge, maxUnavailable); both zero means one unavailable."""
    rolling = strategy(d).get("rollingUpdate") or {}
    desired = replicas(d)
    surge = int_or_percent(rolling.get("maxSurge", "25%"), desired, True)
    unavailable = int_or_percent(rolling.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: Object) -> int:
    return fenceposts(d)[0] if is_rolling(d) else 0


def max_unavailable(d: Object) -> int:
    if not is_rolling(d) or replicas(d) == 0:
        return 0
    return min(fenceposts(d)[1], replicas(d))


def revision(rs: Object) -> int:
    value = (rs["metadata"].get("annotations") or {}).get(REVISION)
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def max_revision(rss: list[Object]) -> int:
    return max((revision(rs) for rs in rss), default=0)


def by_creation(rss: list[Object]) -> list[Object]:
    """controller.ReplicaSetsByCreationTimestamp: oldest first, ties by name."""
    return sorted(rss, key=lambda rs: (rs["metadata"].get("creationTimestamp", ""),
                                       rs["metadata"]["name"]))


def by_revision(rss: list[Object]) -> list[Object]:
    return sorted(rss, key=lambda rs: (revision(rs), rs["metadata"].get("creationTimestamp", ""),
                                       rs["metadata"]["name"]))


def without_hash(template: Object | None) -> Object:
    template = dict(template or {})
    metadata = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (metadata.get("labels") or {}).items() if k != HASH_LABEL}
    metadata["labels"] = labels
    template["metadata"] = metadata
    return template


def equal_ignore_hash(a: Object | None, b: Object | None) -> bool:
    return without_hash(a) == without_hash(b)


def find_new(d: Object, rss: list[Object]) -> Object | None:
    """FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's."""
    for rs in by_creation(rss):
        if equal_ignore_hash(rs["spec"].get("template"), d["spec"].get("template")):
            return rs
    return None


def active(rss: list[Object]) -> list[Object]:
    return [rs for rs in rss if replicas(rs) > 0]


def spec_total(rss: list[Object]) -> int:
    return sum(replicas(rs) for rs in rss)


def status_total(rss: list[Object], field: str) -> int:
    return sum(status_int(rs, field) for rs in rss)


def terminating_total(rss: list[Object]) -> int | None:
    """GetTerminatingReplicaCountForReplicaSets: unknown (None) while a ReplicaSet hasn't said."""
    total = 0
    for rs in rss:
        status = rs.get("status") or {}
        if not status.get("observedGeneration") and "terminatingReplicas" not in status:
            continue
        if "terminatingReplicas" not in status:
            return None
        total += int(status["terminatingReplicas"])
    return total


def new_rs_replicas(d: Object, all_rss: list[Object], new_rs: Object) -> int:
    """NewRSNewReplicas: how far the new ReplicaSet may grow now."""
    if not is_rolling(d):
        return replicas(d)
    max_total = replicas(d) + fenceposts(d)[0]
    current = spec_total(all_rss)
    if current >= max_total:
        return replicas(new_rs)
    return replicas(new_rs) + min(max_total - current, replicas(d) - replicas(new_rs))


def annotation_int(rs: Object, key: str) -> int | None:
    value = (rs["metadata"].get("annotations") or {}).get(key)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def is_saturated(d: Object, rs: Object | None) -> bool:
    if rs is None:
        return False
    return (replicas(rs) == replicas(d) and annotation_int(rs, DESIRED_REPLICAS) == replicas(d)
            and status_int(rs, "availableReplicas") == replicas(d))


def round_half_away(value: float) -> int:
    """integer.RoundToInt32 (math.Round): halves away from zero."""
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def proportion(rs: Object, d: Object, to_add: int, added: int) -> int:
    """GetProportion / getReplicaSetFraction: a ReplicaSet's share of a scaling event."""
    if replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    if replicas(d) == 0:
        fraction = -replicas(rs)
    else:
        deployment_replicas = replicas(d) + max_surge(d)
        annotated = annotation_int(rs, MAX_REPLICAS)
        if annotated is None:
            annotated = status_int(d, "replicas")
        fraction = round_half_away(replicas(rs) * deployment_replicas / annotated) - replicas(rs)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def new_rs_annotations(
    d: Object, rs_annotations: dict[str, str], new_revision: int, exists: bool
) -> dict[str, str]:
    """SetNewReplicaSetAnnotations: copied Deployment annotations, revision (and history)."""
    result = dict(rs_annotations)
    for key, value in (d["metadata"].get("annotations") or {}).items():
        if key not in _SKIP_COPY:
            result[key] = value
    old = result.get(REVISION)
    try:
        old_revision = int(old) if old else 0
    except ValueError:
        return rs_annotations
    if old_revision < new_revision:
        result[REVISION] = str(new_revision)
        if old is not None:
            history = result.get(REVISION_HISTORY, "")
            entries = [e for e in history.split(",") if e] + [old]
            while len(",".join(entries)) > MAX_REV_HISTORY_CHARS and len(entries) > 1:
                entries.pop(0)
            result[REVISION_HISTORY] = ",".join(entries)
    if not exists:
        result[DESIRED_REPLICAS] = str(replicas(d))
        result[MAX_REPLICAS] = str(replicas(d) + max_surge(d))
    return result


def replicas_annotations(d: Object) -> dict[str, str]:
    return {DESIRED_REPLICAS: str(replicas(d)), MAX_REPLICAS: str(replicas(d) + max_surge(d))}


def has_progress_deadline(d: Object) -> bool:
    value = d["spec"].get("progressDeadlineSeconds", 600)
    return value is not None and value != MAX_INT32


def has_history_limit(d: Object) -> bool:
    value = d["spec"].get("revisionHistoryLimit", 10)
    return value is not None and value != MAX_INT32


# -- conditions ------------------------------------------------------------------------------


def new_condition(kind: str, status: str, reason: str, message: str, now: str) -> Object:
    return {"type": kind, "status": status, "lastUpdateTime": now, "lastTransitionTime": now,
            "reason": reason, "message": message}


def set_condition(status: Object, cond: Object) -> None:
    """SetDeploymentCondition: same status and reason is no change; otherwise the condition
    moves to the end, keeping lastTransitionTime when only the reason changed."""
    conditions = status.get("conditions") or []
    current = next((c for c in conditions if c["type"] == cond["type"]), None)
    if current is not None and current["status"] == cond["status"] and (
        current.get("reason") == cond.get("reason")
    ):
        return
    if current is not None and current["status"] == cond["status"]:
        cond = {**cond, "lastTransitionTime": current["lastTransitionTime"]}
    status["conditions"] = [c for c in conditions if c["type"] != cond["type"]] + [cond]


def remove_condition(status: Object, kind: str) -> None:
    conditions = [c for c in status.get("conditions") or () if c["type"] != kind]
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)


def complete(d: Object, status: Object) -> bool:
    """DeploymentComplete: every replica updated and available, the spec observed."""
    want = replicas(d)
    return bool(status.get("updatedReplicas", 0) == want and status.get("replicas", 0) == want
                and status.get("availableReplicas", 0) == want
                and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 0))


def progressing(d: Object, new: Object) -> bool:
    """DeploymentProgressing: more updated, fewer old, more ready or more available pods."""
    old = d.get("status") or {}
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = new.get("replicas", 0) - new.get("updatedReplicas", 0)
    return bool(new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
                or new_old < old_old
                or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
                or new.get("availableReplicas", 0) > old.get("availableReplicas", 0))


def timed_out(d: Object, status: Object, now: float, parse: Any) -> bool:
    """DeploymentTimedOut: no progress reported for progressDeadlineSeconds."""
    if not has_progress_deadline(d):
        return False
    cond = cu.condition(status, "Progressing")
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    deadline = parse(cond["lastUpdateTime"]) + int(d["spec"].get("progressDeadlineSeconds", 600))
    return bool(deadline < now)


def rs_name(deployment_name: str, template_hash: str) -> str:
    """generateReplicaSetName: the Deployment name cut so the result is a valid name."""
    limit = 253 - 1 - len(template_hash)
    return f"{deployment_name[:limit]}-{template_hash}"
