"""What CoreDNS's kubernetes plugin keeps in its informer caches, built from the store.

CoreDNS does not read Services and EndpointSlices per query: it watches them and keeps
stripped-down copies indexed by "name.namespace" and by IP
(coredns plugin/kubernetes/controller.go; object/service.go; object/endpoint.go). This
module does the same for the simulation: one immutable `DnsIndex` per store revision,
rebuilt lazily the first time a query sees a newer revision.

Only what DNS needs is kept, with CoreDNS's own conversions:
- a Service keeps its type, clusterIPs, ports (a sentinel port -1 when it has none) and
  externalName;
- an EndpointSlice keeps only its *ready* endpoints (conditions.ready absent counts as
  ready, "Per API docs: a nil value indicates an unknown state"), each address with the
  slice's ports (again a -1 sentinel when the slice has none) and the endpoint hostname.
  publishNotReadyAddresses needs nothing here: the EndpointSlice controller already
  marks those endpoints ready.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kubelab.mock.api import ApiServer

Object = dict[str, Any]
Reader = Callable[[str, str | None], Iterator[Object]]  # Store.items

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
NO_PORT = -1  # CoreDNS's sentinel for "this object declares no ports"


@dataclass(frozen=True)
class Port:
    name: str  # lower case, as matched case-insensitively
    protocol: str  # lower case
    number: int


@dataclass(frozen=True)
class Service:
    name: str
    namespace: str
    type: str  # ClusterIP, NodePort, LoadBalancer, ExternalName
    cluster_ips: tuple[str, ...]
    ports: tuple[Port, ...]
    external_name: str = ""

    @property
    def headless(self) -> bool:
        return bool(self.cluster_ips) and self.cluster_ips[0] == "None"


@dataclass(frozen=True)
class Endpoint:
    """One ready address of a Service, with the ports of the slice it came from."""

    ip: str
    hostname: str  # endpoint.hostname as given ("" when unset)
    ports: tuple[Port, ...]

    @property
    def label(self) -> str:
        """The endpoint's DNS label: its hostname, else its IP with dashes.

        coredns plugin/kubernetes/kubernetes.go endpointHostname (endpoint_pod_names off,
        as in kubeadm's Corefile).
        """
        if self.hostname:
            return self.hostname
        return self.ip.replace(".", "-").replace(":", "-")


@dataclass
class DnsIndex:
    revision: int
    namespaces: frozenset[str] = frozenset()
    services: dict[tuple[str, str], Service] = field(default_factory=dict)
    endpoints: dict[tuple[str, str], list[Endpoint]] = field(default_factory=dict)
    service_by_ip: dict[str, Service] = field(default_factory=dict)
    named_endpoints_by_ip: dict[str, list[tuple[Endpoint, str, str]]] = field(
        default_factory=dict
    )  # ip -> [(endpoint, service name, namespace)] for endpoints with a hostname
    node_ips: dict[str, str] = field(default_factory=dict)
    # Answers already computed at this revision: (qname, qtype) -> response.
    answers: dict[tuple[str, str], Any] = field(default_factory=dict)
    # Resolver plans at this revision: (name, qtype, client pod, namespace) -> plan.
    plans: dict[tuple[str, str, str, str], Any] = field(default_factory=dict)


def index_for(api: ApiServer) -> DnsIndex:
    """The index for the store's current revision (cached in api.extensions)."""
    current = api.extensions.get("dns.index")
    revision = api.store.revision
    if not isinstance(current, DnsIndex) or current.revision != revision:
        current = build(api.store.items, revision)
        api.extensions["dns.index"] = current
    return current


def build(items: Reader, revision: int) -> DnsIndex:
    """Build an index from `items(plural, namespace)` (the Store's reader)."""
    index = DnsIndex(revision=revision)
    index.namespaces = frozenset(
        ns["metadata"]["name"].lower() for ns in items("namespaces", None)
    )
    for obj in items("services", None):
        svc = _service(obj)
        index.services[(svc.namespace, svc.name)] = svc
        for ip in svc.cluster_ips:
            index.service_by_ip.setdefault(ip, svc)
    for obj in items("endpointslices", None):
        _add_slice(index, obj)
    for node in items("nodes", None):
        ip = _internal_ip(node)
        if ip:
            index.node_ips[node["metadata"]["name"].lower()] = ip
    return index


def _service(obj: Object) -> Service:
    meta = obj["metadata"]
    spec = obj.get("spec") or {}
    cluster_ip = spec.get("clusterIP")
    cluster_ips = tuple(spec.get("clusterIPs") or ([cluster_ip] if cluster_ip else []))
    return Service(
        name=meta["name"].lower(),
        namespace=meta.get("namespace", "default").lower(),
        type=spec.get("type") or "ClusterIP",
        cluster_ips=cluster_ips,
        ports=_ports(spec.get("ports")),
        external_name=spec.get("externalName") or "",
    )


def _ports(raw: Iterable[Object] | None) -> tuple[Port, ...]:
    ports = tuple(
        Port(
            name=(p.get("name") or "").lower(),
            protocol=(p.get("protocol") or "").lower(),
            number=p["port"] if p.get("port") is not None else NO_PORT,
        )
        for p in raw or ()
    )
    return ports or (Port("", "", NO_PORT),)


def _add_slice(index: DnsIndex, obj: Object) -> None:
    meta = obj["metadata"]
    service = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
    if not service:
        return
    namespace = meta.get("namespace", "default").lower()
    key = (namespace, service.lower())
    ports = _ports(obj.get("ports"))
    bucket = index.endpoints.setdefault(key, [])
    for endpoint in obj.get("endpoints") or ():
        if (endpoint.get("conditions") or {}).get("ready") is False:
            continue
        for ip in endpoint.get("addresses") or ():
            ep = Endpoint(ip=ip, hostname=(endpoint.get("hostname") or "").lower(), ports=ports)
            bucket.append(ep)
            if ep.hostname:
                index.named_endpoints_by_ip.setdefault(ip, []).append((ep, key[1], namespace))


def _internal_ip(node: Object) -> str:
    for address in (node.get("status") or {}).get("addresses") or ():
        if address.get("type") == "InternalIP":
            return str(address.get("address", ""))
    return ""
