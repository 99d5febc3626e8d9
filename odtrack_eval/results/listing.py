"""Listing: which files of a discovered run are read for a dataset, in the dataset's order.

Discovery (:mod:`.layout`) finds files without knowing the dataset; this stage matches them to the
dataset's sequence names and says which box and time files one run contributes, and which
sequences it lacks. Nothing is read here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from odtrack_eval.errors import ResultsError
from odtrack_eval.results.layout import RunFiles

__all__ = ["RunListing", "list_run", "listed_bytes", "missing_message"]

_MAX_LISTED = 10


@dataclass(frozen=True)
class RunListing:
    """The files of one run for one dataset: box files in dataset order, the time files there are,
    and the dataset's sequences without a box file."""

    run: RunFiles
    order: tuple[str, ...]
    box_paths: tuple[Path, ...]
    time_names: tuple[str, ...]
    time_paths: tuple[Path, ...]
    missing: tuple[str, ...]

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every file the run contributes (box files, then time files)."""
        return self.box_paths + self.time_paths


def listed_bytes(listings: Iterable[RunListing]) -> int:
    """Total size of the files of ``listings`` (what chooses the backend); unreadable ones count 0,
    reading reports them."""
    total = 0
    for listing in listings:
        for path in listing.paths:
            try:
                total += os.stat(path).st_size
            except OSError:
                pass
    return total


def missing_message(folder: Path, missing: Sequence[str], total: int, dataset_label: str) -> str:
    """The error for a run that lacks result files, listing the first few."""
    listed = ", ".join(missing[:_MAX_LISTED]) + (
        f" and {len(missing) - _MAX_LISTED} more" if len(missing) > _MAX_LISTED else ""
    )
    return (
        f"{folder}: no result file for {len(missing)} of {total} sequences of {dataset_label}: {listed} "
        "(--allow-missing evaluates every tracker on the sequences all of them have)"
    )


def list_run(run: RunFiles, names: Sequence[str], dataset_label: str, allow_missing: bool = False) -> RunListing:
    """The listing of ``run`` for the sequences ``names``; a missing file raises :class:`ResultsError`
    unless ``allow_missing`` (then the listing says which sequences are missing)."""
    found, missing = run.match(names)
    if missing and not allow_missing:
        raise ResultsError(missing_message(run.folder, missing, len(names), dataset_label))
    order = tuple(n for n in names if n in found)
    box_paths = tuple(found[n] for n in order)
    times = [(n, run.time_file(path.name[:-4])) for n, path in zip(order, box_paths, strict=True)]
    times = [(n, p) for n, p in times if p is not None]
    return RunListing(run, order, box_paths, tuple(n for n, _ in times), tuple(p for _, p in times), tuple(missing))
