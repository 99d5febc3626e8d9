"""Aggregation: per-run, per-sequence statistics into one tracker's curves and scores.

Curves are averaged over runs (pytracking ``merge_results``); frame statistics are summed (GOT-10k
pools the frames of all repetitions). Read-outs follow the score schema (:mod:`.schema`) and the
protocol's read-out fields; scores are percentages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from odtrack_eval.metrics.preparation import METRICS
from odtrack_eval.metrics.schema import SCORES
from odtrack_eval.metrics.speed import Speed
from odtrack_eval.protocols import Protocol
from odtrack_eval.sequence import Dataset

__all__ = ["OPEResult", "read_out"]


def read_out(curve: np.ndarray, grid: np.ndarray, how: str, at: float | None) -> float:
    """One number from a curve: its mean, its trapezoid area over [0, 1], or its value at the grid point
    nearest ``at``."""
    if how == "mean":
        return float(np.mean(curve))
    if how == "trapz":
        return float(np.trapezoid(curve, x=np.linspace(0.0, 1.0, len(curve))))
    idx = int(np.argmin(np.abs(grid - at)))
    return float(curve[idx])


@dataclass
class OPEResult:
    """One tracker on one dataset under one protocol: per-sequence curves (averaged over runs)
    and the read-outs. All scores are percentages."""

    tracker: str
    protocol: Protocol
    sequence_names: list[str]
    curves: dict[str, np.ndarray]  # metric -> (S, K), fractions
    grids: dict[str, np.ndarray]
    frames: np.ndarray  # (S,) success denominators, summed over runs
    num_runs: int
    run_curves: list[dict[str, np.ndarray]] = field(default_factory=list)
    #: Frame-pooled statistics summed over runs: success counts (S, K), IoU sum and count over scored frames.
    success_counts: np.ndarray | None = None
    iou_sum: np.ndarray | None = None
    iou_count: np.ndarray | None = None
    #: Tracking speed from the ``_time.txt`` files (:mod:`.speed`), None without them.
    speed: Speed | None = None

    #: Keys of the per-run statistics in :attr:`run_curves` besides the metric curves.
    RUN_STAT_KEYS = ("success_counts", "frames", "iou_sum", "iou_count")

    @classmethod
    def from_runs(
        cls,
        tracker: str,
        protocol: Protocol,
        sequence_names: list[str],
        runs: Sequence[Mapping[str, np.ndarray]],
        speed: Speed | None = None,
    ) -> OPEResult:
        """Combine per-run statistics (each: the three metric curves plus :attr:`RUN_STAT_KEYS`):
        curves are averaged over runs (pytracking ``merge_results``), frame statistics are summed
        (GOT-10k pools the frames of all repetitions)."""
        runs = [dict(r) for r in runs]
        return cls(
            tracker=tracker,
            protocol=protocol,
            sequence_names=list(sequence_names),
            curves={m: np.mean([r[m] for r in runs], axis=0) for m in METRICS},
            grids={m: protocol.grid(m) for m in METRICS},
            frames=np.sum([r["frames"] for r in runs], axis=0),
            num_runs=len(runs),
            run_curves=runs,
            success_counts=np.sum([r["success_counts"] for r in runs], axis=0),
            iou_sum=np.sum([r["iou_sum"] for r in runs], axis=0),
            iou_count=np.sum([r["iou_count"] for r in runs], axis=0),
            speed=speed,
        )

    @property
    def fps(self) -> float | None:
        """Frames per second (:mod:`.speed`), None without time files."""
        return None if self.speed is None else self.speed.fps

    def per_run(self) -> list[OPEResult]:
        """One single-run result per run (for spreads over runs)."""
        return [
            OPEResult.from_runs(self.tracker, self.protocol, self.sequence_names, [r], self.speed)
            for r in self.run_curves
        ]

    def _mask(self, names: Sequence[str] | None) -> np.ndarray:
        if names is None:
            return np.ones(len(self.sequence_names), dtype=bool)
        wanted = set(names)
        return np.array([n in wanted for n in self.sequence_names], dtype=bool)

    def average_curve(self, metric: str, names: Sequence[str] | None = None) -> np.ndarray:
        """Sequence-mean curve (fractions) over ``names`` (default: all sequences)."""
        c = self.curves[metric][self._mask(names)]
        if self.protocol.drop_zero_curves:
            c = c[c.sum(axis=1) > np.finfo(np.float64).eps]
        c = c[~np.isnan(c).any(axis=1)]
        return c.mean(axis=0) if len(c) else np.full(self.curves[metric].shape[1], np.nan)

    def pooled_curve(self, names: Sequence[str] | None = None) -> np.ndarray:
        """Success curve pooled over the frames of ``names`` and all runs (GOT-10k)."""
        mask = self._mask(names)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.success_counts[mask].sum(axis=0) / self.frames[mask].sum()

    def scores(self, names: Sequence[str] | None = None) -> dict[str, float]:
        """The protocol's scores (``Protocol.metrics``) in percent over ``names`` (default: all sequences):
        AUC, precision, normalized precision, OP50, OP75 from the sequence-mean curves, or AO, SR0.5,
        SR0.75 from the frames pooled over sequences and runs (GOT-10k)."""
        p = self.protocol
        pooled = p.aggregation == "frame_pooled"
        curves: dict[str, np.ndarray] = {}
        out: dict[str, float] = {}
        for key in p.metrics:
            spec = SCORES[key]
            if spec.curve is None:  # AO: mean IoU over the scored frames of all sequences and runs
                mask = self._mask(names)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[key] = 100 * float(self.iou_sum[mask].sum() / self.iou_count[mask].sum())
                continue
            if spec.curve not in curves:
                curves[spec.curve] = self.pooled_curve(names) if pooled else self.average_curve(spec.curve, names)
            how, at = spec.readout(p)
            out[key] = 100 * read_out(curves[spec.curve], self.grids[spec.curve], how, at)
        return out

    def sequence_scores(self) -> dict[str, dict[str, float]]:
        """Per-sequence scores (percent), same keys as :meth:`scores`."""
        return {name: self.scores([name]) for name in self.sequence_names}

    def attribute_scores(self, dataset: Dataset) -> dict[str, dict[str, float]]:
        """Per-attribute scores on the subsets of sequences having each attribute, in official order."""
        evaluated = set(self.sequence_names)
        out: dict[str, dict[str, float]] = {}
        codes = list(dataset.attribute_names) or sorted({a for s in dataset for a in s.attributes})
        for code in codes:
            names = [s.name for s in dataset if code in s.attributes and s.name in evaluated]
            if len(names) < max(1, self.protocol.min_attribute_sequences):
                continue
            out[code] = {**self.scores(names), "num_sequences": len(names)}
        return out
