"""Errors a learner sees: API errors carrying a Kubernetes Status, and setup errors.

`ApiError` is what both backends raise when the API server refuses a request. Its
`status` is the Status object the API server sends; `str(err)` is the Status message,
the text kubectl prints after "Error from server (Reason): ".
"""

from __future__ import annotations

from typing import Any


class KubelabError(Exception):
    """Base class of every error kubelab raises."""


class SetupError(KubelabError):
    """Something outside kubelab is missing or misconfigured; the message names the fix."""


class UsageError(KubelabError, ValueError):
    """A kubelab call was given something it cannot use (unknown kind, bad YAML, ...)."""


class ApiError(KubelabError):
    """The API server refused a request. Carries the Kubernetes Status it answered with."""

    def __init__(self, status: dict[str, Any]) -> None:
        self.status = status
        super().__init__(status.get("message", ""))

    @property
    def code(self) -> int:
        return int(self.status.get("code", 0))

    @property
    def reason(self) -> str:
        return str(self.status.get("reason", ""))

    @property
    def causes(self) -> list[dict[str, Any]]:
        return list(self.status.get("details", {}).get("causes", []))

    def __repr__(self) -> str:
        return f"ApiError({self.code} {self.reason}: {self!s})"


def status_failure(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A Status object as the API server sends it with a failed request."""
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details:
        status["details"] = details
    status["code"] = code
    return status


def _resource_details(resource: str, group: str, name: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name}
    if group:
        details["group"] = group
    details["kind"] = resource
    return details


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, name: str, group: str = "") -> ApiError:
    """404 as the registry words it: `services "web" not found`."""
    message = f'{_qualified(resource, group)} "{name}" not found'
    return ApiError(
        status_failure(404, "NotFound", message, _resource_details(resource, group, name))
    )


def already_exists(resource: str, name: str, group: str = "") -> ApiError:
    """409 AlreadyExists: `services "web" already exists`."""
    message = f'{_qualified(resource, group)} "{name}" already exists'
    return ApiError(
        status_failure(409, "AlreadyExists", message, _resource_details(resource, group, name))
    )


def conflict(resource: str, name: str, group: str = "", why: str = "") -> ApiError:
    """409 Conflict, by default the optimistic-concurrency one (stale resourceVersion)."""
    why = why or (
        "the object has been modified; please apply your changes to the latest version "
        "and try again"
    )
    message = f'Operation cannot be fulfilled on {_qualified(resource, group)} "{name}": {why}'
    return ApiError(
        status_failure(409, "Conflict", message, _resource_details(resource, group, name))
    )


def bad_request(message: str) -> ApiError:
    return ApiError(status_failure(400, "BadRequest", message))


def forbidden(resource: str, name: str, why: str, group: str = "") -> ApiError:
    message = f'{_qualified(resource, group)} "{name}" is forbidden: {why}'
    return ApiError(
        status_failure(403, "Forbidden", message, _resource_details(resource, group, name))
    )


def method_not_allowed(message: str) -> ApiError:
    return ApiError(status_failure(405, "MethodNotAllowed", message))


def internal_error(message: str) -> ApiError:
    return ApiError(
        status_failure(
            500,
            "InternalError",
            f"Internal error occurred: {message}",
            {"causes": [{"message": message}]},
        )
    )
