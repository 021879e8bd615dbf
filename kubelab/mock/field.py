"""Field errors and the Invalid status, worded as k8s.io/apimachinery words them.

Source: staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go (ErrorBody,
ErrorType.String), pkg/api/errors/errors.go (NewInvalid), pkg/util/errors (aggregate).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kubelab.errors import ApiError, status_failure

_TYPE_TEXT = {
    "FieldValueNotFound": "Not found",
    "FieldValueRequired": "Required value",
    "FieldValueDuplicate": "Duplicate value",
    "FieldValueInvalid": "Invalid value",
    "FieldValueNotSupported": "Unsupported value",
    "FieldValueForbidden": "Forbidden",
    "FieldValueTooLong": "Too long",
    "FieldValueTooMany": "Too many",
    "InternalError": "Internal error",
    "FieldValueTypeInvalid": "Invalid value",
}
# These types never print the offending value.
_NO_VALUE = {"FieldValueRequired", "FieldValueForbidden", "FieldValueTooLong", "InternalError"}

OMIT = object()  # a bad value that is not printed (field.omitValue)


def _go_value(value: Any) -> str:
    """The value as Go's ErrorBody prints it: strings quoted, numbers and bools plain."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in value.items())
        return "map[string]string{" + inner + "}"
    if isinstance(value, list):
        return "[]string{" + ", ".join(json.dumps(v) for v in value) + "}"
    return str(value)


@dataclass(frozen=True)
class FieldError:
    type: str
    field: str
    value: Any = ""
    detail: str = ""

    def body(self) -> str:
        text = _TYPE_TEXT[self.type]
        if self.type not in _NO_VALUE and self.value is not OMIT:
            text = f"{text}: {_go_value(self.value)}"
        if self.detail:
            text = f"{text}: {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"

    def cause(self) -> dict[str, str]:
        return {"reason": self.type, "message": self.body(), "field": self.field}


def invalid(field: str, value: Any, detail: str) -> FieldError:
    return FieldError("FieldValueInvalid", field, value, detail)


def required(field: str, detail: str = "") -> FieldError:
    return FieldError("FieldValueRequired", field, "", detail)


def duplicate(field: str, value: Any) -> FieldError:
    return FieldError("FieldValueDuplicate", field, value)


def forbidden(field: str, detail: str) -> FieldError:
    return FieldError("FieldValueForbidden", field, "", detail)


def not_found(field: str, value: Any) -> FieldError:
    return FieldError("FieldValueNotFound", field, value)


def not_supported(field: str, value: Any, supported: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(json.dumps(v) for v in supported) if supported else ""
    return FieldError("FieldValueNotSupported", field, value, detail)


def too_long(field: str, max_length: int) -> FieldError:
    return FieldError("FieldValueTooLong", field, OMIT, f"must have at most {max_length} bytes")


def too_many(field: str, actual: int, maximum: int) -> FieldError:
    return FieldError("FieldValueTooMany", field, actual, f"must have at most {maximum} items")


def aggregate(errors: list[FieldError]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message alone, several in [a, b]."""
    messages: list[str] = []
    for err in errors:
        if str(err) not in messages:
            messages.append(str(err))
    if len(messages) == 1:
        return messages[0]
    return "[" + ", ".join(messages) + "]"


def invalid_error(kind: str, group: str, name: str, errors: list[FieldError]) -> ApiError:
    """422 Invalid, as apierrors.NewInvalid builds it."""
    qualified_kind = f"{kind}.{group}" if group else kind
    causes: list[dict[str, str]] = []
    for err in errors:
        if err.cause() not in causes:
            causes.append(err.cause())
    details: dict[str, Any] = {"name": name}
    if group:
        details["group"] = group
    details["kind"] = kind
    details["causes"] = causes
    message = f'{qualified_kind} "{name}" is invalid: {aggregate(errors)}'
    return ApiError(status_failure(422, "Invalid", message, details))


def raise_if_any(kind: str, group: str, name: str, errors: list[FieldError]) -> None:
    if errors:
        raise invalid_error(kind, group, name, errors)


@dataclass(frozen=True)
class GoLiteral:
    """A bad value printed verbatim, as Go's %#v shows a typed value in ErrorBody.

    E.g. `[]core.IPFamily{"IPv6"}` or a `core.ServicePort{...}` struct literal.
    """

    text: str

    def __str__(self) -> str:
        return self.text
