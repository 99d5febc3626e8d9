"""The boxes each tracker wrote for a few sequences: what pictures (frame grids, videos) draw.

The evaluation's own stages, for the named sequences only: :func:`~.selection.find_entries` picks the
entries (``--tracker``), :func:`~.reader.load_run` lists, reads and parses a run's files. Nothing is
validated or repaired: a picture shows the boxes as written. An entry with several runs shows its first
one (``--tracker TRACKER:PARAM:RUN`` picks another), and a tracker without a file for a sequence is left
out of that sequence's pictures, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.results.layout import discover_trackers
from odtrack_eval.results.reader import load_run
from odtrack_eval.results.selection import find_entries
from odtrack_eval.sequence import Dataset

__all__ = ["Tracks", "load_tracks"]


@dataclass(frozen=True)
class Tracks:
    """Boxes per tracker and sequence (N x 4 ``x, y, w, h``, as written), and what a caller should say."""

    #: The entries shown, in the order of ``--tracker`` (all found when none was given).
    trackers: list[str]
    #: tracker -> sequence -> boxes; a sequence without a file is absent.
    boxes: dict[str, dict[str, np.ndarray]]
    #: Every entry name of the results folder (the shown ones included): colours are assigned over
    #: these, so a tracker keeps the colour the report of the whole folder gives it.
    all_trackers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def of(self, sequence: str) -> dict[str, np.ndarray]:
        """tracker -> boxes of the trackers that have ``sequence``, in :attr:`trackers` order."""
        return {t: self.boxes[t][sequence] for t in self.trackers if sequence in self.boxes[t]}


def load_tracks(results_dir: str | Path, dataset: Dataset, trackers: list[str] | None = None) -> Tracks:
    """The boxes of every tracker entry of ``results_dir`` (or those ``trackers`` picks) for the
    sequences of ``dataset`` (load it with ``sequences=[...]`` to read only those files)."""
    results_dir = Path(results_dir)
    entries = find_entries(results_dir, dataset.tag, trackers)
    boxes: dict[str, dict[str, np.ndarray]] = {}
    notes: list[str] = []
    for entry in entries:
        run = entry.runs[0]
        loaded = load_run(run, dataset, allow_missing=True)
        boxes[entry.name] = loaded.boxes
        if len(entry.runs) > 1:
            notes.append(f"{entry.name}: {len(entry.runs)} runs; showing run {run.run_id} "
                         f"(--tracker {entry.tracker}:{entry.param or ''}:RUN picks another)")  # fmt: skip
        if loaded.missing:
            notes.append(f"{entry.name}: no result file for {', '.join(loaded.missing)} in {run.folder}; not drawn")
    every: list[str] = []
    if trackers:
        try:
            every = [e.name for e in discover_trackers(results_dir, dataset.tag)]
        except OdtrackEvalError:  # (a broken folder of a tracker not asked for: colours by the shown ones)
            pass
    names = [e.name for e in entries]
    return Tracks(names, boxes, list(dict.fromkeys(every + names)), notes)
