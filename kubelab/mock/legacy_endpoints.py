"""The v1 Endpoints controller (deprecated API since v1.33, still run by kube-controller-manager).

One Endpoints object per Service with a selector, named like the Service. Sources:
pkg/controller/endpoint/endpoints_controller.go (syncService, addEndpointSubset,
truncateEndpoints, capacityAnnotationSetCorrectly, podToEndpointAddressForService) and
pkg/api/v1/endpoints/util.go (RepackSubsets, SortSubsets). Unlike EndpointSlices, a
terminating pod is left out unless the Service publishes not-ready addresses.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from kubelab import errors
from kubelab.kinds import resource_for
from kubelab.mock import controller_utils as cu
from kubelab.mock import endpointutil as eu
from kubelab.mock.endpointindex import Key, PodServiceIndex
from kubelab.mock.gohash import core_port_order, core_subset_order
from kubelab.ports import resolve_target_port

if TYPE_CHECKING:
    from kubelab.mock.api import ApiServer

Object = dict[str, Any]

MAX_CAPACITY = 1000  # maxCapacity: addresses kept in one Endpoints object
LABEL_MANAGED_BY = "endpoints.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpoint-controller"
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
_ENDPOINTS = resource_for("endpoints")
_NO_PORTS = ("", -1, "", None)  # RepackSubsets' sentinel port: keep addresses with no port


class EndpointsController:
    """Keeps `Endpoints/<service>` in step with the Service's pods (a Controller)."""

    def __init__(self, index: PodServiceIndex) -> None:
        self.index = index
        self.triggers = eu.TriggerTimeTracker()
        self._dirty: set[Key] = set()
        index.subscribers.append(self._dirty)
        self._writing = False

    def observe(self, plural: str, event: str, obj: Object) -> None:
        """Pods and Services reach this controller through the shared index; of Endpoints,
        only a deletion requeues (onEndpointsDelete)."""
        if plural == "endpoints" and event == "DELETED" and not self._writing:
            meta = obj["metadata"]
            self._dirty.add((meta.get("namespace", ""), meta["name"]))

    def queue_leftovers(self, api: ApiServer) -> None:
        """checkLeftoverEndpoints, once at start: an Endpoints without a Service goes."""
        for obj in api.store.items("endpoints"):
            self._dirty.add((obj["metadata"].get("namespace", ""), obj["metadata"]["name"]))

    def next_deadline(self, api: ApiServer) -> float | None:
        return None

    def sync(self, api: ApiServer) -> bool:
        self._writing = True
        try:
            return cu.sync_each(self._dirty, lambda key: self._sync_service(api, key))
        finally:
            self._writing = False

    def _sync_service(self, api: ApiServer, key: Key) -> bool:
        namespace, name = key
        service = self.index.services.get(key)
        current = api.store.get("endpoints", namespace, name)
        if service is None:  # the Service is gone: so is its Endpoints, whoever made it
            self.triggers.delete(namespace, name)
            if current is None:
                return False
            api.delete_object(_ENDPOINTS, name, namespace)
            return True
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName" or eu.service_selector(service) is None:
            return False
        pods = self.index.pods_selected(namespace, eu.service_selector(service) or {})
        trigger = self.triggers.compute(service, pods)
        subsets = desired_subsets(service, pods)
        if current is not None and _up_to_date(current, subsets, service):
            return False
        wanted = _endpoints_object(service, current, subsets, trigger)
        if current is None:
            try:
                api.create_object(wanted)
            except errors.ApiError as err:
                if err.code == 403:  # namespace terminating
                    return False
                raise
            return True
        return api.update_object(wanted) is not current


