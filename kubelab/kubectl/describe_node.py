"""`kubectl describe node`: the node, its capacity, and the pods running on it.

Source: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describeNode,
describeNodeResource, getPodsTotalRequestsAndLimits) and
staging/src/k8s.io/component-helpers/resource (PodRequests, PodLimits). kubelab has no
Leases, so the "Lease:" section kubectl prints after Unschedulable is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kubelab.kubectl import _common as c
from kubelab.kubectl._quantity import Quantity, parse_quantity
from kubelab.kubectl._timefmt import rfc1123z, since
from kubelab.kubectl._writer import (
    Writer,
    annotations_multiline,
    events_none,
    labels_multiline,
    taints_multiline,
)
from kubelab.kubectl.printers import node_roles
from kubelab.kubectl.views import Text

Obj = Mapping[str, Any]
Resources = dict[str, Quantity]

_SYSTEM_INFO = (
    ("Machine ID", "machineID"),
    ("System UUID", "systemUUID"),
    ("Boot ID", "bootID"),
    ("Kernel Version", "kernelVersion"),
    ("OS Image", "osImage"),
    ("Operating System", "operatingSystem"),
    ("Architecture", "architecture"),
    ("Container Runtime Version", "containerRuntimeVersion"),
    ("Kubelet Version", "kubeletVersion"),
)
_STANDARD = ("cpu", "memory", "ephemeral-storage")


def describe_node(node: Obj, pods: list[dict[str, Any]], now: datetime) -> Text:
    """`pods` may be every pod of the cluster: the ones bound to this node and not
    finished are shown, ordered by namespace and name as the API lists them."""
    spec, status, meta = c.spec(node), c.status(node), c.meta(node)
    w = Writer()
    w.write(0, f"Name:\t{c.name(node)}\n")
    w.write(0, f"Roles:\t{','.join(node_roles(node)) or '<none>'}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta.get('creationTimestamp'))}\n")
    taints_multiline(w, "Taints", spec.get("taints") or [])
    w.write(0, f"Unschedulable:\t{'true' if spec.get('unschedulable') else 'false'}\n")
    _conditions(w, status.get("conditions") or [])
    w.write(0, "Addresses:\n")
    for address in status.get("addresses") or []:
        w.write(1, f"{address.get('type', '')}:\t{address.get('address', '')}\n")
    for field, title in (("capacity", "Capacity"), ("allocatable", "Allocatable")):
        if status.get(field):
            w.write(0, f"{title}:\n")
            for name in sorted(status[field]):
                w.write(0, f"  {name}:\t{parse_quantity(status[field][name])}\n")
    info = status.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for title, field in _SYSTEM_INFO:
        w.write(0, f"  {title}:\t{info.get(field, '')}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    on_node = sorted(
        (
            p
            for p in pods
            if c.spec(p).get("nodeName") == c.name(node)
            and c.status(p).get("phase") not in ("Succeeded", "Failed")
        ),
        key=lambda p: (c.namespace(p), c.name(p)),
    )
    _node_pods(w, node, on_node, now)
    events_none(w)
    return w.text()


def _conditions(w: Writer, conditions: list[Obj]) -> None:
    if not conditions:
        return
    w.write(
        0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n"
    )
    w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
    for cond in conditions:
        w.write(
            1,
            f"{cond.get('type', '')} \t{cond.get('status', '')} \t"
            f"{rfc1123z(cond.get('lastHeartbeatTime'))} \t"
            f"{rfc1123z(cond.get('lastTransitionTime'))} \t"
            f"{cond.get('reason', '')} \t{cond.get('message', '')}\n",
        )


def _add(total: Resources, resources: Mapping[str, Any]) -> None:
    for name, value in resources.items():
        total[name] = total.get(name, Quantity()) + parse_quantity(value)


def _max(total: Resources, other: Resources) -> None:
    for name, value in other.items():
        if name not in total or value.value > total[name].value:
            total[name] = value


def pod_resources(pod: Obj, field: str) -> Resources:
    """PodRequests / PodLimits: the containers' sum (sidecars included), at least what any
    init container needs, plus the pod overhead; pod-level resources win when set."""
    spec = c.spec(pod)
    pod_level = (spec.get("resources") or {}).get(field)
    total: Resources = {}
    for ctr in spec.get("containers") or []:
        _add(total, (ctr.get("resources") or {}).get(field) or {})
    sidecars: Resources = {}
    peak: Resources = {}
    for ctr in spec.get("initContainers") or []:
        wanted = (ctr.get("resources") or {}).get(field) or {}
        if ctr.get("restartPolicy") == "Always":
            _add(total, wanted)
            _add(sidecars, wanted)
        else:
            step = dict(sidecars)
            _add(step, wanted)
            _max(peak, step)
    _max(total, peak)
    if pod_level:
        total = {name: parse_quantity(value) for name, value in pod_level.items()}
    if spec.get("overhead"):
        _add(total, spec["overhead"])
    return total


def _share(used: Quantity, allocatable: Quantity, milli: bool) -> str:
    whole = allocatable.milli_value() if milli else allocatable.int_value()
    part = used.milli_value() if milli else used.int_value()
    percent = int(part / whole * 100) if whole else 0
    return f"{used} ({percent}%)"


def _node_pods(w: Writer, node: Obj, pods: list[dict[str, Any]], now: datetime) -> None:
    status = c.status(node)
    allocatable = {
        k: parse_quantity(v)
        for k, v in (status.get("allocatable") or status.get("capacity") or {}).items()
    }
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    requests: Resources = {}
    limits: Resources = {}
    for pod in pods:
        req, lim = pod_resources(pod, "requests"), pod_resources(pod, "limits")
        cells = [
            _share(req.get("cpu", Quantity()), allocatable.get("cpu", Quantity()), True),
            _share(lim.get("cpu", Quantity()), allocatable.get("cpu", Quantity()), True),
            _share(req.get("memory", Quantity()), allocatable.get("memory", Quantity()), False),
            _share(lim.get("memory", Quantity()), allocatable.get("memory", Quantity()), False),
        ]
        age = since(c.meta(pod).get("creationTimestamp"), now)
        w.write(1, f"{c.namespace(pod)}\t{c.name(pod)}\t\t{chr(9).join(cells)}\t{age}\n")
        for total, part in ((requests, req), (limits, lim)):
            for name, value in part.items():
                total[name] = total.get(name, Quantity()) + value
    _allocated(w, allocatable, requests, limits)


def _allocated(w: Writer, allocatable: Resources, requests: Resources, limits: Resources) -> None:
    w.write(
        0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n"
    )
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    huge = sorted(name for name in allocatable if name.startswith("hugepages-"))
    for name in (*_STANDARD, *huge):
        zero = Quantity()
        milli = name == "cpu"
        w.write(
            1,
            f"{name}\t{_share(requests.get(name, zero), allocatable.get(name, zero), milli)}"
            f"\t{_share(limits.get(name, zero), allocatable.get(name, zero), milli)}\n",
        )
    extended = sorted(
        name
        for name in allocatable
        if name not in _STANDARD and not name.startswith("hugepages-") and name != "pods"
    )
    for name in extended:
        w.write(1, f"{name}\t{requests.get(name, Quantity())}\t{limits.get(name, Quantity())}\n")
