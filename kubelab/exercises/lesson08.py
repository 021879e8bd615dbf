"""Lesson 08, LoadBalancer: an external IP (from kind's cloud provider), the path through
a node port, and externalTrafficPolicy: Local, which keeps the client's address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubelab import scenarios
from kubelab.exercises import checks
from kubelab.exercises.checklist import checklist, service
from kubelab.exercises.core import Exercise, Finding, register
from kubelab.exercises.lesson07 import node_addresses, type_finding
from kubelab.facade import Lab

Object = dict[str, Any]
OUTSIDE = "172.18.0.1"  # the Docker host on the kind network: the client "outside"

WEB_LB = """\
apiVersion: v1
kind: Service
metadata:
  name: web-lb
spec:
  type: LoadBalancer
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: http
"""

WEB_LB_LOCAL = WEB_LB + "  externalTrafficPolicy: Local\n"


def setup(lab: Lab) -> None:
    """Lesson 08 starts from Deployment web (3 agnhost pods)."""
    lab.apply(scenarios.deployment("web", 3))


def setup_local(lab: Lab) -> None:
    setup(lab)
    lab.apply(WEB_LB)


def applying_lb(manifest: str) -> Callable[[Lab], None]:
    """Apply web-lb; a loadBalancerClass cannot be removed, so such a web-lb is recreated."""

    def step(lab: Lab) -> None:
        live = checks.find(lab, "service", "web-lb")
        if live is not None and live["spec"].get("loadBalancerClass"):
            lab.delete("svc/web-lb")
        lab.apply(manifest)

    return step


def external_ip(svc: Object) -> str | None:
    ingress = (svc.get("status") or {}).get("loadBalancer", {}).get("ingress") or []
    return next((i.get("ip") for i in ingress if i.get("ip")), None)


def _ip_finding(svc: Object) -> Finding:
    ip = external_ip(svc)
    if ip:
        return Finding(True, f"Service web-lb has the external IP {ip}")
    cls = svc["spec"].get("loadBalancerClass")
    if cls:
        return Finding(False, f"EXTERNAL-IP of web-lb stays <pending> (loadBalancerClass: {cls})",
                       f"kind's cloud provider leaves a Service with loadBalancerClass {cls} to "
                       "that class's controller, and none runs here: drop loadBalancerClass "
                       "(it cannot change once set: delete web-lb and apply it again)")
    return Finding(False, "EXTERNAL-IP of web-lb is still <pending>",
                   "let the load balancer controller catch up: lab.advance(5)")


def _from_outside(lab: Lab, ip: str) -> Finding:
    result = lab.request(f"{ip}:80", from_outside=True)[0]
    if result.outcome == "ok":
        return Finding(True, f"from outside, {ip}:80 is answered by pod {result.pod}")
    return Finding(False, f"from outside, {ip}:80 does not answer ({result.outcome})",
                   f"lab.explain('{ip}:80', from_outside=True) shows where it stops")


def _check_lb(lab: Lab) -> list[Finding]:
    svc, found = service(lab, "web-lb", how="apply a Service named web-lb with type: LoadBalancer")
    if svc is None:
        return [found]
    findings = [found, type_finding(svc, "LoadBalancer")]
    if findings[-1].ok:
        findings.append(_ip_finding(svc))
    if all(f.ok for f in findings):
        findings += checklist(lab, "web-lb", brief=True)
    ip = external_ip(svc)
    if all(f.ok for f in findings) and ip:
        findings.append(_from_outside(lab, ip))
    return findings


def _policy(svc: Object) -> Finding:
    spec = svc["spec"]
    if spec.get("externalTrafficPolicy") == "Local":
        return Finding(True, "web-lb has externalTrafficPolicy: Local (health check node port "
                       f"{spec.get('healthCheckNodePort')})")
    hint = "set spec.externalTrafficPolicy: Local"
    if spec.get("internalTrafficPolicy") == "Local":
        hint = ("internalTrafficPolicy is for traffic from pods inside the cluster to the "
                "cluster IP; traffic from outside follows externalTrafficPolicy: set "
                "externalTrafficPolicy: Local (and internalTrafficPolicy back to Cluster)")
    elif spec.get("sessionAffinity") == "ClientIP":
        hint = ("sessionAffinity picks the same pod for one client, but the source address "
                "is still rewritten on the way: set externalTrafficPolicy: Local")
    return Finding(False, f"web-lb has externalTrafficPolicy: {spec.get('externalTrafficPolicy')}",
                   hint)


def _keeps_source(lab: Lab, svc: Object) -> Finding:
    node_port = svc["spec"]["ports"][0].get("nodePort")
    pods = checks.live_pods(lab, "app=web")
    nodes = {p["spec"].get("nodeName") for p in pods}
    ips = [ip for name, ip in sorted(node_addresses(lab).items()) if name in nodes]
    target = f"{ips[0]}:{node_port}"
    result = lab.request(target, from_outside=True)[0]
    if result.outcome == "ok" and result.client_ip == OUTSIDE:
        return Finding(True, f"from outside, {target} reaches pod {result.pod}, which sees the "
                       f"client's own address {OUTSIDE}")
    return Finding(False, f"from outside, {target}: {result.outcome}, the pod sees "
                   f"{result.client_ip}", f"lab.explain({target!r}, from_outside=True) shows "
                   "where the source address is rewritten")


def _check_local(lab: Lab) -> list[Finding]:
    svc, found = service(lab, "web-lb", "do exercise 08.1 first: it creates web-lb")
    if svc is None:
        return [found]
    findings = [found, _policy(svc)]
    if findings[-1].ok:
        findings.append(_keeps_source(lab, svc))
    return findings


def _class_mistake(lab: Lab) -> None:
    lab.apply(WEB_LB.replace("  type: LoadBalancer\n", "  type: LoadBalancer\n"
                             "  loadBalancerClass: example.com/metallb\n"))


register(Exercise(
    id="08.1",
    title="An address from outside",
    task="""\
