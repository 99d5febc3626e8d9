"""Evaluate every tracker of a results folder on one dataset under one protocol: the one-pass pipeline.

Data flows one way, one stage per module:

    listing (results.layout, results.selection, results.listing)
    -> reading (results.reading: content digests) -> [cache lookup]
    -> reading + parsing (results.reading, textio: each file parsed in the thread that read it)
    -> validation (results.validation)
    -> preparation -> scoring -> aggregation (metrics)

The backend (compiled kernels or numpy) is chosen once here, from the size of the files, and passed
down. Errors of one tracker are collected, never allowed to hide the others' numbers.

The cache wraps the pure part (parsing to aggregation): its key hashes everything that part reads
(every result file's bytes, the :class:`~odtrack_eval.metrics.truth.SequenceTruth` of every
evaluated sequence, the resolved protocol) and the source of the code that computes it, so a
changed file, annotation, rule or line of metric code recomputes. Entries are checksummed by the
store (:mod:`odtrack_eval.store`): a damaged entry is recomputed, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from odtrack_eval.backend import Backend, choose_backend
from odtrack_eval.datasets.names import display_name
from odtrack_eval.errors import OdtrackEvalError, ResultsError, RuleRefusal
from odtrack_eval.hashing import KeyBuilder, source_digest
from odtrack_eval.metrics.aggregation import OPEResult
from odtrack_eval.metrics.ope import RUN_KEYS, run_statistics
from odtrack_eval.metrics.preparation import TruthCache
from odtrack_eval.metrics.speed import SPEED_FIELDS, Speed, speed_of
from odtrack_eval.metrics.truth import SequenceTruth, truth_digest, truths_of
from odtrack_eval.protocols import Protocol
from odtrack_eval.realtime import check_rate, estimate_boxes, realtime_label
from odtrack_eval.results.layout import REALTIME_PARAM, TrackerRuns
from odtrack_eval.results.listing import RunListing, foreign_refusal, list_run, listed_bytes, missing_message
from odtrack_eval.results.reader import file_parser, run_results
from odtrack_eval.results.reading import digest_files, read_files
from odtrack_eval.results.selection import find_entries
from odtrack_eval.results.validation import Finding, run_offset, validate_run
from odtrack_eval.results.verdict import STRICT_HINT, handling, repair_notes
from odtrack_eval.sequence import Dataset
from odtrack_eval.store import ArrayStore, StoreOption, resolve_store

__all__ = ["Evaluation", "evaluate_folder", "EVALUATION_CODE"]

#: The code whose output the cache keeps: a change to any of these files changes every key.
EVALUATION_CODE = (
    "odtrack_eval.evaluation",
    "odtrack_eval.textio",
    "odtrack_eval.parallel",
    "odtrack_eval.datasets",  # (imported with its names module: the registry, not what the numbers depend on)
    "odtrack_eval.datasets._layout",
    "odtrack_eval.datasets.names",  # which files are another benchmark's: what is paired
    "odtrack_eval.results.layout",
    "odtrack_eval.results.naming",  # which files are box files
    "odtrack_eval.results.reading",
    "odtrack_eval.results.listing",
    "odtrack_eval.results.reader",
    "odtrack_eval.results.validation",
    "odtrack_eval.results.verdict",
    "odtrack_eval.results.screen_kernel",
    "odtrack_eval.metrics",
    "odtrack_eval.protocols",
    "odtrack_eval.boxes",
    "odtrack_eval.errors",
    "odtrack_eval.realtime",
)
_STORE_KIND = "ope"
#: The key of the code that runs: hashed when this module is imported (a file edited on disk later must
#: not lend its name to numbers of the code loaded before), with the numpy version that computes.
_CODE_KEY = f"{source_digest(EVALUATION_CODE)}\0numpy {np.__version__}"


@dataclass
class Evaluation:
    """Results of all trackers of one results folder: scores, warnings, and per-tracker errors."""

    dataset: Dataset
    protocol: Protocol
    results: list[OPEResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Trackers refused (any reason: format, missing files, a protocol rule, --strict) -> the reason.
    errors: dict[str, str] = field(default_factory=dict)
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Tracker -> one footnote per kind of repair or suspicion (:func:`~odtrack_eval.results.verdict.repair_notes`).
    repairs: dict[str, list[str]] = field(default_factory=dict)
    #: The backend the pipeline ran on (the same numbers either way).
    backend: Backend = Backend.NUMPY

    @property
    def sequence_names(self) -> list[str]:
        return self.results[0].sequence_names if self.results else []


def evaluate_folder(
    dataset: Dataset,
    results_dir: str | Path,
    protocol: Protocol,
    *,
    trackers: list[str] | None = None,
    allow_missing: bool = False,
    cache: StoreOption = True,
    backend: Backend | None = None,
    strict: bool = False,
    realtime: float | None = None,
) -> Evaluation:
    """Evaluate the trackers in ``results_dir`` (one folder per tracker) on ``dataset``.

    ``realtime``: score the real-time estimate at this frame rate instead (:func:`odtrack_eval.realtime.
    estimate_boxes`: offline boxes and times replayed on the virtual clock); every tracker's name then says
    ``(real-time N fps, estimate)``, and a tracker without a time file for every sequence is refused.

    ``strict``: refuse every tracker whose results the protocol would repair or that look wrong
    (corners); otherwise those are scored and :attr:`Evaluation.repairs` says how.

    With ``allow_missing`` the sequences missing for any tracker are excluded for all of them
    (pytracking's ``skip_missing_seq``), so every tracker is scored on the same set. ``cache``:
    True uses the default store, False/None none, a path or :class:`ArrayStore` that one.
    ``backend``: None chooses by the total size of the result files.
    """
    results_dir = Path(results_dir)
    if realtime is not None:
        realtime = check_rate(realtime)
    names = dataset.names
    out = Evaluation(dataset, protocol)
    usable: list[tuple[TrackerRuns, list[RunListing]]] = []
    foreign: dict[str, list[Finding]] = {}
    for entry in find_entries(results_dir, dataset.tag, trackers):
        if realtime is not None and entry.param is not None and REALTIME_PARAM.search(entry.param):
            out.errors[entry.name] = (f"{entry.runs[0].folder}: a real-time run already (run --realtime); "
                                      "--realtime estimates offline results")  # fmt: skip
            continue
        try:
            listings = [list_run(run, names, dataset.name, allow_missing=True, tag=dataset.tag) for run in entry.runs]
        except OdtrackEvalError as exc:  # (two files for one sequence...): that tracker only
            out.errors[entry.name] = str(exc)
            continue
        refusal = foreign_refusal(listings, len(names), dataset.tag)
        if refusal is not None:
            out.errors[entry.name] = refusal
            continue
        foreign[entry.name] = _foreign_findings(listings)
        missing = sorted({m for li in listings for m in li.missing})
        if missing and not allow_missing:
            first = next(li for li in listings if li.missing)
            out.errors[entry.name] = missing_message(first.run.folder, first.missing, len(names), dataset.name)
            continue
        if missing:
            out.missing[entry.name] = tuple(missing)
        usable.append((entry, listings))
    excluded = {m for missing in out.missing.values() for m in missing}
    if excluded:
        evaluated = dataset.subset([s for s in dataset if s.name not in excluded])
        usable = [(e, [_without(li, excluded) for li in listings]) for e, listings in usable]
    else:
        evaluated = dataset
    out.backend = backend or choose_backend(listed_bytes(listing for _, listings in usable for listing in listings))
    context = _context(truths_of(evaluated), protocol.for_benchmark(dataset.tag), out.backend, resolve_store(cache),
                       realtime)  # fmt: skip
    for entry, listings in usable:
        try:
            result, findings = _evaluate_entry(entry, listings, context)
            findings = foreign[entry.name] + findings
            notes = repair_notes(entry.name, [(f.kind, f.shorter, f.count) for f in findings], context.protocol)
            if strict and notes:
                first = next(f for f in findings if handling(f.kind, context.protocol, f.shorter).action != "note")
                raise ResultsError(f"{first} ({STRICT_HINT})")
        except OdtrackEvalError as exc:
            out.errors[entry.name] = str(exc)
            continue
        out.results.append(result)
        if notes:
            out.repairs[entry.name] = notes
        out.warnings += [f"{entry.name}: {f}" for f in findings] + _run_id_warnings(entry)
    return out


def _without(listing: RunListing, excluded: set[str]) -> RunListing:
    """A listing restricted to the sequences not in ``excluded``."""
    keep = [i for i, n in enumerate(listing.order) if n not in excluded]
    times = [i for i, n in enumerate(listing.time_names) if n not in excluded]
    return RunListing(
        listing.run,
        tuple(listing.order[i] for i in keep),
        tuple(listing.box_paths[i] for i in keep),
        tuple(listing.time_names[i] for i in times),
        tuple(listing.time_paths[i] for i in times),
        listing.missing,
        listing.foreign,
    )


def _foreign_findings(listings: list[RunListing]) -> list[Finding]:
    """One finding per run whose folder also holds files of another benchmark (set apart, never read)."""
    out = []
    for listing in listings:
        for tag, stems in listing.foreign.items():
            examples = ", ".join(sorted(stems)[:3]) + (", ..." if len(stems) > 3 else "")
            out.append(Finding("foreign", listing.run.folder,
                               f"{len(stems)} files name {display_name(tag)} sequences ({examples}); ignored",
                               count=len(stems)))  # fmt: skip
    return out


def _base_key(truths: list[SequenceTruth], protocol: Protocol, realtime: float | None) -> str:
    """The part of every entry's key this evaluation shares: code, protocol, ground truth, real-time rate."""
    return (
        KeyBuilder("ope-evaluation")
        .text(_CODE_KEY)
        .text(repr(protocol))
        .text(truth_digest(truths))
        .text(f"realtime {realtime!r}")
        .hexdigest()
    )


def _entry_key(base_key: str, listings: list[RunListing], digests: list[bytes]) -> str:
    """Key of one tracker entry: the shared part and, per run, its sequences and file digests in order."""
    key = KeyBuilder("ope-entry").text(base_key).text(str(len(listings)))
    start = 0
    for listing in listings:
        n = len(listing.paths)
        key.text("\0".join(listing.order)).text("\0".join(listing.time_names)).digests(digests[start : start + n])
        start += n
    return key.hexdigest()


@dataclass(frozen=True)
class _Context:
    """What every tracker of one evaluation shares."""

    truths: list[SequenceTruth]
    protocol: Protocol
    backend: Backend
    store: ArrayStore | None
    base_key: str  # the key part common to all entries ("" without a store)
    lookup: bool  # the store held evaluations when this one started
    shared: TruthCache  # what every tracker derives from the same ground truth, for this evaluation only
    realtime: float | None = None  # ``evaluate --realtime``: the stream's frame rate


def _context(
    truths: list[SequenceTruth], protocol: Protocol, backend: Backend, store: ArrayStore | None,
    realtime: float | None = None,
) -> _Context:  # fmt: skip
    """The shared values; ``lookup`` is read before any entry is written (those would be other trackers')."""
    return _Context(
        truths,
        protocol,
        backend,
        store,
        _base_key(truths, protocol, realtime) if store is not None else "",
        store is not None and store.holds(_STORE_KIND),
        TruthCache(),
        realtime,
    )


def _evaluate_entry(
    entry: TrackerRuns, listings: list[RunListing], context: _Context
) -> tuple[OPEResult, list[Finding]]:
    """One tracker: the cached outcome for exactly its files' bytes, or a fresh one (stored).

    The lookup hashes every file and keeps no bytes (a rerun does nothing else); on a miss the files
    are read again and parsed in the reading threads, and the outcome is stored under the key of
    exactly the bytes parsed (a file changed in between is scored as it is now). ``lookup=False``
    (the store held no evaluation when this one started) skips the lookup: a first run reads each
    file once.
    """
    c = context
    paths = [p for listing in listings for p in listing.paths]
    names = [t.name for t in c.truths]
    if c.store is not None and c.lookup:
        hit = c.store.get(_STORE_KIND, _entry_key(c.base_key, listings, digest_files(paths)))
        if hit is not None:
            try:
                outcome = _decode(hit, len(listings), names)
            except (ValueError, IndexError, TypeError, KeyError):
                outcome = None  # an intact entry of another shape (cannot happen with one code version)
            if outcome is not None:
                return _result(entry, outcome, listings, c.protocol, names, c.realtime)
    tables, digests = read_files(paths, file_parser(listings, c.backend))
    outcome = _score_entry(listings, tables, c)
    if c.store is not None:
        c.store.put(_STORE_KIND, _entry_key(c.base_key, listings, digests), _encode(*outcome))
    return _result(entry, outcome, listings, c.protocol, names, c.realtime)


#: What scoring one entry yields: per-run statistics, the speed (None: no time files), and the warning
#: findings as (run, file, kind, message, line, count).
_Outcome = tuple[list[dict[str, np.ndarray]], Speed | None, list[tuple[int, int, str, str, int | None, int | None]]]


def _score_entry(listings: list[RunListing], tables: list[np.ndarray], context: _Context) -> _Outcome:
    """Validation → preparation → scoring of one entry's parsed files (pure: tables in, numbers out)."""
    stats, times, findings = [], [], []
    start = 0
    gts = [t.boxes for t in context.truths]
    for r, listing in enumerate(listings):
        n = len(listing.paths)
        parsed = run_results(listing, tables[start : start + n])
        start += n
        boxes = [parsed.boxes[name] for name in listing.order]
        if context.realtime is not None:
            boxes = _realtime_estimate(boxes, parsed.times, listing, context.realtime)
        times += list(parsed.times.values())
        found = validate_run(boxes, gts, listing.box_paths, context.backend)
        offset = run_offset(boxes, gts, found, listing.run.folder)
        for f in found + ([offset] if offset is not None else []):
            if handling(f.kind, context.protocol, f.shorter).action != "refuse":  # (refusals raise below)
                index = listing.box_paths.index(f.path) if f.kind != "offset" else -1  # (-1: the run's folder)
                findings.append((r, index, f.kind, f.message, f.line, f.count))
        try:
            stats += run_statistics(context.truths, [boxes], context.protocol, context.backend, context.shared)
        except RuleRefusal as refusal:  # name the file the rule refused
            raise refusal.at(listing.box_paths[listing.order.index(refusal.sequence)]) from None
    return stats, speed_of(times), findings


def _realtime_estimate(
    boxes: list[np.ndarray], times: dict[str, np.ndarray], listing: RunListing, fps: float
) -> list[np.ndarray]:
    """The boxes shown against a stream of ``fps`` (:func:`odtrack_eval.realtime.estimate_boxes`)."""
    out = []
    for name, path, b in zip(listing.order, listing.box_paths, boxes, strict=True):
        if name not in times:
            raise ResultsError(f"{path}: no time file beside it; --realtime replays the offline times, so every "
                               "sequence needs its _time.txt")  # fmt: skip
        try:
            out.append(estimate_boxes(b, times[name], fps))
        except ValueError as exc:
            where = listing.time_paths[listing.time_names.index(name)]
            raise ResultsError(f"{where}: {exc} (--realtime needs a processing time for every frame)") from None
    return out


def _result(entry: TrackerRuns, outcome: _Outcome, listings: list[RunListing], protocol: Protocol,
            names: list[str], realtime: float | None = None) -> tuple[OPEResult, list[Finding]]:  # fmt: skip
    """The tracker's result and findings; file paths come from this run's listing, never from the cache."""
    stats, speed, findings = outcome
    result = OPEResult.from_runs(entry.name, protocol, names, stats, speed)
    if realtime is not None:
        result.tracker = f"{entry.name} {realtime_label(realtime)}"
    located = [
        Finding(kind, listings[r].box_paths[i] if i >= 0 else listings[r].run.folder, message, line, count)  # type: ignore[arg-type]
        for r, i, kind, message, line, count in findings
    ]
    return result, located


def _encode(stats: list[dict[str, np.ndarray]], speed: Speed | None, findings: list) -> list[np.ndarray]:
    no_speed = np.full(len(SPEED_FIELDS), np.nan)
    arrays = [np.concatenate([[len(stats), speed is not None], no_speed if speed is None else speed.to_array()])]
    for run in stats:
        arrays += [run[k] for k in RUN_KEYS]
    arrays.append(np.array([[r, i, -1 if line is None else line, -1 if count is None else count]
                            for r, i, _, _, line, count in findings], dtype=np.int64).reshape(-1, 4))  # fmt: skip
    arrays.append(np.array([kind for _, _, kind, _, _, _ in findings], dtype=str).reshape(-1))
    arrays.append(np.array([message for _, _, _, message, _, _ in findings], dtype=str).reshape(-1))
    return arrays


def _decode(arrays: tuple[np.ndarray, ...], num_runs: int, names: list[str]) -> _Outcome | None:
    """Inverse of :func:`_encode`; None where the entry does not fit this evaluation."""
    head = arrays[0]
    if len(head) != 2 + len(SPEED_FIELDS) or int(head[0]) != num_runs:
        return None
    if len(arrays) != 1 + num_runs * len(RUN_KEYS) + 3:
        return None
    stats = []
    for r in range(num_runs):
        run = dict(zip(RUN_KEYS, arrays[1 + r * len(RUN_KEYS) : 1 + (r + 1) * len(RUN_KEYS)], strict=True))
        if any(len(v) != len(names) for v in run.values()):
            return None
        stats.append(run)
    ints, kinds, messages = arrays[-3:]
    findings = [
        (int(r), int(i), str(k), str(m), None if line < 0 else int(line), None if count < 0 else int(count))
        for (r, i, line, count), k, m in zip(ints.tolist(), kinds.tolist(), messages.tolist(), strict=True)
    ]
    speed = Speed.from_array(head[2:]) if head[1] else None
    return stats, speed, findings


def _run_id_warnings(entry: TrackerRuns) -> list[str]:
    """Runs numbered other than 0..k-1 are probably checkpoint epochs (ODTrack's ``baseline_300``), not
    repetitions: say that they were averaged and how to pick one."""
    ids = [r.run_id for r in entry.runs]
    if len(ids) < 2 or None in ids or ids == list(range(len(ids))):
        return []
    param = entry.param or ""
    return [
        f"{entry.name}: runs {', '.join(map(str, ids))} were averaged as repetitions; if they are checkpoint "
        f"epochs, pick one with --tracker {entry.tracker}:{param}:{ids[-1]}"
    ]
