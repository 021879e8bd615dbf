"""The Service registry's allocators: cluster IPs and node ports, with their exact errors.

Both split their range in two bands (KEP-3070 for IPs, KEP-3668 for ports): a request
for a specific value may take any free value, but a dynamic allocation starts at a
random point of the upper band and only falls back to the lower band when the upper one
is full, so users who pick values from the lower band rarely collide with the server.

Sources (kubernetes/kubernetes): pkg/registry/core/service/ipallocator/ipallocator.go
(Allocator: first/last address, calculateRangeOffset, allocateNextService),
ipallocator/cidrallocator.go (MetaAllocator.getAllocator: an IP outside every
ServiceCIDR is ErrMismatchedNetwork), ipallocator/interfaces.go (error texts),
portallocator/allocator.go (ErrNotInRange, calculateRangeOffset),
allocator/bitmap.go (random scan with offset), portallocator/operation.go (deferred
releases that only happen on commit).
"""

from __future__ import annotations

import ipaddress
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field


class AllocationError(Exception):
    """An allocator refused a value; str() is the allocator's own error text."""


RANGE_FULL = "range is full"


class BandedAllocator:
    """Integers first..first+size-1; the lowest `static_band` of them are the static band."""

    def __init__(
        self, first: int, size: int, static_band: int, rng: random.Random, taken_text: str
    ) -> None:
        self.first = first
        self.size = size
        self.static_band = static_band
        self._rng = rng
        self._taken_text = taken_text
        self._used: set[int] = set()

    @property
    def used(self) -> frozenset[int]:
        return frozenset(self._used)

    def contains(self, value: int) -> bool:
        return self.first <= value < self.first + self.size

    def allocate(self, value: int) -> None:
        """Take a specific value (the caller has checked it is in range)."""
        if value in self._used:
            raise AllocationError(self._taken_text)
        self._used.add(value)

    def allocate_next(self) -> int:
        """A free value: random start in the upper band, then the lower band, else full."""
        upper = self._scan(self.static_band, self.size - self.static_band)
        if upper is None and self.static_band:
            upper = self._scan(0, self.static_band)
        if upper is None:
            raise AllocationError(RANGE_FULL)
        self._used.add(upper)
        return upper

    def release(self, value: int) -> None:
        self._used.discard(value)

    def _scan(self, start: int, length: int) -> int | None:
        if length <= 0:
            return None
        begin = self._rng.randrange(length)
        for step in range(length):
            value = self.first + start + (begin + step) % length
            if value not in self._used:
                return value
        return None


def _range_offset(size: int, minimum: int, maximum: int, step: int) -> int:
    """min(max(minimum, size/step), maximum), or 0 for tiny ranges (calculateRangeOffset)."""
    if size <= minimum:
        return 0
    return max(minimum, min(size // step, maximum))


_SLOPPY_V4 = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """netutils.ParseIPSloppy: like net.ParseIP, but IPv4 octets may have leading zeros."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    match = _SLOPPY_V4.match(text)
    if match and all(int(octet) <= 255 for octet in match.groups()):
        return ipaddress.IPv4Address(".".join(str(int(o)) for o in match.groups()))
    return None


class ClusterIPAllocator:
    """IPv4 cluster IPs of one ServiceCIDR (the IPAddress-backed allocator)."""

    def __init__(self, cidr: str, rng: random.Random) -> None:
        self.network = ipaddress.IPv4Network(cidr)
        first = int(self.network.network_address) + 1  # never the network address
        size = self.network.num_addresses - 2  # nor the IPv4 broadcast address
        offset = _range_offset(self.network.num_addresses, 16, 256, 16)
        self._bits = BandedAllocator(first, size, offset, rng, "provided IP is already allocated")

    @property
    def used(self) -> frozenset[str]:
        return frozenset(str(ipaddress.IPv4Address(v)) for v in self._bits.used)

    def allocate(self, ip: str) -> None:
        parsed = parse_ip(ip)
        if not isinstance(parsed, ipaddress.IPv4Address) or not self._bits.contains(int(parsed)):
            # No ServiceCIDR holds it (network and broadcast addresses count as outside).
            raise AllocationError("the provided network does not match the current range")
        self._bits.allocate(int(parsed))

    def allocate_next(self) -> str:
        return str(ipaddress.IPv4Address(self._bits.allocate_next()))

    def release(self, ip: str) -> None:
        parsed = parse_ip(ip)
        if isinstance(parsed, ipaddress.IPv4Address):
            self._bits.release(int(parsed))


class NodePortAllocator:
    """Node ports of --service-node-port-range (30000-32767 on kind)."""

    def __init__(self, low: int, high: int, rng: random.Random) -> None:
        self.low, self.high = low, high
        size = high - low + 1
        offset = _range_offset(size, 16, 128, 32)
        self._bits = BandedAllocator(low, size, offset, rng, "provided port is already allocated")

    @property
    def used(self) -> frozenset[int]:
        return self._bits.used

    def allocate(self, port: int) -> None:
        if not self._bits.contains(port):
            raise AllocationError(
                "provided port is not in the valid range. The range of valid ports is "
                f"{self.low}-{self.high}"
            )
        self._bits.allocate(port)

    def allocate_next(self) -> int:
        return self._bits.allocate_next()

    def release(self, port: int) -> None:
        self._bits.release(port)


@dataclass
class Transaction:
    """What one request allocated (undone on failure) and will release (only on success)."""

    _undo: list[Callable[[], None]] = field(default_factory=list)
    _on_commit: list[Callable[[], None]] = field(default_factory=list)

    def took(self, release: Callable[[], None]) -> None:
        self._undo.append(release)

    def release_on_commit(self, release: Callable[[], None]) -> None:
        self._on_commit.append(release)

    def commit(self) -> None:
        for release in self._on_commit:
            release()
        self._undo.clear()
        self._on_commit.clear()

    def revert(self) -> None:
        for release in reversed(self._undo):
            release()
        self._undo.clear()
        self._on_commit.clear()

    def finish(self, success: bool) -> None:
        if success:
            self.commit()
        else:
            self.revert()
