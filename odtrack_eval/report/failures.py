"""Failure analysis as tables, JSON and a report section (``evaluate --failures``, ``report``).

The figures are defined in :mod:`odtrack_eval.metrics.failures`; they are computed from the per-frame IoU
of :mod:`odtrack_eval.frame_results`, for the trackers and sequences an evaluation scored.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from odtrack_eval.evaluation import Evaluation
from odtrack_eval.frame_results import FailureAnalysis, SequenceFrames, analyse_failures, load_frame_results
from odtrack_eval.report.tables import Column, Table
from odtrack_eval.store import ArrayStore

__all__ = [
    "evaluation_failures",
    "evaluation_frames",
    "failure_table",
    "disagreement_table",
    "failures_dict",
    "failures_html",
]

FAILURE_COLUMNS = (
    Column("failures", "Failures", higher_is_better=False, decimals=0),
    Column("sequences_failed", "Seqs failing", higher_is_better=False, decimals=0),
    # (not ranked: a tracker that never fails has no first failure and no recovery to count, "–")
    Column("mean_frames_to_first_failure", "Frames to 1st failure", decimals=0, ranked=False),
    Column("recovery_rate", "Recovered (%)", decimals=1, ranked=False),
    Column("frames_lost", "Frames lost", higher_is_better=False, decimals=0),
    Column("lost_percent", "Lost (%)", higher_is_better=False, decimals=1),
)
#: What the figures mean, in one note under the table (module docstring of metrics.failures in short).
DEFINITION = (
    "A failure: IoU < {t:g} for at least {k} consecutive frames where the target is present (frames flagged "
    "absent are skipped); recovered: IoU >= {t:g} again before the sequence ends. Frames to 1st failure: mean "
    "over the sequences that fail. Frames lost: present frames inside failures. Several runs: mean over runs."
)


def evaluation_failures(
    evaluation: Evaluation,
    results_dir: str | Path,
    threshold: float,
    min_frames: int,
    trackers: list[str] | None = None,
) -> FailureAnalysis:
    """The failure analysis of the trackers ``evaluation`` scored, on the sequences it scored (``trackers``: the
    ``--tracker`` values it was run with)."""
    frames = evaluation_frames(evaluation, results_dir, trackers)
    return analyse_failures(frames, [r.tracker for r in evaluation.results], threshold, min_frames)


def evaluation_frames(
    evaluation: Evaluation, results_dir: str | Path, trackers: list[str] | None = None,
    store: ArrayStore | None = None,
) -> list[SequenceFrames]:
    """Per-frame results of the trackers ``evaluation`` scored, on the sequences it scored (``store``: the
    results cache)."""
    scored = {r.tracker for r in evaluation.results}
    ds = evaluation.dataset
    return load_frame_results(ds.select(evaluation.sequence_names), results_dir, evaluation.protocol,
                              trackers=trackers, only=scored, allow_missing=True, store=store)  # fmt: skip


def failure_table(analysis: FailureAnalysis, title: str = "Failures") -> Table:
    """One row per tracker (in the order analysed)."""
    rows = [(name, stats.to_dict()) for name, stats in analysis.stats.items()]
    note = DEFINITION.format(t=analysis.threshold, k=analysis.min_frames)
    return Table(f"{title} (IoU < {analysis.threshold:g} for ≥ {analysis.min_frames} frames)", FAILURE_COLUMNS,
                 rows, notes=[note])  # fmt: skip


def disagreement_table(analysis: FailureAnalysis, title: str = "Sequences where the trackers disagree most") -> Table:
    """The sequences with the largest mean per-frame IoU range between trackers (none with fewer than two)."""
    column = Column("iou_range", "Mean IoU range", decimals=3, ranked=False)
    rows = [(name, {"iou_range": value}) for name, value in analysis.disagreement]
    note = "Mean over the frames where every tracker's target is present of max - min of the trackers' IoU (run 1)."
    return Table(title, (column,), rows, notes=[note], row_label="Sequence")


def failures_dict(analysis: FailureAnalysis) -> dict[str, Any]:
    """The ``"failures"`` block of the JSON document (unrounded; NaN becomes null when written)."""
    return {
        "threshold": analysis.threshold,
        "min_frames": analysis.min_frames,
        "definition": DEFINITION.format(t=analysis.threshold, k=analysis.min_frames),
        "trackers": {name: stats.to_dict() for name, stats in analysis.stats.items()},
        "disagreement": [{"sequence": name, "iou_range": value} for name, value in analysis.disagreement],
    }


def failures_html(analysis: FailureAnalysis, table_html: Any, link: Any = None) -> str:
    """The report's section: the failure table, then the disagreement table (``link(sequence)``: the href of a
    sequence's page, to link its name)."""
    parts = [table_html(failure_table(analysis))]
    if analysis.disagreement:
        fragment = table_html(disagreement_table(analysis))
        if link is not None:
            for name, _ in analysis.disagreement:
                shown, href = html.escape(name), html.escape(link(name))
                fragment = fragment.replace(f"<td>{shown}</td>", f'<td><a href="{href}">{shown}</a></td>')
        parts.append(fragment)
    return "".join(parts)
