"""Load a run's result files into arrays, and check them against the ground truth.

Loading is strict about *format* (every row must be four numbers) and silent about *content*:
NaN rows, negative sizes or a wrong length are facts :func:`validate` reports, because the
protocols disagree on which of them are fatal (protocols.md §1.7).

Speed: parsing 685k rows one file at a time with ``np.fromstring`` takes ~0.25 s. Where numba is
available the compiled parser (:mod:`odtrack_eval.kernels.parse`, exact) reads each file in one pass,
two threads by parity; :func:`read_and_parse` also hashes and screens each file while it is in the
CPU cache (the cold path of an evaluation). Without numba, all clean files of a run are joined and
parsed by one pandas C-parser call (exact: correctly rounded ``strtod``), then split by row counts,
and parsed arrays are cached by content (:mod:`.cache`). Either way, any file the fast path cannot
vouch for (unusual characters, blank lines, NaN, ragged rows) is parsed again by
:func:`textio.parse_table`, which also produces the error message.
"""

from __future__ import annotations

import io
import weakref
from collections.abc import Iterable
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from odtrack_eval.errors import FormatError, ResultsError
from odtrack_eval.kernels import jit_enabled
from odtrack_eval.results.cache import (
    CacheOption,
    ContentCache,
    blob_digest,
    blob_digests,
    digest_files,
    in_two_threads,
    map_by_parity,
    read_and_digest,
    read_bytes,
    resolve_cache,
)
from odtrack_eval.results.layout import RunFiles, TrackerRuns
from odtrack_eval.sequence import Dataset
from odtrack_eval.textio import parse_table

__all__ = [
    "RunResults",
    "load_run",
    "load_tracker",
    "Finding",
    "validate",
    "validate_run",
    "raise_for_findings",
]

_MAX_LISTED = 10


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


@dataclass(frozen=True)
class _RunListing:
    """Which files of a run are read for a dataset: box files in dataset order, and time files."""

    order: list[str]
    box_paths: list[Path]
    time_names: list[str]
    time_paths: list[Path]
    missing: tuple[str, ...]


def _list_run(
    run: RunFiles, dataset: Dataset, allow_missing: bool, matched: tuple[dict[str, Path], list[str]] | None = None
) -> _RunListing:
    """``matched``: ``run.match(dataset.names)`` when the caller has it already."""
    names = dataset.names
    found, missing = matched if matched is not None else run.match(names)
    if missing and not allow_missing:
        listed = ", ".join(missing[:_MAX_LISTED]) + (
            f" and {len(missing) - _MAX_LISTED} more" if len(missing) > _MAX_LISTED else ""
        )
        raise ResultsError(
            f"{run.folder}: no result file for {len(missing)} of {len(names)} sequences of {dataset.name}: {listed}"
        )
    order = [n for n in names if n in found]
    box_paths = [found[n] for n in order]
    time_items = [(n, run.time_file(path.name[:-4])) for n, path in zip(order, box_paths, strict=True)]
    time_items = [(n, p) for n, p in time_items if p is not None]
    return _RunListing(order, box_paths, [n for n, _ in time_items], [p for _, p in time_items], tuple(missing))


def _unreadable(exc: OSError, paths: SequenceABC[Path]) -> FormatError:
    path = Path(exc.filename) if exc.filename else (paths[0] if paths else Path("."))
    return FormatError(path, f"cannot read the file ({exc.strerror or exc})")


def _read_digest(paths: SequenceABC[Path]) -> tuple[list[bytes], list[bytes]]:
    """Bytes and content digests of ``paths``; an unreadable file raises :class:`FormatError`."""
    try:
        return read_and_digest(paths)
    except OSError as exc:
        raise _unreadable(exc, paths) from None


def _digest_listing(listing: _RunListing) -> tuple[list[bytes], list[bytes]]:
    """Content digests of the box files and of the time files (bytes not kept: a cache lookup)."""
    try:
        return digest_files(listing.box_paths), digest_files(listing.time_paths)
    except OSError as exc:
        raise _unreadable(exc, [*listing.box_paths, *listing.time_paths]) from None


#: Bytes and digests of the box files and of the time files of one run (see :func:`_read_listing`).
_RunBytes = tuple[tuple[list[bytes], list[bytes]], tuple[list[bytes], list[bytes]]]


def _read_listing(listing: _RunListing) -> _RunBytes:
    return _read_digest(listing.box_paths), _read_digest(listing.time_paths)


