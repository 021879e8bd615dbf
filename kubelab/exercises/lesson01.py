"""Lesson 01, pods and labels: a Deployment keeps pods running; labels belong in its
pod template."""

from __future__ import annotations

from kubelab.exercises import checks
from kubelab.exercises.checks import Object
from kubelab.exercises.core import Exercise, Finding, register
from kubelab.facade import Lab

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: app
        image: registry.k8s.io/e2e-test-images/agnhost:2.53
        args: ["netexec", "--http-port=8080"]
        ports:
        - name: http
          containerPort: 8080
"""

FRONTEND = WEB.replace("        app: web\n    spec:", "        app: web\n        tier: frontend\n"
                       "    spec:")


def _replicas_finding(deploy: Object, want: int) -> Finding:
    have = deploy["spec"].get("replicas", 1)
    if have == want:
        return Finding(True, f"Deployment web asks for {want} replicas")
    return Finding(False, f"Deployment web asks for {have} replicas",
                   f"the task asks for {want}: set spec.replicas: {want}")


def _template_label(deploy: Object, key: str, value: str) -> Finding:
    labels = deploy["spec"]["template"]["metadata"].get("labels") or {}
    if labels.get(key) == value:
        return Finding(True, f"the pod template carries {key}={value}")
    if (deploy["metadata"].get("labels") or {}).get(key) == value:
        return Finding(False, f"{key}={value} is on the Deployment, not in its pod template",
                       "metadata.labels labels the Deployment itself; the pods get the labels "
                       f"under spec.template.metadata.labels: put {key}: {value} there")
    return Finding(False, f"the pod template's labels are {checks.labels_text(labels)}",
                   f"the task asks for {key}: {value} under spec.template.metadata.labels")


def _pods_finding(lab: Lab, deploy: Object, key: str, value: str) -> Finding:
    """The Deployment's pods: all there, ready, and carrying key=value."""
    want = deploy["spec"].get("replicas", 1)
    pods = checks.live_pods(lab, deploy["spec"]["selector"].get("matchLabels"))
    ready = [p for p in pods if checks.is_ready(p)]
    wrong = [p for p in pods if (p["metadata"].get("labels") or {}).get(key) != value]
    template = deploy["spec"]["template"]["metadata"].get("labels") or {}
    if wrong:
        names = ", ".join(checks.pod_names(wrong))
        if template.get(key) != value:
            hint = ("pods take their labels from the pod template when they are created; "
                    "a label set by hand on a pod is lost when the pod is replaced")
        else:
            hint = "the Deployment is replacing them: let time pass, lab.advance(30)"
        return Finding(False, f"{len(wrong)} of {len(pods)} pods of web lack {key}={value}: "
                       f"{names}", hint)
    if len(pods) == want and len(ready) == want:
        return Finding(True, f"{want} pods of web, labelled {key}={value}, are running and ready")
    return Finding(False, f"{len(ready)} of {want} pods of web are ready ({len(pods)} exist)",
                   "let the Deployment catch up: lab.advance(30), then check again")


def _check_web(lab: Lab) -> list[Finding]:
    deploy, found = checks.exists(lab, "deployment", "web")
    if deploy is None:
        return [found]
    return [found, _replicas_finding(deploy, 3), _template_label(deploy, "app", "web"),
            _pods_finding(lab, deploy, "app", "web")]


def _check_frontend(lab: Lab) -> list[Finding]:
    deploy, found = checks.exists(lab, "deployment", "web")
    if deploy is None:
        return [found]
    return [found, _template_label(deploy, "tier", "frontend"),
            _pods_finding(lab, deploy, "tier", "frontend")]


def _label_one_pod(lab: Lab) -> None:
    pod = checks.pod_names(checks.live_pods(lab, "app=web"))[0]
    lab.patch("pod", pod, {"metadata": {"labels": {"tier": "frontend"}}})


register(Exercise(
    id="01.1",
    title="A Deployment of three pods",
    task="""\
Create a **Deployment** named `web` that keeps **3** pods running, each labelled `app: web`,
running `registry.k8s.io/e2e-test-images/agnhost:2.53` with the arguments
`netexec --http-port=8080` and declaring `containerPort: 8080` named `http`.

The Deployment's `spec.selector.matchLabels` must match the labels of its pod template.""",
    setup=lambda lab: None,
    check=_check_web,
    solution=WEB,
    apply_solution=checks.applying(WEB),
    mistakes={
        "two_replicas": checks.applying(WEB.replace("replicas: 3", "replicas: 2")),
        "wrong_label": checks.applying(WEB.replace("app: web", "app: webb")),
    },
    mistake_hints={"two_replicas": "spec.replicas: 3", "wrong_label": "app: web"},
    why="The Deployment creates a ReplicaSet, which keeps `replicas` pods alive from the "
        "template: delete one and a new one, with a new name and a new IP, takes its place.",
))

register(Exercise(
    id="01.2",
    title="A second label, the lasting way",
    task="""\
Every pod of `web` should also carry the label `tier: frontend`, and keep it when pods are
replaced. Change the Deployment (not the pods), apply it, and let time pass
(`lab.advance(30)`) while it rolls out new pods.""",
    setup=checks.applying(WEB),
    check=_check_frontend,
    solution=FRONTEND,
    apply_solution=checks.in_order(checks.applying(FRONTEND), lambda lab: lab.advance(30)),
    mistakes={
        "deployment_labels": checks.applying(WEB.replace(
            "  name: web\n", "  name: web\n  labels:\n    tier: frontend\n", 1)),
        "one_pod_patched": _label_one_pod,
    },
    mistake_hints={"deployment_labels": "spec.template.metadata.labels",
                   "one_pod_patched": "spec.template.metadata.labels"},
    why="Pods are made from `spec.template`; changing it makes the Deployment start a new "
        "ReplicaSet and replace the pods one by one (a rolling update). Their names and IPs "
        "change again: one more reason clients should not talk to pods directly.",
))
