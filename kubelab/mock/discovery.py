"""EndpointSlices (discovery.k8s.io/v1) and v1 Endpoints: defaults, strategy, validation.

The controllers that write these live elsewhere (kubelab.mock.endpointslices); this is the
API's side: what it fills in and what it refuses.
Sources (kubernetes/kubernetes): pkg/apis/discovery/v1/defaults.go (port name "" and
protocol TCP), pkg/apis/discovery/validation/validation.go (ValidateEndpointSlice,
addressType immutable on update), pkg/registry/discovery/endpointslice/strategy.go
(generation 1 on create, +1 when anything but metadata changes or the labels do),
pkg/apis/core/v1/defaults.go SetDefaults_Endpoints, pkg/apis/core/validation/validation.go
(ValidateEndpoints, ValidateEndpointIP), staging/src/k8s.io/apimachinery/pkg/util/
validation/ip.go and validation.go (IsValidIP, IsValidIPv4Address, IsFullyQualifiedDomainName).
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from kubelab.mock import corefields, field, meta
from kubelab.mock.api import Finish, Handler
from kubelab.mock.field import FieldError

Object = dict[str, Any]
Errors = list[FieldError]

ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]  # sets.List: sorted
MAX_ENDPOINTS, MAX_ADDRESSES, MAX_PORTS, MAX_ZONE_HINTS = 1000, 100, 20000, 8


def _noop(success: bool) -> None:
    return None


def _parse_ip(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if type(value) is not str:
        return _parse_any_ip(value)
    return _parse_ip_text(value)


@functools.lru_cache(maxsize=4096)
def _parse_ip_text(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Remembered: pod addresses are validated again at every write of their slice."""
    return _parse_any_ip(value)


