"""Python's cycle collector paused while an import builds its objects.

25,000 rows make about a million small objects (cells, records, the plan, the
account's light contacts, the report's rows), and every generation-2 pass the
allocations trigger walks all of them again: a fifth of the import's CPU phase.
None of them needs the collector (reference counting frees them as usual); it
runs again when the block ends.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The cycle collector off inside the block (nested blocks are fine)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
