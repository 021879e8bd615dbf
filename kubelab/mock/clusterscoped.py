"""Namespaces and Nodes: the two cluster-scoped kinds a Services course meets.

Sources (kubernetes/kubernetes): pkg/apis/core/v1/defaults.go (SetDefaults_Namespace: the
kubernetes.io/metadata.name label; SetDefaults_NamespaceStatus; SetDefaults_NodeStatus),
pkg/registry/core/namespace/strategy.go (status Active and the "kubernetes" finalizer on
create; finalizers and status kept on update), pkg/registry/core/node/strategy.go (status
kept on update: the kubelet writes it through /status), pkg/apis/core/validation/
validation.go (ValidateNamespace, validateFinalizerName, ValidateNode, validateNodeTaints,
ValidateNodeUpdate).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kubelab import errors
from kubelab.mock import corefields, field, gofmt, meta
from kubelab.mock.api import Handler
from kubelab.mock.field import FieldError

Object = dict[str, Any]
Errors = list[FieldError]

NAME_LABEL = "kubernetes.io/metadata.name"  # v1.LabelMetadataName
# plugin/pkg/admission/namespace/lifecycle: these may not be deleted.
IMMORTAL_NAMESPACES = ("default", "kube-public", "kube-system")
STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")


def finalizer_errors(name: str, path: str) -> Errors:
    """validateFinalizerName: a qualified name, and a bare name must be a standard one."""
    errs = [field.invalid(path, name, msg) for msg in meta.label_key_errors(name)]
    if "/" not in name and name not in STANDARD_FINALIZERS:
        message = "name is neither a standard finalizer name nor is it fully qualified"
        errs.append(field.invalid(path, name, message))
    return errs


class NamespaceHandler(Handler):
    """Namespace names are DNS-1123 labels. A delete marks the namespace Terminating; the
    namespace controller deletes its content, then removes it (kubelab.mock.namespaces)."""

    def default(self, obj: Object) -> None:
        metadata = obj.setdefault("metadata", {})
        if metadata.get("name"):
            metadata.setdefault("labels", {})
            metadata["labels"] = {**(metadata["labels"] or {}), NAME_LABEL: metadata["name"]}
        status = obj.get("status")
        if isinstance(status, dict) and not status.get("phase"):
            status["phase"] = "Active"

    def name_errors(self, name: str) -> list[str]:
        return meta.dns1123_label_errors(name)

    def begin_delete(self, obj: Object, now: str) -> Object | None:
        """The namespace registry's Delete: deletionTimestamp and phase Terminating while the
        "kubernetes" finalizer holds it; NamespaceLifecycle admission keeps the three
        system namespaces."""
        name = obj["metadata"]["name"]
        if name in IMMORTAL_NAMESPACES:
            raise errors.forbidden("namespaces", name, "this namespace may not be deleted")
        if "deletionTimestamp" in obj["metadata"]:
            return obj
        return {**obj, "metadata": {**obj["metadata"], "deletionTimestamp": now},
                "status": {**(obj.get("status") or {}), "phase": "Terminating"}}

    def prepare_create(self, obj: Object) -> None:
        spec = obj.setdefault("spec", {})
        finalizers = list(spec.get("finalizers") or [])
        if "kubernetes" not in finalizers:
            finalizers.append("kubernetes")
        spec["finalizers"] = finalizers
        obj["status"] = {"phase": "Active"}

    def prepare_update(self, new: Object, old: Object) -> None:
        super().prepare_update(new, old)
        old_finalizers = (old.get("spec") or {}).get("finalizers")
        spec = new.setdefault("spec", {})
        if old_finalizers is None:
            spec.pop("finalizers", None)
        else:
            spec["finalizers"] = list(old_finalizers)

    def validate_create(self, obj: Object) -> list[FieldError]:
        errs: Errors = []
        for name in (obj.get("spec") or {}).get("finalizers") or []:
            errs += finalizer_errors(str(name), "spec.finalizers")
        return errs

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        return self.validate_create(new)


def _pod_cidr_errors(cidrs: list[Any]) -> Errors:
    errs: Errors = []
    for i, cidr in enumerate(cidrs):
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            message = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
            errs.append(field.invalid(f"spec.podCIDRs[{i}]", cidr, message))
    return errs


def taint_errors(taints: list[Any]) -> Errors:
    """validateNodeTaints; upstream reports them under `metadata.taints`."""
    errs: Errors = []
    seen: set[tuple[str, str]] = set()
    for i, taint in enumerate(taints):
        at, key = f"metadata.taints[{i}]", taint.get("key") or ""
        value, effect = taint.get("value") or "", taint.get("effect") or ""
        errs += [field.invalid(f"{at}.key", key, msg) for msg in meta.label_key_errors(key)]
        if msgs := meta.label_value_errors(value):
            errs.append(field.invalid(f"{at}.value", value, ";".join(msgs)))
        if not effect:
            errs.append(field.required(f"{at}.effect"))
        elif effect not in corefields.TAINT_EFFECTS:
            errs.append(field.not_supported(f"{at}.effect", effect, corefields.TAINT_EFFECTS))
        if (key, effect) in seen:
            shown = gofmt.GoValue(
                f"core.Taint{{Key:{gofmt.quote(key)}, Value:{gofmt.quote(value)}, "
                f"Effect:{gofmt.quote(effect)}, TimeAdded:(*v1.Time)(nil)}}"
            )
            detail = "taints must be unique by key and effect pair"
            errs.append(FieldError("FieldValueDuplicate", at, shown, detail))
            continue
        seen.add((key, effect))
    return errs


class NodeHandler(Handler):
    """Nodes are registered with their status (by the kubelet, here by the cluster)."""

    def default(self, obj: Object) -> None:
        status = obj.get("status")
        if isinstance(status, dict) and status.get("capacity") and "allocatable" not in status:
            status["allocatable"] = dict(status["capacity"])

    def prepare_create(self, obj: Object) -> None:
        """The node strategy keeps the status a kubelet registers with."""

    def validate_create(self, obj: Object) -> list[FieldError]:
        spec = obj.get("spec") or {}
        return taint_errors(spec.get("taints") or []) + _pod_cidr_errors(spec.get("podCIDRs") or [])

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        errs = self.validate_create(new)
        before = (old.get("spec") or {}).get("podCIDRs") or []
        after = (new.get("spec") or {}).get("podCIDRs") or []
        if before and before != after:
            message = 'node updates may not change podCIDR except from "" to valid'
            errs.append(field.forbidden("spec.podCIDRs", message))
        return errs
