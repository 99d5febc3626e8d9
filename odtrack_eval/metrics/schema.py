"""The score schema: every score the toolkit reports, declared once.

Tables, plots, JSON, confidence intervals, ``compare`` and ``reproduce`` iterate over
:data:`SCORES` instead of keeping their own lists of keys and labels. A score says which curve it
reads and at which point (some read-outs are the protocol's choice: AUC is the curve's mean for
pytracking but a trapezoid for TrackingNet, so those name the protocol fields that decide),
whether higher is better, and how it is printed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Score", "SCORES", "score", "scores_for", "readout", "headline_keys", "ci_keys", "legend_score"]

Curve = Literal["success", "precision", "norm_precision"]


@dataclass(frozen=True)
class Score:
    """One reported score.

    ``curve``: the per-sequence curve it is read from (None: not a curve read-out, e.g. AO is the
    mean IoU, EAO comes from VOT's analysis). The read-out is ``how`` at ``at`` unless ``how_field``
    / ``at_field`` name the protocol fields that decide it. ``sequence_mean``: the score is a mean
    of per-sequence values, so resampling sequences (bootstrap intervals, paired comparisons) applies.
    ``headline``: one of the three scores a paper prints per benchmark (AUC, P_norm, P; AO, SR0.5, SR0.75;
    EAO, A, R): the several-benchmark table, per-attribute/per-sequence JSON and CIs show only these.
    """

    key: str
    label: str
    description: str
    curve: Curve | None = None
    how: Literal["mean", "trapz", "at"] | None = None
    at: float | None = None
    how_field: str | None = None
    at_field: str | None = None
    higher_is_better: bool = True
    decimals: int = 1
    unit: str = "%"
    sequence_mean: bool = False
    #: Label in a plot legend, where it differs (``P@20``).
    legend: str = ""
    headline: bool = False
    #: The curve plot whose legend shows this score, where it is not the score's own curve (AO: success).
    legend_curve: Curve | None = None
    #: Name of the plot axis showing this score or its curve, where the description does not fit
    #: (AUC is read from the success curve, whose axis is the success rate).
    axis_label: str = ""

    def readout(self, protocol: Any) -> tuple[str, float | None]:
        """(how, at) of this score under ``protocol``."""
        how = getattr(protocol, self.how_field) if self.how_field else self.how
        at = getattr(protocol, self.at_field) if self.at_field else self.at
        return how, at

    def axis_title(self) -> str:
        """Axis label of a plot of this score or its curve: ``Precision (%)``, ``Accuracy``."""
        name = self.axis_label or self.description
        name = name[:1].upper() + name[1:]
        return f"{name} ({self.unit})" if self.unit else name

    def better_first(self, value: float | None) -> float:
        """Sort key putting the best value first and NaN or missing ones last (leaderboards sort by
        their first score)."""
        try:
            v = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return math.inf
        if not math.isfinite(v):
            return math.inf
        return -v if self.higher_is_better else v


SCORES: dict[str, Score] = {
    s.key: s
    for s in (
        Score("auc", "AUC", "area under the success curve", "success", how_field="auc_readout",
              sequence_mean=True, legend="AUC", headline=True, axis_label="success rate"),
        Score("norm_precision", "P_norm", "normalized precision", "norm_precision",
              how_field="norm_precision_readout", at_field="norm_precision_at", sequence_mean=True,
              legend="P_norm@0.2", headline=True),
        Score("precision", "P", "precision", "precision", how_field="precision_readout",
              at_field="precision_at", sequence_mean=True, legend="P@20", headline=True),
        Score("op50", "OP50", "success rate at IoU 0.5", "success", how="at", at=0.5, sequence_mean=True),
        Score("op75", "OP75", "success rate at IoU 0.75", "success", how="at", at=0.75, sequence_mean=True),
        Score("ao", "AO", "average overlap (pooled over frames)", legend="AO", headline=True,
              legend_curve="success"),
        Score("sr50", "SR0.5", "success rate at IoU 0.5 (pooled over frames)", "success", how="at", at=0.5,
              headline=True),
        Score("sr75", "SR0.75", "success rate at IoU 0.75 (pooled over frames)", "success", how="at", at=0.75,
              headline=True),
        Score("eao", "EAO", "expected average overlap (VOT)", decimals=3, unit="", headline=True),
        Score("accuracy", "A", "accuracy (VOT)", decimals=3, unit="", headline=True, axis_label="accuracy"),
        Score("robustness", "R", "robustness (VOT)", decimals=3, unit="", headline=True,
              axis_label="robustness"),
        Score("fps", "FPS", "tracked frames per second (time files, frame 0 excluded)", decimals=1,
              unit="frames/s", axis_label="speed"),
        Score("init_ms", "Init ms", "initialisation time (median over sequences)", higher_is_better=False,
              decimals=1, unit="ms"),
        Score("p50_ms", "p50 ms", "median per-frame latency", higher_is_better=False, decimals=1, unit="ms"),
        Score("p95_ms", "p95 ms", "95th percentile of the per-frame latency", higher_is_better=False, decimals=1,
              unit="ms"),
        Score("p99_ms", "p99 ms", "99th percentile of the per-frame latency", higher_is_better=False, decimals=1,
              unit="ms"),
    )
}  # fmt: skip


def score(key: str) -> Score:
    """The schema entry of ``key`` (KeyError names the known keys)."""
    try:
        return SCORES[key]
    except KeyError:
        raise KeyError(f"unknown score {key!r}; known: {', '.join(SCORES)}") from None


def scores_for(keys: Iterable[str]) -> tuple[Score, ...]:
    """The schema entries of ``keys``, in the schema's (paper) order."""
    wanted = set(keys)
    return tuple(s for s in SCORES.values() if s.key in wanted)


def readout(key: str, protocol: Any) -> tuple[Curve | None, str | None, float | None]:
    """(curve, how, at) of score ``key`` under ``protocol``."""
    s = score(key)
    how, at = s.readout(protocol)
    return s.curve, how, at


def headline_keys(protocol: Any) -> tuple[str, ...]:
    """The headline scores ``protocol`` reports, in the protocol's order (the order of its JSON scores)."""
    return tuple(k for k in protocol.metrics if score(k).headline)


def ci_keys(protocol: Any) -> tuple[str, ...]:
    """The scores that get bootstrap confidence intervals, in the schema's (table) order: headline scores
    that are means over sequences, and only where the protocol averages sequences (not frame-pooled)."""
    if getattr(protocol, "aggregation", None) != "sequence_mean":
        return ()
    return tuple(s.key for s in scores_for(protocol.metrics) if s.headline and s.sequence_mean)


def legend_score(curve: Curve, protocol: Any = None) -> Score | None:
    """The score a ``curve`` plot shows in its legend: the first with a legend label on that plot among
    ``protocol.metrics`` (AUC, or AO for GOT-10k), or among all scores in schema order without a protocol."""
    keys = protocol.metrics if protocol is not None else SCORES
    for k in keys:
        s = score(k)
        if s.legend and (s.legend_curve or s.curve) == curve:
            return s
    return None
