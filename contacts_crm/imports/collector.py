"""Python's cycle collector paused while an import builds its objects.

25,000 rows make about a million small objects (cells, records, the plan, the
account's light contacts, the report's rows), and every collection the
allocations trigger walks all of them again: a fifth of the import's CPU phase.
None of them needs the collector (reference counting frees them as usual).

When the block ends, the objects it left alive are frozen (``gc.freeze``) before
the collector runs again: otherwise its next young-generation pass walks every one
of them at once (0.3 s after a 25,000-row plan) and the older passes walk them
again as they age. Frozen objects are still freed when nothing refers to them;
only a reference cycle among them would wait for ``gc.unfreeze`` (the import
builds none: ``tests/imports/test_collector.py``).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The cycle collector off inside the block (nested blocks are fine); what the
    block built is left out of later collections."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.freeze()
            gc.enable()
