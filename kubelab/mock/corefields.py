"""Small field rules the core kinds share: DNS-label fields, port names and numbers,
tolerations.

Sources: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsValidPortName,
IsValidPortNum), kubernetes/kubernetes pkg/apis/core/validation/validation.go
(ValidateDNS1123Label, ValidateTolerations, supportedPortProtocols).
"""

from __future__ import annotations

import re
from typing import Any

from kubelab.mock import field, meta
from kubelab.mock.field import FieldError

Errors = list[FieldError]

PORT_PROTOCOLS = ["SCTP", "TCP", "UDP"]  # sets.List(supportedPortProtocols): sorted
TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]


def _invalid_each(path: str, value: Any, messages: list[str]) -> Errors:
    return [field.invalid(path, value, msg) for msg in messages]


def dns_label(path: str, value: str) -> Errors:
    """ValidateDNS1123Label."""
    return _invalid_each(path, value, meta.dns1123_label_errors(value))


def port_name_errors(name: str) -> list[str]:
    """validation.IsValidPortName (an IANA_SVC_NAME)."""
    errs = [meta.max_len_error(15)] if len(name.encode()) > 15 else []
    if not re.fullmatch("[-a-z0-9]+", name):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", name):
        errs.append("must contain at least one letter (a-z)")
    if "--" in name:
        errs.append("must not contain consecutive hyphens")
    if name and (name[0] == "-" or name[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def port_num_errors(port: int) -> list[str]:
    """validation.IsValidPortNum."""
    return [] if 1 <= port <= 65535 else [meta.inclusive_range_error(1, 65535)]


def validate_tolerations(tolerations: list[Any], path: str) -> Errors:
    """ValidateTolerations."""
    errs: Errors = []
    for i, tol in enumerate(tolerations):
        at, key, op = f"{path}[{i}]", tol.get("key") or "", tol.get("operator") or ""
        effect, value = tol.get("effect") or "", tol.get("value") or ""
        if key:
            errs += _invalid_each(f"{at}.key", key, meta.label_key_errors(key))
        if not key and op != "Exists":
            errs.append(
                field.invalid(
                    f"{at}.operator",
                    op,
                    "operator must be Exists when `key` is empty, which means "
                    '"match all values and all keys"',
                )
            )
        if tol.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.append(
                field.invalid(
                    f"{at}.effect",
                    effect,
                    "effect must be 'NoExecute' when `tolerationSeconds` is set",
                )
            )
        if op in ("Equal", ""):
            if msgs := meta.label_value_errors(value):
                errs.append(field.invalid(f"{at}.operator", value, ";".join(msgs)))
        elif op == "Exists":
            if value:
                errs.append(
                    field.invalid(
                        f"{at}.operator", value, "value must be empty when `operator` is 'Exists'"
                    )
                )
        else:
            errs.append(field.not_supported(f"{at}.operator", op, ["Equal", "Exists"]))
        if effect and effect not in TAINT_EFFECTS:
            errs.append(field.not_supported(f"{at}.effect", effect, TAINT_EFFECTS))
    return errs
