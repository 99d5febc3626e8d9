"""Regions of a whole trajectory as arrays, and their VOT overlaps with the ground truth in one pass.

The per-frame overlap (:mod:`odtrack_eval.vot.overlap`) is exact but costs tens of microseconds per
frame in Python; a VOT2020 evaluation has ~10^5 run frames per tracker. Here a trajectory file is
decoded in one vectorised pass (binary and text), masks straight from their run lengths (tight boxes
and pixel counts from the runs, one ``np.repeat`` for all bitmaps of the file), and the window rules
of the toolkit are applied to all frames at once. Only the pixel intersection of two overlapping
masks (or a box and a mask) is counted per frame, on the two tight crops. Polygons use the exact
rasteriser. The result equals :func:`odtrack_eval.vot.overlap.overlap` (tests compare both, and with
vot-toolkit).

How each source maps to the toolkit's in-memory regions: text masks go through ``mask_optimize_read``
(:func:`odtrack_eval.region.toolkit_read`: cropped; empty or one-pixel-wide-at-the-patch-origin masks
become an empty mask at (0, 0)); binary masks stay as written (an empty one keeps its offset, which the
toolkit's bounds then use); rectangles are float32 rounded half to even.
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from odtrack_eval import region as rg
from odtrack_eval.errors import FormatError
from odtrack_eval.vot.overlap import EMPTY, MASK, POLY, RECT, Shape

_I64 = np.int64


@dataclass
class Batch:
    """n regions: kind, special flag, toolkit bounds (l, t, r, b), pixel box, pixel count, mask crops."""

    kind: np.ndarray  # int8
    special: np.ndarray  # bool
    bounds: np.ndarray  # (n, 4) int64, inclusive, what the toolkit's union test uses
    box: np.ndarray  # (n, 4) int64 inclusive pixel box (rect may have r < l: empty)
    count: np.ndarray  # int64: mask pixel count (whole mask)
    crops: list  # tight bool crop per mask, else None
    regions: dict[int, rg.Region]  # polygons (exact fallback)

    def __len__(self) -> int:
        return int(self.kind.size)


# ------------------------------------------------------------------------------------- generic


def _blank(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list, dict[int, rg.Region]]:
    """Arrays of a batch of ``n`` regions before filling: all special/empty, no crops, no polygons."""
    box = np.tile(np.array([0, 0, -1, -1], _I64), (n, 1))
    return np.zeros(n, np.int8), np.zeros(n, bool), np.zeros((n, 4), _I64), box, np.zeros(n, _I64), [None] * n, {}


def from_regions(regions: list[rg.Region]) -> Batch:
    """Build from region objects (already in the toolkit's in-memory view)."""
    n = len(regions)
    kind, special, bounds, box, count, crops, polys = _blank(n)
    for i, r in enumerate(regions):
        s = Shape(r)
        kind[i], special[i], bounds[i], box[i], count[i], crops[i] = s.kind, s.special, s.bounds, s.box, s.count, s.crop
        if s.kind == POLY:
            polys[i] = r
    return Batch(kind, special, bounds, box, count, crops, polys)


def ground_truth(regions: list[rg.Region]) -> tuple[Batch, np.ndarray]:
    """Ground-truth regions *as written* -> (batch of the toolkit-read regions, the toolkit's ``is_empty``).

    One tight-box computation per mask serves ``mask_optimize_read`` (crop; empty or thin-at-origin ->
    empty at (0, 0)), ``is_empty`` on the read mask (no pixels, or one pixel wide or high) and the batch.
    """
    n = len(regions)
    kind, special, bounds, box, count, crops, polys = _blank(n)
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
            crops[i] = crop
            empty[i] = right == left or b == t
        else:
            s = Shape(r)
            kind[i], special[i], bounds[i], box[i] = s.kind, s.special, s.bounds, s.box
            empty[i] = rg.is_empty(r)
            if s.kind == POLY:
                polys[i] = r
    return Batch(kind, special, bounds, box, count, crops, polys), empty


# ------------------------------------------------------------------------------------- masks from runs


def _masks(
    header: np.ndarray, runs: np.ndarray, nruns: np.ndarray, text: bool, path: Path, lines: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list]:
    """Masks given as (x0, y0, w, h) rows and concatenated run lengths: kind, bounds, box, count, crops."""
    k = header.shape[0]
    ox, oy, w, h = (header[:, i].astype(_I64) for i in range(4))
    if np.any(w < 0) or np.any(h < 0):
        i = int(np.flatnonzero((w < 0) | (h < 0))[0])
        raise FormatError(path, "negative mask size", int(lines[i]), "m<x0>,<y0>,<w>,<h>,<rle>")
    if np.any(runs < 0):
        i = int(np.searchsorted(np.cumsum(nruns), int(np.flatnonzero(runs < 0)[0]), side="right"))
        raise FormatError(path, "negative run length", int(lines[i]), "non-negative run lengths")
    starts = np.concatenate(([0], np.cumsum(nruns)[:-1])).astype(_I64)
    owner = np.repeat(np.arange(k), nruns)
    local = np.arange(runs.size, dtype=_I64) - starts[owner]
    csum = np.cumsum(runs)
    totals = np.bincount(owner, weights=runs, minlength=k).astype(_I64)
    over = totals > w * h
    if np.any(over):
        i = int(np.flatnonzero(over)[0])
        problem = f"bad mask RLE: runs cover {int(totals[i])} pixels but the mask has {int(w[i])}x{int(h[i])}"
        raise FormatError(path, problem, int(lines[i]), "run lengths covering at most w*h pixels")
    mask_start = np.concatenate(([0], np.cumsum(totals)[:-1]))  # start of each mask in the run-position space
    pos_end = csum - mask_start[owner]  # end position (exclusive) of each run inside its mask
    pos_start = pos_end - runs
    ones = (local % 2 == 1) & (runs > 0)
    count = np.bincount(owner[ones], weights=runs[ones], minlength=k).astype(_I64)
    o = owner[ones]
    s, e, ww = pos_start[ones], pos_end[ones], w[owner[ones]]
    r0, r1 = s // ww, (e - 1) // ww
    c0 = np.where(r0 == r1, s % ww, 0)
    c1 = np.where(r0 == r1, (e - 1) % ww, ww - 1)
    big = np.iinfo(_I64).max
    top = np.full(k, big)
    left = np.full(k, big)
    bottom = np.full(k, -1)
    right = np.full(k, -1)
    if o.size:  # ones-runs are grouped by owner (ascending): one reduceat per bound
        first = np.flatnonzero(np.concatenate(([True], o[1:] != o[:-1])))
        who = o[first]
        top[who] = np.minimum.reduceat(r0, first)
        left[who] = np.minimum.reduceat(c0, first)
        bottom[who] = np.maximum.reduceat(r1, first)
        right[who] = np.maximum.reduceat(c1, first)
    has = count > 0
    if text:  # mask_optimize_read: right (in the patch) == 0 -> empty mask at (0, 0)
        has &= right != 0
    kind = np.where(has, MASK, EMPTY).astype(np.int8)
    bounds = np.empty((k, 4), _I64)
    if text:
        bounds[:] = 0
    else:
        bounds[:] = np.stack([ox, oy, ox, oy], axis=1)
    box = np.tile(np.array([0, 0, -1, -1], _I64), (k, 1))
    tb = np.stack([ox + left, oy + top, ox + right, oy + bottom], axis=1)
    bounds[has] = tb[has]
    box[has] = tb[has]
    count = np.where(has, count, 0)
    # bitmaps of the masks with pixels, from one repeat over their runs plus a zero pad to w*h each
    crops: list = [None] * k
    idx = np.flatnonzero(has)
    if idx.size:
        sel = has[owner]
        r_runs, r_owner, r_local = runs[sel], owner[sel], local[sel]
        pad = w[idx] * h[idx] - totals[idx]
        vals = np.concatenate([(r_local % 2 == 1), np.zeros(idx.size, bool)])
        lens = np.concatenate([r_runs, pad])
        order = np.argsort(np.concatenate([r_owner * 2, idx * 2 + 1]), kind="stable")
        flat = np.repeat(vals[order], lens[order])
        offs = np.concatenate(([0], np.cumsum(w[idx] * h[idx])[:-1]))
        for j, i in enumerate(idx.tolist()):
            wi, hi = int(w[i]), int(h[i])
            m = flat[offs[j] : offs[j] + wi * hi].reshape(hi, wi)
            crops[i] = m[top[i] : bottom[i] + 1, left[i] : right[i] + 1]
    return kind, bounds, box, count, crops


def _rects(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Toolkit bounds and pixel boxes of rectangles (float32, numpy round half to even)."""
    r = np.round(values.astype(np.float32)).astype(np.float64)
    x, y, w, h = r[:, 0], r[:, 1], r[:, 2], r[:, 3]
    b = np.stack([x, y, x + w - 1, y + h - 1], axis=1).astype(_I64)
    return b, b


def _assemble(
    n: int, kinds: np.ndarray, rect_vals: np.ndarray, mask_header: np.ndarray, runs: np.ndarray,
    nruns: np.ndarray, polys: dict[int, rg.Region], codes: dict[int, int], text: bool, path: Path,
) -> Batch:  # fmt: skip
    """kinds: 0 special, 1 rect, 2 mask, 3 polygon (source order)."""
    kind = np.zeros(n, np.int8)
    special = kinds == 0
    bounds = np.zeros((n, 4), _I64)
    box = np.tile(np.array([0, 0, -1, -1], _I64), (n, 1))
    count = np.zeros(n, _I64)
    crops: list = [None] * n
    ri = np.flatnonzero(kinds == 1)
    if ri.size:
        kind[ri] = RECT
        bounds[ri], box[ri] = _rects(rect_vals)
    mi = np.flatnonzero(kinds == 2)
    if mi.size:
        mk, mb, mbox, mc, mcrops = _masks(mask_header, runs, nruns, text, path, mi + 1)
        kind[mi], bounds[mi], box[mi], count[mi] = mk, mb, mbox, mc
        for j, i in enumerate(mi.tolist()):
            crops[i] = mcrops[j]
    for i, p in polys.items():
        kind[i] = POLY
        bounds[i] = rg.region_bounds(p)
    return Batch(kind, special, bounds, box, count, crops, polys)


# ------------------------------------------------------------------------------------- binary

_HDR = struct.Struct("<hI")
_B = struct.Struct("<B")
_I = struct.Struct("<I")
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
    rects, headers, run_parts, nruns = [], [], [], []
    polys: dict[int, rg.Region] = {}
    codes: dict[int, int] = {}
    try:
        for i in range(n):
            t = data[off]
            off += 1
            if t == 1:
                rects.append(_F4.unpack_from(data, off))
                off += 16
                kinds[i] = 1
            elif t == 3:
                hdr = _MASK.unpack_from(data, off)
                off += 10
                cnt = hdr[4]
                arr = np.frombuffer(data, dtype="<u2", count=cnt, offset=off)
                off += 2 * cnt
                headers.append(hdr[:4])
                run_parts.append(arr)
                nruns.append(cnt)
                kinds[i] = 2
            elif t == 0:
                codes[i] = _I.unpack_from(data, off)[0]
                off += 4
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
    if off != len(data):
        raise FormatError(path, f"{len(data) - off} trailing bytes after {n} regions", None, expected)
    rv = np.array(rects, dtype=np.float32).reshape(-1, 4)
    bad = ~np.isfinite(rv).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(kinds == 1)[np.flatnonzero(bad)[0]])
        raise FormatError(path, f"entry {i + 1}: non-finite rectangle {rv[bad][0].tolist()}", None, "finite x,y,w,h")
    for i, p in polys.items():
        if not np.isfinite(np.asarray(p.points)).all():
            raise FormatError(path, f"entry {i + 1}: non-finite polygon", None, "finite coordinates")
    runs = np.concatenate(run_parts).astype(_I64) if run_parts else np.zeros(0, _I64)
    header = np.array(headers, dtype=_I64).reshape(-1, 4)
    return _assemble(n, kinds, rv, header, runs, np.array(nruns, _I64), polys, codes, False, path)


# ------------------------------------------------------------------------------------- text


def from_text(data: bytes, path: str | Path = "<text>") -> Batch:
    """Decode a text trajectory. Lines with NaN are an error (the toolkit reads them as 'unknown');
    anything the fast path does not accept is re-read line by line for an exact error or result."""
    path = Path(path)
    lines = data.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    n = len(lines)
    if b"nan" in data.lower():
        for i, s in enumerate(lines, start=1):
            if b"nan" in s.lower():
                raise FormatError(path, "NaN coordinates", i, "finite values (the toolkit would score the frame "
                                  "as 'unknown', overlap 0)")  # fmt: skip
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
    text = b",".join(parts).decode("ascii", errors="replace")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            values = np.fromstring(text, dtype=np.float64, sep=",") if text else np.zeros(0)  # noqa: NPY201
        except ValueError:
            values = None
    if values is None or values.size != counts.sum() or any(not p for p in parts):
        return from_regions([rg.toolkit_read(r) for r in rg.read_regions(path)])  # exact errors / odd input
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    is_mask = kinds == 2
    kinds[~is_mask & (counts == 1)] = 0
    kinds[~is_mask & (counts == 4)] = 1
    poly = ~is_mask & (counts > 4) & (counts % 2 == 0)
    kinds[poly] = 3
    bad = (~is_mask & ~np.isin(counts, [1, 4]) & ~poly) | (is_mask & (counts < 5))
    if bad.any():
        return from_regions([rg.toolkit_read(r) for r in rg.read_regions(path)])
    ri = np.flatnonzero(kinds == 1)
    rect_vals = values[starts[ri][:, None] + np.arange(4)] if ri.size else np.zeros((0, 4))
    finite = np.isfinite(rect_vals).all(axis=1)
    if not finite.all():
        i = int(ri[np.flatnonzero(~finite)[0]])
        raise FormatError(path, f"non-finite rectangle {rect_vals[~finite][0].tolist()}", i + 1, "finite x,y,w,h")
    mi = np.flatnonzero(is_mask)
    header = values[starts[mi][:, None] + np.arange(4)] if mi.size else np.zeros((0, 4))
    nr = counts[mi] - 4
    if mi.size:
        ridx = np.repeat(starts[mi] + 4 - np.concatenate(([0], np.cumsum(nr)[:-1])), nr) + np.arange(nr.sum())
        runs_f = values[ridx]
        if not (np.all(runs_f == np.floor(runs_f)) and np.all(header == np.floor(header))):
            return from_regions([rg.toolkit_read(r) for r in rg.read_regions(path)])
        runs = runs_f.astype(_I64)
    else:
        runs = np.zeros(0, _I64)
    polys = {int(i): rg.Polygon(values[starts[i] : starts[i] + counts[i]].reshape(-1, 2)) for i in np.flatnonzero(poly)}
    codes = {int(i): int(values[starts[i]]) for i in np.flatnonzero(kinds == 0)}
    return _assemble(n, kinds, rect_vals, header.astype(_I64), runs, nr, polys, codes, True, path)


def read_batch(path: str | Path) -> Batch:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(path, "file not found") from None
    return from_binary(data, path) if path.suffix == ".bin" else from_text(data, path)


# ------------------------------------------------------------------------------------- overlaps


def overlaps(pred: Batch, gt: Batch, frames: np.ndarray, size: tuple[int, int], legacy: bool = False) -> np.ndarray:
    """Overlap of ``pred[j]`` with ``gt[frames[j]]`` for every j, bounded to the image ``size`` (W, H)."""
    n = len(pred)
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
    # pixel areas inside the window (rects analytic; masks: whole count when inside, else sliced)
    pbox, gbox = pred.box, gt.box[frames]
    area_p = _areas(pk, pbox, pred.count, pred.crops, None, wl, wt, wr, wb, live)
    area_g = _areas(gk, gbox, gt.count[frames], gt.crops, frames, wl, wt, wr, wb, live)
    il = np.maximum(np.maximum(pbox[:, 0], gbox[:, 0]), wl)
    it = np.maximum(np.maximum(pbox[:, 1], gbox[:, 1]), wt)
    ir = np.minimum(np.minimum(pbox[:, 2], gbox[:, 2]), wr)
    ib = np.minimum(np.minimum(pbox[:, 3], gbox[:, 3]), wb)
    touch = live & (il <= ir) & (it <= ib) & (pk != EMPTY) & (gk != EMPTY)
    inter = np.zeros(n, _I64)
    rr = touch & (pk == RECT) & (gk == RECT)
    inter[rr] = ((ir - il + 1) * (ib - it + 1))[rr]
    todo = np.flatnonzero(touch & ~rr)
    if todo.size:
        fl = frames[todo].tolist()
        L, T, R, B = il[todo].tolist(), it[todo].tolist(), ir[todo].tolist(), ib[todo].tolist()
        pks = pk[todo].tolist()
        gks = gk[todo].tolist()
        pxy = pbox[todo, :2].tolist()
        gxy = gbox[todo, :2].tolist()
        pcrops, gcrops = pred.crops, gt.crops
        vals = []
        cnz = np.count_nonzero
        for q, j in enumerate(todo.tolist()):
            lq, tq, rq, bq = L[q], T[q], R[q] + 1, B[q] + 1
            if pks[q] == RECT:
                gx, gy = gxy[q]
                vals.append(cnz(gcrops[fl[q]][tq - gy : bq - gy, lq - gx : rq - gx]))
            elif gks[q] == RECT:
                px, py = pxy[q]
                vals.append(cnz(pcrops[j][tq - py : bq - py, lq - px : rq - px]))
            else:
                px, py = pxy[q]
                gx, gy = gxy[q]
                vals.append(cnz(pcrops[j][tq - py : bq - py, lq - px : rq - px]
                                & gcrops[fl[q]][tq - gy : bq - gy, lq - gx : rq - gx]))  # fmt: skip
        inter[todo] = vals
    union = area_p + area_g - inter
    ok = live & (union > 0)
    out[ok] = inter[ok] / union[ok]
    return out


def _areas(kind, box, count, crops, frames, wl, wt, wr, wb, live) -> np.ndarray:
    n = kind.size
    area = np.zeros(n, _I64)
    rect = live & (kind == RECT)
    w = np.maximum(np.minimum(box[:, 2], wr) - np.maximum(box[:, 0], wl) + 1, 0)
    h = np.maximum(np.minimum(box[:, 3], wb) - np.maximum(box[:, 1], wt) + 1, 0)
    area[rect] = (w * h)[rect]
    mask = live & (kind == MASK)
    inside = (box[:, 0] >= wl) & (box[:, 1] >= wt) & (box[:, 2] <= wr) & (box[:, 3] <= wb)
    area[mask & inside] = count[mask & inside]
    for j in np.flatnonzero(mask & ~inside).tolist():
        c = crops[j if frames is None else int(frames[j])]
        x0, y0 = int(box[j, 0]), int(box[j, 1])
        x1, y1 = max(x0, int(wl[j])), max(y0, int(wt[j]))
        x2, y2 = min(int(box[j, 2]), int(wr[j])), min(int(box[j, 3]), int(wb[j]))
        if x1 <= x2 and y1 <= y2:
            area[j] = np.count_nonzero(c[y1 - y0 : y2 - y0 + 1, x1 - x0 : x2 - x0 + 1])
    return area


def _as_region(batch: Batch, i: int) -> rg.Region:
    """Rebuild a region object (only for the rare polygon pairs)."""
    k = int(batch.kind[i])
    if k == MASK:
        return rg.Mask(batch.crops[i], (int(batch.box[i, 0]), int(batch.box[i, 1])))
    if k == RECT:
        x1, y1, x2, y2 = (int(v) for v in batch.box[i])
        return rg.Rectangle(x1, y1, x2 - x1 + 1, y2 - y1 + 1)
    if batch.special[i]:
        return rg.Special(0)
    return rg.Mask(np.zeros((0, 0), bool), (int(batch.bounds[i, 0]), int(batch.bounds[i, 1])))
