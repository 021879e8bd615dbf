"""What one EndpointSlice holds: endpoints from pods, ports from the Service, its metadata.

Sources: staging/src/k8s.io/endpointslice/utils.go (podToEndpoint, getEndpointPorts,
newEndpointSlice, setEndpointSliceLabels, ownedBy, getAddressTypesForService),
staging/src/k8s.io/endpointslice/util/endpointset.go (hashEndpoint) and
util/controller_utils.go (NewPortMapKey, EndpointsEqualBeyondHash).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from kubelab.mock import endpointutil as eu
from kubelab.mock.gohash import slice_port_order
from kubelab.ports import resolve_target_port

Object = dict[str, Any]

CONTROLLER_NAME = "endpointslice-controller.k8s.io"  # controllerQualifiedName
LABEL_ZONE = "topology.kubernetes.io/zone"
_RESERVED = frozenset((eu.LABEL_SERVICE_NAME, eu.LABEL_MANAGED_BY, eu.LABEL_HEADLESS))


def address_types(service: Object) -> list[str]:
    """getAddressTypesForService: from spec.ipFamilies, else the clusterIP, else both."""
    spec = service.get("spec") or {}
    families = [f for f in ("IPv4", "IPv6") if f in (spec.get("ipFamilies") or ())]
    if families:
        return families
    if eu.is_service_ip_set(service):
        return ["IPv6" if eu.is_ipv6(spec["clusterIP"]) else "IPv4"]
    return ["IPv4", "IPv6"]


def endpoint_ports(service: Object, pod: Object) -> list[Object]:
    """getEndpointPorts: each Service port this pod resolves; the others are left out."""
    ports: list[Object] = []
    for service_port in (service.get("spec") or {}).get("ports") or ():
        number = resolve_target_port(service_port, pod)
        if number is None:
            continue
        port = {
            "name": service_port.get("name", ""),
            "protocol": service_port.get("protocol", "TCP"),
            "port": number,
        }
        if service_port.get("appProtocol") is not None:
            port["appProtocol"] = service_port["appProtocol"]
        ports.append(port)
    return ports


def _port_tuple(port: Object) -> tuple[Any, ...]:
    return (port.get("name"), port.get("protocol"), port.get("port"), port.get("appProtocol"))


def port_map_key(ports: list[Object] | None) -> tuple[tuple[Any, ...], ...]:
    """NewPortMapKey: the same ports in any order are one mapping."""
    found = [_port_tuple(p) for p in ports or ()]
    if len(found) > 1:  # most Services have one port: nothing to order
        found.sort(key=repr)
    return tuple(found)


@lru_cache(maxsize=4096)
def _port_order(port: tuple[Any, ...]) -> bytes:
    name, protocol, number, app_protocol = port
    return slice_port_order(
        {"name": name, "protocol": protocol, "port": number, "appProtocol": app_protocol}
    )


def order_ports(ports: list[Object]) -> list[Object]:
    """NewPortMapKey sorts the slice's ports in place by their FNV-128a hash."""
    if len(ports) < 2:
        return ports
    return sorted(ports, key=lambda p: _port_order(_port_tuple(p)))


def pod_to_endpoint(pod: Object, node: Object | None, service: Object, address_type: str) -> Object:
    """podToEndpoint. ready = serving and not terminating, or publishNotReadyAddresses."""
    meta, spec = pod["metadata"], pod.get("spec") or {}
    serving = eu.is_pod_ready(pod)
    terminating = "deletionTimestamp" in meta
    publish = bool((service.get("spec") or {}).get("publishNotReadyAddresses"))
    want_v6 = address_type == "IPv6"
    endpoint: Object = {
        "addresses": [ip for ip in eu.pod_ips(pod) if eu.is_ipv6(ip) == want_v6],
        "conditions": {
            "ready": publish or (serving and not terminating),
            "serving": serving,
            "terminating": terminating,
        },
    }
    if eu.should_set_hostname(pod, service):
        endpoint["hostname"] = spec["hostname"]
    endpoint["targetRef"] = {
        "kind": "Pod",
        "namespace": meta.get("namespace", ""),
        "name": meta["name"],
        "uid": meta.get("uid", ""),
    }
    if spec.get("nodeName"):
        endpoint["nodeName"] = spec["nodeName"]
    zone = ((node or {}).get("metadata", {}).get("labels") or {}).get(LABEL_ZONE)
    if zone:
        endpoint["zone"] = zone
    return endpoint


def endpoint_hash(endpoint: Object) -> tuple[Any, ...]:
    """hashEndpoint: addresses, hostname and the target's namespace/name identify it."""
    ref = endpoint.get("targetRef") or {}
    addresses = tuple(sorted(endpoint.get("addresses") or ()))
    return addresses, endpoint.get("hostname") or "", ref.get("namespace", ""), ref.get("name", "")


def beyond_hash(endpoint: Object) -> tuple[Any, ...]:
    """What EndpointsEqualBeyondHash compares (targetRef without resourceVersion)."""
    conditions = endpoint.get("conditions") or {}
    ref = endpoint.get("targetRef") or {}
    if "resourceVersion" in ref:
        ref = {k: v for k, v in ref.items() if k != "resourceVersion"}
    return (
        endpoint.get("nodeName"),
        endpoint.get("zone"),
        conditions.get("ready"),
        conditions.get("serving"),
        conditions.get("terminating"),
        ref,
    )


def owner_reference(service: Object) -> Object:
    """metav1.NewControllerRef(service)."""
    meta = service["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "name": meta["name"],
        "uid": meta.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def owned_by(endpoint_slice: Object, service: Object) -> bool:
    uid = service["metadata"].get("uid")
    return any(
        ref.get("uid") == uid and ref.get("kind") == "Service" and ref.get("apiVersion") == "v1"
        for ref in endpoint_slice["metadata"].get("ownerReferences") or ()
    )


def slice_labels(current: dict[str, str] | None, service: Object) -> tuple[dict[str, str], bool]:
    """setEndpointSliceLabels: the Service's labels, the reserved ones set by the controller.

    The bool says whether the non-reserved labels differ from the Service's.
    """
    mine = {k: v for k, v in (current or {}).items() if k not in _RESERVED}
    wanted = {
        k: v for k, v in (service["metadata"].get("labels") or {}).items() if k not in _RESERVED
    }
    changed = mine != wanted
    if not eu.is_service_ip_set(service):
        wanted[eu.LABEL_HEADLESS] = ""
    wanted[eu.LABEL_SERVICE_NAME] = service["metadata"]["name"]
    wanted[eu.LABEL_MANAGED_BY] = CONTROLLER_NAME
    return dict(sorted(wanted.items())), changed


def new_slice(service: Object, ports: list[Object], address_type: str) -> Object:
    """newEndpointSlice: generateName `<service>-`, owned by the Service."""
    meta = service["metadata"]
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "generateName": f"{meta['name']}-",
            "namespace": meta.get("namespace", ""),
            "labels": slice_labels(None, service)[0],
            "ownerReferences": [owner_reference(service)],
        },
        "addressType": address_type,
        "endpoints": [],
        "ports": ports,
    }


def copy_slice(endpoint_slice: Object) -> Object:
    """A copy safe to change at the top level (the store's object stays untouched)."""
    copied = dict(endpoint_slice)
    copied["metadata"] = dict(endpoint_slice["metadata"])
    copied["endpoints"] = list(endpoint_slice.get("endpoints") or ())
    return copied


def slice_name(endpoint_slice: Object) -> str:
    return str(endpoint_slice["metadata"].get("name", ""))
