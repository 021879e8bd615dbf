"""The target of a request as a learner writes it: NAME[:PORT], IP[:PORT] or a URL.

Shared by both backends, so `lab.request("web:8080")` means the same on each.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from kubelab import errors


@dataclass(frozen=True)
class Target:
    host: str
    port: int | None  # None: not given
    is_ip: bool


def parse_target(text: str) -> Target:
    """NAME[:PORT] or IP[:PORT], or a URL such as http://web:8080/hostname.

    The scheme and path are ignored: the simulation only connects.
    """
    raw = text.strip()
    if not raw:
        raise errors.UsageError("request() needs a target: a name or an IP, with :port if needed")
    parts = urlsplit(raw if "://" in raw else f"tcp://{raw}")
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError:
        raise errors.UsageError(f"{text!r}: the port must be a number from 1 to 65535") from None
    if not host or port == 0:
        raise errors.UsageError(f"{text!r} is not a target: use NAME[:PORT] or IP[:PORT]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return Target(host, port, False)
    if address.version != 4:
        raise errors.UsageError(
            "kubelab's clusters are IPv4 only (kind's default): give an IPv4 address")
    return Target(host, port, True)
