"""Python's cyclic garbage collector, paused where a run makes many objects and no garbage
cycles: while the app loads (`entry`), and while a long file is read and checked (`bulk`, the
batch changes)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a lot is made that stays.

    Loading the app makes its modules, classes and functions, which live as long as the
    process; reading a long file makes several small objects per row and no reference cycles.
    Left running, the collector walks every object made so far again and again: before this,
    it took half the time of a 100,000-row import. Afterwards those objects are frozen (left
    out of later collections, and of the one Python makes on its way out), so turning the
    collector back on does not walk them once more. Memory is still freed as usual, by
    reference counting.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
