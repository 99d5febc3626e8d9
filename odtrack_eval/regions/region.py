"""VOT region types and the exact semantics vot-toolkit 0.9.0 gives them.

VOT ground truth (and VOT results) are one *region* per line: a special code, a rectangle, a
polygon or a run-length-encoded mask (``m<x0>,<y0>,<w>,<h>,<runs...>``). VOT overlap is a
*pixel* IoU, so parity with the toolkit depends on reproducing its rasterisation exactly,
including its rounding (rectangles stored as float32, then ``np.round`` half-to-even on x, y, w
and h separately) and its quirks. Every such rule is named where it is implemented; the tests
compare each function with the toolkit's own (``vot.region.io`` / ``vot.region.raster``).

Bounds use the toolkit convention ``(left, top, right, bottom)``, **inclusive**.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from odtrack_eval.errors import FormatError

#: Special codes used in VOT trajectories.
UNKNOWN, INITIALIZE, FAILURE = 0, 1, 2

Bounds = tuple[int, int, int, int]


@dataclass(frozen=True)
class Special:
    """A code instead of a region (0 unknown, 1 initialisation, 2 failure)."""

    code: int = UNKNOWN


@dataclass(frozen=True)
class Rectangle:
    """Axis-aligned ``x, y, w, h`` exactly as written (float64; the toolkit's float32 step is
    applied only where the toolkit applies it: bounds, rasterisation)."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, eq=False)
class Polygon:
    """Closed polygon, ``points`` is N×2 (x, y), N >= 3."""

    points: np.ndarray

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Polygon) and np.array_equal(self.points, other.points)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class Mask:
    """Binary ``mask`` (H×W bool) placed with its top-left pixel at ``offset`` = (x, y)."""

    mask: np.ndarray
    offset: tuple[int, int] = field(default=(0, 0))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Mask)
            and tuple(self.offset) == tuple(other.offset)
            and self.mask.shape == other.mask.shape
            and bool(np.array_equal(self.mask, other.mask))
        )

    __hash__ = None  # type: ignore[assignment]


Region = Special | Rectangle | Polygon | Mask


# ---------------------------------------------------------------------------------------------
# RLE


def rle_decode(runs: Iterable[int] | np.ndarray, width: int, height: int) -> np.ndarray:
    """Decode VOT run lengths (zeros first, alternating, row-major) into an H×W bool mask.

    Runs that cover fewer than W·H pixels leave the rest 0, as the toolkit does; runs that cover
    more raise ``ValueError`` (the toolkit would write past its buffer).
    """
    r = np.asarray(runs, dtype=np.int64).ravel()
    if width < 0 or height < 0:
        raise ValueError(f"negative mask size {width}x{height}")
    if np.any(r < 0):
        raise ValueError("negative run length")
    total = int(r.sum())
    if total > width * height:
        raise ValueError(f"runs cover {total} pixels but the mask has {width}x{height} = {width * height}")
    flat = np.zeros(width * height, dtype=bool)
    flat[:total] = np.repeat((np.arange(r.size) % 2).astype(bool), r)
    return flat.reshape(height, width)


def rle_encode(mask: np.ndarray) -> list[int]:
    """Run lengths of ``mask`` in row-major order, starting with a (possibly 0) run of zeros.

    Same output as the toolkit's ``mask_to_rle`` (default ``maxstride``); an empty array gives ``[0]``.
    """
    v = np.asarray(mask).ravel() != 0
    if v.size == 0:
        return [0]
    change = np.flatnonzero(v[1:] != v[:-1]) + 1
    edges = np.concatenate(([0], change, [v.size]))
    runs = np.diff(edges).tolist()
    if v[0]:
        runs.insert(0, 0)
    return runs


def mask_from_full(mask: np.ndarray, offset: tuple[int, int] = (0, 0)) -> Mask:
    """Crop a full-frame mask to the tight box of its set pixels (what the VOT encoder writes).

    An empty mask becomes a 0×0 mask at (0, 0), which formats as ``m0,0,0,0,0``.
    """
    m = np.asarray(mask) != 0
    tb = _tight(m)
    if tb is None:
        return Mask(np.zeros((0, 0), dtype=bool), (0, 0))
    left, top, right, bottom = tb
    return Mask(m[top : bottom + 1, left : right + 1].copy(), (offset[0] + left, offset[1] + top))


def _as_bool(m: np.ndarray) -> np.ndarray:
    return m if m.dtype == np.bool_ else np.asarray(m) != 0


def _tight(m: np.ndarray) -> Bounds | None:
    """Inclusive (left, top, right, bottom) of the set pixels of a local mask, None if empty."""
    if m.size == 0:
        return None
    rows = np.flatnonzero(m.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(m.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1])


