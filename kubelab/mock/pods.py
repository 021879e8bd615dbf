"""The Pod kind's rules: defaults, the admission a real cluster applies, status, validation
(the handler that applies them: kubelab.mock.podhandler).

Sources (kubernetes/kubernetes):
- pkg/apis/core/v1/defaults.go SetDefaults_Pod (requests from limits, enableServiceLinks,
  host ports with hostNetwork), then SetDefaults_PodSpec (kubelab.mock.poddefaults);
- admission plugins enabled by default, in their order: ServiceAccount
  (plugin/pkg/admission/serviceaccount/admission.go: serviceAccountName "default", the
  projected kube-api-access-<5> volume, its mount in every container; mirror pods of
  static pods are left alone), Priority
  (plugin/pkg/admission/priority: priority 0, preemptionPolicy PreemptLowerPriority when no
  class is named and no global default exists), DefaultTolerationSeconds
  (plugin/pkg/admission/defaulttolerationseconds: not-ready and unreachable, 300 s);
- pkg/registry/core/pod/strategy.go: status {phase: Pending, qosClass} on create,
  generation 1 and +1 per spec change, CheckGracefulDelete;
- pkg/apis/core/helper/qos/qos.go ComputePodQOS;
- pkg/apis/core/validation/validation.go ValidatePodCreate, ValidatePodUpdate.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from typing import Any

from kubelab.mock import corefields, decode, field, podspec
from kubelab.mock.field import FieldError
from kubelab.mock.poddefaults import containers_of, default_pod_spec

Object = dict[str, Any]

SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
SA_VOLUME_PREFIX = "kube-api-access-"
TOLERATION_SECONDS = 300
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
NODE_TAINT_KEYS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")

# validation.go updatablePodSpecFields, joined with "," as ValidatePodUpdate does.
UPDATABLE_FIELDS = ",".join(
    [
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
        "negative)",
    ]
)


# -- defaults and admission -------------------------------------------------------------------


def default_pod(pod: Object) -> None:
    """SetDefaults_Pod, then the PodSpec defaults."""
    spec = pod.setdefault("spec", {})
    for container in containers_of(spec):
        resources = container.get("resources") or {}
        if resources.get("limits"):
            requests = resources.setdefault("requests", {})
            for name, value in resources["limits"].items():
                requests.setdefault(name, value)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    if spec.get("hostNetwork"):
        for container in containers_of(spec):
            for port in container.get("ports") or []:
                if not port.get("hostPort"):
                    port["hostPort"] = port.get("containerPort")
    default_pod_spec(spec)


def token_volume(name: str) -> Object:
    """serviceaccount admission TokenVolumeSource, as it comes back from the API."""
    return {
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {
                    "configMap": {
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                        "name": "kube-root-ca.crt",
                    }
                },
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                "path": "namespace",
                            }
                        ]
                    }
                },
            ],
        },
    }


def admit_service_account(spec: Object, suffix: str) -> None:
    """ServiceAccount admission: the default account and its API token volume."""
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = "default"
    spec["serviceAccount"] = spec["serviceAccountName"]  # the deprecated twin, as v1 shows it
    if spec.get("automountServiceAccountToken") is False:
        return
    containers = containers_of(spec)
    if any(
        mount.get("mountPath") == SA_MOUNT_PATH
        for container in containers
        for mount in container.get("volumeMounts") or []
    ):
        return
    name = SA_VOLUME_PREFIX + suffix
    spec.setdefault("volumes", []).append(token_volume(name))
    for container in containers:
        container.setdefault("volumeMounts", []).append(
            {"mountPath": SA_MOUNT_PATH, "name": name, "readOnly": True}
        )


def is_mirror_pod(pod: Object) -> bool:
    """A static pod's mirror, which ServiceAccount admission leaves alone (the kubelet would
    delete a mirror whose spec differs from its manifest)."""
    return MIRROR_ANNOTATION in (pod["metadata"].get("annotations") or {})


def admit_priority(spec: Object) -> None:
    """Priority admission with no PriorityClass named and no global default."""
    if not spec.get("priorityClassName"):
        spec.setdefault("priority", 0)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")


def admit_toleration_seconds(spec: Object) -> None:
    """DefaultTolerationSeconds: tolerate not-ready and unreachable nodes for 300 s."""
    tolerations = spec.get("tolerations") or []
    for key in NODE_TAINT_KEYS:
        tolerated = any(
            (t.get("key") == key or (not t.get("key") and t.get("operator") == "Exists"))
            and t.get("effect") in (None, "", "NoExecute")
            for t in tolerations
        )
        if not tolerated:
            tolerations.append(
                {
                    "effect": "NoExecute",
                    "key": key,
                    "operator": "Exists",
                    "tolerationSeconds": TOLERATION_SECONDS,
                }
            )
    spec["tolerations"] = tolerations


def admit(spec: Object, token_suffix: str | None) -> None:
    """The admission plugins in their order (ServiceAccount is skipped for mirror pods:
    no suffix)."""
    if token_suffix is not None:
        admit_service_account(spec, token_suffix)
    admit_priority(spec)
    admit_toleration_seconds(spec)


# -- status -----------------------------------------------------------------------------------


def _sum_resources(containers: list[Object], section: str) -> tuple[dict[str, Fraction], bool]:
    """Positive cpu/memory amounts summed; and whether every container set both."""
    totals: dict[str, Fraction] = {}
    every_has_both = True
    for container in containers:
        found = set()
        for name, value in ((container.get("resources") or {}).get(section) or {}).items():
            amount = decode.parse_quantity(value)
            if name in ("cpu", "memory") and amount > 0:
                totals[name] = totals.get(name, Fraction(0)) + amount
                found.add(name)
        every_has_both = every_has_both and found == {"cpu", "memory"}
    return totals, every_has_both


def qos_class(spec: Object) -> str:
    """ComputePodQOS for container-level resources."""
    containers = containers_of(spec)
    requests, _ = _sum_resources(containers, "requests")
    limits, guaranteed = _sum_resources(containers, "limits")
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests == limits:
        return "Guaranteed"
    return "Burstable"


# -- update ------------------------------------------------------------------------------------


def _go_field(name: str) -> str:
    special = {"dnsPolicy": "DNSPolicy", "dnsConfig": "DNSConfig", "os": "OS"}
    return special.get(name, name[:1].upper() + name[1:])


def spec_diff(old: Object, new: Object) -> str:
    """A short diff of the PodSpec in the spirit of the cmp.Diff upstream appends.

    go-cmp deliberately randomizes its output's whitespace, so no client can match it
    byte for byte; kubelab prints the changed fields in the same -/+ shape."""
    lines = ["  core.PodSpec{"]
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        if key in old:
            lines.append(f"- \t{_go_field(key)}: {json.dumps(old[key], sort_keys=True)},")
        if key in new:
            lines.append(f"+ \t{_go_field(key)}: {json.dumps(new[key], sort_keys=True)},")
    lines.append("  }")
    return "\n".join(lines) + "\n"


def _container_updates(new: list[Any], old: list[Any], path: str) -> tuple[list[FieldError], bool]:
    """ValidateContainerUpdates: same number of containers, each with an image."""
    if len(new) != len(old):
        return [field.forbidden(path, "pod updates may not add or remove containers")], True
    errs: list[FieldError] = []
    for i, container in enumerate(new):
        image = container.get("image") or ""
        if not image:
            errs.append(field.required(f"{path}[{i}].image"))
        if image != image.strip():
            errs.append(
                field.invalid(
                    f"{path}[{i}].image", image, "must not have leading or trailing whitespace"
                )
            )
    return errs, False


def _munged(new: Object, old: Object) -> Object:
    """The new spec with every field a pod update may change put back to its old value."""
    munged = copy.deepcopy(new)
    for key in ("containers", "initContainers"):
        for container, before in zip(munged.get(key) or [], old.get(key) or [], strict=False):
            container["image"] = before.get("image")
    for key in ("activeDeadlineSeconds", "schedulingGates", "tolerations"):
        munged.pop(key, None)
        if key in old:
            munged[key] = old[key]
    before, after = (
        old.get("terminationGracePeriodSeconds"),
        new.get("terminationGracePeriodSeconds"),
    )
    if before is not None and before < 0 and after == 1:
        munged["terminationGracePeriodSeconds"] = before
    return munged


def validate_pod_update(new: Object, old: Object) -> list[FieldError]:
    """ValidatePodUpdate after the metadata checks: what may change in a running pod."""
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    errs = validate_pod(new)
    for key in ("containers", "initContainers"):
        found, stop = _container_updates(
            new_spec.get(key) or [], old_spec.get(key) or [], f"spec.{key}"
        )
        errs += found
        if stop:
            return errs
    deadline, before = new_spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    if deadline is not None:
        if not 0 <= deadline <= 2**31 - 1:
            message = "must be between 0 and 2147483647, inclusive"
            return [*errs, field.invalid("spec.activeDeadlineSeconds", deadline, message)]
        if before is not None and before < deadline:
            message = "must be less than or equal to previous value"
            return [*errs, field.invalid("spec.activeDeadlineSeconds", deadline, message)]
    elif before is not None:
        message = "must not update from a positive integer to nil value"
        errs.append(field.invalid("spec.activeDeadlineSeconds", None, message))
    errs += _only_added_tolerations(new_spec, old_spec)
    munged = _munged(new_spec, old_spec)
    if munged != old_spec:
        detail = f"pod updates may not change fields other than {UPDATABLE_FIELDS}\n"
        errs.append(field.forbidden("spec", detail + spec_diff(old_spec, munged)))
    return errs


def _only_added_tolerations(new: Object, old: Object) -> list[FieldError]:
    """validateOnlyAddedTolerations: old ones stay (tolerationSeconds may change)."""
    fresh = [
        {k: v for k, v in t.items() if k != "tolerationSeconds"}
        for t in new.get("tolerations") or []
    ]
    for toleration in old.get("tolerations") or []:
        if {k: v for k, v in toleration.items() if k != "tolerationSeconds"} not in fresh:
            message = "existing toleration can not be modified except its tolerationSeconds"
            return [field.forbidden("spec.tolerations", message)]
    return corefields.validate_tolerations(new.get("tolerations") or [], "spec.tolerations")


# -- validation --------------------------------------------------------------------------------


def validate_pod(pod: Object) -> list[FieldError]:
    """validatePodMetadataAndSpec without the metadata (the API server checks that)."""
    spec = pod.get("spec") or {}
    errs = podspec.validate_pod_spec(spec, "spec")
    for key in ("containers", "initContainers"):
        for i, container in enumerate(spec.get(key) or []):
            image = container.get("image") or ""
            if image != image.strip():
                message = "must not have leading or trailing whitespace"
                errs.append(field.invalid(f"spec.{key}[{i}].image", image, message))
    return errs


def validate_create_spec(spec: Object) -> list[FieldError]:
    """ValidatePodCreate on the spec: the spec rules, then what only a create forbids."""
    errs = validate_pod({"spec": spec})
    if spec.get("ephemeralContainers"):
        errs.append(field.forbidden("spec.ephemeralContainers", "cannot be set on create"))
    if spec.get("nodeName") and spec.get("schedulingGates"):
        message = "cannot be set until all schedulingGates have been cleared"
        errs.append(field.forbidden("spec.nodeName", message))
    return errs
