"""`kubectl describe deployment` and `kubectl describe replicaset`.

Source: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describeDeployment,
printReplicaSetsByLabels, describeReplicaSet, getPodStatusForController) and
staging/src/k8s.io/kubectl/pkg/util/deployment (FindNewReplicaSet, FindOldReplicaSets).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubelab.kubectl import _common as c
from kubelab.kubectl._timefmt import parse_time, rfc1123z
from kubelab.kubectl._writer import Writer, annotations_multiline, events_none, labels_multiline
from kubelab.kubectl.describe_pod import controlled_by, pod_template
from kubelab.kubectl.views import Text

Obj = Mapping[str, Any]
HASH_LABEL = "pod-template-hash"


def _owned_by(obj: Obj, owner: Obj) -> bool:
    """The object's controller reference points at owner (by uid when both have one)."""
    for ref in c.meta(obj).get("ownerReferences") or []:
        if not ref.get("controller"):
            continue
        owner_uid = c.meta(owner).get("uid")
        if owner_uid and ref.get("uid"):
            return bool(ref["uid"] == owner_uid)
        return bool(ref.get("kind") == owner.get("kind") and ref.get("name") == c.name(owner))
    return False


def _without_hash(template: Obj) -> Obj:
    meta = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != HASH_LABEL}
    meta["labels"] = labels
    return {**template, "metadata": meta}


def split_replica_sets(
    deploy: Obj, replica_sets: list[dict[str, Any]]
) -> tuple[list[Obj], Obj | None]:
    """The deployment's old ReplicaSets and its new one: the oldest whose pod template is
    the deployment's, the pod-template-hash label aside."""
    owned = [rs for rs in replica_sets if _owned_by(rs, deploy)]
    wanted = _without_hash(c.spec(deploy).get("template") or {})
    by_age = sorted(owned, key=lambda rs: (_created(rs), c.name(rs)))
    new = next(
        (rs for rs in by_age if _without_hash(c.spec(rs).get("template") or {}) == wanted), None
    )
    return [rs for rs in owned if rs is not new], new


def _created(obj: Obj) -> float:
    created = parse_time(c.meta(obj).get("creationTimestamp"))
    return created.timestamp() if created is not None else float("-inf")


def _replica_sets_text(replica_sets: list[Obj]) -> str:
    text = ", ".join(
        f"{c.name(rs)} ({c.status(rs).get('replicas', 0)}/{c.spec(rs).get('replicas', 1)} "
        "replicas created)"
        for rs in replica_sets
    )
    return text or "<none>"


def _int_or_string(value: Any) -> str:
    return "<nil>" if value is None else str(value)


def _conditions(w: Writer, conditions: list[Obj]) -> None:
    if not conditions:
        return
    w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
    w.write(1, "----\t------\t------\n")
    for cond in conditions:
        w.write(1, f"{cond.get('type', '')} \t{cond.get('status', '')}\t{cond.get('reason', '')}\n")


def describe_deployment(deploy: Obj, replica_sets: list[dict[str, Any]]) -> Text:
    spec, status, meta = c.spec(deploy), c.status(deploy), c.meta(deploy)
    w = Writer()
    w.write(0, f"Name:\t{c.name(deploy)}\n")
    w.write(0, f"Namespace:\t{c.namespace(deploy)}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Selector:\t{c.selector_string(spec.get('selector'))}\n")
    w.write(
        0,
        f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('updatedReplicas', 0)} "
        f"updated | {status.get('replicas', 0)} total | {status.get('availableReplicas', 0)} "
        f"available | {status.get('unavailableReplicas', 0)} unavailable\n",
    )
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    rolling = strategy.get("rollingUpdate")
    if rolling is not None:
        w.write(
            0,
            f"RollingUpdateStrategy:\t{_int_or_string(rolling.get('maxUnavailable'))} max "
            f"unavailable, {_int_or_string(rolling.get('maxSurge'))} max surge\n",
        )
    pod_template(w, spec.get("template"))
    _conditions(w, status.get("conditions") or [])
    old, new = split_replica_sets(deploy, replica_sets)
    if old or new is not None:
        w.write(0, f"OldReplicaSets:\t{_replica_sets_text(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_replica_sets_text([new] if new is not None else [])}\n")
    events_none(w)
    return w.text()


def _pod_phases(rs: Obj, pods: list[dict[str, Any]]) -> str:
    counts = dict.fromkeys(("Running", "Pending", "Succeeded", "Failed"), 0)
    for pod in pods:
        phase = c.status(pod).get("phase")
        if _owned_by(pod, rs) and phase in counts:
            counts[phase] += 1
    return (
        f"{counts['Running']} Running / {counts['Pending']} Waiting / "
        f"{counts['Succeeded']} Succeeded / {counts['Failed']} Failed"
    )


def describe_replica_set(rs: Obj, pods: list[dict[str, Any]]) -> Text:
    spec, status, meta = c.spec(rs), c.status(rs), c.meta(rs)
    w = Writer()
    w.write(0, f"Name:\t{c.name(rs)}\n")
    w.write(0, f"Namespace:\t{c.namespace(rs)}\n")
    w.write(0, f"Selector:\t{c.format_label_selector(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    controller = controlled_by(rs)
    if controller:
        w.write(0, f"Controlled By:\t{controller}\n")
    w.write(
        0, f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 1)} desired\n"
    )
    w.write(0, f"Pods Status:\t{_pod_phases(rs, pods)}\n")
    pod_template(w, spec.get("template"))
    _conditions(w, status.get("conditions") or [])
    events_none(w)
    return w.text()
