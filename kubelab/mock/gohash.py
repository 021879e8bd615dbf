"""The orders the endpoint controllers get from Go hashes, reproduced so lists print alike.

Upstream sorts some lists by a hash of the Go value, not by anything a reader would pick:
- EndpointSlice `ports`: NewPortMapKey sorts the ports in place by FNV-128a of
  `dump.ForHash(port)` (staging/src/k8s.io/endpointslice/util/controller_utils.go).
- v1 Endpoints `subsets[].ports` and `subsets`: SortSubsets sorts by MD5 of the same dump
  (pkg/api/v1/endpoints/util.go, pkg/util/hash DeepHashObject).
`dump.ForHash` is go-spew's `%#v` with DisableMethods (k8s.io/utils/dump/dump.go): types in
parentheses, strings unquoted, pointers as `(*T)value`, nil as `(*T)<nil>`, slice elements
without their type (github.com/davecgh/go-spew spew/format.go). Only the shapes these
controllers hash are written out here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

Object = dict[str, Any]

_FNV128_OFFSET = 0x6C62272E07BB014262B821756295C58D
_FNV128_PRIME = 0x0000000001000000000000000000013B
_MASK128 = (1 << 128) - 1


def fnv128a(data: bytes) -> bytes:
    """hash/fnv New128a().Sum(nil): FNV-1a, 128 bits, big-endian."""
    value = _FNV128_OFFSET
    for byte in data:
        value = ((value ^ byte) * _FNV128_PRIME) & _MASK128
    return value.to_bytes(16, "big")


def md5(data: bytes) -> bytes:
    return hashlib.md5(data, usedforsecurity=False).digest()


def _ptr(type_name: str, value: object) -> str:
    return f"(*{type_name})<nil>" if value is None else f"(*{type_name}){value}"


def _list(type_name: str, items: list[Object] | None, body: Callable[[Object], str]) -> str:
    if items is None:
        return f"([]{type_name})<nil>"
    return f"([]{type_name})[" + " ".join(body(item) for item in items) + "]"


def spew_slice_port(port: Object) -> str:
    """dump.ForHash of a discovery/v1 EndpointPort (every field a pointer)."""
    return (
        "(v1.EndpointPort){"
        f"Name:{_ptr('string', port.get('name'))} "
        f"Protocol:{_ptr('v1.Protocol', port.get('protocol'))} "
        f"Port:{_ptr('int32', port.get('port'))} "
        f"AppProtocol:{_ptr('string', port.get('appProtocol'))}"
        "}"
    )


def _core_port_body(port: Object) -> str:
    return (
        "{"
        f"Name:(string){port.get('name', '')} "
        f"Port:(int32){port['port']} "
        f"Protocol:(v1.Protocol){port.get('protocol', '')} "
        f"AppProtocol:{_ptr('string', port.get('appProtocol'))}"
        "}"
    )


def spew_core_port(port: Object) -> str:
    """dump.ForHash of a core/v1 EndpointPort."""
    return "(v1.EndpointPort)" + _core_port_body(port)


def _target_ref(ref: Object | None) -> str:
    if ref is None:
        return "(*v1.ObjectReference)<nil>"
    return (
        "(*v1.ObjectReference){"
        f"Kind:(string){ref.get('kind', '')} "
        f"Namespace:(string){ref.get('namespace', '')} "
        f"Name:(string){ref.get('name', '')} "
        f"UID:(types.UID){ref.get('uid', '')} "
        f"APIVersion:(string){ref.get('apiVersion', '')} "
        f"ResourceVersion:(string){ref.get('resourceVersion', '')} "
        f"FieldPath:(string){ref.get('fieldPath', '')}"
        "}"
    )


def _address_body(address: Object) -> str:
    return (
        "{"
        f"IP:(string){address['ip']} "
        f"Hostname:(string){address.get('hostname', '')} "
        f"NodeName:{_ptr('string', address.get('nodeName'))} "
        f"TargetRef:{_target_ref(address.get('targetRef'))}"
        "}"
    )


def spew_core_subset(subset: Object) -> str:
    """dump.ForHash of a core/v1 EndpointSubset (absent lists are Go nil slices)."""
    return (
        "(v1.EndpointSubset){"
        f"Addresses:{_list('v1.EndpointAddress', subset.get('addresses'), _address_body)} "
        "NotReadyAddresses:"
        f"{_list('v1.EndpointAddress', subset.get('notReadyAddresses'), _address_body)} "
        f"Ports:{_list('v1.EndpointPort', subset.get('ports'), _core_port_body)}"
        "}"
    )


def slice_port_order(port: Object) -> bytes:
    """Sort key of portsInOrder: the FNV-128a hash of the port's dump."""
    return fnv128a(spew_slice_port(port).encode())


def core_port_order(port: Object) -> bytes:
    """Sort key of portsByHash."""
    return md5(spew_core_port(port).encode())


def core_subset_order(subset: Object) -> bytes:
    """Sort key of subsetsByHash."""
    return md5(spew_core_subset(subset).encode())
