"""Evaluate every tracker in a results folder on one dataset under one protocol.

This is the glue of the one-way flow dataset -> results store -> metrics: it finds the
trackers, loads their runs, applies the missing-sequence policy and runs the OPE engine. Errors
of one tracker are collected, never allowed to hide the others' numbers.

Per-sequence curves are cached by *content*: the key hashes the toolkit version, the resolved
protocol, the ground truth actually evaluated and the bytes of every result file, so a rerun on
unchanged files skips parsing and scoring, and any changed byte recomputes (never stale).
"""

from __future__ import annotations

import hashlib
import os
import weakref
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from odtrack_eval import __version__
from odtrack_eval.errors import OdtrackEvalError, ResultsError
from odtrack_eval.kernels import jit_enabled
from odtrack_eval.metrics.ope import METRICS, OPEResult, _both, evaluate_runs, tracking_fps
from odtrack_eval.protocols import Protocol
from odtrack_eval.results import Finding, RunResults, discover_trackers, load_tracker, validate_run
from odtrack_eval.results.cache import CacheOption, ContentCache, resolve_cache
from odtrack_eval.results.layout import RunFiles, TrackerRuns
from odtrack_eval.results.reader import (
    _digest_listing,
    _list_run,
    _load_listing,
    _read_listing,
    _RunListing,
    read_and_parse_listing,
)
from odtrack_eval.results.selection import select_entries, tracker_folders
from odtrack_eval.sequence import Dataset

#: Bump when the cached arrays change meaning or layout.
_CACHE_FORMAT = "ope-curves-v5"

#: Findings that are only worth a warning (fatal ones are raised by the protocol in the engine).
WARN_KINDS = ("looks_like_corners", "length_mismatch", "zero_size")


