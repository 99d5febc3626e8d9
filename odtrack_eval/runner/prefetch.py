"""Decode frames ahead of the tracker in a background thread.

OpenCV releases the GIL while reading and decoding, so the next frames are decoded while the
tracker works on the current one, and decoding never enters the recorded per-frame time.

Hand-off is batched: a waiting consumer is woken once ``batch`` frames are ready (or the
sequence ended), and a producer waiting for room once ``batch`` slots are free. With a fast
tracker this cuts thread wake-ups (and their cost on a busy machine) by that factor compared
with a per-frame ``queue.Queue``; with a slow tracker the buffer simply stays full.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

_END = object()


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException):
        self.exc = exc


class Prefetcher:
    """Iterate decoded frames of ``paths`` in order, reading up to ``depth`` frames ahead.

    Use as a context manager so the reader thread stops if the consumer leaves early. A read
    error is re-raised in the consumer at the frame where it happened.
    """

    def __init__(
        self,
        paths: Sequence[str | Path],
        reader: Callable[[str | Path], np.ndarray],
        depth: int = 8,
        batch: int = 4,
    ):
        self._paths = paths
        self._reader = reader
        self._depth = max(1, depth)
        self._batch = max(1, min(batch, self._depth))
        self._items: deque[Any] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._finished = False  # producer appended its last item
        self._consumer_waiting = False
        self._producer_waiting = False
        self._stop = False
        self._thread = threading.Thread(target=self._work, name="frame-prefetch", daemon=True)

    def _push(self, item: Any, last: bool) -> None:
        with self._cond:
            self._items.append(item)
            if last:
                self._finished = True
            if self._consumer_waiting and (last or len(self._items) >= self._batch):
                self._cond.notify()
            while len(self._items) >= self._depth and not self._stop:
                self._producer_waiting = True
                self._cond.wait(0.01)  # timeout bounds a (rare) missed wake-up
            self._producer_waiting = False

    def _work(self) -> None:
        try:
            for path in self._paths:
                if self._stop:
                    return
                self._push(self._reader(path), False)
        except BaseException as exc:  # delivered to the consumer, which re-raises it
            self._push(_Failure(exc), True)
            return
        self._push(_END, True)

    def __enter__(self) -> Prefetcher:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _wait(self) -> None:
        with self._cond:
            while len(self._items) < self._batch and not self._finished:
                self._consumer_waiting = True
                self._cond.wait()
            self._consumer_waiting = False

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._thread.ident is None:
            self._thread.start()
        items, cond, room = self._items, self._cond, self._depth - self._batch
        while True:
            if not items:
                self._wait()
            item = items.popleft()
            if self._producer_waiting and len(items) <= room:
                with cond:
                    cond.notify()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item
