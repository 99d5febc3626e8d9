"""Regions of a whole trajectory as arrays, and their VOT overlaps with the ground truth in one pass.

The per-frame overlap (:mod:`odtrack_eval.vot.overlap`) is exact but costs tens of microseconds per
frame in Python; a VOT2020 evaluation has ~10^5 run frames per tracker, most of them masks. Here a
trajectory file is decoded in one vectorised pass (binary and text), and masks are never turned into
bitmaps: their run lengths become **row segments** (one per run and image row; tight boxes and pixel
counts come from the runs too). The overlap of two masks is then a join of their segments by image
row, a mask against a rectangle or a window is a sum of clipped segment lengths, and the window rules
of the toolkit are applied to all frames at once. Polygons use the exact rasteriser. The result equals
:func:`odtrack_eval.vot.overlap.overlap` (tests compare both, and with vot-toolkit).

How each source maps to the toolkit's in-memory regions: text masks go through ``mask_optimize_read``
(:func:`odtrack_eval.region.toolkit_read`: cropped; empty or one-pixel-wide-at-the-patch-origin masks
become an empty mask at (0, 0)); binary masks stay as written (an empty one keeps its offset, which the
toolkit's bounds then use); rectangles are float32 rounded half to even.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from odtrack_eval import region as rg
from odtrack_eval.errors import FormatError
from odtrack_eval.vot.overlap import EMPTY, MASK, POLY, RECT, Shape

_I64 = np.int64


def _none() -> np.ndarray:
    return np.zeros(0, _I64)


@dataclass
class Segments:
    """Set pixels of a batch's masks as row segments in image coordinates.

    Within one region and row the segments are disjoint (they may touch: the binary format splits long
    runs), so pixel counts are sums of segment lengths. ``ordered``: sorted by (region, row, column), which
    the per-region lookups need; :meth:`in_order` gives that order.
    """

    owner: np.ndarray = field(default_factory=_none)  # int64 region index (ascending when ordered)
    y: np.ndarray = field(default_factory=_none)  # int64 image row
    x0: np.ndarray = field(default_factory=_none)  # int64 first column (inclusive)
    x1: np.ndarray = field(default_factory=_none)  # int64 last column (inclusive)
    ordered: bool = True

    def remap(self, index: np.ndarray) -> Segments:
        """The same segments with owners renumbered through ``index`` (ascending: mask -> region number)."""
        return Segments(index[self.owner], self.y, self.x0, self.x1, self.ordered)

    def in_order(self) -> Segments:
        """These segments sorted by (region, row, column)."""
        if self.ordered:
            return self
        order = np.lexsort((self.x0, self.y, self.owner))
        return Segments(self.owner[order], self.y[order], self.x0[order], self.x1[order])

    def bitmap(self, i: int, box: np.ndarray) -> np.ndarray:
        """Tight bool crop of region ``i`` whose inclusive pixel box is ``box`` (for the exact paths;
        ordered segments)."""
        a, b = np.searchsorted(self.owner, [i, i + 1])
        left, top, right, bottom = (int(v) for v in box)
        w = right - left + 1
        out = np.zeros((bottom - top + 1) * w, bool)
        lens = self.x1[a:b] - self.x0[a:b] + 1
        first = (self.y[a:b] - top) * w + self.x0[a:b] - left
        cum = np.cumsum(lens) - lens
        out[np.repeat(first - cum, lens) + np.arange(int(lens.sum()))] = True
        return out.reshape(bottom - top + 1, w)

    @staticmethod
    def from_crops(crops: dict[int, tuple[np.ndarray, int, int]]) -> Segments:
        """Segments of tight bool crops {region: (crop, x, y)} (region objects; ascending regions)."""
        parts = []
        for i in sorted(crops):
            crop, x, y = crops[i]
            h, w = crop.shape
            padded = np.zeros((h, w + 2), np.int8)
            padded[:, 1:-1] = crop
            d = np.diff(padded, axis=1)
            rs, cs = np.nonzero(d == 1)
            _, ce = np.nonzero(d == -1)  # same rows, same order: every start has its end in its row
            parts.append((np.full(rs.size, i, _I64), rs + y, cs + x, ce - 1 + x))
        if not parts:
            return Segments()
        return Segments(*(np.concatenate([p[k] for p in parts]).astype(_I64) for k in range(4)))


@dataclass
class Batch:
    """n regions: kind, special flag, toolkit bounds (l, t, r, b), pixel box, pixel count, mask pixels."""

    kind: np.ndarray  # int8
    special: np.ndarray  # bool
    bounds: np.ndarray  # (n, 4) int64, inclusive, what the toolkit's union test uses
    box: np.ndarray  # (n, 4) int64 inclusive pixel box (rect may have r < l: empty)
    count: np.ndarray  # int64: mask pixel count (whole mask)
    segments: Segments  # the set pixels of every MASK region
    regions: dict[int, rg.Region]  # polygons (exact fallback)
    _cache: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return int(self.kind.size)

    def ordered_segments(self) -> Segments:
        """:attr:`segments` in (region, row, column) order (sorted once if they were not)."""
        if "ordered" not in self._cache:
            self._cache["ordered"] = self.segments.in_order()
        return self._cache["ordered"]

    def crop(self, i: int) -> np.ndarray:
        """Tight bool bitmap of mask ``i`` (decoded on demand, kept)."""
        key = ("crop", int(i))
        if key not in self._cache:
            self._cache[key] = self.ordered_segments().bitmap(int(i), self.box[i])
        return self._cache[key]

    def segment_ranges(self) -> np.ndarray:
        """``r[i]:r[i+1]`` are the :meth:`ordered_segments` of region ``i``."""
        if "ranges" not in self._cache:
            self._cache["ranges"] = np.searchsorted(self.ordered_segments().owner, np.arange(len(self) + 1))
        return self._cache["ranges"]

    def row_index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(slot, first, count): the ordered segments of mask ``i`` in image row ``y`` are ``first[t]`` ..
        ``first[t] + count[t] - 1`` with ``t = slot[i] + y - box[i, 1]`` (a table over the rows of every
        mask's box, built once per batch; the join of two masks looks rows up in it)."""
        if "rows" not in self._cache:
            height = np.where(self.kind == MASK, self.box[:, 3] - self.box[:, 1] + 1, 0)
            slot = np.cumsum(height) - height
            s = self.ordered_segments()
            t = slot[s.owner] + s.y - self.box[s.owner, 1]
            count = np.bincount(t, minlength=int(height.sum()))
            self._cache["rows"] = (slot, np.cumsum(count) - count, count)
        return self._cache["rows"]


