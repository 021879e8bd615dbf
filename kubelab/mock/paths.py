"""Where a request goes: the client's DNS answer, then the address it connects to.

`route` sorts the destination the way the packet meets it:
- a Service's cluster IP: kube-proxy on the client's own node (pods and nodes only; the
  Docker host has no route to the service network);
- a LoadBalancer IP: with ipMode Proxy (what cloud-provider-kind writes) the connection
  goes to the Envoy container holding that IP, which opens a new one to a node's
  nodePort; with ipMode VIP kube-proxy catches it on the client's node (KUBE-EXT);
- an external IP of a Service: kube-proxy on the client's node;
- a node's IP: a nodePort (kube-proxy on that node), a hostNetwork pod, or a reset;
- a pod's IP: straight to the pod, no NAT;
- a host of the simulated internet; anything else is lost (timeout).

cloud-provider-kind (kubernetes-sigs/cloud-provider-kind, pkg/loadbalancer): one Envoy
container per LoadBalancer Service on the kind network, its IP is the ingress IP (with
ipMode Proxy); a listener per Service port; the upstream cluster is every node of the
load balancer (nodes without node.kubernetes.io/exclude-from-external-load-balancers) at
its nodePort, `lb_policy: RANDOM` (RING_HASH on the source IP with sessionAffinity
ClientIP), a filter chain only for the loadBalancerSourceRanges when the Service has
some, HTTP health checks on kube-proxy's :10256/healthz, or on the
healthCheckNodePort with externalTrafficPolicy Local, which answers 200 only on nodes
with a ready local endpoint. `healthy_panic_threshold` is 0 (cloud-provider-kind PR #360,
"fix: disable Envoy healthy panic threshold", issue #359): Envoy never falls back to the
unhealthy nodes; with no healthy node it closes the client's connection.
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from kubelab.backend import DnsRecord, Hop, RequestResult
from kubelab.mock import cluster, internet, kubeproxy, network
from kubelab.mock.dataplane import Spread, Step, Trip
from kubelab.mock.kubeproxy import (
    CLUSTER_CIDR,
    CLUSTER_IP,
    EXTERNAL_IP,
    FROM_NODE,
    FROM_OTHER,
    FROM_POD,
    LB_IP,
    NODE_PORT,
    ServicePort,
)
from kubelab.mock.network import Node
from kubelab.targets import Target, parse_target

Object = dict[str, Any]
SERVICE_CIDR = cluster.SERVICE_CIDR
CLUSTER_DOMAIN = cluster.CLUSTER_DOMAIN
INTERNET_PORTS = (80, 443)  # the simulated internet's hosts serve HTTP and HTTPS


def plan(trip: Trip, target: str) -> Step:
    parsed = parse_target(target)
    hops = [trip.say(Hop("client", trip.client.describe(), trip.client.ip))]
    if parsed.is_ip:
        return route(trip, parsed.host, parsed.port or 80, hops)
    return _resolve(trip, parsed, hops)


# -- DNS --------------------------------------------------------------------------------


def _resolve(trip: Trip, parsed: Target, hops: list[Hop]) -> Step:
    rcode, records, answered, tried = _lookup(trip, parsed.host)
    addresses = [r for r in records if r.type == "A"]
    if not addresses:
        why = rcode if rcode != "NOERROR" else "no A record"
        detail = f"{parsed.host}: {why} (asked {', '.join(tried)})"
        return trip.fail("nxdomain", hops, "dns", detail)
    trip.volatile = len(addresses) > 1
    ip = addresses[0].value
    cnames = [r.value for r in records if r.type == "CNAME"]
    via = f"CNAME {' → '.join(cnames)}, " if cnames else ""
    many = f", first of {len(addresses)} addresses" if len(addresses) > 1 else ""
    detail = f"{parsed.host} → {ip} ({via}A record of {addresses[0].name}, TTL "
    detail += f"{addresses[0].ttl}{many})"
    port = parsed.port or _default_port(trip, answered)
    return route(trip, ip, port, [*hops, trip.say(Hop("dns", detail, ip))])


def _lookup(trip: Trip, name: str) -> tuple[str, tuple[DnsRecord, ...], str, tuple[str, ...]]:
    """Cluster DNS for a pod; the node's resolver (Docker's DNS) for a node; the host's."""
    client = trip.client
    if client.kind == "pod":
        from kubelab.mock import dns  # dns imports the API layer; keep this module light

        answer = dns.resolve(trip.api, name, "A", client.name, client.namespace)
        return answer.rcode, answer.records, answer.answered or "", answer.tried
    absolute = name if name.endswith(".") else name + "."
    # The host does not see Docker's embedded DNS: node names resolve only on nodes.
    node_ips = {n.name.lower(): n.ip for n in trip.world.nodes} if client.kind == "node" else {}
    upstream = internet.resolve_outside(absolute, "A", node_ips)
    return upstream.rcode, upstream.records, absolute, (absolute,)


