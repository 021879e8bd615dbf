"""Decoding a Service: JSON values the Go structs cannot hold are a 400 BadRequest.

The API server decodes a request into a v1.Service before anything else runs; a string
where an int32 belongs fails there, with encoding/json's words. Sources:
staging/src/k8s.io/api/core/v1/types.go (the Go types of ServiceSpec and ServicePort),
encoding/json UnmarshalTypeError (the message).
"""

from __future__ import annotations

from typing import Any

from kubelab import errors
from kubelab.mock import decode

Object = dict[str, Any]

# ServiceSpec fields by the Go type of their value.
_SPEC_STRINGS = {
    "type": "v1.ServiceType",
    "clusterIP": "string",
    "externalName": "string",
    "sessionAffinity": "v1.ServiceAffinity",
    "loadBalancerIP": "string",
    "externalTrafficPolicy": "v1.ServiceExternalTrafficPolicy",
    "internalTrafficPolicy": "v1.ServiceInternalTrafficPolicy",
    "ipFamilyPolicy": "v1.IPFamilyPolicy",
    "loadBalancerClass": "string",
    "trafficDistribution": "string",
}
_SPEC_STRING_LISTS = {
    "clusterIPs": "string",
    "externalIPs": "string",
    "loadBalancerSourceRanges": "string",
    "ipFamilies": "v1.IPFamily",
}
_SPEC_BOOLS = ("allocateLoadBalancerNodePorts", "publishNotReadyAddresses")
_PORT_STRINGS = {"name": "string", "protocol": "v1.Protocol", "appProtocol": "string"}


def _refuse(value: Any, struct: str, path: str, go_type: str) -> errors.ApiError:
    return decode.type_error("Service", "v1", value, struct, tuple(path.split(".")), go_type)


def _int32(value: Any, struct: str, path: str) -> None:
    if value is not None and not decode.fits(value, "int32"):
        raise _refuse(value, struct, path, "int32")


def _as_int(holder: Object, key: str) -> None:
    """YAML and Python may give 80.0 where JSON has 80: the decoder takes it as 80."""
    if isinstance(holder.get(key), float):
        holder[key] = int(holder[key])


def _string(value: Any, struct: str, path: str, go_type: str) -> None:
    if value is not None and not isinstance(value, str):
        raise _refuse(value, struct, path, go_type)


def _spec_scalars(spec: Object) -> None:
    for key, go_type in _SPEC_STRINGS.items():
        _string(spec.get(key), "ServiceSpec", f"spec.{key}", go_type)
    for key, go_type in _SPEC_STRING_LISTS.items():
        values = spec.get(key)
        if values is not None and not isinstance(values, list):
            raise _refuse(values, "ServiceSpec", f"spec.{key}", f"[]{go_type}")
        for value in values or []:
            _string(value, "ServiceSpec", f"spec.{key}", go_type)
    for key in _SPEC_BOOLS:
        if spec.get(key) is not None and not isinstance(spec[key], bool):
            raise _refuse(spec[key], "ServiceSpec", f"spec.{key}", "bool")
    _int32(spec.get("healthCheckNodePort"), "ServiceSpec", "spec.healthCheckNodePort")
    _as_int(spec, "healthCheckNodePort")


def _affinity_config(spec: Object) -> None:
    config = spec.get("sessionAffinityConfig")
    if config is None:
        return
    if not isinstance(config, dict):
        raise _refuse(
            config, "ServiceSpec", "spec.sessionAffinityConfig", "v1.SessionAffinityConfig"
        )
    client_ip = config.get("clientIP")
    if client_ip is not None and not isinstance(client_ip, dict):
        path = "spec.sessionAffinityConfig.clientIP"
        raise _refuse(client_ip, "SessionAffinityConfig", path, "v1.ClientIPConfig")
    path = "spec.sessionAffinityConfig.clientIP.timeoutSeconds"
    _int32((client_ip or {}).get("timeoutSeconds"), "ClientIPConfig", path)
    if client_ip:
        _as_int(client_ip, "timeoutSeconds")


def _ports(spec: Object) -> None:
    ports = spec.get("ports")
    if ports is not None and not isinstance(ports, list):
        raise _refuse(ports, "ServiceSpec", "spec.ports", "[]v1.ServicePort")
    for port in ports or []:
        if not isinstance(port, dict):
            raise _refuse(port, "ServiceSpec", "spec.ports", "v1.ServicePort")
        for key in ("port", "nodePort", "targetPort"):
            if key != "targetPort" or not isinstance(port.get(key), str):  # IntOrString
                _int32(port.get(key), "ServicePort", f"spec.ports.{key}")
                _as_int(port, key)
        for key, go_type in _PORT_STRINGS.items():
            _string(port.get(key), "ServicePort", f"spec.ports.{key}", go_type)


def check_types(svc: Object) -> None:
    """Refuse, as the API server's decoder does, values of the wrong JSON type in the spec
    (decode.check, which the API server runs first, has seen metadata and the selector)."""
    spec = svc.get("spec")
    if spec is None:
        return
    if not isinstance(spec, dict):
        raise _refuse(spec, "Service", "spec", "v1.ServiceSpec")
    _spec_scalars(spec)
    _affinity_config(spec)
    _ports(spec)
