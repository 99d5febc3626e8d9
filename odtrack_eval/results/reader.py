"""A run's result files as arrays: listing, reading and parsing in one call.

:func:`load_run` is the plain way to get a run's boxes (``pack``, scripts, tests); the evaluation
pipeline (:mod:`odtrack_eval.evaluation`) calls the same stages one by one, so that it can look up
its cache before parsing. Each file is parsed in the thread that read it (:func:`file_parser` is the
``transform`` of :func:`~.reading.read_files`). Loading is strict about *format* (every row must be four
numbers) and silent about *content* (:mod:`.validation` reports that).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from odtrack_eval.backend import Backend, choose_backend
from odtrack_eval.results.layout import RunFiles, TrackerRuns
from odtrack_eval.results.listing import RunListing, list_run, listed_bytes
from odtrack_eval.results.reading import read_files
from odtrack_eval.sequence import Dataset
from odtrack_eval.textio import parse_table

__all__ = ["RunResults", "load_run", "load_tracker", "file_parser", "run_results"]

#: What a box file and a time file hold (for error messages).
BOXES_WHAT = "x,y,w,h"
TIMES_WHAT = "seconds per frame"


@dataclass(frozen=True)
class RunResults:
    """Parsed results of one run for one dataset.

    ``boxes`` maps each dataset sequence name to an N×4 float64 ``x, y, w, h`` array, in dataset
    order, exactly as written (no row-0 overwrite, no truncation: that is protocol business).
    ``times`` holds per-frame seconds for the sequences that have a time file. ``missing`` lists
    the sequences without a result file (only non-empty with ``allow_missing=True``).
    """

    run_id: int | None
    boxes: dict[str, np.ndarray]
    paths: dict[str, Path]
    times: dict[str, np.ndarray] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    #: sequence -> content digest of the box file's bytes that were parsed (for cache keys of what was read)
    digests: dict[str, bytes] = field(default_factory=dict)


def file_parser(listings: Sequence[RunListing], backend: Backend) -> Callable[[bytes, int], np.ndarray]:
    """``parse(data, i)`` of file ``i`` of the listings' files (each listing's :attr:`RunListing.paths`, one
    listing after the other): box files as N x 4 tables, time files as vectors."""
    specs: list[tuple[Path, int | None, str]] = []
    for listing in listings:
        specs += [(p, 4, BOXES_WHAT) for p in listing.box_paths] + [(p, None, TIMES_WHAT) for p in listing.time_paths]

    def parse(data: bytes, index: int) -> np.ndarray:
        path, ncols, what = specs[index]
        return parse_table(data, path, ncols, what, backend)

    return parse


def run_results(
    listing: RunListing, tables: Sequence[np.ndarray], digests: Sequence[bytes] = ()
) -> RunResults:
    """The results of a listed run from its files' tables (box files, then time files, as ``listing.paths``) and,
    where given, the digests of the bytes they were parsed from (same order)."""
    nbox = len(listing.box_paths)
    return RunResults(
        listing.run.run_id,
        dict(zip(listing.order, tables[:nbox], strict=True)),
        dict(zip(listing.order, listing.box_paths, strict=True)),
        dict(zip(listing.time_names, tables[nbox:], strict=True)),
        listing.missing,
        dict(zip(listing.order, digests[:nbox], strict=True)) if digests else {},
    )


def load_run(
    run: RunFiles, dataset: Dataset, *, allow_missing: bool = False, backend: Backend | None = None
) -> RunResults:
    """Read the box (and time) files of ``run`` for every sequence of ``dataset``.

    Sequences without a file raise :class:`ResultsError` listing them, unless ``allow_missing``
    (then they are left out and listed in :attr:`RunResults.missing`). ``backend``: None chooses by
    the files' size.
    """
    listing = list_run(run, dataset.names, dataset.name, allow_missing)
    if backend is None:
        backend = choose_backend(listed_bytes([listing]))
    tables, digests = read_files(listing.paths, file_parser([listing], backend))
    return run_results(listing, tables, digests)


def load_tracker(
    entry: TrackerRuns, dataset: Dataset, *, allow_missing: bool = False, backend: Backend | None = None
) -> list[RunResults]:
    """:func:`load_run` for every run of a tracker entry."""
    return [load_run(r, dataset, allow_missing=allow_missing, backend=backend) for r in entry.runs]
