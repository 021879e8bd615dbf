"""Building blocks for exercise checks: each reads the cluster through the Lab and returns
`Finding`s whose hints name the exact key, value, port or pod that is wrong.

Nothing here raises for a learner's mistake; a missing object is a failing Finding.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kubelab.errors import ApiError
from kubelab.exercises.core import Finding
from kubelab.facade import Lab
from kubelab.kinds import resource_for

Object = dict[str, Any]


# -- objects ---------------------------------------------------------------------------

def find(lab: Lab, kind: str, name: str, namespace: str | None = None) -> Object | None:
    """The object, or None if there is none (any other API error propagates)."""
    try:
        return lab.read(kind, name, namespace)
    except ApiError as err:
        if err.code == 404:
            return None
        raise


def exists(lab: Lab, kind: str, name: str, namespace: str | None = None,
           how: str = "") -> tuple[Object | None, Finding]:
    """(object, ok finding) or (None, a failing finding that says how to create it)."""
    res = resource_for(kind)
    obj = find(lab, kind, name, namespace)
    where = f" in namespace {namespace or lab.namespace}" if res.namespaced else ""
    if obj is not None:
        return obj, Finding(True, f"{res.kind} {name} exists{where}")
    hint = how or f"write its YAML in a cell and run lab.apply(...) to create the {res.kind}"
    near = _closest(name, [o["metadata"]["name"] for o in lab.list(kind, namespace)])
    if near:
        hint = (f"{hint}. There is a {res.kind} named {near!r}: if that one was meant to be "
                f"{name!r}, names must match exactly (a typo'd copy can be removed with "
                f"lab.delete('{kind}/{near}'))")
    return None, Finding(False, f"There is no {res.kind} named {name}{where} yet", hint)


def labels_text(labels: Mapping[str, str] | None) -> str:
    """`app=web,tier=frontend`, the way kubectl prints labels and selectors."""
    return ",".join(f"{k}={v}" for k, v in (labels or {}).items()) or "<none>"


def is_live(pod: Object) -> bool:
    """A pod that is not being deleted."""
    return "deletionTimestamp" not in pod["metadata"]


def is_ready(pod: Object) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def live_pods(lab: Lab, selector: Mapping[str, str] | str | None = None,
              namespace: str | None = None) -> list[Object]:
    """Pods matching a selector (dict or `app=web` string), not terminating."""
    text = selector if isinstance(selector, str) or selector is None else labels_text(selector)
    return [p for p in lab.list("pods", namespace, text or None) if is_live(p)]


def pod_names(pods: list[Object]) -> list[str]:
    return [p["metadata"]["name"] for p in pods]


# -- selectors -------------------------------------------------------------------------

def _closest(word: str, choices: list[str]) -> str | None:
    lower = {c.lower(): c for c in choices}
    if word.lower() in lower:
        return lower[word.lower()]
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return match[0] if match else None


def _key_mismatch(key: str, want: str, labels: Mapping[str, str], who: str) -> str:
    """Why selector term key=want does not match labels (empty: it matches)."""
    if key not in labels:
        near = _closest(key, list(labels))
        guess = (f"; did you mean {near!r}? (the {who} carry {near}={labels[near]})"
                 if near else "")
        return (f"the selector key {key!r} is not a label of the {who} (their labels: "
                f"{labels_text(labels)}){guess}")
    have = labels[key]
    if have == want:
        return ""
    case = " (labels are case-sensitive)" if have.lower() == want.lower() else ""
    return (f"the selector asks {key}={want} but the {who} have {key}={have}{case}: "
            f"set {key}: {have}")


def _shared_labels(pods: Sequence[Object]) -> dict[str, str]:
    """Labels every one of the pods carries (without the controller's pod-template-hash)."""
    sets = [dict(p["metadata"].get("labels") or {}) for p in pods]
    if not sets:
        return {}
    return {k: v for k, v in sets[0].items() if k != "pod-template-hash"
            and all(s.get(k) == v for s in sets[1:])}


def _yaml_labels(labels: Mapping[str, str]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in labels.items())


def selector_findings(svc: Object, intended: Sequence[Object], who: str,
                      others: Sequence[Object] = ()) -> list[Finding]:
    """Does the Service's selector pick exactly the intended pods?

    `intended`: the pods the task means (described as `who`, e.g. "web pods");
    `others`: pods in the namespace it must not pick."""
    name = svc["metadata"]["name"]
    selector: Mapping[str, str] = svc["spec"].get("selector") or {}
    shared = _shared_labels(intended)
    if not selector:
        example = _yaml_labels(shared) or "app: web"
        return [Finding(False, f"Service {name} has no selector, so it has no endpoints",
                        f"add spec.selector with labels the {who} carry: {example}")]
    shown = labels_text(selector)
    for pod in intended:
        labels = pod["metadata"].get("labels") or {}
        for key, want in selector.items():
            why = _key_mismatch(key, want, labels, who)
            if why:
                return [Finding(False, f"the selector {shown} of Service {name} matches none "
                                f"of the {who}", why)]
    extra = [p for p in others if all((p["metadata"].get("labels") or {}).get(k) == v
                                      for k, v in selector.items())]
    if extra:
        pod = extra[0]
        theirs = pod["metadata"].get("labels") or {}
        unique = {k: v for k, v in shared.items() if theirs.get(k) != v}
        differ = ", ".join(f"{k}={theirs[k]}" for k in unique if k in theirs)
        fix = (f"add {_yaml_labels(unique)} to the selector" if unique
               else f"give the {who} a label the others lack, and select on it")
        return [Finding(False, f"the selector {shown} of Service {name} also picks pod "
                        f"{pod['metadata']['name']}" + (f" ({differ})" if differ else ""),
                        f"a selector picks every pod that has all its labels: {fix}")]
    return [Finding(True, f"the selector {shown} of Service {name} picks the {len(intended)} "
                    f"{who}")]


# -- ports -----------------------------------------------------------------------------

def container_ports(pods: list[Object]) -> list[Object]:
    """The declared container ports of the first pod (the pods of one template agree)."""
    if not pods:
        return []
    return [port for c in pods[0]["spec"].get("containers", []) for port in c.get("ports", [])]


def ports_text(ports: list[Object]) -> str:
    return ", ".join(
        (f"{p['name']}=" if p.get("name") else "") + f"{p['containerPort']}/"
        f"{p.get('protocol', 'TCP')}" for p in ports) or "none declared"


def service_port(svc: Object, port: int) -> tuple[Object | None, Finding]:
    """The Service's entry for `port`, or a failing finding naming its ports."""
    name = svc["metadata"]["name"]
    ports = svc["spec"].get("ports") or []
    for entry in ports:
        if entry.get("port") == port:
            return entry, Finding(True, f"Service {name} listens on port {port}")
    have = ", ".join(str(p.get("port")) for p in ports) or "none"
    return None, Finding(False, f"Service {name} has no port {port} (its ports: {have})",
                         f"`port` is the port clients connect to on the Service: set port: {port}"
                         "; `targetPort` is where the pods listen")


def target_port_finding(svc: Object, entry: Object, pods: list[Object], who: str) -> Finding:
    """Does the port's targetPort reach a port the pods listen on?"""
    name = svc["metadata"]["name"]
    target = entry.get("targetPort", entry.get("port"))
    declared = container_ports(pods)
    listening = ports_text(declared)
    if isinstance(target, str):
        match = [p for p in declared if p.get("name") == target]
        if match:
            return Finding(True, f"targetPort {target} is the {who}' port {target} "
                           f"({match[0]['containerPort']})")
        near = _closest(target, [p["name"] for p in declared if p.get("name")])
        guess = f"; did you mean {near!r}?" if near else ""
        return Finding(False, f"targetPort {target!r} of Service {name} names no port of the {who}",
                       f"the {who} declare the ports {listening}{guess}")
    if any(p.get("containerPort") == target for p in declared):
        return Finding(True, f"targetPort {target} is a port the {who} listen on")
    return Finding(False, f"targetPort {target} of Service {name} is not a port the {who} "
                   "listen on", f"the {who} listen on {listening}: set targetPort to that "
                   "number (or to the port's name)")


# -- endpoints and traffic -----------------------------------------------------------------

def endpoints(lab: Lab, service: str, namespace: str | None = None) -> list[Object]:
    """Every endpoint of every EndpointSlice of the Service."""
    slices = lab.list("endpointslices", namespace, f"kubernetes.io/service-name={service}")
    return [ep for s in slices for ep in (s.get("endpoints") or [])]


def endpoint_pod(endpoint: Object) -> str:
    return str((endpoint.get("targetRef") or {}).get("name", endpoint["addresses"][0]))


def ready_endpoint_pods(lab: Lab, service: str, namespace: str | None = None) -> list[str]:
    return sorted(endpoint_pod(ep) for ep in endpoints(lab, service, namespace)
                  if (ep.get("conditions") or {}).get("ready"))


def request_finding(lab: Lab, target: str, namespace: str | None = None,
                    from_pod: str | None = None) -> Finding:
    """Send one request to target from a pod; ok if a pod answered."""
    result = lab.request(target, namespace=namespace, from_pod=from_pod)[0]
    if result.outcome == "ok":
        return Finding(True, f"a request to {target} was answered by pod {result.pod}")
    last = result.hops[-1].detail if result.hops else ""
    how = f"lab.explain({target!r}) shows each step"
    return Finding(False, f"a request to {target} failed ({result.outcome})",
                   f"{last}; {how}" if last else how)


# -- for exercise definitions ------------------------------------------------------------

def applying(manifest: str, namespace: str | None = None) -> Callable[[Lab], None]:
    """A setup/solution/mistake step that applies YAML text: `applying(SERVICE)`."""

    def step(lab: Lab) -> None:
        lab.apply(manifest, namespace=namespace)

    return step


def in_order(*steps: Callable[[Lab], None]) -> Callable[[Lab], None]:
    """Several steps, one after the other."""

    def step(lab: Lab) -> None:
        for each in steps:
            each(lab)

    return step