def _default_port(trip: Trip, answered: str) -> int:
    """No port given: the first port of the Service the name belongs to, else 80."""
    labels = answered.rstrip(".").lower().split(".")
    suffix = ["svc", *CLUSTER_DOMAIN.split(".")]
    for i in range(2, len(labels) - len(suffix) + 1):
        if labels[i:] == suffix:
            svc = trip.api.store.get("services", labels[i - 1], labels[i - 2])
            ports = ((svc or {}).get("spec") or {}).get("ports") or []
            if ports:
                return int(ports[0]["port"])
    return 80


# -- the destination ---------------------------------------------------------------------


def route(trip: Trip, ip: str, port: int, hops: list[Hop]) -> Step:
    world, client = trip.world, trip.client
    if ip in world.cluster_ips:
        return _cluster_ip(trip, world.cluster_ips[ip], ip, port, hops)
    if ip in world.lb_ips:
        return _load_balancer(trip, world.lb_ips[ip], ip, port, hops)
    external = _external(world.external_ips.get(ip, []), port)
    if external is not None and client.node is not None:
        return _external_ip(trip, external, client.node, ip, hops)
    if ip in world.node_by_ip:
        node = world.node_by_ip[ip]
        if external is not None:
            return _external_ip(trip, external, node, ip, hops)
        return _node(trip, node, port, hops)
    if ip in world.pods:
        return _pod(trip, world.pods[ip], ip, port, hops)
    if ip in world.internet:
        return _internet(trip, ip, port, hops)
    return trip.fail("timeout", hops, "drop", _lost(ip))


def _name(svc: Object) -> str:
    return f"{svc['metadata'].get('namespace', 'default')}/{svc['metadata']['name']}"


def _port(svc: Object, port: int) -> ServicePort | None:
    return next(
        (sp for sp in kubeproxy.service_ports(svc) if sp.port == port and sp.protocol == "TCP"),
        None,
    )


def _external(services: list[Object], port: int) -> ServicePort | None:
    return next((sp for svc in services if (sp := _port(svc, port)) is not None), None)


def _source_kind(trip: Trip) -> str:
    return FROM_POD if trip.client.in_pod_network else FROM_NODE


def _leave(trip: Trip, hops: list[Hop]) -> tuple[str, list[Hop]]:
    """The source address once the packet leaves the client's node for the kind network."""
    client = trip.client
    if client.node is None:
        return client.ip, hops
    if not client.in_pod_network:
        return client.node.ip, hops
    detail = (
        f"kind-masq-agent on {client.node.name} masquerades {client.ip} → {client.node.ip}: "
        "the destination is outside the pod network"
    )
    return client.node.ip, [*hops, trip.say(Hop("snat", detail, client.node.ip))]


def _cluster_ip(trip: Trip, svc: Object, ip: str, port: int, hops: list[Hop]) -> Step:
    client = trip.client
    if client.node is None:
        why = (
            f"{ip} is the cluster IP of {_name(svc)}; the Docker host has no route to the "
            f"service network {SERVICE_CIDR}: cluster IPs work only from pods and nodes"
        )
        return trip.fail("timeout", hops, "drop", why)
    sp = _port(svc, port)
    if sp is None:
        vip = Hop("vip", f"{ip} is the cluster IP of {_name(svc)}, which has no TCP port {port}")
        why = (
            f"no KUBE-SERVICES rule matches {ip}:{port} (kube-proxy writes one per Service "
            f"port): the packet follows {client.node.name}'s default route and is lost"
        )
        return trip.fail("timeout", [*hops, trip.say(vip)], "drop", why)
    detail = (
        f"{ip}:{port} is the cluster IP of {_name(svc)} (port {port}/TCP → targetPort "
        f"{sp.target_port}); kube-proxy on {client.node.name} catches it"
    )
    hops = [*hops, trip.say(Hop("vip", detail, f"{ip}:{port}"))]
    return trip.kube_proxy(sp, CLUSTER_IP, f"{ip}:{port}", client.node, client.ip,
                           _source_kind(trip), hops)


def _external_ip(trip: Trip, sp: ServicePort, node: Node, ip: str, hops: list[Hop]) -> Step:
    detail = (
        f"{ip}:{sp.port} is an external IP of {sp.namespace}/{sp.service}; kube-proxy on "
        f"{node.name} catches it"
    )
    hops = [*hops, trip.say(Hop("vip", detail, f"{ip}:{sp.port}"))]
    client = trip.client
    if client.node is not None and client.node.name == node.name:
        source, kind = client.ip, _source_kind(trip)
    else:
        source, kind = client.ip, FROM_OTHER
    return trip.kube_proxy(sp, EXTERNAL_IP, f"{ip}:{sp.port}", node, source, kind, hops)


