"""What the API server refuses while decoding a request, before defaults or validation.

A manifest with `version: 1` in its labels or `containerPort: "80"` never reaches
validation: the JSON decoder fails and the server answers 400 BadRequest with
`<Kind> in version "<v>" cannot be handled as a <Kind>: <decoder error>`.
Sources: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/create.go (the wrapper),
Go's encoding/json UnmarshalTypeError (the "Go struct field" text), and
staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go (quantities).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from kubelab import errors

Object = dict[str, Any]
Path = tuple[str, ...]  # "*" stands for every element of a list

# String maps (labels, selectors) and the Go struct that holds each.
_META_MAPS: tuple[tuple[Path, str], ...] = (
    (("metadata", "labels"), "ObjectMeta"),
    (("metadata", "annotations"), "ObjectMeta"),
)
_TEMPLATE = ("spec", "template")
_POD_SPEC_MAPS: tuple[tuple[Path, str], ...] = ((("spec", "nodeSelector"), "PodSpec"),)
_STRING_MAPS: dict[str, tuple[tuple[Path, str], ...]] = {
    "Service": ((("spec", "selector"), "ServiceSpec"),),
    "Pod": _POD_SPEC_MAPS,
    "Deployment": (
        (("spec", "selector", "matchLabels"), "LabelSelector"),
        ((*_TEMPLATE, "metadata", "labels"), "ObjectMeta"),
        ((*_TEMPLATE, "metadata", "annotations"), "ObjectMeta"),
        ((*_TEMPLATE, "spec", "nodeSelector"), "PodSpec"),
    ),
}
_STRING_MAPS["ReplicaSet"] = _STRING_MAPS["Deployment"]

# Scalar fields a learner types by hand, with their Go struct and type.
_CONTAINER_FIELDS: tuple[tuple[Path, str, str], ...] = (
    (("name",), "Container", "string"),
    (("image",), "Container", "string"),
    (("ports", "*", "containerPort"), "ContainerPort", "int32"),
    (("ports", "*", "hostPort"), "ContainerPort", "int32"),
    (("ports", "*", "name"), "ContainerPort", "string"),
    (("ports", "*", "protocol"), "ContainerPort", "string"),
)


def _pod_spec_fields(prefix: Path) -> tuple[tuple[Path, str, str], ...]:
    fields = [
        ((*prefix, "containers", "*", *path), struct, go_type)
        for path, struct, go_type in _CONTAINER_FIELDS
    ]
    fields.append(((*prefix, "nodeName"), "PodSpec", "string"))
    fields.append(((*prefix, "terminationGracePeriodSeconds"), "PodSpec", "int64"))
    return tuple(fields)


_SCALARS: dict[str, tuple[tuple[Path, str, str], ...]] = {
    "Pod": _pod_spec_fields(("spec",)),
    "Deployment": (
        (("spec", "replicas"), "DeploymentSpec", "int32"),
        *_pod_spec_fields(("spec", "template", "spec")),
    ),
    "ReplicaSet": (
        (("spec", "replicas"), "ReplicaSetSpec", "int32"),
        *_pod_spec_fields(("spec", "template", "spec")),
    ),
}


def json_type(value: Any) -> str:
    """The JSON type name encoding/json puts in its errors."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def decode_error(kind: str, version: str, detail: str) -> errors.ApiError:
    return errors.bad_request(
        f'{kind} in version "{version}" cannot be handled as a {kind}: {detail}'
    )


def _type_error(kind: str, version: str, value: Any, struct: str, path: Path, go: str) -> Any:
    where = ".".join(part for part in path if part != "*")
    return decode_error(
        kind,
        version,
        f"json: cannot unmarshal {json_type(value)} into Go struct field "
        f"{struct}.{where} of type {go}",
    )


def _walk(node: Any, path: Path) -> Iterator[tuple[Object, str]]:
    """(parent, key) for every place `path` reaches in `node`."""
    if not path or not isinstance(node, dict):
        return
    head, rest = path[0], path[1:]
    if head not in node:
        return
    if not rest:
        yield node, head
        return
    child = node[head]
    if rest[0] == "*":
        for item in child if isinstance(child, list) else []:
            yield from _walk(item, rest[1:]) if rest[1:] else ()
    else:
        yield from _walk(child, rest)


