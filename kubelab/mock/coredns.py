"""The cluster DNS server (kube-dns at 10.96.0.10): CoreDNS as kubeadm configures it in kind.

The Corefile kubeadm installs (cmd/kubeadm/app/phases/addons/dns/manifests.go):

    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    forward . /etc/resolv.conf
    cache 30 { disable success cluster.local; disable denial cluster.local }
    loadbalance

A query passes loadbalance -> cache -> kubernetes -> forward (the order of CoreDNS's
plugin.cfg, not of the Corefile). The rules below follow the Kubernetes DNS
specification (kubernetes/dns docs/specification.md) as CoreDNS implements it: its
kubernetes plugin (plugin/kubernetes: handler.go, kubernetes.go, parse.go, reverse.go,
ns.go) and the shared record builders (plugin/backend_lookup.go). Where CoreDNS goes
beyond or against the specification, CoreDNS wins: the simulation must answer what kind
answers. Names outside the cluster go to the simulated outside world (`internet`).

Conventions: record names and name values are absolute, with the trailing dot, as `dig`
prints them; an owner name keeps the case of the question (CoreDNS answers with the
question's name), values are lower case. Values are in dig's presentation format
(SRV: "priority weight port target", TXT: quoted).
"""

from __future__ import annotations

import ipaddress
import math
import random
from dataclasses import dataclass, replace

from kubelab.backend import DnsRecord
from kubelab.mock import coredns_k8s as k8s
from kubelab.mock import internet
from kubelab.mock.api import ApiServer
from kubelab.mock.coredns_k8s import REVERSE_ZONES, TTL, ZONE, Entry, NameLookupError, host_type
from kubelab.mock.dnsindex import NO_PORT, DnsIndex, index_for

CACHE_MAX_TTL = 30  # `cache 30`: no answer leaves CoreDNS with a larger TTL
QTYPES = ("A", "AAAA", "CNAME", "PTR", "SRV", "TXT")


@dataclass(frozen=True)
class Response:
    rcode: str  # NOERROR (with or without records) or NXDOMAIN
    answer: tuple[DnsRecord, ...] = ()
    additional: tuple[DnsRecord, ...] = ()


def serve(api: ApiServer, qname: str, qtype: str) -> Response:
    """One query, as CoreDNS answers it: computed once per store revision, then shuffled."""
    index = index_for(api)
    key = (qname, qtype)
    prepared: _Balanced | None = index.answers.get(key)
    if prepared is None:
        prepared = _Balanced(_cache(_answer(index, qname, qtype)))
        index.answers[key] = prepared
    return prepared.deal(api.rng("dns"))


# -- the plugin chain -----------------------------------------------------------------------


def _answer(index: DnsIndex, qname: str, qtype: str) -> Response:
    name = qname.lower()
    zone = _zone_of(name)
    if zone:
        response = _kubernetes(index, qname, name, zone, qtype)
        if response is not None:
            return response
        if zone == ZONE:  # fallthrough is only for the reverse zones
            return Response("NXDOMAIN")
    outside = internet.resolve_outside(qname, qtype, index.node_ips)
    return Response(outside.rcode, outside.records)


def _zone_of(name: str) -> str:
    for zone in (ZONE, *REVERSE_ZONES):
        if name == zone or name.endswith("." + zone):
            return zone
    return ""


def _cache(response: Response) -> Response:
    """The cache plugin caps every TTL of a reply at min(smallest TTL in it, 30).

    coredns plugin/cache/cache.go WriteMsg: "Apply capped TTL to this reply".
    """
    records = response.answer + response.additional
    if not records:
        return response
    ttl = min(CACHE_MAX_TTL, *(r.ttl for r in records))
    return replace(
        response,
        answer=tuple(r._replace(ttl=ttl) for r in response.answer),
        additional=tuple(r._replace(ttl=ttl) for r in response.additional),
    )


