"""Pod IPs as kind hands them out: kindnet's CNI config uses the `host-local` IPAM plugin
over the node's podCIDR.

host-local skips the network address and the gateway (.1, claimed by default), so the
first pod on a node gets .2; it remembers the last address it reserved and continues
after it, wrapping around at the end of the range, so a released address is not reused
until the range has gone round once.
Sources: kubernetes-sigs/kind images/kindnetd/cmd/kindnetd/cni.go (the ptp + host-local
config, ranges [[{subnet: podCIDR}]]); containernetworking/plugins
plugins/ipam/host-local/backend/allocator/{range.go (Canonicalize: gateway .1, end = the
last address before broadcast), allocator.go (GetIter: start after lastReservedIP)}.
"""

from __future__ import annotations

import ipaddress


class RangeFullError(Exception):
    """No free address is left in the node's pod CIDR."""


class HostLocal:
    """One node's allocator."""

    def __init__(self, cidr: str) -> None:
        network = ipaddress.ip_network(cidr, strict=False)
        self.first = int(network.network_address) + 1  # RangeStart: .1 (the gateway is skipped)
        self.last = int(network.broadcast_address) - 1  # RangeEnd: the last before broadcast
        self.gateway = int(network.network_address) + 1
        self.used: set[int] = set()
        self.last_reserved: int | None = None

    def allocate(self) -> str:
        size = self.last - self.first + 1
        start = self.first if self.last_reserved is None else self.last_reserved + 1
        for step in range(size):
            candidate = self.first + (start - self.first + step) % size
            if candidate == self.gateway or candidate in self.used:
                continue
            self.used.add(candidate)
            self.last_reserved = candidate
            return str(ipaddress.ip_address(candidate))
        raise RangeFullError("no IP addresses available in range set")

    def release(self, address: str) -> None:
        self.used.discard(int(ipaddress.ip_address(address)))