def read_and_parse(
    paths: SequenceABC[Path],
    ncols: int | None = 4,
    what: str = "x,y,w,h",
    screen_against: SequenceABC[np.ndarray] | None = None,
) -> tuple[list[np.ndarray], list[bytes], np.ndarray | None]:
    """Read, hash (:func:`~.cache.blob_digest`) and parse each file in one go, two threads by parity.

    The compiled path of a cold evaluation: each file is parsed while its bytes are still in the
    CPU cache, and no bytes are kept. Files the compiled parser cannot vouch for are parsed by
    :func:`parse_table`. With ``screen_against`` (the ground truth of each file, x,y,w,h tables)
    each parsed table is also screened for :func:`validate_run` while it is in the cache: the
    third result is then the screen's flags (else None). Raises :class:`FormatError` for an
    unreadable or malformed file.
    """
    from odtrack_eval.kernels.screen import screen_file

    width = ncols or 1
    screen = screen_against is not None and ncols == 4
    counts = np.zeros((len(paths), 3), dtype=np.int64)  # odd, usable, ordered (per file, by its thread)

    def work(part: list[int]) -> list[tuple[np.ndarray | None, bytes | None, bytes]]:
        out: list[tuple[np.ndarray | None, bytes | None, bytes]] = []
        for i in part:
            data = read_bytes(paths[i])
            values = _kernel_parse(data, width)
            if values is not None and screen:
                gt = screen_against[i]  # type: ignore[index]
                odd, counts[i, 1], counts[i, 2] = screen_file(values, gt, min(len(values), len(gt)))
                counts[i, 0] = odd or len(values) != len(gt)
            # The bytes are kept only for a file the kernel refused (parse_table reads it again).
            out.append((values, data if values is None else None, blob_digest(data)))
        return out

    try:
        done = map_by_parity(work, range(len(paths)))
    except OSError as exc:
        raise _unreadable(exc, paths) from None
    arrays = [_or_reference(v, data, path, ncols, what) for path, (v, data, _) in zip(paths, done, strict=True)]
    flagged = None
    if screen:
        refused = np.array([values is None for values, _, _ in done], dtype=bool)  # validate_run checks those in full
        flagged = refused | counts[:, 0].astype(bool) | _corner_like(counts[:, 1], counts[:, 2])
    return arrays, [digest for _, _, digest in done], flagged


def read_and_parse_listing(
    run: RunFiles, listing: _RunListing, dataset: Dataset | None = None
) -> tuple[RunResults, list[bytes], list[bytes], np.ndarray | None]:
    """:func:`read_and_parse` for a listed run: the results, the digests of its box and time files,
    and (with ``dataset``) the screen flags of its box files for :func:`validate_run`."""
    gts = None if dataset is None else [dataset[name].ground_truth for name in listing.order]
    boxes, box_digests, flagged = read_and_parse(listing.box_paths, 4, "x,y,w,h", gts)
    times, time_digests, _ = read_and_parse(listing.time_paths, None, "seconds per frame")
    return _run_results(run, listing, boxes, times), box_digests, time_digests, flagged


def _run_results(run: RunFiles, listing: _RunListing, boxes: list[np.ndarray], times: list[np.ndarray]) -> RunResults:
    return RunResults(
        run.run_id,
        dict(zip(listing.order, boxes, strict=True)),
        dict(zip(listing.order, listing.box_paths, strict=True)),
        dict(zip(listing.time_names, times, strict=True)),
        listing.missing,
    )


def _load_listing(
    run: RunFiles, listing: _RunListing, store: ContentCache | None, data: _RunBytes | None
) -> RunResults:
    """Parse a listed run; ``data`` are the files' bytes and digests when the caller read them already."""
    if data is None and store is not None:
        data = _read_listing(listing)
    if data is None:
        boxes = parse_files(listing.box_paths, ncols=4, what="x,y,w,h")
        times = parse_files(listing.time_paths, ncols=None, what="seconds per frame")
    else:
        (box_datas, box_digests), (time_datas, time_digests) = data
        boxes = parse_blobs(box_datas, listing.box_paths, 4, "x,y,w,h", store, digests=box_digests)
        times = parse_blobs(time_datas, listing.time_paths, None, "seconds per frame", store, digests=time_digests)
    return _run_results(run, listing, boxes, times)


def load_run(run: RunFiles, dataset: Dataset, *, allow_missing: bool = False, cache: CacheOption = True) -> RunResults:
    """Read the box (and time) files of ``run`` for every sequence of ``dataset``.

    Sequences without a file raise :class:`ResultsError` listing them, unless ``allow_missing``
    (then they are left out and listed in :attr:`RunResults.missing`). ``cache``: ``True`` uses
    the default cache folder, ``False``/``None`` disables caching, a path picks the folder.
    """
    return _load_listing(run, _list_run(run, dataset, allow_missing), resolve_cache(cache), None)


