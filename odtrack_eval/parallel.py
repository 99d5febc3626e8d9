"""The one helper that spreads in-process work over threads.

For work that releases the GIL (reading and hashing files, the compiled kernels, large numpy
operations): with two cores it takes about half the time. Processes (the tracker runner, Ray) are
another matter and live in :mod:`odtrack_eval.runner`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from odtrack_eval.system import usable_cpus

T = TypeVar("T")
R = TypeVar("R")

__all__ = ["map_threads", "both"]


def _chunks(count: int, parts: int, weights: Sequence[int] | None) -> list[tuple[int, int]]:
    """``parts`` contiguous (start, stop) ranges over ``count`` items, balanced by ``weights`` (else by count):
    each cut is placed at the item boundary whose cumulative weight is nearest its share."""
    if weights is None:
        bounds = [round(i * count / parts) for i in range(parts + 1)]
    else:
        total = sum(weights)
        cumulative = [0]
        for w in weights:
            cumulative.append(cumulative[-1] + w)
        bounds, i = [0], 0
        for part in range(1, parts):
            target = total * part / parts
            while i < count and cumulative[i + 1] < target:
                i += 1
            cut = i if i < count and target - cumulative[i] <= cumulative[i + 1] - target else i + 1
            bounds.append(max(bounds[-1], min(cut, count)))
        bounds.append(count)
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def map_threads(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    weights: Sequence[int] | None = None,
    threads: int | None = None,
    min_items: int = 2,
    on_done: Callable[[R], None] | None = None,
) -> list[R]:
    """``[fn(x) for x in items]``, the items split into contiguous chunks done in parallel threads.

    Results come back in the order of ``items``. If calls fail, the exception of the first failing
    item in that order is raised (the one a plain loop would raise), after every thread has ended:
    nothing is left running. ``weights`` (e.g. file sizes, sequence lengths) balance the chunks;
    ``threads`` defaults to the usable CPUs; fewer than ``min_items`` items run in the calling thread.
    ``on_done(result)`` is called as each item finishes (from the thread that did it: a progress bar).
    """
    count = len(items)
    workers = min(threads if threads is not None else usable_cpus(), count)
    if on_done is not None:
        fn = _reporting(fn, on_done)
    if workers < 2 or count < max(min_items, 2):
        return [fn(x) for x in items]
    ranges = _chunks(count, workers, weights)
    results: list[list[R] | None] = [None] * len(ranges)
    errors: list[BaseException | None] = [None] * len(ranges)

    def run(index: int) -> None:
        start, stop = ranges[index]
        out: list[R] = []
        try:
            for i in range(start, stop):
                out.append(fn(items[i]))
        except BaseException as exc:  # re-raised in the caller, in item order
            errors[index] = exc
        results[index] = out

    helpers = [threading.Thread(target=run, args=(i,), name=f"odtrack-eval-{i}", daemon=True) for i in
               range(1, len(ranges))]  # fmt: skip
    for thread in helpers:
        thread.start()
    try:
        run(0)
    finally:
        for thread in helpers:
            thread.join()
    for error in errors:
        if error is not None:
            raise error
    return [r for chunk in results for r in chunk]  # type: ignore[union-attr]


def _reporting(fn: Callable[[T], R], on_done: Callable[[R], None]) -> Callable[[T], R]:
    def call(item: T) -> R:
        result = fn(item)
        on_done(result)
        return result

    return call


def both(first: Callable[[], T], second: Callable[[], R]) -> tuple[T, R]:
    """``(first(), second())``, the two run side by side (``first``'s exception wins)."""
    a, b = map_threads(lambda job: job(), [first, second])  # type: ignore[arg-type, return-value]
    return a, b  # type: ignore[return-value]
