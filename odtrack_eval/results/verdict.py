"""What a protocol does with each finding about a tracker's results, and the verdict that follows.

Validation (:mod:`.validation`) and listing only report facts (a file one row short, NaN rows,
columns that look like corners, files named after another benchmark's sequences). Whether such a
fact refuses the tracker, is repaired (and how), or only raises a suspicion depends on the protocol
(protocols.md §1.7). This module is that decision, as data read from the protocol's fields, so the
tables' footnotes, ``--strict`` and ``odtrack-eval inspect`` all say the same thing.

Verdicts: ``ok`` (scored as given), ``warn`` (scored, with repairs or suspicions), ``refused``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from odtrack_eval.protocols import Protocol

__all__ = ["Handling", "handling", "repair_notes", "STRICT_HINT", "Verdict"]

Action = Literal["refuse", "repair", "suspect", "note"]
Verdict = Literal["ok", "warn", "refused"]

#: Appended to a refusal that only ``--strict`` makes.
STRICT_HINT = "--strict refuses results the protocol would repair or that look wrong"

_SHORTER = {
    "zero_pad": "padded with 0,0,0,0 rows (failures)",
    "nan_pad": "padded with empty rows (failures)",
    "truncate_both": "scored on the rows they have (the ground truth cut to the same length)",
}
_REPAIR = "replaced by the previous frame's box"


@dataclass(frozen=True)
class Handling:
    """What the protocol does with one kind of finding: ``action`` and, for people, ``how``."""

    action: Action
    how: str


def handling(kind: str, protocol: Protocol, shorter: bool = True) -> Handling:
    """The protocol's handling of a finding ``kind`` (validation's kinds, plus ``foreign``).

    ``shorter``: for ``length_mismatch``, whether the results are shorter than the ground truth.
    """
    p = protocol
    if kind == "length_mismatch":
        if not shorter:
            return Handling("repair", "rows beyond the ground truth ignored")
        if p.shorter_results == "error":
            return Handling("refuse", "refused: the protocol does not accept short results")
        return Handling("repair", _SHORTER[p.shorter_results])
    if kind in ("nan_rows", "inf_rows", "negative_size"):
        rejected = p.reject_invalid_predictions and (kind != "negative_size" or p.reject_negative_size)
        if rejected:
            return Handling("refuse", "refused: the protocol rejects such rows")
        if p.repair_predictions == "invalid":
            return Handling("repair", _REPAIR)
        if kind == "negative_size":
            return Handling("note", "scored as given (the IoU clips them)")
        return Handling("repair", "scored as failures")
    if kind == "zero_size":
        if p.repair_predictions in ("zero_size", "invalid"):
            return Handling("repair", _REPAIR)
        return Handling("note", "scored as given (failures)")
    if kind == "looks_like_corners":
        return Handling("suspect", "scored as x,y,w,h; convert the files if they hold x1,y1,x2,y2")
    if kind == "foreign":
        return Handling("suspect", "ignored")
    if kind == "offset":
        return Handling("suspect", "scored as given")
    return Handling("note", "")


_WHAT = {
    "length_mismatch": ("shorter than the ground truth", "longer than the ground truth"),
    "nan_rows": ("with NaN rows",) * 2,
    "inf_rows": ("with infinite rows (inf, 1e400)",) * 2,
    "negative_size": ("with negative sizes",) * 2,
    "zero_size": ("with zero-size boxes",) * 2,
    "looks_like_corners": ("that look like x1,y1,x2,y2 corners",) * 2,
    "foreign": ("named after sequences of another benchmark",) * 2,
    "offset": ("whose first rows are the ground truth shifted by a convention offset",) * 2,
}


#: Kinds whose count is not a number of rows.
_NO_ROW_COUNT = ("looks_like_corners", "foreign", "offset")
#: Kinds whose finding counts files (one finding per folder), not rows.
_FILE_COUNT = ("foreign", "offset")


def repair_notes(
    tracker: str, findings: Iterable[tuple[str, bool, int | None]], protocol: Protocol, tool: str | None = None
) -> list[str]:
    """One footnote per kind of repair or suspicion: ``Repaired: MDNet: 2 files shorter than the ground truth
    (3 rows), padded with 0,0,0,0 rows (failures), as in the ODTrack evaluator``, or ``Suspect: ...``.

    ``findings``: (kind, shorter, count) per file; ``tool``: who does it (default: the protocol's tool).
    """
    grouped: dict[tuple[str, bool], list[int | None]] = defaultdict(list)
    for kind, shorter, count in findings:
        grouped[(kind, shorter if kind == "length_mismatch" else True)].append(count)
    notes = []
    for (kind, shorter), counts in grouped.items():
        h = handling(kind, protocol, shorter)
        if h.action not in ("repair", "suspect") or kind not in _WHAT:
            continue
        what = _WHAT[kind][0 if shorter else 1]
        rows = sum(c for c in counts if c is not None)
        num_files = rows if kind in _FILE_COUNT else len(counts)
        files = f"{num_files} file{'s' if num_files != 1 else ''}"
        amount = f" ({rows} row{'s' if rows != 1 else ''})" if rows and kind not in _NO_ROW_COUNT else ""
        by = f", as in {tool or protocol.tool}" if h.action == "repair" and (tool or protocol.tool) else ""
        label = "Repaired" if h.action == "repair" else "Suspect"
        notes.append(f"{label}: {tracker}: {files} {what}{amount}, {h.how}{by}")
    return notes