Create a Service **`web-lb`** of type **LoadBalancer** for the `web` pods: port `80`,
`targetPort: http`. Wait for its EXTERNAL-IP (`lab.get("svc")`), then reach it from
outside: `lab.request("<EXTERNAL-IP>", from_outside=True)`.""",
    setup=setup,
    check=_check_lb,
    solution=WEB_LB,
    apply_solution=applying_lb(WEB_LB),
    mistakes={
        "node_port": checks.applying(WEB_LB.replace("LoadBalancer", "NodePort")),
        "other_class": _class_mistake,
        "port_8080": checks.applying(WEB_LB.replace("port: 80\n", "port: 8080\n")),
    },
    mistake_hints={"node_port": "type: LoadBalancer", "other_class": "loadBalancerClass",
                   "port_8080": "set port: 80"},
    why="type: LoadBalancer asks for a NodePort Service plus a load balancer outside the "
        "cluster. On kind, cloud-provider-kind runs one (an Envoy container on the kind "
        "network) and writes its address into status.loadBalancer.ingress; it sends each "
        "connection to a node's node port, and kube-proxy takes it from there.",
))

register(Exercise(
    id="08.2",
    title="Keep the client's address",
    task="""\
Requests that come from outside through a node port reach the pods with a node's
address as their source. Change `web-lb` so that a request from outside to a node port
of a node **that runs a web pod** reaches that pod with the client's own address,
`172.18.0.1`, as `client_ip`.""",
    setup=setup_local,
    check=_check_local,
    solution=WEB_LB_LOCAL,
    apply_solution=applying_lb(WEB_LB_LOCAL),
    mistakes={
        "internal": checks.applying(WEB_LB + "  internalTrafficPolicy: Local\n"),
        "affinity": checks.applying(WEB_LB + "  sessionAffinity: ClientIP\n"),
    },
    mistake_hints={"internal": "externalTrafficPolicy: Local",
                   "affinity": "externalTrafficPolicy: Local"},
    why="With externalTrafficPolicy: Cluster a node may forward a request to a pod on "
        "another node, so it masquerades the source. With Local a node sends external "
        "traffic only to its own pods, with no SNAT; nodes with no web pod drop it, and "
        "their health check node port answers 503 so a load balancer skips them.",
))
