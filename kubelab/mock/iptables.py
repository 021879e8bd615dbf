"""kube-proxy's rules for one service port, as `iptables-save` prints them on a kind node.

The rules are the ones syncProxyRules writes (pkg/proxy/iptables/proxier.go); the text
is iptables-save's normal form: addresses get their /32, `-p` comes before the matches,
matches keep the order kube-proxy gave them, and a comment is quoted unless it is made
only of letters, digits, "_" and "-" (xtables_save_string in iptables' libxtables).
"""

from __future__ import annotations

from kubelab.mock.kubeproxy import (
    CLUSTER_CIDR,
    CLUSTER_IP,
    EXTERNAL_IP,
    LB_IP,
    NODE_PORT,
    ServicePort,
    Verdict,
    saved_probability,
)

_PLAIN = set("_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
NODEPORTS_JUMP = (
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be '
    'the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS'
)
REJECT = "REJECT --reject-with icmp-port-unreachable"


def quote(comment: str) -> str:
    if comment and set(comment) <= _PLAIN:
        return comment
    escaped = "".join("\\" + c if c in "\"\\'" else c for c in comment)
    return f'"{escaped}"'


def _match(sp: ServicePort, comment: str) -> str:
    proto = sp.protocol.lower()
    return f"-p {proto} -m comment --comment {quote(comment)} -m {proto}"


def entry_rules(sp: ServicePort, entry: str, dest_ip: str, target: str) -> list[str]:
    """The KUBE-SERVICES (or KUBE-NODEPORTS) rule that catches the packet, in the nat table."""
    if entry == NODE_PORT:
        rule = f"-A KUBE-NODEPORTS {_match(sp, sp.name)} --dport {sp.node_port} -j {target}"
        return [NODEPORTS_JUMP, rule]
    word = {CLUSTER_IP: "cluster IP", LB_IP: "loadbalancer IP", EXTERNAL_IP: "external IP"}[entry]
    comment = f"{sp.name} {word}"
    return [f"-A KUBE-SERVICES -d {dest_ip}/32 {_match(sp, comment)} --dport {sp.port} -j {target}"]


def filter_rule(sp: ServicePort, entry: str, dest_ip: str, verdict: Verdict) -> str:
    """The filter-table rule that rejects (no endpoints) or drops (no local endpoints)."""
    target = REJECT if verdict.action == "reject" else "DROP"
    if entry == CLUSTER_IP:
        head = f"-A KUBE-SERVICES -d {dest_ip}/32 {_match(sp, verdict.reason)}"
        return f"{head} --dport {sp.port} -j {target}"
    if entry == NODE_PORT:
        proto = sp.protocol.lower()
        return (
            f"-A KUBE-EXTERNAL-SERVICES -p {proto} -m comment --comment {quote(verdict.reason)} "
            f"-m addrtype --dst-type LOCAL -m {proto} --dport {sp.node_port} -j {target}"
        )
    head = f"-A KUBE-EXTERNAL-SERVICES -d {dest_ip}/32 {_match(sp, verdict.reason)}"
    return f"{head} --dport {sp.port} -j {target}"


def internal_masquerade(sp: ServicePort, chain: str) -> str:
    """Traffic to the cluster IP from outside the pod network is marked for masquerade."""
    comment = quote(f"{sp.name} cluster IP")
    proto = sp.protocol.lower()
    return (
        f"-A {chain} ! -s {CLUSTER_CIDR} -d {sp.cluster_ip}/32 -p {proto} -m comment --comment "
        f"{comment} -m {proto} --dport {sp.port} -j KUBE-MARK-MASQ"
    )


def external_chain(sp: ServicePort, has_local: bool) -> list[str]:
    """The KUBE-EXT chain: masquerade and jump (Cluster), or the short-circuits (Local)."""
    ext, svc = sp.chain("KUBE-EXT-"), sp.chain("KUBE-SVC-")
    if not sp.external_local:
        comment = quote(f"masquerade traffic for {sp.name} external destinations")
        return [f"-A {ext} -m comment --comment {comment} -j KUBE-MARK-MASQ", f"-A {ext} -j {svc}"]
    pods = quote(f"pod traffic for {sp.name} external destinations")
    masq = quote(f"masquerade LOCAL traffic for {sp.name} external destinations")
    route = quote(f"route LOCAL traffic for {sp.name} external destinations")
    lines = [
        f"-A {ext} -s {CLUSTER_CIDR} -m comment --comment {pods} -j {svc}",
        f"-A {ext} -m comment --comment {masq} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ",
        f"-A {ext} -m comment --comment {route} -m addrtype --src-type LOCAL -j {svc}",
    ]
    if has_local:
        lines.append(f"-A {ext} -j {sp.chain('KUBE-SVL-')}")
    return lines


def endpoint_rules(sp: ServicePort, verdict: Verdict) -> list[str]:
    """writeServiceToEndpointRules, then one KUBE-SEP chain per endpoint."""
    chain, eps = verdict.chain, verdict.endpoints
    lines: list[str] = []
    if sp.affinity_seconds is not None:
        for ep in eps:
            sep = sp.sep_chain(ep)
            lines.append(
                f"-A {chain} -m comment --comment {quote(f'{sp.name} -> {ep.address}')} "
                f"-m recent --rcheck --seconds {sp.affinity_seconds} --reap --name {sep} "
                f"--mask 255.255.255.255 --rsource -j {sep}"
            )
    for i, ep in enumerate(eps):
        statistic = ""
        if i < len(eps) - 1:
            probability = saved_probability(len(eps) - i)
            statistic = f" -m statistic --mode random --probability {probability}"
        comment = quote(f"{sp.name} -> {ep.address}")
        lines.append(f"-A {chain} -m comment --comment {comment}{statistic} -j {sp.sep_chain(ep)}")
    proto = sp.protocol.lower()
    for ep in eps:
        sep = sp.sep_chain(ep)
        recent = ""
        if sp.affinity_seconds is not None:
            recent = f" -m recent --set --name {sep} --mask 255.255.255.255 --rsource"
        comment = quote(sp.name)
        lines.append(f"-A {sep} -s {ep.ip}/32 -m comment --comment {comment} -j KUBE-MARK-MASQ")
        lines.append(
            f"-A {sep} -p {proto} -m comment --comment {comment}{recent} -m {proto} "
            f"-j DNAT --to-destination {ep.address}"
        )
    return lines


def rules_for(
    sp: ServicePort, entry: str, dest_ip: str, verdict: Verdict, has_local: bool
) -> list[str]:
    """The rules one packet meets on its way through a node, in iptables-save form, with
    iptables-save's table headers ("*nat", "*filter")."""
    if verdict.action != "dnat":
        lines = []
        if verdict.action == "drop" and entry != CLUSTER_IP:
            lines = ["*nat", *entry_rules(sp, entry, dest_ip, sp.chain("KUBE-EXT-"))]
            lines += external_chain(sp, has_local)
        return [*lines, "*filter", filter_rule(sp, entry, dest_ip, verdict)]
    if entry == CLUSTER_IP:
        lines = ["*nat", *entry_rules(sp, entry, dest_ip, verdict.chain)]
        lines.append(internal_masquerade(sp, verdict.chain))
    else:
        lines = ["*nat", *entry_rules(sp, entry, dest_ip, sp.chain("KUBE-EXT-"))]
        lines += external_chain(sp, has_local)
    return lines + endpoint_rules(sp, verdict)
