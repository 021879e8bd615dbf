"""Requests from outside the cluster: from this computer, straight to a node port or a
LoadBalancer IP, the way `curl` on the host reaches them.

On Linux the kind network (172.18.0.0/16) is routed from the host, so node IPs and
cloud-provider-kind's load balancer IPs answer directly. Docker Desktop on macOS and
Windows cannot reach them: there `kubelab up` maps node ports 30080-30082 of the first
worker to 127.0.0.1, so `lab.request("localhost:30080", from_outside=True)` works.

Each request is one new connection asking /hostname then /clientip on it (keep-alive),
like the in-cluster probe; failures get curl's exit codes, so one function
(hops.result) reads both.
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Callable

from kubelab.kube.probes import CONNECT_TIMEOUT, MAX_TIME, Transfer

Connect = Callable[[str, int, float], http.client.HTTPConnection]


def connect_http(host: str, port: int, timeout: float) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(host, port, timeout=timeout)


def _failure(exc: BaseException) -> Transfer:
    if isinstance(exc, socket.gaierror):
        code = 6
    elif isinstance(exc, (TimeoutError, socket.timeout)):
        code = 28
    elif isinstance(exc, (ConnectionRefusedError, ConnectionResetError)):
        code = 7
    elif isinstance(exc, OSError) and exc.errno is not None:
        code = 7  # e.g. no route to host: refused at once
    else:
        code = 28
    return Transfer(code, 0, "", "", None, str(exc) or type(exc).__name__, "")


def one_request(host: str, port: int, connect: Connect = connect_http) -> list[Transfer]:
    """/hostname then /clientip on one connection; curl's view of each transfer."""
    transfers: list[Transfer] = []
    conn = connect(host, port, float(CONNECT_TIMEOUT))
    try:
        for path in ("/hostname", "/clientip"):
            conn.request("GET", path)
            if conn.sock is not None:
                conn.sock.settimeout(MAX_TIME)
            response = conn.getresponse()
            body = response.read().decode("utf-8", errors="replace")
            local = conn.sock.getsockname()[0] if conn.sock is not None else ""
            remote = conn.sock.getpeername() if conn.sock is not None else ("", None)
            transfers.append(Transfer(0, response.status, local, remote[0], remote[1], "",
                                      body.strip()))
    except (OSError, http.client.HTTPException) as exc:
        transfers.append(_failure(exc))
    finally:
        conn.close()
    return transfers


def resolve_here(name: str) -> str | None:
    """The host's own resolver: an IPv4 address for name, None if it has none."""
    try:
        infos = socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return None
    return str(infos[0][4][0]) if infos else None
