"""What the API server refuses while decoding a request, before defaults or validation.

A manifest with `version: 1` in its labels or `containerPort: "80"` never reaches
validation: the JSON decoder fails and the server answers 400 BadRequest with
`<Kind> in version "<v>" cannot be handled as a <Kind>: <decoder error>`.
Sources: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/create.go (the wrapper),
Go's encoding/json UnmarshalTypeError (the "Go struct field" text), and
staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go (quantities).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from kubelab import errors
from kubelab.mock.poddefaults import containers_of

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
_STRING_MAPS["EndpointSlice"] = ((("endpoints", "*", "deprecatedTopology"), "Endpoint"),)

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


_INT_LIMITS = {"int32": 2**31, "int64": 2**63}
_ONLY_STR = frozenset({str})


def json_type(value: Any, go_type: str = "") -> str:
    """UnmarshalTypeError.Value: the JSON type, or for a number an integer field cannot
    hold, "number" and its literal."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return f"number {value}" if go_type in _INT_LIMITS else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def decode_error(kind: str, version: str, detail: str) -> errors.ApiError:
    return errors.bad_request(
        f'{kind} in version "{version}" cannot be handled as a {kind}: {detail}'
    )


def type_error(
    kind: str, version: str, value: Any, struct: str, path: Path, go: str
) -> errors.ApiError:
    """encoding/json's UnmarshalTypeError, wrapped as the API server words it."""
    where = ".".join(part for part in path if part != "*")
    return decode_error(
        kind,
        version,
        f"json: cannot unmarshal {json_type(value, go)} into Go struct field "
        f"{struct}.{where} of type {go}",
    )


def _expand(nodes: list[Any], part: str) -> list[Any]:
    """One step down a path from every node, in document order ("*": each list's items)."""
    found: list[Any] = []  # loops, not comprehensions: most levels hold one node or none
    for node in nodes:
        if part == "*":
            if isinstance(node, list):
                found.extend(node)
        elif isinstance(node, dict) and part in node:
            found.append(node[part])
    return found


def _walk(node: Any, path: Path) -> list[tuple[Object, str]]:
    """(parent, key) for every place `path` reaches, in document order."""
    nodes = [node]
    for part in path[:-1]:
        nodes = _expand(nodes, part)
    last = path[-1]
    return [(parent, last) for parent in nodes if isinstance(parent, dict) and last in parent]


@dataclass(frozen=True)
class _Compiled:
    """A kind's checked paths, their parents numbered so that one pass over an object finds
    them all: parent i is reached by steps[i - 1] (the number of its own parent, and a part);
    0 is the object itself."""

    steps: tuple[tuple[int, str], ...]
    maps: tuple[tuple[Path, str, int], ...]  # (path, Go struct, its parent's number)
    scalars: tuple[tuple[Path, str, str, int], ...]  # (path, Go struct, Go type, parent)

    def reach(self, obj: Object) -> list[list[Any]]:
        """The nodes at each numbered parent, in document order."""
        reached: list[list[Any]] = [[obj]]
        for parent, part in self.steps:
            reached.append(_expand(reached[parent], part) if reached[parent] else [])
        return reached


@functools.cache
def _compiled(kind: str, metadata_only: bool = False) -> _Compiled:
    maps = _META_MAPS if metadata_only else _META_MAPS + _STRING_MAPS.get(kind, ())
    scalars = () if metadata_only else _SCALARS.get(kind, ())
    number: dict[Path, int] = {(): 0}
    steps: list[tuple[int, str]] = []
    for path in [path for path, _ in maps] + [path for path, _, _ in scalars]:
        for depth in range(1, len(path)):
            prefix = path[:depth]
            if prefix not in number:
                steps.append((number[prefix[:-1]], prefix[-1]))
                number[prefix] = len(steps)
    return _Compiled(
        tuple(steps),
        tuple((path, struct, number[path[:-1]]) for path, struct in maps),
        tuple((path, struct, go, number[path[:-1]]) for path, struct, go in scalars),
    )