def desired_subsets(service: Object, pods: list[Object]) -> list[Object]:
    """The subsets of syncService: one per pod and port, then repacked and sorted."""
    spec = service.get("spec") or {}
    publish = bool(spec.get("publishNotReadyAddresses"))
    entries: list[tuple[Object, bool, Object | None]] = []
    for pod in pods:
        if not eu.should_pod_be_in_endpoints(pod, include_terminating=publish):
            continue
        address = pod_address(service, pod)
        if address is None:
            continue
        ready = publish or eu.is_pod_ready(pod)
        service_ports = spec.get("ports") or []
        if not service_ports:
            if spec.get("clusterIP") == "None":  # a headless Service may have no ports
                entries.append((address, ready, None))
            continue
        for service_port in service_ports:
            number = resolve_target_port(service_port, pod)
            if number is not None:
                entries.append((address, ready, _endpoint_port(service_port, number)))
    return repack(entries)


def pod_address(service: Object, pod: Object) -> Object | None:
    """podToEndpointAddressForService: the pod IP of the Service's primary family."""
    spec = service.get("spec") or {}
    families = spec.get("ipFamilies") or []
    if families:
        v6 = families[0] == "IPv6"
    elif eu.is_service_ip_set(service):
        v6 = eu.is_ipv6(spec["clusterIP"])
    else:
        v6 = eu.is_ipv6((pod.get("status") or {}).get("podIP") or "")
    ip = next((ip for ip in eu.pod_ips(pod) if eu.is_ipv6(ip) == v6), None)
    if ip is None:
        return None
    meta, pod_spec = pod["metadata"], pod.get("spec") or {}
    address: Object = {"ip": ip}
    if eu.should_set_hostname(pod, service):
        address["hostname"] = pod_spec["hostname"]
    address["nodeName"] = pod_spec.get("nodeName", "")
    address["targetRef"] = {
        "kind": "Pod",
        "namespace": meta.get("namespace", ""),
        "name": meta["name"],
        "uid": meta.get("uid", ""),
    }
    return address


def _endpoint_port(service_port: Object, number: int) -> Object:
    port: Object = {}
    if service_port.get("name"):
        port["name"] = service_port["name"]
    port["port"] = number
    port["protocol"] = service_port.get("protocol", "TCP")
    if service_port.get("appProtocol") is not None:
        port["appProtocol"] = service_port["appProtocol"]
    return port


def _port_key(port: Object | None) -> tuple[Any, ...]:
    if port is None:
        return _NO_PORTS
    return (port.get("name", ""), port["port"], port["protocol"], port.get("appProtocol"))


def _address_order(address: Object) -> tuple[bytes, int, str]:
    """LessEndpointAddress: IP bytes, then the target's UID."""
    ref = address.get("targetRef")
    return address["ip"].encode(), 0 if ref is None else 1, (ref or {}).get("uid", "")


def repack(entries: list[tuple[Object, bool, Object | None]]) -> list[Object]:
    """RepackSubsets: ports that share the same addresses (and readiness) share a subset.

    An address is deduplicated by IP and UID; not ready wins over ready for one port.
    """
    addresses: dict[tuple[str, str], Object] = {}
    by_port: dict[tuple[Any, ...], tuple[Object | None, dict[tuple[str, str], bool]]] = {}
    for address, ready, port in entries:
        akey = (address["ip"], (address.get("targetRef") or {}).get("uid", ""))
        addresses.setdefault(akey, address)
        readiness = by_port.setdefault(_port_key(port), (port, {}))[1]
        if readiness.get(akey, True):
            readiness[akey] = ready
    groups: dict[frozenset[tuple[tuple[str, str], bool]], list[Object]] = {}
    for port, readiness in by_port.values():
        ports = groups.setdefault(frozenset(readiness.items()), [])
        if port is not None:
            ports.append(port)
    subsets = []
    for group, ports in groups.items():
        subset: Object = {}
        ready_ones = [addresses[k] for k, is_ready in group if is_ready]
        not_ready = [addresses[k] for k, is_ready in group if not is_ready]
        if ready_ones:
            subset["addresses"] = sorted(ready_ones, key=_address_order)
        if not_ready:
            subset["notReadyAddresses"] = sorted(not_ready, key=_address_order)
        if ports:
            subset["ports"] = sorted(ports, key=core_port_order) if len(ports) > 1 else ports
        subsets.append(subset)
    return sorted(subsets, key=core_subset_order) if len(subsets) > 1 else subsets


