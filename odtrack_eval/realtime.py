"""The real-time rule: which frames a tracker processes when frames arrive at a fixed rate, and which box each
frame shows. One implementation for ``run --realtime`` (measured or fixed latencies) and ``evaluate --realtime``
(latencies from offline time files), so the two cannot drift apart.

The rule (a virtual clock in integer microseconds, so runs with a fixed latency are exact and reproducible):

* frame ``j`` arrives at ``round(j * 1e6 / fps)`` us (Python's ``round``);
* the tracker initialises on frame 0 at time 0 and is busy for frame 0's processing time;
* when it becomes free at time ``T`` it takes the newest frame it has not processed that has arrived
  (arrival <= ``T``), skipping older ones, or waits for the next frame to arrive;
* each frame shows the box of the most recently *finished* processed frame (finish time <= that frame's
  arrival), or the initial box before any has finished. So even a tracker faster than the stream shows each
  frame the previous frame's box, unless its processing takes no time (latency 0): the box of frame ``j`` is
  not known when frame ``j`` arrives (streaming perception, Li et al., ECCV 2020).

Processing times are rounded to whole microseconds.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["MAX_FPS", "Schedule", "arrivals_us", "check_rate", "decimal", "entry_name", "estimate_boxes",
           "realtime_label", "schedule", "to_us"]


#: Frame rates the microsecond clock can tell apart (at 1e6 fps two frames would arrive in one microsecond),
#: and the slowest stream taken (one frame in 1000 s).
MAX_FPS, MIN_FPS = 1e6, 1e-3


def check_rate(fps: float, option: str = "--realtime") -> float:
    """``fps`` if the virtual clock can run at it, else :class:`~odtrack_eval.errors.OdtrackEvalError` in CLI words."""
    from odtrack_eval.errors import OdtrackEvalError

    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and MIN_FPS <= fps < MAX_FPS):
        raise OdtrackEvalError(f"{option} must be a frame rate from {MIN_FPS:g} to below {MAX_FPS:.0e} frames/s, "
                               f"got {fps}")  # fmt: skip
    return float(fps)


def arrivals_us(num_frames: int, fps: float) -> list[int]:
    """Arrival time of every frame in microseconds."""
    if not 0 < fps < MAX_FPS:
        raise ValueError(f"the frame rate must be above 0 and below {MAX_FPS:.0e}, got {fps}")
    return [round(j * 1e6 / fps) for j in range(num_frames)]


def to_us(seconds: float) -> int:
    """A processing time in whole microseconds (never negative)."""
    return max(0, round(seconds * 1e6))


@dataclass(frozen=True)
class Schedule:
    """What happened on the virtual clock: the processed frames in order with their start and finish times
    (us), and for every frame the processed frame whose box it shows (0: the initial box)."""

    processed: list[int]
    start_us: list[int]
    finish_us: list[int]
    shown: np.ndarray

    def skipped(self, num_frames: int) -> int:
        return num_frames - len(self.processed)


def schedule(num_frames: int, fps: float, process: Callable[[int], float]) -> Schedule:
    """Run the rule: ``process(j)`` processes frame ``j`` (frame 0: initialisation) and returns its processing
    time in seconds; it is called for the processed frames only, in order."""
    arrive = arrivals_us(num_frames, fps)
    processed, starts, finishes = [0], [0], [to_us(process(0))]
    while processed[-1] + 1 < num_frames:
        free = finishes[-1]
        newest = bisect.bisect_right(arrive, free) - 1
        j, start = (newest, free) if newest > processed[-1] else (processed[-1] + 1, arrive[processed[-1] + 1])
        processed.append(j)
        starts.append(start)
        finishes.append(start + to_us(process(j)))
    # finish times increase along the processing order, so "most recently finished by the arrival" is the
    # last processed frame whose finish is <= the arrival
    last_done = np.searchsorted(np.asarray(finishes), np.asarray(arrive), side="right") - 1
    shown = np.where(last_done >= 0, np.asarray(processed)[np.maximum(last_done, 0)], 0)
    return Schedule(processed, starts, finishes, shown.astype(np.int64))


def estimate_boxes(boxes: np.ndarray, times: np.ndarray, fps: float) -> np.ndarray:
    """``evaluate --realtime``: the boxes an offline run would have shown against a stream of ``fps``, taking
    each frame's offline time as its processing time and its offline box as the box processing it gives (an
    estimate: in a real run the tracker would have seen other frames). Raises ValueError naming the problem
    when the times cannot drive the clock (fewer values than boxes, NaN, inf or negative values)."""
    times = np.asarray(times, dtype=np.float64).ravel()
    n = len(boxes)
    if len(times) < n:
        raise ValueError(f"{len(times)} times for {n} boxes")
    bad = np.flatnonzero(~np.isfinite(times[:n]) | (times[:n] < 0))
    if len(bad):
        raise ValueError(f"line {bad[0] + 1}: {float(times[bad[0]])!r} is not a processing time (seconds >= 0)")
    return np.asarray(boxes)[schedule(n, fps, lambda j: float(times[j])).shown]


def realtime_label(fps: float) -> str:
    """What every output of ``evaluate --realtime`` adds to a tracker's name."""
    return f"(real-time {decimal(fps)} fps, estimate)"


_LABEL = re.compile(r" \(real-time [0-9.]+ fps, estimate\)$")


def entry_name(tracker: str) -> str:
    """The results entry behind a tracker name of ``evaluate --realtime`` (its label removed)."""
    return _LABEL.sub("", tracker)


def decimal(value: float) -> str:
    """A number as plain decimals to 6 places (``29.97``, ``0.001``, ``30``): no exponent, for names and folders
    (finer than the microsecond clock is the same run)."""
    return f"{value:.6f}".rstrip("0").rstrip(".")
