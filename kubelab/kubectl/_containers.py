"""The containers section of `kubectl describe` (pods and pod templates).

Source: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describeContainers,
describeContainerBasicInfo, describeStatus, describeResources, DescribeProbe,
describeContainerEnvVars, describeContainerVolumes).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from kubelab.kubectl import _common as c
from kubelab.kubectl._quantity import parse_quantity
from kubelab.kubectl._timefmt import rfc1123z
from kubelab.kubectl._writer import Writer

Obj = Mapping[str, Any]


def containers(
    w: Writer,
    label: str,
    specs: list[Obj],
    statuses: list[Obj],
    pod: Obj | None,
    space: str = "",
) -> None:
    """describeContainers; `pod` is None for a pod template (no statuses, no field values)."""
    by_name = {st.get("name"): st for st in statuses}
    w.write(0, f"{space}{label}:{'' if specs else ' <none>'}\n")
    for ctr in specs:
        st = by_name.get(ctr.get("name"))
        _basic_info(w, ctr, st, space)
        _command(w, ctr)
        if st is not None:
            _state(w, "State", st.get("state") or {})
            if (st.get("lastState") or {}).get("terminated"):
                _state(w, "Last State", st["lastState"])
            w.write(2, f"Ready:\t{'True' if st.get('ready') else 'False'}\n")
            w.write(2, f"Restart Count:\t{st.get('restartCount', 0)}\n")
        resources(w, ctr.get("resources") or {}, 2)
        _probes(w, ctr)
        if ctr.get("envFrom"):
            _env_from(w, ctr["envFrom"])
        _env(w, ctr, pod)
        _mounts(w, ctr)


def _port_list(ports: list[Obj], field: str) -> str:
    parts = []
    for port in ports:
        text = f"{port.get(field, 0)}/{port.get('protocol', '')}"
        parts.append(f"{text} ({port['name']})" if port.get("name") else text)
    return ", ".join(parts)


def _basic_info(w: Writer, ctr: Obj, st: Obj | None, space: str) -> None:
    w.write(1, f"{' ' if space else ''}{ctr.get('name', '')}:\n")
    if st is not None:
        w.write(2, f"Container ID:\t{st.get('containerID', '')}\n")
    w.write(2, f"Image:\t{ctr.get('image', '')}\n")
    if st is not None:
        w.write(2, f"Image ID:\t{st.get('imageID', '')}\n")
    ports = ctr.get("ports") or []
    for title, field in (("Port", "containerPort"), ("Host Port", "hostPort")):
        text = _port_list(ports, field)
        if "," in text:
            w.write(2, f"{title}s:\t{text}\n")
        else:
            w.write(2, f"{title}:\t{text or '<none>'}\n")
    seccomp = (ctr.get("securityContext") or {}).get("seccompProfile")
    if seccomp:
        w.write(2, f"SeccompProfile:\t{seccomp.get('type', '')}\n")


def _command(w: Writer, ctr: Obj) -> None:
    for field, title in (("command", "Command"), ("args", "Args")):
        if ctr.get(field):
            w.write(2, f"{title}:\n")
            for part in ctr[field]:
                for line in str(part).split("\n"):
                    w.write(3, f"{line}\n")


def _state(w: Writer, title: str, state: Obj) -> None:
    """describeStatus: Running (since), Waiting (reason) or Terminated (exit code...)."""
    if state.get("running") is not None:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123z(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{title}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        done = state["terminated"]
        w.write(2, f"{title}:\tTerminated\n")
        if done.get("reason"):
            w.write(3, f"Reason:\t{done['reason']}\n")
        if done.get("message"):
            w.write(3, f"Message:\t{done['message']}\n")
        w.write(3, f"Exit Code:\t{done.get('exitCode', 0)}\n")
        if done.get("signal"):
            w.write(3, f"Signal:\t{done['signal']}\n")
        w.write(3, f"Started:\t{rfc1123z(done.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{rfc1123z(done.get('finishedAt'))}\n")
    else:
        w.write(2, f"{title}:\tWaiting\n")


def resources(w: Writer, resources: Obj, level: int) -> None:
    for field, title in (("limits", "Limits"), ("requests", "Requests")):
        values = resources.get(field) or {}
        if values:
            w.write(level, f"{title}:\n")
        for name in sorted(values):
            w.write(level + 1, f"{name}:\t{parse_quantity(values[name])}\n")


def describe_probe(probe: Obj) -> str:
    """DescribeProbe: `http-get http://:8080/healthz delay=0s timeout=1s period=10s ...`."""
    attrs = (
        f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 0)}s "
        f"period={probe.get('periodSeconds', 0)}s #success={probe.get('successThreshold', 0)} "
        f"#failure={probe.get('failureThreshold', 0)}"
    )
    if probe.get("exec") is not None:
        return f"exec [{' '.join(probe['exec'].get('command') or [])}] {attrs}"
    if probe.get("httpGet") is not None:
        get = probe["httpGet"]
        host = c.join_host_port(str(get.get("host", "")), get.get("port", ""))
        scheme = str(get.get("scheme", "")).lower()
        return f"http-get {scheme}://{host}{get.get('path', '')} {attrs}"
    if probe.get("tcpSocket") is not None:
        sock = probe["tcpSocket"]
        return f"tcp-socket {sock.get('host', '')}:{sock.get('port', '')} {attrs}"
    if probe.get("grpc") is not None:
        grpc = probe["grpc"]
        return f"grpc <pod>:{grpc.get('port', 0)} {grpc.get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _probes(w: Writer, ctr: Obj) -> None:
    for field, title in (
        ("livenessProbe", "Liveness"),
        ("readinessProbe", "Readiness"),
        ("startupProbe", "Startup"),
    ):
        if ctr.get(field) is not None:
            w.write(2, f"{title}:\t{describe_probe(ctr[field])}\n")


def _env_from(w: Writer, sources: list[Obj]) -> None:
    w.write(2, "Environment Variables from:\n")
    for source in sources:
        kind, ref = (
            ("ConfigMap", source.get("configMapRef"))
            if source.get("configMapRef")
            else ("Secret", source.get("secretRef") or {})
        )
        optional = "true" if (ref or {}).get("optional") else "false"
        prefix = source.get("prefix")
        what = f"{kind} with prefix '{prefix}'" if prefix else kind
        w.write(3, f"{(ref or {}).get('name', '')}\t{what}\tOptional: {optional}\n")


def _env(w: Writer, ctr: Obj, pod: Obj | None) -> None:
    env = ctr.get("env") or []
    w.write(2, "Environment:\t<none>\n" if not env else "Environment:\n")
    for var in env:
        name, source = var.get("name", ""), var.get("valueFrom")
        if source is None:
            for i, line in enumerate(str(var.get("value", "")).split("\n")):
                w.write(3, f"{name}:\t{line}\n" if i == 0 else f"\t{line}\n")
        elif source.get("fieldRef") is not None:
            ref = source["fieldRef"]
            value = _field_value(pod, str(ref.get("fieldPath", ""))) if pod is not None else ""
            w.write(
                3, f"{name}:\t{value} ({ref.get('apiVersion', '')}:{ref.get('fieldPath', '')})\n"
            )
        elif source.get("resourceFieldRef") is not None:
            ref = source["resourceFieldRef"]
            w.write(3, f"{name}:\t{_resource_value(ctr, ref)} ({ref.get('resource', '')})\n")
        elif source.get("secretKeyRef") is not None:
            ref = source["secretKeyRef"]
            w.write(
                3,
                f"{name}:\t<set to the key '{ref.get('key', '')}' in secret "
                f"'{ref.get('name', '')}'>\tOptional: {c.go_bool(ref.get('optional'))}\n",
            )
        elif source.get("configMapKeyRef") is not None:
            ref = source["configMapKeyRef"]
            w.write(
                3,
                f"{name}:\t<set to the key '{ref.get('key', '')}' of config map "
                f"'{ref.get('name', '')}'>\tOptional: {c.go_bool(ref.get('optional'))}\n",
            )


_FIELD_PATHS = {
    "metadata.name": ("metadata", "name"),
    "metadata.namespace": ("metadata", "namespace"),
    "metadata.uid": ("metadata", "uid"),
    "spec.nodeName": ("spec", "nodeName"),
    "spec.serviceAccountName": ("spec", "serviceAccountName"),
    "status.hostIP": ("status", "hostIP"),
    "status.podIP": ("status", "podIP"),
}


def _field_value(pod: Obj, path: str) -> str:
    """The downward-API value of a pod field (the common field paths)."""
    if path in _FIELD_PATHS:
        section, key = _FIELD_PATHS[path]
        return str((pod.get(section) or {}).get(key, ""))
    for section in ("labels", "annotations"):
        prefix = f"metadata.{section}['"
        if path.startswith(prefix) and path.endswith("']"):
            return str((c.meta(pod).get(section) or {}).get(path[len(prefix) : -2], ""))
    return ""


def _resource_value(ctr: Obj, ref: Obj) -> str:
    """A container's request or limit divided by the divisor, rounded up; a limit that is
    not set reads "node allocatable" (kubectl's wording for the kubelet's default)."""
    resource = str(ref.get("resource", ""))
    field, _, name = resource.partition(".")
    value = parse_quantity(((ctr.get("resources") or {}).get(field) or {}).get(name, "0"))
    divisor = parse_quantity(ref.get("divisor", "1")).value or 1
    text = str(math.ceil(value.value / divisor))
    if text == "0" and resource in ("limits.cpu", "limits.memory"):
        return "node allocatable"
    return text


def _mounts(w: Writer, ctr: Obj) -> None:
    mounts = sorted(ctr.get("volumeMounts") or [], key=lambda m: str(m.get("mountPath", "")))
    w.write(2, "Mounts:\n" if mounts else "Mounts:\t<none>\n")
    for mount in mounts:
        flags = ["ro" if mount.get("readOnly") else "rw"]
        if mount.get("subPath"):
            flags.append(f"path={json.dumps(mount['subPath'])}")
        w.write(
            3, f"{mount.get('mountPath', '')} from {mount.get('name', '')} ({','.join(flags)})\n"
        )