# ------------------------------------------------------------------------------------- region objects


def _blank(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """kind, special, bounds, box, count of ``n`` regions before filling: all empty boxes."""
    box = np.tile(np.array([0, 0, -1, -1], _I64), (n, 1))
    return np.zeros(n, np.int8), np.zeros(n, bool), np.zeros((n, 4), _I64), box, np.zeros(n, _I64)


def from_regions(regions: list[rg.Region]) -> Batch:
    """Build from region objects (already in the toolkit's in-memory view)."""
    n = len(regions)
    kind, special, bounds, box, count = _blank(n)
    crops, polys = {}, {}
    for i, r in enumerate(regions):
        s = Shape(r)
        kind[i], special[i], bounds[i], box[i], count[i] = s.kind, s.special, s.bounds, s.box, s.count
        if s.kind == POLY:
            polys[i] = r
        elif s.kind == MASK:
            crops[i] = (s.crop, s.box[0], s.box[1])
    return Batch(kind, special, bounds, box, count, Segments.from_crops(crops), polys)


def ground_truth(regions: list[rg.Region]) -> tuple[Batch, np.ndarray]:
    """Ground-truth regions *as written* -> (batch of the toolkit-read regions, the toolkit's ``is_empty``).

    One tight-box computation per mask serves ``mask_optimize_read`` (crop; empty or thin-at-origin ->
    empty at (0, 0)), ``is_empty`` on the read mask (no pixels, or one pixel wide or high) and the batch.
    """
    n = len(regions)
    kind, special, bounds, box, count = _blank(n)
    crops, polys = {}, {}
    empty = np.zeros(n, bool)
    for i, r in enumerate(regions):
        if isinstance(r, rg.Mask):
            m = r.mask if r.mask.dtype == np.bool_ else np.asarray(r.mask) != 0
            if m.size == 0:
                empty[i] = True
                continue
            rows = m.any(axis=1)
            t = int(rows.argmax())
            if not rows[t]:
                empty[i] = True
                continue
            cols = m.any(axis=0)
            left = int(cols.argmax())
            right = cols.size - 1 - int(cols[::-1].argmax())
            if right == 0:  # toolkit_read quirk: becomes an empty mask at (0, 0)
                empty[i] = True
                continue
            b = rows.size - 1 - int(rows[::-1].argmax())
            crop = m[t : b + 1, left : right + 1]
            ox, oy = int(r.offset[0]), int(r.offset[1])
            kind[i] = MASK
            bounds[i] = box[i] = (ox + left, oy + t, ox + right, oy + b)
            count[i] = np.count_nonzero(crop)
            crops[i] = (crop, ox + left, oy + t)
            empty[i] = right == left or b == t
        else:
            s = Shape(r)
            kind[i], special[i], bounds[i], box[i] = s.kind, s.special, s.bounds, s.box
            empty[i] = rg.is_empty(r)
            if s.kind == POLY:
                polys[i] = r
    return Batch(kind, special, bounds, box, count, Segments.from_crops(crops), polys), empty


# ------------------------------------------------------------------------------------- masks from runs


def _masks(
    header: np.ndarray, runs: np.ndarray, nruns: np.ndarray, text: bool, path: Path, lines: np.ndarray,
    ordered: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, Segments]:  # fmt: skip
    """Masks given as (x0, y0, w, h) rows and concatenated run lengths.

    Returns kind, bounds, box, count (the toolkit's view), the tight box of the set pixels *as written*
    (before the text reader's thin-mask quirk; (0, 0, -1, -1) when there are none) and the segments.
    Every step is one pass over the runs of set pixels (~10^7 per VOT2020 tracker); wrapped runs are
    rare and handled on their own.
    """
    k = header.shape[0]
    ox, oy, w, h = (header[:, i].astype(_I64) for i in range(4))
    if np.any(w < 0) or np.any(h < 0):
        i = int(np.flatnonzero((w < 0) | (h < 0))[0])
        raise FormatError(path, "negative mask size", int(lines[i]), "m<x0>,<y0>,<w>,<h>,<rle>")
    ends = np.cumsum(nruns)
    starts = ends - nruns
    if np.any(runs < 0):
        i = int(np.searchsorted(ends, int(np.flatnonzero(runs < 0)[0]), side="right"))
        raise FormatError(path, "negative run length", int(lines[i]), "non-negative run lengths")
    csum = np.empty(runs.size + 1, _I64)  # csum[i]: where run i starts, all masks laid end to end
    csum[0] = 0
    np.cumsum(runs, out=csum[1:])
    totals = csum[ends] - csum[starts]
    over = totals > w * h
    if np.any(over):
        i = int(np.flatnonzero(over)[0])
        problem = f"bad mask RLE: runs cover {int(totals[i])} pixels but the mask has {int(w[i])}x{int(h[i])}"
        raise FormatError(path, problem, int(lines[i]), "run lengths covering at most w*h pixels")
    # runs of set pixels: the 2nd, 4th, ... run of every mask (each mask starts with a run of zeros)
    nones = nruns // 2
    before = np.cumsum(nones) - nones
    idx = np.repeat(starts + 1 - 2 * before, nones)
    idx += np.arange(0, 2 * idx.size, 2, dtype=_I64)
    ln = runs[idx]
    s = csum[idx]  # first position of the run in its mask (row-major)
    s -= np.repeat(csum[starts], nones)
    del idx
    owner = np.repeat(np.arange(k, dtype=_I64), nones)
    per_mask = nones
    live = ln > 0
    if not live.all():  # zero-length runs (a split long run, or an odd encoder): drop them
        owner, s, ln = owner[live], s[live], ln[live]
        per_mask = np.bincount(owner, minlength=k)
    ww = w[owner] if per_mask is not nones else np.repeat(w, nones)
    count = np.bincount(owner, weights=ln, minlength=k).astype(_I64)
    r0 = (s / ww).astype(_I64)  # exact floor: 0 <= positions < 2**53, widths < 2**31
    c0 = s - r0 * ww
    x1 = c0 + ln  # one past the run's end column if it stays in its row
    single = x1 <= ww
    np.minimum(x1, ww, out=x1)
    x1 -= 1  # last column of the run's first row
    # tight box in the patch: runs are in position order, so the first gives the top, the last the bottom
    big = np.iinfo(_I64).max
    top, left = np.full(k, big), np.full(k, big)
    bottom, right = np.full(k, -1), np.full(k, -1)
    who = np.flatnonzero(per_mask > 0)
    if who.size:
        first = (np.cumsum(per_mask) - per_mask)[who]
        last = first + per_mask[who] - 1
        top[who] = r0[first]
        bottom[who] = (s[last] + ln[last] - 1) // w[who]
        left[who] = np.minimum.reduceat(np.where(single, c0, 0), first)
        right[who] = np.maximum.reduceat(x1, first)
    pixels = count > 0
    written = np.tile(np.array([0, 0, -1, -1], _I64), (k, 1))
    tb = np.stack([ox + left, oy + top, ox + right, oy + bottom], axis=1)
    written[pixels] = tb[pixels]
    has = pixels & (right != 0) if text else pixels  # mask_optimize_read: right == 0 -> empty at (0, 0)
    kind = np.where(has, MASK, EMPTY).astype(np.int8)
    bounds = np.zeros((k, 4), _I64) if text else np.stack([ox, oy, ox, oy], axis=1)
    bounds[has] = tb[has]
    box = np.tile(np.array([0, 0, -1, -1], _I64), (k, 1))
    box[has] = tb[has]
    count = np.where(has, count, 0)
    if (pixels & ~has).any():  # the text quirk emptied masks that have runs: drop their runs
        keep = has[owner]
        owner, s, ln, ww, r0, c0, x1, single = (a[keep] for a in (owner, s, ln, ww, r0, c0, x1, single))
    return kind, bounds, box, count, written, _segments(owner, s, ln, ww, r0, c0, x1, single, ox, oy, ordered)


def _segments(owner, s, ln, ww, r0, c0, x1, single, ox, oy, ordered: bool) -> Segments:
    """Image-coordinate row segments of the set runs (patch row ``r0``, columns ``c0..x1`` of the first
    row): a run that wraps past its row end goes on in the following rows (full rows, then a last one).

    Unordered (predictions: nothing needs the order) the first rows are computed in place and the
    wrapped remainders follow at the end; ``ordered`` (ground truth: the row table needs (region, row,
    column) order) scatters the remainders next to their first rows instead. The inputs are consumed.
    """
    multi = np.flatnonzero(~single)
    if multi.size:
        e = s[multi] + ln[multi] - 1  # last position of each wrapped run
        r1 = e // ww[multi]
        n = r1 - r0[multi]  # rows after the first
        src = np.repeat(multi, n)
        kk = np.arange(1, int(n.sum()) + 1, dtype=_I64) - np.repeat(np.cumsum(n) - n, n)  # 1 .. n per run
        last_col = np.repeat(e - r1 * ww[multi], n)
        xo, yo = ox[owner[src]], oy[owner[src]]
        extra = (owner[src], yo + r0[src] + kk, xo, xo + np.where(kk == np.repeat(n, n), last_col, ww[src] - 1))
    xo, yo = ox[owner], oy[owner]
    if multi.size and not ordered:  # first rows written straight into the final arrays, remainders after
        m, total = owner.size, owner.size + extra[0].size
        out = [np.empty(total, _I64) for _ in range(4)]
        out[0][:m] = owner
        np.add(r0, yo, out=out[1][:m])
        np.add(c0, xo, out=out[2][:m])
        np.add(x1, xo, out=out[3][:m])
        for o, b in zip(out, extra, strict=True):
            o[m:] = b
        return Segments(*out, ordered=False)
    r0 += yo
    c0 += xo
    x1 += xo
    main = (owner, r0, c0, x1)
    if not multi.size:
        return Segments(*main)
    rows = np.ones(owner.size, _I64)
    rows[multi] += n
    at = np.cumsum(rows) - rows  # output slot of every run's first row
    dest = at[src] + kk  # the k-th row after a run's first goes k slots after it
    total = owner.size + extra[0].size
    out = []
    for a, b in zip(main, extra, strict=True):
        o = np.empty(total, _I64)
        o[at] = a
        o[dest] = b
        out.append(o)
    return Segments(*out)


def _rects(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Toolkit bounds and pixel boxes of rectangles (float32, numpy round half to even)."""
    r = np.round(values.astype(np.float32)).astype(np.float64)
    x, y, w, h = r[:, 0], r[:, 1], r[:, 2], r[:, 3]
    b = np.stack([x, y, x + w - 1, y + h - 1], axis=1).astype(_I64)
    return b, b


@dataclass
class _Parsed:
    """A trajectory file split by region type (source order), before the toolkit view is built."""

    kinds: np.ndarray  # 0 special, 1 rect, 2 mask, 3 polygon
    rect_vals: np.ndarray  # (r, 4) float
    mask_header: np.ndarray  # (m, 4) int64
    runs: np.ndarray  # int64, all masks end to end
    nruns: np.ndarray  # int64 per mask
    polys: dict[int, rg.Region]


def _assemble(p: _Parsed, text: bool, path: Path, ordered: bool = False) -> tuple[Batch, np.ndarray]:
    """The toolkit-view batch, and the tight box of each mask's pixels as written (rows of masks only).
    ``ordered``: segments in (region, row, column) order (ground truth), else in the cheapest order."""
    n = p.kinds.size
    kind, special, bounds, box, count = _blank(n)
    special[:] = p.kinds == 0
    segments, written = Segments(), np.zeros((0, 4), _I64)
    ri = np.flatnonzero(p.kinds == 1)
    if ri.size:
        kind[ri] = RECT
        bounds[ri], box[ri] = _rects(p.rect_vals)
    mi = np.flatnonzero(p.kinds == 2)
    if mi.size:
        mk, mb, mbox, mc, written, mseg = _masks(p.mask_header, p.runs, p.nruns, text, path, mi + 1, ordered)
        kind[mi], bounds[mi], box[mi], count[mi] = mk, mb, mbox, mc
        segments = mseg.remap(mi)
    for i, poly in p.polys.items():
        kind[i] = POLY
        bounds[i] = rg.region_bounds(poly)
    return Batch(kind, special, bounds, box, count, segments, p.polys), written


# ------------------------------------------------------------------------------------- binary

_HDR = struct.Struct("<hI")
_F4 = struct.Struct("<ffff")
_H = struct.Struct("<H")
_MASK = struct.Struct("<hhHHH")


def from_binary(data: bytes, path: str | Path = "<binary>") -> Batch:
    """Decode a binary trajectory (see :mod:`odtrack_eval.vot.workspace`) into a batch."""
    path = Path(path)
    expected = "a vot-toolkit binary trajectory"
    if len(data) < 6:
        raise FormatError(path, f"{len(data)} bytes, too short for the header", None, expected)
    version, n = _HDR.unpack_from(data, 0)
    if version != 1:
        raise FormatError(path, f"version {version}", None, "version 1")
    off = 6
    kinds = np.zeros(n, np.int8)
    rects, headers, run_bytes, nruns = [], [], [], []
    polys: dict[int, rg.Region] = {}
    size = len(data)
    unpack_mask = _MASK.unpack_from
    try:
        for i in range(n):
            t = data[off]
            off += 1
            if t == 3:
                x0, y0, w, h, cnt = unpack_mask(data, off)
                off += 10
                end = off + 2 * cnt
                if end > size:
                    raise IndexError(f"entry {i}: {cnt} runs past the end")
                run_bytes.append(data[off:end])
                off = end
                headers.append((x0, y0, w, h))
                nruns.append(cnt)
                kinds[i] = 2
            elif t == 1:
                rects.append(_F4.unpack_from(data, off))
                off += 16
                kinds[i] = 1
            elif t == 0:
                off += 4  # the special code: the toolkit view only needs 'special'
            elif t == 2:
                (k,) = _H.unpack_from(data, off)
                off += 2
                pts = np.frombuffer(data, dtype="<f4", count=2 * k, offset=off).astype(np.float64)
                off += 8 * k
                polys[i] = rg.Polygon(pts.reshape(-1, 2))
                kinds[i] = 3
            else:
                raise FormatError(
                    path, f"entry {i}: region type {t}", None, "0 special, 1 rectangle, 2 polygon, 3 mask"
                )
    except (struct.error, ValueError, IndexError) as exc:
        raise FormatError(path, f"truncated ({exc})", None, expected) from None
    if off > size:
        raise FormatError(path, f"truncated (the last region needs {off - size} more bytes)", None, expected)
    if off != size:
        raise FormatError(path, f"{size - off} trailing bytes after {n} regions", None, expected)
    rv = np.array(rects, dtype=np.float32).reshape(-1, 4)
    bad = ~np.isfinite(rv).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(kinds == 1)[np.flatnonzero(bad)[0]])
        raise FormatError(path, f"entry {i + 1}: non-finite rectangle {rv[bad][0].tolist()}", None, "finite x,y,w,h")
    for i, p in polys.items():
        if not np.isfinite(np.asarray(p.points)).all():
            raise FormatError(path, f"entry {i + 1}: non-finite polygon", None, "finite coordinates")
    runs = np.frombuffer(b"".join(run_bytes), dtype="<u2").astype(_I64)
    header = np.array(headers, dtype=_I64).reshape(-1, 4)
    parsed = _Parsed(kinds, rv, header, runs, np.array(nruns, _I64), polys)
    return _assemble(parsed, False, path)[0]


# ------------------------------------------------------------------------------------- text


def _parse_text(lines: list[bytes]) -> _Parsed | None:
    """Split clean text lines in one vectorised parse; None when anything needs the exact per-line reader
    (non-numbers, NaN, odd value counts, non-integer mask values, blank lines)."""
    n = len(lines)
    kinds = np.zeros(n, np.int8)
    counts = np.zeros(n, _I64)
    parts = []
    for i, s in enumerate(lines):
        s = s.strip()
        if s[:1] == b"m":
            kinds[i] = 2
            s = s[1:]
        parts.append(s)
        counts[i] = s.count(b",") + 1
    if any(not p for p in parts):
        return None
    for i in np.flatnonzero(kinds == 2).tolist():  # mask values are int() in the toolkit: no 1.0, no 1e3
        p = parts[i]
        if b"." in p or b"e" in p or b"E" in p:
            return None
    joined = b",".join(parts)
    ints = _integers(joined)
    if ints is not None:
        values = ints.astype(np.float64)
    else:
        text = joined.decode("ascii", errors="replace")
        if "n" in text.lower():  # nan / inf: the exact reader decides what they mean
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                values = np.fromstring(text, dtype=np.float64, sep=",") if text else np.zeros(0)  # noqa: NPY201
            except ValueError:
                return None
    if values.size != counts.sum():
        return None
    starts = np.cumsum(counts) - counts
    is_mask = kinds == 2
    kinds[~is_mask & (counts == 1)] = 0
    kinds[~is_mask & (counts == 4)] = 1
    poly = ~is_mask & (counts > 4) & (counts % 2 == 0)
    kinds[poly] = 3
    if ((~is_mask & ~np.isin(counts, [1, 4]) & ~poly) | (is_mask & (counts < 5))).any():
        return None
    ri = np.flatnonzero(kinds == 1)
    rect_vals = values[starts[ri][:, None] + np.arange(4)] if ri.size else np.zeros((0, 4))
    mi = np.flatnonzero(is_mask)
    header = values[starts[mi][:, None] + np.arange(4)] if mi.size else np.zeros((0, 4))
    nr = counts[mi] - 4
    runs = np.zeros(0, _I64)
    if mi.size:
        ridx = np.repeat(starts[mi] + 4 - (np.cumsum(nr) - nr), nr) + np.arange(nr.sum())
        runs_f = values[ridx]
        if not (np.all(runs_f == np.floor(runs_f)) and np.all(header == np.floor(header))):
            return None
        runs = runs_f.astype(_I64)
    polys = {int(i): rg.Polygon(values[starts[i] : starts[i] + counts[i]].reshape(-1, 2)) for i in np.flatnonzero(poly)}
    return _Parsed(kinds, rect_vals, header.astype(_I64), runs, nr, polys)


def _integers(buf: bytes) -> np.ndarray | None:
    """``buf`` as comma-separated decimal integers (``-?[0-9]+`` each, |value| < 2**53), or None if it is
    anything else. Mask files are nothing but such integers: once vectorised byte-pair checks show that
    every token has that form (so Python's ``int()`` reads the same values), numpy's C integer parser reads
    them; ~1.5x faster than a digit-column parser and ~2.5x faster than parsing floats."""
    if not buf:
        return None
    a = np.frombuffer(buf, np.uint8)
    comma, minus = a == 44, a == 45
    digit = (a - np.uint8(48)) < 10  # wraps for bytes below '0'
    if not (digit | comma | minus).all() or comma[0] or not digit[-1]:
        return None  # another byte, an empty first token, or a token ending without a digit
    if ((comma[:-1] & comma[1:]) | (minus[:-1] & ~digit[1:]) | (digit[:-1] & minus[1:])).any():
        return None  # ',,' (an empty token), '-' not followed by a digit, or '-' inside a token
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = np.fromstring(buf.decode("ascii"), dtype=np.int64, sep=",")  # noqa: NPY201 - text mode
    if out.size != np.count_nonzero(comma) + 1 or (out.size and np.abs(out).max() >= 2**53):
        return None  # (strtoll saturates on overflow: such values fall back to the exact reader)
    return out


def _lines(data: bytes) -> list[bytes]:
    lines = data.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def from_text(data: bytes, path: str | Path = "<text>") -> Batch:
    """Decode a text trajectory. Lines with NaN are an error (the toolkit reads them as 'unknown');
    anything the fast path does not accept is re-read line by line for an exact error or result."""
    path = Path(path)
    lines = _lines(data)
    if b"nan" in data.lower():
        for i, s in enumerate(lines, start=1):
            if b"nan" in s.lower():
                raise FormatError(path, "NaN coordinates", i, "finite values (the toolkit would score the frame "
                                  "as 'unknown', overlap 0)")  # fmt: skip
    parsed = _parse_text(lines)
    if parsed is None:
        return from_regions([rg.toolkit_read(r) for r in rg.parse_regions(data, path)])  # exact errors / odd input
    ri = np.flatnonzero(parsed.kinds == 1)
    finite = np.isfinite(parsed.rect_vals).all(axis=1)
    if not finite.all():
        i = int(ri[np.flatnonzero(~finite)[0]])
        raise FormatError(path, f"non-finite rectangle {parsed.rect_vals[~finite][0].tolist()}", i + 1,
                          "finite x,y,w,h")  # fmt: skip
    return _assemble(parsed, True, path)[0]


def read_batch(path: str | Path) -> Batch:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(path, "file not found") from None
    return from_binary(data, path) if path.suffix == ".bin" else from_text(data, path)


# ------------------------------------------------------------------------------------- ground truth files


class RegionList(Sequence):
    """Region objects of text lines, each parsed (exactly, as written) on first access: the analyses use
    the batch, so only the few regions a runner or a test asks for are ever built."""

    def __init__(self, lines: list[bytes], path: Path):
        self._lines, self._path = lines, path
        self._done: dict[int, rg.Region] = {}

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = range(len(self))[i]
        if i not in self._done:
            self._done[i] = rg.parse_region(self._lines[i].decode("utf-8"), self._path, i + 1)
        return self._done[i]


@dataclass
class GroundTruthFile:
    """A VOT ground-truth file read once: the toolkit's view for the analyses, boxes for the OPE side."""

    batch: Batch  # toolkit-read regions (mask_optimize_read applied)
    empty: np.ndarray  # the toolkit's is_empty of each read region
    boxes: np.ndarray  # (n, 4) float64 region_to_bbox of each region as written (NaN: no box)
    regions: Sequence  # the regions as written (padding: Special(0)), built on access


def read_ground_truth(path: str | Path, length: int | None = None, at_least: bool = False) -> GroundTruthFile:
    """Read ``groundtruth.txt``, padded with the unknown code to ``length`` frames as the toolkit does
    (more lines than ``length`` is an error, unless ``at_least``: then the longer of the two counts).

    Clean files (integers and plain decimals: every file the toolkit writes) take the vectorised path;
    anything else goes through :func:`odtrack_eval.region.read_regions`, which gives exact errors.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(path, "file not found") from None
    lines = _lines(data)
    if length is not None and len(lines) > length and not at_least:
        raise FormatError(path, f"{len(lines)} regions for a {length}-frame sequence", None, f"{length} lines")
    if not lines:
        raise FormatError(path, "no region in the file", None, "one region per frame")
    if length is not None and length > len(lines):
        lines += [b"0"] * (length - len(lines))
    parsed = None
    try:
        data.decode("utf-8")
        parsed = _parse_text(lines)
    except UnicodeDecodeError:
        pass
    if parsed is None:
        regions = rg.parse_regions(data, path)
        regions += [rg.Special(rg.UNKNOWN)] * (len(lines) - len(regions))
        b, empty = ground_truth(regions)
        boxes = np.array([rg.region_to_bbox(r) for r in regions], dtype=np.float64).reshape(-1, 4)
        return GroundTruthFile(b, empty, boxes, regions)
    b, written = _assemble(parsed, True, path, ordered=True)
    n = len(lines)
    boxes = np.full((n, 4), np.nan)
    empty = np.zeros(n, bool)
    k = parsed.kinds
    ri = np.flatnonzero(k == 1)
    boxes[ri] = parsed.rect_vals
    w32, h32 = parsed.rect_vals[:, 2].astype(np.float32), parsed.rect_vals[:, 3].astype(np.float32)
    empty[ri] = ~((w32 > 0) & (h32 > 0))
    mi = np.flatnonzero(k == 2)
    px = written[:, 2] >= written[:, 0]
    boxes[mi[px]] = np.stack([written[px, 0], written[px, 1], written[px, 2] - written[px, 0] + 1,
                              written[px, 3] - written[px, 1] + 1], axis=1)  # fmt: skip
    mb = b.box[mi]
    empty[mi] = (b.kind[mi] != MASK) | (mb[:, 2] == mb[:, 0]) | (mb[:, 3] == mb[:, 1])
    empty[k == 0] = True
    for i, poly in parsed.polys.items():
        boxes[i] = rg.region_to_bbox(poly)
        empty[i] = rg.is_empty(poly)
    return GroundTruthFile(b, empty, boxes, RegionList(lines, path))


# ------------------------------------------------------------------------------------- overlaps


def overlaps(pred: Batch, gt: Batch, frames: np.ndarray, size: tuple[int, int], legacy: bool = False) -> np.ndarray:
    """Overlap of ``pred[j]`` with ``gt[frames[j]]`` for every j, bounded to the image ``size`` (W, H)."""
    n = len(pred)
    frames = np.asarray(frames, dtype=_I64)
    out = np.zeros(n, np.float64)
    pb, gb = pred.bounds, gt.bounds[frames]
    ul, ut = np.minimum(pb[:, 0], gb[:, 0]), np.minimum(pb[:, 1], gb[:, 1])
    ur, ub = np.maximum(pb[:, 2], gb[:, 2]), np.maximum(pb[:, 3], gb[:, 3])
    degenerate = (ul >= ur) | (ut >= ub)
    wl, wt = np.maximum(ul, 0), np.maximum(ut, 0)
    wr, wb = np.minimum(ur, size[0] - 1), np.minimum(ub, size[1] - 1)
    live = ~degenerate & (wl < wr) & (wt < wb)
    if not legacy:
        out[degenerate] = 1.0
    else:
        live &= ~(pred.special | gt.special[frames])
    pk, gk = pred.kind, gt.kind[frames]
    live &= ~((pk == EMPTY) & (gk == EMPTY))  # both empty but a live window: 0 / 0 -> 0
    poly = live & ((pk == POLY) | (gk == POLY))
    for j in np.flatnonzero(poly).tolist():
        a = pred.regions.get(j) or _as_region(pred, j)
        b = gt.regions.get(int(frames[j])) or _as_region(gt, int(frames[j]))
        out[j] = rg.calculate_overlap(a, b, size)
    live &= ~poly
    window = (wl, wt, wr, wb)
    area_p = _areas(pred, None, window, live)
    area_g = _areas(gt, frames, window, live)
    pbox, gbox = pred.box, gt.box[frames]
    il = np.maximum(np.maximum(pbox[:, 0], gbox[:, 0]), wl)
    it = np.maximum(np.maximum(pbox[:, 1], gbox[:, 1]), wt)
    ir = np.minimum(np.minimum(pbox[:, 2], gbox[:, 2]), wr)
    ib = np.minimum(np.minimum(pbox[:, 3], gbox[:, 3]), wb)
    touch = live & (il <= ir) & (it <= ib) & (pk != EMPTY) & (gk != EMPTY)
    inter = np.zeros(n, _I64)
    rr = touch & (pk == RECT) & (gk == RECT)
    inter[rr] = ((ir - il + 1) * (ib - it + 1))[rr]
    box = (il, it, ir, ib)
    pm = touch & (pk == MASK)  # prediction segments against a rectangle (clipped lengths) or a mask (join)
    if pm.any():
        o, y, lo, hi = _pair_segments(pred, None, pm, box)
        if (gk[pm] == MASK).all():  # the usual case: every picked pair is mask against mask
            val = _join(gt, frames[o], y, lo, hi)
        else:
            val = hi - lo + 1
            both = gk[o] == MASK
            if both.any():
                val[both] = _join(gt, frames[o[both]], y[both], lo[both], hi[both])
        inter += np.bincount(o, weights=val, minlength=n).astype(_I64)
    gm = touch & (pk == RECT) & (gk == MASK)  # a rectangle against ground-truth segments
    if gm.any():
        o, _, lo, hi = _pair_segments(gt, frames, gm, box)
        inter += np.bincount(o, weights=hi - lo + 1, minlength=n).astype(_I64)
    union = area_p + area_g - inter
    ok = live & (union > 0)
    out[ok] = inter[ok] / union[ok]
    return out


def _pair_segments(
    b: Batch, index: np.ndarray | None, pick: np.ndarray, window: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, ...]:
    """Segments of region ``index[j]`` (``j`` if ``index`` is None) for every picked pair ``j``, clipped
    to window ``j`` (l, t, r, b): (pair, row, first column, last column) of the non-empty pieces."""
    if index is None:  # pair j is region j: any order will do
        s = b.segments
        if (pick | (b.kind != MASK)).all():  # every region with segments is picked: no selection pass
            sel = slice(None)
        else:
            sel = pick[s.owner]
        o = s.owner[sel]
    else:
        s = b.ordered_segments()
        pairs = np.flatnonzero(pick)
        ranges = b.segment_ranges()
        a = ranges[index[pairs]]
        c = ranges[index[pairs] + 1] - a
        sel = np.repeat(a - (np.cumsum(c) - c), c) + np.arange(int(c.sum()))
        o = np.repeat(pairs, c)
    y = s.y[sel]
    wl, wt, wr, wb = (w[o] for w in window)
    lo = np.maximum(s.x0[sel], wl)
    hi = np.minimum(s.x1[sel], wr)
    ok = (y >= wt) & (y <= wb) & (lo <= hi)
    if ok.all():
        return o, y, lo, hi
    return o[ok], y[ok], lo[ok], hi[ok]


def _join(gt: Batch, f: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Pixels of ground-truth mask ``f[q]`` in row ``y[q]``, columns ``lo[q]..hi[q]``, for every q: the
    row's segments are looked up in the row table and intersected one rank at a time (rows rarely hold
    more than one or two)."""
    slot, first, count = gt.row_index()
    t = slot[f] + y - gt.box[f, 1]
    start, n = first[t], count[t]
    s = gt.ordered_segments()
    if not s.x0.size:
        return np.zeros(f.size, _I64)
    # rank 0 on the whole arrays (rows without a segment give 0), further ranks on the rows that have them
    g = np.minimum(start, s.x0.size - 1)
    out = np.minimum(hi, s.x1[g]) - np.maximum(lo, s.x0[g]) + 1
    np.maximum(out, 0, out=out)
    out[n == 0] = 0
    q = np.flatnonzero(n > 1)
    d = 1
    while q.size:
        g = start[q] + d
        ov = np.minimum(hi[q], s.x1[g]) - np.maximum(lo[q], s.x0[g]) + 1
        out[q] += np.maximum(ov, 0)
        d += 1
        q = q[n[q] > d]
    return out


def _areas(b: Batch, index: np.ndarray | None, window: tuple[np.ndarray, ...], live: np.ndarray) -> np.ndarray:
    """Pixels of region ``index[j]`` (``j`` if None) of ``b`` inside window j, for every live pair j."""
    wl, wt, wr, wb = window
    n = live.size
    kind, box, count = (b.kind, b.box, b.count) if index is None else (b.kind[index], b.box[index], b.count[index])
    area = np.zeros(n, _I64)
    rect = live & (kind == RECT)
    w = np.maximum(np.minimum(box[:, 2], wr) - np.maximum(box[:, 0], wl) + 1, 0)
    h = np.maximum(np.minimum(box[:, 3], wb) - np.maximum(box[:, 1], wt) + 1, 0)
    area[rect] = (w * h)[rect]
    mask = live & (kind == MASK)
    inside = (box[:, 0] >= wl) & (box[:, 1] >= wt) & (box[:, 2] <= wr) & (box[:, 3] <= wb)
    area[mask & inside] = count[mask & inside]
    clip = mask & ~inside
    if clip.any():
        o, _, lo, hi = _pair_segments(b, index, clip, window)
        area[clip] = np.bincount(o, weights=hi - lo + 1, minlength=n).astype(_I64)[clip]
    return area


def _as_region(batch: Batch, i: int) -> rg.Region:
    """Rebuild a region object (only for the rare polygon pairs)."""
    k = int(batch.kind[i])
    if k == MASK:
        return rg.Mask(batch.crop(i), (int(batch.box[i, 0]), int(batch.box[i, 1])))
    if k == RECT:
        x1, y1, x2, y2 = (int(v) for v in batch.box[i])
        return rg.Rectangle(x1, y1, x2 - x1 + 1, y2 - y1 + 1)
    if batch.special[i]:
        return rg.Special(0)
    return rg.Mask(np.zeros((0, 0), bool), (int(batch.bounds[i, 0]), int(batch.bounds[i, 1])))
