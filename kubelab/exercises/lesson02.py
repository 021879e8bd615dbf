"""Lesson 02, ClusterIP: one stable virtual IP and name; port vs targetPort."""

from __future__ import annotations

from kubelab import scenarios
from kubelab.exercises import checks
from kubelab.exercises.core import Exercise, Finding, register
from kubelab.facade import Lab

WEB_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
"""

SHOP_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: shop
spec:
  selector:
    app: shop
  ports:
  - port: 80
    targetPort: shop-http
"""


def setup_web(lab: Lab) -> None:
    """Lesson 02's Deployment web: 3 agnhost pods on containerPort 8080 named http."""
    lab.apply(scenarios.deployment("web"))


def setup_shop(lab: Lab) -> None:
    """Deployment shop: 2 pods listening on 9376, the port named shop-http."""
    setup_web(lab)
    lab.apply(scenarios.deployment("shop", replicas=2, port=9376, port_name="shop-http"))


def service_findings(lab: Lab, name: str, app: str, port: int) -> list[Finding]:
    """A ClusterIP Service `name` that picks the app pods and reaches them on `port`."""
    svc, found = checks.exists(lab, "svc", name)
    if svc is None:
        return [found]
    findings = [found]
    kind = svc["spec"].get("type", "ClusterIP")
    findings.append(Finding(kind == "ClusterIP", f"Service {name} is of type {kind}",
                            "this exercise asks for a ClusterIP Service: leave `type` out "
                            "(ClusterIP is the default)"))
    pods = checks.live_pods(lab, {"app": app})
    findings += checks.selector_findings(svc, pods, f"{app} pods")
    entry, port_found = checks.service_port(svc, port)
    findings.append(port_found)
    if entry is not None:
        findings.append(checks.target_port_finding(svc, entry, pods, f"{app} pods"))
        findings.append(checks.request_finding(lab, f"{name}:{port}"))
    return findings


def _check_web(lab: Lab) -> list[Finding]:
    return service_findings(lab, "web", "web", 80)


def _check_shop(lab: Lab) -> list[Finding]:
    findings = service_findings(lab, "shop", "shop", 80)
    svc = checks.find(lab, "svc", "shop")
    entry = next((p for p in (svc or {}).get("spec", {}).get("ports", [])
                  if p.get("port") == 80), None)
    if entry is not None and not isinstance(entry.get("targetPort"), str):
        findings.append(Finding(False, f"targetPort is the number {entry.get('targetPort')}",
                                "the task asks for the port's name, shop-http: a named "
                                "targetPort follows the pods if their port number changes"))
    return findings


register(Exercise(
    id="02.1",
    title="A ClusterIP Service for web",
    task="""\
The `web` pods listen on port **8080**. Create a **Service** named `web` that clients reach
on port **80** and that sends their requests to the `web` pods (label `app: web`) on 8080.
Then send a request through it: `lab.request("web:80")`.""",
    setup=setup_web,
    check=_check_web,
    solution=WEB_SERVICE,
    apply_solution=checks.applying(WEB_SERVICE),
    mistakes={
        "target_port_80": checks.applying(WEB_SERVICE.replace("targetPort: 8080",
                                                              "targetPort: 80")),
        "selector_typo": checks.applying(WEB_SERVICE.replace("app: web", "app: wbe")),
        "port_8080": checks.applying(WEB_SERVICE.replace("port: 80\n", "port: 8080\n")),
    },
    mistake_hints={"target_port_80": "listen on http=8080/TCP",
                   "selector_typo": "app=wbe", "port_8080": "set port: 80"},
    why="`port` is what clients use on the Service's cluster IP; `targetPort` is where the "
        "pods listen. kube-proxy rewrites 10.96.x.y:80 to one pod's IP:8080. The selector "
        "`app: web` decides which pods are endpoints.",
))

register(Exercise(
    id="02.2",
    title="Target a port by its name",
    task="""\
The `shop` pods (label `app: shop`) listen on port 9376, which their container names
`shop-http`. Create a Service `shop` on port **80** whose `targetPort` is that port's
**name**, not its number.""",
    setup=setup_shop,
    check=_check_shop,
    solution=SHOP_SERVICE,
    apply_solution=checks.applying(SHOP_SERVICE),
    mistakes={
        "number": checks.applying(SHOP_SERVICE.replace("targetPort: shop-http",
                                                       "targetPort: 9376")),
        "misspelt_name": checks.applying(SHOP_SERVICE.replace("targetPort: shop-http",
                                                              "targetPort: shophttp")),
        "no_target_port": checks.applying(SHOP_SERVICE.replace("    targetPort: shop-http\n",
                                                               "")),
    },
    mistake_hints={"number": "shop-http", "misspelt_name": "did you mean 'shop-http'",
                   "no_target_port": "9376"},
    why="A named targetPort is looked up in each pod's container ports, so the pods can "
        "move to another port number (or differ from each other) and the Service follows. "
        "Left out, targetPort defaults to the value of `port`.",
))
