"""VOT2020 multistart metrics on arrays: per-run overlaps and failure points in, per-sequence accuracy and
robustness, the EAO curve and score, and per-tag accuracy out (vot-toolkit 0.9.0 ``vot/analysis/
multistart.py``; protocols.md §9). No file is read here: :mod:`odtrack_eval.vot.analysis` reads the
trajectories and computes the overlaps.

* failure (``progress``) = start of the first ``grace`` (10) consecutive frames with overlap <= ``threshold``
  (0.1) on a non-empty ground truth; frames with an empty ground truth reset the count;
* A = Σ overlap over tracked frames / Σ tracked frames (pooled over all runs of all sequences);
  R = Σ_s (tracked_s / run frames_s) · L_s / Σ_s L_s (L_s = sequence length);
* EAO curve of ``high`` (755) entries: after a failure the run's overlaps are 0; for j >= 1 a run of
  length n contributes mean(o[1..j]) while j < n, a failed run contributes sum(o[1..n-1]) / (j-1) after
  its end (the toolkit's divisor, kept), a successful run nothing; every run weighs the same.
  EAO = mean(curve[115..754]).

Per-tag accuracy is ours (no toolkit analysis of the VOT2020 stack reports it): the pooled A restricted
to tracked frames that carry the tag, so a tag set on every frame gives A itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from odtrack_eval.protocols.multistart import VOT2020, VotProtocol
from odtrack_eval.sequence import Dataset

__all__ = ["Run", "SequenceScore", "TrackerScore", "aggregate", "eao_curve", "failure_progress", "tag_accuracy"]


@dataclass
class Run:
    """One anchor run: ``overlaps`` in proxy order (element 0 = the initialisation frame)."""

    anchor: int
    backward: bool
    overlaps: np.ndarray
    progress: int

    @property
    def length(self) -> int:
        return int(self.overlaps.size)

    @property
    def failed(self) -> bool:
        return self.progress < self.length

    def frames(self) -> np.ndarray:
        """Sequence frame index of each proxy frame."""
        step = -1 if self.backward else 1
        return self.anchor + step * np.arange(self.length)


@dataclass
class SequenceScore:
    name: str
    length: int
    runs: list[Run]

    @property
    def tracked(self) -> int:
        return sum(r.progress for r in self.runs)

    @property
    def run_frames(self) -> int:
        return sum(r.length for r in self.runs)

    @property
    def overlap_sum(self) -> float:
        return float(sum(float(np.sum(r.overlaps[: r.progress])) for r in self.runs))

    @property
    def accuracy(self) -> float:
        t = self.tracked
        return self.overlap_sum / t if t > 0 else 0.0

    @property
    def robustness(self) -> float:
        return self.tracked / self.run_frames


@dataclass
class TrackerScore:
    """Scores of one tracker (fractions in [0, 1], as vot-toolkit reports them)."""

    tracker: str
    protocol: VotProtocol
    sequences: list[SequenceScore]
    curve: np.ndarray
    eao: float
    accuracy: float
    robustness: float
    #: tag -> {"accuracy", "frames"}: pooled accuracy over tracked frames carrying the tag.
    tags: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def num_runs(self) -> int:
        return sum(len(s.runs) for s in self.sequences)

    def scores(self) -> dict[str, float]:
        return {"eao": self.eao, "accuracy": self.accuracy, "robustness": self.robustness}

    def sequence_scores(self) -> dict[str, dict[str, float]]:
        return {
            s.name: {"accuracy": s.accuracy, "robustness": s.robustness, "runs": len(s.runs),
                     "failures": sum(r.failed for r in s.runs)}
            for s in self.sequences
        }  # fmt: skip



def failure_progress(overlaps: np.ndarray, gt_empty: np.ndarray, grace: int = 10, threshold: float = 0.1) -> int:
    """Index of the first of ``grace`` consecutive frames with overlap <= threshold and a non-empty
    ground truth; the run length if there is none (the toolkit's loop, vectorised)."""
    n = overlaps.size
    if grace < 1:
        raise ValueError("grace must be >= 1")
    if n < grace:
        return n
    bad = ((overlaps <= threshold) & ~gt_empty).astype(np.int64)
    c = np.concatenate(([0], np.cumsum(bad)))
    hits = np.flatnonzero(c[grace:] - c[:-grace] == grace)
    return int(hits[0]) if hits.size else n


def eao_curve(runs: list[Run], high: int = 755) -> tuple[np.ndarray, np.ndarray]:
    """Σ contributions and Σ active per curve index (``compute_eao_partial`` without the per-sequence
    division, which the aggregation undoes)."""
    phi = np.zeros(high, dtype=np.float64)
    active = np.zeros(high, dtype=np.float64)
    j = np.arange(1, high, dtype=np.float64)
    for run in runs:
        o = run.overlaps.copy()
        o[run.progress :] = 0.0
        n = o.size
        cs = np.cumsum(o[1:])  # cs[j-1] = sum(o[1..j])
        m = min(n, high)
        if m > 1:
            phi[1:m] += cs[: m - 1] / j[: m - 1]
            active[1:m] += 1
        if run.failed and n < high:
            total = float(cs[-1]) if cs.size else 0.0
            jj = j[n - 1 :]  # curve indices n .. high-1
            with np.errstate(divide="ignore", invalid="ignore"):
                phi[n:] += np.where(jj > 1, total / (jj - 1), 0.0)
            active[n:] += 1
    return phi, active


def aggregate(
    tracker: str, sequences: list[SequenceScore], dataset: Dataset | None = None, protocol: VotProtocol = VOT2020
) -> TrackerScore:
    """A, R, EAO (and per-tag accuracy when ``dataset`` provides the tags) from per-sequence runs."""
    tracked = sum(s.tracked for s in sequences)
    accuracy = sum(s.accuracy * s.tracked for s in sequences) / tracked if tracked > 0 else 0.0
    length = sum(s.length for s in sequences)
    robustness = sum(s.robustness * s.length for s in sequences) / length if length > 0 else 0.0
    phi = np.zeros(protocol.eao_high)
    active = np.zeros(protocol.eao_high)
    for s in sequences:
        p, a = eao_curve(s.runs, protocol.eao_high)
        phi += p
        active += a
    with np.errstate(divide="ignore", invalid="ignore"):
        curve = np.where(active > 0, phi / np.where(active > 0, active, 1.0), 0.0)
    eao = float(np.mean(curve[protocol.eao_low : protocol.eao_high + 1]))
    tags = tag_accuracy(sequences, dataset) if dataset is not None else {}
    return TrackerScore(tracker, protocol, sequences, curve, eao, float(accuracy), float(robustness), tags)


def tag_accuracy(sequences: list[SequenceScore], dataset: Dataset) -> dict[str, dict[str, float]]:
    """Pooled accuracy over tracked frames carrying each tag (``*.tag`` files of the sequences)."""
    by_name = {s.name: s for s in dataset.sequences}
    sums: dict[str, list[float]] = {}
    for score in sequences:
        tags = by_name[score.name].extra.get("tags") or {}
        for tag, flags in tags.items():
            acc = sums.setdefault(tag, [0.0, 0.0])
            for run in score.runs:
                f = run.frames()[: run.progress]
                sel = np.asarray(flags, dtype=bool)[f]
                acc[0] += float(np.sum(run.overlaps[: run.progress][sel]))
                acc[1] += float(np.count_nonzero(sel))
    order = [t for t in dataset.attribute_names if t in sums] + sorted(
        t for t in sums if t not in dataset.attribute_names
    )
    return {t: {"accuracy": sums[t][0] / sums[t][1] if sums[t][1] > 0 else float("nan"), "frames": sums[t][1]}
            for t in order}  # fmt: skip
