"""MockBackend: the simulated cluster behind the Backend protocol.

Pure Python, no subprocesses, per-instance state: two simulated clusters never share
anything, and the simulation could run in a browser kernel (JupyterLite).
"""

from __future__ import annotations

import builtins
from datetime import datetime

from kubelab import errors
from kubelab.backend import ClusterInfo, DnsAnswer, Object, RequestResult
from kubelab.kinds import Resource
from kubelab.merge import json_merge_patch, strategic_merge_patch
from kubelab.mock import cluster, controllers, dns, endpointslices, proxy, services, workloads
from kubelab.mock.api import ApiServer
from kubelab.version import KUBERNETES_VERSION


class MockBackend:
    """A kind-shaped cluster (one control plane, `workers` workers), simulated and seeded."""

    def __init__(self, seed: int = 0, workers: int = 2, name: str = "kubelab") -> None:
        if not isinstance(workers, int) or not 0 <= workers <= 50:
            raise errors.UsageError("workers must be a whole number from 0 to 50")
        self.api = ApiServer(seed=seed)
        self.name = name
        workloads.install(self.api)
        services.install(self.api)
        controllers.install(self.api)
        endpointslices.install(self.api)
        cluster.bootstrap(self.api, name=name, workers=workers)

    def info(self) -> ClusterInfo:
        return ClusterInfo(
            backend="mock",
            name=self.name,
            kubernetes_version=KUBERNETES_VERSION,
            service_cidr=cluster.SERVICE_CIDR,
            pod_cidr=cluster.POD_CIDR,
            dns_ip=cluster.DNS_IP,
        )

    def create(self, obj: Object, namespace: str | None = None) -> Object:
        return self.api.create(obj, namespace)

    def replace(self, obj: Object, namespace: str | None = None) -> Object:
        return self.api.replace(obj, namespace)

    def patch(
        self, res: Resource, name: str, namespace: str | None, patch: Object, patch_type: str
    ) -> Object:
        live = self.api.get(res, name, namespace)
        if patch_type == "merge":
            patched = json_merge_patch(live, patch)
        else:
            patched = strategic_merge_patch(live, patch)
        return self.api.replace(patched, namespace)

    def read(self, res: Resource, name: str, namespace: str | None) -> Object:
        return self.api.get(res, name, namespace)

    def list(
        self, res: Resource, namespace: str | None, selector: str | None
    ) -> builtins.list[Object]:
        return self.api.list(res, namespace, selector)

    def delete(self, res: Resource, name: str, namespace: str | None) -> None:
        self.api.delete(res, name, namespace)

    def set_ready(self, pod: str, namespace: str, ready: bool) -> None:
        controllers.set_probe_result(self.api, pod, namespace, ready)

    def advance(self, seconds: float) -> None:
        self.api.advance(seconds)

    def now(self) -> datetime:
        return self.api.clock.now()

    def resolve(self, name: str, qtype: str, from_pod: str, namespace: str) -> DnsAnswer:
        return dns.resolve(self.api, name, qtype, from_pod, namespace)

    def request(self, target: str, *, from_pod: str | None, from_node: str | None,
                from_outside: bool, namespace: str, n: int) -> builtins.list[RequestResult]:
        return proxy.request(self.api, target, from_pod=from_pod, from_node=from_node,
                             from_outside=from_outside, namespace=namespace, n=n)

    def explain(self, target: str, *, from_pod: str | None, from_node: str | None,
                from_outside: bool, namespace: str) -> str:
        return proxy.explain(self.api, target, from_pod=from_pod, from_node=from_node,
                             from_outside=from_outside, namespace=namespace)
