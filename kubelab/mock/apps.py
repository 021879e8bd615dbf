"""Deployments and ReplicaSets (apps/v1): defaults, strategy, validation.

Sources (kubernetes/kubernetes): pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment,
SetDefaults_ReplicaSet), pkg/apis/apps/validation/validation.go (ValidateDeploymentSpec,
ValidateDeploymentStrategy, ValidateRollingUpdateDeployment, ValidateReplicaSetSpec,
ValidatePodTemplateSpecForReplicaSet), pkg/registry/apps/deployment/strategy.go and
pkg/registry/apps/replicaset/strategy.go (status reset, generation, selector immutable in
apps/v1), staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go
(ValidateLabelSelector) and pkg/labels/selector.go (what LabelSelectorAsSelector refuses).
"""

from __future__ import annotations

import re
from typing import Any

from kubelab import selectors
from kubelab.mock import field, gofmt, meta, podspec
from kubelab.mock.api import Finish, Handler
from kubelab.mock.field import FieldError
from kubelab.mock.poddefaults import default_pod_spec, sorted_keys

Object = dict[str, Any]
Errors = list[FieldError]

STRATEGY_TYPES = ["Recreate", "RollingUpdate"]
_PERCENT = re.compile("^[0-9]+%$")
_PERCENT_MSG = meta.regex_error(
    "a valid percent string must be a numeric string followed by an ending '%'",
    "[0-9]+%",
    "1%",
    "93%",
)


def _noop(success: bool) -> None:
    return None


# -- label selectors ---------------------------------------------------------------------------


def _requirement_errors(expr: Object, path: str) -> Errors:
    """ValidateLabelSelectorRequirement (values checked strictly, as for workloads)."""
    errs: Errors = []
    operator, values = expr.get("operator") or "", expr.get("values") or []
    if operator in ("In", "NotIn"):
        if not values:
            message = "must be specified when `operator` is 'In' or 'NotIn'"
            errs.append(field.required(f"{path}.values", message))
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            message = "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
            errs.append(field.forbidden(f"{path}.values", message))
    else:
        errs.append(field.invalid(f"{path}.operator", operator, "not a valid selector operator"))
    key = expr.get("key") or ""
    errs += [field.invalid(f"{path}.key", key, msg) for msg in meta.label_key_errors(key)]
    for i, value in enumerate(values):
        errs += [
            field.invalid(f"{path}.values[{i}]", value, msg)
            for msg in meta.label_value_errors(value)
        ]
    return errs


