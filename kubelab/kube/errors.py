"""The real API server's refusals as kubelab.ApiError; an unreachable server as SetupError.

One place translates the client's failures (STYLE habit 3): an HTTP error answer carries
the server's Status in its body (code, reason, message, details.causes), which ApiError
keeps as it is; a body that is not a Status (a proxy's "404 page not found", an empty
502) becomes a Status worded from the HTTP code. Connection failures never reach the
learner as a traceback from urllib3: they become a SetupError that names what to check.
"""

from __future__ import annotations

import json
from typing import Any

from kubelab.errors import ApiError, SetupError, status_failure

# HTTP code -> the StatusReason the API server uses for it (apimachinery metav1).
_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def _text(body: bytes | str | None) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    return body


def status_of(code: int, reason: str | None, body: bytes | str | None) -> dict[str, Any]:
    """The Status a failed request answered with (or one worded from the HTTP code)."""
    text = _text(body).strip()
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and parsed.get("kind") == "Status":
        parsed.setdefault("code", code)
        return parsed
    message = text or reason or f"the server answered HTTP {code}"
    return status_failure(code, _REASONS.get(code, reason or "Unknown"), message)


def from_response(code: int, reason: str | None, body: bytes | str | None) -> ApiError:
    return ApiError(status_of(code, reason, body))


def from_exception(exc: Any, where: str) -> ApiError | SetupError:
    """kubernetes.client.ApiException -> ApiError; status 0 (no answer at all: TLS,
    handshake, connection) -> SetupError."""
    code = int(getattr(exc, "status", 0) or 0)
    if code == 0:
        return unreachable(where, str(getattr(exc, "reason", "") or exc))
    return from_response(code, getattr(exc, "reason", None), getattr(exc, "body", None))


def unreachable(where: str, why: str) -> SetupError:
    """The API server did not answer. `where` names the context and server, never a
    credential."""
    first = why.strip().splitlines()[0] if why.strip() else "no answer"
    return SetupError(
        f"cannot reach the Kubernetes API server of {where} ({first}). Check that the "
        "cluster runs: `kind get clusters` and `docker ps` for kind (start it with "
        "`kubelab up`), or `kubectl cluster-info` with that context; `kubelab doctor` "
        "shows what is installed"
    )


def missing_client() -> SetupError:
    return SetupError(
        "the real-cluster backend needs the Kubernetes Python client: "
        "pip install 'kubelab[kube]' (or pip install kubernetes)"
    )
