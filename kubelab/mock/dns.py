"""Cluster DNS as a pod sees it: the resolv.conf the kubelet writes, the C library's search.

`resolve` is the client side, what `getent`/`host` in a pod do: it reads the pod's DNS
settings (dnsPolicy, hostNetwork, dnsConfig) the way the kubelet turns them into
/etc/resolv.conf (pkg/kubelet/network/dns/dns.go GetPodDNS), then walks the name through
the search list as glibc's res_search does (resolv/res_query.c __res_context_search),
asking the first nameserver. `lookup` is the server side alone: one absolute name asked
of the cluster DNS service, answered by the simulated CoreDNS (`coredns`).

A pod with ClusterFirst (the default) in namespace `ns` of kind gets:

    search ns.svc.cluster.local svc.cluster.local cluster.local
    nameserver 10.96.0.10
    options ndots:5

(plus the node's own search domains, which kind copies from the host: the simulation
takes a host without any, `internet.NODE_SEARCH`).
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass
from typing import Any

from kubelab import errors
from kubelab.backend import DnsAnswer, DnsRecord
from kubelab.mock import coredns, internet
from kubelab.mock.api import ApiServer
from kubelab.mock.cluster import CLUSTER_DOMAIN, DNS_IP
from kubelab.mock.dnsindex import index_for
from kubelab.resolvconf import ResolvConf, final_rcode, search_list

Object = dict[str, Any]

PROBE_POD = "client"  # the probe pod the backend starts when the lesson names none
DEFAULT_NDOTS = 1  # glibc resolv/res_init.c, without an ndots option
MAX_NDOTS = 15  # glibc RES_MAXNDOTS: larger values are clamped
CLUSTER_NDOTS = 5  # kubelet defaultDNSOptions for ClusterFirst pods
MAX_NAMESERVERS = 3  # validation.MaxDNSNameservers: the kubelet keeps the first three
MAX_SEARCH = 32  # validation.MaxDNSSearchPathsExpanded
MAX_SEARCH_CHARS = 2048  # validation.MaxDNSSearchListCharsExpanded


def resolve(
    api: ApiServer,
    name: str,
    qtype: str = "A",
    from_pod: str = PROBE_POD,
    namespace: str = "default",
) -> DnsAnswer:
    """Resolve `name` from a pod, the way its C library would, and say what it tried.

    `from_pod` "client" stands for the probe pod the backend starts: when no pod has that
    name, a pod with the defaults (dnsPolicy ClusterFirst) in `namespace` asks. An IP
    address asked with type PTR is turned into its in-addr.arpa name, as `dig -x` does.
    """
    qtype = _qtype(qtype)
    plans = index_for(api).plans
    key = (name, qtype, from_pod, namespace)
    plan: _Plan | None = plans.get(key)
    if plan is None:
        plan = plans[key] = _plan(api, name, qtype, from_pod, namespace)
    responses: list[coredns.Response] = []
    for candidate in plan.names:
        response = _ask(api, plan.nameserver, candidate, qtype)
        responses.append(response)
        if response.rcode == "NOERROR" and response.answer:
            break
    return plan.answer(tuple(responses))


@dataclass
class _Plan:
    """What one question from one pod amounts to at one store revision: the pod's
    resolv.conf and the names to ask. The last answer is kept: asking again gives the very
    same one unless the DNS server shuffled its records."""

    question: str
    qtype: str
    client_pod: str
    namespace: str
    conf: ResolvConf
    nameserver: str
    names: list[str]
    as_is_first: bool
    last: tuple[tuple[coredns.Response, ...], DnsAnswer] | None = None

    def answer(self, responses: tuple[coredns.Response, ...]) -> DnsAnswer:
        last = self.last
        if last is not None and len(last[0]) == len(responses) and all(
            a is b for a, b in zip(last[0], responses, strict=True)
        ):
            return last[1]
        answer = self._build(responses)
        self.last = (responses, answer)
        return answer

    def _build(self, responses: tuple[coredns.Response, ...]) -> DnsAnswer:
        tried = self.names[: len(responses)]
        final = responses[-1] if responses else None
        if final is not None and final.rcode == "NOERROR" and final.answer:
            return _answer(self.question, self.qtype, final, tried, tried[-1],
                           self.client_pod, self.namespace, self.conf)
        rcode = final_rcode([r.rcode for r in responses], self.as_is_first)
        return _answer(self.question, self.qtype, coredns.Response(rcode), tried, None,
                       self.client_pod, self.namespace, self.conf)


def _plan(api: ApiServer, name: str, qtype: str, from_pod: str, namespace: str) -> _Plan:
    pod = _client_pod(api, from_pod, namespace)
    conf = pod_resolv_conf(pod, namespace)
    nameserver = conf.nameservers[0] if conf.nameservers else "127.0.0.1"
    reverse = _reverse_name(name) if qtype == "PTR" else None
    names, as_is_first = ([reverse], True) if reverse else search_list(_checked(name), conf)
    return _Plan(name, qtype, from_pod, namespace, conf, nameserver, names, as_is_first)


def lookup(api: ApiServer, fqdn: str, qtype: str) -> tuple[str, list[DnsRecord]]:
    """Ask the cluster DNS service (CoreDNS at 10.96.0.10) for one absolute name."""
    response = coredns.serve(api, _absolute(fqdn), _qtype(qtype))
    return response.rcode, list(response.answer)


# -- the kubelet: a pod's resolv.conf ------------------------------------------------------------


def pod_resolv_conf(pod: Object | None, namespace: str) -> ResolvConf:
    """kubelet GetPodDNS: the base by dnsPolicy, then spec.dnsConfig appended.

    ClusterFirst on a hostNetwork pod falls back to Default (the node's resolv.conf);
    ClusterFirstWithHostNet keeps the cluster DNS; None starts empty.
    """
    spec = (pod or {}).get("spec") or {}
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    host_network = bool(spec.get("hostNetwork"))
    if policy == "None":
        servers: list[str] = []
        search: list[str] = []
        options: list[str] = []
    elif policy == "ClusterFirstWithHostNet" or (policy == "ClusterFirst" and not host_network):
        servers = [DNS_IP]
        search = cluster_search(namespace) + list(internet.NODE_SEARCH)
        options = [f"ndots:{CLUSTER_NDOTS}"]
    else:
        servers = [internet.NODE_NAMESERVER]
        search = list(internet.NODE_SEARCH)
        options = []
    config = spec.get("dnsConfig") or {}
    servers += config.get("nameservers") or []
    search += [s.rstrip(".") for s in config.get("searches") or []]
    options += [_option_text(o) for o in config.get("options") or []]
    return ResolvConf(
        nameservers=tuple(_unique(servers))[:MAX_NAMESERVERS],
        search=_fit_search(_unique(search)),
        ndots=_ndots(options),
    )


def cluster_search(namespace: str) -> list[str]:
    return [f"{namespace}.svc.{CLUSTER_DOMAIN}", f"svc.{CLUSTER_DOMAIN}", CLUSTER_DOMAIN]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _fit_search(search: list[str]) -> tuple[str, ...]:
    """formDNSSearchFitsLimits: at most 32 domains, none over 253 characters, 2048 in all."""
    kept = [s for s in search[:MAX_SEARCH] if len(s) <= 253]
    while kept and len(" ".join(kept)) > MAX_SEARCH_CHARS:
        kept.pop()
    return tuple(kept)


def _option_text(option: Object) -> str:
    value = option.get("value")
    return f"{option.get('name', '')}:{value}" if value is not None else str(option.get("name"))


def _ndots(options: list[str]) -> int:
    """The last ndots option wins (dnsConfig's override the kubelet's), clamped to 15."""
    ndots = DEFAULT_NDOTS
    for option in options:
        key, _, value = option.partition(":")
        if key == "ndots" and value.isdigit():
            ndots = min(int(value), MAX_NDOTS)
    return ndots


# -- helpers -------------------------------------------------------------------------------------


def _client_pod(api: ApiServer, from_pod: str, namespace: str) -> Object | None:
    pod = api.store.get("pods", namespace, from_pod)
    if pod is not None:
        return pod
    if from_pod != PROBE_POD:
        raise errors.not_found("pods", from_pod)
    if api.store.get("namespaces", "", namespace) is None:
        raise errors.not_found("namespaces", namespace)
    return None


def _ask(api: ApiServer, nameserver: str, qname: str, qtype: str) -> coredns.Response:
    """One query to one server: the cluster DNS service, or the node's resolver."""
    if nameserver == DNS_IP or nameserver in _dns_service_ips(api):
        return coredns.serve(api, qname, qtype)
    node_ips = index_for(api).node_ips if nameserver == internet.NODE_NAMESERVER else {}
    outside = internet.resolve_outside(qname, qtype, node_ips)
    return coredns.Response(outside.rcode, outside.records)


def _dns_service_ips(api: ApiServer) -> tuple[str, ...]:
    service = index_for(api).services.get(("kube-system", "kube-dns"))
    return service.cluster_ips if service is not None else ()


def _answer(
    question: str,
    qtype: str,
    response: coredns.Response,
    tried: list[str],
    answered: str | None,
    pod: str,
    namespace: str,
    conf: ResolvConf,
) -> DnsAnswer:
    return DnsAnswer(
        question=question,
        type=qtype,
        rcode=response.rcode,
        records=response.answer,
        tried=tuple(tried),
        answered=answered,
        client_pod=pod,
        namespace=namespace,
        nameserver=conf.nameservers[0] if conf.nameservers else "",
        search=conf.search,
        ndots=conf.ndots,
        additional=response.additional,
    )


@functools.lru_cache(maxsize=64)
def _qtype(qtype: str) -> str:
    upper = qtype.upper()
    if upper not in coredns.QTYPES:
        raise errors.UsageError(
            f"kubelab resolves record types {', '.join(coredns.QTYPES)}; got {qtype!r}"
        )
    return upper


@functools.lru_cache(maxsize=4096)
def _checked(name: str) -> str:
    """The name itself, if it is one a resolver can ask (the check is cached by name)."""
    labels = name.rstrip(".").split(".")
    if not name or name == "." or not all(labels) or len(name.rstrip(".")) > 253:
        raise errors.UsageError(f"{name!r} is not a DNS name (e.g. 'web' or 'web.default.svc')")
    return name


@functools.lru_cache(maxsize=4096)
def _absolute(name: str) -> str:
    """The checked name with its trailing dot."""
    name = _checked(name)
    return name if name.endswith(".") else name + "."


def _reverse_name(name: str) -> str | None:
    """An IP address asked for PTR becomes its reverse name, as `dig -x` makes it."""
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None
    return address.reverse_pointer + "."
