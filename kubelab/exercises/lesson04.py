"""Lesson 04, EndpointSlices and readiness: only ready pods get traffic."""

from __future__ import annotations

from kubelab import scenarios
from kubelab.exercises import checks
from kubelab.exercises.checks import Object
from kubelab.exercises.core import Exercise, Finding, register
from kubelab.exercises.lesson01 import WEB
from kubelab.facade import Lab

PROBE = """\
        readinessProbe:
          httpGet:
            path: /healthz
            port: http
          initialDelaySeconds: 5
          periodSeconds: 2
"""
PROBED = WEB + PROBE

TAKE_ONE_OUT = """\
pod = lab.list("pods", selector="app=web")[0]["metadata"]["name"]
lab.set_ready(pod, False)
"""


def setup_web(lab: Lab) -> None:
    """Deployment web (3 pods) and Service web (port 80 to the pods' port http)."""
    lab.apply([scenarios.deployment("web"), scenarios.service("web")])


def _conditions(ep: Object) -> str:
    c = ep.get("conditions") or {}
    return ", ".join(f"{k}={str(bool(c.get(k))).lower()}" for k in ("ready", "serving",
                                                                        "terminating"))


def _one_not_ready(lab: Lab) -> tuple[str | None, Finding]:
    eps = checks.endpoints(lab, "web")
    gone = [ep for ep in eps if (ep.get("conditions") or {}).get("terminating")]
    down = [ep for ep in eps if not (ep.get("conditions") or {}).get("ready") and ep not in gone]
    if gone:
        pod = checks.endpoint_pod(gone[0])
        return None, Finding(False, f"pod {pod} is terminating ({_conditions(gone[0])})",
                             "deleting a pod does not take it out of rotation for long: the "
                             "Deployment replaces it. Keep it running and make it not ready: "
                             "lab.set_ready(POD, False)")
    if not down:
        names = ", ".join(checks.endpoint_pod(ep) for ep in eps)
        return None, Finding(False, f"all {len(eps)} endpoints of web are ready",
                             f"make one pod not ready: lab.set_ready(POD, False), POD one of "
                             f"{names}")
    if len(down) > 1:
        names = ", ".join(checks.endpoint_pod(ep) for ep in down)
        return None, Finding(False, f"{len(down)} endpoints of web are not ready: {names}",
                             "the task asks for only one: make the others ready again with "
                             "lab.set_ready(POD, True)")
    pod = checks.endpoint_pod(down[0])
    return pod, Finding(True, f"pod {pod} is out of rotation: its endpoint says "
                        f"{_conditions(down[0])}")


def _check_out_of_rotation(lab: Lab) -> list[Finding]:
    svc, found = checks.exists(lab, "svc", "web")
    if svc is None:
        return [found]
    pod, finding = _one_not_ready(lab)
    findings = [found, finding]
    if pod is None:
        return findings
    phase = (checks.find(lab, "pod", pod) or {}).get("status", {}).get("phase")
    findings.append(Finding(phase == "Running", f"pod {pod} is {phase}: it still runs, it "
                            "only gets no new connections", "do not delete it"))
    answered = {r.pod for r in lab.request("web:80", n=12)}
    findings.append(Finding(pod not in answered and None not in answered,
                            f"12 requests to web:80 were answered by "
                            f"{', '.join(sorted(p or '-' for p in answered))}",
                            f"pod {pod} still got requests"))
    return findings


def _probe_findings(deploy: Object) -> list[Finding]:
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    probe = container.get("readinessProbe")
    if probe is None:
        if container.get("livenessProbe"):
            return [Finding(False, "the container has a livenessProbe, no readinessProbe",
                            "a livenessProbe restarts a container that fails it; only a "
                            "readinessProbe decides whether the pod gets traffic: rename it "
                            "readinessProbe")]
        return [Finding(False, "the web container has no readinessProbe",
                        "add readinessProbe under spec.template.spec.containers[0], next to "
                        "ports")]
    get = probe.get("httpGet")
    if get is None:
        return [Finding(False, "the readinessProbe is not an httpGet probe",
                        "use httpGet with path: /healthz and port: http")]
    ports = container.get("ports") or []
    port = get.get("port")
    if not any(port in (p.get("name"), p.get("containerPort")) for p in ports):
        return [Finding(False, f"the readinessProbe asks port {port}, where nothing listens",
                        f"the container listens on {checks.ports_text(ports)}: on a real "
                        "cluster this probe would fail and the pods would never be ready")]
    return [Finding(True, f"the readinessProbe asks GET {get.get('path', '/')} on port {port}")]


