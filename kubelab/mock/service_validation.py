"""Service validation, in the order and with the words of the API server.

Source: pkg/apis/core/validation/validation.go in kubernetes/kubernetes (ValidateService,
validateServicePort, validateClientIPAffinityConfig, ValidateServiceClusterIPsRelatedFields,
validateServiceExternalTrafficPolicy, validateServiceInternalTrafficFieldsValue,
validateLoadBalancerClassField, ValidateServiceUpdate); the IP fields are in
mock/service_ip_fields.py,
and staging/src/k8s.io/apimachinery/pkg/util/validation (IsValidPortNum,
IsValidPortName, IsValidIP, IsValidCIDR). ObjectMeta is validated by mock/api.py.
"""

from __future__ import annotations

import ipaddress
import json

from kubelab.mock import field, meta
from kubelab.mock.allocators import parse_ip
from kubelab.mock.field import FieldError, GoLiteral
from kubelab.mock.service_defaults import (
    Object,
    externally_accessible,
    needs_health_check,
    ports_of,
    spec_of,
)
from kubelab.mock.service_ip_fields import (
    BAD_IP,
    is_headless,
    validate_cluster_ips_related_fields,
    validate_ip_fields_update,
)

SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
AFFINITIES = ["ClientIP", "None"]
TRAFFIC_POLICIES = ["Cluster", "Local"]
# PreferClose is deprecated for PreferSameZone; PreferSameNode is GA since v1.35.
TRAFFIC_DISTRIBUTIONS = ["PreferClose", "PreferSameNode", "PreferSameZone"]
MAX_AFFINITY_TIMEOUT = 86400  # core.MaxClientIPServiceAffinitySeconds

TOPOLOGY_MODE = "service.kubernetes.io/topology-mode"
TOPOLOGY_HINTS = "service.kubernetes.io/topology-aware-hints"
SOURCE_RANGES = "service.beta.kubernetes.io/load-balancer-source-ranges"
ONLY_LB = "may only be used when `type` is 'LoadBalancer'"
BAD_CIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"


def port_number_errors(value: int) -> list[str]:
    """validation.IsValidPortNum."""
    return [] if 1 <= value <= 65535 else [meta.inclusive_range_error(1, 65535)]


