"""Broken Services to fix (lesson 10), each one a way the "Debug Services" checklist finds.

Each set-up builds a small app and breaks one thing, the way it breaks on real clusters:
no Service at all, a selector typo, a wrong targetPort, pods that never become ready,
pods that never run (so no endpoints), a client that looks in the wrong namespace.
Every set-up is idempotent (it applies manifests) and uses its own names, so all six can
share one cluster. The walk that diagnoses them is `kubelab.exercises.checklist`.

Source of the checklist: kubernetes/website
content/en/docs/tasks/debug/debug-application/debug-service.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubelab import scenarios
from kubelab.facade import Lab

Object = dict[str, Any]


@dataclass(frozen=True)
class Broken:
    """One broken app: its Service, where it lives, and how its client reaches it."""

    service: str
    namespace: str = "default"
    client_namespace: str = "default"
    port: int = 80  # the Service port the client uses


HOSTNAMES = Broken("hostnames")  # no Service
CATALOG = Broken("catalog")  # selector typo
ORDERS = Broken("orders")  # wrong targetPort
CART = Broken("cart")  # readiness probe on a port nothing listens on
SEARCH = Broken("search")  # pods Pending: nodeSelector no node has
INVENTORY = Broken("inventory", namespace="warehouse")  # client in another namespace

HOSTNAMES_PORT = 9376  # the port of the Debug Services page's serve_hostname pods
CLIENT_ENV = "INVENTORY_HOST"  # where the shopfront client reads the inventory host


def missing_service(lab: Lab) -> None:
    """Pods running, no Service: the client's `hostnames` does not resolve."""
    lab.apply(scenarios.deployment("hostnames", 3, port=HOSTNAMES_PORT))


def selector_typo(lab: Lab) -> None:
    """The Service selects app=catlog; the pods are app=catalog."""
    lab.apply(scenarios.deployment("catalog", 2))
    lab.apply(scenarios.service("catalog", selector={"app": "catlog"}))


def wrong_target_port(lab: Lab) -> None:
    """targetPort 80, but the pods listen on 8080 (named http)."""
    lab.apply(scenarios.deployment("orders", 2))
    lab.apply(scenarios.service("orders", target_port=80))


def cart_deployment(probe_port: int | str) -> Object:
    """The cart Deployment, with an HTTP readiness probe on `probe_port`."""
    deploy = scenarios.deployment("cart", 2)
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    container["readinessProbe"] = {"httpGet": {"path": "/", "port": probe_port},
                                   "periodSeconds": 5}
    return deploy


def not_ready(lab: Lab) -> None:
    """The readiness probe asks port 8081, where nothing listens: pods stay 0/1 Ready."""
    lab.apply(cart_deployment(8081))
    lab.apply(scenarios.service("cart"))
    if lab.info.backend == "mock":  # a real kubelet finds out by itself: nothing answers
        for pod in lab.list("pods", selector="app=cart"):
            lab.set_ready(pod["metadata"]["name"], False)  # what a probe of 8081 reports
    lab.advance(15)


def search_deployment(node_selector: dict[str, str] | None) -> Object:
    """The search Deployment, optionally asking for nodes with these labels."""
    deploy = scenarios.deployment("search", 2)
    if node_selector:
        deploy["spec"]["template"]["spec"]["nodeSelector"] = dict(node_selector)
    return deploy


def pods_pending(lab: Lab) -> None:
    """The pods ask for a node labelled disktype=ssd; there is none: Pending, no IP."""
    lab.apply(search_deployment({"disktype": "ssd"}))
    lab.apply(scenarios.service("search"))


def shopfront(host: str) -> Object:
    """The client app: one pod in default that calls the inventory Service at `host`."""
    deploy = scenarios.deployment("shopfront", 1)
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [{"name": CLIENT_ENV, "value": host}]
    return deploy


def wrong_namespace(lab: Lab) -> None:
    """inventory lives in namespace warehouse; shopfront in default asks for `inventory`."""
    lab.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "warehouse"}})
    lab.apply(scenarios.deployment("inventory", 2), namespace="warehouse")
    lab.apply(scenarios.service("inventory"), namespace="warehouse")
    lab.apply(shopfront("inventory"))


def client_host(lab: Lab) -> tuple[str | None, str]:
    """The shopfront pod that sends requests, and the inventory host it is configured with."""
    pods = [p for p in lab.list("pods", selector="app=shopfront")
            if (p.get("status") or {}).get("podIP") and "deletionTimestamp" not in p["metadata"]]
    deploy = lab.read("deployment", "shopfront")
    env = deploy["spec"]["template"]["spec"]["containers"][0].get("env") or []
    host = next((e.get("value", "") for e in env if e.get("name") == CLIENT_ENV), "")
    return (pods[0]["metadata"]["name"] if pods else None), str(host)


BROKEN = {
    "hostnames": missing_service,
    "catalog": selector_typo,
    "orders": wrong_target_port,
    "cart": not_ready,
    "search": pods_pending,
    "inventory": wrong_namespace,
}


def break_everything(lab: Lab) -> None:
    """All six broken apps at once, on one cluster."""
    for build in BROKEN.values():
        build(lab)