def _parse_any_ip(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


_LINK_LOCAL_MULTICAST_V4 = ipaddress.ip_network("224.0.0.0/24")


def endpoint_ip_errors(value: str, path: str) -> Errors:
    """ValidateEndpointIP: no unspecified, loopback or link-local addresses."""
    problems = _endpoint_ip_text_problems(value) if type(value) is str else (
        _endpoint_ip_problems(value))
    return [field.invalid(path, value, message) for message in problems]


@functools.lru_cache(maxsize=4096)
def _endpoint_ip_text_problems(value: str) -> tuple[str, ...]:
    """Remembered: a pod's address is checked in its slice and in its Endpoints, at every
    write of each."""
    return tuple(_endpoint_ip_problems(value))


def _endpoint_ip_problems(value: Any) -> list[str]:
    ip = _parse_ip(value)
    if ip is None:
        return ["must be a valid IP address"]
    problems = []
    if ip.is_unspecified:
        problems.append(f"may not be unspecified ({value})")
    if ip.is_loopback:
        problems.append("may not be in the loopback range (127.0.0.0/8, ::1/128)")
    if ip.is_link_local and not ip.is_multicast:
        problems.append("may not be in the link-local range (169.254.0.0/16, fe80::/10)")
    link_local_multicast = (
        ip in _LINK_LOCAL_MULTICAST_V4
        if ip.version == 4
        else ip.packed[0] == 0xFF and ip.packed[1] & 0x0F == 0x02
    )
    if link_local_multicast:
        problems.append("may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")
    return problems


def fqdn_errors(value: str, path: str) -> Errors:
    """IsFullyQualifiedDomainName: a DNS subdomain of at least two labels."""
    if not value:
        return [field.required(path)]
    name = value[:-1] if value.endswith(".") else value
    if msgs := meta.dns1123_subdomain_errors(name):
        return [field.invalid(path, name, ",".join(msgs))]
    if len(name.split(".")) < 2:
        message = "should be a domain with at least two segments separated by dots"
        return [field.invalid(path, name, message)]
    for label in name.split("."):
        if msgs := meta.dns1123_label_errors(label):
            return [field.invalid(path, label, ",".join(msgs))]
    return []


def _address_errors(address: str, address_type: str, path: str) -> Errors:
    ip = _parse_ip(address)
    if address_type == "IPv4":
        errs = (
            []
            if ip and ip.version == 4
            else [field.invalid(path, address, "must be a valid IPv4 address")]
        )
        return errs + endpoint_ip_errors(address, path)
    if address_type == "IPv6":
        errs = (
            []
            if ip and ip.version == 6
            else [field.invalid(path, address, "must be a valid IPv6 address")]
        )
        return errs + endpoint_ip_errors(address, path)
    if address_type == "FQDN":
        return fqdn_errors(address, path)
    return []  # unknown types fall through, as upstream


def _validate_endpoint(endpoint: Object, address_type: str, path: str) -> Errors:
    addresses = endpoint.get("addresses") or []
    errs: Errors = []
    if not addresses:
        errs.append(field.required(f"{path}.addresses", "must contain at least 1 address"))
    elif len(addresses) > MAX_ADDRESSES:
        errs.append(field.too_many(f"{path}.addresses", len(addresses), MAX_ADDRESSES))
    for i, address in enumerate(addresses):
        errs += _address_errors(address, address_type, f"{path}.addresses[{i}]")
    if endpoint.get("nodeName") is not None:
        node = endpoint["nodeName"]
        errs += [
            field.invalid(f"{path}.nodeName", node, m) for m in meta.dns1123_subdomain_errors(node)
        ]
    errs += meta.validate_labels(endpoint.get("deprecatedTopology"), f"{path}.deprecatedTopology")
    if endpoint.get("hostname") is not None:
        errs += corefields.dns_label(f"{path}.hostname", endpoint["hostname"])
    zones = ((endpoint.get("hints") or {}).get("forZones")) or []
    if len(zones) > MAX_ZONE_HINTS:
        return [*errs, field.too_many(f"{path}.hints.forZones", len(zones), MAX_ZONE_HINTS)]
    seen: set[str] = set()
    for i, zone in enumerate(zones):
        at, name = f"{path}.hints.forZones[{i}].name", zone.get("name") or ""
        if name in seen:
            errs.append(field.duplicate(at, name))
        seen.add(name)
        errs += [field.invalid(at, name, m) for m in meta.label_value_errors(name)]
    return errs


def validate_endpoint_slice(obj: Object) -> Errors:
    """ValidateEndpointSlice (the metadata is the API server's)."""
    address_type = obj.get("addressType") or ""
    errs: Errors = []
    if not address_type:
        errs.append(field.required("addressType"))
    elif address_type not in ADDRESS_TYPES:
        errs.append(field.not_supported("addressType", address_type, ADDRESS_TYPES))
    endpoints = obj.get("endpoints") or []
    if len(endpoints) > MAX_ENDPOINTS:
        errs.append(field.too_many("endpoints", len(endpoints), MAX_ENDPOINTS))
    else:
        for i, endpoint in enumerate(endpoints):
            errs += _validate_endpoint(endpoint, address_type, f"endpoints[{i}]")
    return errs + _validate_slice_ports(obj.get("ports") or [])


def _validate_slice_ports(ports: list[Any]) -> Errors:
    if len(ports) > MAX_PORTS:
        return [field.too_many("ports", len(ports), MAX_PORTS)]
    errs: Errors = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        at, name = f"ports[{i}]", port.get("name") or ""
        if name:
            errs += corefields.dns_label(f"{at}.name", name)
        if name in names:
            errs.append(field.duplicate(f"{at}.name", name))
        names.add(name)
        protocol = port.get("protocol")
        if protocol is None:
            errs.append(field.required(f"{at}.protocol"))
        elif protocol not in corefields.PORT_PROTOCOLS:
            errs.append(field.not_supported(f"{at}.protocol", protocol, corefields.PORT_PROTOCOLS))
        if port.get("appProtocol") is not None:
            app = port["appProtocol"]
            errs += [field.invalid(f"{at}.appProtocol", app, m) for m in meta.label_key_errors(app)]
    return errs


class EndpointSliceHandler(Handler):
    tracks_generation = True

    def default(self, obj: Object) -> None:
        for port in obj.get("ports") or []:
            if isinstance(port, dict):
                if port.get("name") is None:
                    port["name"] = ""
                if port.get("protocol") is None:
                    port["protocol"] = "TCP"

    def validate_create(self, obj: Object) -> list[FieldError]:
        return validate_endpoint_slice(obj)

    def begin_update(self, new: Object, old: Object) -> Finish:
        """A change of labels alone bumps the generation too."""
        meta.bump_generation_if_changed(new["metadata"], old["metadata"], "labels")
        return _noop

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        errs = validate_endpoint_slice(new)
        if new.get("addressType") != old.get("addressType"):
            errs.append(field.invalid("addressType", new.get("addressType"), "field is immutable"))
        return errs


# -- v1 Endpoints ------------------------------------------------------------------------------


def _endpoint_address(address: Object, path: str) -> Errors:
    ip = address.get("ip") or ""
    errs: Errors = []
    if _parse_ip(ip) is None:
        message = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
        errs.append(field.invalid(f"{path}.ip", ip, message))
    if address.get("hostname"):
        errs += corefields.dns_label(f"{path}.hostname", address["hostname"])
    if address.get("nodeName") is not None:
        node = address["nodeName"]
        errs += [
            field.invalid(f"{path}.nodeName", node, m) for m in meta.dns1123_subdomain_errors(node)
        ]
    return errs + endpoint_ip_errors(ip, f"{path}.ip")


def _endpoint_port(port: Object, require_name: bool, path: str) -> Errors:
    name, errs = port.get("name") or "", []
    if require_name and not name:
        errs.append(field.required(f"{path}.name"))
    elif name:
        errs += corefields.dns_label(f"{path}.name", name)
    number = port.get("port") or 0
    errs += [field.invalid(f"{path}.port", number, m) for m in corefields.port_num_errors(number)]
    protocol = port.get("protocol") or ""
    if not protocol:
        errs.append(field.required(f"{path}.protocol"))
    elif protocol not in corefields.PORT_PROTOCOLS:
        errs.append(field.not_supported(f"{path}.protocol", protocol, corefields.PORT_PROTOCOLS))
    return errs


def validate_endpoints(obj: Object) -> Errors:
    """ValidateEndpoints (validateEndpointSubsets)."""
    errs: Errors = []
    for i, subset in enumerate(obj.get("subsets") or []):
        at = f"subsets[{i}]"
        ready, not_ready = subset.get("addresses") or [], subset.get("notReadyAddresses") or []
        if not ready and not not_ready:
            errs.append(field.required(at, "must specify `addresses` or `notReadyAddresses`"))
        for j, address in enumerate(ready):
            errs += _endpoint_address(address, f"{at}.addresses[{j}]")
        for j, address in enumerate(not_ready):
            errs += _endpoint_address(address, f"{at}.notReadyAddresses[{j}]")
        ports = subset.get("ports") or []
        for j, port in enumerate(ports):
            errs += _endpoint_port(port, len(ports) > 1, f"{at}.ports[{j}]")
    return errs


class EndpointsHandler(Handler):
    def default(self, obj: Object) -> None:
        for subset in obj.get("subsets") or []:
            for port in (subset or {}).get("ports") or []:
                if isinstance(port, dict) and not port.get("protocol"):
                    port["protocol"] = "TCP"

    def validate_create(self, obj: Object) -> list[FieldError]:
        return validate_endpoints(obj)

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        return validate_endpoints(new)
