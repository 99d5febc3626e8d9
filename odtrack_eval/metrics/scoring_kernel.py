"""Compiled per-frame scoring (``scoring_kernel.c``): IoU, centre errors, threshold counts and IoU sums in one pass.

It is :func:`odtrack_eval.metrics.scoring.score_run_numpy`'s chain fused into one loop over frames, with the numpy
reference's arithmetic step for step (see the C file); the tests check every output against the numpy path for
every protocol. The codes the loop branches on are defined here, in scoring.py and preparation.py; importing this
module checks that the library's copies are the same, and builds or loads the library
(:func:`odtrack_eval.backend.kernel_library`).
"""

from __future__ import annotations

import ctypes

import numpy as np

from odtrack_eval.backend import c_array, kernel_library, pointer
from odtrack_eval.metrics.preparation import DROP, FAIL, PASS, SCORED
from odtrack_eval.metrics.scoring import GRID_BISECT, GRID_INTEGERS, GRID_UNIFORM, IOU_KINDS, NORM_KINDS

_library = kernel_library()
_EXPECTED = (
    SCORED, FAIL, PASS, DROP, *(IOU_KINDS[k] for k in ("cont", "g10k", "pysot", "tnet")),
    *(NORM_KINDS[k] for k in ("pyt", "g10k", "pysot", "tnet")), GRID_BISECT, GRID_INTEGERS, GRID_UNIFORM,
)  # fmt: skip
_constants = np.zeros(len(_EXPECTED), dtype=np.int64)
_library.odt_scoring_constants.argtypes = [ctypes.c_void_p]
_library.odt_scoring_constants(pointer(_constants))
if tuple(_constants.tolist()) != _EXPECTED:
    raise ImportError(f"scoring_kernel.c's codes {_constants.tolist()} differ from scoring.py's {list(_EXPECTED)}")

_P, _I, _D = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double
_score = _library.odt_score_frames
_score.argtypes = [_P, _I, _I, _P, _I, _I, _P, _I, _I, _P, _P, _P, _P, _I, _I, _P, _I, _I, _D, _I, _P, _I, _I, _D,
                   _P, _I, _I, _D, _I, _I, _P, _P, _P, _P, _P]  # fmt: skip
_score.restype = ctypes.c_int64


def _strided(table: np.ndarray, ncols: int) -> tuple[np.ndarray, int, int]:
    """A float64 ``(rows, ncols)`` table and its (row, column) strides in elements, as the kernel reads it: any
    layout whose strides are whole elements is read in place (prepared runs are column-major), others are copied."""
    table = np.asarray(table, dtype=np.float64)
    if table.ndim != 2 or table.shape[1] != ncols:
        raise ValueError(f"expected a (rows, {ncols}) table, got shape {table.shape}")
    if any(s % 8 for s in table.strides) or not table.flags.aligned:
        table = c_array(table, np.float64)
    return table, table.strides[0] // 8, table.strides[1] // 8


def _typed(array: np.ndarray, dtype: type, what: str) -> np.ndarray:
    """``array`` as the kernel reads it; the outputs must already be so (they are written in place)."""
    if array.dtype != dtype or not array.flags.c_contiguous or not array.flags.aligned:
        raise TypeError(f"{what}: expected a C-contiguous, aligned {np.dtype(dtype)} array, got {array.dtype}")
    return array


def score_frames(
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

    Each grid comes as (thresholds + two NaN, mode, scale): see scoring.py ``_kernel_grid``.
    ``bounds`` has one (W, H) row per frame when boxes are clipped to the image (then the IoU is
    got10k's), else zero rows. Returns the first scored frame whose IoU is NaN, or -1.
    """
    (pred, *pred_strides), (gt, *gt_strides) = _strided(pred, 4), _strided(gt, 4)
    n = len(gt)
    if len(pred) != n or not 0 <= start <= stop <= n:
        raise ValueError(f"frames {start}:{stop} of {len(pred)} predictions and {n} ground-truth rows")
    clip = len(bounds) > 0
    bounds, *bounds_strides = _strided(bounds, 2)
    seq_index = c_array(seq_index, np.int64)
    codes = [c_array(c, np.int8) for c in (code_s, code_p, code_n)]
    grids = [c_array(g, np.float64) for g in (grid_s, grid_p, grid_n)]
    hists = [_typed(h, np.int64, "histogram") for h in (hist_s, hist_p, hist_n)]
    _typed(iou_sum, np.float64, "iou_sum")
    _typed(iou_count, np.int64, "iou_count")
    num_seq = len(iou_sum)
    if (clip and len(bounds) != n) or len(seq_index) != n or any(len(c) != n for c in codes):
        raise ValueError("per-frame arrays of different lengths")
    if n and (seq_index[start:stop].min(initial=0) < 0 or seq_index[start:stop].max(initial=0) >= num_seq):
        raise ValueError("a sequence index outside the outputs")
    if any(h.shape != (num_seq, len(g)) for h, g in zip(hists, grids, strict=True)) or len(iou_count) != num_seq:
        raise ValueError("outputs not shaped (sequences, thresholds + 2)")
    return _score(
        pointer(pred), *pred_strides, pointer(gt), *gt_strides, pointer(bounds) if clip else None, *bounds_strides,
        pointer(seq_index),
        *(pointer(c) for c in codes), iou_kind, norm_kind,
        pointer(grids[0]), len(grids[0]), mode_s, scale_s, int(success_inclusive),
        pointer(grids[1]), len(grids[1]), mode_p, scale_p, pointer(grids[2]), len(grids[2]), mode_n, scale_n,
        start, stop, *(pointer(h) for h in hists), pointer(iou_sum), pointer(iou_count),
    )  # fmt: skip


_rank = _library.odt_rank
_rank.argtypes = [_P, _I, _I, _D, _D, _I]
_rank.restype = ctypes.c_int64


def rank(grid: np.ndarray, mode: int, scale: float, v: float, inclusive: bool) -> int:
    """The kernel's threshold count of one non-NaN value: ``searchsorted(grid[:-2], v, "right" if inclusive else
    "left")`` for a grid as :func:`score_frames` takes it (thresholds + two NaN, mode, scale)."""
    grid = c_array(grid, np.float64)
    return int(_rank(pointer(grid), len(grid), mode, scale, v, int(inclusive)))
