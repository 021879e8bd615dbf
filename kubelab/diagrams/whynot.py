""""Why does this pod not get the Service's traffic?", answered from the objects.

Checks, in the order a learner should fix them: the namespace, each selector key, whether
the pod has an IP, is terminating or is not ready, whether each targetPort exists on the
pod, and what the EndpointSlices say about it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from kubelab import ports
from kubelab.diagrams import snapshot as snap
from kubelab.diagrams.matching import compare
from kubelab.diagrams.snapshot import Object
from kubelab.diagrams.style import LOOKS

LEVELS = ("ok", "problem", "note")
MARKS = {"ok": ("✓", LOOKS["ready"].line), "problem": ("✗", LOOKS["failed"].line),
         "note": ("!", LOOKS["not-ready"].line)}


@dataclass(frozen=True)
class Finding:
    """One check: its level ("ok", "problem" or "note"), its topic, and what it found."""

    level: str
    topic: str  # "namespace" | "selector" | "label" | "ip" | "terminating" | "ready" | "port"
    # | "endpoint"
    text: str
    key: str = ""  # the selector key, for "label" findings


@dataclass(frozen=True)
class Explanation:
    """Why a pod is, or is not, an endpoint that receives a Service's traffic."""

    service: str
    pod: str
    namespace: str  # the Service's
    findings: tuple[Finding, ...]

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "problem")

    @property
    def selected(self) -> bool:
        """The Service's selector selects the pod (same namespace, every key matches)."""
        return not any(f.level == "problem" and f.topic in ("namespace", "selector", "label")
                       for f in self.findings)

    @property
    def ok(self) -> bool:
        """Selected, and nothing keeps traffic from it."""
        return not self.problems

    @property
    def headline(self) -> str:
        if self.ok:
            return (f"pod {self.pod} is a ready endpoint of Service {self.service}: "
                    "traffic to the Service can reach it")
        if self.selected:
            return (f"Service {self.service} selects pod {self.pod}, but it gets no traffic "
                    "through it:")
        return f"Service {self.service} does not select pod {self.pod}:"

    def __str__(self) -> str:
        lines = [self.headline]
        lines.extend(f"  {MARKS[f.level][0]} {f.text}" for f in self.findings)
        return "\n".join(lines)

    def __repr__(self) -> str:
        problems = len(self.problems)
        return f"<Explanation why_not({self.service!r}, {self.pod!r}): {problems} problems>"

    def _repr_html_(self) -> str:
        items = []
        for finding in self.findings:
            mark, color = MARKS[finding.level]
            items.append(
                f'<li style="list-style: none;"><span style="color: {color}; '
                f'font-weight: bold;">{mark}</span> {html.escape(finding.text)}</li>'
            )
        color = LOOKS["ready" if self.ok else "failed"].line
        return (f'<div class="kubelab-why-not"><p style="color: {color}; font-weight: bold;">'
                f'{html.escape(self.headline)}</p><ul style="padding-left: 0.5em;">'
                f'{"".join(items)}</ul></div>')


# -- the checks --------------------------------------------------------------------------------


def _namespace(service: Object, pod: Object) -> list[Finding]:
    want, have = snap.namespace_of(service), snap.namespace_of(pod)
    if want == have:
        return [Finding("ok", "namespace", f"same namespace ({want})")]
    return [Finding("problem", "namespace",
                    f"wrong namespace: a Service selects pods only in its own namespace; "
                    f"Service {snap.name_of(service)} is in {want!r}, the pod in {have!r}")]


def _labels(service: Object, pod: Object) -> list[Finding]:
    selector = snap.service_selector(service)
    if not selector:
        return [Finding("problem", "selector",
                        "the Service has no selector: it selects no pod, and its "
                        "EndpointSlices are yours to write")]
    found = []
    for check in compare(selector, snap.labels_of(pod)):
        level = "ok" if check.ok else "problem"
        found.append(Finding(level, "label", check.describe(), check.key))
    return found


