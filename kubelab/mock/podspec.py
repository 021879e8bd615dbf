"""PodSpec validation, shared by Pods and the pod templates of workloads.

Source: kubernetes/kubernetes pkg/apis/core/validation/validation.go (ValidatePodSpec,
validateContainers, validateContainerCommon, validateContainerPorts, validateProbe, validateHandler,
ValidateTolerations, ValidatePodTemplateSpec). Checks run in upstream's order, so an
aggregate message lists its errors as the API server does.
"""

from __future__ import annotations

from typing import Any

from kubelab.mock import field, meta
from kubelab.mock.corefields import (
    PORT_PROTOCOLS,
    dns_label,
    port_name_errors,
    port_num_errors,
    validate_tolerations,
)
from kubelab.mock.field import FieldError
from kubelab.mock.memo import Remembered
from kubelab.mock.poddefaults import PROBES

Object = dict[str, Any]
Errors = list[FieldError]

PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc", "sleep")


# -- validation ------------------------------------------------------------------------------


def _invalid_each(path: str, value: Any, messages: list[str]) -> Errors:
    return [field.invalid(path, value, msg) for msg in messages]


def _one_of(path: str, value: Any, allowed: list[str]) -> Errors:
    if value in allowed:
        return []
    if not value:
        return [field.required(path)]
    return [field.not_supported(path, value, allowed)]


def validate_container_ports(ports: list[Any], path: str) -> Errors:
    errs: Errors = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        at = f"{path}[{i}]"
        name = port.get("name") or ""
        if name:
            if msgs := port_name_errors(name):
                errs += _invalid_each(f"{at}.name", name, msgs)
            elif name in names:
                errs.append(field.duplicate(f"{at}.name", name))
            else:
                names.add(name)
        number = port.get("containerPort") or 0
        if number == 0:
            errs.append(field.required(f"{at}.containerPort"))
        else:
            errs += _invalid_each(f"{at}.containerPort", number, port_num_errors(number))
        if host_port := port.get("hostPort") or 0:
            errs += _invalid_each(f"{at}.hostPort", host_port, port_num_errors(host_port))
        protocol = port.get("protocol") or ""
        if not protocol:
            errs.append(field.required(f"{at}.protocol"))
        elif protocol not in PORT_PROTOCOLS:
            errs.append(field.not_supported(f"{at}.protocol", protocol, PORT_PROTOCOLS))
    return errs


def _port_num_or_name(path: str, port: Any) -> Errors:
    """ValidatePortNumOrName: an int is a number, a string (even "8080") is a name."""
    if isinstance(port, str):
        return _invalid_each(path, port, port_name_errors(port))
    return _invalid_each(path, port or 0, port_num_errors(port or 0))


def _validate_action(kind: str, action: Object, path: str) -> Errors:
    if kind == "exec":
        return [] if action.get("command") else [field.required(f"{path}.command")]
    if kind == "httpGet":
        errs = [] if action.get("path") else [field.required(f"{path}.path")]
        errs += _port_num_or_name(f"{path}.port", action.get("port"))
        scheme = action.get("scheme") or ""
        if scheme not in ("HTTP", "HTTPS"):
            errs.append(field.not_supported(f"{path}.scheme", scheme, ["HTTP", "HTTPS"]))
        return errs
    if kind in ("tcpSocket", "grpc"):
        return _port_num_or_name(f"{path}.port", action.get("port"))
    return []


def validate_handler(handler: Object, path: str, kinds: tuple[str, ...]) -> Errors:
    """validateHandler: exactly one of exec, httpGet, tcpSocket, grpc (sleep for hooks)."""
    errs: Errors = []
    found = 0
    for kind in kinds:
        action = handler.get(kind)
        if action is None:
            continue
        if found:
            errs.append(
                field.forbidden(f"{path}.{kind}", "may not specify more than 1 handler type")
            )
            continue
        found += 1
        errs += _validate_action(kind, action if isinstance(action, dict) else {}, f"{path}.{kind}")
    if not found:
        errs.append(field.required(path, "must specify a handler type"))
    return errs


def validate_probe(kind: str, probe: Object, path: str) -> Errors:
    """validateLivenessProbe / validateReadinessProbe / validateStartupProbe."""
    errs = validate_handler(probe, path, _HANDLERS[:4])
    for key in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        value = probe.get(key) or 0
        if value < 0:
            errs.append(field.invalid(f"{path}.{key}", value, "must be greater than or equal to 0"))
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is not None and grace <= 0:
        errs.append(
            field.invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be greater than 0")
        )
    if kind == "readinessProbe" and grace is not None:
        errs.append(
            field.invalid(
                f"{path}.terminationGracePeriodSeconds",
                grace,
                "must not be set for readinessProbes",
            )
        )
    if kind != "readinessProbe" and probe.get("successThreshold") != 1:
        errs.append(
            field.invalid(f"{path}.successThreshold", probe.get("successThreshold"), "must be 1")
        )
    return errs