def validate_label_selector(selector: Object, path: str) -> Errors:
    errs = meta.validate_labels(selector.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        errs += _requirement_errors(expr, f"{path}.matchExpressions[{i}]")
    return errs


def selector_parses(selector: Object | None) -> bool:
    """metav1.LabelSelectorAsSelector succeeds exactly when every key, value and operator
    is well formed (labels.NewRequirement checks the same rules)."""
    return selector is None or not validate_label_selector(selector, "spec.selector")


# -- the pod template and the spec --------------------------------------------------------------


def validate_template(spec: Object, selector: Object | None, path: str, kind: str) -> Errors:
    """ValidatePodTemplateSpecForReplicaSet. A missing selector selects nothing, so the
    template's labels never match it (labels.Nothing()), as upstream reports too."""
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels")
    errs: Errors = []
    matches = selector is not None and selectors.matches(
        selectors.from_label_selector(selector), labels
    )
    if not matches and (selector is None or _selects_something(selector)):
        message = "`selector` does not match template `labels`"
        errs.append(field.invalid(f"{path}.metadata.labels", gofmt.string_map(labels), message))
    errs += podspec.validate_pod_template(template, path)
    restart = (template.get("spec") or {}).get("restartPolicy")
    if restart != "Always":
        errs.append(field.not_supported(f"{path}.spec.restartPolicy", restart, ["Always"]))
    if (template.get("spec") or {}).get("activeDeadlineSeconds") is not None:
        message = f"activeDeadlineSeconds in {kind} is not Supported"
        errs.append(field.forbidden(f"{path}.spec.activeDeadlineSeconds", message))
    return errs


def _selects_something(selector: Object) -> bool:
    """Not labels.Everything(): an empty selector is "Empty" and skips the match check."""
    return bool(selector.get("matchLabels") or selector.get("matchExpressions"))


def _non_negative(spec: Object, key: str, path: str) -> Errors:
    value = spec.get(key)
    if value is not None and value < 0:
        return [field.invalid(f"{path}.{key}", value, "must be greater than or equal to 0")]
    return []


def validate_replicated_spec(spec: Object, kind: str) -> Errors:
    """The part ValidateDeploymentSpec and ValidateReplicaSetSpec share, in their order."""
    errs = _non_negative(spec, "replicas", "spec")
    if kind == "ReplicaSet":
        errs += _non_negative(spec, "minReadySeconds", "spec")
    selector = spec.get("selector")
    if selector is None:
        errs.append(field.required("spec.selector"))
    else:
        errs += validate_label_selector(selector, "spec.selector")
        if not _selects_something(selector):
            # upstream says "deployment" for ReplicaSets too
            message = "empty selector is invalid for deployment"
            errs.append(field.invalid("spec.selector", gofmt.label_selector(selector), message))
    if selector_parses(selector):
        errs += validate_template(spec, selector, "spec.template", kind)
    else:
        message = "invalid label selector"
        errs.append(field.invalid("spec.selector", gofmt.label_selector(selector), message))
    return errs


def _int_or_percent(value: Any, path: str) -> Errors:
    """ValidatePositiveIntOrPercent."""
    if isinstance(value, str):
        if _PERCENT.match(value):
            return []
        return [field.invalid(path, gofmt.int_or_string(value), _PERCENT_MSG)]
    if isinstance(value, int) and value < 0:
        return [field.invalid(path, value, "must be greater than or equal to 0")]
    return []


def _int_or_percent_value(value: Any) -> int:
    """getIntOrPercentValue: a percent's number, else IntValue() (Atoi of a string)."""
    if isinstance(value, str):
        text = value[:-1] if _PERCENT.match(value) else value
        return int(text) if re.fullmatch("[+-]?[0-9]+", text) else 0
    return int(value or 0)


def validate_strategy(strategy: Object) -> Errors:
    """ValidateDeploymentStrategy."""
    kind, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    path = "spec.strategy.rollingUpdate"
    if kind == "Recreate":
        if rolling is not None:
            message = "may not be specified when strategy `type` is 'Recreate'"
            return [field.forbidden(path, message)]
        return []
    if kind != "RollingUpdate":
        pointer = "(nil)" if rolling is None else "(0xc000a1b2c0)"  # Go prints the address
        shown = gofmt.GoValue(
            f"apps.DeploymentStrategy{{Type:{gofmt.quote(str(kind or ''))}, "
            f"RollingUpdate:(*apps.RollingUpdateDeployment){pointer}}}"
        )
        return [field.not_supported("spec.strategy", shown, STRATEGY_TYPES)]
    if rolling is None:
        return [field.required(path, "this should be defaulted and never be nil")]
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    errs = _int_or_percent(unavailable, f"{path}.maxUnavailable")
    errs += _int_or_percent(surge, f"{path}.maxSurge")
    if _int_or_percent_value(unavailable) == 0 and _int_or_percent_value(surge) == 0:
        message = "may not be 0 when `maxSurge` is 0"
        errs.append(
            field.invalid(f"{path}.maxUnavailable", gofmt.int_or_string(unavailable), message)
        )
    if isinstance(unavailable, str) and _int_or_percent_value(unavailable) > 100:
        message = "must not be greater than 100%"
        shown = gofmt.int_or_string(unavailable)
        errs.append(field.invalid(f"{path}.maxUnavailable", shown, message))
    return errs


def validate_deployment_spec(spec: Object) -> Errors:
    """ValidateDeploymentSpec."""
    errs = validate_replicated_spec(spec, "Deployment")
    errs += validate_strategy(spec.get("strategy") or {})
    errs += _non_negative(spec, "minReadySeconds", "spec")
    errs += _non_negative(spec, "revisionHistoryLimit", "spec")
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        errs += _non_negative(spec, "progressDeadlineSeconds", "spec")
        if deadline <= (spec.get("minReadySeconds") or 0):
            message = "must be greater than minReadySeconds"
            errs.append(field.invalid("spec.progressDeadlineSeconds", deadline, message))
    return errs


def selector_immutable(new: Object, old: Object) -> Errors:
    """apps/v1 strategies: spec.selector may not change after create."""
    before, after = (old.get("spec") or {}).get("selector"), (new.get("spec") or {}).get("selector")
    if before == after:
        return []
    return [field.invalid("spec.selector", gofmt.label_selector(after), "field is immutable")]


# -- defaults and handlers ----------------------------------------------------------------------


def default_deployment(obj: Object) -> None:
    """SetDefaults_Deployment, then the pod template's PodSpec defaults."""
    spec = obj.setdefault("spec", {})
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = spec.setdefault("strategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if rolling is None:
            rolling = strategy["rollingUpdate"] = {}
        rolling.setdefault("maxSurge", "25%")
        rolling.setdefault("maxUnavailable", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    default_pod_spec(spec.setdefault("template", {}).setdefault("spec", {}))


def default_replica_set(obj: Object) -> None:
    spec = obj.setdefault("spec", {})
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    default_pod_spec(spec.setdefault("template", {}).setdefault("spec", {}))


class _ReplicatedHandler(Handler):
    tracks_generation = True

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        return self.validate_create(new) + selector_immutable(new, old)


class DeploymentHandler(_ReplicatedHandler):
    def default(self, obj: Object) -> None:
        default_deployment(obj)

    def prepare_create(self, obj: Object) -> None:
        obj["spec"] = sorted_keys(obj["spec"])
        obj["status"] = {}  # every DeploymentStatus field is omitempty

    def validate_create(self, obj: Object) -> list[FieldError]:
        return validate_deployment_spec(obj.get("spec") or {})

    def begin_update(self, new: Object, old: Object) -> Finish:
        """Annotation changes also bump the generation (they are copied to ReplicaSets)."""
        meta.bump_generation_if_changed(new["metadata"], old["metadata"], "annotations")
        return _noop


class ReplicaSetHandler(_ReplicatedHandler):
    def default(self, obj: Object) -> None:
        default_replica_set(obj)

    def prepare_create(self, obj: Object) -> None:
        obj["spec"] = sorted_keys(obj["spec"])
        obj["status"] = {"replicas": 0}  # ReplicaSetStatus.replicas is not omitempty

    def validate_create(self, obj: Object) -> list[FieldError]:
        return validate_replicated_spec(obj.get("spec") or {}, "ReplicaSet")
