"""Tracking speed from the ``<seq>_time.txt`` files, measured one way for every tracker.

A time file holds one value per frame in seconds; frame 0's is the initialisation (pytracking, ODTrack,
got10k and this toolkit's runner all write it so). From the files of all sequences (and all runs):

* ``fps``: tracked frames divided by the time spent tracking them, pooled over sequences. This is the
  pytracking way (``num_frames / sum(times)`` per sequence) pooled over the benchmark, with frame 0
  excluded, so a slow initialisation (model warm-up, template encoding) does not count as tracking.
  got10k's ``speed_fps`` is the mean of ``1/t`` over frames instead, which a few near-zero times
  dominate; it is not reported (protocols.md, "Speed").
* ``init_ms``: the median over sequences of frame 0's time (the median, because the first sequence's
  initialisation often includes one-off start-up such as CUDA context creation).
* ``p50_ms``, ``p95_ms``, ``p99_ms``: percentiles of the per-frame latency of the tracked frames, pooled
  (numpy's default linear interpolation).
* ``frames``: the tracked frames counted; ``sequences``: the time files with at least one.

A value that is NaN, infinite or negative is not a time (a real-time run writes NaN for the frames it
skipped) and is left out; a time of 0 counts as a frame that took no time, as pytracking counts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["Speed", "speed_of", "SPEED_FIELDS"]


@dataclass(frozen=True)
class Speed:
    """One tracker's speed over the time files of the evaluated sequences (see the module docstring)."""

    fps: float
    init_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    frames: int
    sequences: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)

    def to_array(self) -> np.ndarray:
        """The fields as float64 in :data:`SPEED_FIELDS` order (for the results cache)."""
        return np.array([getattr(self, f) for f in SPEED_FIELDS], dtype=np.float64)

    @classmethod
    def from_array(cls, values: np.ndarray) -> Speed:
        fields = dict(zip(SPEED_FIELDS, (float(v) for v in values), strict=True))
        return cls(**{**fields, "frames": int(fields["frames"]), "sequences": int(fields["sequences"])})


#: The fields of :class:`Speed`, in the order of JSON documents and cache entries.
SPEED_FIELDS = ("fps", "init_ms", "p50_ms", "p95_ms", "p99_ms", "frames", "sequences")


def _usable(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values) & (values >= 0)]


def speed_of(times: Sequence[np.ndarray]) -> Speed | None:
    """The speed over ``times`` (one array of seconds per sequence and run, frame 0 first); None when no file has
    a usable time (with initialisation times only, the tracked-frame figures are NaN)."""
    inits, tracked = [], []
    for t in times:
        t = np.asarray(t, dtype=np.float64).ravel()
        if len(t) == 0:
            continue
        init = _usable(t[:1])
        rest = _usable(t[1:])
        if len(init):
            inits.append(float(init[0]))
        if len(rest):
            tracked.append(rest)
    if not tracked and not inits:
        return None
    if not tracked:  # (one-frame sequences: an initialisation time, nothing tracked)
        nan = float("nan")
        return Speed(nan, float(np.median(inits)) * 1000.0, nan, nan, nan, 0, 0)
    pooled = np.concatenate(tracked)
    total = float(pooled.sum())
    p50, p95, p99 = (float(v) * 1000.0 for v in np.percentile(pooled, [50, 95, 99]))
    return Speed(
        fps=len(pooled) / total if total > 0 else float("nan"),
        init_ms=float(np.median(inits)) * 1000.0 if inits else float("nan"),
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        frames=len(pooled),
        sequences=len(tracked),
    )
