"""Decoding a Service: SetDefaults_Service and what JSON encoding leaves out (omitempty).

Sources (kubernetes/kubernetes): pkg/apis/core/v1/defaults.go (SetDefaults_Service),
pkg/api/service/util.go (ExternallyAccessible, NeedsHealthCheck),
staging/src/k8s.io/api/core/v1/types.go (which ServiceSpec fields are omitempty).
"""

from __future__ import annotations

from typing import Any

Object = dict[str, Any]

DEFAULT_AFFINITY_TIMEOUT = 10800  # v1.DefaultClientIPServiceAffinitySeconds
CLUSTER_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")

# Non-pointer omitempty fields: their zero value ("" / 0 / false / empty) is never written.
_SPEC_OMITEMPTY = (
    "ports",
    "selector",
    "clusterIP",
    "clusterIPs",
    "type",
    "externalIPs",
    "sessionAffinity",
    "loadBalancerIP",
    "loadBalancerSourceRanges",
    "externalName",
    "externalTrafficPolicy",
    "healthCheckNodePort",
    "publishNotReadyAddresses",
    "ipFamilies",
)
# Pointer fields: only an absent (nil) value is dropped; "" and false are kept.
_SPEC_POINTERS = (
    "sessionAffinityConfig",
    "ipFamilyPolicy",
    "allocateLoadBalancerNodePorts",
    "loadBalancerClass",
    "internalTrafficPolicy",
    "trafficDistribution",
)
_PORT_OMITEMPTY = ("name", "protocol", "targetPort", "nodePort")


def spec_of(svc: Object) -> Object:
    spec = svc.get("spec")
    return spec if isinstance(spec, dict) else {}


def ports_of(svc: Object) -> list[Object]:
    return [p for p in spec_of(svc).get("ports") or [] if isinstance(p, dict)]


def externally_accessible(svc: Object) -> bool:
    """pkg/api/service ExternallyAccessible: NodePort, LoadBalancer, or ClusterIP + externalIPs."""
    spec = spec_of(svc)
    kind = spec.get("type")
    return kind in ("NodePort", "LoadBalancer") or (
        kind == "ClusterIP" and bool(spec.get("externalIPs"))
    )


def needs_health_check(svc: Object) -> bool:
    spec = spec_of(svc)
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


# -- SetDefaults_Service ---------------------------------------------------------------------


def _default_port(port: Object) -> None:
    if port.get("port") is None:
        port["port"] = 0  # not omitempty: Go decodes a missing port as 0
    if not port.get("protocol"):
        port["protocol"] = "TCP"
    if port.get("targetPort") in (None, 0, ""):
        port["targetPort"] = port.get("port", 0)


def _default_affinity(spec: Object) -> None:
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        config = spec.get("sessionAffinityConfig") or {}
        client_ip = config.get("clientIP") if isinstance(config, dict) else None
        if not isinstance(client_ip, dict) or client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {
                "clientIP": {"timeoutSeconds": DEFAULT_AFFINITY_TIMEOUT}
            }


def set_defaults(svc: Object) -> None:
    """SetDefaults_Service, run when a request is decoded (create and update alike)."""
    spec = svc.setdefault("spec", {})
    _default_affinity(spec)
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    for port in ports_of(svc):
        _default_port(port)
    if externally_accessible(svc) and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and spec["type"] in CLUSTER_TYPES:
        spec["internalTrafficPolicy"] = "Cluster"
    if spec["type"] == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    prune(svc)


def prune(svc: Object) -> None:
    """Drop what the API server would not serialize (omitempty zero values, nil pointers)."""
    spec = svc.get("spec")
    if not isinstance(spec, dict):
        return
    for key in _SPEC_OMITEMPTY:
        if key in spec and not spec[key]:
            del spec[key]
    for key in _SPEC_POINTERS:
        if key in spec and spec[key] is None:
            del spec[key]
    for port in ports_of(svc):
        for key in _PORT_OMITEMPTY:
            if key in port and not port[key]:
                del port[key]
        if port.get("appProtocol", "") is None:
            del port["appProtocol"]