def _validate_env(env: list[Any], path: str) -> Errors:
    """ValidateEnv with RelaxedEnvironmentVariableValidation (GA): printable ASCII but '='."""
    errs: Errors = []
    for i, var in enumerate(env):
        name = (var or {}).get("name") or ""
        if not name:
            errs.append(field.required(f"{path}[{i}].name"))
        elif any(not (" " <= ch <= "~") or ch == "=" for ch in name):
            errs.append(
                field.invalid(
                    f"{path}[{i}].name",
                    name,
                    "a valid environment variable name must consist only of printable ASCII "
                    "characters other than '='",
                )
            )
    return errs


def _validate_mounts(mounts: list[Any], volumes: set[str], path: str) -> Errors:
    """ValidateVolumeMounts: the volume must exist and each mountPath be unique."""
    errs: Errors = []
    seen: set[str] = set()
    for i, mount in enumerate(mounts):
        at, name, mount_path = f"{path}[{i}]", mount.get("name") or "", mount.get("mountPath") or ""
        if not name:
            errs.append(field.required(f"{at}.name"))
        if name not in volumes:
            errs.append(field.not_found(f"{at}.name", name))
        if not mount_path:
            errs.append(field.required(f"{at}.mountPath"))
        if mount_path in seen:
            errs.append(field.invalid(f"{at}.mountPath", mount_path, "must be unique"))
        seen.add(mount_path)
    return errs


def validate_container_common(c: Object, volumes: set[str], path: str) -> Errors:
    """validateContainerCommon (resources, security contexts and devices are not checked)."""
    name = c.get("name") or ""
    errs = dns_label(f"{path}.name", name) if name else [field.required(f"{path}.name")]
    if not c.get("image"):
        errs.append(field.required(f"{path}.image"))
    errs += _one_of(
        f"{path}.terminationMessagePolicy", c.get("terminationMessagePolicy"), MESSAGE_POLICIES
    )
    errs += validate_container_ports(c.get("ports") or [], f"{path}.ports")
    errs += _validate_env(c.get("env") or [], f"{path}.env")
    errs += _validate_mounts(c.get("volumeMounts") or [], volumes, f"{path}.volumeMounts")
    errs += _one_of(f"{path}.imagePullPolicy", c.get("imagePullPolicy"), PULL_POLICIES)
    return errs


def _host_port_conflicts(containers: list[Object], path: str) -> Errors:
    """AccumulateUniqueHostPorts: protocol/hostIP/hostPort may be used once."""
    errs: Errors = []
    seen: set[str] = set()
    for ci, c in enumerate(containers):
        for pi, port in enumerate(c.get("ports") or []):
            if not port.get("hostPort"):
                continue
            key = f"{port.get('protocol', '')}/{port.get('hostIP', '')}/{port['hostPort']}"
            if key in seen:
                errs.append(field.duplicate(f"{path}[{ci}].ports[{pi}].hostPort", key))
            seen.add(key)
    return errs


def _validate_lifecycle(lifecycle: Object, path: str) -> Errors:
    errs: Errors = []
    for hook in ("postStart", "preStop"):
        if isinstance(lifecycle.get(hook), dict):
            errs += validate_handler(lifecycle[hook], f"{path}.{hook}", _HANDLERS)
    return errs


def validate_containers(containers: list[Object], volumes: set[str], path: str) -> Errors:
    """validateContainers: at least one, unique names, probes, host ports."""
    if not containers:
        return [field.required(path)]
    errs: Errors = []
    names: set[str] = set()
    for i, c in enumerate(containers):
        at = f"{path}[{i}]"
        errs += validate_container_common(c, volumes, at)
        name = c.get("name") or ""
        if name in names:
            errs.append(field.duplicate(f"{at}.name", name))
        names.add(name)
        if isinstance(c.get("lifecycle"), dict):
            errs += _validate_lifecycle(c["lifecycle"], f"{at}.lifecycle")
        for kind in PROBES:
            if isinstance(c.get(kind), dict):
                errs += validate_probe(kind, c[kind], f"{at}.{kind}")
        if c.get("restartPolicy") is not None:
            errs.append(
                field.forbidden(f"{at}.restartPolicy", "may not be set for non-init containers")
            )
    return errs + _host_port_conflicts(containers, path)


def validate_init_containers(
    init: list[Object], regular: list[Object], volumes: set[str], path: str
) -> Errors:
    """validateInitContainers (sidecars with restartPolicy: Always get probes checked)."""
    errs: Errors = []
    names = {c.get("name") or "" for c in regular}
    for i, c in enumerate(init):
        at = f"{path}[{i}]"
        errs += validate_container_common(c, volumes, at)
        sidecar = c.get("restartPolicy") == "Always"
        if c.get("restartPolicy") not in (None, "Always"):
            errs.append(field.not_supported(f"{at}.restartPolicy", c["restartPolicy"], ["Always"]))
        name = c.get("name") or ""
        if name in names:
            errs.append(field.duplicate(f"{at}.name", name))
        elif name:
            names.add(name)
        errs += _host_port_conflicts([c], path)
        for kind in ("lifecycle", *PROBES):
            if not isinstance(c.get(kind), dict):
                continue
            if not sidecar:
                errs.append(
                    field.forbidden(
                        f"{at}.{kind}",
                        "may not be set for init containers without restartPolicy=Always",
                    )
                )
            elif kind == "lifecycle":
                errs += _validate_lifecycle(c[kind], f"{at}.{kind}")
            else:
                errs += validate_probe(kind, c[kind], f"{at}.{kind}")
    return errs


