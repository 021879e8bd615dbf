"""Lesson 06, load balancing: kube-proxy picks an endpoint at random for each new
connection (1/n each), and sessionAffinity: ClientIP pins a client to one pod for a while."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubelab import scenarios
from kubelab.exercises import checks
from kubelab.exercises.checklist import checklist, service
from kubelab.exercises.core import Exercise, Finding, register
from kubelab.facade import Lab

STICKY = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: http
  sessionAffinity: ClientIP
  sessionAffinityConfig:
    clientIP:
      timeoutSeconds: 60
"""

SCALE = '''\
# kubectl scale deployment web --replicas=4
lab.patch("deployment", "web", {"spec": {"replicas": 4}})'''


def setup(lab: Lab, replicas: int = 3) -> None:
    """What lesson 06 builds first: Deployment web (agnhost netexec) and Service web."""
    lab.apply(scenarios.deployment("web", replicas))
    lab.apply(scenarios.service("web"))


def scale(replicas: int) -> Callable[[Lab], None]:
    def step(lab: Lab) -> None:
        lab.patch("deployment", "web", {"spec": {"replicas": replicas}})
        lab.advance(5)

    return step


def _probabilities(n: int) -> str:
    return ", ".join(f"1/{n - i}" for i in range(n - 1)) + (", then 1" if n > 1 else "1")


def _check_quarter(lab: Lab) -> list[Finding]:
    found = checklist(lab, "web", brief=True)
    if not all(f.ok for f in found):
        return found
    n = len(checks.ready_endpoint_pods(lab, "web"))
    if n == 4:
        return [*found, Finding(True, "web has 4 ready endpoints: its rules read "
                                f"{_probabilities(4)}, so the first matches with 0.25")]
    return [*found, Finding(
        False, f"web has {n} ready endpoints: the first rule reads 1/{n} = {1 / n:.4f}",
        "the first of n rules matches with probability 1/n, so 0.25 needs 4 ready "
        "endpoints: scale the Deployment web to 4 replicas")]


def _affinity(svc: dict[str, Any]) -> Finding:
    mode = svc["spec"].get("sessionAffinity", "None")
    if mode == "ClientIP":
        return Finding(True, "Service web has sessionAffinity: ClientIP")
    return Finding(False, f"Service web has sessionAffinity: {mode}",
                   "set spec.sessionAffinity: ClientIP; with None every new connection "
                   "picks an endpoint at random")


def _timeout(svc: dict[str, Any]) -> Finding:
    config = (svc["spec"].get("sessionAffinityConfig") or {}).get("clientIP") or {}
    seconds = config.get("timeoutSeconds")
    if seconds == 60:
        return Finding(True, "the affinity lasts 60 s after a client's last request")
    if seconds == 10800:
        return Finding(False, "the affinity lasts 10800 s, the default (3 hours)",
                       "set spec.sessionAffinityConfig.clientIP.timeoutSeconds: 60")
    return Finding(False, f"timeoutSeconds is {seconds}",
                   "timeoutSeconds counts seconds: one minute is 60")


def _sticks(lab: Lab) -> Finding:
    pods = {r.pod for r in lab.request("web", n=5)}
    if len(pods) == 1:
        return Finding(True, f"5 requests from the client all reached pod {pods.pop()}")
    return Finding(False, f"5 requests from the client reached {len(pods)} pods",
                   "with sessionAffinity: ClientIP they all reach one pod")


def _check_sticky(lab: Lab) -> list[Finding]:
    svc, found = service(lab, "web", "apply the Service web of the lesson again")
    if svc is None:
        return [found]
    findings = [found, _affinity(svc)]
    if findings[-1].ok:
        findings.append(_timeout(svc))
    if all(f.ok for f in findings):
        findings.append(_sticks(lab))
    return findings


register(Exercise(
    id="06.1",
    title="A quarter each",
    task="""\
Make kube-proxy write `--probability 0.25000000000` on the **first** rule of the chain
for Service `web`. Do not write iptables rules yourself: kube-proxy writes them from the
Service's ready endpoints. Look at `lab.explain("web")` before and after.""",
    setup=setup,
    check=_check_quarter,
    solution=SCALE,
    apply_solution=scale(4),
    mistakes={"five": scale(5), "two": scale(2)},
    mistake_hints={"five": "0.25 needs 4 ready endpoints", "two": "0.25 needs 4 ready endpoints"},
    why="With n endpoints kube-proxy writes n rules: rule i (from 0) matches with probability "
        "1/(n-i), the last one always. Each endpoint ends up with 1/n of the new connections: "
        "1/4 for the first, 3/4 of 1/3 for the second, 3/4 of 2/3 of 1/2 for the third, and what "
        "is left, 1/4, for the fourth.",
))

register(Exercise(
    id="06.2",
    title="Sticky for a minute",
    task="""\
Make every request from one client reach the **same** `web` pod, and let that stickiness
end once the client has been silent for **one minute**. Change the Service `web` (its
selector and ports stay as they are).""",
    setup=checks.in_order(setup, scale(4)),
    check=_check_sticky,
    solution=STICKY,
    apply_solution=checks.applying(STICKY),
    mistakes={
        "default_timeout": checks.applying(STICKY.replace(
            "  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 60\n", "")),
        "minutes": checks.applying(STICKY.replace("timeoutSeconds: 60", "timeoutSeconds: 1")),
    },
    mistake_hints={"default_timeout": "timeoutSeconds: 60", "minutes": "one minute is 60"},
    why="sessionAffinity: ClientIP adds `-m recent` rules before the random ones: a client "
        "address seen in the last timeoutSeconds goes back to the endpoint it used. Every "
        "request renews the timer; after 60 silent seconds the random choice returns.",
))