def _status(service: Object, pod: Object) -> list[Finding]:
    state = snap.pod_state(pod)
    meta = pod.get("metadata") or {}
    if state.state == "terminating":
        grace = meta.get("deletionGracePeriodSeconds")
        when = f" (deleted at {meta.get('deletionTimestamp')}, grace period {grace} s)"
        return [Finding("problem", "terminating",
                        f"the pod is terminating{when}: its endpoint is ready=false, "
                        "terminating=true, so kube-proxy sends it no new connections while "
                        "other endpoints are ready")]
    if state.state == "finished":
        return [Finding("problem", "ready", f"the pod has finished (phase {state.reason}): "
                        "it is no endpoint any more")]
    if state.state == "pending":
        return [Finding("problem", "ip", f"the pod has no IP yet ({state.reason}): "
                        "only pods with an IP become endpoints")]
    ready = snap.condition(pod, "Ready")
    if state.state == "ready":
        return [Finding("ok", "ready", "the pod is ready (Ready=True)")]
    text = f"the pod is not ready: {snap.condition_text(ready)}"
    if (service.get("spec") or {}).get("publishNotReadyAddresses"):
        return [Finding("note", "ready", text + "; the Service sets publishNotReadyAddresses, "
                        "so its endpoint is ready anyway")]
    return [Finding("problem", "ready", text + ": its endpoint is ready=false, and kube-proxy "
                    "sends no traffic to endpoints that are not ready")]


def _ports(service: Object, pod: Object) -> list[Finding]:
    found = []
    for port in (service.get("spec") or {}).get("ports") or ():
        target = ports.target_port(port)
        resolved = ports.resolve_target_port(port, pod)
        label = f"port {port.get('name') or port.get('port')} ({port.get('port')})"
        protocol = str(port.get("protocol", "TCP"))
        if resolved is None:
            have = ", ".join(f"{p.name or '(no name)'} {p.number}/{p.protocol}"
                             for p in ports.container_ports(pod)) or "none"
            found.append(Finding(
                "problem", "port",
                f"{label}: targetPort {target!r} is not found on the pod (no container port "
                f"named {target!r} with protocol {protocol}; the pod declares: {have}), so the "
                "pod is no endpoint for this port"))
        elif isinstance(target, str):
            found.append(Finding("ok", "port",
                                 f"{label}: targetPort {target!r} is containerPort {resolved}"))
        elif not ports.declares(pod, resolved, protocol):
            found.append(Finding("note", "port",
                                 f"{label}: targetPort {resolved}, which no container of the "
                                 "pod declares: traffic is sent there anyway; is the app "
                                 "listening on it?"))
        else:
            found.append(Finding("ok", "port", f"{label}: targetPort {resolved} is declared"))
    return found


def _endpoint(service: Object, pod: Object, slices: Sequence[Object]) -> list[Finding]:
    mine = [s for s in slices
            if snap.labels_of(s).get(snap.SERVICE_NAME_LABEL) == snap.name_of(service)
            and snap.namespace_of(s) == snap.namespace_of(service)]
    conditions = snap.endpoint_conditions(mine, snap.name_of(pod))
    if conditions is None:
        return [Finding("note", "endpoint",
                        f"the EndpointSlices of {snap.name_of(service)} do not list the pod")]
    flags = ", ".join(f"{k}={str(conditions.get(k)).lower()}"
                      for k in ("ready", "serving", "terminating") if k in conditions)
    text = f"the EndpointSlice lists the pod: {flags}"
    if conditions.get("ready"):
        return [Finding("ok", "endpoint", text)]
    if snap.pod_state(pod).state == "ready":  # the slice has not caught up yet
        return [Finding("problem", "endpoint", text + ": kube-proxy sends it no traffic yet")]
    return [Finding("note", "endpoint", text)]


def why_not(service: Object, pod: Object, slices: Sequence[Object] = ()) -> Explanation:
    """Every check of `pod` against `service`, in the order a learner should fix them."""
    findings = [*_namespace(service, pod), *_labels(service, pod), *_status(service, pod),
                *_ports(service, pod), *_endpoint(service, pod, slices)]
    return Explanation(snap.name_of(service), snap.name_of(pod), snap.namespace_of(service),
                       tuple(findings))
