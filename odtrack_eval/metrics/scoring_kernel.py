"""Compiled per-frame scoring: IoU, centre errors, threshold counts and IoU sums in one pass.

This is :func:`odtrack_eval.metrics.scoring.score_run_numpy`'s chain (IoU variant → success counts,
centre error → precision counts, normalized error → normalized-precision counts, IoU sums) fused
into one loop over frames, without the ~60 temporary arrays. ``error_model="numpy"``: a division
by zero gives inf/NaN as in numpy instead of raising. Every arithmetic step is the numpy
reference's (:mod:`odtrack_eval.boxes`), in the same order and with numpy's NaN rules for
``minimum``/``maximum``/``clip``, so the per-frame values are the same bits; counting is the exact
``searchsorted`` rule, and IoU sums add the same values in the same (frame) order. The tests
check the outputs against the numpy path for every protocol.
"""

from __future__ import annotations

import numba
import numpy as np

from odtrack_eval.metrics.scoring import DROP as _DROP
from odtrack_eval.metrics.scoring import FAIL as _FAIL
from odtrack_eval.metrics.scoring import GRID_INTEGERS, GRID_UNIFORM, IOU_KINDS, NORM_KINDS
from odtrack_eval.metrics.scoring import PASS as _PASS
from odtrack_eval.metrics.scoring import SCORED as _SCORED

_EPS = float(np.finfo(np.float64).eps)
# The variant codes the loop branches on (scoring.py's tables).
_CONT, _G10K, _TNET = IOU_KINDS["cont"], IOU_KINDS["g10k"], IOU_KINDS["tnet"]
_NORM_PYT, _NORM_G10K, _NORM_PYSOT = NORM_KINDS["pyt"], NORM_KINDS["g10k"], NORM_KINDS["pysot"]


