"""Failure analysis: where a tracker loses the target, whether it finds it again, and where trackers disagree.

Definitions (docs/failures.md says the same), for one run on one sequence, with threshold ``t`` (IoU) and
minimum length ``k`` (frames):

* the **present frames** are those the protocol counts (:attr:`~.per_frame.FrameMeasures.counted`) where
  the dataset does not flag the target absent (full occlusion or out of view); only they are looked at;
  absent frames neither break nor lengthen a failure;
* a **failure** is a maximal run of at least ``k`` consecutive present frames whose IoU is below ``t``
  (shorter dips are not failures);
* a failure is **recovered** when a present frame with IoU >= ``t`` follows it (the tracker found the
  target again before the sequence ended); the **recovery rate** is recovered failures / failures;
* **frames to first failure** of a sequence: the number of frames (all frames, from frame 0) before the
  first frame of its first failure; the tracker's mean is over the sequences that fail at least once
  (sequences without a failure are counted apart, in ``sequences_failed``);
* **frames lost**: the present frames inside failures; ``lost_percent`` relates them to all present frames.

With several runs, each run's figures are computed and averaged over runs (like the per-sequence curves).

**Disagreement** of trackers on a sequence: the mean over the frames present for every tracker of
``max - min`` of the trackers' IoU on that frame (0: they agree on every frame; 1: one is exact where
another is lost), from each tracker's first run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DEFAULT_MIN_FRAMES",
    "DEFAULT_THRESHOLD",
    "Failure",
    "FailureStats",
    "find_failures",
    "failure_stats",
    "stats_of_failures",
    "frame_disagreement",
    "disagreement",
]

#: Defaults of the command options (IoU threshold, minimum number of frames).
DEFAULT_THRESHOLD = 0.1
DEFAULT_MIN_FRAMES = 10


@dataclass(frozen=True)
class Failure:
    """One failure: frames ``start`` to ``stop - 1`` of the sequence (``stop``: the first frame after its last
    present frame), ``frames``: present frames inside it, ``recovered``: a present frame with IoU >= threshold
    follows."""

    start: int
    stop: int
    frames: int
    recovered: bool


def find_failures(iou: np.ndarray, present: np.ndarray, threshold: float, min_frames: int) -> list[Failure]:
    """The failures of one sequence (see the module docstring): ``iou`` per frame, ``present`` the frames looked at."""
    if min_frames < 1:
        raise ValueError(f"min_frames must be at least 1, got {min_frames}")
    index = np.flatnonzero(present)
    if len(index) == 0:
        return []
    below = np.asarray(iou, dtype=np.float64)[index] < threshold  # (NaN is not below: callers count it 0 first)
    edges = np.diff(np.concatenate([[0], below.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # runs in present-frame positions
    out = []
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        if b - a >= min_frames:
            out.append(Failure(int(index[a]), int(index[b - 1]) + 1, b - a, b < len(index)))
    return out


@dataclass(frozen=True)
class FailureStats:
    """One tracker's failure figures over a set of sequences (see the module docstring)."""

    failures: float
    recovered: float
    sequences: int
    sequences_failed: float
    mean_frames_to_first_failure: float  # NaN: no sequence fails
    frames_lost: float
    present_frames: float

    @property
    def recovery_rate(self) -> float:
        """Recovered failures / failures, in percent (NaN without failures)."""
        return 100.0 * self.recovered / self.failures if self.failures else float("nan")

    @property
    def lost_percent(self) -> float:
        return 100.0 * self.frames_lost / self.present_frames if self.present_frames else float("nan")

    def to_dict(self) -> dict[str, float]:
        return {
            "failures": self.failures,
            "recovered": self.recovered,
            "recovery_rate": self.recovery_rate,
            "sequences": self.sequences,
            "sequences_failed": self.sequences_failed,
            "mean_frames_to_first_failure": self.mean_frames_to_first_failure,
            "frames_lost": self.frames_lost,
            "lost_percent": self.lost_percent,
        }


def _one_run(found: Sequence[list[Failure]], present: Sequence[int]) -> np.ndarray:
    """[failures, recovered, sequences failed, mean frames to first failure, frames lost, present frames]."""
    failures = recovered = failed = lost = 0
    firsts = []
    for failed_here in found:
        failures += len(failed_here)
        recovered += sum(f.recovered for f in failed_here)
        lost += sum(f.frames for f in failed_here)
        if failed_here:
            failed += 1
            firsts.append(failed_here[0].start)
    first = float(np.mean(firsts)) if firsts else float("nan")
    return np.array([failures, recovered, failed, first, lost, sum(present)], dtype=np.float64)


def failure_stats(
    runs: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]], threshold: float, min_frames: int
) -> FailureStats:
    """A tracker's figures: ``runs[r][i]`` is run r's (IoU, present frames) on sequence i; averaged over runs
    (the mean frames to first failure over the runs that fail somewhere)."""
    found = [[find_failures(iou, mask, threshold, min_frames) for iou, mask in run] for run in runs]
    present = [[int(np.count_nonzero(mask)) for _, mask in run] for run in runs]
    return stats_of_failures(found, present)


def stats_of_failures(found: Sequence[Sequence[list[Failure]]], present: Sequence[Sequence[int]]) -> FailureStats:
    """:func:`failure_stats` from failures already found: ``found[r][i]`` run r's failures on sequence i,
    ``present[r][i]`` its present frames (for callers that also list the failures: found once)."""
    rows = np.array([_one_run(f, p) for f, p in zip(found, present, strict=True)])
    mean = rows.mean(axis=0)
    firsts = rows[:, 3][~np.isnan(rows[:, 3])]
    first = float(firsts.mean()) if len(firsts) else float("nan")
    return FailureStats(float(mean[0]), float(mean[1]), len(found[0]) if found else 0, float(mean[2]), first,
                        float(mean[4]), float(mean[5]))  # fmt: skip


def frame_disagreement(ious: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Per frame, ``max - min`` of the trackers' IoU (``ious``: trackers x frames); NaN where a tracker's frame
    is not present (``present``: same shape) or with fewer than two trackers."""
    ious = np.asarray(ious, dtype=np.float64)
    if ious.ndim != 2 or ious.shape[0] < 2:
        return np.full(ious.shape[-1], np.nan)
    spread = ious.max(axis=0) - ious.min(axis=0)
    return np.where(np.asarray(present).all(axis=0), spread, np.nan)


def disagreement(per_sequence: Mapping[str, tuple[np.ndarray, np.ndarray]], top: int = 10) -> list[tuple[str, float]]:
    """The ``top`` sequences where trackers disagree most (see the module docstring), most first:
    ``per_sequence[name]`` is (trackers x frames IoU, trackers x frames present). Ties by name."""
    scored = []
    for name, (ious, present) in per_sequence.items():
        d = frame_disagreement(ious, present)
        if np.isfinite(d).any():
            scored.append((name, float(np.nanmean(d))))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:top]
