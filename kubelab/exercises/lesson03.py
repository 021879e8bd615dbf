"""Lesson 03, labels and selectors: a Service picks every pod that has all its labels."""

from __future__ import annotations

from kubelab import scenarios
from kubelab.exercises import checks
from kubelab.exercises.core import Exercise, Finding, register
from kubelab.facade import Lab

STABLE = {"app": "web", "track": "stable"}
CANARY = {"app": "web", "track": "canary"}

STABLE_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web-stable
spec:
  selector:
    app: web
    track: stable
  ports:
  - port: 80
    targetPort: http
"""

ORDERS_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: orders
spec:
  selector:
    app: orders
  ports:
  - port: 80
    targetPort: http
"""


def setup_tracks(lab: Lab) -> None:
    """Deployment web (3 stable pods) and web-canary (1 canary pod), both app=web."""
    lab.apply([scenarios.deployment("web", labels=STABLE),
               scenarios.deployment("web-canary", replicas=1, labels=CANARY)])


def setup_orders(lab: Lab) -> None:
    """Deployment orders (app=orders) and a Service orders whose selector has a typo."""
    setup_tracks(lab)
    lab.apply([scenarios.deployment("orders", replicas=2),
               scenarios.service("orders", selector={"app": "order"})])


def _endpoints_finding(lab: Lab, service: str, want: list[str]) -> Finding:
    have = checks.ready_endpoint_pods(lab, service)
    if have == sorted(want):
        return Finding(True, f"Service {service} has {len(want)} ready endpoints: "
                       + ", ".join(have))
    extra = [p for p in have if p not in want]
    missing = [p for p in want if p not in have]
    diff = "; ".join(part for part in (
        "it should not have " + ", ".join(extra) if extra else "",
        "it lacks " + ", ".join(missing) if missing else "") if part)
    return Finding(False, f"Service {service} has {len(have)} ready endpoints, "
                   f"not the {len(want)} pods asked for",
                   f"{diff}; lab.why_not({service!r}, POD) explains a pod")


def _check_stable(lab: Lab) -> list[Finding]:
    svc, found = checks.exists(lab, "svc", "web-stable")
    if svc is None:
        return [found]
    stable = checks.live_pods(lab, STABLE)
    canary = checks.live_pods(lab, CANARY)
    return [found, *checks.selector_findings(svc, stable, "stable web pods", others=canary),
            _endpoints_finding(lab, "web-stable", checks.pod_names(stable))]


def _check_orders(lab: Lab) -> list[Finding]:
    svc, found = checks.exists(lab, "svc", "orders")
    if svc is None:
        return [found]
    pods = checks.live_pods(lab, {"app": "orders"})
    others = [p for p in checks.live_pods(lab) if p not in pods]
    return [found, *checks.selector_findings(svc, pods, "orders pods", others=others),
            _endpoints_finding(lab, "orders", checks.pod_names(pods)),
            checks.request_finding(lab, "orders:80")]


register(Exercise(
    id="03.1",
    title="Stable pods only",
    task="""\
Two Deployments run pods labelled `app: web`: `web` (`track: stable`, 3 pods) and
`web-canary` (`track: canary`, 1 pod). Create a Service `web-stable` on port 80
(targetPort `http`) whose endpoints are the **stable** pods only.""",
    setup=setup_tracks,
    check=_check_stable,
    solution=STABLE_SERVICE,
    apply_solution=checks.applying(STABLE_SERVICE),
    mistakes={
        "app_only": checks.applying(STABLE_SERVICE.replace("    track: stable\n", "")),
        "capital_s": checks.applying(STABLE_SERVICE.replace("track: stable", "track: Stable")),
    },
    mistake_hints={"app_only": "add track: stable", "capital_s": "case-sensitive"},
    why="A selector is an AND of its labels: a pod is picked if it has every one of them "
        "(other labels do not matter). `app: web` alone picks the canary too; adding "
        "`track: stable` leaves it out.",
))

register(Exercise(
    id="03.2",
    title="Why has orders no endpoints?",
    task="""\
The Service `orders` has no endpoints, although the `orders` pods are running. Find out
why (`lab.describe("svc/orders")`, `lab.why_not("orders", POD)`), then fix the
**Service** so that it sends requests to the two `orders` pods.""",
    setup=setup_orders,
    check=_check_orders,
    solution=ORDERS_SERVICE,
    apply_solution=checks.applying(ORDERS_SERVICE),
    mistakes={
        "untouched": lambda lab: None,
        "deleted": lambda lab: lab.delete("svc/orders"),
        "selector_removed": checks.in_order(
            lambda lab: lab.delete("svc/orders"),
            checks.applying(ORDERS_SERVICE.replace("  selector:\n    app: orders\n", ""))),
    },
    mistake_hints={"untouched": "the orders pods have app=orders",
                   "deleted": "lab.apply", "selector_removed": "add spec.selector"},
    why="The selector said `app: order`, the pods carry `app: orders`: not one pod had all "
        "the selector's labels, so the EndpointSlice controller listed none and kube-proxy "
        "rejected every connection. Fixing the selector fixes it at once: no pod restarts.",
))
