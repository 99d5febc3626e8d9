"""Trackers' per-frame results on chosen sequences: what timelines, failure analysis and frame pictures read.

The evaluation keeps per-sequence curves only; pictures need every frame. This module finds the result
files the way :func:`~odtrack_eval.evaluation.evaluate_folder` does (:func:`~odtrack_eval.results.selection.
find_entries`, :func:`~odtrack_eval.results.reader.load_run`: the same layouts, names and parser) and gives,
per sequence, each tracker's boxes and :class:`~odtrack_eval.metrics.per_frame.FrameMeasures` per run, with
the dataset's own per-frame facts (absent, fully occluded, out of view).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from odtrack_eval.errors import RuleRefusal
from odtrack_eval.hashing import KeyBuilder, source_digest
from odtrack_eval.metrics.failures import Failure, FailureStats, disagreement, find_failures, stats_of_failures
from odtrack_eval.metrics.per_frame import FrameMeasures, frame_measures
from odtrack_eval.metrics.truth import truth_digest, truths_of
from odtrack_eval.protocols import Protocol
from odtrack_eval.results.layout import RunFiles, TrackerRuns
from odtrack_eval.results.listing import list_run
from odtrack_eval.results.reader import load_run
from odtrack_eval.results.reading import digest_files
from odtrack_eval.results.selection import find_entries
from odtrack_eval.sequence import Dataset
from odtrack_eval.sequence import Sequence as DatasetSequence
from odtrack_eval.store import ArrayStore

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
    store: ArrayStore | None = None,
) -> list[SequenceFrames]:
    """Per sequence of ``sequences`` (default: all of ``dataset``; ``--sequence`` names, exact or as
    :func:`~odtrack_eval.sequence.canonical_name`), every tracker's per-frame results under ``protocol``.

    ``trackers``: ``--tracker`` values (default: every tracker found). A tracker without a file for an asked
    sequence raises :class:`~odtrack_eval.errors.ResultsError` naming the folder, unless ``allow_missing``
    (then it is left out of that sequence). A protocol rule refusing a file raises, naming it. ``only``: the
    entry names to load (e.g. the trackers an evaluation scored; refused ones are not read). ``store``: keep
    each entry's results under a key of its box files' bytes, the ground truth, the protocol and this code, as
    the evaluation does, so a rerun only hashes the files.
    """
    chosen = dataset.select(sequences) if sequences else dataset
    proto = protocol.for_benchmark(dataset.tag)
    out = [SequenceFrames(seq, target_flags(seq)) for seq in chosen]
    by_name = {s.name: s for s in out}
    base = _base_key(chosen, proto, allow_missing) if store is not None else ""
    for entry in find_entries(Path(results_dir), dataset.tag, trackers):
        if only is not None and entry.name not in only:
            continue
        key = None
        if store is not None:
            key = _entry_key(base, [_listed(run, chosen, allow_missing) for run in entry.runs])
        found = _lookup(store, key)
        if found is None:
            found, read = _compute(entry, chosen, proto, allow_missing)
            if store is not None:  # under the bytes read (a file rewritten meanwhile: not the looked-up key)
                _keep(store, _entry_key(base, read), *found)
        have, boxes, measures = found
        for i, name in enumerate(have):
            by_name[name].trackers[entry.name] = TrackerFrames(
                entry.name, [b[i] for b in boxes], [m[i] for m in measures]
            )
    return out


#: What one entry's per-frame results are: the sequences it has, and per run its boxes and measures on them.
_Found = tuple[list[str], list[list[np.ndarray]], list[list[FrameMeasures]]]
_STORE_KIND = "frames"
#: The code the cached per-frame results depend on (hashed at import, like the evaluation's).
FRAME_CODE = ("odtrack_eval.frame_results", "odtrack_eval.metrics", "odtrack_eval.results", "odtrack_eval.textio",
              "odtrack_eval.protocols", "odtrack_eval.boxes", "odtrack_eval.errors", "odtrack_eval.regions",
              "odtrack_eval.backend")  # fmt: skip
_CODE_KEY = f"{source_digest(FRAME_CODE)}\0numpy {np.__version__}"


def _compute(
    entry: TrackerRuns, chosen: Dataset, proto: Protocol, allow_missing: bool
) -> tuple[_Found, list[tuple[list[str], list[bytes]]]]:
    """The entry's per-frame results, and per run the sequences read and their box files' digests."""
    runs = [load_run(run, chosen, allow_missing=allow_missing) for run in entry.runs]
    have = [n for n in chosen.names if all(n in r.boxes for r in runs)]
    truths = truths_of(chosen.select(have)) if have else []
    measures = []
    for r in runs:
        try:
            measures.append(frame_measures(truths, [r.boxes[n] for n in have], proto))
        except RuleRefusal as refusal:  # name the file the rule refused, as the evaluation does
            raise refusal.at(r.paths[refusal.sequence]) from None
    read = [(list(r.paths), [r.digests[n] for n in r.paths]) for r in runs]
    return (have, [[r.boxes[n] for n in have] for r in runs], measures), read


def _base_key(chosen: Dataset, proto: Protocol, allow_missing: bool) -> str:
    return (KeyBuilder("frames").text(_CODE_KEY).text(repr(proto)).text(truth_digest(truths_of(chosen)))
            .text(f"{allow_missing}\0" + "\0".join(chosen.names)).hexdigest())  # fmt: skip


def _listed(run: RunFiles, chosen: Dataset, allow_missing: bool) -> tuple[list[str], list[bytes]]:
    """A run's sequences with a box file and those files' digests, as they are now (times are not read)."""
    listing = list_run(run, chosen.names, chosen.name, allow_missing)
    return list(listing.order), digest_files(listing.box_paths)


def _entry_key(base: str, runs: Sequence[tuple[list[str], list[bytes]]]) -> str:
    """The shared part and, per run, its sequences and box files' digests."""
    key = KeyBuilder("frames-entry").text(base).text(str(len(runs)))
    for order, digests in runs:
        key.text("\0".join(order)).digests(digests)
    return key.hexdigest()


