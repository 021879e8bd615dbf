"""Lesson 00, start here: the first pod, and namespaces."""

from __future__ import annotations

from kubelab.exercises import checks
from kubelab.exercises.core import Exercise, Finding, register
from kubelab.facade import Lab

HELLO = """\
apiVersion: v1
kind: Pod
metadata:
  name: hello
  labels:
    app: hello
spec:
  containers:
  - name: app
    image: registry.k8s.io/e2e-test-images/agnhost:2.53
    args: ["netexec", "--http-port=8080"]
    ports:
    - name: http
      containerPort: 8080
"""

PRACTICE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: practice
---
""" + HELLO.replace("  name: hello\n", "  name: hello\n  namespace: practice\n", 1)


def _nothing(lab: Lab) -> None:
    """Nothing to build before this exercise."""


def _pod_findings(lab: Lab, namespace: str) -> list[Finding]:
    """Pod hello exists in the namespace, carries app=hello and is running and ready."""
    pod, found = checks.exists(lab, "pod", "hello", namespace)
    if pod is None:
        return [found]
    labels = pod["metadata"].get("labels") or {}
    findings = [found]
    if labels.get("app") == "hello":
        findings.append(Finding(True, "pod hello carries the label app=hello"))
    else:
        findings.append(Finding(False, f"pod hello's labels are {checks.labels_text(labels)}",
                                "the task asks for the label app: hello under metadata.labels; "
                                "labels of a running pod can change: edit the YAML and "
                                "lab.apply it again"))
    phase = (pod.get("status") or {}).get("phase", "Pending")
    if checks.is_ready(pod):
        findings.append(Finding(True, f"pod hello is {phase} and ready"))
    else:
        findings.append(Finding(False, f"pod hello is {phase} and not ready",
                                "give it a moment: lab.advance(10), then check again"))
    return findings


def _check_hello(lab: Lab) -> list[Finding]:
    return _pod_findings(lab, "default")


def _check_practice(lab: Lab) -> list[Finding]:
    ns, found = checks.exists(lab, "namespace", "practice",
                              how="a Namespace is an object too: apply one with "
                                  "kind: Namespace and name practice, before the pod")
    findings = [found]
    if ns is None:
        return findings
    findings += _pod_findings(lab, "practice")
    if not findings[1].ok and checks.find(lab, "pod", "hello", "default") is not None:
        findings[1] = Finding(False, findings[1].what,
                              "your pod hello is in namespace default: add namespace: practice "
                              "under metadata (or call lab.apply(yaml, namespace=\"practice\"))")
    return findings


register(Exercise(
    id="00.1",
    title="Your first pod",
    task="""\
Create a **Pod** named `hello` with the label `app: hello`. Its container runs the image
`registry.k8s.io/e2e-test-images/agnhost:2.53` with the arguments `netexec --http-port=8080`
(a small web server) and declares `containerPort: 8080` named `http`.

Write the YAML in a cell as a Python string and pass it to `lab.apply(...)`.""",
    setup=_nothing,
    check=_check_hello,
    solution=HELLO,
    apply_solution=checks.applying(HELLO),
    mistakes={
        "wrong_name": checks.applying(HELLO.replace("name: hello", "name: helo")),
        "wrong_label": checks.applying(HELLO.replace("app: hello", "run: hello")),
    },
    mistake_hints={"wrong_name": "'helo'", "wrong_label": "app: hello"},
    why="A Pod's `metadata.name` is how you (and kubectl) address it; `metadata.labels` are "
        "how everything else finds it: in the next lessons a Service will pick pods by label.",
))

register(Exercise(
    id="00.2",
    title="A namespace of your own",
    task="""\
Create a **Namespace** named `practice`, and in it the same Pod `hello` (label `app: hello`).
One `lab.apply` can take several YAML documents separated by `---`.""",
    setup=_nothing,
    check=_check_practice,
    solution=PRACTICE,
    apply_solution=checks.applying(PRACTICE),
    mistakes={
        "no_namespace": lambda lab: None,
        "pod_in_default": checks.applying(PRACTICE.replace("  namespace: practice\n", "")),
    },
    mistake_hints={"no_namespace": "kind: Namespace", "pod_in_default": "namespace: practice"},
    why="Names are unique per namespace: `hello` in `practice` and `hello` in `default` are "
        "two pods. A namespaced object goes to `metadata.namespace`, or to the namespace you "
        "pass (`kubectl apply -n practice`); the namespace must exist first.",
))