def port_name_errors(name: str) -> list[str]:
    """validation.IsValidPortName (IANA_SVC_NAME), as named targetPorts are checked."""
    errs = [meta.max_len_error(15)] if len(name) > 15 else []
    if not name or any(c not in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in name):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not any("a" <= c <= "z" for c in name):
        errs.append("must contain at least one letter (a-z)")
    if "--" in name:
        errs.append("must not contain consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


# -- ValidateService ---------------------------------------------------------------------


def validate_service(svc: Object) -> list[FieldError]:
    spec = spec_of(svc)
    errs = _topology_annotations(svc)
    if not spec.get("ports") and not is_headless(svc) and spec.get("type") != "ExternalName":
        errs.append(field.required("spec.ports"))
    errs += _type_specific(svc)
    errs += _ports(svc)
    if spec.get("selector") is not None:
        errs += meta.validate_labels(spec["selector"], "spec.selector")
    errs += _session_affinity(spec)
    errs += validate_cluster_ips_related_fields(svc)
    errs += _external_ips(spec.get("externalIPs") or [])
    errs += _type_value(spec)
    errs += _node_port_rules(svc)
    errs += _source_ranges(svc)
    errs += _allocate_node_ports(spec)
    errs += validate_load_balancer_class(None, svc)
    errs += _external_traffic_policy(svc)
    errs += _internal_traffic_policy(spec)
    errs += _traffic_distribution(spec)
    return errs


def _topology_annotations(svc: Object) -> list[FieldError]:
    annotations = svc.get("metadata", {}).get("annotations") or {}
    both = TOPOLOGY_MODE in annotations and TOPOLOGY_HINTS in annotations
    if both and annotations[TOPOLOGY_MODE] != annotations[TOPOLOGY_HINTS]:
        return [
            field.invalid(
                f"metadata.annotations[{TOPOLOGY_MODE}]",
                annotations[TOPOLOGY_MODE],
                f"must match annotations[{TOPOLOGY_HINTS}] when both are specified",
            )
        ]
    return []


def _type_specific(svc: Object) -> list[FieldError]:
    spec = spec_of(svc)
    kind = spec.get("type")
    if kind in ("LoadBalancer", "NodePort") and is_headless(svc):
        return [
            field.invalid(
                "spec.clusterIPs[0]", "None", f"may not be set to 'None' for {kind} services"
            )
        ]
    if kind != "ExternalName":
        return []
    errs = []
    for key in ("clusterIPs", "ipFamilies"):
        if spec.get(key):
            errs.append(field.forbidden(f"spec.{key}", "may not be set for ExternalName services"))
    if spec.get("ipFamilyPolicy") is not None:
        errs.append(
            field.forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services")
        )
    cname = str(spec.get("externalName") or "").removesuffix(".")  # a CNAME may end in "."
    if cname:
        errs += [
            field.invalid("spec.externalName", cname, msg)
            for msg in meta.dns1123_subdomain_errors(cname)
        ]
    else:
        errs.append(field.required("spec.externalName"))
    return errs


def _ports(svc: Object) -> list[FieldError]:
    ports = ports_of(svc)
    names: set[str] = set()
    errs: list[FieldError] = []
    for i, port in enumerate(ports):
        errs += _port(port, len(ports) > 1, names, f"spec.ports[{i}]")
    return errs


def _port(port: Object, require_name: bool, names: set[str], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    name = port.get("name") or ""
    if require_name and not name:
        errs.append(field.required(f"{path}.name"))
    elif name:
        errs += [field.invalid(f"{path}.name", name, m) for m in meta.dns1123_label_errors(name)]
        if name in names:
            errs.append(field.duplicate(f"{path}.name", name))
        names.add(name)
    number = port.get("port", 0)
    errs += [field.invalid(f"{path}.port", number, m) for m in port_number_errors(number)]
    protocol = port.get("protocol") or ""
    if not protocol:
        errs.append(field.required(f"{path}.protocol"))
    elif protocol not in PROTOCOLS:
        errs.append(field.not_supported(f"{path}.protocol", protocol, PROTOCOLS))
    target = port.get("targetPort", 0)
    target_errs = (
        port_name_errors(target) if isinstance(target, str) else port_number_errors(target)
    )
    errs += [field.invalid(f"{path}.targetPort", target, m) for m in target_errs]
    app_protocol = port.get("appProtocol")
    if app_protocol is not None:
        errs += [
            field.invalid(f"{path}.appProtocol", app_protocol, m)
            for m in meta.label_key_errors(app_protocol)
        ]
    return errs


def _session_affinity(spec: Object) -> list[FieldError]:
    affinity = spec.get("sessionAffinity") or ""
    path = "spec.sessionAffinityConfig"
    if not affinity:
        return [field.required("spec.sessionAffinity")]
    if affinity not in AFFINITIES:
        return [field.not_supported("spec.sessionAffinity", affinity, AFFINITIES)]
    config = spec.get("sessionAffinityConfig")
    if affinity == "None":
        if config is not None:
            return [field.forbidden(path, "must not be set when session affinity is None")]
        return []
    why = "when session affinity type is ClientIP"
    if config is None:
        return [field.required(path, why)]
    if config.get("clientIP") is None:
        return [field.required(f"{path}.clientIP", why)]
    timeout = config["clientIP"].get("timeoutSeconds")
    if timeout is None:
        return [field.required(f"{path}.clientIP.timeoutSeconds", why)]
    if not 0 < timeout <= MAX_AFFINITY_TIMEOUT:
        return [
            field.invalid(
                f"{path}.clientIP.timeoutSeconds",
                timeout,
                f"must be greater than 0 and less than {MAX_AFFINITY_TIMEOUT}",
            )
        ]
    return []


def _external_ips(ips: list[str]) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, ip in enumerate(ips):
        path = f"spec.externalIPs[{i}]"
        if parse_ip(ip) is None:
            errs.append(field.invalid(path, ip, BAD_IP))
        else:
            errs += non_special_ip_errors(ip, path)
    return errs


def non_special_ip_errors(ip: str, path: str) -> list[FieldError]:
    """ValidateNonSpecialIP: no unspecified, loopback or link-local addresses."""
    parsed = parse_ip(ip)
    if parsed is None:
        return [field.invalid(path, ip, "must be a valid IP address")]
    errs = []
    if parsed.is_unspecified:
        errs.append(field.invalid(path, ip, f"may not be unspecified ({ip})"))
    if parsed.is_loopback:
        errs.append(
            field.invalid(path, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)")
        )
    if parsed.is_link_local:
        errs.append(
            field.invalid(
                path, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"
            )
        )
    if _link_local_multicast(parsed):
        errs.append(
            field.invalid(
                path, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"
            )
        )
    return errs


def _link_local_multicast(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv4Address):
        return ip in ipaddress.IPv4Network("224.0.0.0/24")
    return ip.packed[0] == 0xFF and ip.packed[1] & 0x0F == 0x02


def _type_value(spec: Object) -> list[FieldError]:
    kind = spec.get("type") or ""
    if not kind:
        return [field.required("spec.type")]
    if kind not in SERVICE_TYPES:
        return [field.not_supported("spec.type", kind, SERVICE_TYPES)]
    return []


def _node_port_rules(svc: Object) -> list[FieldError]:
    """nodePort forbidden on ClusterIP; no duplicate (protocol, nodePort) or (protocol, port)."""
    errs: list[FieldError] = []
    ports = ports_of(svc)
    if spec_of(svc).get("type") == "ClusterIP":
        errs += [
            field.forbidden(
                f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"
            )
            for i, port in enumerate(ports)
            if port.get("nodePort")
        ]
    seen_node_ports: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        if not port.get("nodePort"):
            continue
        key = (port.get("protocol", ""), port["nodePort"])
        if key in seen_node_ports:
            errs.append(field.duplicate(f"spec.ports[{i}].nodePort", port["nodePort"]))
        seen_node_ports.add(key)
    seen_ports: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        key = (port.get("protocol", ""), port.get("port", 0))
        if key in seen_ports:
            errs.append(field.duplicate(f"spec.ports[{i}]", _port_key_literal(*key)))
        seen_ports.add(key)
    return errs


def _port_key_literal(protocol: str, port: int) -> GoLiteral:
    """%#v of the core.ServicePort{Protocol, Port} key the duplicate check builds."""
    return GoLiteral(
        f'core.ServicePort{{Name:"", Protocol:{json.dumps(protocol)}, '
        f"AppProtocol:(*string)(nil), Port:{port}, "
        'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'
    )


def _cidr_errors(value: str, path: str) -> list[FieldError]:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return [field.invalid(path, value, BAD_CIDR)]
    return []


def _source_ranges(svc: Object) -> list[FieldError]:
    spec = spec_of(svc)
    is_lb = spec.get("type") == "LoadBalancer"
    ranges = spec.get("loadBalancerSourceRanges") or []
    errs: list[FieldError] = []
    if ranges:
        path = "spec.LoadBalancerSourceRanges"  # sic: upstream's capital L
        if not is_lb:
            errs.append(field.forbidden(path, ONLY_LB))
        for i, value in enumerate(ranges):
            errs += _cidr_errors(value.strip(), f"{path}[{i}]")
        return errs
    annotations = svc.get("metadata", {}).get("annotations") or {}
    if SOURCE_RANGES in annotations:
        path = f"metadata.annotations[{SOURCE_RANGES}]"
        if not is_lb:
            errs.append(field.forbidden(path, ONLY_LB))
        value = annotations[SOURCE_RANGES].strip()
        for cidr in value.split(",") if value else []:
            errs += _cidr_errors(cidr.strip(), path)
    return errs


def _allocate_node_ports(spec: Object) -> list[FieldError]:
    allocate = spec.get("allocateLoadBalancerNodePorts")
    is_lb = spec.get("type") == "LoadBalancer"
    if allocate is not None and not is_lb:
        return [field.forbidden("spec.allocateLoadBalancerNodePorts", ONLY_LB)]
    if is_lb and allocate is None:
        return [field.required("allocateLoadBalancerNodePorts")]  # sic: no "spec." upstream
    return []


def validate_load_balancer_class(old: Object | None, svc: Object) -> list[FieldError]:
    spec = spec_of(svc)
    is_lb = spec.get("type") == "LoadBalancer"
    lb_class = spec.get("loadBalancerClass")
    errs: list[FieldError] = []
    was_lb = old is not None and spec_of(old).get("type") == "LoadBalancer"
    if was_lb and is_lb and spec_of(old or {}).get("loadBalancerClass") != lb_class:
        errs.append(field.invalid("spec.loadBalancerClass", lb_class, "may not change once set"))
    if is_lb and lb_class is not None:
        errs += [
            field.invalid("spec.loadBalancerClass", lb_class, m)
            for m in meta.label_key_errors(lb_class)
        ]
    elif not is_lb and lb_class is not None:
        errs.append(field.forbidden("spec.loadBalancerClass", ONLY_LB))
    return errs


def _external_traffic_policy(svc: Object) -> list[FieldError]:
    spec = spec_of(svc)
    policy = spec.get("externalTrafficPolicy") or ""
    errs: list[FieldError] = []
    if not externally_accessible(svc):
        if policy:
            errs.append(
                field.invalid(
                    "spec.externalTrafficPolicy",
                    policy,
                    "may only be set for externally-accessible services",
                )
            )
    elif not policy:
        errs.append(field.required("spec.externalTrafficPolicy"))
    elif policy not in TRAFFIC_POLICIES:
        errs.append(field.not_supported("spec.externalTrafficPolicy", policy, TRAFFIC_POLICIES))
    check_port = spec.get("healthCheckNodePort") or 0
    if not needs_health_check(svc):
        if check_port:
            errs.append(
                field.invalid(
                    "spec.healthCheckNodePort",
                    check_port,
                    "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` "
                    "is 'Local'",
                )
            )
    elif not check_port:
        errs.append(field.required("spec.healthCheckNodePort"))
    else:
        errs += [
            field.invalid("spec.healthCheckNodePort", check_port, m)
            for m in port_number_errors(check_port)
        ]
    return errs


def _internal_traffic_policy(spec: Object) -> list[FieldError]:
    policy = spec.get("internalTrafficPolicy")
    if policy is None:
        if spec.get("type") in ("NodePort", "LoadBalancer", "ClusterIP"):
            return [field.required("spec.internalTrafficPolicy")]
        return []
    if policy not in TRAFFIC_POLICIES:
        return [field.not_supported("spec.internalTrafficPolicy", policy, TRAFFIC_POLICIES)]
    return []


def _traffic_distribution(spec: Object) -> list[FieldError]:
    value = spec.get("trafficDistribution")
    if value is not None and value not in TRAFFIC_DISTRIBUTIONS:
        return [field.not_supported("spec.trafficDistribution", value, TRAFFIC_DISTRIBUTIONS)]
    return []


# -- ValidateServiceClusterIPsRelatedFields ----------------------------------------------


# -- ValidateServiceUpdate -----------------------------------------------------------------


def validate_service_update(new: Object, old: Object) -> list[FieldError]:
    errs = validate_ip_fields_update(new, old)
    errs += validate_load_balancer_class(old, new)
    both_local = needs_health_check(old) and needs_health_check(new)
    changed = spec_of(new).get("healthCheckNodePort") != spec_of(old).get("healthCheckNodePort")
    if both_local and changed:
        errs.append(field.forbidden("spec.healthCheckNodePort", "field is immutable"))
    return errs + validate_service(new)
