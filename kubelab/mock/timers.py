"""Timed work of the simulated controllers: a heap of (when, key), in a fixed order."""

from __future__ import annotations

import heapq
from collections.abc import Hashable


class Timers:
    """Deadlines with keys. Ties are broken by insertion order, so runs repeat exactly."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Hashable]] = []
        self._seq = 0

    def add(self, at: float, key: Hashable) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, key))

    def pop_due(self, now: float) -> list[Hashable]:
        """Every key whose deadline has come, earliest first."""
        due = []
        while self._heap and self._heap[0][0] <= now:
            due.append(heapq.heappop(self._heap)[2])
        return due

    def next(self) -> float | None:
        return self._heap[0][0] if self._heap else None
