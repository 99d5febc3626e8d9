"""Which benchmark a sequence name belongs to, from the sequence lists shipped with the package.

Downloaded result archives mix benchmarks (LaSOT and LaSOT_ext in one folder) or get unpacked into
the wrong place (LaSOT results given as OTB100's). Names alone tell: ``car-2`` is a LaSOT sequence,
``Car2`` an OTB100 one, and the two must never be paired although they differ only in case and a
dash. This module knows every shipped list (all splits, the training ones included, so LaSOT's
training sequences are LaSOT's) and says which files of a folder name sequences of another
benchmark. The lists are read only when a folder holds names the evaluated benchmark lacks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from functools import cache

from odtrack_eval.datasets._layout import package_names, package_text
from odtrack_eval.sequence import Dataset, canonical_name

__all__ = ["DISPLAY_NAMES", "dataset_label", "display_name", "foreign_names", "names_of", "read_list"]

#: Benchmark tag -> how people write it (tables, titles, messages).
DISPLAY_NAMES = {
    "lasot": "LaSOT",
    "lasot_ext": "LaSOT_ext",
    "trackingnet": "TrackingNet",
    "got10k": "GOT-10k",
    "tnl2k": "TNL2K",
    "otb": "OTB100",
    "vot2020": "VOT2020",
}

#: Benchmark tag -> the shipped lists of its sequence names: (data folder, file[, CSV column]).
_LISTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "lasot": (("lasot", "all_dataset.txt"),),
    "lasot_ext": (("lasot_ext", "sequence_list.txt"),),
    "trackingnet": (("trackingnet", "TEST_sequences.txt"), ("trackingnet", "TRAIN_chunks.csv.gz", "sequence")),
    "got10k": (("got10k", "val_list.txt"), ("got10k", "test_list.txt"), ("got10k", "train_list.txt.gz")),
    "tnl2k": (("tnl2k", "testing_set.txt"),),
    "otb": (("otb100", "sequences.csv", "name"),),
    "vot2020": (("vot2020", "list.txt"),),
}


def display_name(tag: str) -> str:
    """``LaSOT`` for ``lasot``; an unknown tag as it is."""
    return DISPLAY_NAMES.get(tag, tag)


def dataset_label(dataset: Dataset) -> str:
    """How titles name a loaded dataset: its display name (``LaSOT``), with the split where the dataset is
    not the benchmark's standard set (``GOT-10k (got10k-val)``), or what it is when it is not the benchmark
    at all (``LaSOT layout (synthetic, written by odtrack-eval synth)``)."""
    from odtrack_eval.datasets import REGISTRY

    shown = display_name(dataset.tag)
    if dataset.note:
        return f"{shown} layout ({dataset.note})"
    standard = REGISTRY.get(dataset.tag)  # the dataset registered under the benchmark's tag: its standard set
    return shown if standard is not None and standard.name == dataset.name else f"{shown} ({dataset.name})"


def read_list(folder: str, file: str, column: str | None = None) -> list[str]:
    """The names of one shipped list in order: a text file with one per line, or a CSV ``column``."""
    if column is None:
        return package_names(folder, file)
    rows = csv.DictReader(io.StringIO(package_text(folder, file)))
    return [name for row in rows if (name := row[column].strip())]


@cache
def names_of(tag: str) -> frozenset[str]:
    """Every sequence name of benchmark ``tag`` in the shipped lists (empty for an unknown tag)."""
    return frozenset(n for spec in _LISTS.get(tag, ()) for n in read_list(*spec))


def foreign_names(stems: Iterable[str], tag: str, own: Iterable[str] = ()) -> dict[str, list[str]]:
    """The ``stems`` that are exactly a sequence name of another benchmark and not of ``tag``, by
    that benchmark's tag (in the order of :data:`DISPLAY_NAMES`). In a folder that is mostly this
    benchmark's (at most half as many files of the other benchmark as files matching ours up to case
    and separators), a name that matches one of ours that way counts as ours.

    ``own``: further names that belong to the evaluated benchmark (a benchmark of one's own).
    Only exact names count: a stem that is no benchmark's name is not foreign, just unknown.
    """
    own_names = set(own)
    stems = list(stems)
    unknown = [s for s in stems if s not in own_names]
    if not unknown:
        return {}
    ours = names_of(tag) | own_names
    unknown = [s for s in unknown if s not in ours]
    if not unknown:  # (a folder of this benchmark's results beyond the evaluated split, e.g. LaSOT's 1400)
        return {}
    ours_canonical = {canonical_name(n) for n in ours}
    ours_count = sum(canonical_name(s) in ours_canonical for s in stems)
    out: dict[str, list[str]] = {}
    for other in DISPLAY_NAMES:
        if other == tag or not unknown:
            continue
        theirs = names_of(other)
        hits = [s for s in unknown if s in theirs]
        if 2 * len(hits) <= ours_count:
            # A folder mostly of this benchmark: a name that is also one of ours up to case and separators is
            # ours (the OTB toolkit's own files are named basketball.txt, girl.txt: VOT2020 names exactly).
            hits = [s for s in hits if canonical_name(s) not in ours_canonical]
        if hits:
            out[other] = hits
            taken = set(hits)
            unknown = [s for s in unknown if s not in taken]
    return out
