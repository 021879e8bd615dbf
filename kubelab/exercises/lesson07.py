"""Lesson 07, NodePort: one port, 30000-32767, opened on every node; an explicit nodePort
and the API server's "provided port is already allocated"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubelab import scenarios
from kubelab.exercises import checks
from kubelab.exercises.checklist import checklist, service
from kubelab.exercises.core import Exercise, Finding, register
from kubelab.facade import Lab

Object = dict[str, Any]

WEB_NODEPORT = """\
apiVersion: v1
kind: Service
metadata:
  name: web-nodeport
spec:
  type: NodePort
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: http
    nodePort: 30080
"""

API_NODEPORT = (WEB_NODEPORT.replace("web-nodeport", "api").replace("app: web", "app: api")
                .replace("30080", "30081"))


def setup(lab: Lab) -> None:
    """Lesson 07 starts from Deployment web (3 agnhost pods)."""
    lab.apply(scenarios.deployment("web", 3))


def setup_api(lab: Lab) -> None:
    """Exercise 07.2 starts with web-nodeport holding 30080, and a Deployment api."""
    setup(lab)
    lab.apply(WEB_NODEPORT)
    lab.apply(scenarios.deployment("api", 2))


def node_addresses(lab: Lab) -> dict[str, str]:
    """Each node's name and InternalIP."""
    return {n["metadata"]["name"]: a["address"] for n in lab.list("nodes")
            for a in n["status"].get("addresses", []) if a.get("type") == "InternalIP"}


def node_ips(lab: Lab) -> list[str]:
    """The InternalIP of every node, in name order."""
    return [ip for _, ip in sorted(node_addresses(lab).items())]


def type_finding(svc: Object, want: str) -> Finding:
    name, have = svc["metadata"]["name"], svc["spec"].get("type", "ClusterIP")
    if have == want:
        return Finding(True, f"Service {name} has type: {want}")
    why = {"NodePort": "; a ClusterIP Service opens no port on the nodes",
           "LoadBalancer": "; only a LoadBalancer Service gets an external IP",
           "ExternalName": " (with externalName: the outside name); a Service without a "
                           "selector has no endpoints"}
    return Finding(False, f"Service {name} has type: {have}",
                   f"set spec.type: {want}" + (why.get(want, "") if have != want else ""))


def node_port_finding(svc: Object, want: int) -> Finding:
    name = svc["metadata"]["name"]
    entries = svc["spec"].get("ports") or []
    have = [p.get("nodePort") for p in entries]
    if want in have:
        return Finding(True, f"Service {name} has nodePort {want}")
    if any(p.get("port") == want for p in entries):
        return Finding(False, f"Service {name} has port {want}, but its nodePort is "
                       f"{have[0]}", "`port` is the port of the cluster IP; the port every node "
                       f"opens is `nodePort`: set port: 80 and nodePort: {want}")
    return Finding(False, f"Service {name}'s nodePort is {have[0]}",
                   f"without a nodePort the API server picks a free one in 30000-32767: set "
                   f"nodePort: {want} under the port")


def outside_finding(lab: Lab, port: int) -> Finding:
    """A request from outside (the Docker host) to every node's port answers."""
    targets = [f"{ip}:{port}" for ip in node_ips(lab)]
    bad = [t for t in targets if lab.request(t, from_outside=True)[0].outcome != "ok"]
    if not bad:
        return Finding(True, f"from outside the cluster, {', '.join(targets)} all answer")
    return Finding(False, f"from outside, {', '.join(bad)} does not answer",
                   f"lab.explain({bad[0]!r}, from_outside=True) shows where it stops")


def check_node_port(lab: Lab, name: str, port: int) -> list[Finding]:
    """A NodePort Service `name` on nodePort `port` that answers from outside."""
    svc, found = service(lab, name, how=f"apply a Service named {name} with type: NodePort")
    if svc is None:
        return [found]
    findings = [found, type_finding(svc, "NodePort")]
    if findings[-1].ok:
        findings.append(node_port_finding(svc, port))
    if all(f.ok for f in findings):
        findings += checklist(lab, name, brief=True)
    if all(f.ok for f in findings):
        findings.append(outside_finding(lab, port))
    return findings


def _check_api(lab: Lab) -> list[Finding]:
    web = checks.find(lab, "service", "web-nodeport")
    web_ports = [p.get("nodePort") for p in (web or {}).get("spec", {}).get("ports", [])]
    if 30080 not in web_ports:
        return [Finding(False, "web-nodeport no longer holds nodePort 30080",
                        "web-nodeport must keep 30080 (the port your kind config maps): "
                        "never free a port by taking it from another Service; apply "
                        "web-nodeport again with nodePort: 30080, and give api 30081")]
    return [Finding(True, "web-nodeport still holds nodePort 30080"),
            *check_node_port(lab, "api", 30081)]


def _delete_web_then(manifest: str) -> Callable[[Lab], None]:
    def step(lab: Lab) -> None:
        lab.delete("svc/web-nodeport")
        lab.apply(manifest)

    return step


register(Exercise(
    id="07.1",
    title="Open port 30080 on every node",
    task="""\
Create a Service **`web-nodeport`** of type **NodePort** for the `web` pods: Service port
`80`, `targetPort: http`, and the node port **30080** (the port a kind cluster maps to
your laptop: see "On a real cluster" at the end). Then reach it from outside:
`lab.request("172.18.0.3:30080", from_outside=True)`.""",
    setup=setup,
    check=lambda lab: check_node_port(lab, "web-nodeport", 30080),
    solution=WEB_NODEPORT,
    apply_solution=checks.applying(WEB_NODEPORT),
    mistakes={
        "cluster_ip": checks.applying(WEB_NODEPORT.replace("NodePort", "ClusterIP")
                                      .replace("    nodePort: 30080\n", "")),
        "random_port": checks.applying(WEB_NODEPORT.replace("    nodePort: 30080\n", "")),
        "port_not_node_port": checks.applying(WEB_NODEPORT.replace(
            "    port: 80\n", "    port: 30080\n").replace("    nodePort: 30080\n", "")),
    },
    mistake_hints={"cluster_ip": "type: NodePort", "random_port": "nodePort: 30080",
                   "port_not_node_port": "nodePort: 30080"},
    why="A NodePort Service is a ClusterIP Service plus one port that kube-proxy opens on "
        "every node: a request to any node's IP on 30080 is sent on to a ready web pod, "
        "wherever it runs. Without `nodePort` the API server picks a free port in "
        "30000-32767.",
))

register(Exercise(
    id="07.2",
    title="A second app, a second port",
    task="""\
Expose the Deployment **`api`** from outside too, with a NodePort Service named **`api`**
(port `80`, `targetPort: http`) on node port **30081**, the other port your kind config
maps. `web-nodeport` must keep 30080.""",
    setup=setup_api,
    check=_check_api,
    solution=API_NODEPORT,
    apply_solution=checks.in_order(checks.applying(API_NODEPORT),
                                   checks.applying(WEB_NODEPORT)),
    mistakes={
        "took_30080": _delete_web_then(API_NODEPORT.replace("30081", "30080")),
        "random_port": checks.applying(API_NODEPORT.replace("    nodePort: 30081\n", "")),
    },
    mistake_hints={"took_30080": "never free a port", "random_port": "nodePort: 30081"},
    why="A node port belongs to one Service across the whole cluster (every node opens "
        "it), so the API server refuses a second Service on 30080 with \"provided port is "
        "already allocated\". Choose a free port, or let the API server choose one.",
))