# ---------------------------------------------------------------------------------------------
# Text format


def parse_region(text: str, path: str | Path = "<region>", line: int | None = None) -> Region:
    """Parse one region line exactly as ``vot.region.io.parse_region`` (separator ``,``).

    Differences, all on input the toolkit cannot use: a 2-value point, an odd count > 4 or 3
    values (the toolkit returns a point or None) and a NaN special code (it crashes) raise
    :class:`FormatError`. Masks are decoded *as written*; apply :func:`toolkit_read` to get what
    the toolkit holds after reading (it crops masks and has a thin-mask quirk).
    """
    s = text.strip()
    if not s:
        raise FormatError(path, "empty line", line, "a region: code, x,y,w,h, polygon or m<x0>,<y0>,<w>,<h>,<rle>")
    if s[0] == "m":
        try:
            values = _ints(s[1:])
        except ValueError:
            raise FormatError(
                path, f"mask value is not an integer in {_short(s)!r}", line, "m<x0>,<y0>,<w>,<h>,<rle...>"
            ) from None
        if len(values) < 5:
            raise FormatError(path, f"mask has {len(values)} values", line, "m<x0>,<y0>,<w>,<h> and at least one run")
        x0, y0, w, h = values[:4]
        try:
            m = rle_decode(values[4:], w, h)
        except ValueError as exc:
            raise FormatError(path, f"bad mask RLE: {exc}", line, "run lengths covering at most w*h pixels") from None
        return Mask(m, (x0, y0))
    try:
        nums = [float(t) for t in s.split(",")]
    except ValueError:
        raise FormatError(path, f"not a comma-separated list of numbers: {_short(s)!r}", line, "x,y,w,h") from None
    n = len(nums)
    if n == 1:
        if math.isnan(nums[0]):
            raise FormatError(path, "special code is NaN", line, "an integer code")
        return Special(int(nums[0]))
    if n == 4 or (n > 4 and n % 2 == 0):
        if any(math.isnan(v) for v in nums):
            return Special(UNKNOWN)
        if n == 4:
            return Rectangle(*nums)
        return Polygon(np.array(nums, dtype=np.float64).reshape(-1, 2))
    raise FormatError(path, f"{n} values", line, "1 (code), 4 (x,y,w,h) or an even number > 4 (polygon)")


def _ints(text: str) -> list[int]:
    """Comma-separated integers with Python ``int()`` semantics (the toolkit's), parsed in C when
    the text is clean; any doubt falls back to ``int()`` per token, which raises ``ValueError``."""
    n = text.count(",") + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            fast = np.fromstring(text, dtype=np.int64, sep=",")  # noqa: NPY201 - text mode is supported
        except ValueError:
            fast = None
    if fast is not None and fast.size == n and "." not in text and "e" not in text.lower():
        return fast.tolist()
    return [int(t) for t in text.split(",")]


def _short(s: str, n: int = 60) -> str:
    return s if len(s) <= n else s[:n] + "..."


def _num(v: float) -> str:
    """Shortest text that parses back to the same float (integers without '.0')."""
    if float(v).is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(float(v))


def format_region(region: Region) -> str:
    """Inverse of :func:`parse_region` (round-trips exactly)."""
    if isinstance(region, Special):
        return str(int(region.code))
    if isinstance(region, Rectangle):
        return ",".join(_num(v) for v in (region.x, region.y, region.w, region.h))
    if isinstance(region, Polygon):
        return ",".join(_num(v) for v in np.asarray(region.points, dtype=np.float64).ravel())
    if isinstance(region, Mask):
        h, w = region.mask.shape
        runs = rle_encode(region.mask)
        return "m" + ",".join(str(int(v)) for v in (region.offset[0], region.offset[1], w, h, *runs))
    raise TypeError(f"not a region: {region!r}")


def read_regions(path: str | Path) -> list[Region]:
    """Read a VOT trajectory text file (one region per line, CRLF allowed).

    Trailing blank lines are ignored; a blank line followed by more regions is an error (the
    toolkit fails on it too).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(path, "file not found") from None
    return parse_regions(data, path)


def parse_regions(data: bytes, path: str | Path = "<regions>") -> list[Region]:
    """The regions of a trajectory file's bytes (see :func:`read_regions`); ``path`` names it in errors."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(path, f"not UTF-8 text ({exc.reason})") from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return [parse_region(s, path, i) for i, s in enumerate(lines, start=1)]


