"""One sequence's work: what a worker receives, what it returns, and the timed tracking loop.

Tasks carry resolved frame paths and the initial box instead of the :class:`Sequence`, so they
pickle cheaply to worker processes and Ray actors (frame listers may be closures).

Timing protocol (recorded in the run manifest): ``time.perf_counter()`` around each
``initialize``/``track`` call only; frame 0's time is ``initialize``. Image decoding happens in
a prefetch thread and result writing after the loop, so neither is counted. This matches
pytracking, which also excludes image reading, and differs from got10k's ``Tracker.track``, which
times after PIL decoding but includes PIL-to-array conversions inside ``update``.
"""

from __future__ import annotations

import math
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.imageio import read_rgb
from odtrack_eval.runner.prefetch import Prefetcher
from odtrack_eval.sequence import Sequence

TIMING_PROTOCOL = (
    "seconds of wall time (time.perf_counter) spent inside tracker.initialize (frame 0) and "
    "tracker.track (frames 1..N-1); image decoding runs in a prefetch thread and is excluded, as is "
    "writing results"
)

#: How times are recorded with ``run --batch K`` (:mod:`odtrack_eval.runner.batched`).
BATCH_TIMING_PROTOCOL = (
    "with --batch K: frame 0 is the sequence's own initialize call; each batched track call's wall time "
    "(time.perf_counter) is divided equally among the sequences it stepped (throughput, not latency)"
)

#: progress callback: (frames finished since last call, tracker seconds spent on them)
ProgressFn = Callable[[int, float], None]


@dataclass(frozen=True)
class SequenceTask:
    """Everything a worker needs to track one sequence."""

    name: str
    frame_paths: tuple[str, ...]
    init_bbox: tuple[float, float, float, float]
    info: dict[str, Any] = field(default_factory=dict)
    #: ``run --realtime``: (frames per second of the stream, fixed latency in seconds or None: measured).
    realtime: tuple[float, float | None] | None = None

    @property
    def num_frames(self) -> int:
        return len(self.frame_paths)


@dataclass
class SequenceOutput:
    name: str
    boxes: np.ndarray
    times: np.ndarray
    scores: np.ndarray | None
    device: str
    host: str


@dataclass
class SequenceFailure:
    name: str
    error: str
    traceback: str = ""

    @classmethod
    def from_exception(cls, name: str, exc: BaseException) -> SequenceFailure:
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(name, f"{type(exc).__name__}: {exc}", tb[-4000:])


class SequenceError(OdtrackEvalError):
    """A sequence cannot be run (missing frames, bad tracker output)."""


def make_task(sequence: Sequence, realtime: tuple[float, float | None] | None = None) -> SequenceTask:
    """Resolve the frames the protocol evaluates (``num_frames``, taken from the ground truth)."""
    n = sequence.num_frames
    if n < 1:
        raise SequenceError(f"sequence {sequence.name!r} has no frames to track")
    paths = sequence.frame_paths()
    if len(paths) < n:
        raise SequenceError(
            f"sequence {sequence.name!r}: {len(paths)} frame files for {n} annotated frames"
            + (f" (first expected file {paths[0]})" if paths else "")
        )
    init = tuple(float(v) for v in sequence.init_box)
    if not all(math.isfinite(v) for v in init) or init[2] <= 0 or init[3] <= 0:
        raise SequenceError(f"sequence {sequence.name!r}: invalid initial box {list(init)} (expected w, h > 0)")
    info: dict[str, Any] = {"sequence_name": sequence.name}
    language = sequence.extra.get("language", sequence.extra.get("nlp"))
    if language is not None:
        info["language"] = language
    return SequenceTask(sequence.name, tuple(str(p) for p in paths[:n]), init, info, realtime)  # type: ignore[arg-type]


def box_of(out: Any, name: str, frame: int) -> list[float]:
    try:
        box = out["target_bbox"]
        values = [float(v) for v in box]
    except (TypeError, KeyError, ValueError) as exc:
        raise SequenceError(
            f"{name} frame {frame + 1}: tracker.track returned {out!r:.200}, expected {{'target_bbox': [x, y, w, h]}}"
        ) from exc
    if len(values) != 4:
        raise SequenceError(f"{name} frame {frame + 1}: target_bbox has {len(values)} values, expected 4 (x, y, w, h)")
    return values


def call_tracker(
    tracker: Any, task: SequenceTask, frame: int, image: np.ndarray, previous: Any
) -> tuple[Any, float, list[float], float | None]:
    """One timed call: ``initialize`` on frame 0, ``track`` after it (given the previous output). Returns what
    the next call gets as the previous output, the call's wall time, the frame's box and its score (or None)."""
    clock = time.perf_counter
    if frame == 0:
        start = clock()
        out = tracker.initialize(image, {**task.info, "init_bbox": list(task.init_bbox)})
        elapsed = clock() - start
        carried = out if isinstance(out, dict) else {"target_bbox": list(task.init_bbox)}
        return carried, elapsed, list(task.init_bbox), None
    start = clock()
    out = tracker.track(image, {"previous_output": previous})
    elapsed = clock() - start
    score = out.get("score") if isinstance(out, dict) else None
    return out, elapsed, box_of(out, task.name, frame), None if score is None else float(score)


def track_sequence(
    tracker: Any,
    task: SequenceTask,
    device: str = "cpu",
    progress: ProgressFn | None = None,
    reader: Callable[[Any], np.ndarray] = read_rgb,
    report_every: float = 0.2,
) -> SequenceOutput:
    """Run ``tracker`` over ``task``'s frames and return boxes and per-frame times (against a stream on a
    virtual clock when the task says ``realtime``: :mod:`odtrack_eval.runner.realtime`)."""
    if task.realtime is not None:
        from odtrack_eval.runner.realtime import track_realtime

        return track_realtime(tracker, task, *task.realtime, device=device, progress=progress, reader=reader)
    n = task.num_frames
    boxes = np.empty((n, 4), dtype=np.float64)
    times = np.empty(n, dtype=np.float64)
    scores = np.full(n, np.nan)
    have_scores = False
    clock = time.perf_counter
    pending_frames, pending_time, last_report = 0, 0.0, clock()
    previous: Any = None
    with Prefetcher(task.frame_paths, reader) as frames:
        for i, image in enumerate(frames):
            previous, elapsed, boxes[i], score = call_tracker(tracker, task, i, image, previous)
            if score is not None:
                scores[i] = score
                have_scores = True
            times[i] = elapsed
            if progress is not None:
                pending_frames += 1
                pending_time += elapsed
                now = clock()
                if now - last_report >= report_every:
                    progress(pending_frames, pending_time)
                    pending_frames, pending_time, last_report = 0, 0.0, now
    if progress is not None and pending_frames:
        progress(pending_frames, pending_time)
    return SequenceOutput(task.name, boxes, times, scores if have_scores else None, device, socket.gethostname())
