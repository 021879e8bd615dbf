"""Lesson 11, capstone: expose a three-tier shop (frontend, backend, db) the right way,
then repair it after a teammate's change. One check covers the whole app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubelab.exercises import checks
from kubelab.exercises.checklist import Client, checklist, service
from kubelab.exercises.core import Exercise, Finding, register
from kubelab.exercises.lesson07 import node_port_finding, outside_finding
from kubelab.facade import Lab

Object = dict[str, Any]
Step = Callable[[Lab], None]
IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.53"


@dataclass(frozen=True)
class Tier:
    name: str
    replicas: int
    port: int
    port_name: str
    env: dict[str, str]


TIERS = (
    Tier("frontend", 2, 8080, "http", {"BACKEND_HOST": "backend"}),
    Tier("backend", 2, 9090, "api", {"DB_HOST": "db"}),
    Tier("db", 1, 5432, "postgres", {}),
)


def deployment(tier: Tier, label: str | None = None) -> Object:
    """The Deployment of one tier: pods labelled app=shop, tier=<label or name>."""
    labels = {"app": "shop", "tier": label or tier.name}
    container: Object = {
        "name": "app", "image": IMAGE, "args": ["netexec", f"--http-port={tier.port}"],
        "ports": [{"name": tier.port_name, "containerPort": tier.port}],
    }
    if tier.env:
        container["env"] = [{"name": k, "value": v} for k, v in tier.env.items()]
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": tier.name, "labels": dict(labels)},
            "spec": {"replicas": tier.replicas, "selector": {"matchLabels": dict(labels)},
                     "template": {"metadata": {"labels": dict(labels)},
                                  "spec": {"containers": [container]}}}}


SERVICES = """\
apiVersion: v1
kind: Service
metadata:
  name: frontend
spec:
  type: NodePort
  selector:
    app: shop
    tier: frontend
  ports:
  - name: http
    port: 80
    targetPort: http
    nodePort: 30080
---
apiVersion: v1
kind: Service
metadata:
  name: backend
spec:
  selector:
    app: shop
    tier: backend
  ports:
  - name: api
    port: 80
    targetPort: api
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector:
    app: shop
    tier: db
  ports:
  - name: postgres
    port: 5432
    targetPort: postgres
"""

REPAIR = '''\
# the backend pods now carry tier: api: select them by that label
lab.patch("svc", "backend", {"spec": {"selector": {"tier": "api"}}})
# the frontend pods listen on http (8080), not 8081
lab.patch("svc", "frontend", {"spec": {"ports": [{"port": 80, "targetPort": "http"}]}})'''


def _ensure(lab: Lab, tier: Tier, label: str | None = None) -> None:
    """Apply a tier's Deployment; one with another selector is recreated (it is immutable)."""
    want = deployment(tier, label)
    live = checks.find(lab, "deployment", tier.name)
    if live is not None and live["spec"]["selector"] != want["spec"]["selector"]:
        lab.delete("deployment", tier.name)
    lab.apply(want)


def setup(lab: Lab) -> None:
    """The shop's three Deployments, without Services."""
    for tier in TIERS:
        _ensure(lab, tier)
    lab.advance(5)


def teammates_change(lab: Lab) -> None:
    """The shop exposed, then a teammate renames the backend tier and edits frontend."""
    setup(lab)
    lab.apply(SERVICES)
    _ensure(lab, TIERS[1], "api")  # a Deployment's selector cannot change: recreated
    lab.patch("svc", "frontend", {"spec": {"ports": [{"port": 80, "targetPort": 8081}]}})
    lab.advance(30)


# -- the one check -----------------------------------------------------------------------------

def _pods(lab: Lab, tier: str) -> list[Object]:
    deploy = checks.find(lab, "deployment", tier)
    labels = (deploy or {}).get("spec", {}).get("selector", {}).get("matchLabels") or {}
    return checks.live_pods(lab, labels) if labels else []


def _client(lab: Lab, tier: str, host: str, port: int) -> Client:
    ready = [p for p in _pods(lab, tier) if checks.is_ready(p)]
    return Client("default", host, port, ready[0]["metadata"]["name"] if ready else None)


def _shape(svc: Object) -> Finding:
    name, spec = svc["metadata"]["name"], svc["spec"]
    kind = spec.get("type", "ClusterIP")
    headless = spec.get("clusterIP") == "None"
    if name == "frontend":
        ok = kind in ("NodePort", "LoadBalancer")
        return Finding(ok, f"frontend is {kind}", "" if ok else "clients outside the cluster "
                       "need a node port: set type: NodePort with nodePort: 30080")
    if name == "db":
        return Finding(headless, "db is headless" if headless else f"db has the cluster IP "
                       f"{spec.get('clusterIP')}", "" if headless else "the backend wants the "
                       "db pods' own addresses: make db headless with clusterIP: None "
                       "(delete it and apply it again: clusterIP cannot change)")
    ok = kind == "ClusterIP" and not headless
    return Finding(ok, f"backend is {'headless' if headless else kind}", "" if ok else
                   "only pods call the backend: a plain ClusterIP Service is enough "
                   "(no node port, a cluster IP)")


HOW = {
    "frontend": "apply a Service frontend with type: NodePort, nodePort: 30080, port 80, "
                "targetPort http, selecting app: shop, tier: frontend",
    "backend": "apply a Service backend (type ClusterIP, the default), port 80, targetPort "
               "api, selecting app: shop, tier: backend",
    "db": "apply a Service db with clusterIP: None, port 5432, targetPort postgres, "
          "selecting app: shop, tier: db",
}