def write_regions(path: str | Path, regions: Iterable[Region]) -> None:
    """Write regions one per line (LF), atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(format_region(r) + "\n" for r in regions), encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------------------------------------
# Geometry


def toolkit_read(region: Region) -> Region:
    """The region the toolkit holds after reading it from a file.

    ``parse_region`` in vot-toolkit builds masks with ``optimize=True`` (config
    ``mask_optimize_read``): the mask is cropped to its set pixels, and if the cropped mask's
    right column index is 0 — an empty mask **or a mask one pixel wide at its patch origin**
    (quirk) — it becomes an empty 0×0 mask at (0, 0). Other regions are unchanged.
    """
    if not isinstance(region, Mask):
        return region
    m = region.mask
    tb = _tight(m)
    right = 0 if tb is None else tb[2]
    if right == 0:
        return Mask(np.zeros((0, 0), dtype=bool), (0, 0))
    left, top, right, bottom = tb  # type: ignore[misc]
    return Mask(m[top : bottom + 1, left : right + 1].copy(), (region.offset[0] + left, region.offset[1] + top))


def is_empty(region: Region) -> bool:
    """The toolkit's ``is_empty``: special codes; rectangles with w<=0 or h<=0; polygons with zero
    extent; masks whose tight right **or bottom** index (in the patch) is 0 (quirk: a one-pixel
    wide/high mask at the patch origin counts as empty)."""
    if isinstance(region, Special):
        return True
    if isinstance(region, Rectangle):
        w, h = np.float32(region.w), np.float32(region.h)
        return not (w > 0 and h > 0)
    if isinstance(region, Polygon):
        p = np.asarray(region.points, dtype=np.float32)
        return bool(p[:, 1].min() == p[:, 1].max() or p[:, 0].min() == p[:, 0].max())
    tb = _tight(np.asarray(region.mask) != 0)
    return tb is None or tb[2] == 0 or tb[3] == 0


def region_to_bbox(region: Region) -> np.ndarray:
    """``x, y, w, h`` (float64) of a region; NaN×4 for special codes and empty masks.

    Rectangle: as written. Polygon: min/max of the vertices (``x2-x1`` width, as ODTrack/pytracking
    convert VOT polygons). Mask: tight box of the set pixels with ``w = right-left+1``; for masks
    written by the VOT encoder this equals the ``x0,y0,w,h`` header ODTrack's VOT2020 loader uses.
    """
    if isinstance(region, Rectangle):
        return np.array([region.x, region.y, region.w, region.h], dtype=np.float64)
    if isinstance(region, Polygon):
        p = np.asarray(region.points, dtype=np.float64)
        x1, y1 = p.min(axis=0)
        x2, y2 = p.max(axis=0)
        return np.array([x1, y1, x2 - x1, y2 - y1], dtype=np.float64)
    if isinstance(region, Mask):
        tb = _tight(_as_bool(region.mask))
        if tb is None:
            return np.full(4, np.nan)
        left, top, right, bottom = tb
        ox, oy = region.offset
        return np.array([ox + left, oy + top, right - left + 1, bottom - top + 1], dtype=np.float64)
    return np.full(4, np.nan)


def _rounded_rect(r: Rectangle) -> np.ndarray:
    """x, y, w, h as the toolkit rasterises them: float32 storage, then np.round half-to-even."""
    return np.round(np.array([r.x, r.y, r.w, r.h], dtype=np.float32))


def _rounded_poly(p: Polygon) -> np.ndarray:
    return np.round(np.asarray(p.points, dtype=np.float32))


def region_bounds(region: Region) -> Bounds:
    """Inclusive (left, top, right, bottom) the toolkit uses to build the raster window
    (``_region_bounds`` after ``_infer_meta`` rounding). Special → (0,0,0,0); an empty mask →
    its offset repeated (quirk of ``mask_bounds`` returning zeros)."""
    if isinstance(region, Rectangle):
        x, y, w, h = (float(v) for v in _rounded_rect(region))
        return int(round(x)), int(round(y)), int(round(x + w - 1)), int(round(y + h - 1))
    if isinstance(region, Polygon):
        p = _rounded_poly(region)
        return (
            int(round(float(p[:, 0].min()))),
            int(round(float(p[:, 1].min()))),
            int(round(float(p[:, 0].max()))),
            int(round(float(p[:, 1].max()))),
        )
    if isinstance(region, Mask):
        tb = _tight(np.asarray(region.mask) != 0) or (0, 0, 0, 0)
        ox, oy = region.offset
        return tb[0] + ox, tb[1] + oy, tb[2] + ox, tb[3] + oy
    return 0, 0, 0, 0


def rasterize(region: Region, bounds: Bounds) -> np.ndarray:
    """Pixels of ``region`` inside the inclusive window ``bounds`` as an uint8 array.

    Same result as the toolkit's ``_region_raster`` on the rounded region (what
    ``calculate_overlap`` rasterises), including its rectangle quirk: the right/bottom edge is
    clipped against the *absolute* window bound, which only matters for windows starting at a
    negative coordinate (unbounded overlap).
    """
    b0, b1, b2, b3 = (int(v) for v in bounds)
    width, height = b2 - b0 + 1, b3 - b1 + 1
    out = np.zeros((max(height, 0), max(width, 0)), dtype=np.uint8)
    if isinstance(region, Rectangle):
        x, y, w, h = (float(v) for v in _rounded_rect(region))
        if x > b2 or x + w - 1 < b0 or y > b3 or y + h - 1 < b1:
            return out
        left = int(max(0.0, x - b0))
        top = int(max(0.0, y - b1))
        right = int(min(float(b2), x + w - 1 - b0))
        bottom = int(min(float(b3), y + h - 1 - b1))
        out[top : bottom + 1, left : right + 1] = 1
        return out
    if isinstance(region, Polygon):
        return _raster_polygon(_rounded_poly(region), b0, b1, width, height)
    if isinstance(region, Mask):
        m = np.asarray(region.mask) != 0
        ox, oy = int(region.offset[0]), int(region.offset[1])
        tx, ty = max(ox, b0), max(oy, b1)
        tw = min(b2 + 1, ox + m.shape[1]) - tx
        th = min(b3 + 1, oy + m.shape[0]) - ty
        if tw > 0 and th > 0:
            out[ty - b1 : ty - b1 + th, tx - b0 : tx - b0 + tw] = m[ty - oy : ty - oy + th, tx - ox : tx - ox + tw]
        return out
    return out


def _raster_polygon(points: np.ndarray, b0: int, b1: int, width: int, height: int) -> np.ndarray:
    """Even-odd scan-line fill with the toolkit's node rules (``rasterize_polygon``).

    For each row, every edge that touches the row (including horizontal edges lying on it)
    contributes a node at the truncated crossing x; nodes are sorted and filled pairwise, a
    pair of equal nodes is skipped except at the end, and spans are clipped to the window.
    """
    out = np.zeros((height, width), dtype=np.uint8)
    p = points.astype(np.float64) - np.array([[b0, b1]], dtype=np.float64)
    xi, yi = p[:, 0], p[:, 1]
    xj, yj = np.roll(xi, 1), np.roll(yi, 1)  # edge i joins point i and point i-1 (cyclic)
    r = yj - yi
    k = xj - xi
    for py in range(height):
        hit = (
            ((yi <= py) & (yj > py))
            | ((yj <= py) & (yi > py))
            | ((yi < py) & (yj >= py))
            | ((yj < py) & (yi >= py))
            | ((yi == yj) & (yi == py))
        )
        if not hit.any():
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = np.where(r != 0, xi + (py - yi) / np.where(r != 0, r, 1.0) * k, xi)
        nodes = np.sort(np.trunc(cross[hit]).astype(np.int64))
        n = nodes.size
        i = 0
        while i < n - 1:
            if nodes[i] >= width:
                break
            if nodes[i] == nodes[i + 1] and i < n - 2:
                i += 1
                continue
            if nodes[i + 1] >= 0:
                lo = max(int(nodes[i]), 0)
                hi = min(int(nodes[i + 1]), width - 1)
                out[py, lo : hi + 1] = 1
            i += 2
    return out


def calculate_overlap(
    a: Region, b: Region, bounds: tuple[int, int] | None = None, ignore: Region | None = None
) -> float:
    """Pixel IoU as vot-toolkit >= 0.6 ``calculate_overlap`` (see protocols.md §9.2).

    ``bounds`` is the image size (W, H): pixels outside it are ignored. Two empty regions (union
    of boxes degenerate) give 1.0; regions entirely outside the image give 0.0. Pixels set in
    ``ignore`` are left out of both intersection and union.
    """
    ba, bb = region_bounds(a), region_bounds(b)
    union = (min(ba[0], bb[0]), min(ba[1], bb[1]), max(ba[2], bb[2]), max(ba[3], bb[3]))
    if union[0] >= union[2] or union[1] >= union[3]:
        return 1.0
    if bounds is not None:
        window = (max(0, union[0]), max(0, union[1]), min(bounds[0] - 1, union[2]), min(bounds[1] - 1, union[3]))
    else:
        window = union
    if window[0] >= window[2] or window[1] >= window[3]:
        return 0.0
    m1 = rasterize(a, window).astype(bool)
    m2 = rasterize(b, window).astype(bool)
    if ignore is not None and not isinstance(ignore, Special):
        keep = ~rasterize(ignore, window).astype(bool)
        m1 &= keep
        m2 &= keep
    union_px = int(np.count_nonzero(m1 | m2))
    return float(np.count_nonzero(m1 & m2)) / float(union_px) if union_px > 0 else 0.0