#: How each per-frame measure is stored: the flags as bytes (an eighth of float64's, read back on every rerun).
_MEASURE_TYPES = (("iou", np.float64), ("centre_error", np.float64), ("counted", np.uint8))


def _keep(store: ArrayStore, key: str, have: list[str], boxes: list[list[np.ndarray]],
          measures: list[list[FrameMeasures]]) -> None:  # fmt: skip
    """Store one entry's results as flat arrays (boxes of another width than 4 are not kept)."""
    if any(b.ndim != 2 or b.shape[1] != 4 for run in boxes for b in run):
        return
    arrays = [np.array(have, dtype=str).reshape(-1),
              np.array([[len(b) for b in run] for run in boxes], dtype=np.int64).reshape(len(boxes), len(have)),
              np.array([[len(m.iou) for m in run] for run in measures], dtype=np.int64).reshape(len(boxes), len(have))]
    for run_boxes, run_measures in zip(boxes, measures, strict=True):
        arrays += [np.concatenate(run_boxes) if run_boxes else np.zeros((0, 4)),
                   *(np.concatenate([getattr(m, f) for m in run_measures]).astype(dtype) if run_measures
                     else np.zeros(0, dtype) for f, dtype in _MEASURE_TYPES)]  # fmt: skip
    store.put(_STORE_KIND, key, arrays)


def _lookup(store: ArrayStore | None, key: str | None) -> _Found | None:
    """The stored results of ``key``, or None (not there, or of another shape)."""
    if store is None or key is None:
        return None
    hit = store.get(_STORE_KIND, key)
    if hit is None:
        return None
    try:
        names, box_lengths, measure_lengths = hit[0], hit[1], hit[2]
        boxes, measures = [], []
        for r in range(len(box_lengths)):
            flat_boxes, iou, ce, counted = hit[3 + 4 * r : 7 + 4 * r]
            cut_b, cut_m = np.cumsum(box_lengths[r])[:-1], np.cumsum(measure_lengths[r])[:-1]
            boxes.append(np.split(flat_boxes, cut_b))
            measures.append([FrameMeasures(i, c, k.astype(bool)) for i, c, k in
                             zip(np.split(iou, cut_m), np.split(ce, cut_m), np.split(counted, cut_m), strict=True)])
        return [str(n) for n in names.tolist()], boxes, measures
    except (ValueError, IndexError, TypeError):
        return None


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

    @functools.cached_property
    def per_sequence(self) -> dict[str, dict[str, int]]:
        """sequence -> tracker -> number of failures (run 1); built once (pages ask for it per sequence)."""
        return {seq: {t: len(f) for t, f in by.items()} for seq, by in self.spans.items()}


def analyse_failures(
    frames: Sequence[SequenceFrames], trackers: Sequence[str], threshold: float, min_frames: int, top: int = 10
) -> FailureAnalysis:
    """The :class:`FailureAnalysis` of ``trackers`` over ``frames`` (the sequences a tracker lacks are left out
    of its figures; disagreement is over the sequences every tracker has)."""
    stats = {}
    first_run: dict[tuple[str, str], list[Failure]] = {}  # (sequence, tracker) -> run 1's failures
    for name in trackers:
        mine = [(f, f.trackers[name]) for f in frames if name in f.trackers]
        if not mine:
            continue
        runs = len(mine[0][1].measures)
        per_run = [[(t.measures[r].iou, t.present(f.flags, r)) for f, t in mine] for r in range(runs)]
        found = [[find_failures(iou, mask, threshold, min_frames) for iou, mask in run] for run in per_run]
        stats[name] = stats_of_failures(found, [[int(np.count_nonzero(m)) for _, m in run] for run in per_run])
        first_run.update({(f.name, name): failed for (f, _), failed in zip(mine, found[0], strict=True)})
    spread = {}
    spans: dict[str, dict[str, list[Failure]]] = {}
    for f in frames:
        have = [f.trackers[n] for n in trackers if n in f.trackers]
        spans[f.name] = {n: first_run[(f.name, n)] for n in trackers if n in f.trackers}
        if len(have) == len(trackers) and len(have) >= 2:
            spread[f.name] = (
                np.array([t.measures[0].iou for t in have]),
                np.array([t.present(f.flags) for t in have]),
            )
    return FailureAnalysis(threshold, min_frames, stats, disagreement(spread, top), spans)
