"""Validation: every unusual fact about result files, found without deciding which are fatal.

Loading is strict about *format* (every row must be four numbers); content is judged here: NaN
rows, infinite rows (``inf``, ``1e400``; the protocols treat them as NaN rows), negative or zero
sizes, a wrong length, columns that look like x2,y2 corners. The protocols disagree on which of
these are fatal (protocols.md §1.7), so this stage only reports :class:`Finding` objects; the
protocol decides (:mod:`.verdict`, and the preparation stage of the metrics).

Speed: one screening pass over all files picks the files that can have a finding; only those get
the detailed per-file :func:`validate`. The screen runs as whole-array numpy passes, or compiled
(:mod:`.screen_kernel`, the same integer counts per file) on the compiled backend.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from odtrack_eval.backend import Backend, load_kernel
from odtrack_eval.errors import ResultsError

__all__ = ["Finding", "FindingKind", "offset_evidence", "validate", "validate_run", "raise_for_findings"]

FindingKind = Literal[
    "length_mismatch", "nan_rows", "inf_rows", "negative_size", "zero_size", "looks_like_corners", "offset", "foreign"
]


@dataclass(frozen=True)
class Finding:
    """One fact about a result file that some protocol may treat as fatal.

    ``line`` is 1-based (row ``i`` of the array is line ``i + 1``: result files have one row per
    line). ``count`` is how many rows are affected, where that means something.
    """

    kind: FindingKind
    path: Path
    message: str
    line: int | None = None
    count: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"

    @property
    def shorter(self) -> bool:
        """For ``length_mismatch``: the results are shorter than the ground truth (else longer)."""
        return self.kind == "length_mismatch" and self.message.endswith("(shorter)")


def validate(boxes: np.ndarray, gt: np.ndarray, path: str | Path) -> list[Finding]:
    """Report everything unusual about ``boxes`` (one file's N×4 array) against ``gt``."""
    path = Path(path)
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    gt = np.asarray(gt, dtype=np.float64).reshape(-1, 4)
    findings: list[Finding] = []
    n, m = len(boxes), len(gt)
    if n != m:
        side = "shorter" if n < m else "longer"
        findings.append(
            Finding("length_mismatch", path, f"{n} rows but the ground truth has {m} ({side})", count=abs(n - m))
        )
    whole = boxes
    boxes = boxes[:m]  # rows past the ground truth are ignored by every protocol: only their number is a finding
    nan = np.isnan(boxes).any(axis=1)
    inf = np.isinf(boxes).any(axis=1) & ~nan
    for kind, rows, what in (("nan_rows", nan, "NaN"), ("inf_rows", inf, "an infinite value (inf, 1e400)")):
        if rows.any():
            lines = (np.flatnonzero(rows)[:5] + 1).tolist()
            more = ", ..." if rows.sum() > 5 else ""
            findings.append(
                Finding(
                    kind,  # type: ignore[arg-type]
                    path,
                    f"{int(rows.sum())} rows contain {what} (lines {', '.join(map(str, lines))}{more})",
                    line=lines[0],
                    count=int(rows.sum()),
                )
            )
    with np.errstate(invalid="ignore"):
        negative = (boxes[:, 2] < 0) | (boxes[:, 3] < 0)
        zero = ((boxes[:, 2] == 0) | (boxes[:, 3] == 0)) & ~negative
    if negative.any():
        first = int(np.argmax(negative))
        findings.append(
            Finding(
                "negative_size",
                path,
                f"{int(negative.sum())} rows have a negative width or height, first {boxes[first].tolist()}",
                line=first + 1,
                count=int(negative.sum()),
            )
        )
    if zero.any():
        first = int(np.argmax(zero))
        findings.append(
            Finding(
                "zero_size",
                path,
                f"{int(zero.sum())} rows have zero width or height",
                line=first + 1,
                count=int(zero.sum()),
            )
        )
    with np.errstate(all="ignore"):  # 1e308 boxes overflow in the evidence IoU: inf/NaN, never a warning
        corners = _corner_evidence(whole, gt)
    if corners is not None:
        findings.append(Finding("looks_like_corners", path, corners))
    return findings


# A file is flagged as x1,y1,x2,y2 when (a) nearly every row has x2 > x1 and y2 > y1, and (b) over the
# first frames with valid GT (where trackers still follow the target; frame 0 is usually the init box)
# reading columns 3-4 as corners overlaps the GT far better than reading them as w,h. Whole-file size
# statistics were tried first and fail on trackers that lose the target early: on the 760 real result
# files of LaSOT (ATOM, C-RPN) and OTB-100 (SiamFC-3s, CFNet) this rule fires on none of the files and
# on ~95% of the same files converted to corners (the rest lose the target within the first frames).
_CORNER_FRAMES = 30
_CORNER_MIN_ROWS = 5
_CORNER_ORDERED = 0.95  # share of rows with x2 > x1 and y2 > y1
_CORNER_MIN_IOU = 0.4  # mean early IoU when read as corners ...
_CORNER_GAP = 0.25  # ... and at least this much above the mean early IoU when read as w,h


def _corner_evidence(boxes: np.ndarray, gt: np.ndarray) -> str | None:
    n = min(len(boxes), len(gt))
    b, g = boxes[:n], gt[:n]
    with np.errstate(invalid="ignore"):
        usable = np.isfinite(b).all(axis=1) & np.isfinite(g).all(axis=1) & (g[:, 2] > 0) & (g[:, 3] > 0)
    b, g = b[usable], g[usable]
    if len(b) < _CORNER_MIN_ROWS:
        return None
    ordered = (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])
    if ordered.mean() < _CORNER_ORDERED:
        return None
    early, g_early = b[:_CORNER_FRAMES], g[:_CORNER_FRAMES]
    as_corners = np.concatenate([early[:, :2], early[:, 2:] - early[:, :2]], axis=1)
    iou_wh = float(_iou(early, g_early).mean())
    iou_corners = float(_iou(as_corners, g_early).mean())
    if iou_corners < _CORNER_MIN_IOU or iou_corners - iou_wh < _CORNER_GAP:
        return None
    return (
        "columns 3-4 look like x2,y2 corners, not width,height (over the first frames, mean IoU with "
        f"the ground truth is {iou_corners:.2f} read as corners vs {iou_wh:.2f} read as x,y,w,h); "
        "convert the file to x,y,w,h"
    )


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Plain continuous IoU of x,y,w,h rows (only used as evidence, never as a metric)."""
    w = np.clip(np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    h = np.clip(np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = w * h
    union = np.clip(a[:, 2], 0, None) * np.clip(a[:, 3], 0, None) + b[:, 2] * b[:, 3] - inter
    return inter / union


def _rows_all(mask: np.ndarray) -> np.ndarray:
    """``mask.all(axis=1)`` for a C-contiguous (N, 4) bool array: each row is one 4-byte word.

    (``all(axis=1)`` over a short inner axis costs ~20 ns a row; one word compare ~1 ns.)
    """
    return mask.view(np.uint32)[:, 0] == 0x01010101


def _segment_counts(mask: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Number of True values of ``mask`` in each segment ``bounds[i]:bounds[i + 1]``."""
    ends = bounds.tolist()
    return np.array([np.count_nonzero(mask[a:b]) for a, b in zip(ends[:-1], ends[1:], strict=True)])