@dataclass
class Evaluation:
    """Results of all trackers of one results folder: scores, warnings, and per-tracker errors."""

    dataset: Dataset
    protocol: Protocol
    results: list[OPEResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def sequence_names(self) -> list[str]:
        return self.results[0].sequence_names if self.results else []


_FINGERPRINTS: weakref.WeakKeyDictionary[Dataset, str] = weakref.WeakKeyDictionary()


def dataset_fingerprint(dataset: Dataset) -> str:
    """Hash of what scoring reads from a dataset (tag, names, ground truth, visibility, image sizes).

    Memoized per Dataset object (datasets are not mutated after loading).
    """
    cached = _FINGERPRINTS.get(dataset)
    if cached is not None:
        return cached
    h = hashlib.sha256(f"{dataset.tag}\0{len(dataset)}\0".encode())
    for seq in dataset:
        h.update(seq.name.encode() + b"\0")
        h.update(np.ascontiguousarray(seq.ground_truth).tobytes())
        h.update(b"v" + (seq.visible.tobytes() if seq.visible is not None else b"-"))
        size = seq.extra.get("image_size")
        h.update(repr(size).encode())
    _FINGERPRINTS[dataset] = fp = h.hexdigest()
    return fp


def _entry_key(listed: list[tuple[RunFiles, _RunListing, list[bytes], list[bytes]]], salt: str) -> str:
    """Content key of one entry: the digests of every box and time file of every run, in order.

    Time files are part of the key because the cached result holds the tracking speed.
    """
    items: list[bytes] = []
    for run, listing, box_digests, time_digests in listed:
        header = f"run\0{run.run_id}\0{len(box_digests)}\0{len(time_digests)}\0" + "\0".join(listing.time_names)
        items.append(hashlib.sha256(header.encode()).digest())
        items += box_digests
        items += time_digests
    return ContentCache.key_from_digests(items, salt)


def _check_runs(
    runs: list[RunResults], dataset: Dataset, screens: list[np.ndarray | None] | None = None
) -> list[Finding]:
    """Findings of every run; ``screens``: the reader's screen flags per run, where it computed them."""
    screens = screens or [None] * len(runs)
    return [f for run, flagged in zip(runs, screens, strict=True) for f in validate_run(run, dataset, flagged)]


def _from_cache(
    arrays: tuple[np.ndarray, ...], name: str, dataset: Dataset, protocol: Protocol
) -> tuple[OPEResult, list[str]] | None:
    """Rebuild a result from a cache entry; None if the entry does not have the expected shape."""
    try:
        return _rebuild(arrays, name, dataset, protocol)
    except (IndexError, ValueError, TypeError):
        return None


_RUN_KEYS = (*METRICS, *OPEResult.RUN_STAT_KEYS)


def _rebuild(
    arrays: tuple[np.ndarray, ...], name: str, dataset: Dataset, protocol: Protocol
) -> tuple[OPEResult, list[str]]:
    num_runs, fps = int(arrays[0][0]), float(arrays[0][1])
    k = len(_RUN_KEYS)
    runs = [dict(zip(_RUN_KEYS, arrays[1 + r * k : 1 + (r + 1) * k], strict=True)) for r in range(num_runs)]
    warnings = [str(w) for w in arrays[1 + num_runs * k]]
    proto = protocol.for_benchmark(dataset.tag)
    result = OPEResult.from_runs(name, proto, dataset.names, runs, None if np.isnan(fps) else fps)
    return result, warnings


def _to_cache(result: OPEResult, warnings: list[str]) -> list[np.ndarray]:
    fps = np.nan if result.fps is None else result.fps
    arrays = [np.array([result.num_runs, fps])]
    for run in result.run_curves:
        arrays += [run[key] for key in _RUN_KEYS]
    arrays.append(np.array(warnings, dtype=str) if warnings else np.zeros(0, dtype="<U1"))
    return arrays


def evaluate_folder(
    dataset: Dataset,
    results_dir: str | Path,
    protocol: Protocol,
    *,
    trackers: list[str] | None = None,
    allow_missing: bool = False,
    cache: CacheOption = True,
) -> Evaluation:
    """Evaluate the trackers in ``results_dir`` (one folder per tracker) on ``dataset``.

    With ``allow_missing`` the sequences missing for any tracker are excluded for all of them
    (pytracking's ``skip_missing_seq``), so every tracker is scored on the same set.
    """
    results_dir = Path(results_dir)
    try:  # look into the asked-for trackers' folders only ...
        found = discover_trackers(results_dir, dataset.tag, tracker_folders(trackers))
        entries = select_entries(found, trackers, results_dir)
    except OdtrackEvalError:  # ... and where that finds nothing, into all: the same result or the full message
        entries = select_entries(discover_trackers(results_dir, dataset.tag), trackers, results_dir)
    if not entries:
        raise ResultsError(f"{results_dir}: no tracker results found (expected one folder per tracker)")
    out = Evaluation(dataset, protocol)
    names = dataset.names
    usable = []
    matches: dict[int, tuple[dict[str, Path], list[str]]] = {}  # id(run) -> run.match(names)
    for entry in entries:
        for run in entry.runs:
            matches[id(run)] = run.match(names)
        missing = sorted({m for run in entry.runs for m in matches[id(run)][1]})
        if missing and not allow_missing:
            try:
                load_tracker(entry, dataset)  # raises the reader's message listing the missing files
            except OdtrackEvalError as exc:
                out.errors[entry.name] = str(exc)
                continue
        if missing:
            out.missing[entry.name] = tuple(missing)
        usable.append(entry)
    excluded = {m for missing in out.missing.values() for m in missing}
    evaluated = dataset.subset([s for s in dataset if s.name not in excluded]) if excluded else dataset
    store = resolve_cache(cache)
    salt = f"{_CACHE_FORMAT}\0{__version__}\0{protocol!r}\0{dataset_fingerprint(evaluated)}" if store else ""
    for entry in usable:
        try:
            listings = [
                (run, _list_run(run, evaluated, False, None if excluded else matches[id(run)])) for run in entry.runs
            ]
            result, warnings = _evaluate_entry(entry, listings, evaluated, protocol, store, salt)
        except OdtrackEvalError as exc:
            out.errors[entry.name] = str(exc)
            continue
        out.results.append(result)
        out.warnings += warnings + _run_id_warnings(entry)
    return out


_Listed = list[tuple[RunFiles, _RunListing]]


def _evaluate_entry(
    entry: TrackerRuns,
    listings: _Listed,
    dataset: Dataset,
    protocol: Protocol,
    store: ContentCache | None,
    salt: str,
) -> tuple[OPEResult, list[str]]:
    """One tracker's result and warnings: from the cache when its files' content was scored before.

    The cache key is the content of the files, so finding an entry means hashing every file. For
    files seen before (a warm run) that lookup comes first and is all there is to do. For files
    probably never seen, which the stat signature tells (:func:`_stat_signature`: paths, sizes, times),
    the compiled path reads, hashes and parses each file in one pass and looks the key up after,
    instead of reading and hashing everything twice. The signature only chooses that order: results
    are always found by content.
    """
    if store is None:
        return _score_entry(entry, dataset, protocol, load_tracker(entry, dataset, cache=False))
    signature, size = _stat_signature(listings, salt)
    seen = signature is None or store.marked(signature)
    if not seen and jit_enabled(size):  # (a warm run never imports numba)
        key, runs, screens = _read_parse_entry(listings, dataset, salt)
        done = _from_store(store, key, entry.name, dataset, protocol)
        if done is None:
            done = _score_entry(entry, dataset, protocol, runs, screens)
            store.put(key, _to_cache(*done))
        store.mark(signature)  # type: ignore[arg-type]  # not seen: signature is not None
        return done
    key = _entry_key([(run, li, *_digest_listing(li)) for run, li in listings], salt)
    done = _from_store(store, key, entry.name, dataset, protocol)
    if done is not None:
        if not seen:
            store.mark(signature)  # type: ignore[arg-type]
        return done
    # A miss: read the files again (the lookup kept no bytes). The result is stored under the key
    # of exactly the bytes parsed, even if a file changed since the lookup.
    if jit_enabled(size):
        key, runs, screens = _read_parse_entry(listings, dataset, salt)
    else:
        # Keep the bytes for the parser (and its parse-table cache).
        data = [_read_listing(li) for _, li in listings]
        key = _entry_key([(run, li, d[0][1], d[1][1]) for (run, li), d in zip(listings, data, strict=True)], salt)
        runs = [_load_listing(run, li, store, d) for (run, li), d in zip(listings, data, strict=True)]
        screens = None
    done = _score_entry(entry, dataset, protocol, runs, screens)
    store.put(key, _to_cache(*done))
    if not seen:
        store.mark(signature)  # type: ignore[arg-type]
    return done


def _read_parse_entry(
    listings: _Listed, dataset: Dataset, salt: str
) -> tuple[str, list[RunResults], list[np.ndarray | None]]:
    """Read, hash, parse and screen every file of an entry in one pass (compiled path): the content
    key of exactly the bytes parsed, the runs, and their screen flags."""
    loaded = [read_and_parse_listing(run, li, dataset) for run, li in listings]
    key = _entry_key([(run, li, bd, td) for (run, li), (_, bd, td, _) in zip(listings, loaded, strict=True)], salt)
    return key, [r for r, *_ in loaded], [f for *_, f in loaded]


def _from_store(
    store: ContentCache, key: str, name: str, dataset: Dataset, protocol: Protocol
) -> tuple[OPEResult, list[str]] | None:
    hit = store.get(key)
    return _from_cache(hit, name, dataset, protocol) if hit is not None else None


def _score_entry(
    entry: TrackerRuns,
    dataset: Dataset,
    protocol: Protocol,
    runs: list[RunResults],
    screens: list[np.ndarray | None] | None = None,
) -> tuple[OPEResult, list[str]]:
    """Score the runs of one tracker and check its files (the warnings)."""
    # Checking the files and scoring them are independent: two threads (the checks fill the
    # second core while prepare_run works alone on the first).
    result, findings = _both(
        partial(evaluate_runs, entry.name, dataset, [r.boxes for r in runs], protocol),
        partial(_check_runs, runs, dataset, screens),
    )
    result.fps = tracking_fps([t for r in runs for t in r.times.values()])
    return result, [f"{entry.name}: {f}" for f in findings if f.kind in WARN_KINDS]


def _stat_signature(listings: _Listed, salt: str) -> tuple[str | None, int | None]:
    """Hash of the evaluation salt and every file's path, size, modification time and inode, and the
    files' total size; (None, None) if a file cannot be stat'ed (the content path then reports it).

    The hash is only a hint of whether these files were evaluated before (:meth:`ContentCache.marked`),
    never a key for results: files can change without changing their times.
    """
    h = hashlib.sha256(salt.encode())
    total = 0
    try:
        for _, listing in listings:
            for path in (*listing.box_paths, *listing.time_paths):
                st = os.stat(path)
                total += st.st_size
                h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n".encode())
    except OSError:
        return None, None
    return h.hexdigest(), total


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
