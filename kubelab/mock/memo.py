"""Remembering what a pure function computed from plain data (a pod spec, a template).

Dicts cannot be dict keys, and their JSON text is not exact (a tuple and a list, 1 and "1"
as keys print alike). Their pickle is exact as to types and order, and several times
cheaper to make, so it is the key (equal data pickled differently, with a sub-object
shared, is only a miss). Data that cannot be pickled is computed every time.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Remembered(Generic[T]):
    """`compute(data)`, remembered for the latest `size` distinct data (the oldest go first)."""

    def __init__(self, compute: Callable[[Any], T], size: int = 256) -> None:
        self._compute = compute
        self._size = size
        self._values: dict[bytes, T] = {}

    def __call__(self, data: Any) -> T:
        try:
            key = pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
        except Exception:  # not plain data: computed, not remembered
            return self._compute(data)
        if key in self._values:
            return self._values[key]
        if len(self._values) >= self._size:
            del self._values[next(iter(self._values))]  # the oldest first
        value = self._values[key] = self._compute(data)
        return value
