"""The simulation keeps Python's cycle collector off its long-lived objects (mock/heap.py)."""

from __future__ import annotations

import gc

from kubelab.mock.heap import FREEZE_EVERY, HeapPolicy


def test_the_heap_is_frozen_only_after_many_writes() -> None:
    gc.unfreeze()
    policy = HeapPolicy()
    try:
        policy.after_writes(FREEZE_EVERY - 1)
        assert gc.get_freeze_count() == 0
        policy.after_writes(FREEZE_EVERY)
        assert gc.get_freeze_count() > 0
        gc.unfreeze()
        policy.after_writes(2 * FREEZE_EVERY - 1)
        assert gc.get_freeze_count() == 0  # counted from the last freeze
    finally:
        gc.unfreeze()