def load_tracker(
    entry: TrackerRuns, dataset: Dataset, *, allow_missing: bool = False, cache: CacheOption = True
) -> list[RunResults]:
    """:func:`load_run` for every run of a tracker entry (one cache object shared by all)."""
    store = resolve_cache(cache)
    return [load_run(r, dataset, allow_missing=allow_missing, cache=store or False) for r in entry.runs]


# --------------------------------------------------------------------------------------------
# Parsing many files at once


def parse_files(
    paths: SequenceABC[Path], ncols: int | None = 4, what: str = "x,y,w,h", cache: ContentCache | None = None
) -> list[np.ndarray]:
    """Read and parse ``paths`` (numeric text tables) as one batch; see the module docstring."""
    if cache is not None:
        datas, digests = _read_digest(paths)
        return parse_blobs(datas, paths, ncols, what, cache, digests=digests)
    datas = []
    for path in paths:
        try:
            datas.append(path.read_bytes())
        except OSError as exc:
            raise FormatError(path, f"cannot read the file ({exc.strerror or exc})") from None
    return parse_blobs(datas, paths, ncols, what)


def parse_blobs(
    datas: SequenceABC[bytes],
    paths: SequenceABC[Path],
    ncols: int | None = 4,
    what: str = "x,y,w,h",
    cache: ContentCache | None = None,
    *,
    digests: SequenceABC[bytes] | None = None,
) -> list[np.ndarray]:
    """Parse already-read file contents; cached by content when ``cache`` is given.

    ``digests``: the :func:`~.cache.blob_digest` of each blob, when the caller has them (saves
    hashing the bytes a second time); they must be the digests of exactly these bytes.
    """
    if not datas:
        return []
    compiled = jit_enabled(sum(len(d) for d in datas))
    if compiled:
        # The compiled parser reads C-RPN's 19 MB of LaSOT results in ~13 ms on two cores, faster
        # than loading the same 22 MB back from a parse-cache entry costs to write: the table cache
        # is for the numpy/pandas path only (evaluations are still cached by content, one level up).
        cache = None
    key = None
    if cache is not None:
        if digests is None:
            digests = blob_digests(datas)
        key = cache.key_from_digests(digests, salt=f"ncols={ncols}")
        hit = cache.get(key)
        if (
            hit is not None
            and len(hit) == 2
            and len(hit[0]) == len(datas)
            and hit[0].sum() * (ncols or 1) == hit[1].size
        ):
            return _split(hit[1], hit[0], ncols)
    if compiled:
        return _parse_compiled(datas, paths, ncols, what)
    # Two halves in two threads: pandas' tokenizer and float conversion release the GIL.
    arrays = in_two_threads(
        lambda idx: _parse_batch([datas[i] for i in idx], [paths[i] for i in idx], ncols, what),
        range(len(datas)),
        [len(d) for d in datas],
    )
    if cache is not None and key is not None:
        rows = np.array([len(a) for a in arrays], dtype=np.int64)
        values = np.concatenate(arrays) if arrays else np.zeros(0)
        cache.put(key, (rows, values))
    return arrays


def _parse_compiled(
    datas: SequenceABC[bytes], paths: SequenceABC[Path], ncols: int | None, what: str
) -> list[np.ndarray]:
    """Parse with the compiled kernel (:mod:`odtrack_eval.kernels.parse`), two threads by halves.

    The kernel releases the GIL, so the two halves run side by side. Files the kernel cannot vouch
    for are parsed by :func:`parse_table` (which raises the error for a malformed one).
    """
    width = ncols or 1

    def work(indices: SequenceABC[int]) -> list[np.ndarray | None]:
        return [_kernel_parse(datas[i], width) for i in indices]

    parsed = in_two_threads(work, range(len(datas)), [len(d) for d in datas])
    return [_or_reference(v, d, p, ncols, what) for v, d, p in zip(parsed, datas, paths, strict=True)]


def _kernel_parse(data: bytes, width: int) -> np.ndarray | None:
    """The compiled parser on one file: its (rows, width) table, or None where it cannot vouch for it."""
    from odtrack_eval.kernels.parse import parse_into, row_bound

    values = np.empty((row_bound(data), width))
    rows = parse_into(data, values)
    return None if rows < 0 else values[:rows]


