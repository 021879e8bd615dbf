"""kube-proxy in iptables mode (kind's default), as a rule model.

Given a Service port, its EndpointSlices and the node whose kube-proxy sees a packet, say
what the node's nat rules do with it: DNAT to one endpoint chosen by the `statistic`
rules (or by session affinity), masquerade or not, REJECT or DROP. The iptables text a
lesson prints comes from the same model.

Sources, kubernetes/kubernetes (the release in kubelab.version):
- pkg/proxy/iptables/proxier.go: syncProxyRules (the KUBE-SERVICES, KUBE-NODEPORTS,
  KUBE-EXT, KUBE-SVC, KUBE-SVL and KUBE-SEP chains, the filter-table REJECT and DROP
  rules), writeServiceToEndpointRules (affinity rules first, then one statistic rule per
  endpoint with probability 1/(n-i)), computeProbability ("%0.10f"), portProtoHash and
  the chain-name helpers (base32 of sha256, 16 characters).
- pkg/proxy/topology.go: CategorizeEndpoints (ready endpoints, else serving+terminating
  ones; Local endpoints; topology hints).
- pkg/proxy/endpointslicecache.go: addEndpoints (conditions, de-duplication) and
  endpointsMapFromEndpointInfo (endpoints sorted by their "ip:port" string).
- pkg/proxy/serviceport.go: only ingress IPs with ipMode VIP (or no ipMode) get rules.
- iptables extensions/libxt_statistic.c: the probability is stored as
  lround(p * 2^31) and printed by iptables-save with "%.11f"; the kernel's xt_statistic
  matches when (random & 0x7FFFFFFF) < that integer.
- Linux net/netfilter/xt_recent.c: `--rcheck --seconds S` hits when the source address
  was last seen at most S seconds ago; `--set` stamps it on every new connection.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from kubelab.mock import cluster
from kubelab.mock.api import ApiServer

Object = dict[str, Any]

CLUSTER_CIDR = cluster.POD_CIDR  # kubeadm passes kind's podSubnet to kube-proxy's clusterCIDR
DEFAULT_AFFINITY_SECONDS = 10800  # v1.DefaultClientIPServiceAffinitySeconds
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
ZONE_LABEL = "topology.kubernetes.io/zone"
_AFFINITY_KEY = "kubeproxy.affinity"  # api.extensions: (node, port) -> SEP -> IP -> time
_SCALE = 0x80000000  # 2^31: xt_statistic's probability scale


# -- the objects kube-proxy keeps -----------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of one service port, as endpointslicecache.addEndpoints builds it."""

    ip: str
    port: int
    ready: bool
    serving: bool
    terminating: bool
    node: str | None
    pod: str | None  # targetRef name, when the targetRef is a Pod
    zone_hints: frozenset[str] = frozenset()
    node_hints: frozenset[str] = frozenset()

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class ServicePort:
    """What kube-proxy keeps of one port of a Service (serviceport.go newBaseServiceInfo)."""

    namespace: str
    service: str
    port_name: str
    protocol: str
    port: int
    node_port: int
    target_port: int | str
    cluster_ip: str
    type: str
    lb_vips: tuple[str, ...]  # ingress IPs with ipMode VIP: kube-proxy writes rules for them
    lb_proxied: tuple[str, ...]  # ingress IPs with ipMode Proxy: traffic goes to the LB
    external_ips: tuple[str, ...]
    internal_local: bool
    external_local: bool
    affinity_seconds: int | None  # None: sessionAffinity None
    health_check_node_port: int = 0
    chains: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        """ServicePortName.String(): "namespace/name" plus ":port-name" when named."""
        base = f"{self.namespace}/{self.service}"
        return f"{base}:{self.port_name}" if self.port_name else base

    def chain(self, prefix: str) -> str:
        """KUBE-SVC-/SVL-/EXT-/FW- chain of this port: prefix + portProtoHash."""
        if prefix not in self.chains:
            self.chains[prefix] = prefix + _hash16(self.name + self.protocol.lower())
        return self.chains[prefix]

    def sep_chain(self, endpoint: Endpoint) -> str:
        """servicePortEndpointChainName: the hash also covers the endpoint's "ip:port"."""
        key = "SEP " + endpoint.address
        if key not in self.chains:
            text = self.name + self.protocol.lower() + endpoint.address
            self.chains[key] = "KUBE-SEP-" + _hash16(text)
        return self.chains[key]

    @property
    def externally_accessible(self) -> bool:
        return bool(self.node_port or self.lb_vips or self.external_ips)

    @property
    def uses_cluster_endpoints(self) -> bool:
        return not self.internal_local or self.externally_accessible

    @property
    def uses_local_endpoints(self) -> bool:
        return self.internal_local or (self.external_local and self.externally_accessible)


