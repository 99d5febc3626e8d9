"""Helpers shared by the benchmark adapters: shipped tables, layout detection, subset selection.

Every adapter follows the same steps: find which known layout ``root`` is (and fail with a
message that says what was looked for), pick the sequences of the official list in official
order, read each numeric file with :mod:`odtrack_eval.textio`, and fall back to the tables
shipped in ``odtrack_eval/data/<benchmark>/`` for what the folder does not contain
(attributes, lists). Nothing here lists an image folder.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Callable, Iterable
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from odtrack_eval.errors import FormatError, LayoutError, UnknownNameError
from odtrack_eval.hashing import read_bytes
from odtrack_eval.sequence import canonical_name
from odtrack_eval.textio import read_flags, read_table

# --------------------------------------------------------------------------------------------
# Shipped package data (odtrack_eval/data/<benchmark>/<file>)
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def read_data_text(benchmark: str, filename: str) -> str:
    """Text of a file shipped under ``odtrack_eval/data/<benchmark>/`` (works from wheels and zips)."""
    ref = resources.files("odtrack_eval").joinpath("data", benchmark, filename)
    try:
        return ref.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FormatError(f"odtrack_eval/data/{benchmark}/{filename}", "shipped data file missing") from None


def read_name_list(benchmark: str, filename: str) -> list[str]:
    """A shipped sequence list: one name per line, blank lines ignored, order kept."""
    return [line.strip() for line in read_data_text(benchmark, filename).splitlines() if line.strip()]


def read_csv_rows(benchmark: str, filename: str) -> list[dict[str, str]]:
    """Rows of a shipped CSV table with a header line."""
    return list(csv.DictReader(io.StringIO(read_data_text(benchmark, filename))))


def read_attribute_names(benchmark: str, filename: str = "attribute_names.csv") -> dict[str, str]:
    """``{short code: long name}`` in the benchmark's official order (``index,short,long`` table)."""
    rows = sorted(read_csv_rows(benchmark, filename), key=lambda r: int(r["index"]))
    return {r["short"]: r["long"] for r in rows}


class ShippedAttributes:
    """``{sequence: attribute codes}`` of a shipped table, read on first use.

    Toolkit copies and synthetic benchmarks carry their own ``att/`` files, so most loads never need
    the table (parsing LaSOT's 1400-row CSV costs ~10 ms of every load otherwise).
    """

    def __init__(self, benchmark: str, filename: str, key: str, codes: Iterable[str]):
        self._args = (benchmark, filename, key, tuple(codes))
        self._table: dict[str, frozenset[str]] | None = None

    def get(self, name: str, default: frozenset[str] = frozenset()) -> frozenset[str]:
        if self._table is None:
            self._table = read_attribute_table(*self._args)
        return self._table.get(name, default)


def read_attribute_table(
    benchmark: str, filename: str, key: str, codes: Iterable[str]
) -> dict[str, frozenset[str]]:
    """``{sequence: attribute codes}`` from a shipped 0/1 table (one column per short code)."""
    codes = list(codes)
    table: dict[str, frozenset[str]] = {}
    for row in read_csv_rows(benchmark, filename):
        table[row[key]] = frozenset(code for code in codes if row[code].strip() == "1")
    return table


# --------------------------------------------------------------------------------------------
# Per-sequence files
# --------------------------------------------------------------------------------------------


def read_boxes(path: str | Path) -> np.ndarray:
    """Ground-truth boxes (N x 4, any of the usual delimiters); an empty file is an error."""
    gt = read_table(path, ncols=4, what="x,y,w,h")
    if len(gt) == 0:
        raise FormatError(Path(path), "ground-truth file is empty", expected="one x,y,w,h row per frame")
    return gt


def fit_flags(flags: np.ndarray, n: int, path: str | Path, what: str) -> np.ndarray:
    """Match a per-frame flag vector to ``n`` ground-truth rows.

    Longer flag files are cut to the ground truth: evaluation covers the annotated frames only.
    Real cases: TNL2K ``advSamp_monitor_bikeyellow`` has 930 absent flags for 929 boxes, and
    LaSOT ``monkey-17`` keeps only the first 2260 frames (its GT length) although the video is
    longer. Shorter flag files cannot be repaired and are an error.
    """
    if flags.size < n:
        raise FormatError(Path(path), f"{flags.size} {what} for {n} ground-truth rows", expected=f"{n} values")
    return flags[:n]