class _Balanced:
    """The loadbalance plugin (round_robin) over one cached reply: CNAMEs first, then
    other types, then the address records, shuffled anew for every reply
    (coredns plugin/loadbalance/loadbalance.go). Only NOERROR replies are touched."""

    def __init__(self, response: Response) -> None:
        self.rcode = response.rcode
        self.answer = _split(response.answer)
        self.additional = _split(response.additional)
        shuffles = len(self.answer[1]) > 1 or len(self.additional[1]) > 1
        self.fixed: Response | None = response
        if self.rcode == "NOERROR":
            self.fixed = None if shuffles else self._ordered(None)

    def deal(self, rng: random.Random) -> Response:
        return self.fixed or self._ordered(rng)

    def _ordered(self, rng: random.Random | None) -> Response:
        return Response(self.rcode, _dealt(self.answer, rng), _dealt(self.additional, rng))


def _split(records: tuple[DnsRecord, ...]) -> tuple[tuple[DnsRecord, ...], tuple[DnsRecord, ...]]:
    """(CNAMEs then the other non-address records, the A/AAAA records)."""
    cnames = tuple(r for r in records if r.type == "CNAME")
    rest = tuple(r for r in records if r.type not in ("CNAME", "A", "AAAA"))
    return cnames + rest, tuple(r for r in records if r.type in ("A", "AAAA"))


def _dealt(
    parts: tuple[tuple[DnsRecord, ...], tuple[DnsRecord, ...]], rng: random.Random | None
) -> tuple[DnsRecord, ...]:
    if rng is None or len(parts[1]) < 2:
        return parts[0] + parts[1]
    addresses = list(parts[1])
    _shuffle(addresses, rng)
    return parts[0] + tuple(addresses)


def _shuffle(records: list[DnsRecord], rng: random.Random) -> None:
    """roundRobinShuffle, step for step; rng stands for dns.Id() (a random uint16)."""
    size = len(records)
    if size < 2:
        return
    if size == 2:
        if rng.getrandbits(16) % 2 == 0:
            records[0], records[1] = records[1], records[0]
        return
    j = 0
    while j < size * (rng.getrandbits(16) % 4 + 1):  # Go re-evaluates the bound each time
        q = rng.getrandbits(16) % size
        p = rng.getrandbits(16) % size
        if q == p:
            p = (p + 1) % size
        records[q], records[p] = records[p], records[q]
        j += 1


# -- the kubernetes plugin (handler.go ServeDNS) ------------------------------------------------


def _kubernetes(index: DnsIndex, qname: str, name: str, zone: str, qtype: str) -> Response | None:
    """The plugin's answer, or None for a name error (NXDOMAIN, or fallthrough)."""
    extra: list[DnsRecord] = []
    try:
        if qtype in ("A", "AAAA"):
            records = _address(index, qname, name, zone, qtype, [])
        elif qtype == "TXT":
            records = _txt(index, qname, name, zone)
        elif qtype == "CNAME":
            records = _cname(index, qname, name, zone)
        elif qtype == "PTR":
            records = _ptr(index, qname, name, zone)
        elif qtype == "SRV":
            records, extra = _srv(index, qname, name, zone)
        else:  # "a fake A lookup, so we can distinguish between NODATA and NXDOMAIN"
            _address(index, qname, name, zone, "A", [])
            records = []
    except NameLookupError:
        return None
    return Response("NOERROR", tuple(records), tuple(extra))


def _address(
    index: DnsIndex, qname: str, name: str, zone: str, qtype: str, previous: list[DnsRecord]
) -> list[DnsRecord]:
    """plugin.A / plugin.AAAA (backend_lookup.go), ExternalName CNAMEs included."""
    records: list[DnsRecord] = []
    seen: set[str] = set()
    for entry in _apex_or_services(index, name, zone, qtype):
        kind = host_type(entry.host)
        if kind == "CNAME":
            records.extend(_follow_cname(index, qname, name, zone, qtype, entry, previous))
        elif kind == qtype and entry.host not in seen:
            seen.add(entry.host)
            records.append(DnsRecord(qname, qtype, _canonical_ip(entry.host), entry.ttl))
    return records


