"""VOT overlaps of whole trajectories with the ground truth in one pass (mask segments joined by image
row, rectangles and windows as clipped segment lengths); equal to :func:`odtrack_eval.regions.overlap.overlap`
frame by frame (tests compare both, and with vot-toolkit)."""

from __future__ import annotations

import numpy as np

from odtrack_eval.regions import region as rg
from odtrack_eval.regions.batch import EMPTY, I64, MASK, POLY, RECT, Batch


def overlaps(pred: Batch, gt: Batch, frames: np.ndarray, size: tuple[int, int], legacy: bool = False) -> np.ndarray:
    """Overlap of ``pred[j]`` with ``gt[frames[j]]`` for every j, bounded to the image ``size`` (W, H)."""
    n = len(pred)
    frames = np.asarray(frames, dtype=I64)
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
    inter = np.zeros(n, I64)
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
        inter += np.bincount(o, weights=val, minlength=n).astype(I64)
    gm = touch & (pk == RECT) & (gk == MASK)  # a rectangle against ground-truth segments
    if gm.any():
        o, _, lo, hi = _pair_segments(gt, frames, gm, box)
        inter += np.bincount(o, weights=hi - lo + 1, minlength=n).astype(I64)
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
        return np.zeros(f.size, I64)
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
    area = np.zeros(n, I64)
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
        area[clip] = np.bincount(o, weights=hi - lo + 1, minlength=n).astype(I64)[clip]
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
