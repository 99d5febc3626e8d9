"""Trackers' per-frame results on chosen sequences: what timelines, failure analysis and frame pictures read.

The evaluation keeps per-sequence curves only; pictures need every frame. This module finds the result
files the way :func:`~odtrack_eval.evaluation.evaluate_folder` does (:func:`~odtrack_eval.results.selection.
find_entries`, :func:`~odtrack_eval.results.reader.load_run`: the same layouts, names and parser) and gives,
per sequence, each tracker's boxes and :class:`~odtrack_eval.metrics.per_frame.FrameMeasures` per run, with
the dataset's own per-frame facts (absent, fully occluded, out of view).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from odtrack_eval.errors import RuleRefusal
from odtrack_eval.metrics.failures import Failure, FailureStats, disagreement, failure_stats, find_failures
from odtrack_eval.metrics.per_frame import FrameMeasures, frame_measures
from odtrack_eval.metrics.truth import truths_of
from odtrack_eval.protocols import Protocol
from odtrack_eval.results.reader import load_run
from odtrack_eval.results.selection import find_entries
from odtrack_eval.sequence import Dataset
from odtrack_eval.sequence import Sequence as DatasetSequence

__all__ = [
    "TargetFlags",
    "TrackerFrames",
    "SequenceFrames",
    "FailureAnalysis",
    "target_flags",
    "load_frame_results",
    "analyse_failures",
]


@dataclass(frozen=True)
class TargetFlags:
    """The dataset's per-frame facts about the target (None: the benchmark does not say).

    ``absent``: not visible (LaSOT's merged flag, GOT-10k's absence or full cover); ``occluded`` and
    ``out_of_view``: the two causes, where the dataset gives them apart (LaSOT's full layout and synth,
    GOT-10k's cover 0 and absence labels); annotation-only LaSOT/TNL2K roots give ``absent`` only.
    """

    absent: np.ndarray | None
    occluded: np.ndarray | None = None
    out_of_view: np.ndarray | None = None


def target_flags(seq: DatasetSequence) -> TargetFlags:
    """:class:`TargetFlags` of one sequence, from its visibility and its adapter's ``extra`` labels."""
    extra = seq.extra
    absent = None if seq.visible is None else ~np.asarray(seq.visible, dtype=bool)
    occluded = extra.get("full_occlusion")
    if occluded is None and extra.get("cover") is not None:
        occluded = np.asarray(extra["cover"]) == 0
    out_of_view = extra.get("out_of_view", extra.get("absence"))
    return TargetFlags(
        absent,
        None if occluded is None else np.asarray(occluded, dtype=bool),
        None if out_of_view is None else np.asarray(out_of_view, dtype=bool),
    )


@dataclass(frozen=True)
class TrackerFrames:
    """One tracker on one sequence: per run, the boxes as written and their :class:`FrameMeasures`."""

    tracker: str
    boxes: list[np.ndarray]
    measures: list[FrameMeasures]

    def present(self, flags: TargetFlags, run: int = 0) -> np.ndarray:
        """The frames failure analysis looks at: counted by the protocol and not flagged absent."""
        counted = self.measures[run].counted
        if flags.absent is None:
            return counted
        return counted & ~flags.absent[: len(counted)]


@dataclass(frozen=True)
class SequenceFrames:
    """One sequence: its ground truth, target flags and every tracker's per-frame results (dataset order of
    trackers as found)."""

    sequence: DatasetSequence
    flags: TargetFlags
    trackers: dict[str, TrackerFrames] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.sequence.name


def load_frame_results(
    dataset: Dataset,
    results_dir: str | Path,
    protocol: Protocol,
    *,
    trackers: list[str] | None = None,
    sequences: Sequence[str] | None = None,
    allow_missing: bool = False,
    only: Collection[str] | None = None,
) -> list[SequenceFrames]:
    """Per sequence of ``sequences`` (default: all of ``dataset``; ``--sequence`` names, exact or as
    :func:`~odtrack_eval.sequence.canonical_name`), every tracker's per-frame results under ``protocol``.

    ``trackers``: ``--tracker`` values (default: every tracker found). A tracker without a file for an asked
    sequence raises :class:`~odtrack_eval.errors.ResultsError` naming the folder, unless ``allow_missing``
    (then it is left out of that sequence). A protocol rule refusing a file raises, naming it. ``only``: the
    entry names to load (e.g. the trackers an evaluation scored; refused ones are not read).
    """
    chosen = dataset.select(sequences) if sequences else dataset
    proto = protocol.for_benchmark(dataset.tag)
    out = [SequenceFrames(seq, target_flags(seq)) for seq in chosen]
    by_name = {s.name: s for s in out}
    for entry in find_entries(Path(results_dir), dataset.tag, trackers):
        if only is not None and entry.name not in only:
            continue
        runs = [load_run(run, chosen, allow_missing=allow_missing) for run in entry.runs]
        have = [n for n in chosen.names if all(n in r.boxes for r in runs)]
        truths = truths_of(chosen.select(have)) if have else []
        per_run = []
        for r in runs:
            boxes = [r.boxes[n] for n in have]
            try:
                per_run.append(frame_measures(truths, boxes, proto))
            except RuleRefusal as refusal:  # name the file the rule refused, as the evaluation does
                raise refusal.at(r.paths[refusal.sequence]) from None
        for i, name in enumerate(have):
            by_name[name].trackers[entry.name] = TrackerFrames(
                entry.name, [r.boxes[name] for r in runs], [m[i] for m in per_run]
            )
    return out


@dataclass(frozen=True)
class FailureAnalysis:
    """Failure figures per tracker and the sequences where trackers disagree most
    (definitions: :mod:`odtrack_eval.metrics.failures`)."""

    threshold: float
    min_frames: int
    stats: dict[str, FailureStats]
    #: (sequence, mean per-frame IoU range), most disagreement first.
    disagreement: list[tuple[str, float]]
    #: sequence -> tracker -> its failures (run 1), for per-sequence listings.
    spans: dict[str, dict[str, list[Failure]]]

    @property
    def per_sequence(self) -> dict[str, dict[str, int]]:
        """sequence -> tracker -> number of failures (run 1)."""
        return {seq: {t: len(f) for t, f in by.items()} for seq, by in self.spans.items()}


def analyse_failures(
    frames: Sequence[SequenceFrames], trackers: Sequence[str], threshold: float, min_frames: int, top: int = 10
) -> FailureAnalysis:
    """The :class:`FailureAnalysis` of ``trackers`` over ``frames`` (the sequences a tracker lacks are left out
    of its figures; disagreement is over the sequences every tracker has)."""
    stats = {}
    for name in trackers:
        mine = [(f, f.trackers[name]) for f in frames if name in f.trackers]
        if not mine:
            continue
        runs = len(mine[0][1].measures)
        per_run = [[(t.measures[r].iou, t.present(f.flags, r)) for f, t in mine] for r in range(runs)]
        stats[name] = failure_stats(per_run, threshold, min_frames)
    spread = {}
    spans: dict[str, dict[str, list[Failure]]] = {}
    for f in frames:
        have = [f.trackers[n] for n in trackers if n in f.trackers]
        spans[f.name] = {
            t.tracker: find_failures(t.measures[0].iou, t.present(f.flags), threshold, min_frames) for t in have
        }
        if len(have) == len(trackers) and len(have) >= 2:
            spread[f.name] = (
                np.array([t.measures[0].iou for t in have]),
                np.array([t.present(f.flags) for t in have]),
            )
    return FailureAnalysis(threshold, min_frames, stats, disagreement(spread, top), spans)