def _or_reference(
    values: np.ndarray | None, data: bytes | None, path: Path, ncols: int | None, what: str
) -> np.ndarray:
    """The kernel's table in the reader's shape, or, where it refused the file, :func:`parse_table`'s."""
    if values is not None:
        return values if ncols else values.reshape(-1)
    assert data is not None  # a refused file keeps its bytes
    return parse_table(data, path, ncols, what)


def _split(values: np.ndarray, rows: np.ndarray, ncols: int | None) -> list[np.ndarray]:
    ends = np.cumsum(rows)
    starts = ends - rows
    if ncols is not None:
        values = values.reshape(-1, ncols)
    return [values[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]


# Bytes the fast path accepts; anything else (spaces, ';', letters such as "nan") goes to parse_table.
_FAST_BYTES = b"0123456789.-+eE,\t\r\n"
_FAST_NOT_NL = _FAST_BYTES.replace(b"\n", b"")
_WS = b" \t\r\n"


def _parse_batch(datas: SequenceABC[bytes], paths: SequenceABC[Path], ncols: int | None, what: str) -> list[np.ndarray]:
    out: list[np.ndarray | None] = [None] * len(datas)
    groups: dict[bytes, list[int]] = {b",": [], b"\t": []}
    rows: dict[int, int] = {}
    for i, data in enumerate(datas):
        if not data or data.isspace():
            out[i] = np.zeros((0, ncols) if ncols else 0, dtype=np.float64)
            continue
        tab, comma = b"\t" in data, b"," in data
        # One pass both checks the bytes and counts the lines: what is left after deleting the
        # accepted bytes but newlines must be newlines only.
        rest = data.translate(None, _FAST_NOT_NL)
        if rest.translate(None, b"\n") or (tab and comma):
            out[i] = parse_table(data, paths[i], ncols, what)
        else:
            groups[b"\t" if tab else b","].append(i)
            # Lines ignoring trailing blank lines (pandas skips them too).
            rows[i] = len(rest) - data[len(data.rstrip(_WS)) :].count(b"\n") + 1
    for sep, members in groups.items():
        if not members:
            continue
        # Vectors (time files) are tried as one column; a one-line CSV vector falls back below.
        parsed = _parse_fast([datas[i] for i in members], sep, ncols or 1, [rows[i] for i in members])
        for i, arr in zip(members, parsed, strict=True):
            if arr is None:
                arr = parse_table(datas[i], paths[i], ncols, what)
            elif ncols is None:
                arr = arr.reshape(-1)
            out[i] = arr
    return out  # type: ignore[return-value]


def _row_count(data: bytes) -> int:
    """Lines of ``data`` ignoring trailing blank lines (pandas skips them too)."""
    end = len(data)
    while end and data[end - 1] in _WS:
        end -= 1
    return data.count(b"\n", 0, end) + 1


def _parse_fast(datas: list[bytes], sep: bytes, ncols: int, rows: list[int] | None = None) -> list[np.ndarray | None]:
    """Parse clean files with one delimiter in one pandas call; None for each file it cannot vouch for."""
    import pandas as pd  # imported here: ~0.3 s, only needed when something must be parsed

    # pandas >= 3 parses floats correctly rounded by default and deprecates the option.
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    if rows is None:
        rows = [_row_count(data) for data in datas]
    try:
        frame = pd.read_csv(
            io.BytesIO(b"\n".join(datas)),
            header=None,
            sep=sep.decode(),
            dtype=np.float64,
            skip_blank_lines=True,
            **exact,
        )
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return [None] * len(datas)
    if frame.shape != (sum(rows), ncols):  # blank lines inside a file, ragged rows, ...
        return [None] * len(datas)
    values = np.ascontiguousarray(frame.to_numpy(dtype=np.float64))
    parts = _split(values, np.asarray(rows), ncols)
    if np.isnan(values).any():  # "nan" or an empty field: let parse_table decide, per file
        return [None if np.isnan(p).any() else p for p in parts]
    return list(parts)


# --------------------------------------------------------------------------------------------
# Validation

FindingKind = Literal["length_mismatch", "nan_rows", "negative_size", "zero_size", "looks_like_corners"]


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
    nan = np.isnan(boxes).any(axis=1)
    if nan.any():
        lines = (np.flatnonzero(nan)[:5] + 1).tolist()
        more = ", ..." if nan.sum() > 5 else ""
        findings.append(
            Finding(
                "nan_rows",
                path,
                f"{int(nan.sum())} rows contain NaN (lines {', '.join(map(str, lines))}{more})",
                line=lines[0],
                count=int(nan.sum()),
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
    corners = _corner_evidence(boxes, gt)
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


def _usable_gt(gts: list[np.ndarray]) -> np.ndarray:
    """Rows of the concatenated ``gts`` that are finite with positive w and h (see _corner_evidence)."""
    g = np.concatenate([np.asarray(gt, dtype=np.float64).reshape(-1, 4) for gt in gts])
    with np.errstate(invalid="ignore"):
        return _rows_all(np.isfinite(g)) & (g[:, 2] > 0) & (g[:, 3] > 0)


# The mask depends on the dataset alone; memoized per Dataset object (datasets are not mutated
# after loading), used when a run covers the whole dataset with full-length files.
_USABLE_GT: weakref.WeakKeyDictionary[Dataset, np.ndarray] = weakref.WeakKeyDictionary()


def validate_run(results: RunResults, dataset: Dataset, flagged: np.ndarray | None = None) -> list[Finding]:
    """:func:`validate` every sequence of ``results`` against ``dataset``'s ground truth.

    One screening pass over all files picks the sequences that can have a finding (NaN or infinite
    values, non-positive size, length mismatch, or rows ordered like corners); only those get the
    detailed per-file :func:`validate`, so a clean 280-sequence run costs one pass, not 280 calls.
    The screen may pick more files than have findings (never fewer): only :func:`validate` decides.
    ``flagged``: the screen's result (in ``results.boxes`` order) when :func:`read_and_parse`
    computed it against the same ground truth while parsing.
    """
    names = list(results.boxes)
    if not names:
        return []
    boxes = [np.asarray(results.boxes[n], dtype=np.float64).reshape(-1, 4) for n in names]
    gts = [dataset[n].ground_truth for n in names]
    if flagged is None:
        screen = _screen_compiled if jit_enabled(sum(b.nbytes for b in boxes)) else _screen_numpy
        flagged = screen(boxes, gts, dataset if names == dataset.names else None)
    elif len(flagged) != len(names):
        raise ValueError(f"flagged has {len(flagged)} entries for {len(names)} sequences")
    findings: list[Finding] = []
    for i in np.flatnonzero(flagged):
        findings.extend(validate(boxes[i], gts[i], results.paths[names[i]]))
    return findings


def _corner_like(num_usable: np.ndarray, num_ordered: np.ndarray) -> np.ndarray:
    """Files whose usable rows are nearly all ordered like corners (candidates for the corner check).

    A hair below the threshold: ``ordered.mean() >= 0.95`` in _corner_evidence and this integer
    form may round differently at the boundary, and flagging one file too many is harmless.
    """
    return (num_usable >= _CORNER_MIN_ROWS) & (num_ordered >= (_CORNER_ORDERED - 1e-9) * num_usable)


def _screen_compiled(boxes: list[np.ndarray], gts: list[np.ndarray], _dataset: Dataset | None) -> np.ndarray:
    """The screen of :func:`validate_run`, one compiled pass per file (:mod:`odtrack_eval.kernels.screen`)."""
    from odtrack_eval.kernels.screen import screen_file

    flagged = np.zeros(len(boxes), dtype=bool)
    num_usable = np.zeros(len(boxes), dtype=np.int64)
    num_ordered = np.zeros(len(boxes), dtype=np.int64)
    for i, (b, g) in enumerate(zip(boxes, gts, strict=True)):
        odd, num_usable[i], num_ordered[i] = screen_file(b, g, min(len(b), len(g)))
        flagged[i] = odd or len(b) != len(g)
    return flagged | _corner_like(num_usable, num_ordered)


def _screen_numpy(boxes: list[np.ndarray], gts: list[np.ndarray], dataset: Dataset | None) -> np.ndarray:
    """The screen of :func:`validate_run` as whole-array passes over all files joined.

    ``dataset``: given when the files are exactly the dataset's sequences (the usable-GT mask is
    then memoized per dataset).
    """
    n = np.array([len(b) for b in boxes])
    m = np.array([len(g) for g in gts])
    k = np.minimum(n, m)
    bounds = np.zeros(len(boxes) + 1, dtype=np.int64)
    np.cumsum(k, out=bounds[1:])
    # Rows beyond the ground truth exist only where n > m, and those files are flagged by n != m.
    flagged = n != m
    b = np.concatenate([bx[:kk] for bx, kk in zip(boxes, k, strict=True)])
    if not flagged.any() and dataset is not None:
        usable_gt = _USABLE_GT.get(dataset)
        if usable_gt is None:
            _USABLE_GT[dataset] = usable_gt = _usable_gt(gts)
    else:
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
