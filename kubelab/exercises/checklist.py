"""The Kubernetes "Debug Services" checklist as a check: walk it, stop at the first step
that fails, and say what that step found and what to try.

The steps, in the page's order (kubernetes/website
content/en/docs/tasks/debug/debug-application/debug-service.md): does the Service exist;
does it work by DNS name; is it defined correctly (ports); does it have any endpoints;
are the pods working; does the Service work. Lessons 06-11 use the same walk, so a learner
meets the same words whenever a Service does not answer.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from kubelab import ports
from kubelab.exercises import checks
from kubelab.exercises.core import Finding
from kubelab.facade import Lab
from kubelab.selectors import service_selects

Object = dict[str, Any]

EXISTS = "Does the Service exist?"
DNS = "Does the Service work by DNS name?"
DEFINED = "Is the Service defined correctly?"
ENDPOINTS = "Does the Service have any endpoints?"
PODS = "Are the pods working?"
WORKS = "Does the Service answer?"


@dataclass(frozen=True)
class Client:
    """Who calls the Service, and by which name and port."""

    namespace: str = "default"
    host: str | None = None  # the name the client uses; None: the Service's name
    port: int = 80
    pod: str | None = None  # a real pod; None: kubelab's probe pod "client"
    source: str = ""  # where the client's configuration names the host, for hints


def checklist(lab: Lab, service: str, namespace: str | None = None,
              client: Client | None = None, brief: bool = False) -> list[Finding]:
    """Walk the checklist for a Service; the findings end at the first failing step.

    brief: when every step passes, one finding says so instead of one per step."""
    ns = namespace or lab.namespace
    client = client or Client(namespace=ns)
    svc = checks.find(lab, "service", service, ns)
    if svc is None:
        return [Finding(False, f"{EXISTS} No: there is no Service {service} in namespace {ns}",
                        _create_hint(lab, service, ns))]
    found = [Finding(True, f"{EXISTS} Yes: Service {service} in {ns} ({_address(svc)})")]
    for step in (_dns, _defined, _endpoints, _pods, _works):
        finding = step(lab, svc, client)
        if finding is None:
            continue
        found.append(finding)
        if not finding.ok:
            return found
    if brief:
        answered = found[-1].what.split("Yes: ", 1)[-1]
        return [Finding(True, f"Service {service} works: {answered}")]
    return found


def service(lab: Lab, name: str, how: str,
            namespace: str | None = None) -> tuple[Object | None, Finding]:
    """(the Service, an ok finding), or (None, a failing finding saying how to create it)."""
    ns = namespace or lab.namespace
    svc = checks.find(lab, "service", name, ns)
    if svc is not None:
        return svc, Finding(True, f"Service {name} exists in namespace {ns}")
    return None, Finding(False, f"There is no Service named {name} in namespace {ns} yet", how)


# -- the steps ----------------------------------------------------------------------------

def _dns(lab: Lab, svc: Object, client: Client) -> Finding:
    name, ns = _name(svc), _ns(svc)
    host = client.host or name
    answer = lab.resolve(host, from_pod=client.pod or "client", namespace=client.namespace)
    got = [r.value for r in answer.records if r.type == "A"]
    where = _origin(client)
    if answer.rcode != "NOERROR" or not got:
        return Finding(False, f"{DNS} No: {host!r} {where} is NXDOMAIN",
                       _nxdomain_hint(host, name, ns, client.namespace) + _from(client))
    cluster_ip = svc["spec"].get("clusterIP")
    if cluster_ip not in (None, "None") and cluster_ip not in got:
        return Finding(False, f"{DNS} {host!r} {where} answers {', '.join(got)}, not "
                       f"{cluster_ip} (the cluster IP of {ns}/{name})",
                       _other_service_hint(lab, got[0], host, name, ns, client.namespace)
                       + _from(client))
    return Finding(True, f"{DNS} Yes: {host!r} {where} → {', '.join(got)}")


def _defined(lab: Lab, svc: Object, client: Client) -> Finding | None:
    entry, found = checks.service_port(svc, client.port)
    if entry is None:
        return Finding(False, f"{DEFINED} {found.what}", found.hint)
    pods = _selected(lab, svc)
    if not pods:
        return None  # nothing to compare the targetPort with yet: the endpoints step says why
    target = checks.target_port_finding(svc, entry, pods, f"{_name(svc)} pods")
    verdict = "Yes:" if target.ok else "No:"
    return Finding(target.ok, f"{DEFINED} {verdict} {target.what}", target.hint)


def _endpoints(lab: Lab, svc: Object, client: Client) -> Finding:
    name, ns = _name(svc), _ns(svc)
    ready = checks.ready_endpoint_pods(lab, name, ns)
    if ready:
        return Finding(True, f"{ENDPOINTS} Yes: {len(ready)} ready ({', '.join(ready)})")
    pods = _selected(lab, svc)
    if not pods:
        return Finding(False, f"{ENDPOINTS} No: the selector "
                       f"{checks.labels_text(svc['spec'].get('selector'))} matches no pod in {ns}",
                       _selector_hint(lab, svc))
    pending = [p for p in pods if not (p.get("status") or {}).get("podIP")]
    if pending:
        return Finding(False, f"{ENDPOINTS} No: the selected pods are "
                       f"{(pending[0].get('status') or {}).get('phase', 'Pending')}, with no IP",
                       _pending_hint(pending[0]))
    return Finding(False, f"{ENDPOINTS} No ready ones: {len(pods)} pods match but none is "
                   "Ready (kubectl get pods shows 0/1)", _not_ready_hint(pods[0]))


def _pods(lab: Lab, svc: Object, client: Client) -> Finding:
    pods = [p for p in _selected(lab, svc) if checks.is_ready(p)]
    bad = _probe_problem(pods[0]) if pods else ""
    if bad:
        return Finding(False, f"{PODS} No: {bad}",
                       "on a real cluster these pods would not stay Ready: point the "
                       "probe at the port the container listens on, in the Deployment")
    entry = next(p for p in svc["spec"]["ports"] if p.get("port") == client.port)
    pod = pods[0]
    port = ports.resolve_target_port(entry, pod)
    target = f"{pod['status']['podIP']}:{port}"
    result = lab.request(target, from_pod=client.pod, namespace=client.namespace)[0]
    if result.outcome == "ok":
        return Finding(True, f"{PODS} Yes: pod {_name(pod)} answers on {target} directly")
    return Finding(False, f"{PODS} No: pod {_name(pod)} does not answer on {target} "
                   f"({result.outcome})", f"lab.explain({target!r}) shows why")


def _works(lab: Lab, svc: Object, client: Client) -> Finding:
    target = f"{client.host or _name(svc)}:{client.port}"
    results = lab.request(target, from_pod=client.pod, namespace=client.namespace, n=3)
    failed = [r for r in results if r.outcome != "ok"]
    if not failed:
        pods = sorted({str(r.pod) for r in results})
        return Finding(True, f"{WORKS} Yes: {target} {_origin(client)} is answered by "
                       f"{', '.join(pods)}")
    return Finding(False, f"{WORKS} No: {len(failed)} of 3 requests to {target} failed "
                   f"({failed[0].outcome})", f"lab.explain({target!r}) shows each step")


# -- hints ---------------------------------------------------------------------------------

def _origin(client: Client) -> str:
    return f"from pod {client.pod}" if client.pod else f"from namespace {client.namespace}"


def _from(client: Client) -> str:
    return f" (the client takes the name from {client.source})" if client.source else ""


def _create_hint(lab: Lab, service: str, ns: str) -> str:
    elsewhere = [s for s in lab.list("service", all_namespaces=True)
                 if _name(s) == service and _ns(s) != ns]
    if elsewhere:
        return (f"there is a Service {service} in namespace {_ns(elsewhere[0])}: a Service "
                f"serves the namespace it lives in; create it in {ns}")
    near = difflib.get_close_matches(service, [_name(s) for s in lab.list("service", ns)],
                                     n=1, cutoff=0.8)
    if near:
        return (f"there is a Service named {near[0]!r}: names must match exactly, since "
                f"clients ask DNS for {service!r}")
    deploy = checks.find(lab, "deployment", service, ns)
    if deploy is None:
        return f"create the Service {service} (kubectl get svc {service} says NotFound)"
    declared = checks.container_ports(checks.live_pods(lab, _match_labels(deploy), ns))
    port = declared[0]["containerPort"] if declared else 80
    return (f"kubectl get svc {service} says NotFound: create it, e.g. `kubectl expose "
            f"deployment {service} --port=80 --target-port={port}`, or apply a Service with "
            f"selector {checks.labels_text(_match_labels(deploy))} and targetPort {port}")


def _nxdomain_hint(host: str, name: str, ns: str, client_ns: str) -> str:
    if "." not in host and ns != client_ns:
        return (f"the resolver tries {host}.{client_ns}.svc.cluster.local first: a short name "
                f"means a Service in the client's own namespace ({client_ns}), and this one "
                f"is in {ns}: use {name}.{ns} (or {name}.{ns}.svc.cluster.local)")
    return (f"the Service is {name} in namespace {ns}: from {client_ns} ask for "
            f"{name}.{ns} or {name}.{ns}.svc.cluster.local")


def _other_service_hint(lab: Lab, ip: str, host: str, name: str, ns: str,
                        client_ns: str) -> str:
    owner = next((s for s in lab.list("service", all_namespaces=True)
                  if s["spec"].get("clusterIP") == ip), None)
    which = f"Service {_ns(owner)}/{_name(owner)}" if owner else "another Service"
    return (f"{host!r} found {which}, not {ns}/{name}: from namespace {client_ns} use "
            f"{name}.{ns}; a second Service does not help, since a Service selects pods "
            "in its own namespace only")


def _selector_hint(lab: Lab, svc: Object) -> str:
    ns = _ns(svc)
    pods = checks.live_pods(lab, None, ns)
    if not pods:
        return (f"there are no pods in namespace {ns} at all: a Service selects pods in its "
                "own namespace only")
    deploy = checks.find(lab, "deployment", _name(svc), ns)
    intended = checks.live_pods(lab, _match_labels(deploy), ns) if deploy else pods
    found = checks.selector_findings(svc, intended or pods, f"{_name(svc)} pods")
    hint = next((f.hint for f in found if not f.ok), "")
    return (f"{hint} (kubectl get pods --show-labels shows the labels; "
            f"kubectl get endpointslices -l kubernetes.io/service-name={_name(svc)} "
            "shows what the Service found)")


def _pending_hint(pod: Object) -> str:
    cond: Object = next((c for c in (pod.get("status") or {}).get("conditions") or []
                 if c.get("type") == "PodScheduled"), {})
    why = str(cond.get("message") or "it has not been scheduled").rstrip(".")
    wanted = pod["spec"].get("nodeSelector")
    ask = (f"; the pod asks for nodes with {checks.labels_text(wanted)}: remove that "
           "nodeSelector from the Deployment's pod template, or label a node to match"
           if wanted else "")
    return (f"a pod with no IP cannot be an endpoint. kubectl describe pod {_name(pod)}: "
            f"{why}{ask}")


def _not_ready_hint(pod: Object) -> str:
    bad = _probe_problem(pod)
    if bad:
        return (f"{bad}: the probe fails, so the pods never become Ready and the Service "
                "skips them. Point the probe at the port the container listens on, in the "
                "Deployment's pod template")
    return (f"kubectl describe pod {_name(pod)} shows why it is not Ready; a Service sends "
            "traffic to Ready pods only")


def _probe_problem(pod: Object) -> str:
    """Why the pod's readiness probe cannot succeed, or "" if its port is declared."""
    for container in pod["spec"].get("containers") or []:
        probe = container.get("readinessProbe") or {}
        action = probe.get("httpGet") or probe.get("tcpSocket")
        if not action:
            continue
        port = action.get("port")
        declared = container.get("ports") or []
        if not any(port in (p.get("containerPort"), p.get("name")) for p in declared):
            listening = checks.ports_text(declared)
            return (f"the readinessProbe of container {container['name']} asks port {port}, "
                    f"where nothing listens (it listens on {listening})")
    return ""


# -- small readers ---------------------------------------------------------------------------

def _name(obj: Object | None) -> str:
    return str((obj or {}).get("metadata", {}).get("name", ""))


def _ns(obj: Object | None) -> str:
    return str((obj or {}).get("metadata", {}).get("namespace", ""))


def _address(svc: Object) -> str:
    spec = svc["spec"]
    if spec.get("type") == "ExternalName":
        return f"ExternalName {spec.get('externalName')}"
    ip = spec.get("clusterIP")
    return "headless" if ip == "None" else f"{spec.get('type', 'ClusterIP')} {ip}"


def _match_labels(deploy: Object | None) -> dict[str, str]:
    return dict(((deploy or {}).get("spec", {}).get("selector") or {}).get("matchLabels") or {})


def _selected(lab: Lab, svc: Object) -> list[Object]:
    selector = svc["spec"].get("selector") or {}
    return [p for p in checks.live_pods(lab, None, _ns(svc))
            if service_selects(selector, p["metadata"].get("labels"))]
