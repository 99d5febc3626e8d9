"""parallel.py: the one helper that spreads work over threads keeps order, raises the first error in item
order, leaves no thread running, and really runs chunks side by side."""

from __future__ import annotations

import threading
import time

import pytest

from odtrack_eval.parallel import _chunks, both, map_threads


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
@pytest.mark.parametrize("count", [0, 1, 2, 7, 100])
def test_results_come_back_in_item_order(threads: int, count: int) -> None:
    items = list(range(count))
    assert map_threads(lambda x: x * x, items, threads=threads) == [x * x for x in items]


def test_weights_balance_contiguous_chunks() -> None:
    assert _chunks(4, 2, [1, 1, 1, 100]) == [(0, 3), (3, 4)]
    assert _chunks(6, 3, None) == [(0, 2), (2, 4), (4, 6)]
    assert _chunks(3, 5, None) == [(0, 1), (1, 2), (2, 3)]
    chunks = _chunks(10, 2, [5] * 10)
    assert chunks == [(0, 5), (5, 10)]


def test_the_first_error_in_item_order_wins_and_no_thread_is_left() -> None:
    before = threading.active_count()
    done: list[int] = []

    def work(x: int) -> int:
        if x in (3, 70):  # one failure in each half
            time.sleep(0.05 if x == 3 else 0)  # the later item fails first in time
            raise ValueError(f"item {x}")
        done.append(x)
        return x

    with pytest.raises(ValueError, match="item 3"):
        map_threads(work, list(range(100)), threads=2)
    assert threading.active_count() == before
    assert 2 in done and 50 in done  # both halves ran


def test_chunks_run_in_parallel_threads() -> None:
    names: set[str] = set()
    barrier = threading.Barrier(2, timeout=5)

    def work(x: int) -> int:
        names.add(threading.current_thread().name)
        if x in (0, 1):  # the first item of each chunk waits for the other: only works side by side
            barrier.wait()
        return x

    assert map_threads(work, [0, 1], threads=2) == [0, 1]
    assert len(names) == 2


def test_on_done_reports_every_result_and_both_runs_two_jobs() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def record(result: int) -> None:
        with lock:
            seen.append(result)

    assert map_threads(lambda x: -x, list(range(20)), threads=2, on_done=record) == [-x for x in range(20)]
    assert sorted(seen) == sorted(-x for x in range(20))
    assert both(lambda: "a", lambda: 2) == ("a", 2)
    with pytest.raises(KeyError):
        both(lambda: {}["missing"], lambda: 1)
