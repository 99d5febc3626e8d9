"""Cross-sequence batching: K sequences stepped together through one :class:`BatchTracker` (``run --batch K``).

A network like ODTrack's costs nearly the same per call for 1 or 8 search images on a GPU, so a benchmark
runs fastest when K sequences, each at its own frame and with its own state, share every network call.
The runner keeps K sequences active; when one ends its results go to the writer (atomically, as always)
and the next pending sequence takes its slot. Frames are decoded ahead by one prefetch thread per active
sequence.

Timing protocol with K > 1: frame 0 is the sequence's own ``initialize`` call; a batched ``track`` call's
wall time is shared equally by the sequences in it. Per-sequence FPS is therefore the throughput of the
batched run, not the latency a single sequence would see; the run manifest says so.

Failures: a frame that cannot be read fails that sequence only. If a batched ``track`` call raises, the
tracker must leave every state as it was (the :class:`BatchTracker` contract), and the step is retried
sequence by sequence, so only the sequence that fails on its own is lost.
"""

from __future__ import annotations

import socket
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.imageio import read_rgb
from odtrack_eval.runner.prefetch import Prefetcher
from odtrack_eval.runner.tasks import SequenceFailure, SequenceOutput, SequenceTask, box_of
from odtrack_eval.trackers.definition import TrackerDefinition
from odtrack_eval.trackers.registry import build_tracker


@dataclass
class _Active:
    task: SequenceTask
    prefetcher: Prefetcher
    frames: Iterator[np.ndarray]
    state: Any
    boxes: np.ndarray
    times: np.ndarray
    scores: np.ndarray
    next_frame: int = 1
    has_scores: bool = False
    failed: bool = False

    @property
    def finished(self) -> bool:
        return self.next_frame >= self.task.num_frames


def build_batch_tracker(definition: TrackerDefinition, device: str) -> Any:
    """Build the tracker and return its :class:`BatchTracker` (from ``batched()``), or a clear error."""
    tracker = build_tracker(definition, device)
    make = getattr(tracker, "batched", None)
    if not callable(make):
        raise OdtrackEvalError(
            f"tracker {definition.name!r} ({type(tracker).__name__}) cannot track sequences in batches (it has no "
            "batched() method); run it without --batch"
        )
    return make()


def _refill(pending: deque[SequenceTask], source: Iterator[SequenceTask]) -> bool:
    task = next(source, None)
    if task is not None:
        pending.append(task)
    return task is not None


def run_batched(
    tasks: Iterable[SequenceTask],
    batcher: Any,
    device: str,
    events: Any,
    batch: int,
    reader: Callable[[Any], np.ndarray] = read_rgb,
) -> None:
    """Track ``tasks`` K = ``batch`` at a time in this process through ``batcher``, reporting to ``events``."""
    if batch < 1:
        raise OdtrackEvalError(f"--batch must be at least 1, got {batch}")
    source = iter(tasks)  # taken one at a time (a claiming source hands out only what this process claimed)
    pending: deque[SequenceTask] = deque(task for task in [next(source, None)] if task is not None)
    active: list[_Active] = []
    host = socket.gethostname()
    clock = time.perf_counter

    def finish(a: _Active) -> None:
        a.prefetcher.close()
        scores = a.scores if a.has_scores else None
        events.done(SequenceOutput(a.task.name, a.boxes, a.times, scores, device, host))

    def fail(a: _Active | SequenceTask, exc: BaseException) -> None:
        if isinstance(a, _Active):
            a.failed = True
            a.prefetcher.close()
            a = a.task
        events.failed(SequenceFailure.from_exception(a.name, exc))

    try:
        while pending or active or _refill(pending, source):
            while len(active) < batch and (pending or _refill(pending, source)):
                task = pending.popleft()
                try:
                    started = _start(task, batcher, reader, clock)
                except Exception as exc:
                    fail(task, exc)
                    continue
                events.frames(1, float(started.times[0]))
                if started.finished:
                    finish(started)
                else:
                    active.append(started)
            stepping: list[tuple[_Active, np.ndarray]] = []
            for a in active:
                try:
                    stepping.append((a, next(a.frames)))
                except Exception as exc:  # an unreadable frame fails its sequence only
                    fail(a, exc)
            if stepping:
                _step(batcher, stepping, clock, fail, events)
            for a in active:
                if a.finished and not a.failed:
                    finish(a)
            active = [a for a in active if not (a.finished or a.failed)]
    finally:
        for a in active:
            a.prefetcher.close()


def _start(
    task: SequenceTask, batcher: Any, reader: Callable[[Any], np.ndarray], clock: Callable[[], float]
) -> _Active:
    """Open the sequence's frames and initialise it (timed on its own). Up to K sequences read ahead at
    once, so each buffers 4 frames instead of the single-sequence runner's 8."""
    prefetcher = Prefetcher(task.frame_paths, reader, depth=4, batch=2)
    frames = iter(prefetcher)
    try:
        first = next(frames)
        info = {**task.info, "init_bbox": list(task.init_bbox)}
        start = clock()
        state = batcher.initialize(first, info)
        elapsed = clock() - start
    except BaseException:
        prefetcher.close()
        raise
    n = task.num_frames
    a = _Active(task, prefetcher, frames, state, np.empty((n, 4)), np.empty(n), np.full(n, np.nan))
    a.boxes[0] = task.init_bbox
    a.times[0] = elapsed
    return a


def _step(batcher: Any, stepping: list[tuple[_Active, np.ndarray]], clock: Callable[[], float], fail, events) -> None:
    """One batched call; if it raises, the same frames again one sequence at a time."""
    start = clock()
    try:
        outs = batcher.track([(image, a.state) for a, image in stepping])
    except Exception as exc:
        if len(stepping) == 1:
            fail(stepping[0][0], exc)
        else:
            for one in stepping:
                _step(batcher, [one], clock, fail, events)
        return
    share = (clock() - start) / len(stepping)
    for (a, _), out in zip(stepping, outs, strict=True):
        i = a.next_frame
        try:
            a.boxes[i] = box_of(out, a.task.name, i)
        except Exception as exc:
            fail(a, exc)
            continue
        score = out.get("score") if isinstance(out, dict) else None
        if score is not None:
            a.scores[i] = float(score)
            a.has_scores = True
        a.times[i] = share
        a.next_frame = i + 1
    events.frames(len(stepping), share * len(stepping))
