"""Lesson 10, troubleshooting: six broken Services, each found by one step of the
Kubernetes "Debug Services" checklist; every check walks that checklist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubelab import scenarios
from kubelab import troubleshooting as broken
from kubelab.exercises import checks
from kubelab.exercises.checklist import Client, checklist
from kubelab.exercises.core import Exercise, Finding, register
from kubelab.facade import Lab

Step = Callable[[Lab], None]

HOSTNAMES = """\
apiVersion: v1
kind: Service
metadata:
  name: hostnames
spec:
  selector:
    app: hostnames
  ports:
  - port: 80
    targetPort: 9376
"""

CATALOG = """\
apiVersion: v1
kind: Service
metadata:
  name: catalog
spec:
  selector:
    app: catalog
  ports:
  - name: http
    port: 80
    targetPort: http
"""

ORDERS = CATALOG.replace("catalog", "orders")

CART = '''\
# the readinessProbe must ask the port the container listens on (http = 8080)
deploy = lab.read("deployment", "cart")
deploy["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] = "http"
lab.apply(deploy)
lab.advance(30)   # the rollout replaces the pods with ready ones'''

SEARCH = '''\
# no node has disktype=ssd: drop the nodeSelector from the pod template
lab.patch("deployment", "search", {"spec": {"template": {"spec": {"nodeSelector": None}}}})
lab.advance(30)'''

INVENTORY = '''\
# the Service lives in warehouse: call it by its namespaced name
lab.patch("deployment", "shopfront", {"spec": {"template": {"spec": {"containers": [
    {"name": "app", "env": [{"name": "INVENTORY_HOST", "value": "inventory.warehouse"}]}]}}}})
lab.advance(30)'''


def _then_wait(step: Step) -> Step:
    def run(lab: Lab) -> None:
        step(lab)
        lab.advance(30)

    return run


def _applying(manifest: dict[str, Any]) -> Step:
    def run(lab: Lab) -> None:
        lab.apply(manifest)

    return run


def _selects_deployment(lab: Lab, name: str) -> list[Finding]:
    """The Service selects every pod of the Deployment of the same name."""
    svc = checks.find(lab, "service", name)
    deploy = checks.find(lab, "deployment", name)
    if svc is None or deploy is None:
        return []
    wanted = deploy["spec"]["selector"].get("matchLabels") or {}
    pods = checks.live_pods(lab, wanted)
    return [f for f in checks.selector_findings(svc, pods, f"{name} pods") if not f.ok]


def _check(name: str) -> Callable[[Lab], list[Finding]]:
    def run(lab: Lab) -> list[Finding]:
        found = checklist(lab, name)
        return found + _selects_deployment(lab, name) if all(f.ok for f in found) else found

    return run


def _check_inventory(lab: Lab) -> list[Finding]:
    pod, host = broken.client_host(lab)
    if pod is None:
        return [Finding(False, "no shopfront pod is running to send requests",
                        "let the Deployment shopfront roll out: lab.advance(30)")]
    client = Client("default", host, 80, pod,
                    source=f"the {broken.CLIENT_ENV} env of Deployment shopfront")
    return checklist(lab, "inventory", "warehouse", client)


def _relabel_one(lab: Lab) -> None:
    pod = checks.pod_names(checks.live_pods(lab, "app=catalog"))[0]
    lab.patch("pod", pod, {"metadata": {"labels": {"app": "catlog"}}})


def _ready_by_hand(lab: Lab) -> None:
    for pod in checks.live_pods(lab, "app=cart"):
        lab.set_ready(pod["metadata"]["name"], True)
    lab.advance(15)


def _shopfront_host(host: str) -> Step:
    return _then_wait(_applying(broken.shopfront(host)))


def _second_inventory(lab: Lab) -> None:
    lab.apply(CATALOG.replace("catalog", "inventory"))


def _more_search(lab: Lab) -> None:
    lab.patch("deployment", "search", {"spec": {"replicas": 4}})
    lab.advance(30)


def _delete_search_pods(lab: Lab) -> None:
    for pod in checks.pod_names(checks.live_pods(lab, "app=search")):
        lab.delete("pod", pod)
    lab.advance(30)


def _exercise(id: str, title: str, task: str, setup: Step, solution: str, fix: Step,
              mistakes: dict[str, tuple[Step, str]], why: str,
              check: Callable[[Lab], list[Finding]]) -> None:
    register(Exercise(
        id=id, title=title, task=task, setup=setup, check=check, solution=solution,
        apply_solution=fix, mistakes={k: v[0] for k, v in mistakes.items()},
        mistake_hints={k: v[1] for k, v in mistakes.items()}, why=why))


_exercise(
    "10.1", "hostnames does not resolve",
    """\