def _node(trip: Trip, node: Node, port: int, hops: list[Hop]) -> Step:
    client = trip.client
    if client.node is not None and client.node.name == node.name:
        source, kind = client.ip, _source_kind(trip)
    else:
        (source, hops), kind = _leave(trip, hops), FROM_OTHER
    svc = trip.world.node_ports.get(port) or {}
    sp = next((p for p in kubeproxy.service_ports(svc) if p.node_port == port), None)
    if sp is not None and sp.protocol == "TCP":
        detail = (
            f"{node.ip}:{port} is nodePort {port} of {_name(svc)} (port {sp.port}); "
            f"kube-proxy on {node.name} catches it (every node opens it)"
        )
        hops = [*hops, trip.say(Hop("nodeport", detail, f"{node.ip}:{port}"))]
        return trip.kube_proxy(sp, NODE_PORT, f"{node.ip}:{port}", node, source, kind, hops)
    for pod in trip.world.host_pods:
        if (pod.get("spec") or {}).get("nodeName") == node.name and network.listens(pod, port):
            return trip.arrive(pod, node.ip, port, source, hops)
    if (node.ip, port) in trip.world.node_listeners:
        return trip.arrive(None, node.ip, port, source, hops)
    why = f"nothing listens on {node.name} {node.ip}:{port}: the node answers with a reset"
    return trip.fail("refused", hops, "reject", why)


def _pod(trip: Trip, pod: Object, ip: str, port: int, hops: list[Hop]) -> Step:
    client, name = trip.client, pod["metadata"]["name"]
    if client.node is None:
        why = (
            f"{ip} is pod {name}'s IP; the Docker host has no route to the pod network "
            f"{CLUSTER_CIDR}: pod IPs work only inside the cluster"
        )
        return trip.fail("timeout", hops, "drop", why)
    if client.in_pod_network:
        seen, how = client.ip, "pod to pod: no Service, no kube-proxy rule, no NAT"
    else:
        here = (pod.get("spec") or {}).get("nodeName") == client.node.name
        seen = client.node.gateway if here else client.node.ip
        how = f"from {client.node.name}'s own address toward the pod, no NAT"
    hop = trip.say(Hop("snat", f"none: {how}; the pod sees {seen}", seen))
    return trip.arrive(pod, ip, port, seen, [*hops, hop])


def _internet(trip: Trip, ip: str, port: int, hops: list[Hop]) -> Step:
    _, hops = _leave(trip, hops)
    host = trip.world.internet[ip]
    if port not in INTERNET_PORTS:
        return trip.fail("timeout", hops, "drop", f"{host} ({ip}) does not answer on port {port}")
    detail = (
        f"{ip}:{port} ({host}) is outside the cluster: the packet leaves through the Docker "
        f"host, which NATs it once more, and {host} answers"
    )
    hop = trip.say(Hop("external", detail, f"{ip}:{port}"))
    return RequestResult("ok", None, None, port, None, None, (*hops, hop))


def _lost(ip: str) -> str:
    address = ipaddress.ip_address(ip)
    if address in ipaddress.ip_network(SERVICE_CIDR):
        return f"no Service has the cluster IP {ip}: no kube-proxy rule catches it"
    if address in ipaddress.ip_network(CLUSTER_CIDR):
        return f"no pod has the IP {ip}"
    if address in network.KIND_NETWORK:
        return f"no container on the kind network answers at {ip}"
    return f"nothing answers at {ip}: the simulated internet has only a few example hosts"


# -- LoadBalancer IPs ---------------------------------------------------------------------


def _load_balancer(trip: Trip, svc: Object, ip: str, port: int, hops: list[Hop]) -> Step:
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    mode = next((i.get("ipMode", "VIP") for i in ingress if i.get("ip") == ip), "VIP")
    sp = _port(svc, port)
    if mode == "Proxy":
        return _envoy(trip, svc, sp, ip, port, hops)
    if sp is None:
        return trip.fail("timeout", hops, "drop", f"no kube-proxy rule for {ip}:{port}")
    client, eligible = trip.client, [n for n in trip.world.nodes if n.lb_eligible]
    if client.node is not None:
        node, source, kind = client.node, client.ip, _source_kind(trip)
        how = f"kube-proxy on {node.name} catches it before it leaves the node"
    elif eligible:
        node, source, kind = eligible[0], client.ip, FROM_OTHER
        how = f"the load balancer delivers it unchanged to {node.name} (the first of its nodes)"
    else:
        return trip.fail("timeout", hops, "drop", f"no node serves the load balancer {ip}")
    detail = f"{ip}:{port} is the LoadBalancer IP (ipMode VIP) of {_name(svc)}: {how}"
    hops = [*hops, trip.say(Hop("loadbalancer", detail, f"{ip}:{port}"))]
    return trip.kube_proxy(sp, LB_IP, f"{ip}:{port}", node, source, kind, hops)


