"""Compiled screening of result files for :func:`odtrack_eval.results.validation.validate_run`.

The screen decides which files get the detailed (slow, per-file) check: any non-finite value or
non-positive size, and how many rows with usable ground truth are ordered like corners
(x2 > x1 and y2 > y1). It is validation.py's ``_screen_numpy`` as one pass per file, without
joining all files into one array first; the counts are integers, so both give the same flags.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(nogil=True, cache=True)
def screen_file(boxes: np.ndarray, gt: np.ndarray, rows: int) -> tuple[bool, int, int]:  # pragma: no cover
    """Over the first ``rows`` rows: (any odd row, rows usable, usable rows ordered like corners).

    odd: a NaN/infinite value or width/height <= 0; usable: the row is finite and the ground
    truth row is finite with positive width and height.
    """
    odd = False
    usable = 0
    ordered = 0
    for j in range(rows):
        bx = boxes[j, 0]
        by = boxes[j, 1]
        bw = boxes[j, 2]
        bh = boxes[j, 3]
        # x - x is 0 for a finite x and NaN for inf/NaN; summing the four differences tests all at once.
        finite = (bx - bx) + (by - by) + (bw - bw) + (bh - bh) == 0.0
        if not (finite and bw > 0 and bh > 0):
            odd = True
        gx = gt[j, 0]
        gy = gt[j, 1]
        gw = gt[j, 2]
        gh = gt[j, 3]
        gt_finite = (gx - gx) + (gy - gy) + (gw - gw) + (gh - gh) == 0.0
        if finite and gt_finite and gw > 0 and gh > 0:
            usable += 1
            if bw > bx and bh > by:
                ordered += 1
    return odd, usable, ordered