def read_attribute_flags(path: str | Path, codes: SequenceABC[str]) -> frozenset[str]:
    """Attribute codes from a toolkit ``att`` file: ``len(codes)`` 0/1 values, any delimiter/line layout."""
    flags = read_flags(path, what=f"{len(codes)} attribute flags (0/1) in the order {','.join(codes)}")
    if flags.size != len(codes):
        raise FormatError(
            Path(path),
            f"{flags.size} attribute flags",
            expected=f"{len(codes)} flags in the order {','.join(codes)}",
        )
    return frozenset(code for code, flag in zip(codes, flags, strict=True) if flag)


def read_first_line(path: str | Path) -> str | None:
    """First line of a text file, stripped (case kept); None if the file does not exist.

    Used for language descriptions. ODTrack's loader additionally lower-cases it
    (``load_str`` + ``clean_string``); we keep the annotators' text and leave that to consumers.
    """
    try:
        data = read_bytes(path)
    except FileNotFoundError:
        return None
    text = data.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    return lines[0].strip() if lines else ""


# --------------------------------------------------------------------------------------------
# Layout detection
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayoutCandidate:
    """One layout an adapter knows: ``probe(root)`` returns the base folder if ``root`` is it."""

    name: str
    description: str
    probe: Callable[[Path], Path | None]


def detect_layout(root: Path, benchmark: str, candidates: Iterable[LayoutCandidate]) -> tuple[str, Path]:
    """Return ``(layout name, base folder)`` of the first matching candidate, else raise LayoutError."""
    root = Path(root)
    if not root.is_dir():
        raise LayoutError(f"{benchmark}: dataset root {root} does not exist or is not a folder")
    candidates = list(candidates)
    for cand in candidates:
        base = cand.probe(root)
        if base is not None:
            return cand.name, base
    looked = "\n".join(f"  - {c.name}: {c.description}" for c in candidates)
    raise LayoutError(
        f"{benchmark}: {root} does not look like any known {benchmark} layout. Looked for:\n{looked}"
    )


def child_dirs(root: Path, names: Iterable[str]) -> list[Path]:
    """``root`` itself followed by those of its children ``names`` that are folders."""
    return [root] + [root / n for n in names if (root / n).is_dir()]


# --------------------------------------------------------------------------------------------
# Choosing the sequences
# --------------------------------------------------------------------------------------------


def select_names(official: list[str], sequences: Iterable[str] | None, benchmark: str) -> list[str]:
    """The official names to load, in official order.

    ``sequences`` (optional) restricts the set; its names match exactly or canonically
    (``Jogging-1`` = ``Jogging_1``); unknown names raise :class:`UnknownNameError`.
    """
    if sequences is None:
        return list(official)
    if isinstance(sequences, str):
        sequences = [sequences]
    by_canon = {canonical_name(n): n for n in official}
    wanted: set[str] = set()
    for name in sequences:
        hit = name if name in official else by_canon.get(canonical_name(name))
        if hit is None:
            raise UnknownNameError(f"sequence of {benchmark}", name, official)
        wanted.add(hit)
    return [n for n in official if n in wanted]


def files_in(folder: str | Path) -> set[str]:
    """Names of the files in ``folder`` (empty if it does not exist): one listing instead of a stat per file."""
    try:
        with os.scandir(folder) as entries:
            return {e.name for e in entries if e.is_file()}
    except OSError:
        return set()


def drop_missing(
    names: list[str],
    present: Callable[[str], bool],
    root: Path,
    benchmark: str,
    looked_for: str,
    allow_missing: bool,
) -> list[str]:
    """Keep the names whose files exist; missing ones are an error unless ``allow_missing``.

    With ``allow_missing=True`` the missing sequences are dropped with a :class:`UserWarning`
    (for partial downloads); evaluating such a subset is not comparable to published numbers.
    """
    kept = [n for n in names if present(n)]
    if len(kept) == len(names):
        return kept
    kept_set = set(kept)
    missing = [n for n in names if n not in kept_set]
    shown = ", ".join(missing[:20]) + (f", ... ({len(missing) - 20} more)" if len(missing) > 20 else "")
    msg = (
        f"{benchmark}: {len(missing)} of {len(names)} sequences missing under {root} "
        f"(looked for {looked_for}): {shown}"
    )
    if not allow_missing:
        raise LayoutError(
            msg + ". Complete the download, or evaluate the sequences you have: --sequence NAME (repeatable)."
        )
    warnings.warn(msg + "; dropped (allow_missing=True)", UserWarning, stacklevel=3)
    return kept