def envoy_container(trip: Trip, svc: Object) -> str:
    """cloud-provider-kind's container name: "kindccm-" + 6 bytes of sha256(cluster/ns/name)."""
    planes = [n.name for n in trip.world.nodes if n.control_plane]
    cluster = planes[0].removesuffix("-control-plane") if planes else "kind"
    digest = hashlib.sha256(f"{cluster}/{_name(svc)}".encode()).hexdigest()
    return f"kindccm-{digest[:12]}"


def _envoy(
    trip: Trip, svc: Object, sp: ServicePort | None, ip: str, port: int, hops: list[Hop]
) -> Step:
    source, hops = _leave(trip, hops)
    container = envoy_container(trip, svc)
    if sp is None:
        why = (
            f"{ip} is the LoadBalancer IP of {_name(svc)}: cloud-provider-kind's Envoy "
            f"({container}) has no listener on port {port} and its kernel answers with a reset"
        )
        return trip.fail("refused", hops, "reject", why)
    ranges = ((svc.get("spec") or {}).get("loadBalancerSourceRanges")) or []
    if ranges and not _in_ranges(source, ranges):
        why = (
            f"{ip}:{port}: Envoy ({container}) accepts only sources in loadBalancerSourceRanges "
            f"{', '.join(r.strip() for r in ranges)}; no filter chain matches {source}, so it "
            "closes the connection"
        )
        return trip.fail("refused", hops, "loadbalancer", why)
    nodes = [n for n in trip.world.nodes if n.lb_eligible]
    if not nodes or not sp.node_port:
        why = f"Envoy ({container}) has no node to send {ip}:{port} to and closes the connection"
        return trip.fail("refused", hops, "loadbalancer", why)
    eps = trip.endpoints(sp)
    healthy = [
        n for n in nodes
        if not sp.external_local or kubeproxy.categorize(eps, sp, n.name, n.zone).local_ready
    ]
    how = _envoy_policy(sp, healthy)
    if not healthy:
        why = (
            f"{ip}:{port}: Envoy ({container}) {how}; with no healthy node (its panic threshold "
            "is 0) it closes the client's connection"
        )
        return trip.fail("refused", hops, "loadbalancer", why)
    trip.say(Hop("loadbalancer", f"{ip}:{port}: Envoy ({container}) {how}"))
    branches = []
    for node in healthy:
        lb = Hop("loadbalancer", f"{ip}:{port} is the LoadBalancer IP of {_name(svc)}: "
                 f"Envoy ({container}) sends the connection to {node.name} ({how})", f"{ip}:{port}")
        nodeport = Hop("nodeport", f"Envoy connects from {ip} to {node.ip}:{sp.node_port}, "
                       f"nodePort of {_name(svc)}", f"{node.ip}:{sp.node_port}")
        branches.append(trip.kube_proxy(sp, NODE_PORT, f"{node.ip}:{sp.node_port}", node, ip,
                                        FROM_OTHER, [*hops, lb, nodeport], behind_envoy=True))
    hashed = None
    if sp.affinity_seconds is not None:
        hashed = int(hashlib.sha256(source.encode()).hexdigest(), 16) % len(branches)
    return Spread(tuple(branches), hashed)


def _in_ranges(source: str, ranges: list[str]) -> bool:
    """Envoy's filter_chain_match source_prefix_ranges, one per loadBalancerSourceRanges
    entry (cloud-provider-kind trims the spaces validation lets through)."""
    address = ipaddress.ip_address(source)
    for text in ranges:
        try:
            if address in ipaddress.ip_network(text.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def _envoy_policy(sp: ServicePort, healthy: list[Node]) -> str:
    names = ", ".join(n.name for n in healthy) or "none"
    if sp.external_local:
        check = (
            f"health-checks healthCheckNodePort {sp.health_check_node_port} (200 only where "
            f"a ready endpoint is local): healthy {names}"
        )
    else:
        check = f"health-checks kube-proxy on :10256/healthz: healthy {names}"
    pick = (
        "ring hash of the client address (sessionAffinity ClientIP)"
        if sp.affinity_seconds is not None
        else "lb_policy RANDOM"
    )
    return f"{check}; picks a node by {pick}"