def _check_probe(lab: Lab) -> list[Finding]:
    deploy, found = checks.exists(lab, "deployment", "web")
    if deploy is None:
        return [found]
    findings = [found, *_probe_findings(deploy)]
    pods = checks.live_pods(lab, "app=web")
    probed = [p for p in pods if p["spec"]["containers"][0].get("readinessProbe")]
    ready = checks.ready_endpoint_pods(lab, "web")
    if len(probed) == len(pods) == len(ready) == 3:
        findings.append(Finding(True, "3 probed pods are ready endpoints of web"))
    else:
        findings.append(Finding(False, f"{len(probed)} of {len(pods)} pods of web have a "
                                f"readinessProbe, {len(ready)} are ready endpoints",
                                "the Deployment rolls out new pods: lab.advance(60)"))
    return findings


def _take_one_out(lab: Lab) -> None:
    lab.set_ready(checks.pod_names(checks.live_pods(lab, "app=web"))[0], False)


def _delete_one(lab: Lab) -> None:
    lab.delete("pod", checks.pod_names(checks.live_pods(lab, "app=web"))[0])


def _all_out(lab: Lab) -> None:
    for pod in checks.pod_names(checks.live_pods(lab, "app=web")):
        lab.set_ready(pod, False)


register(Exercise(
    id="04.1",
    title="Out of rotation, still running",
    task="""\
Take **one** pod of `web` out of the Service without stopping it: make its readiness probe
fail with `lab.set_ready(POD, False)` (on a real cluster the application would start
failing its probe). Then look at the EndpointSlice and send a few requests.""",
    setup=setup_web,
    check=_check_out_of_rotation,
    solution=TAKE_ONE_OUT,
    apply_solution=_take_one_out,
    mistakes={
        "deleted": _delete_one,
        "deleted_and_replaced": checks.in_order(_delete_one, lambda lab: lab.advance(60)),
        "all_not_ready": _all_out,
    },
    mistake_hints={"deleted": "lab.set_ready(POD, False)",
                   "deleted_and_replaced": "lab.set_ready(POD, False)",
                   "all_not_ready": "only one"},
    why="A not-ready pod stays in the EndpointSlice with ready=false and serving=false, so "
        "kube-proxy leaves it out; the pod keeps running and comes back when its probe "
        "passes again. A deleted pod is terminating instead (serving while it shuts down) "
        "and is replaced.",
))

register(Exercise(
    id="04.2",
    title="A readiness probe",
    task="""\
Give the `web` containers a **readinessProbe**: `httpGet` on path `/healthz` (agnhost's
health check) and port `http`, `initialDelaySeconds: 5`, `periodSeconds: 2`. Apply the
changed Deployment and let the rollout finish (`lab.advance(60)`).""",
    setup=setup_web,
    check=_check_probe,
    solution=PROBED,
    apply_solution=checks.in_order(checks.applying(PROBED), lambda lab: lab.advance(60)),
    mistakes={
        "liveness": checks.in_order(checks.applying(PROBED.replace("readinessProbe",
                                                                   "livenessProbe")),
                                    lambda lab: lab.advance(60)),
        "wrong_port": checks.in_order(checks.applying(PROBED.replace("port: http",
                                                                     "port: 80")),
                                      lambda lab: lab.advance(60)),
    },
    mistake_hints={"liveness": "readinessProbe", "wrong_port": "http=8080/TCP"},
    why="Without a readinessProbe a pod is ready as soon as its container runs, even if the "
        "application inside is still starting. With one, the kubelet marks it ready only "
        "after the probe passes (here no earlier than 5 s), and the Deployment waits for "
        "ready pods before it replaces the next one.",
))
