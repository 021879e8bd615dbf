"""Probes on a real cluster: the shell scripts a probe pod runs, and their output read back.

Every probe runs inside the cluster in an agnhost netexec pod (the image Kubernetes' own
Service e2e tests use), reached through the API server's pod proxy and netexec's
`/shell?cmd=...` endpoint. netexec answers `{"output": "...", "error": "..."}`
(test/images/agnhost/netexec/netexec.go, shellHandler: "output" is the command's combined
output, present when not empty; "error" is Go's `exit status N`, present on failure).
agnhost's image is Alpine with bind-tools (`dig`) and curl (test/images/agnhost/Dockerfile).

- resolve: read the pod's /etc/resolv.conf, walk the name through the search list as
  glibc's res_search does (kubelab.resolvconf.search_list, the rule the simulation uses too),
  and ask each absolute name with `dig`, so every name tried is shown with its answer.
- request: per request one curl process, i.e. one new TCP connection, asking netexec's
  /hostname (which pod answered) and then /clientip (the source address the pod saw) on
  that same kept-alive connection, so both answers come from the same pod. curl's
  `--write-out` adds the exit code, the addresses and the error text of each transfer.

Why not netexec's /dial (`/dial?request=hostname&host=...&port=...&tries=N`, the e2e
tests' way)? It reports the hostnames of the successful tries only, never the source
address they were seen from, and its "responses" key is left out whenever the *last*
try failed (`if len(response) > 0` in dialHandler), so outcomes cannot be paired with
tries. curl gives each request its outcome, pod and client address together.

Everything here is pure and tested with recorded outputs (tests/fixtures/kube).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from kubelab.backend import DnsRecord
from kubelab.resolvconf import ResolvConf

Object = dict[str, Any]

DIG_TIME = 2  # seconds per try
DIG_TRIES = 2
CONNECT_TIMEOUT = 3  # seconds: curl --connect-timeout
MAX_TIME = 5  # seconds: curl --max-time, like netexec's own HTTP client timeout
REQUEST_MARK = "@@kubelab-request"
TRANSFER_MARK = "@@kubelab-transfer|"
QUERY_MARK = "@@kubelab-query "
WRITE_OUT = (
    "\\n" + TRANSFER_MARK
    + "%{exitcode}|%{http_code}|%{local_ip}|%{remote_ip}|%{remote_port}|%{errormsg}\\n"
)


# -- netexec's /shell ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShellResult:
    output: str
    error: str | None  # "exit status 1" when the command failed


def parse_shell(body: bytes | str) -> ShellResult:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    data = json.loads(text)
    return ShellResult(str(data.get("output", "")), data.get("error"))


# -- resolv.conf --------------------------------------------------------------------------


def parse_resolv_conf(text: str) -> ResolvConf:
    """nameserver / search / options ndots:N, as the C library reads them (the last
    `search` line wins; ndots defaults to 1, capped at 15)."""
    servers: list[str] = []
    search: tuple[str, ...] = ()
    ndots = 1
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        key, rest = words[0], words[1:]
        if key == "nameserver" and rest:
            servers.append(rest[0])
        elif key in ("search", "domain"):
            search = tuple(d.rstrip(".") for d in rest)
        elif key == "options":
            for option in rest:
                name, _, value = option.partition(":")
                if name == "ndots" and value.isdigit():
                    ndots = min(int(value), 15)
    return ResolvConf(tuple(servers[:3]), search, ndots)


def for_namespace(conf: ResolvConf, probe_ns: str, namespace: str,
                  domain: str = "cluster.local") -> ResolvConf:
    """The resolv.conf a ClusterFirst pod in `namespace` has, from the one the probe pod
    (in `probe_ns`) has: the kubelet writes `<ns>.svc.<domain>` first, nothing else
    differs (pkg/kubelet/network/dns/dns.go, generateSearchesForDNSClusterFirst)."""
    own, wanted = f"{probe_ns}.svc.{domain}", f"{namespace}.svc.{domain}"
    search = tuple(wanted if d == own else d for d in conf.search)
    return ResolvConf(conf.nameservers, search, conf.ndots)


# -- dig ----------------------------------------------------------------------------------


def resolve_script(names: list[str], qtype: str, nameserver: str) -> str:
    """Ask each absolute name of the search walk with dig, one after the other."""
    lines: list[str] = []
    server = f"@{shlex.quote(nameserver)} " if nameserver else ""
    for name in names:
        lines.append(f"echo {shlex.quote(QUERY_MARK + name)}")
        lines.append(
            f"dig +time={DIG_TIME} +tries={DIG_TRIES} +noall +comments +answer +additional "
            f"{server}{shlex.quote(name)} {shlex.quote(qtype)}"
        )
    return "\n".join(lines)


def resolv_conf_script() -> str:
    return "cat /etc/resolv.conf"


@dataclass(frozen=True)
class DigAnswer:
    rcode: str  # NOERROR, NXDOMAIN, SERVFAIL, REFUSED...; TIMEOUT when no server answered
    answer: tuple[DnsRecord, ...]
    additional: tuple[DnsRecord, ...]


def split_queries(output: str) -> dict[str, str]:
    """The dig output of each name asked by resolve_script, by name."""
    found: dict[str, str] = {}
    current: str | None = None
    for line in output.splitlines():
        if line.startswith(QUERY_MARK):
            current = line[len(QUERY_MARK):].strip()
            found[current] = ""
        elif current is not None:
            found[current] += line + "\n"
    return found


def parse_dig(text: str) -> DigAnswer:
    """dig +noall +comments +answer +additional: the status and the two sections."""
    rcode = "TIMEOUT"
    section = ""
    answer: list[DnsRecord] = []
    additional: list[DnsRecord] = []
    for raw in text.splitlines():
        line = raw.strip()
        if "->>HEADER<<-" in line and "status:" in line:
            rcode = line.split("status:", 1)[1].split(",", 1)[0].strip()
        elif line.startswith(";;") and line.endswith("SECTION:"):
            section = line[2:].split()[0].upper()
        elif line and not line.startswith(";"):
            record = parse_record(line)
            if record is not None and section == "ANSWER":
                answer.append(record)
            elif record is not None and section == "ADDITIONAL":
                additional.append(record)
    return DigAnswer(rcode, tuple(answer), tuple(additional))


def parse_record(line: str) -> DnsRecord | None:
    """`web.default.svc.cluster.local. 30 IN A 10.96.5.7` -> DnsRecord; None if not one."""
    fields = line.split(None, 4)
    if len(fields) < 5 or fields[2] != "IN" or not fields[1].isdigit():
        return None
    name, ttl, _, rtype, value = fields
    return DnsRecord(name, rtype, " ".join(value.split()), int(ttl))


# -- curl ---------------------------------------------------------------------------------


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def request_script(host: str, port: int, n: int) -> str:
    """n curl runs, each one new connection asking /hostname then /clientip."""
    base = f"http://{url_host(host)}:{port}"
    curl = (
        f"curl -s --fail-early --connect-timeout {CONNECT_TIMEOUT} --max-time {MAX_TIME} "
        f"-w {shlex.quote(WRITE_OUT)} "
        f"{shlex.quote(base + '/hostname')} {shlex.quote(base + '/clientip')}"
    )
    return "\n".join([
        "i=0",
        f'while [ "$i" -lt {int(n)} ]; do',
        "  i=$((i+1))",
        f'  echo "{REQUEST_MARK} $i"',
        f"  {curl}",
        "done",
    ])


@dataclass(frozen=True)
class Transfer:
    """One HTTP transfer as curl's --write-out tells it."""

    exitcode: int
    http_code: int
    local_ip: str
    remote_ip: str
    remote_port: int | None
    error: str
    body: str