def _hash16(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def service_ports(svc: Object) -> list[ServicePort]:
    """The ports kube-proxy proxies; none for headless, ExternalName or IP-less Services."""
    spec = svc.get("spec") or {}
    cluster_ip = spec.get("clusterIP") or ""
    if cluster_ip in ("", "None") or spec.get("type") == "ExternalName":
        return []
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    vips = tuple(i["ip"] for i in ingress if i.get("ip") and i.get("ipMode", "VIP") == "VIP")
    proxied = tuple(i["ip"] for i in ingress if i.get("ip") and i.get("ipMode") == "Proxy")
    svc_type = spec.get("type", "ClusterIP")
    external_ips = tuple(spec.get("externalIPs") or ())
    # apiservice.ExternalPolicyLocal: only for externally accessible Services.
    accessible = svc_type in ("NodePort", "LoadBalancer") or bool(external_ips)
    affinity = None
    if spec.get("sessionAffinity") == "ClientIP":
        config = (spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}
        affinity = int(config.get("timeoutSeconds") or DEFAULT_AFFINITY_SECONDS)
    return [
        ServicePort(
            namespace=svc["metadata"].get("namespace", "default"),
            service=svc["metadata"]["name"],
            port_name=port.get("name") or "",
            protocol=port.get("protocol", "TCP"),
            port=int(port["port"]),
            node_port=int(port.get("nodePort") or 0),
            target_port=port.get("targetPort", port["port"]),
            cluster_ip=cluster_ip,
            type=svc_type,
            lb_vips=vips,
            lb_proxied=proxied,
            external_ips=external_ips,
            internal_local=spec.get("internalTrafficPolicy") == "Local",
            external_local=accessible and spec.get("externalTrafficPolicy") == "Local",
            affinity_seconds=affinity,
            health_check_node_port=int(spec.get("healthCheckNodePort") or 0),
        )
        for port in spec.get("ports") or []
    ]


def endpoints(api: ApiServer, sp: ServicePort) -> list[Endpoint]:
    """The endpoints of one service port from its EndpointSlices, sorted as kube-proxy does.

    A slice port matches on name and protocol; the same "ip:port" in two slices is kept
    once, preferring the copy that is not terminating (endpointslicecache.addEndpoints).
    Absent conditions count as ready and serving, and not terminating.
    """
    found: dict[str, Endpoint] = {}
    for eps in api.store.items("endpointslices", sp.namespace):
        labels = eps["metadata"].get("labels") or {}
        if labels.get(SERVICE_NAME_LABEL) != sp.service:
            continue
        if eps.get("addressType", "IPv4") != "IPv4":
            continue
        for port in eps.get("ports") or []:
            if (port.get("name") or "") != sp.port_name:
                continue
            if port.get("protocol", "TCP") != sp.protocol or not port.get("port"):
                continue
            for item in eps.get("endpoints") or []:
                endpoint = _endpoint(item, int(port["port"]))
                if endpoint is None:
                    continue
                if endpoint.address not in found or not endpoint.terminating:
                    found[endpoint.address] = endpoint
    return [found[key] for key in sorted(found)]


def _endpoint(item: Object, port: int) -> Endpoint | None:
    addresses = item.get("addresses") or []
    if not addresses:
        return None
    conditions = item.get("conditions") or {}
    ref = item.get("targetRef") or {}
    hints = item.get("hints") or {}
    return Endpoint(
        ip=addresses[0],
        port=port,
        ready=conditions.get("ready") is not False,
        serving=conditions.get("serving") is not False,
        terminating=conditions.get("terminating") is True,
        node=item.get("nodeName"),
        pod=ref.get("name") if ref.get("kind", "Pod") == "Pod" else None,
        zone_hints=frozenset(z["name"] for z in hints.get("forZones") or []),
        node_hints=frozenset(n["name"] for n in hints.get("forNodes") or []),
    )


# -- which endpoints a node uses (topology.go) ---------------------------------------------


@dataclass(frozen=True)
class Categorized:
    cluster: tuple[Endpoint, ...]
    local: tuple[Endpoint, ...]
    has_any: bool
    local_ready: int  # what the healthCheckNodePort server counts


def categorize(eps: Sequence[Endpoint], sp: ServicePort, node: str, zone: str) -> Categorized:
    """CategorizeEndpoints for the kube-proxy of `node` (PreferSameTrafficDistribution on)."""
    cluster: tuple[Endpoint, ...] = ()
    has_any = False
    if sp.uses_cluster_endpoints:
        mode = _topology_mode(eps, node, zone)
        cluster = tuple(e for e in eps if e.ready and _available(e, mode, node, zone))
        if not cluster:  # fall back to serving terminating endpoints, ignoring topology
            cluster = tuple(e for e in eps if e.serving and e.terminating)
        has_any = bool(cluster)
    local: tuple[Endpoint, ...] = ()
    if sp.uses_local_endpoints:
        usable = [e for e in eps if e.ready or (e.serving and e.terminating)]
        has_any = has_any or bool(usable)
        mine = [e for e in usable if e.node == node]
        ready = tuple(e for e in mine if e.ready)
        local = ready or tuple(mine)
    local_ready = sum(1 for e in eps if e.ready and e.node == node)
    return Categorized(cluster, local, has_any, local_ready)


def _topology_mode(eps: Sequence[Endpoint], node: str, zone: str) -> str:
    ready = [e for e in eps if e.ready]
    if ready and all(e.node_hints for e in ready) and any(node in e.node_hints for e in ready):
        return "PreferSameNode"
    if ready and all(e.zone_hints for e in ready) and any(zone in e.zone_hints for e in ready):
        return "PreferSameZone"
    return ""


def _available(e: Endpoint, mode: str, node: str, zone: str) -> bool:
    if mode == "PreferSameNode":
        return node in e.node_hints
    if mode == "PreferSameZone":
        return zone in e.zone_hints
    return True


# -- the statistic rules --------------------------------------------------------------------


def written_probability(remaining: int) -> str:
    """computeProbability: what kube-proxy writes for a rule with `remaining` endpoints left."""
    return f"{1.0 / remaining:0.10f}"


def _stored(remaining: int) -> int:
    """lround(0x80000000 * p): the integer the kernel keeps (libxt_statistic.c)."""
    return int(_SCALE * float(written_probability(remaining)) + 0.5)


def saved_probability(remaining: int) -> str:
    """The probability as iptables-save prints it: "%.11f" of the stored integer / 2^31."""
    return f"{_stored(remaining) / _SCALE:.11f}"


def rule_shares(count: int) -> list[float]:
    """The share of new connections each of `count` statistic rules takes, in rule order.

    Rule i (0-based) matches with probability stored(count - i) / 2^31 when reached; the
    last rule has no statistic match and takes what is left.
    """
    shares: list[float] = []
    left = 1.0
    for i in range(count):
        p = _stored(count - i) / _SCALE if i < count - 1 else 1.0
        shares.append(left * p)
        left *= 1.0 - p
    return shares


def cumulative(shares: Sequence[float]) -> list[float]:
    return list(accumulate(shares))


# -- what a node does with a packet -------------------------------------------------------

# Where a packet enters a service: the KUBE-SERVICES / KUBE-NODEPORTS rule that caught it.
CLUSTER_IP = "cluster IP"
NODE_PORT = "nodePort"
LB_IP = "loadbalancer IP"
EXTERNAL_IP = "external IP"
# What kube-proxy can tell of the source: in the cluster CIDR, a LOCAL address, or other.
FROM_POD = "pod"
FROM_NODE = "node"
FROM_OTHER = "other"


@dataclass(frozen=True)
class Verdict:
    """What the nat (and filter) rules of one node do with a new connection."""

    action: str  # "dnat" | "reject" | "drop"
    reason: str  # the rule's comment, as kube-proxy words it
    chain: str = ""  # the KUBE-SVC-/KUBE-SVL- chain holding the endpoint rules
    endpoints: tuple[Endpoint, ...] = ()
    masquerade: bool = False  # marked by KUBE-MARK-MASQ before the endpoint chain
    path: tuple[str, ...] = ()  # the chains the packet walks, in order


def decide(sp: ServicePort, cat: Categorized, entry: str, source: str) -> Verdict:
    """syncProxyRules for one service port, one entry point and one kind of source."""
    if not cat.has_any:
        return Verdict("reject", f"{sp.name} has no endpoints")
    if entry == CLUSTER_IP:
        return _internal(sp, cat, source)
    return _external(sp, cat, entry, source)


def _internal(sp: ServicePort, cat: Categorized, source: str) -> Verdict:
    if sp.internal_local and not cat.local:
        return Verdict("drop", f"{sp.name} has no local endpoints")
    chain = sp.chain("KUBE-SVL-") if sp.internal_local else sp.chain("KUBE-SVC-")
    eps = cat.local if sp.internal_local else cat.cluster
    # "! -s <clusterCIDR> -j KUBE-MARK-MASQ": traffic from outside the pod network.
    return Verdict("dnat", f"{sp.name} cluster IP", chain, eps, source != FROM_POD,
                   ("KUBE-SERVICES", chain))


def _external(sp: ServicePort, cat: Categorized, entry: str, source: str) -> Verdict:
    head = ("KUBE-SERVICES", "KUBE-NODEPORTS") if entry == NODE_PORT else ("KUBE-SERVICES",)
    ext, svc = sp.chain("KUBE-EXT-"), sp.chain("KUBE-SVC-")
    if not sp.external_local:
        why = f"masquerade traffic for {sp.name} external destinations"
        return Verdict("dnat", why, svc, cat.cluster, True, (*head, ext, svc))
    if source == FROM_POD:
        why = f"pod traffic for {sp.name} external destinations"
        return Verdict("dnat", why, svc, cat.cluster, False, (*head, ext, svc))
    if source == FROM_NODE:
        why = f"route LOCAL traffic for {sp.name} external destinations"
        return Verdict("dnat", why, svc, cat.cluster, True, (*head, ext, svc))
    if not cat.local:
        return Verdict("drop", f"{sp.name} has no local endpoints")
    svl = sp.chain("KUBE-SVL-")
    return Verdict("dnat", f"{sp.name} external destinations", svl, cat.local, False,
                   (*head, ext, svl))


# -- session affinity: the xt_recent lists of each node -----------------------------------


def affinity_lists(api: ApiServer, node: str, name: str) -> dict[str, dict[str, float]]:
    """One node's `recent` lists for one service port: SEP chain -> source IP -> last seen."""
    table: dict[tuple[str, str], dict[str, dict[str, float]]] = api.extensions.setdefault(
        _AFFINITY_KEY, {}
    )
    return table.setdefault((node, name), {})


def forget_gone(lists: dict[str, dict[str, float]], live: frozenset[str]) -> None:
    """A list dies with the last rule naming it: when its endpoint left the node's chains."""
    for chain in [c for c in lists if c not in live]:
        del lists[chain]


def sticky_index(
    lists: dict[str, dict[str, float]], chains: Sequence[str], source: str, now: float,
    seconds: int,
) -> int | None:
    """The first affinity rule that hits: the endpoint `source` used at most `seconds` ago."""
    for i, chain in enumerate(chains):
        seen = lists.get(chain, {}).get(source)
        if seen is not None and now - seen <= seconds:
            return i
    return None


def stamp(lists: dict[str, dict[str, float]], chain: str, source: str, now: float) -> None:
    """`-m recent --set` in the KUBE-SEP chain: every new connection refreshes the stamp."""
    lists.setdefault(chain, {})[source] = now
