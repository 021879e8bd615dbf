"""Dicts <-> the API's REST calls, as pure functions: paths, queries, bodies, answers.

The real backend talks to the API server with plain JSON (no client models), so objects
come back exactly as the server wrote them, the shape the simulation returns too
(DESIGN.md "One data shape"). What the server leaves out of a list's items (their
`apiVersion` and `kind`, as kubectl fills them in) is filled in here.

On the way in, two additions, both documented for learners:
- the label app.kubernetes.io/managed-by=kubelab on every object kubelab creates or
  replaces (safety.py: that label is how kubelab knows its own objects);
- a readiness probe on each agnhost netexec container that has none (readiness.py), so
  `set_ready` can flip a pod's readiness for real.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from kubelab.errors import UsageError
from kubelab.kinds import Resource
from kubelab.kube import readiness, safety

Object = dict[str, Any]
Query = Sequence[tuple[str, str]]

PATCH_CONTENT_TYPES = {
    "strategic": "application/strategic-merge-patch+json",
    "merge": "application/merge-patch+json",
}


def base_path(res: Resource) -> str:
    return f"/apis/{res.group}/{res.version}" if res.group else f"/api/{res.version}"


def collection_path(res: Resource, namespace: str | None) -> str:
    """`/api/v1/namespaces/ns/services`, `/apis/apps/v1/deployments` (all namespaces)."""
    if res.namespaced and namespace:
        return f"{base_path(res)}/namespaces/{_segment(namespace)}/{res.plural}"
    return f"{base_path(res)}/{res.plural}"


def object_path(res: Resource, name: str, namespace: str | None,
                subresource: str | None = None) -> str:
    if not name:
        raise UsageError(f"name the {res.singular}: an empty name cannot be read")
    path = f"{collection_path(res, namespace if res.namespaced else None)}/{_segment(name)}"
    return f"{path}/{subresource}" if subresource else path


def _segment(text: str) -> str:
    return quote(text, safe="")


def list_query(selector: str | None = None, field_selector: str | None = None) -> list[
        tuple[str, str]]:
    query = []
    if selector:
        query.append(("labelSelector", selector))
    if field_selector:
        query.append(("fieldSelector", field_selector))
    return query


def decode(body: bytes | str) -> Object:
    """The JSON object of an answer."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    value = json.loads(text) if text.strip() else {}
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {type(value).__name__}")
    return value


def items_of(listed: Object, res: Resource) -> list[Object]:
    """A List's items, each with the apiVersion and kind the server leaves out."""
    items = []
    for item in listed.get("items") or []:
        obj = {"apiVersion": res.api_version, "kind": res.kind}
        obj.update(item)
        items.append(obj)
    return items


def patch_content_type(patch_type: str) -> str:
    try:
        return PATCH_CONTENT_TYPES[patch_type]
    except KeyError:
        raise UsageError("patch type must be 'strategic' or 'merge'") from None


def labelled(obj: Object) -> Object:
    """A copy of obj carrying app.kubernetes.io/managed-by=kubelab."""
    out = copy.deepcopy(obj)
    metadata = out.setdefault("metadata", {})
    labels = dict(metadata.get("labels") or {})
    labels[safety.MANAGED_BY_KEY] = safety.MANAGED_BY
    metadata["labels"] = labels
    return out


def outgoing(obj: Object, res: Resource) -> Object:
    """The body kubelab sends for a create or replace: labelled, probes added."""
    return readiness.with_probes(labelled(obj), res.kind)
