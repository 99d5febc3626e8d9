"""``run --realtime FPS [--latency S]``: one sequence tracked against a stream on a virtual clock.

The schedule is :func:`odtrack_eval.realtime.schedule`; here the tracker does the processing. Frames are read
only when the tracker takes them (reading is not timed, as in offline runs). A frame's processing time is the
measured wall time of its ``initialize``/``track`` call, or the fixed ``--latency``, which makes the run
deterministic and the same on every machine.

Outputs are ordinary result files: per frame the box it shows under the rule; ``_time.txt`` holds the
processing time of each processed frame (the fixed latency with ``--latency``) and NaN for skipped frames;
``_score.txt`` the score of the box shown.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import numpy as np

from odtrack_eval.imageio import read_rgb
from odtrack_eval.realtime import schedule
from odtrack_eval.runner.tasks import ProgressFn, SequenceOutput, SequenceTask, call_tracker

#: How a real-time run is described in its manifest.
RULE = (
    "frame j arrives at round(j*1e6/fps) us; the tracker initialises on frame 0 at time 0; when free at T it "
    "takes the newest arrived frame it has not processed (arrival <= T), skipping older ones, or waits for the "
    "next; each frame shows the box of the most recently finished processed frame (finish <= its arrival), or "
    "the initial box before any has finished; processing time = measured wall time of the call, or --latency"
)


def track_realtime(
    tracker: Any,
    task: SequenceTask,
    fps: float,
    latency: float | None,
    device: str = "cpu",
    progress: ProgressFn | None = None,
    reader: Callable[[Any], np.ndarray] = read_rgb,
) -> SequenceOutput:
    """Track ``task`` against a stream of ``fps`` frames per second (see the module docstring)."""
    n = task.num_frames
    boxes = np.empty((n, 4), dtype=np.float64)
    times = np.full(n, np.nan)
    scores = np.full(n, np.nan)
    have_scores = False
    previous: Any = None
    last = -1  # the last processed frame (progress counts the skipped frames with the next processed one)

    def process(j: int) -> float:
        nonlocal previous, have_scores, last
        image = reader(task.frame_paths[j])
        previous, elapsed, boxes[j], score = call_tracker(tracker, task, j, image, previous)
        if score is not None:
            scores[j] = score
            have_scores = True
        times[j] = elapsed if latency is None else latency
        if progress is not None:
            progress(j - last, elapsed)
        last = j
        return times[j]

    plan = schedule(n, fps, process)
    shown = plan.shown
    return SequenceOutput(task.name, boxes[shown], times, scores[shown] if have_scores else None, device,
                          socket.gethostname())  # fmt: skip
