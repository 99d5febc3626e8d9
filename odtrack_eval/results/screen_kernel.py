"""Compiled screening of result files (``screen_kernel.c``) for :func:`odtrack_eval.results.validation.validate_run`.

The screen decides which files get the detailed (slow, per-file) check: any non-finite value or
non-positive size, and how many rows with usable ground truth are ordered like corners
(x2 > x1 and y2 > y1). It is validation.py's ``_screen_numpy`` as one pass per file, without
joining all files into one array first; the counts are integers, so both give the same flags.
Importing this module builds or loads the kernel library (:func:`odtrack_eval.backend.kernel_library`).
"""

from __future__ import annotations

import ctypes

import numpy as np

from odtrack_eval.backend import float64_table, kernel_library, pointer

_screen = kernel_library().odt_screen_file
_screen.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p]
_screen.restype = None


def screen_file(boxes: np.ndarray, gt: np.ndarray, rows: int) -> tuple[bool, int, int]:
    """Over the first ``rows`` rows: (any odd row, rows usable, usable rows ordered like corners).

    odd: a NaN/infinite value or width/height <= 0; usable: the row is finite and the ground
    truth row is finite with positive width and height.
    """
    boxes, gt = float64_table(boxes, 4), float64_table(gt, 4)
    rows = max(0, min(int(rows), len(boxes), len(gt)))
    out = np.zeros(3, dtype=np.int64)
    _screen(pointer(boxes), pointer(gt), rows, pointer(out))
    return bool(out[0]), int(out[1]), int(out[2])
