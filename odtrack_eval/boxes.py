"""Vectorized box primitives (protocols.md §1): the IoU variants, centre error and the
normalized centre errors. All functions take (N, 4) float64 ``x, y, w, h`` arrays.

The variants exist because the reference tools differ in the last bits, and at 0.01 points
those bits matter (ties at thresholds such as IoU == 0.5 are common with integer boxes).
"""

from __future__ import annotations

import numpy as np

_EPS = np.finfo(np.float64).eps


def iou_cont(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """I-cont: pytracking/ODTrack ``calc_iou_overlap`` and the MATLAB ``calcRectInt``.

    Written with inclusive pixel corners (right = x + w - 1, side = min - max + 1), areas w*h,
    no epsilon, no clipping. The arithmetic is reproduced operation by operation because for
    sub-pixel boxes the ``-1 ... +1`` round trip differs from the continuous formula by an ulp
    (which can push an IoU of exactly 1 above the 1.0 threshold, protocol-findings.md §5).
    0/0 gives NaN, as in the reference.
    """
    px, py, pw, ph = pred.T
    gx, gy, gw, gh = gt.T
    iw = np.minimum(px + pw - 1.0, gx + gw - 1.0)
    iw -= np.maximum(px, gx)
    iw += 1.0
    np.maximum(iw, 0.0, out=iw)
    ih = np.minimum(py + ph - 1.0, gy + gh - 1.0)
    ih -= np.maximum(py, gy)
    ih += 1.0
    np.maximum(ih, 0.0, out=ih)
    inter = iw * ih
    union = pw * ph
    union += gw * gh
    union -= inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return inter / union


def clip_to_image(boxes: np.ndarray, bound: tuple[float, float] | np.ndarray) -> np.ndarray:
    """got10k ``rect_iou`` bound handling: x to [0, W], w to [0, W - x] (same for y/h).

    ``bound`` is one (W, H) or an (N, 2) array of per-row image sizes.
    """
    bound = np.asarray(bound, dtype=np.float64)
    w_img, h_img = (bound[..., 0], bound[..., 1])
    out = np.array(boxes, dtype=np.float64, copy=True)
    out[:, 0] = np.clip(out[:, 0], 0, w_img)
    out[:, 1] = np.clip(out[:, 1], 0, h_img)
    out[:, 2] = np.clip(out[:, 2], 0, w_img - out[:, 0])
    out[:, 3] = np.clip(out[:, 3], 0, h_img - out[:, 1])
    return out


def _continuous_inter_union(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intersection and union areas with continuous corners (x2 = x + w), as got10k and pysot compute them.

    ``max(min(px + pw, gx + gw) - max(px, gx), 0) * (same for y)`` and ``pw * ph + gw * gh - inter``,
    operation by operation, computed in place (the same IEEE operations in the same order, so the
    same bits, without a fresh array per step).
    """
    px, py, pw, ph = pred[:, 0], pred[:, 1], pred[:, 2], pred[:, 3]
    gx, gy, gw, gh = gt[:, 0], gt[:, 1], gt[:, 2], gt[:, 3]
    width = np.add(px, pw)
    tmp = np.add(gx, gw)
    np.minimum(width, tmp, out=width)
    np.maximum(px, gx, out=tmp)
    width -= tmp
    np.maximum(width, 0, out=width)
    height = np.add(py, ph)
    np.add(gy, gh, out=tmp)
    np.minimum(height, tmp, out=height)
    np.maximum(py, gy, out=tmp)
    height -= tmp
    np.maximum(height, 0, out=height)
    inter = width
    inter *= height
    union = np.multiply(pw, ph, out=height)
    np.multiply(gw, gh, out=tmp)
    union += tmp
    union -= inter
    return inter, union


def iou_g10k(pred: np.ndarray, gt: np.ndarray, bound: tuple[float, float] | np.ndarray | None = None) -> np.ndarray:
    """I-g10k: got10k ``rect_iou`` (continuous corners, ``inter / (union + eps)``, clipped to [0, 1]).

    With ``bound=(W, H)`` both boxes are first clipped to the image (GOT-10k experiment only).
    """
    if bound is not None:
        pred, gt = clip_to_image(pred, bound), clip_to_image(gt, bound)
    inter, union = _continuous_inter_union(pred, gt)
    if union.dtype != np.float64:  # integer or float32 boxes: keep numpy's own promotion
        return np.clip(inter / (union + _EPS), 0.0, 1.0)
    union += _EPS
    np.divide(inter, union, out=inter)
    return np.clip(inter, 0.0, 1.0, out=inter)


def iou_pysot(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """I-pysot: continuous IoU without epsilon, clipped to [0, 1] (0/0 gives NaN)."""
    inter, union = _continuous_inter_union(pred, gt)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip(inter / union, 0.0, 1.0)


def iou_tnet(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """I-tnet: the TrackingNet server (coordinates rounded half-to-even, inclusive corners).

    The caller rounds the boxes (the protocol's ``round_boxes``); this is the "+1" formula with the
    intersection side clipped at 0 and areas w*h.
    """
    x1 = np.maximum(pred[:, 0], gt[:, 0])
    y1 = np.maximum(pred[:, 1], gt[:, 1])
    x2 = np.minimum(pred[:, 0] + pred[:, 2] - 1, gt[:, 0] + gt[:, 2] - 1)
    y2 = np.minimum(pred[:, 1] + pred[:, 3] - 1, gt[:, 1] + gt[:, 3] - 1)
    inter = np.maximum(x2 - x1 + 1, 0) * np.maximum(y2 - y1 + 1, 0)
    union = pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return inter / union


IOU_FUNCTIONS = {"cont": iou_cont, "g10k": iou_g10k, "pysot": iou_pysot, "tnet": iou_tnet}


def centers(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre (x + (w-1)/2, y + (h-1)/2); every tool's convention cancels in distances (§1.3)."""
    # x + 0.5 * (w - 1.0), in place (IEEE + and * are commutative, so the bits are the same).
    cx = np.subtract(boxes[:, 2], 1.0)
    cx *= 0.5
    cx += boxes[:, 0]
    cy = np.subtract(boxes[:, 3], 1.0)
    cy *= 0.5
    cy += boxes[:, 1]
    return cx, cy


def center_error(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Euclidean distance between box centres, in pixels."""
    (pcx, pcy), (gcx, gcy) = centers(pred), centers(gt)
    dx, dy = pcx - gcx, pcy - gcy
    return np.sqrt(dx * dx + dy * dy)


def _hypot(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """``sqrt(dx * dx + dy * dy)`` in place (consumes both arguments)."""
    dx *= dx
    dy *= dy
    dx += dy
    return np.sqrt(dx, out=dx)


def center_errors(pred: np.ndarray, gt: np.ndarray, variant: str = "pyt") -> tuple[np.ndarray, np.ndarray]:
    """``(center_error(pred, gt), norm_center_error(pred, gt, variant))``, bit for bit, in one pass.

    Scoring needs both: the centres and (for ``g10k``/``pysot``) the centre differences are
    computed once and shared instead of twice, with in-place arithmetic.
    """
    if variant not in ("g10k", "pysot", "pyt"):
        return center_error(pred, gt), norm_center_error(pred, gt, variant)
    (pcx, pcy), (gcx, gcy) = centers(pred), centers(gt)
    gw, gh = gt[:, 2], gt[:, 3]
    dx, dy = pcx - gcx, pcy - gcy
    with np.errstate(invalid="ignore", divide="ignore"):
        if variant == "pyt":
            ndx = np.divide(pcx, gw, out=pcx)
            ndx -= np.divide(gcx, gw, out=gcx)
            ndy = np.divide(pcy, gh, out=pcy)
            ndy -= np.divide(gcy, gh, out=gcy)
        elif variant == "g10k":
            ndx = dx / np.maximum(gw, 1.0, out=gcx)
            ndy = dy / np.maximum(gh, 1.0, out=gcy)
        else:
            ndx = dx / np.add(gw, 1e-16, out=gcx)
            ndy = dy / np.add(gh, 1e-16, out=gcy)
        nce = _hypot(ndx, ndy)
    return _hypot(dx, dy), nce


def norm_center_error(pred: np.ndarray, gt: np.ndarray, variant: str = "pyt") -> np.ndarray:
    """Normalized centre error, one of the definitions in protocols.md §1.4.

    ``pyt``: both centres divided by GT w, h, then the distance (no guard; w = 0 gives inf/NaN).
    ``g10k``: the centre difference divided by max(1, GT w/h). ``pysot``: divisor GT w + 1e-16.
    ``tnet``: the TrackingNet server's ``(dx / w * dx / w + dy / h * dy / h) ** 0.5`` with centres
    ``x + (w + 1) / 2``, operation by operation (the caller rounds the boxes first).
    """
    gw, gh = gt[:, 2], gt[:, 3]
    with np.errstate(invalid="ignore", divide="ignore"):
        if variant == "tnet":
            dx = (gt[:, 0] + (gw + 1.0) / 2.0) - (pred[:, 0] + (pred[:, 2] + 1.0) / 2.0)
            dy = (gt[:, 1] + (gh + 1.0) / 2.0) - (pred[:, 1] + (pred[:, 3] + 1.0) / 2.0)
            return np.sqrt(dx / gw * dx / gw + dy / gh * dy / gh)
    (pcx, pcy), (gcx, gcy) = centers(pred), centers(gt)
    with np.errstate(invalid="ignore", divide="ignore"):
        if variant == "pyt":
            dx, dy = pcx / gw - gcx / gw, pcy / gh - gcy / gh
        elif variant == "g10k":
            dx, dy = (pcx - gcx) / np.maximum(gw, 1.0), (pcy - gcy) / np.maximum(gh, 1.0)
        elif variant == "pysot":
            dx, dy = (pcx - gcx) / (gw + 1e-16), (pcy - gcy) / (gh + 1e-16)
        else:
            raise ValueError(f"unknown normalized-error variant {variant!r}")
        return np.sqrt(dx * dx + dy * dy)
