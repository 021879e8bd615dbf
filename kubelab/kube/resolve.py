"""A DNS answer from a real pod, shaped like the simulation's (pure functions).

The names tried come from the asking pod's real /etc/resolv.conf and the glibc search
rule the simulation uses (kubelab.resolvconf.search_list, final_rcode); each absolute name
is then asked with `dig` in that pod (probes.resolve_script), so the records and their
TTLs are the cluster DNS's own. (agnhost's image is Alpine, whose musl resolver walks the
search list a little differently; kubelab shows the glibc walk on both backends.)
"""

from __future__ import annotations

import ipaddress

from kubelab.backend import DnsAnswer
from kubelab.errors import UsageError
from kubelab.kube.probes import DigAnswer, parse_dig, split_queries
from kubelab.resolvconf import ResolvConf, final_rcode, search_list

QTYPES = ("A", "AAAA", "CNAME", "PTR", "SRV", "TXT")


def qtype_of(qtype: str) -> str:
    upper = qtype.upper()
    if upper not in QTYPES:
        raise UsageError(f"kubelab resolves record types {', '.join(QTYPES)}; got {qtype!r}")
    return upper


def checked(name: str) -> str:
    labels = name.rstrip(".").split(".")
    if not name or name == "." or not all(labels) or len(name.rstrip(".")) > 253:
        raise UsageError(f"{name!r} is not a DNS name (e.g. 'web' or 'web.default.svc')")
    return name


def candidates(name: str, qtype: str, conf: ResolvConf) -> tuple[list[str], bool]:
    """The absolute names to ask, in order, and whether the name as given goes first.
    An IP address asked for PTR becomes its reverse name, as `dig -x` makes it."""
    if qtype == "PTR":
        try:
            return [ipaddress.ip_address(name).reverse_pointer + "."], True
        except ValueError:
            pass
    return search_list(checked(name), conf)


def dns_answer(
    question: str, qtype: str, names: list[str], as_is_first: bool, output: str,
    conf: ResolvConf, client_pod: str, namespace: str,
) -> DnsAnswer:
    """Walk the dig outputs in the order the resolver asks; the first with records wins."""
    by_name = split_queries(output)
    tried: list[str] = []
    rcodes: list[str] = []
    for name in names:
        dig = parse_dig(by_name.get(name, ""))
        tried.append(name)
        rcodes.append(dig.rcode)
        if dig.rcode == "NOERROR" and dig.answer:
            return _answer(question, qtype, dig, tried, name, conf, client_pod, namespace)
    empty = DigAnswer(final_rcode(rcodes, as_is_first), (), ())
    return _answer(question, qtype, empty, tried, None, conf, client_pod, namespace)


def _answer(question: str, qtype: str, dig: DigAnswer, tried: list[str],
            answered: str | None, conf: ResolvConf, client_pod: str,
            namespace: str) -> DnsAnswer:
    return DnsAnswer(
        question=question, type=qtype, rcode=dig.rcode, records=dig.answer,
        tried=tuple(tried), answered=answered, client_pod=client_pod, namespace=namespace,
        nameserver=conf.nameservers[0] if conf.nameservers else "",
        search=conf.search, ndots=conf.ndots, additional=dig.additional,
    )


def service_of(answered: str, domain: str = "cluster.local") -> tuple[str, str] | None:
    """(namespace, service) of `<svc>.<ns>.svc.<domain>.` (or a pod's record under a
    headless Service: `<pod>.<svc>.<ns>.svc.<domain>.`), else None."""
    labels = answered.rstrip(".").lower().split(".")
    suffix = ["svc", *domain.split(".")]
    for i in range(2, len(labels) - len(suffix) + 1):
        if labels[i:] == suffix:
            return labels[i - 1], labels[i - 2]
    return None
