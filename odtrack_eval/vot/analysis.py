"""The VOT2020 multistart pipeline: read every anchor run of every tracker (vot-toolkit's workspace layout,
:mod:`odtrack_eval.results.vot_workspace`), compute its overlaps with the ground truth and hand them to the
metrics (:mod:`odtrack_eval.metrics.multistart`: failures, A, R, EAO, per-tag accuracy).

Reproduces vot-toolkit 0.9.0 ``vot/analysis/multistart.py`` (protocols.md §9, vot2020.md):

* a run per anchor (``anchor.value`` > 0 forward over frames f..L-1, < 0 backward over f..0); forward
  runs first, then backward, each in ascending frame order;
* per-frame overlap with the image bounds (:mod:`odtrack_eval.regions.batch_overlap`); frame 0 of a run is
  the initialisation code and scores 0 against a non-empty ground truth (it still counts as a tracked frame).

Differences from the toolkit, all on input it cannot score: result files with NaN coordinates are an
error here (the toolkit scores a NaN text rectangle as "unknown", overlap 0, and crashes on a binary
one); a run whose length differs from its anchor's sub-sequence is an error naming the file; a sequence
without anchors, missing runs or missing sequence folders are errors naming the sequence. Sequences with
an ``_ignore`` object are not supported (VOT2020 has none).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from odtrack_eval.datasets.vot import runs_of
from odtrack_eval.errors import FormatError, OdtrackEvalError, ResultsError
from odtrack_eval.metrics.multistart import Run, SequenceScore, TrackerScore, aggregate, failure_progress
from odtrack_eval.parallel import map_threads
from odtrack_eval.protocols.multistart import VOT2020, VotProtocol
from odtrack_eval.regions import batch, batch_overlap, decode, truth
from odtrack_eval.regions import region as rg
from odtrack_eval.results import vot_workspace as ws
from odtrack_eval.sequence import Dataset, Sequence
from odtrack_eval.system import usable_cpus


@dataclass
class VotEvaluation:
    dataset: Dataset
    protocol: VotProtocol
    results: list[TrackerScore]
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: As one-pass evaluations have them (always empty here: no sequence is dropped, nothing repaired).
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    repairs: dict[str, list[str]] = field(default_factory=dict)

    @property
    def sequence_names(self) -> list[str]:
        return [s.name for s in self.dataset.sequences]


# ------------------------------------------------------------------------------------------ reading


class _GroundTruth:
    """Toolkit view of one sequence's ground truth, each frame prepared once on first use."""

    def __init__(self, sequence: Sequence, protocol: VotProtocol):
        loaded = sequence.extra.get("ground_truth")
        regions = sequence.extra.get("regions")
        if regions is None:
            raise OdtrackEvalError(f"sequence {sequence.name!r} has no VOT regions (not loaded by the vot adapter)")
        self.raw = regions
        if isinstance(loaded, truth.GroundTruthFile):
            self.batch, self.empty = loaded.batch, loaded.empty
        else:
            self.batch, self.empty = batch.ground_truth(list(regions))
        if protocol.bounded:
            from odtrack_eval.datasets.vot import image_size

            self.size: tuple[int, int] | None = image_size(sequence)
        else:
            self.size = None


def score_run(
    gt: _GroundTruth, pred: batch.Batch, anchor: int, backward: bool, protocol: VotProtocol, path: Path | None = None
) -> Run:
    """Overlaps and failure point of one run given its decoded trajectory."""
    n = len(pred)
    frames = anchor - np.arange(n) if backward else anchor + np.arange(n)
    legacy = protocol.overlap_rule == "legacy"
    if gt.size is not None:
        o = batch_overlap.overlaps(pred, gt.batch, frames, gt.size, legacy)
    else:  # unbounded: exact per-frame path (never used by the VOT2020 stack)
        regions = ws.read_trajectory(path) if path is not None else []
        o = np.array(
            [_unbounded(r, rg.toolkit_read(gt.raw[f]), legacy) for f, r in zip(frames.tolist(), regions, strict=True)]
        )
    progress = failure_progress(o, gt.empty[frames], protocol.grace, protocol.threshold)
    return Run(anchor, backward, o, progress)


def _unbounded(a: rg.Region, b: rg.Region, legacy: bool) -> float:
    if legacy:
        if isinstance(a, rg.Special) or isinstance(b, rg.Special):
            return 0.0
        ba, bb = rg.region_bounds(a), rg.region_bounds(b)
        if min(ba[0], bb[0]) >= max(ba[2], bb[2]) or min(ba[1], bb[1]) >= max(ba[3], bb[3]):
            return 0.0
    return rg.calculate_overlap(a, b, None)


