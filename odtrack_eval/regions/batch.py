"""Regions of a whole trajectory as arrays, and their VOT overlaps with the ground truth in one pass.

The per-frame overlap (:mod:`odtrack_eval.regions.overlap`) is exact but costs tens of microseconds per
frame in Python; a VOT2020 evaluation has ~10^5 run frames per tracker, most of them masks. Here a
trajectory file is decoded in one vectorised pass (binary and text), and masks are never turned into
bitmaps: their run lengths become **row segments** (one per run and image row; tight boxes and pixel
counts come from the runs too). The overlap of two masks is then a join of their segments by image
row, a mask against a rectangle or a window is a sum of clipped segment lengths, and the window rules
of the toolkit are applied to all frames at once. Polygons use the exact rasteriser. The result equals
:func:`odtrack_eval.regions.overlap.overlap` (tests compare both, and with vot-toolkit).

How each source maps to the toolkit's in-memory regions: text masks go through ``mask_optimize_read``
(:func:`odtrack_eval.regions.region.toolkit_read`: cropped; empty or one-pixel-wide-at-the-patch-origin masks
become an empty mask at (0, 0)); binary masks stay as written (an empty one keeps its offset, which the
toolkit's bounds then use); rectangles are float32 rounded half to even.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from odtrack_eval.errors import FormatError
from odtrack_eval.regions import region as rg
from odtrack_eval.regions.overlap import EMPTY, MASK, POLY, RECT, Shape

I64 = np.int64



def _none() -> np.ndarray:
    return np.zeros(0, I64)


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
            parts.append((np.full(rs.size, i, I64), rs + y, cs + x, ce - 1 + x))
        if not parts:
            return Segments()
        return Segments(*(np.concatenate([p[k] for p in parts]).astype(I64) for k in range(4)))


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
    box = np.tile(np.array([0, 0, -1, -1], I64), (n, 1))
    return np.zeros(n, np.int8), np.zeros(n, bool), np.zeros((n, 4), I64), box, np.zeros(n, I64)


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
    ox, oy, w, h = (header[:, i].astype(I64) for i in range(4))
    if np.any(w < 0) or np.any(h < 0):
        i = int(np.flatnonzero((w < 0) | (h < 0))[0])
        raise FormatError(path, "negative mask size", int(lines[i]), "m<x0>,<y0>,<w>,<h>,<rle>")
    ends = np.cumsum(nruns)
    starts = ends - nruns
    if np.any(runs < 0):
        i = int(np.searchsorted(ends, int(np.flatnonzero(runs < 0)[0]), side="right"))
        raise FormatError(path, "negative run length", int(lines[i]), "non-negative run lengths")
    csum = np.empty(runs.size + 1, I64)  # csum[i]: where run i starts, all masks laid end to end
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
    idx += np.arange(0, 2 * idx.size, 2, dtype=I64)
    ln = runs[idx]
    s = csum[idx]  # first position of the run in its mask (row-major)
    s -= np.repeat(csum[starts], nones)
    del idx
    owner = np.repeat(np.arange(k, dtype=I64), nones)
    per_mask = nones
    live = ln > 0
    if not live.all():  # zero-length runs (a split long run, or an odd encoder): drop them
        owner, s, ln = owner[live], s[live], ln[live]
        per_mask = np.bincount(owner, minlength=k)
    ww = w[owner] if per_mask is not nones else np.repeat(w, nones)
    count = np.bincount(owner, weights=ln, minlength=k).astype(I64)
    r0 = (s / ww).astype(I64)  # exact floor: 0 <= positions < 2**53, widths < 2**31
    c0 = s - r0 * ww
    x1 = c0 + ln  # one past the run's end column if it stays in its row
    single = x1 <= ww
    np.minimum(x1, ww, out=x1)
    x1 -= 1  # last column of the run's first row
    # tight box in the patch: runs are in position order, so the first gives the top, the last the bottom
    big = np.iinfo(I64).max
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
    written = np.tile(np.array([0, 0, -1, -1], I64), (k, 1))
    tb = np.stack([ox + left, oy + top, ox + right, oy + bottom], axis=1)
    written[pixels] = tb[pixels]
    has = pixels & (right != 0) if text else pixels  # mask_optimize_read: right == 0 -> empty at (0, 0)
    kind = np.where(has, MASK, EMPTY).astype(np.int8)
    bounds = np.zeros((k, 4), I64) if text else np.stack([ox, oy, ox, oy], axis=1)
    bounds[has] = tb[has]
    box = np.tile(np.array([0, 0, -1, -1], I64), (k, 1))
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
        kk = np.arange(1, int(n.sum()) + 1, dtype=I64) - np.repeat(np.cumsum(n) - n, n)  # 1 .. n per run
        last_col = np.repeat(e - r1 * ww[multi], n)
        xo, yo = ox[owner[src]], oy[owner[src]]
        extra = (owner[src], yo + r0[src] + kk, xo, xo + np.where(kk == np.repeat(n, n), last_col, ww[src] - 1))
    xo, yo = ox[owner], oy[owner]
    if multi.size and not ordered:  # first rows written straight into the final arrays, remainders after
        m, total = owner.size, owner.size + extra[0].size
        out = [np.empty(total, I64) for _ in range(4)]
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
    rows = np.ones(owner.size, I64)
    rows[multi] += n
    at = np.cumsum(rows) - rows  # output slot of every run's first row
    dest = at[src] + kk  # the k-th row after a run's first goes k slots after it
    total = owner.size + extra[0].size
    out = []
    for a, b in zip(main, extra, strict=True):
        o = np.empty(total, I64)
        o[at] = a
        o[dest] = b
        out.append(o)
    return Segments(*out)


def _rects(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Toolkit bounds and pixel boxes of rectangles (float32, numpy round half to even)."""
    r = np.round(values.astype(np.float32)).astype(np.float64)
    x, y, w, h = r[:, 0], r[:, 1], r[:, 2], r[:, 3]
    b = np.stack([x, y, x + w - 1, y + h - 1], axis=1).astype(I64)
    return b, b


@dataclass
class ParsedText:
    """A trajectory file split by region type (source order), before the toolkit view is built."""

    kinds: np.ndarray  # 0 special, 1 rect, 2 mask, 3 polygon
    rect_vals: np.ndarray  # (r, 4) float
    mask_header: np.ndarray  # (m, 4) int64
    runs: np.ndarray  # int64, all masks end to end
    nruns: np.ndarray  # int64 per mask
    polys: dict[int, rg.Region]


def assemble(p: ParsedText, text: bool, path: Path, ordered: bool = False) -> tuple[Batch, np.ndarray]:
    """The toolkit-view batch, and the tight box of each mask's pixels as written (rows of masks only).
    ``ordered``: segments in (region, row, column) order (ground truth), else in the cheapest order."""
    n = p.kinds.size
    kind, special, bounds, box, count = _blank(n)
    special[:] = p.kinds == 0
    segments, written = Segments(), np.zeros((0, 4), I64)
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
