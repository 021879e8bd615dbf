"""Keeping Python's cycle collector off the simulated cluster's objects.

A big apply fills the store with hundreds of thousands of dicts and lists that live long
and never form cycles (they are JSON). CPython's collector nevertheless walks all of them at
every full collection, and a growing heap triggers one each time it grows by a quarter:
about a fifth of the time of applying 1,000 Deployments went there. `gc.freeze()` moves
what is alive into a generation the collector skips. Objects frozen this way are still
freed by reference counting when the store drops them; only garbage *cycles* that were
alive at a freeze wait for `gc.unfreeze()`, so freezing happens rarely: once the store
has taken `FREEZE_EVERY` writes since the last time, which a lesson-sized cluster seldom
does.
"""

from __future__ import annotations

import gc

FREEZE_EVERY = 2000  # store revisions


class HeapPolicy:
    """Per cluster: when this cluster's writes last froze the heap."""

    def __init__(self) -> None:
        self._frozen_at = 0

    def after_writes(self, revision: int) -> None:
        """Called when a client request has settled; freezes after much growth."""
        if revision - self._frozen_at >= FREEZE_EVERY:
            gc.freeze()
            self._frozen_at = revision