def validate_volumes(volumes: list[Any], path: str) -> tuple[set[str], Errors]:
    """ValidateVolumes, names only: required, a DNS label, unique."""
    names: set[str] = set()
    errs: Errors = []
    for i, volume in enumerate(volumes):
        name = (volume or {}).get("name") or ""
        at = f"{path}[{i}].name"
        if not name:
            errs.append(field.required(at))
        else:
            errs += dns_label(at, name)
        if name in names:
            errs.append(field.duplicate(at, name))
        elif name:
            names.add(name)
    return names, errs


def _dns_config(spec: Object, path: str) -> Errors:
    if spec.get("dnsPolicy") != "None":
        return []
    config = spec.get("dnsConfig")
    if config is None:
        return [
            field.required(f"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None")
        ]
    if not config.get("nameservers"):
        return [
            field.required(
                f"{path}.dnsConfig.nameservers",
                "must provide at least one DNS nameserver when `dnsPolicy` is None",
            )
        ]
    return []


def _named(path: str, value: Any, check: Any) -> Errors:
    return _invalid_each(path, value, check(value)) if value else []


def validate_pod_spec(spec: Object, path: str) -> Errors:
    """ValidatePodSpec, in upstream's order."""
    errs: Errors = []
    if spec.get("terminationGracePeriodSeconds") is None:
        errs.append(field.required(f"{path}.terminationGracePeriodSeconds"))
    volumes, volume_errs = validate_volumes(spec.get("volumes") or [], f"{path}.volumes")
    errs += volume_errs
    containers = [c for c in spec.get("containers") or [] if isinstance(c, dict)]
    errs += validate_containers(containers, volumes, f"{path}.containers")
    init = [c for c in spec.get("initContainers") or [] if isinstance(c, dict)]
    errs += validate_init_containers(init, containers, volumes, f"{path}.initContainers")
    errs += _one_of(f"{path}.restartPolicy", spec.get("restartPolicy"), RESTART_POLICIES)
    errs += _one_of(f"{path}.dnsPolicy", spec.get("dnsPolicy"), DNS_POLICIES)
    errs += meta.validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    errs += _dns_config(spec, path)
    errs += _named(
        f"{path}.serviceAccountName", spec.get("serviceAccountName"), meta.dns1123_subdomain_errors
    )
    errs += _named(f"{path}.nodeName", spec.get("nodeName"), meta.dns1123_subdomain_errors)
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and not 1 <= deadline <= 2**31 - 1:
        errs.append(
            field.invalid(
                f"{path}.activeDeadlineSeconds", deadline, meta.inclusive_range_error(1, 2**31 - 1)
            )
        )
    errs += _named(f"{path}.hostname", spec.get("hostname"), meta.dns1123_label_errors)
    errs += _named(f"{path}.subdomain", spec.get("subdomain"), meta.dns1123_label_errors)
    errs += validate_tolerations(spec.get("tolerations") or [], f"{path}.tolerations")
    errs += _named(
        f"{path}.priorityClassName", spec.get("priorityClassName"), meta.dns1123_subdomain_errors
    )
    if spec.get("preemptionPolicy") is not None:
        errs += _one_of(
            f"{path}.preemptionPolicy", spec["preemptionPolicy"], ["PreemptLowerPriority", "Never"]
        )
    return errs


def _spec_errors(spec_and_path: tuple[Object, str]) -> tuple[FieldError, ...]:
    return tuple(validate_pod_spec(*spec_and_path))


# A pure function, remembered: a Deployment's template is validated again in each of its
# ReplicaSets, and Deployments often share one.
_template_spec_errors = Remembered(_spec_errors)


def validate_pod_template(template: Object, path: str) -> Errors:
    """ValidatePodTemplateSpec: note upstream's paths `<path>.labels`, not `.metadata.labels`."""
    template_meta = template.get("metadata") or {}
    errs = meta.validate_labels(template_meta.get("labels"), f"{path}.labels")
    errs += meta.validate_annotations(template_meta.get("annotations"), f"{path}.annotations")
    errs += _template_spec_errors((template.get("spec") or {}, f"{path}.spec"))
    if (template.get("spec") or {}).get("ephemeralContainers"):
        errs.append(
            field.forbidden(
                f"{path}.spec.ephemeralContainers",
                "ephemeral containers not allowed in pod template",
            )
        )
    return errs
