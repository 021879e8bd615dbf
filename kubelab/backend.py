"""The seam between the facade and a cluster: one protocol, Kubernetes JSON dicts across it.

Two backends implement it: the simulation (`kubelab.mock`) and a real cluster
(`kubelab.kube`). The probe result shapes live here too, so both return the same things.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from kubelab.kinds import Resource

Object = dict[str, Any]


class DnsRecord(NamedTuple):
    """One resource record of a DNS answer."""

    name: str
    type: str
    value: str
    ttl: int


@dataclass(frozen=True)
class DnsAnswer:
    """What a pod's resolver got for a name, with every name it tried on the search path."""

    question: str
    type: str
    rcode: str  # "NOERROR" or "NXDOMAIN"
    records: tuple[DnsRecord, ...]
    tried: tuple[str, ...]  # absolute names in the order the resolver asked them
    answered: str | None  # the tried name that got an answer (None: none did)
    client_pod: str = ""
    namespace: str = "default"
    # The client pod's resolv.conf as the resolver used it: the server asked (the first
    # nameserver), the search list and ndots.
    nameserver: str = ""
    search: tuple[str, ...] = ()
    ndots: int = 1
    # The answer's additional section (e.g. the A records of SRV targets), as dig shows it.
    additional: tuple[DnsRecord, ...] = ()


@dataclass(frozen=True)
class Hop:
    """One step of a request's path: a DNS answer, a virtual IP, a NAT, a pod..."""

    step: str  # "dns", "client", "vip", "nodeport", "loadbalancer", "dnat", "snat", "pod", ...
    detail: str
    address: str = ""


@dataclass(frozen=True)
class RequestResult:
    """What one request did: the outcome, who answered, and the path it took."""

    outcome: str  # "ok" | "refused" | "timeout" | "nxdomain"
    pod: str | None = None
    pod_ip: str | None = None
    port: int | None = None  # the container port reached
    client_ip: str | None = None  # the source address as the pod saw it
    node: str | None = None  # the node of the pod that answered
    hops: tuple[Hop, ...] = field(default=())


@dataclass(frozen=True)
class ClusterInfo:
    backend: str  # "mock" or "kube"
    name: str
    kubernetes_version: str
    service_cidr: str
    pod_cidr: str
    dns_ip: str
    domain: str = "cluster.local"
    context: str | None = None


class Backend(Protocol):
    """What every backend answers. Objects in and out are plain Kubernetes JSON dicts."""

    def info(self) -> ClusterInfo: ...

    def create(self, obj: Object, namespace: str | None = None) -> Object: ...

    def replace(self, obj: Object, namespace: str | None = None) -> Object: ...

    def patch(
        self, res: Resource, name: str, namespace: str | None, patch: Object, patch_type: str
    ) -> Object: ...

    def read(self, res: Resource, name: str, namespace: str | None) -> Object: ...

    def list(
        self, res: Resource, namespace: str | None, selector: str | None
    ) -> builtins.list[Object]: ...

    def delete(self, res: Resource, name: str, namespace: str | None) -> None: ...

    def set_ready(self, pod: str, namespace: str, ready: bool) -> None: ...

    def advance(self, seconds: float) -> None: ...

    def now(self) -> datetime:
        """The cluster's current time (simulated time on the simulation)."""
        ...

    def resolve(self, name: str, qtype: str, from_pod: str, namespace: str) -> DnsAnswer: ...

    def request(
        self, target: str, *, from_pod: str | None, from_node: str | None, from_outside: bool,
        namespace: str, n: int,
    ) -> builtins.list[RequestResult]: ...

    def explain(
        self, target: str, *, from_pod: str | None, from_node: str | None, from_outside: bool,
        namespace: str,
    ) -> str: ...