def _fits(value: Any, go_type: str) -> bool:
    if go_type == "string":
        return isinstance(value, str)
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_SPEC_TYPES = {
    "Pod": "v1.PodSpec",
    "Deployment": "v1.DeploymentSpec",
    "ReplicaSet": "v1.ReplicaSetSpec",
    "Namespace": "v1.NamespaceSpec",
    "Node": "v1.NodeSpec",
}
_CONTAINER_LISTS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
}


def _check_shapes(obj: Object, kind: str, version: str) -> None:
    """`spec` must be an object (null decodes to the empty struct), containers a list of
    objects."""
    if kind in _SPEC_TYPES and "spec" in obj:
        if obj["spec"] is None:
            obj["spec"] = {}
        elif not isinstance(obj["spec"], dict):
            raise _type_error(kind, version, obj["spec"], kind, ("spec",), _SPEC_TYPES[kind])
    prefix = _CONTAINER_LISTS.get(kind)
    if prefix is None:
        return
    for parent, key in _walk(obj, (*prefix, "containers")):
        containers = parent[key]
        path = (*prefix, "containers")
        if containers is not None and not isinstance(containers, list):
            raise _type_error(kind, version, containers, "PodSpec", path, "[]v1.Container")
        for item in containers or []:
            if not isinstance(item, dict):
                raise _type_error(kind, version, item, "PodSpec", path, "v1.Container")
            for key, go_type in _CONTAINER_LIST_FIELDS:
                _check_list(item.get(key), kind, version, (*path, key), go_type)


_CONTAINER_LIST_FIELDS = (
    ("ports", "v1.ContainerPort"),
    ("env", "v1.EnvVar"),
    ("volumeMounts", "v1.VolumeMount"),
)


def _check_list(value: Any, kind: str, version: str, path: Path, go_type: str) -> None:
    """A list of objects in a Container (`ports: [80]` is a common slip)."""
    if value is None:
        return
    if not isinstance(value, list):
        raise _type_error(kind, version, value, "Container", path, "[]" + go_type)
    for item in value:
        if not isinstance(item, dict):
            raise _type_error(kind, version, item, "Container", path, go_type)


def check(obj: Object, kind: str, version: str) -> None:
    """Raise the decoder's 400 for a wrongly typed field; a null map value decodes to ""."""
    _check_shapes(obj, kind, version)
    for path, struct in _META_MAPS + _STRING_MAPS.get(kind, ()):
        for parent, key in _walk(obj, path):
            mapping = parent[key]
            if not isinstance(mapping, dict):
                continue
            for item in sorted(mapping):
                value = mapping[item]
                if value is None:
                    mapping[item] = ""
                elif not isinstance(value, str):
                    raise _type_error(kind, version, value, struct, path, "string")
    for path, struct, go_type in _SCALARS.get(kind, ()):
        for parent, key in _walk(obj, path):
            value = parent[key]
            if value is not None and not _fits(value, go_type):
                raise _type_error(kind, version, value, struct, path, go_type)
            if isinstance(value, float):
                parent[key] = int(value)


# -- quantities (resource.Quantity) ----------------------------------------------------------

_QUANTITY_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_QUANTITY = re.compile(_QUANTITY_RE)
_SUFFIXES = {
    "": Fraction(1),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}


class QuantityError(ValueError):
    pass


def parse_quantity(value: Any) -> Fraction:
    """resource.ParseQuantity: "250m", "1.5Gi", "2e3", 1 -> an exact number."""
    text = str(value).strip() if not isinstance(value, str) else value
    match = _QUANTITY.match(text)
    if not match:
        raise QuantityError(f"quantities must match the regular expression '{_QUANTITY_RE}'")
    number, suffix = match.groups()
    try:
        amount = Fraction(number)
    except ValueError:
        raise QuantityError("unable to parse numeric part of quantity") from None
    if suffix in _SUFFIXES:
        return amount * _SUFFIXES[suffix]
    exponent = re.fullmatch(r"[eE]([-+]?[0-9]+)", suffix)
    if not exponent:
        raise QuantityError("unable to parse quantity's suffix")
    return amount * Fraction(10) ** int(exponent.group(1))


def check_quantities(obj: Object, kind: str, version: str, containers: list[Any]) -> None:
    """Every resources.requests/limits value must parse, or decoding fails."""
    for container in containers:
        resources = container.get("resources") if isinstance(container, dict) else None
        for section in ("requests", "limits"):
            for quantity in ((resources or {}).get(section) or {}).values():
                try:
                    parse_quantity(quantity)
                except QuantityError as exc:
                    raise decode_error(kind, version, str(exc)) from None