@numba.njit(inline="always", error_model="numpy")
def _min(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``np.minimum``: NaN if either is NaN."""
    if a < b:
        return a
    if b <= a:
        return b
    return a + b


@numba.njit(inline="always", error_model="numpy")
def _max(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``np.maximum``: NaN if either is NaN."""
    if a > b:
        return a
    if b >= a:
        return b
    return a + b


@numba.njit(inline="always", error_model="numpy")
def _clip(a: float, lo: float, hi: float) -> float:  # pragma: no cover - compiled
    """``np.clip`` (``minimum(maximum(a, lo), hi)``)."""
    return _min(_max(a, lo), hi)


@numba.njit(inline="always", error_model="numpy")
def _rank(grid: np.ndarray, mode: int, scale: float, v: float, inclusive: bool) -> int:  # pragma: no cover
    """``searchsorted(grid[:k], v, "right" if inclusive else "left")`` for a non-NaN ``v``.

    ``grid`` is the thresholds followed by two NaN (see scoring.py ``_threshold_index``, whose exact
    shortcuts these are: an index from ``v`` and at most two comparisons, instead of a bisection
    whose unpredictable branches cost three times the rest of the frame).
    """
    k = len(grid) - 2
    if mode == GRID_INTEGERS:
        x = np.floor(v) + 1.0 if inclusive else np.ceil(v)
        x = min(max(x, 0.0), float(k))
        return int(x)
    if mode == GRID_UNIFORM:
        x = v * scale
        x -= 0.5
        x = min(max(x, 0.0), float(k))
        c = int(x)
        if inclusive:
            return c + (1 if grid[c] <= v else 0) + (1 if grid[c + 1] <= v else 0)
        return c + (1 if grid[c] < v else 0) + (1 if grid[c + 1] < v else 0)
    lo = 0
    hi = k
    while lo < hi:
        mid = (lo + hi) >> 1
        if grid[mid] <= v if inclusive else grid[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(inline="always", error_model="numpy")
def _success_bin(iou: float, code: int, grid: np.ndarray, mode: int, scale: float, inclusive: bool) -> int:
    k = len(grid) - 2
    if code == _FAIL:
        return 0
    if code == _PASS:
        return k
    if code == _DROP:
        return k + 1
    if iou != iou:
        return 0
    return _rank(grid, mode, scale, iou, inclusive)


@numba.njit(inline="always", error_model="numpy")
def _error_bin(err: float, code: int, grid: np.ndarray, mode: int, scale: float) -> int:  # pragma: no cover
    k = len(grid) - 2
    if code == _FAIL:
        return k
    if code == _PASS:
        return 0
    if code == _DROP:
        return k + 1
    if err != err:
        return k
    return _rank(grid, mode, scale, err, False)


@numba.njit(nogil=True, cache=True, error_model="numpy")
def score_frames(  # pragma: no cover - compiled; tested against the numpy path
    pred: np.ndarray,
    gt: np.ndarray,
    bounds: np.ndarray,
    seq_index: np.ndarray,
    code_s: np.ndarray,
    code_p: np.ndarray,
    code_n: np.ndarray,
    iou_kind: int,
    norm_kind: int,
    grid_s: np.ndarray,
    mode_s: int,
    scale_s: float,
    success_inclusive: bool,
    grid_p: np.ndarray,
    mode_p: int,
    scale_p: float,
    grid_n: np.ndarray,
    mode_n: int,
    scale_n: float,
    start: int,
    stop: int,
    hist_s: np.ndarray,
    hist_p: np.ndarray,
    hist_n: np.ndarray,
    iou_sum: np.ndarray,
    iou_count: np.ndarray,
) -> int:
    """Score frames ``start:stop`` into the per-sequence outputs (rows of their sequences only).

    Each grid comes as (thresholds + two NaN, mode, scale): see :func:`_rank`.
    ``bounds`` has one (W, H) row per frame when boxes are clipped to the image (then the IoU is
    got10k's), else zero rows. Returns the first scored frame whose IoU is NaN, or -1.
    """
    clip = bounds.shape[0] > 0
    first_nan = -1
    for f in range(start, stop):
        s = seq_index[f]
        px = pred[f, 0]
        py = pred[f, 1]
        pw = pred[f, 2]
        ph = pred[f, 3]
        gx = gt[f, 0]
        gy = gt[f, 1]
        gw = gt[f, 2]
        gh = gt[f, 3]
        # -- overlap (boxes.py iou_*) --
        if clip:
            bw = bounds[f, 0]
            bh = bounds[f, 1]
            ax = _clip(px, 0.0, bw)
            ay = _clip(py, 0.0, bh)
            aw = _clip(pw, 0.0, bw - ax)
            ah = _clip(ph, 0.0, bh - ay)
            cx = _clip(gx, 0.0, bw)
            cy = _clip(gy, 0.0, bh)
            cw = _clip(gw, 0.0, bw - cx)
            ch = _clip(gh, 0.0, bh - cy)
            kind = _G10K
        else:
            ax, ay, aw, ah, cx, cy, cw, ch = px, py, pw, ph, gx, gy, gw, gh
            kind = iou_kind
        if kind == _CONT or kind == _TNET:  # cont / tnet: inclusive corners, "+1" sides
            iw = _max(_min(ax + aw - 1.0, cx + cw - 1.0) - _max(ax, cx) + 1.0, 0.0)
            ih = _max(_min(ay + ah - 1.0, cy + ch - 1.0) - _max(ay, cy) + 1.0, 0.0)
            inter = iw * ih
            union = aw * ah + cw * ch - inter
            iou = inter / union
        else:  # g10k / pysot: continuous corners
            iw = _max(_min(ax + aw, cx + cw) - _max(ax, cx), 0.0)
            ih = _max(_min(ay + ah, cy + ch) - _max(ay, cy), 0.0)
            inter = iw * ih
            union = aw * ah + cw * ch - inter
            if kind == _G10K:
                union = union + _EPS
            iou = _clip(inter / union, 0.0, 1.0)
        # -- centre errors (boxes.py centers / center_errors / norm_center_error) --
        pcx = (pw - 1.0) * 0.5 + px
        pcy = (ph - 1.0) * 0.5 + py
        gcx = (gw - 1.0) * 0.5 + gx
        gcy = (gh - 1.0) * 0.5 + gy
        dx = pcx - gcx
        dy = pcy - gcy
        ce = np.sqrt(dx * dx + dy * dy)
        if norm_kind == _NORM_PYT:
            ndx = pcx / gw - gcx / gw
            ndy = pcy / gh - gcy / gh
            nce = np.sqrt(ndx * ndx + ndy * ndy)
        elif norm_kind == _NORM_G10K:
            ndx = dx / _max(gw, 1.0)
            ndy = dy / _max(gh, 1.0)
            nce = np.sqrt(ndx * ndx + ndy * ndy)
        elif norm_kind == _NORM_PYSOT:
            ndx = dx / (gw + 1e-16)
            ndy = dy / (gh + 1e-16)
            nce = np.sqrt(ndx * ndx + ndy * ndy)
        else:
            tdx = (gx + (gw + 1.0) / 2.0) - (px + (pw + 1.0) / 2.0)
            tdy = (gy + (gh + 1.0) / 2.0) - (py + (ph + 1.0) / 2.0)
            nce = np.sqrt(tdx / gw * tdx / gw + tdy / gh * tdy / gh)
        # -- counts (scoring.py _count) and IoU sums --
        cs = code_s[f]
        if cs == _SCORED and iou != iou and first_nan < 0:
            first_nan = f
        hist_s[s, _success_bin(iou, cs, grid_s, mode_s, scale_s, success_inclusive)] += 1
        hist_p[s, _error_bin(ce, code_p[f], grid_p, mode_p, scale_p)] += 1
        hist_n[s, _error_bin(nce, code_n[f], grid_n, mode_n, scale_n)] += 1
        if cs == _SCORED and iou == iou:
            iou_sum[s] += iou
            iou_count[s] += 1
    return first_nan
