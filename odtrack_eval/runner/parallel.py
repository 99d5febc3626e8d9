"""Execution backends on one machine: in-process (one worker) and a pool of worker processes.

Both report through the same :class:`Events` callbacks, so the runner writes results (in the
main process, atomically) the same way whatever executed the sequence. Worker processes are
started with ``spawn`` (safe with CUDA and with trackers that use threads), build the tracker
once, take sequences from a shared queue and are pinned round robin to the given devices.
A worker that dies (segfault, out of memory) fails only the sequence it was running and is
replaced; worker processes exit on their own if the main process is killed.

As with any ``spawn`` multiprocessing, a script that calls the runner with several workers must
guard its entry point with ``if __name__ == "__main__":`` (workers re-import the main module).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import time
from collections.abc import Iterable, Sequence, Sized
from dataclasses import dataclass
from typing import Any, Protocol

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.runner.tasks import SequenceFailure, SequenceOutput, SequenceTask, track_sequence
from odtrack_eval.trackers.definition import TrackerDefinition
from odtrack_eval.trackers.registry import TrackerBuildError, build_tracker


class Events(Protocol):
    def frames(self, count: int, tracker_seconds: float) -> None: ...
    def done(self, output: SequenceOutput) -> None: ...
    def failed(self, failure: SequenceFailure) -> None: ...


def run_serial(tasks: Iterable[SequenceTask], definition: TrackerDefinition, device: str, events: Events) -> None:
    """Track all tasks in this process (tracker built once), taking them one at a time."""
    tracker = build_tracker(definition, device)
    for task in tasks:
        try:
            output = track_sequence(tracker, task, device, events.frames)
        except Exception as exc:  # one failing sequence must not stop the others
            events.failed(SequenceFailure.from_exception(task.name, exc))
        else:
            events.done(output)


class _ParentGone(Exception):
    pass


def _worker_main(
    worker_id: int,
    definition: TrackerDefinition,
    device: str,
    tasks: Any,
    events: Any,
    parent_pid: int,
) -> None:
    """Worker process loop: build the tracker, then take tasks until a ``None`` sentinel."""

    def check_parent() -> None:
        if os.getppid() != parent_pid:
            raise _ParentGone

    try:
        tracker = build_tracker(definition, device)
    except Exception as exc:
        events.put(("fatal", worker_id, f"{type(exc).__name__}: {exc}"))
        return
    last_check = [time.monotonic()]

    def progress(count: int, seconds: float) -> None:
        events.put(("frames", worker_id, (count, seconds)))
        if time.monotonic() - last_check[0] > 1.0:
            last_check[0] = time.monotonic()
            check_parent()

    while True:
        try:
            task = tasks.get(timeout=1.0)
        except queue.Empty:
            try:
                check_parent()
            except _ParentGone:
                return
            continue
        if task is None:
            return
        events.put(("start", worker_id, task.name))
        try:
            output = track_sequence(tracker, task, device, progress)
        except _ParentGone:
            return
        except Exception as exc:
            events.put(("failed", worker_id, SequenceFailure.from_exception(task.name, exc)))
        else:
            events.put(("done", worker_id, output))


@dataclass
class _Worker:
    process: Any
    device: str
    running: str | None = None


def worker_devices(devices: Sequence[str], workers: int) -> list[str]:
    """The device of each worker: round robin over ``devices``."""
    return [devices[i % len(devices)] for i in range(workers)]


def run_pool(
    tasks: Iterable[SequenceTask],
    definition: TrackerDefinition,
    devices: Sequence[str],
    workers: int,
    events: Events,
) -> None:
    """Track tasks in ``workers`` processes; worker ``i`` runs on ``devices[i % len(devices)]``.

    Tasks are taken from ``tasks`` one at a time, when a worker is free (a claiming source hands out
    only what this process claimed, so concurrent runs split the work); ``len(tasks)``, where it
    exists, bounds the number of workers.
    """
    source = iter(tasks)
    first = next(source, None)
    if first is None:
        return
    ctx = mp.get_context("spawn")
    task_queue: Any = ctx.Queue()
    event_queue: Any = ctx.Queue()
    planned = len(tasks) if isinstance(tasks, Sized) else workers
    workers = max(1, min(workers, planned))
    pool: dict[int, _Worker] = {}
    remaining: set[str] = set()
    exhausted = [False]

    def feed(task: SequenceTask | None = None) -> None:
        """Queue one more task; once there are none, one stop sentinel per worker."""
        if exhausted[0]:
            return
        task = task if task is not None else next(source, None)
        if task is None:
            exhausted[0] = True
            for _ in pool:
                task_queue.put(None)
            return
        remaining.add(task.name)
        task_queue.put(task)

    def start(worker_id: int, device: str) -> None:
        proc = ctx.Process(
            target=_worker_main,
            args=(worker_id, definition, device, task_queue, event_queue, os.getpid()),
            name=f"odtrack-eval-worker-{worker_id}",
            daemon=True,
        )
        proc.start()
        pool[worker_id] = _Worker(proc, device)
        if exhausted[0]:
            task_queue.put(None)  # a replacement started after the last task: it stops when idle

    def top_up() -> None:
        """Keep one queued or running task per worker while there are tasks left."""
        while not exhausted[0] and len(remaining) < len(pool):
            feed()

    for i, device in enumerate(worker_devices(devices, workers)):
        start(i, device)
    feed(first)
    top_up()
    next_id = workers
    try:
        while remaining:
            try:
                kind, worker_id, payload = event_queue.get(timeout=0.5)
            except queue.Empty:
                next_id = _reap_dead(pool, remaining, events, start, next_id)
                top_up()
                continue
            if kind == "frames":
                events.frames(*payload)
            elif kind == "start":
                pool[worker_id].running = payload
            elif kind in ("done", "failed"):
                pool[worker_id].running = None
                remaining.discard(payload.name)
                (events.done if kind == "done" else events.failed)(payload)
                top_up()
            elif kind == "fatal":
                raise TrackerBuildError(f"worker on {pool[worker_id].device} could not build the tracker: {payload}")
    finally:
        for worker in pool.values():
            if worker.process.is_alive() and remaining:
                worker.process.terminate()
        if not exhausted[0]:
            for _ in pool:
                task_queue.put(None)
        for worker in pool.values():
            worker.process.join(timeout=10)
        task_queue.cancel_join_thread()
        event_queue.cancel_join_thread()


def _reap_dead(pool: dict[int, _Worker], remaining: set[str], events: Events, start: Any, next_id: int) -> int:
    """Fail the sequence of any worker that died and start a replacement while work remains."""
    for worker_id, worker in list(pool.items()):
        if worker.process.is_alive() or worker.process.exitcode == 0:
            continue
        del pool[worker_id]
        if worker.running is not None and worker.running in remaining:
            remaining.discard(worker.running)
            events.failed(
                SequenceFailure(worker.running, f"worker process died with exit code {worker.process.exitcode}")
            )
        if remaining:
            start(next_id, worker.device)
            next_id += 1
    if remaining and not any(w.process.is_alive() for w in pool.values()):
        raise OdtrackEvalError(f"all worker processes exited with {len(remaining)} sequences left")
    return next_id