def _usable_gt(gts: Sequence[np.ndarray]) -> np.ndarray:
    """Rows of the concatenated ``gts`` that are finite with positive w and h (see _corner_evidence)."""
    g = np.concatenate([np.asarray(gt, dtype=np.float64).reshape(-1, 4) for gt in gts])
    with np.errstate(invalid="ignore"):
        return _rows_all(np.isfinite(g)) & (g[:, 2] > 0) & (g[:, 3] > 0)


def validate_run(
    boxes: Sequence[np.ndarray],
    gts: Sequence[np.ndarray],
    paths: Sequence[Path],
    backend: Backend = Backend.NUMPY,
) -> list[Finding]:
    """:func:`validate` every file of a run: ``boxes[i]`` (N x 4) read from ``paths[i]`` against ``gts[i]``.

    One screening pass over all files picks the files that can have a finding (NaN or infinite
    values, non-positive size, length mismatch, or rows ordered like corners); only those get the
    detailed :func:`validate`, so a clean 280-sequence run costs one pass, not 280 calls. The screen
    may pick more files than have findings (never fewer): only :func:`validate` decides.
    """
    if not boxes:
        return []
    boxes = [np.asarray(b, dtype=np.float64).reshape(-1, 4) for b in boxes]
    screen = _screen_compiled if backend.compiled else _screen_numpy
    flagged = screen(boxes, list(gts))
    findings: list[Finding] = []
    for i in np.flatnonzero(flagged):
        findings.extend(validate(boxes[i], gts[i], paths[i]))
    return findings


def _corner_like(num_usable: np.ndarray, num_ordered: np.ndarray) -> np.ndarray:
    """Files whose usable rows are nearly all ordered like corners (candidates for the corner check).

    A hair below the threshold: ``ordered.mean() >= 0.95`` in _corner_evidence and this integer
    form may round differently at the boundary, and flagging one file too many is harmless.
    """
    return (num_usable >= _CORNER_MIN_ROWS) & (num_ordered >= (_CORNER_ORDERED - 1e-9) * num_usable)


def _screen_compiled(boxes: list[np.ndarray], gts: list[np.ndarray]) -> np.ndarray:
    """The screen, one compiled pass per file (:mod:`.screen_kernel`: the same counts as :func:`_screen_numpy`)."""
    kernel = load_kernel("odtrack_eval.results.screen_kernel")
    if kernel is None:
        return _screen_numpy(boxes, gts)
    flagged = np.zeros(len(boxes), dtype=bool)
    num_usable = np.zeros(len(boxes), dtype=np.int64)
    num_ordered = np.zeros(len(boxes), dtype=np.int64)
    for i, (b, g) in enumerate(zip(boxes, gts, strict=True)):
        odd, num_usable[i], num_ordered[i] = kernel.screen_file(b, g, min(len(b), len(g)))
        flagged[i] = odd or len(b) != len(g)
    return flagged | _corner_like(num_usable, num_ordered)


