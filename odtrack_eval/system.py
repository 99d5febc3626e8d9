"""Facts about the machine that decide how work is spread, and the interpreter's garbage collector."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity set where the OS reports one, else the CPU count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@contextlib.contextmanager
def gc_paused(freeze: bool = True) -> Iterator[None]:
    """Pause the cyclic garbage collector for a bounded piece of work that allocates many objects which
    all stay alive (importing numba: ~250 collections, ~50 ms of a cold LaSOT evaluation; loading LaSOT's
    annotations from the memo: ~10 of ~40 ms). Memory is still freed by reference counting throughout.

    ``freeze``: then move everything alive into the collector's permanent generation, so that later
    collections do not scan those objects again and again (for what lives as long as the process, such
    as modules; not for data a long-lived caller may drop, whose reference cycles would never be freed).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()
