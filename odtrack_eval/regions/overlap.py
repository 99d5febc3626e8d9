"""Fast per-frame VOT overlap, equal to :func:`odtrack_eval.regions.region.calculate_overlap` (bounded mode).

vot-toolkit rasterises both regions into the window "union of the two bounding boxes, clipped to
the image" and counts pixels. Inside that window every pixel of either region that lies in the image
is present, so the IoU is the IoU of the two pixel sets restricted to the image, *once the
window tests have passed*: a degenerate union box (``left >= right`` or ``top >= bottom``: two empty
regions, but also two 1-pixel-wide ones) gives 1.0 (toolkit >= 0.6) or 0.0 (< 0.6), and a
degenerate clipped window gives 0.0. Rectangles and masks are counted directly (no raster of the
window); polygons, whose scan-line fill depends on the window origin, use the exact rasteriser.

:class:`Shape` is a region prepared once (rounded rectangle, tight mask crop and pixel count), so a
ground-truth frame shared by several anchor runs is prepared once.
"""

from __future__ import annotations

import numpy as np

from odtrack_eval.regions import region as rg

EMPTY, RECT, MASK, POLY = 0, 1, 2, 3


class Shape:
    """A region reduced to what the overlap needs (see module docstring)."""

    __slots__ = ("kind", "special", "bounds", "box", "crop", "count", "region")

    def __init__(self, region: rg.Region):
        self.region = region
        self.special = isinstance(region, rg.Special)
        self.crop: np.ndarray | None = None
        self.count = 0
        self.box = (0, 0, -1, -1)
        if self.special:
            self.kind, self.bounds = EMPTY, (0, 0, 0, 0)
        elif isinstance(region, rg.Rectangle):
            # float32 storage, then numpy round (half to even) on x, y, w, h separately
            x, y, w, h = np.round(np.array((region.x, region.y, region.w, region.h), dtype=np.float32)).tolist()
            if not all(np.isfinite((x, y, w, h))):
                raise ValueError(f"rectangle with a non-finite value: {region}")
            x, y, w, h = int(x), int(y), int(w), int(h)
            self.kind, self.bounds = RECT, (x, y, x + w - 1, y + h - 1)
            self.box = self.bounds  # w <= 0 or h <= 0: an empty box (right < left)
        elif isinstance(region, rg.Mask):
            m = region.mask if region.mask.dtype == np.bool_ else np.asarray(region.mask) != 0
            ox, oy = int(region.offset[0]), int(region.offset[1])
            rows = np.flatnonzero(m.any(axis=1)) if m.size else np.zeros(0, np.int64)
            if rows.size == 0:
                self.kind, self.bounds = EMPTY, (ox, oy, ox, oy)  # toolkit: mask_bounds zeros + offset
            else:
                cols = np.flatnonzero(m.any(axis=0))
                t, b, left, r = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
                self.crop = m[t : b + 1, left : r + 1]
                self.kind = MASK
                self.bounds = self.box = (ox + left, oy + t, ox + r, oy + b)
                self.count = int(np.count_nonzero(self.crop))
        elif isinstance(region, rg.Polygon):
            self.kind, self.bounds = POLY, rg.region_bounds(region)
        else:
            raise TypeError(f"not a region: {region!r}")


def _area_in(s: Shape, wl: int, wt: int, wr: int, wb: int) -> int:
    """Pixels of ``s`` inside the inclusive window."""
    x0, y0, x1, y1 = s.box
    if s.kind == RECT:
        return max(0, min(x1, wr) - max(x0, wl) + 1) * max(0, min(y1, wb) - max(y0, wt) + 1)
    if s.kind == MASK:
        if x0 >= wl and y0 >= wt and x1 <= wr and y1 <= wb:
            return s.count
        l2, t2, r2, b2 = max(x0, wl), max(y0, wt), min(x1, wr), min(y1, wb)
        if l2 > r2 or t2 > b2:
            return 0
        return int(np.count_nonzero(s.crop[t2 - y0 : b2 - y0 + 1, l2 - x0 : r2 - x0 + 1]))  # type: ignore[index]
    return 0


def _intersection(a: Shape, b: Shape, wl: int, wt: int, wr: int, wb: int) -> int:
    if a.kind == EMPTY or b.kind == EMPTY:
        return 0
    if a.kind == MASK and b.kind == RECT:
        a, b = b, a
    ax0, ay0, ax1, ay1 = a.box
    bx0, by0, bx1, by1 = b.box
    lft, t = max(ax0, bx0, wl), max(ay0, by0, wt)
    r, btm = min(ax1, bx1, wr), min(ay1, by1, wb)
    if lft > r or t > btm:
        return 0
    if a.kind == RECT and b.kind == RECT:
        return (r - lft + 1) * (btm - t + 1)
    if a.kind == RECT:  # b is a mask
        return int(np.count_nonzero(b.crop[t - by0 : btm - by0 + 1, lft - bx0 : r - bx0 + 1]))  # type: ignore[index]
    pa = a.crop[t - ay0 : btm - ay0 + 1, lft - ax0 : r - ax0 + 1]  # type: ignore[index]
    pb = b.crop[t - by0 : btm - by0 + 1, lft - bx0 : r - bx0 + 1]  # type: ignore[index]
    return int(np.count_nonzero(pa & pb))


def overlap(a: Shape, b: Shape, size: tuple[int, int], legacy: bool = False) -> float:
    """VOT overlap of two prepared regions in an image of ``size`` = (W, H).

    ``legacy``: vot-toolkit < 0.6 rule (a special code on either side gives 0; a degenerate union
    box gives 0 instead of 1).
    """
    if legacy and (a.special or b.special):
        return 0.0
    ba, bb = a.bounds, b.bounds
    ul, ut = min(ba[0], bb[0]), min(ba[1], bb[1])
    ur, ub = max(ba[2], bb[2]), max(ba[3], bb[3])
    if ul >= ur or ut >= ub:
        return 0.0 if legacy else 1.0
    wl, wt, wr, wb = max(0, ul), max(0, ut), min(size[0] - 1, ur), min(size[1] - 1, ub)
    if wl >= wr or wt >= wb:
        return 0.0
    if a.kind == POLY or b.kind == POLY:
        return rg.calculate_overlap(a.region, b.region, size)
    inter = _intersection(a, b, wl, wt, wr, wb)
    union = _area_in(a, wl, wt, wr, wb) + _area_in(b, wl, wt, wr, wb) - inter
    return inter / union if union > 0 else 0.0


def region_overlap(a: rg.Region, b: rg.Region, size: tuple[int, int], legacy: bool = False) -> float:
    """Convenience: :func:`overlap` on unprepared regions (toolkit in-memory view expected)."""
    return overlap(Shape(a), Shape(b), size, legacy)
