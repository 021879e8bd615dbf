"""What CoreDNS's kubernetes plugin finds for a name, before any record is built.

The plugin turns a question into "items" (msg.Service: an address or a name, a port, the
item's own name) and the record builders (`coredns`) make records of them. This module
is that lookup: coredns plugin/kubernetes/kubernetes.go (Services, Records, findPods,
findServices), parse.go (parseRequest) and ns.go, as configured by kubeadm's Corefile
(`pods insecure`, `ttl 30`, no endpoint_pod_names, no multicluster).

A name that matches nothing raises `NameLookupError` (CoreDNS's errNoItems,
errNsNotExposed and errInvalidRequest, all answered NXDOMAIN); an empty list is a name
that exists without records of the asked type (NODATA).
"""

from __future__ import annotations

import ipaddress
from typing import NamedTuple

from kubelab.mock.cluster import CLUSTER_DOMAIN
from kubelab.mock.dnsindex import DnsIndex, Port

TTL = 30  # `ttl 30` in the kubernetes block
SCHEMA_VERSION = "1.1.0"  # kubernetes.go DNSSchemaVersion
SCHEMA_TTL = 28800  # the dns-version TXT record's own TTL (before the cache caps it)
ZONE = CLUSTER_DOMAIN + "."
REVERSE_ZONES = ("in-addr.arpa.", "ip6.arpa.")


class Entry(NamedTuple):
    """msg.Service: what one backend item contributes to an answer."""

    host: str  # an IP address, or a name (ExternalName) that becomes a CNAME
    key: str = ""  # the absolute name of the item (SRV targets use it)
    port: int = 0
    ttl: int = TTL
    text: str = ""


class NameLookupError(Exception):
    """errNoItems / errNsNotExposed / errInvalidRequest: the answer is NXDOMAIN."""


class Request(NamedTuple):
    """parse.go recordRequest (no multicluster, no zonal names in kubeadm's Corefile)."""

    kind: str  # "svc" or "pod"
    namespace: str = ""
    service: str = ""
    endpoint: str = ""
    port: str = ""
    protocol: str = ""


def services(index: DnsIndex, name: str, zone: str, qtype: str) -> list[Entry]:
    """Kubernetes.Services: the TXT rules, the ns.dns name, then Records."""
    if qtype == "TXT":
        if trim_zone(name, zone) == "dns-version":
            return [Entry(host="", text=SCHEMA_VERSION, ttl=SCHEMA_TTL)]
        try:
            found = records(index, name, zone)
        except NameLookupError:
            found = []
        if found:
            return []  # "an existing record for this query of another type": NODATA
        raise NameLookupError
    if name == "ns.dns." + zone:  # ns.go isDefaultNS: the DNS service's own address
        return [Entry(ip, name) for ip in dns_service_ips(index) if host_type(ip) == qtype]
    found = records(index, name, zone)
    if qtype == "SRV":  # "SRV for external services is not yet implemented"
        found = [e for e in found if host_type(e.host) != "CNAME"]
    return found


def records(index: DnsIndex, name: str, zone: str) -> list[Entry]:
    """Kubernetes.Records: parse, check the namespace exists, then pods or services."""
    request = parse(name, zone)
    if request is None:
        return []
    if zone in REVERSE_ZONES:
        raise NameLookupError
    if request.namespace not in index.namespaces:
        raise NameLookupError
    if request.kind == "pod":
        return _find_pods(request, zone)
    return _find_services(index, request, zone)


def parse(name: str, zone: str) -> Request | None:
    """parseRequest: [_port._proto. | endpoint.]service.namespace.(svc|pod).zone.

    None is a name with nothing to look up (the zone, svc.<zone>, pod.<zone>): NODATA.
    """
    base = trim_zone(name, zone)
    if base in ("", "svc", "pod"):
        return None
    labels = base.split(".")
    kind = labels.pop()
    if kind not in ("svc", "pod"):
        raise NameLookupError
    namespace = labels.pop()
    if not labels:
        return Request(kind, namespace)
    service = labels.pop()
    if not labels:
        return Request(kind, namespace, service)
    if len(labels) == 1:
        return Request(kind, namespace, service, endpoint=labels[0])
    if len(labels) == 2:
        port, protocol = (label.removeprefix("_") for label in labels)
        return Request(kind, namespace, service, port=port, protocol=protocol)
    raise NameLookupError  # "too long"


def _find_pods(request: Request, zone: str) -> list[Entry]:
    """`pods insecure`: any well-formed dashed IP answers, whether a pod has it or not."""
    label = request.service
    if not label:
        return []
    if label.count("-") == 3 and "--" not in label:
        ip = label.replace("-", ".")
    else:
        ip = label.replace("-", ":")
    if host_type(ip) == "CNAME":  # not an IP address
        raise NameLookupError
    return [Entry(ip, f"{label}.{request.namespace}.pod.{zone}")]


def _find_services(index: DnsIndex, request: Request, zone: str) -> list[Entry]:
    if not request.service:
        return []
    service = index.services.get((request.namespace, request.service))
    if service is None:
        raise NameLookupError
    fqdn = f"{service.name}.{service.namespace}.svc.{zone}"
    if service.type == "ExternalName":
        # No endpoints, no _port._proto names (the fix of coredns issue #5733).
        if request.endpoint or request.port or request.protocol:
            raise NameLookupError
        if host_type(service.external_name) != "CNAME":
            raise NameLookupError
        return [Entry(service.external_name, fqdn)]
    if service.headless or request.endpoint:
        return _endpoint_entries(index, request, fqdn)
    entries: list[Entry] = []
    matched = False
    for port in service.ports:
        if _port_matches(request, port):
            matched = True
            entries.extend(Entry(ip, fqdn, port.number) for ip in service.cluster_ips)
    if not matched:
        raise NameLookupError
    return entries


def _endpoint_entries(index: DnsIndex, request: Request, fqdn: str) -> list[Entry]:
    """Headless services, and `<endpoint>.<svc>...` names of any service: one item per
    ready address and matching port. None at all is NXDOMAIN (specification 2.4.1)."""
    entries: list[Entry] = []
    for endpoint in index.endpoints.get((request.namespace, request.service), ()):
        if request.endpoint and request.endpoint != endpoint.label:
            continue
        for port in endpoint.ports:
            if _port_matches(request, port):
                entries.append(Entry(endpoint.ip, f"{endpoint.label}.{fqdn}", port.number))
    if not entries:
        raise NameLookupError
    return entries


def _port_matches(request: Request, port: Port) -> bool:
    """matchPortAndProtocol: an empty part of the question matches anything."""
    return (not request.port or request.port == port.name) and (
        not request.protocol or request.protocol == port.protocol
    )


def dns_service_ips(index: DnsIndex) -> tuple[str, ...]:
    service = index.services.get(("kube-system", "kube-dns"))
    return service.cluster_ips if service is not None else ()


def trim_zone(name: str, zone: str) -> str:
    return name[: -len(zone)].rstrip(".")


def host_type(host: str) -> str:
    """msg.Service.HostType: "A" (IPv4 address), "AAAA" (IPv6) or "CNAME" (a name)."""
    try:
        return "A" if ipaddress.ip_address(host).version == 4 else "AAAA"
    except ValueError:
        return "CNAME"
