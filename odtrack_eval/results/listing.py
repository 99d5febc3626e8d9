"""Listing: which files of a discovered run are read for a dataset, in the dataset's order.

Discovery (:mod:`.layout`) finds files without knowing the dataset; this stage matches them to the
dataset's sequence names and says which box and time files one run contributes, and which
sequences it lacks. Nothing is read here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from odtrack_eval.datasets.names import display_name, foreign_names
from odtrack_eval.errors import ResultsError
from odtrack_eval.results.layout import RunFiles

__all__ = ["RunListing", "foreign_refusal", "list_run", "listed_bytes", "missing_message"]

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
    #: Box files named after sequences of another benchmark, by its tag (never matched, never read).
    foreign: dict[str, list[str]] = field(default_factory=dict)

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


def list_run(
    run: RunFiles, names: Sequence[str], dataset_label: str, allow_missing: bool = False, tag: str | None = None
) -> RunListing:
    """The listing of ``run`` for the sequences ``names``; a missing file raises :class:`ResultsError`
    unless ``allow_missing`` (then the listing says which sequences are missing).

    ``tag``: the benchmark's tag; files named exactly after another benchmark's sequences are then
    set apart (:attr:`RunListing.foreign`) and never paired with a sequence of this one.
    """
    foreign = foreign_names(run.boxes, tag, names) if tag is not None else {}
    found, missing = run.match(names, {s for stems in foreign.values() for s in stems})
    if missing and not allow_missing:
        raise ResultsError(missing_message(run.folder, missing, len(names), dataset_label))
    order = tuple(n for n in names if n in found)
    box_paths = tuple(found[n] for n in order)
    times = [(n, run.time_file(path.name[:-4])) for n, path in zip(order, box_paths, strict=True)]
    times = [(n, p) for n, p in times if p is not None]
    return RunListing(
        run, order, box_paths, tuple(n for n, _ in times), tuple(p for _, p in times), tuple(missing), foreign
    )


def foreign_refusal(listings: Sequence[RunListing], num_sequences: int, tag: str) -> str | None:
    """Why a tracker's folder is refused as another benchmark's results, or None.

    Refused when some files name another benchmark's sequences and fewer than half of the evaluated
    sequences have a file: then the folder is that benchmark's results (a mixed folder that holds this
    benchmark's files too is scored, its foreign files set apart).
    """
    for listing in listings:
        if not listing.foreign or 2 * len(listing.order) >= num_sequences:
            continue
        other, stems = max(listing.foreign.items(), key=lambda kv: len(kv[1]))
        examples = ", ".join(sorted(stems)[:3])
        return (
            f"{listing.run.folder}: looks like {display_name(other)} results, not {display_name(tag)}: "
            f"{len(stems)} of {len(listing.run.boxes)} files name {display_name(other)} sequences ({examples}, ...) "
            f"and only {len(listing.order)} of the {num_sequences} sequences evaluated have a file "
            "(names are never paired across benchmarks)"
        )
    return None
