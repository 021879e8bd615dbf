"""Small readers and formatters shared by the get and describe views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubelab import selectors

Obj = Mapping[str, Any]


def meta(obj: Obj) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def spec(obj: Obj) -> Mapping[str, Any]:
    return obj.get("spec") or {}


def status(obj: Obj) -> Mapping[str, Any]:
    return obj.get("status") or {}


def name(obj: Obj) -> str:
    return str(meta(obj).get("name", ""))


def namespace(obj: Obj) -> str:
    return str(meta(obj).get("namespace", ""))


def format_labels(labels: Mapping[str, Any] | None) -> str:
    """labels.FormatLabels: `a=1,b=2` with keys sorted, "<none>" when there are none."""
    if not labels:
        return "<none>"
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def selector_string(selector: Mapping[str, Any] | None) -> str:
    """labels.Selector.String() of a metav1.LabelSelector: requirements sorted by key,
    written `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; "" when it selects all (or none).

    Source: apimachinery pkg/labels/selector.go (Requirement.String, internalSelector.Add).
    """
    requirements = sorted(selectors.from_label_selector(selector), key=lambda r: r.key)
    return ",".join(_requirement_string(req) for req in requirements)


def format_label_selector(selector: Mapping[str, Any] | None) -> str:
    """metav1.FormatLabelSelector: the selector string, "<none>" when it is empty."""
    return selector_string(selector) or "<none>"


def _requirement_string(req: selectors.Requirement) -> str:
    if req.operator == "exists":
        return req.key
    if req.operator == "!":
        return f"!{req.key}"
    if req.operator in ("in", "notin"):
        return f"{req.key} {req.operator} ({','.join(req.values)})"
    return f"{req.key}{req.operator}{req.values[0] if req.values else ''}"


def join_host_port(host: str, port: object) -> str:
    """net.JoinHostPort: IPv6 addresses get brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def container_cells(containers: list[Mapping[str, Any]]) -> tuple[str, str]:
    """layoutContainerCells: container names and images, comma-separated."""
    names = ",".join(str(c.get("name", "")) for c in containers)
    images = ",".join(str(c.get("image", "")) for c in containers)
    return names, images


def go_bool(value: Any) -> str:
    """A bool as Go's %v writes it."""
    return "true" if value else "false"
