"""A run's result files as arrays: listing, reading and parsing in one call.

:func:`load_run` is the plain way to get a run's boxes (``pack``, scripts, tests); the evaluation
pipeline (:mod:`odtrack_eval.evaluation`) calls the same stages one by one, so that it can look up
its cache between reading and parsing. Loading is strict about *format* (every row must be four
numbers) and silent about *content* (:mod:`.validation` reports that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from odtrack_eval.backend import Backend, choose_backend
from odtrack_eval.results.layout import RunFiles, TrackerRuns
from odtrack_eval.results.listing import RunListing, list_run
from odtrack_eval.results.reading import read_files
from odtrack_eval.sequence import Dataset
from odtrack_eval.textio import parse_tables

__all__ = ["RunResults", "load_run", "load_tracker", "parse_listing"]

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


def parse_listing(listing: RunListing, datas: Sequence[bytes], backend: Backend) -> RunResults:
    """Parse the bytes of a listed run's files (``datas``: box files, then time files, as ``listing.paths``)."""
    nbox = len(listing.box_paths)
    boxes = parse_tables(datas[:nbox], listing.box_paths, 4, BOXES_WHAT, backend)
    times = parse_tables(datas[nbox:], listing.time_paths, None, TIMES_WHAT, backend)
    return RunResults(
        listing.run.run_id,
        dict(zip(listing.order, boxes, strict=True)),
        dict(zip(listing.order, listing.box_paths, strict=True)),
        dict(zip(listing.time_names, times, strict=True)),
        listing.missing,
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
    datas, _ = read_files(listing.paths)
    if backend is None:
        backend = choose_backend(sum(len(d) for d in datas))
    return parse_listing(listing, datas, backend)


def load_tracker(
    entry: TrackerRuns, dataset: Dataset, *, allow_missing: bool = False, backend: Backend | None = None
) -> list[RunResults]:
    """:func:`load_run` for every run of a tracker entry."""
    return [load_run(r, dataset, allow_missing=allow_missing, backend=backend) for r in entry.runs]