def parse_requests(output: str) -> list[list[Transfer]]:
    """The transfers of each request of request_script's output, in order."""
    requests: list[list[Transfer]] = []
    body: list[str] = []
    for line in output.splitlines():
        if line.startswith(REQUEST_MARK):
            requests.append([])
            body = []
        elif line.startswith(TRANSFER_MARK) and requests:
            requests[-1].append(_transfer(line[len(TRANSFER_MARK):], "\n".join(body)))
            body = []
        else:
            body.append(line)
    return requests


def _transfer(fields: str, body: str) -> Transfer:
    code, http, local, remote, port, error = ([*fields.split("|", 5), "", "", "", "", ""])[:6]
    return Transfer(
        exitcode=int(code) if code.strip().isdigit() else -1,
        http_code=int(http) if http.strip().isdigit() else 0,
        local_ip=local.strip(),
        remote_ip=remote.strip(),
        remote_port=int(port) if port.strip().isdigit() and int(port) else None,
        error=error.strip(),
        body=body.strip(),
    )


# curl's exit codes (libcurl-errors): 6 COULDNT_RESOLVE_HOST, 7 COULDNT_CONNECT,
# 28 OPERATION_TIMEDOUT, 52 GOT_NOTHING, 56 RECV_ERROR (a reset after connecting).
_OUTCOMES = {0: "ok", 6: "nxdomain", 7: "refused", 28: "timeout", 52: "refused",
             56: "refused"}


def outcome(transfer: Transfer) -> str:
    """ok / refused / timeout / nxdomain, the simulation's words for curl's exit code.
    curl 7 is also "No route to host" (an ICMP unreachable, like kube-proxy's REJECT for a
    Service without endpoints): an immediate refusal either way."""
    return _OUTCOMES.get(transfer.exitcode, "timeout")


def split_address(text: str) -> str:
    """`10.244.1.5:43210` (netexec's /clientip, Go's RemoteAddr) -> `10.244.1.5`."""
    host = text.strip().rsplit(":", 1)[0] if ":" in text else text.strip()
    return host.strip("[]")
