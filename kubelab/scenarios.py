"""Canned manifests shared by lessons, tests and benchmarks.

The pods run agnhost's `netexec`, the HTTP server Kubernetes' own Service e2e tests use:
it answers /hostname with the pod's name and /clientip with the caller's address, so
the same lesson works on the simulation and on a real cluster. `--delay-shutdown=30`
keeps a deleted pod serving through its 30 s grace period, as the simulation shows it.
"""

from __future__ import annotations

from typing import Any

Object = dict[str, Any]

AGNHOST_IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.53"


def deployment(
    name: str = "web",
    replicas: int = 3,
    labels: dict[str, str] | None = None,
    port: int = 8080,
    port_name: str = "http",
) -> Object:
    """A Deployment of agnhost netexec pods listening on one named port."""
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "containers": [{
                        "name": "app",
                        "image": AGNHOST_IMAGE,
                        "args": ["netexec", f"--http-port={port}", "--delay-shutdown=30"],
                        "ports": [{"name": port_name, "containerPort": port}],
                    }],
                },
            },
        },
    }


def service(
    name: str = "web",
    type: str = "ClusterIP",
    selector: dict[str, str] | None = None,
    port: int = 80,
    target_port: int | str = "http",
    **spec: Any,
) -> Object:
    """A Service with one TCP port named http; extra keyword arguments go into spec."""
    body: Object = {
        "type": type,
        "selector": dict(selector) if selector is not None else {"app": name},
        "ports": [{"name": "http", "port": port, "targetPort": target_port}],
    }
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body}


def pod(name: str, labels: dict[str, str] | None = None, port: int = 8080,
        node: str | None = None) -> Object:
    """A bare agnhost pod (no controller), optionally pinned to a node."""
    spec: Object = {
        "containers": [{
            "name": "app",
            "image": AGNHOST_IMAGE,
            "args": ["netexec", f"--http-port={port}", "--delay-shutdown=30"],
            "ports": [{"name": "http", "containerPort": port}],
        }],
    }
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": dict(labels or {"app": name})}, "spec": spec}