def _tier(lab: Lab, name: str, client_tier: str | None, port: int) -> list[Finding]:
    svc, found = service(lab, name, how=HOW[name])
    if svc is None:
        return [found]
    others = [p for t in TIERS if t.name != name for p in _pods(lab, t.name)]
    findings = [_shape(svc), *checks.selector_findings(svc, _pods(lab, name), f"{name} pods",
                                                      others)]
    if name == "frontend" and findings[0].ok:
        findings.append(node_port_finding(svc, 30080))
    if all(f.ok for f in findings):
        client = _client(lab, client_tier, name, port) if client_tier else None
        findings += checklist(lab, name, client=client, brief=True)
    return findings


def check_shop(lab: Lab) -> list[Finding]:
    """frontend from outside, backend from a frontend pod, db from a backend pod."""
    findings = [*_tier(lab, "frontend", None, 80), *_tier(lab, "backend", "frontend", 80),
                *_tier(lab, "db", "backend", 5432)]
    if all(f.ok for f in findings):
        findings.append(outside_finding(lab, 30080))
    return findings


def _check_repair(lab: Lab) -> list[Finding]:
    labels = [(p["metadata"].get("labels") or {}).get("tier") for p in _pods(lab, "backend")]
    if labels and all(t == "api" for t in labels):
        return [Finding(True, "the backend pods keep their new label tier=api"),
                *check_shop(lab)]
    return [Finding(False, "the backend pods no longer carry tier=api",
                    "keep your teammate's rename (tier: api in the backend Deployment) and "
                    "change the Service that selects them instead"), *check_shop(lab)]


def _expose(lab: Lab) -> None:
    """Apply the three Services; a db with a cluster IP is recreated (clusterIP is fixed)."""
    live = checks.find(lab, "service", "db")
    if live is not None and live["spec"].get("clusterIP") != "None":
        lab.delete("svc/db")
    lab.apply(SERVICES)


def _services_with(old: str, new: str) -> Step:
    return checks.applying(SERVICES.replace(old, new))


def _revert_label(lab: Lab) -> None:
    _ensure(lab, TIERS[1])
    lab.patch("svc", "frontend", {"spec": {"ports": [{"port": 80, "targetPort": "http"}]}})
    lab.advance(30)


def _fix_selector_only(lab: Lab) -> None:
    lab.patch("svc", "backend", {"spec": {"selector": {"tier": "api"}}})


def _repair(lab: Lab) -> None:
    _ensure(lab, TIERS[1], "api")
    lab.advance(30)
    _fix_selector_only(lab)
    lab.patch("svc", "frontend", {"spec": {"ports": [{"port": 80, "targetPort": "http"}]}})


register(Exercise(
    id="11.1",
    title="Expose the shop",
    task="""\
The shop runs three Deployments, all labelled `app: shop` and each with its own `tier`:
`frontend` (port `http`, 8080), `backend` (port `api`, 9090) and `db` (port `postgres`,
5432). The frontend calls `backend` on port 80; the backend calls `db` on port 5432.
Create three Services:

* **`frontend`**: reachable from outside the cluster on port **30080** of every node,
  Service port 80;
* **`backend`**: reachable from pods only, port **80**;
* **`db`**: headless, port **5432**, so the backend gets the db pods' own addresses.

Each Service must select its own tier's pods and no others.""",
    setup=setup,
    check=check_shop,
    solution=SERVICES,
    apply_solution=_expose,
    mistakes={
        "app_only": _services_with("    app: shop\n    tier: backend\n", "    app: shop\n"),
        "db_cluster_ip": _services_with("  clusterIP: None\n", ""),
        "frontend_cluster_ip": checks.applying(SERVICES.replace("  type: NodePort\n", "")
                                               .replace("    nodePort: 30080\n", "")),
        "backend_port_9090_target_80": _services_with("    targetPort: api\n",
                                                      "    targetPort: 80\n"),
    },
    mistake_hints={"app_only": "tier: backend",
                   "db_cluster_ip": "clusterIP: None",
                   "frontend_cluster_ip": "type: NodePort",
                   "backend_port_9090_target_80": "api=9090"},
    why="Each tier gets the Service its clients need: a node port for clients outside, a "
        "cluster IP for pods, a headless name where the client wants every pod's address. "
        "A selector on app: shop alone would mix the tiers: every pod carries it.",
))

register(Exercise(
    id="11.2",
    title="After a teammate's change",
    task="""\
Your teammate recreated the backend Deployment with the label `tier: api` (instead of
`tier: backend`) and edited the frontend Service. The shop is down. Walk the checklist
for each Service, and repair the Services; keep the backend pods' new label.""",
    setup=teammates_change,
    check=_check_repair,
    solution=REPAIR,
    apply_solution=_repair,
    mistakes={"revert_label": _revert_label, "selector_only": _fix_selector_only},
    mistake_hints={"revert_label": "keep your teammate's rename",
                   "selector_only": "http=8080"},
    why="The same checklist finds both faults: backend has no endpoints (its selector "
        "asks tier=backend, the pods now carry tier=api), and frontend's targetPort 8081 "
        "is not a port the frontend pods listen on.",
))