def _follow_cname(
    index: DnsIndex,
    qname: str,
    name: str,
    zone: str,
    qtype: str,
    entry: Entry,
    previous: list[DnsRecord],
) -> list[DnsRecord]:
    target = _fqdn(entry.host)
    lower = target.lower()
    if lower == name or lower.endswith("." + name):  # "x CNAME x is a direct loop"
        return []
    cname = DnsRecord(qname, "CNAME", target, entry.ttl)
    if len(previous) > 7 or any(r.name.lower() == qname.lower() and r.value == target
                                for r in previous):
        return []
    if _zone_of(lower) == zone:  # in the cluster domain: only this plugin is asked
        try:
            following = _address(index, target, lower, zone, qtype, [*previous, cname])
        except NameLookupError:
            return []
        return [cname, *following] if following else []
    # Outside: the upstream plugin asks the whole server again (through cache and
    # forward); whatever comes back, even nothing, follows the CNAME.
    upstream = _cache(_answer(index, target, qtype))
    return [cname, *upstream.answer]


def _apex_or_services(index: DnsIndex, name: str, zone: str, qtype: str) -> list[Entry]:
    """checkForApex: the zone apex is looked up as apex.dns.<zone> first."""
    if name == zone:
        try:
            return k8s.services(index, "apex.dns." + zone, zone, qtype)
        except NameLookupError:
            pass
    return k8s.services(index, name, zone, qtype)


def _txt(index: DnsIndex, qname: str, name: str, zone: str) -> list[DnsRecord]:
    return [
        DnsRecord(qname, "TXT", f'"{entry.text}"', entry.ttl)
        for entry in k8s.services(index, name, zone, "TXT")
        if entry.text
    ]


def _cname(index: DnsIndex, qname: str, name: str, zone: str) -> list[DnsRecord]:
    """plugin.CNAME: only the first item, and only when it is a name."""
    entries = k8s.services(index, name, zone, "CNAME")
    if entries and host_type(entries[0].host) == "CNAME":
        return [DnsRecord(qname, "CNAME", _fqdn(entries[0].host), entries[0].ttl)]
    return []


def _srv(
    index: DnsIndex, qname: str, name: str, zone: str
) -> tuple[list[DnsRecord], list[DnsRecord]]:
    """plugin.SRV: priority 0; weight 100 shared out over all items (floor, at least 1);
    items with the no-port sentinel count in the share but make no record."""
    entries = k8s.services(index, name, zone, "SRV")
    total = 100 * len(entries)
    records: list[DnsRecord] = []
    extra: list[DnsRecord] = []
    seen_ports: set[tuple[str, int]] = set()
    seen_hosts: set[tuple[str, str]] = set()
    for entry in entries:
        if entry.port == NO_PORT:
            continue
        weight = max(1, math.floor(100.0 / total * 100))
        target = entry.key
        if (target, entry.port) not in seen_ports:
            seen_ports.add((target, entry.port))
            value = f"0 {weight} {entry.port} {target}"
            records.append(DnsRecord(qname, "SRV", value, entry.ttl))
        if (target, entry.host) not in seen_hosts:
            seen_hosts.add((target, entry.host))
            kind = host_type(entry.host)
            extra.append(DnsRecord(target, kind, _canonical_ip(entry.host), entry.ttl))
    return records, extra


def _ptr(index: DnsIndex, qname: str, name: str, zone: str) -> list[DnsRecord]:
    """plugin.PTR over reverse.go: a Service's cluster IP first, else the endpoints
    with a hostname that have this IP (an endpoint without a hostname has no PTR)."""
    ip = _address_from_reverse(name)
    if not ip:
        k8s.records(index, name, zone)
        return []
    service = index.service_by_ip.get(ip)
    if service is not None:
        targets = [f"{service.name}.{service.namespace}.svc.{ZONE}"]
    else:
        targets = [
            f"{ep.hostname}.{svc}.{ns}.svc.{ZONE}"
            for ep, svc, ns in index.named_endpoints_by_ip.get(ip, ())
        ]
    if not targets:
        raise NameLookupError
    return [DnsRecord(qname, "PTR", t, TTL) for t in dict.fromkeys(targets)]


# -- small helpers ------------------------------------------------------------------------------


def _fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


def _canonical_ip(host: str) -> str:
    return str(ipaddress.ip_address(host))


def _address_from_reverse(name: str) -> str:
    """dnsutil.ExtractAddressFromReverse, IPv4 only (the cluster is single-stack IPv4)."""
    if not name.endswith(".in-addr.arpa."):
        return ""
    labels = name[: -len(".in-addr.arpa.")].split(".")
    try:
        return str(ipaddress.IPv4Address(".".join(reversed(labels))))
    except ValueError:
        return ""
