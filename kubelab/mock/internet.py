"""The DNS world outside the cluster, simulated: the kind node's resolver and a tiny internet.

THE OUTSIDE WORLD IS SIMULATED. A real kind cluster forwards every name outside
cluster.local (`forward . /etc/resolv.conf` in CoreDNS's Corefile) to the node's resolver,
which is Docker's embedded DNS server: it answers the names of the containers on the
`kind` network (the node names) and passes everything else to the host's resolver and
on to the internet. Here that internet is the handful of names in `ZONE`, all under the
example domains reserved for documentation (RFC 2606) with addresses from the
documentation ranges (RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24; RFC 3849:
2001:db8::/32). Every other name outside the cluster is NXDOMAIN, every reverse name too.
On a real cluster the same questions reach the real internet and get other answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubelab.backend import DnsRecord
from kubelab.mock.network import HOST_IP

# The kind node's /etc/resolv.conf after kind's entrypoint has replaced Docker's
# 127.0.0.11 with the address that reaches the Docker host (the `kind` network's
# gateway on Linux). Source: kind images/base/files/usr/local/bin/entrypoint (fix_dns).
# Its search list is the host's (copied by Docker); a laptop usually has none, and the
# simulation takes none. Docker also adds options that change nothing without a search.
NODE_NAMESERVER = HOST_IP
NODE_SEARCH: tuple[str, ...] = ()

# Docker's embedded DNS server answers container names with this TTL
# (moby libnetwork resolver.go: respTTL = 600).
CONTAINER_TTL = 600

# name -> ((type, value), ...), all with TTL 300. CNAME values are absolute names.
ZONE: dict[str, tuple[tuple[str, str], ...]] = {
    "example.com.": (("A", "203.0.113.10"), ("AAAA", "2001:db8::10")),
    "www.example.com.": (("CNAME", "example.com."),),
    "example.org.": (("A", "203.0.113.20"), ("AAAA", "2001:db8::20")),
    "www.example.org.": (("CNAME", "example.org."),),
    "example.net.": (("A", "203.0.113.30"),),
    "db.example.net.": (("A", "198.51.100.5"),),
    "api.example.net.": (("CNAME", "db.example.net."),),
}
ZONE_TTL = 300
_MAX_CHAIN = 8


@dataclass(frozen=True)
class UpstreamAnswer:
    rcode: str  # NOERROR or NXDOMAIN
    records: tuple[DnsRecord, ...]


def resolve_outside(qname: str, qtype: str, node_ips: dict[str, str]) -> UpstreamAnswer:
    """What the node's resolver answers for an absolute name: a recursive answer.

    CNAMEs are followed as a recursive resolver does; the rcode is the one of the last
    name in the chain (RFC 6604 section 3). `node_ips` maps node names (lower case) to
    their InternalIP, which Docker's DNS answers with an A record.
    """
    records: list[DnsRecord] = []
    name = qname
    for _ in range(_MAX_CHAIN):
        key = name.lower()
        node_ip = node_ips.get(key.rstrip("."))
        if node_ip is not None:  # a container on the kind network (A only here)
            if qtype == "A":
                records.append(DnsRecord(name, "A", node_ip, CONTAINER_TTL))
            return UpstreamAnswer("NOERROR", tuple(records))
        entries = ZONE.get(key)
        if entries is None:
            return UpstreamAnswer("NXDOMAIN", tuple(records))
        cname = next((value for rtype, value in entries if rtype == "CNAME"), None)
        if cname is None or qtype == "CNAME":
            matching = (value for rtype, value in entries if rtype == qtype)
            records.extend(DnsRecord(name, qtype, value, ZONE_TTL) for value in matching)
            return UpstreamAnswer("NOERROR", tuple(records))
        records.append(DnsRecord(name, "CNAME", cname, ZONE_TTL))
        name = cname
    return UpstreamAnswer("NOERROR", tuple(records))