def fits(value: Any, go_type: str) -> bool:
    """Whether a JSON value decodes into a Go string, int32 or int64 (80.0 counts as 80)."""
    if go_type == "string":
        return isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not value.is_integer():
        return False
    limit = _INT_LIMITS[go_type]
    return -limit <= value < limit


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
            raise type_error(kind, version, obj["spec"], kind, ("spec",), _SPEC_TYPES[kind])
    prefix = _CONTAINER_LISTS.get(kind)
    if prefix is None:
        return
    for parent, key in _walk(obj, (*prefix, "containers")):
        containers = parent[key]
        path = (*prefix, "containers")
        if containers is not None and not isinstance(containers, list):
            raise type_error(kind, version, containers, "PodSpec", path, "[]v1.Container")
        for item in containers or []:
            if not isinstance(item, dict):
                raise type_error(kind, version, item, "PodSpec", path, "v1.Container")
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
        raise type_error(kind, version, value, "Container", path, "[]" + go_type)
    for item in value:
        if not isinstance(item, dict):
            raise type_error(kind, version, item, "Container", path, go_type)


def check(obj: Object, kind: str, version: str) -> None:
    """Raise the decoder's 400 for a wrongly typed field; a null map value decodes to "".

    The API server runs this for every kind before defaulting (mock/api.py)."""
    _check_shapes(obj, kind, version)
    compiled = _compiled(kind)
    reached = compiled.reach(obj)  # only leaves change below, so what was reached stays valid
    _check_maps(compiled, reached, kind, version)
    for path, struct, go_type, parent_number in compiled.scalars:
        key = path[-1]
        for parent in reached[parent_number]:
            if not isinstance(parent, dict) or key not in parent:
                continue
            value = parent[key]
            if value is None or (type(value) is str and go_type == "string"):
                continue
            if not fits(value, go_type):
                raise type_error(kind, version, value, struct, path, go_type)
            if isinstance(value, float):
                parent[key] = int(value)
    _check_quantities(obj, kind, version)


def check_metadata(obj: Object, kind: str, version: str) -> None:
    """The part of `check` that looks at metadata (labels and annotations), for a body whose
    other parts are known to decode (mock/podhandler.py)."""
    compiled = _compiled(kind, metadata_only=True)
    _check_maps(compiled, compiled.reach(obj), kind, version)


def _check_maps(compiled: _Compiled, reached: list[list[Any]], kind: str, version: str) -> None:
    for path, struct, parent_number in compiled.maps:
        key = path[-1]
        for parent in reached[parent_number]:
            if isinstance(parent, dict) and key in parent:
                _check_string_map(parent, key, kind, version, struct, path)


def _check_string_map(
    parent: Object, key: str, kind: str, version: str, struct: str, path: Path
) -> None:
    """A map[string]string: an object whose values are strings (null decodes to "")."""
    mapping = parent[key]
    if mapping is None:
        return
    if not isinstance(mapping, dict):
        raise type_error(kind, version, mapping, struct, path, "map[string]string")
    if _ONLY_STR.issuperset(map(type, mapping.values())):
        return  # the usual case, checked without a Python loop
    for item in sorted(mapping):
        value = mapping[item]
        if value is None:
            mapping[item] = ""
        elif not isinstance(value, str):
            raise type_error(kind, version, value, struct, path, "string")


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
    return _parse_quantity_text(str(value).strip() if not isinstance(value, str) else value)


@functools.lru_cache(maxsize=1024)
def _parse_quantity_text(text: str) -> Fraction:
    """A pure function of the text (a Fraction is immutable), so remembering is safe; the
    controllers parse the same few quantities again and again."""
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


def _containers(obj: Object, kind: str) -> list[Object]:
    """The regular then init containers of a kind's pod spec, those that are objects."""
    spec: Any = obj
    for key in _CONTAINER_LISTS.get(kind, ()):
        spec = spec.get(key) if isinstance(spec, dict) else None
    return containers_of(spec) if isinstance(spec, dict) else []


def _resource_lists(obj: Object, kind: str) -> Iterator[Object]:
    """The ResourceLists (maps of quantities) of a kind: containers' requests and limits,
    a Node's capacity and allocatable."""
    for container in _containers(obj, kind):
        resources = container.get("resources")
        for section in ("requests", "limits"):
            yield (resources or {}).get(section) or {}
    status = obj.get("status") if kind == "Node" else None
    if isinstance(status, dict):
        for section in ("capacity", "allocatable"):
            section_map = status.get(section)
            yield section_map if isinstance(section_map, dict) else {}


def _check_quantities(obj: Object, kind: str, version: str) -> None:
    """Every quantity must parse, or decoding fails."""
    for resource_list in _resource_lists(obj, kind):
        for quantity in resource_list.values():
            try:
                parse_quantity(quantity)
            except QuantityError as exc:
                raise decode_error(kind, version, str(exc)) from None