def truncate(subsets: list[Object]) -> bool:
    """truncateEndpoints: keep 1,000 addresses, ready ones first, each subset its share."""
    total_ready = sum(len(s.get("addresses") or ()) for s in subsets)
    total_not_ready = sum(len(s.get("notReadyAddresses") or ()) for s in subsets)
    if total_ready + total_not_ready <= MAX_CAPACITY:
        return False
    truncate_ready = total_ready > MAX_CAPACITY
    most = MAX_CAPACITY if truncate_ready else MAX_CAPACITY - total_ready
    total = total_ready if truncate_ready else total_not_ready
    room = most
    field = "addresses" if truncate_ready else "notReadyAddresses"
    for subset in subsets:
        kept = subset.get(field) or []
        share = min(math.ceil((len(kept) / total) * most), room)
        if kept:
            subset[field] = kept[:share]
        if truncate_ready:
            subset.pop("notReadyAddresses", None)
        room -= len(subset.get(field) or ())
        if not subset.get(field):
            subset.pop(field, None)
    return True


def _without_versions(subsets: list[Object]) -> list[Object]:
    """Subsets compared as endpointSubsetsEqualIgnoreResourceVersion compares them."""
    out = []
    for subset in subsets:
        copied = dict(subset)
        for part in ("addresses", "notReadyAddresses"):
            if part in copied:
                copied[part] = [
                    {
                        **a,
                        "targetRef": {
                            k: v for k, v in a["targetRef"].items() if k != "resourceVersion"
                        },
                    }
                    if a.get("targetRef")
                    else a
                    for a in copied[part]
                ]
        out.append({k: v for k, v in copied.items() if v})
    return out


def _up_to_date(current: Object, subsets: list[Object], service: Object) -> bool:
    """Subsets, labels (the controller's own ones aside) and the capacity annotation agree."""
    meta = current["metadata"]
    labels = {
        k: v
        for k, v in (meta.get("labels") or {}).items()
        if k not in (eu.LABEL_HEADLESS, LABEL_MANAGED_BY)
    }
    current_subsets = current.get("subsets") or []
    count = sum(
        len(s.get("addresses") or ()) + len(s.get("notReadyAddresses") or ())
        for s in current_subsets
    )
    capacity_ok = count <= MAX_CAPACITY and OVER_CAPACITY not in (meta.get("annotations") or {})
    return (
        _without_versions(current_subsets) == _without_versions(subsets)
        and labels == (service["metadata"].get("labels") or {})
        and capacity_ok
    )


def _endpoints_object(
    service: Object, current: Object | None, subsets: list[Object], trigger: str | None
) -> Object:
    """The object syncService writes: labels from the Service, annotations it owns."""
    svc_meta = service["metadata"]
    if current is None:
        obj: Object = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": svc_meta["name"], "namespace": svc_meta.get("namespace", "")},
        }
    else:
        obj = {k: v for k, v in current.items() if k != "subsets"}
        obj["metadata"] = dict(current["metadata"])
    meta = obj["metadata"]
    labels = dict(svc_meta.get("labels") or {})
    labels[LABEL_MANAGED_BY] = CONTROLLER_NAME
    if eu.is_service_ip_set(service):
        labels.pop(eu.LABEL_HEADLESS, None)
    else:
        labels[eu.LABEL_HEADLESS] = ""
    meta["labels"] = dict(sorted(labels.items()))
    annotations = dict(meta.get("annotations") or {})
    if trigger:
        annotations[eu.LAST_CHANGE_TRIGGER_TIME] = trigger
    else:
        annotations.pop(eu.LAST_CHANGE_TRIGGER_TIME, None)
    subsets = [dict(s) for s in subsets]
    if truncate(subsets):
        annotations[OVER_CAPACITY] = "truncated"
    else:
        annotations.pop(OVER_CAPACITY, None)
    if annotations:
        meta["annotations"] = dict(sorted(annotations.items()))
    else:
        meta.pop("annotations", None)
    if subsets:
        obj["subsets"] = subsets
    return obj