Pods of the Deployment **`hostnames`** serve on port **9376**, and clients call
`http://hostnames` (port 80). Every request fails. Walk the checklist, then fix it.""",
    broken.missing_service, HOSTNAMES, checks.applying(HOSTNAMES),
    {"no_target_port": (checks.applying(HOSTNAMES.replace("    targetPort: 9376\n", "")),
                        "9376"),
     "wrong_name": (checks.applying(HOSTNAMES.replace("name: hostnames", "name: hostname")),
                    "names must match exactly")},
    "The first question of the checklist is whether the Service exists at all. Without "
    "targetPort the Service would send to port 80 of the pods, where nothing listens.",
    _check("hostnames"))

_exercise(
    "10.2", "catalog has no endpoints",
    """\
`catalog` resolves, but every request to it is refused. Walk the checklist and fix it.
Do not touch the pods: they are fine.""",
    broken.selector_typo, CATALOG, checks.applying(CATALOG),
    {"relabel_one_pod": (_relabel_one, "set app: catalog"),
     "key_typo": (checks.applying(CATALOG.replace("    app: catalog", "    ap: catalog")),
                  "did you mean 'app'")},
    "The Service's selector must equal labels the pods carry, key and value, "
    "case-sensitively. Relabelling a pod to match the typo takes it away from its "
    "ReplicaSet, which then starts a new pod: the typo stays.",
    _check("catalog"))

_exercise(
    "10.3", "orders refuses connections",
    """\
`orders` resolves and has endpoints, yet every request is refused. Walk the checklist
and fix the Service.""",
    broken.wrong_target_port, ORDERS, checks.applying(ORDERS),
    {"unknown_name": (checks.applying(ORDERS.replace("targetPort: http", "targetPort: web")),
                      "http=8080"),
     "moved_port": (checks.applying(ORDERS.replace("port: 80", "port: 8080")), "set port: 80")},
    "port is what clients connect to on the cluster IP; targetPort is where the pods "
    "listen. A named targetPort (http) follows the pods' containerPort even if it changes.",
    _check("orders"))

_exercise(
    "10.4", "cart is never ready",
    """\
The pods of `cart` are Running but show `0/1` READY, and `cart` refuses every request.
Walk the checklist and fix the cause (not the symptom).""",
    broken.not_ready, CART,
    _then_wait(checks.in_order(_applying(broken.cart_deployment("http")),
                               _applying(scenarios.service("cart")))),
    {"ready_by_hand": (_ready_by_hand, "point the probe at the port"),
     "target_8081": (checks.applying(CATALOG.replace("catalog", "cart")
                                     .replace("targetPort: http", "targetPort: 8081")),
                     "http=8080")},
    "A Service sends traffic to Ready pods only, and a pod is Ready when its readiness "
    "probe succeeds. A probe on a port nothing listens on never does; fixing the "
    "Deployment's template rolls out pods whose probe succeeds.",
    _check("cart"))

_exercise(
    "10.5", "search has pods but no endpoints",
    """\
`search` has two pods and a correct Service, yet no endpoints. Walk the checklist and
fix it.""",
    broken.pods_pending, SEARCH,
    _then_wait(_applying(broken.search_deployment(None))),
    {"more_replicas": (_more_search, "nodeSelector"),
     "delete_pods": (_delete_search_pods, "nodeSelector")},
    "A pod that no node accepts stays Pending with no IP, and a pod with no IP cannot be "
    "an endpoint. Either drop the nodeSelector or label a node so it matches "
    "(lab.patch('node', 'kubelab-worker', {'metadata': {'labels': {'disktype': 'ssd'}}})).",
    _check("search"))

_exercise(
    "10.6", "shopfront cannot find inventory",
    """\
The Deployment `shopfront` (namespace `default`) calls the inventory Service at the host
in its env `INVENTORY_HOST`. `inventory` runs in namespace **`warehouse`**. shopfront's
requests fail. Walk the checklist from shopfront's side and fix it.""",
    broken.wrong_namespace, INVENTORY, _shopfront_host("inventory.warehouse"),
    {"service_in_default": (_second_inventory, "own namespace only"),
     "wrong_namespace_name": (_shopfront_host("inventory.default"), "inventory.warehouse")},
    "A short name is looked up in the client's own namespace first "
    "(inventory.default.svc.cluster.local). A Service in another namespace is "
    "<name>.<namespace>; a second Service in default would select pods of default only.",
    _check_inventory)