def score_sequence(
    sequence: Sequence, folder: Path, protocol: VotProtocol = VOT2020, gt: _GroundTruth | None = None
) -> SequenceScore:
    """All anchor runs of one sequence from ``folder`` (``results/<tracker>/<experiment>/<seq>``)."""
    plan = runs_of(sequence, protocol)
    if not folder.is_dir():
        raise ResultsError(f"sequence {sequence.name!r}: results folder {folder} not found")
    missing, files = [], []
    for anchor, _, _ in plan:
        p = ws.find_trajectory(folder, ws.run_name(sequence.name, anchor))
        if p is None:
            missing.append(ws.run_name(sequence.name, anchor))
        files.append(p)
    if missing:
        raise ResultsError(
            f"sequence {sequence.name!r}: incomplete results in {folder}: {len(missing)} of {len(plan)} anchor runs "
            f"missing ({', '.join(m + '.bin|.txt' for m in missing[:4])}{', ...' if len(missing) > 4 else ''})"
        )
    gt = gt or _GroundTruth(sequence, protocol)
    if len(gt.raw) != len(sequence):
        raise OdtrackEvalError(f"sequence {sequence.name!r}: {len(gt.raw)} regions for {len(sequence)} frames")
    runs = []
    for (anchor, backward, n), path in zip(plan, files, strict=True):
        try:
            pred = decode.read_batch(path)  # type: ignore[arg-type]
        except FormatError as exc:
            raise FormatError(exc.path, f"sequence {sequence.name!r}: {exc.problem}", exc.line, exc.expected) from None
        if len(pred) != n:
            raise FormatError(
                path, f"sequence {sequence.name!r}: {len(pred)} regions for the "
                f"{'backward' if backward else 'forward'} run from frame {anchor}", None,
                f"{n} (frame {anchor} {'down to 0' if backward else f'to {len(sequence) - 1}'}, first entry the "
                "initialisation code 1)",
            )  # fmt: skip
        runs.append(score_run(gt, pred, anchor, backward, protocol, path))
    return SequenceScore(sequence.name, len(sequence), runs)


# ------------------------------------------------------------------------------------------ aggregate


def evaluate_tracker(
    dataset: Dataset, results_root: str | Path, tracker: str, protocol: VotProtocol = VOT2020,
    ground_truth: dict[str, _GroundTruth] | None = None,
) -> TrackerScore:  # fmt: skip
    """Score one tracker's folder ``results_root/<tracker>/<experiment>`` on every sequence of ``dataset``."""
    base = Path(results_root) / tracker / protocol.experiment
    if not base.is_dir():
        raise ResultsError(f"{base}: not found (expected <results>/{tracker}/{protocol.experiment}/<sequence>/...)")
    present = {p.name for p in base.iterdir() if p.is_dir()}
    jobs = []
    for seq in dataset.sequences:
        if seq.name not in present:
            strays = sorted(present - {s.name for s in dataset.sequences})
            close = [p for p in strays if p.lower() == seq.name.lower()] or difflib.get_close_matches(
                seq.name, strays, n=1
            )
            hint = f" (found a folder {close[0]!r}: wrong sequence name?)" if close else ""
            raise ResultsError(f"{tracker}: no results for sequence {seq.name!r}: {base / seq.name} not found{hint}")
        gt = ground_truth.get(seq.name) if ground_truth is not None else None
        if gt is None:
            gt = _GroundTruth(seq, protocol)
            if ground_truth is not None:
                ground_truth[seq.name] = gt
        jobs.append((seq, gt))

    # sequences are independent and their work is large numpy passes (which release the GIL): one thread
    # per core, balanced by sequence length; results (and the first error) come back in sequence order
    def score(job: tuple[Sequence, _GroundTruth]) -> SequenceScore:
        return score_sequence(job[0], base / job[0].name, protocol, job[1])

    scores = map_threads(score, jobs, weights=[len(seq) for seq, _ in jobs], threads=_workers(len(jobs)))
    return aggregate(tracker, scores, dataset, protocol)


def _workers(jobs: int) -> int:
    return max(1, min(usable_cpus(), jobs, 8))


def evaluate_results(
    dataset: Dataset,
    results_root: str | Path,
    protocol: VotProtocol = VOT2020,
    trackers: list[str] | None = None,
    *,
    allow_missing: bool = False,
    cache: bool = True,
    strict: bool = False,
) -> VotEvaluation:
    """Score every tracker folder of ``results_root`` (a workspace's ``results/``).

    A tracker whose results are incomplete or invalid is reported in ``errors`` (the others are still
    scored); result folders for sequences that are not in the dataset are listed in ``warnings``.
    The multistart analysis repairs nothing (``strict`` changes nothing), keeps no cache (``cache`` is
    ignored), and needs every sequence: ``allow_missing`` is refused.
    """
    if allow_missing:
        raise OdtrackEvalError("--allow-missing: the VOT multistart analysis needs every sequence's runs "
                               "(select sequences with --sequence instead)")  # fmt: skip
    root = Path(results_root)
    names = list(trackers) if trackers else ws.list_trackers(root, protocol.experiment)
    if not names:
        raise ResultsError(
            f"{root}: no tracker folders with a {protocol.experiment!r} experiment (expected "
            f"<results>/<tracker>/{protocol.experiment}/<sequence>/<sequence>_<anchor:08d>.bin|.txt)"
        )
    known = {s.name for s in dataset.sequences}
    ev = VotEvaluation(dataset, protocol, [])
    cache: dict[str, _GroundTruth] = {}
    for name in names:
        base = root / name / protocol.experiment
        if base.is_dir():
            extra = sorted(p.name for p in base.iterdir() if p.is_dir() and p.name not in known)
            if extra:
                ev.warnings.append(f"{name}: results for sequences not in the dataset ignored: {', '.join(extra[:5])}"
                                   + (" ..." if len(extra) > 5 else ""))  # fmt: skip
        try:
            ev.results.append(evaluate_tracker(dataset, root, name, protocol, cache))
        except OdtrackEvalError as exc:
            ev.errors[name] = str(exc)
    return ev