def _screen_numpy(boxes: list[np.ndarray], gts: list[np.ndarray]) -> np.ndarray:
    """The screen as whole-array passes over all files joined (the definition the kernel matches)."""
    n = np.array([len(b) for b in boxes])
    m = np.array([len(g) for g in gts])
    k = np.minimum(n, m)
    bounds = np.zeros(len(boxes) + 1, dtype=np.int64)
    np.cumsum(k, out=bounds[1:])
    # Rows beyond the ground truth exist only where n > m, and those files are flagged by n != m.
    flagged = n != m
    b = np.concatenate([bx[:kk] for bx, kk in zip(boxes, k, strict=True)])
    usable_gt = _usable_gt([gt[:kk] for gt, kk in zip(gts, k, strict=True)])
    bx, by, bw, bh = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    with np.errstate(invalid="ignore"):
        finite = _rows_all(np.isfinite(b))
        odd = (bw > 0) & (bh > 0)  # False for NaN sizes too
        odd &= finite  # NaN (and, needlessly but harmlessly, infinite) values
        np.logical_not(odd, out=odd)
        usable = finite & usable_gt
        ordered = usable & (bw > bx) & (bh > by)
    hits = np.flatnonzero(odd)
    if len(hits):
        flagged[np.searchsorted(bounds, hits, side="right") - 1] = True
    return flagged | _corner_like(_segment_counts(usable, bounds), _segment_counts(ordered, bounds))


_OFFSET_STEPS = (-1.0, -0.5, 0.0, 0.5, 1.0)
_OFFSET_SHARE = 0.8  # of the files whose first row is finite
_OFFSET_MIN_FILES = 3


def offset_evidence(first_rows: list[tuple[np.ndarray, np.ndarray]], corners: bool) -> tuple[str, int] | None:
    """A consistent half- or one-pixel offset between the first result rows and the ground truth.

    Trackers write the initial box as their first row (every real result set we have: 760 files),
    so a first row equal to the ground truth shifted by the same (dx, dy, dw, dh) in most files, each
    a multiple of 0.5 up to 1, is strong evidence of a convention change (0- vs 1-based pixels, an
    inclusive x2). ``corners``: the files hold x1,y1,x2,y2; compare them as such. Returns the
    message and the number of files, or None.
    """
    diffs = []
    for row, gt in first_rows:
        if not (np.isfinite(row).all() and np.isfinite(gt).all()):
            continue
        box = np.array([row[0], row[1], row[2] - row[0], row[3] - row[1]]) if corners else row
        diffs.append(tuple(np.round(box - gt, 3).tolist()))
    if len(diffs) < _OFFSET_MIN_FILES:
        return None
    (shift, hits), *_ = Counter(diffs).most_common(1)
    if not any(shift) or hits < _OFFSET_SHARE * len(diffs) or not all(v in _OFFSET_STEPS for v in shift):
        return None
    as_text = ", ".join(f"{v:+g}" for v in shift)
    kind = "half-pixel" if any(abs(v) == 0.5 for v in shift) else "one-pixel"
    return (f"first rows equal the ground truth shifted by ({as_text}) in {hits} of {len(diffs)} files: a {kind} "
            "offset from another box convention; scored as given", hits)  # fmt: skip


def run_offset(boxes: Sequence[np.ndarray], gts: Sequence[np.ndarray], findings: Sequence[Finding],
               folder: Path) -> Finding | None:  # fmt: skip
    """:func:`offset_evidence` of one run (its files as corners when most of them look like corners)."""
    first_rows = [(b[0], g[0]) for b, g in zip(boxes, gts, strict=True) if len(b) and len(g)]
    corners = 2 * sum(f.kind == "looks_like_corners" for f in findings) > len(first_rows)
    found = offset_evidence(first_rows, corners)
    return None if found is None else Finding("offset", folder, found[0], count=found[1])


def raise_for_findings(findings: Iterable[Finding], fatal: Iterable[str] | None = None) -> None:
    """Raise one :class:`ResultsError` listing every finding whose kind is in ``fatal`` (all if None)."""
    kinds = None if fatal is None else set(fatal)
    bad = [f for f in findings if kinds is None or f.kind in kinds]
    if not bad:
        return
    lines = [f"  {f} [{f.kind}]" for f in bad[:20]]
    if len(bad) > 20:
        lines.append(f"  ... and {len(bad) - 20} more")
    files = len({f.path for f in bad})
    raise ResultsError(f"{len(bad)} problem(s) in {files} result file(s):\n" + "\n".join(lines))
