"""`kubectl describe pod`, and the volume and pod-template sections other describers share.
Source: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describePod, describeVolumes,
DescribePodTemplate) and staging/src/k8s.io/kubectl/pkg/util/qos (GetPodQOS).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kubelab.kubectl import _common as c
from kubelab.kubectl._containers import containers, resources
from kubelab.kubectl._quantity import Quantity, parse_quantity
from kubelab.kubectl._timefmt import rfc1123z, since
from kubelab.kubectl._writer import (
    Writer,
    annotations_multiline,
    events_none,
    labels_multiline,
    tolerations_multiline,
)
from kubelab.kubectl.views import Text

Obj = Mapping[str, Any]


def describe_pod(pod: Obj, now: datetime) -> Text:
    spec, status, meta = c.spec(pod), c.status(pod), c.meta(pod)
    w = Writer()
    w.write(0, f"Name:\t{c.name(pod)}\n")
    w.write(0, f"Namespace:\t{c.namespace(pod)}\n")
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    for field, title in (
        ("priorityClassName", "Priority Class Name"),
        ("runtimeClassName", "Runtime Class Name"),
        ("serviceAccountName", "Service Account"),
    ):
        if spec.get(field):
            w.write(0, f"{title}:\t{spec[field]}\n")
    node = spec.get("nodeName")
    w.write(0, f"Node:\t{node}/{status.get('hostIP', '')}\n" if node else "Node:\t<none>\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(status['startTime'])}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    _pod_status(w, pod, now)
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    _pod_ips(w, status.get("podIPs") or [])
    controller = controlled_by(pod)
    if controller:
        w.write(0, f"Controlled By:\t{controller}\n")
    if status.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")
    if spec.get("resources"):
        w.write(0, "Resources:\n")
        resources(w, spec["resources"], 1)
    if spec.get("initContainers"):
        containers(
            w,
            "Init Containers",
            spec["initContainers"],
            status.get("initContainerStatuses") or [],
            pod,
        )
    containers(
        w, "Containers", spec.get("containers") or [], status.get("containerStatuses") or [], pod
    )
    _conditions(w, spec, status)
    volumes(w, spec.get("volumes") or [])
    w.write(0, f"QoS Class:\t{status.get('qosClass') or qos_class(spec)}\n")
    labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "Tolerations", spec.get("tolerations") or [])
    _topology_spread(w, spec.get("topologySpreadConstraints") or [])
    events_none(w)
    return w.text()


def _pod_status(w: Writer, pod: Obj, now: datetime) -> None:
    status, meta = c.status(pod), c.meta(pod)
    phase = status.get("phase", "")
    if meta.get("deletionTimestamp") and phase not in ("Failed", "Succeeded"):
        # The deletion time lies ahead (now + grace period), so its age reads "<invalid>".
        w.write(0, f"Status:\tTerminating (lasts {since(meta['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{meta.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{phase}\n")
    if status.get("reason"):
        w.write(0, f"Reason:\t{status['reason']}\n")
    if status.get("message"):
        w.write(0, f"Message:\t{status['message']}\n")
    seccomp = (c.spec(pod).get("securityContext") or {}).get("seccompProfile")
    if seccomp:
        w.write(0, f"SeccompProfile:\t{seccomp.get('type', '')}\n")
        if seccomp.get("type") == "Localhost":
            w.write(0, f"LocalhostProfile:\t{seccomp.get('localhostProfile', '')}\n")


def _pod_ips(w: Writer, pod_ips: list[Obj]) -> None:
    if not pod_ips:
        w.write(0, "IPs:\t<none>\n")
        return
    w.write(0, "IPs:\n")
    for entry in pod_ips:
        w.write(1, f"IP:\t{entry.get('ip', '')}\n")


def controlled_by(obj: Obj) -> str:
    """printController: `Kind/name` of the owner reference marked as the controller."""
    for ref in c.meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind', '')}/{ref.get('name', '')}"
    return ""


def _conditions(w: Writer, spec: Obj, status: Obj) -> None:
    conditions = status.get("conditions") or []
    gates = spec.get("readinessGates") or []
    if gates:
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        states = {cond.get("type"): cond.get("status") for cond in conditions}
        for gate in gates:
            kind = gate.get("conditionType", "")
            w.write(1, f"{kind} \t{states.get(kind, '<none>')} \n")
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for cond in conditions:
            w.write(1, f"{cond.get('type', '')} \t{cond.get('status', '')} \n")


def _topology_spread(w: Writer, constraints: list[Obj], space: str = "") -> None:
    if not constraints:
        return
    w.write(0, f"{space}Topology Spread Constraints:\t")
    for i, tsc in enumerate(sorted(constraints, key=lambda t: str(t.get("topologyKey", "")))):
        if i:
            w.write(0, f"{space}\t")
        text = (
            f"{tsc.get('topologyKey', '')}:{tsc.get('whenUnsatisfiable', '')} "
            f"when max skew {tsc.get('maxSkew', 0)} is exceeded"
        )
        if tsc.get("labelSelector") is not None:
            text += f" for selector {c.format_label_selector(tsc['labelSelector'])}"
        w.write(0, text + "\n")


# -- volumes ------------------------------------------------------------------------------

_VOLUME_TYPES = {
    "hostPath": "HostPath (bare host directory volume)",
    "emptyDir": "EmptyDir (a temporary directory that shares a pod's lifetime)",
    "secret": "Secret (a volume populated by a Secret)",
    "configMap": "ConfigMap (a volume populated by a ConfigMap)",
    "persistentVolumeClaim": "PersistentVolumeClaim (a reference to a PersistentVolumeClaim "
    "in the same namespace)",
    "projected": "Projected (a volume that contains injected data from multiple sources)",
    "downwardAPI": "DownwardAPI (a volume populated by information about the pod)",
}


def volumes(w: Writer, vols: list[Obj], space: str = "") -> None:
    if not vols:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for vol in vols:
        w.write(1, f"{' ' if space else ''}{vol.get('name', '')}:\n")
        kind = next((k for k in _VOLUME_TYPES if vol.get(k) is not None), None)
        if kind is None:
            w.write(1, "<unknown>\n")
            continue
        w.write(2, f"Type:\t{_VOLUME_TYPES[kind]}\n")
        for key, value in _volume_fields(kind, vol[kind]):
            w.write(2, f"{key}:\t{value}\n" if key else f"{value}\n")


def _volume_fields(kind: str, source: Obj) -> list[tuple[str, str]]:
    if kind == "hostPath":
        kind_of = source.get("type", "<none>")
        return [("Path", str(source.get("path", ""))), ("HostPathType", str(kind_of))]
    if kind == "emptyDir":
        limit = parse_quantity(source["sizeLimit"]) if source.get("sizeLimit") else Quantity()
        return [
            ("Medium", str(source.get("medium", ""))),
            ("SizeLimit", str(limit) if limit.value > 0 else "<unset>"),
        ]
    if kind == "secret":
        return [
            ("SecretName", str(source.get("secretName", ""))),
            ("Optional", c.go_bool(source.get("optional"))),
        ]
    if kind == "configMap":
        return [
            ("Name", str(source.get("name", ""))),
            ("Optional", c.go_bool(source.get("optional"))),
        ]
    if kind == "persistentVolumeClaim":
        return [
            ("ClaimName", str(source.get("claimName", ""))),
            ("ReadOnly", c.go_bool(source.get("readOnly"))),
        ]
    if kind == "downwardAPI":
        return [("", "Items:"), *_downward_items(source.get("items") or [])]
    return _projected_fields(source.get("sources") or [])


def _downward_items(items: list[Obj]) -> list[tuple[str, str]]:
    lines = []
    for item in items:
        if item.get("fieldRef"):
            lines.append(
                ("", f"  {item['fieldRef'].get('fieldPath', '')} -> {item.get('path', '')}")
            )
        if item.get("resourceFieldRef"):
            ref = item["resourceFieldRef"]
            lines.append(("", f"  {ref.get('resource', '')} -> {item.get('path', '')}"))
    return lines


def _projected_fields(sources: list[Obj]) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for source in sources:
        if source.get("secret") is not None:
            fields += [
                ("SecretName", str(source["secret"].get("name", ""))),
                ("Optional", c.go_bool(source["secret"].get("optional"))),
            ]
        elif source.get("downwardAPI") is not None:
            fields.append(("DownwardAPI", "true"))
        elif source.get("configMap") is not None:
            fields += [
                ("ConfigMapName", str(source["configMap"].get("name", ""))),
                ("Optional", c.go_bool(source["configMap"].get("optional"))),
            ]
        elif source.get("serviceAccountToken") is not None:
            seconds = source["serviceAccountToken"].get("expirationSeconds", 3600)
            fields.append(("TokenExpirationSeconds", str(seconds)))
    return fields


# -- QoS and pod templates ------------------------------------------------------------------


def qos_class(spec: Obj) -> str:
    """ComputePodQOS, for a pod without status.qosClass: BestEffort without any cpu or
    memory request or limit; Guaranteed when every container limits both and requests
    equal limits; Burstable otherwise."""
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    for ctr in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        res = ctr.get("resources") or {}
        for target, field in ((requests, "requests"), (limits, "limits")):
            for name in ("cpu", "memory"):
                quantity = parse_quantity((res.get(field) or {}).get(name, "0"))
                if quantity.value:
                    target[name] = target.get(name, Quantity()) + quantity
        if not all(
            parse_quantity((res.get("limits") or {}).get(n, "0")).value for n in ("cpu", "memory")
        ):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if (
        guaranteed
        and requests.keys() == limits.keys()
        and all(requests[name].value == limits[name].value for name in requests)
    ):
        return "Guaranteed"
    return "Burstable"


def pod_template(w: Writer, template: Obj | None) -> None:
    """DescribePodTemplate: the pod a controller stamps out, indented under "Pod Template:"."""
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    labels_multiline(w, "  Labels", meta.get("labels"))
    if meta.get("annotations"):
        annotations_multiline(w, "  Annotations", meta["annotations"])
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        containers(w, "Init Containers", spec["initContainers"], [], None, "  ")
    containers(w, "Containers", spec.get("containers") or [], [], None, "  ")
    volumes(w, spec.get("volumes") or [], "  ")
    _topology_spread(w, spec.get("topologySpreadConstraints") or [], "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "  Tolerations", spec.get("tolerations") or [])
