"""Scoring: per-frame measures of a prepared run and the per-sequence curves they give.

The numpy code here is the definition: IoU variant → success counts, centre error → precision
counts, normalized error → normalized-precision counts, and IoU sums, each per sequence with one
``bincount`` over all frames (no Python loop per frame). :mod:`.scoring_kernel` is the same chain
fused into one compiled loop, giving the same bits (same IEEE operations in the same order); it
shares the constants defined here. Which one runs is the caller's :class:`~odtrack_eval.backend.Backend`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from odtrack_eval.backend import Backend, load_kernel
from odtrack_eval.boxes import IOU_FUNCTIONS, center_errors, iou_g10k
from odtrack_eval.errors import ResultsError
from odtrack_eval.metrics.preparation import DROP, FAIL, METRICS, PASS, SCORED, PreparedRun
from odtrack_eval.parallel import both
from odtrack_eval.protocols import Protocol

__all__ = ["RunCurves", "frame_iou", "score_run", "score_run_numpy", "score_run_compiled", "IOU_KINDS", "NORM_KINDS"]

#: Codes of the IoU and normalized-error variants (protocols/one_pass.py names) in the kernel.
IOU_KINDS = {"cont": 0, "g10k": 1, "pysot": 2, "tnet": 3}
NORM_KINDS = {"pyt": 0, "g10k": 1, "pysot": 2, "tnet": 3}
#: Threshold-grid modes (:func:`_fast_grid`): bisection, the pixel grid 0..k-1, a near-uniform grid.
GRID_BISECT, GRID_INTEGERS, GRID_UNIFORM = 0, 1, 2
_KERNEL = "odtrack_eval.metrics.scoring_kernel"

@dataclass
class RunCurves:
    """Per-sequence curves of one run: ``curves[metric]`` is (S, K); ``frames`` counts the
    denominator of each sequence; ``iou_sum``/``iou_count`` give the mean IoU over scored frames."""

    curves: dict[str, np.ndarray]
    counts: dict[str, np.ndarray]
    frames: dict[str, np.ndarray]
    iou_sum: np.ndarray
    iou_count: np.ndarray


# Threshold tables for :func:`_threshold_index`, keyed by the grid's bytes: None where the grid is
# not near-uniform from 0 (then searchsorted is used).
_FAST_GRIDS: dict[bytes, tuple[str, float, np.ndarray] | None] = {}


def _fast_grid(grid: np.ndarray) -> tuple[str, float, np.ndarray] | None:
    key = grid.tobytes()
    if key not in _FAST_GRIDS:
        k = len(grid)
        entry = None
        if np.array_equal(grid, np.arange(k, dtype=np.float64)):
            entry = ("integers", 1.0, grid)
        elif k >= 2 and grid[-1] > grid[0] and np.all(np.diff(grid) > 0):
            step = float(grid[-1] - grid[0]) / (k - 1)
            if np.all(np.abs(grid - np.arange(k) * step) <= step / 4):
                entry = ("uniform", 1.0 / step, np.concatenate([grid, [np.nan, np.nan]]))
        _FAST_GRIDS[key] = entry
    return _FAST_GRIDS[key]


def _threshold_index(grid: np.ndarray, values: np.ndarray, side: str) -> np.ndarray:
    """``np.searchsorted(grid, values, side)`` for non-NaN values, bit for bit, 3-5x faster.

    ``searchsorted`` is a branchy binary search per value. Two exact shortcuts replace it:

    * grid ``0, 1, ..., k-1`` (pixel thresholds): ``#(t < v) = clip(ceil(v), 0, k)`` and
      ``#(t <= v) = clip(floor(v) + 1, 0, k)``;
    * grid points each within a quarter step ``s`` of ``j * s`` (every other grid in protocols/one_pass.py):
      with ``c = clip(floor(v / s - 1/2), 0, k)``, every ``t[j]`` with ``j < c`` is below ``v`` and
      every ``t[j]`` with ``j > c + 1`` above it (the quarter-step slack and the rounding of ``v / s``
      together stay below half a step), so the count is exactly ``c + [t[c] < v] + [t[c+1] < v]``
      (``<=`` for ``side="right"``), with NaN padding past the end so that missing points never count.

    NaN values give an arbitrary count in ``[0, k]``: callers override them. Other grids use
    ``searchsorted``.
    """
    fast = _fast_grid(grid)
    if fast is None:
        return np.searchsorted(grid, values, side=side)
    how, scale, padded = fast
    k = float(len(grid))
    if how == "integers":
        x = np.ceil(values) if side == "left" else np.floor(values)
        if side != "left":
            x += 1.0
    else:
        x = values * scale
        x -= 0.5
    np.fmax(x, 0.0, out=x)  # fmax/fmin map NaN to a bound: no invalid cast below
    np.fmin(x, k, out=x)
    c = x.astype(np.intp)  # x >= 0: truncation is floor
    if how == "integers":
        return c
    if side == "left":
        n = c + (padded[c] < values)
        n += padded[1:][c] < values
    else:
        n = c + (padded[c] <= values)
        n += padded[1:][c] <= values
    return n


def _count(
    values: np.ndarray,
    code: np.ndarray,
    grid: np.ndarray,
    seq_index: np.ndarray,
    num_seq: int,
    kind: str,
    op: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-sequence number of frames passing each threshold, and the per-sequence denominators.

    For success (``value > t`` or ``>=``) a frame passes the first ``n`` thresholds where
    ``n = #(t < value)``; for errors (``value <= t``) it passes every threshold from
    ``m = #(t < value)`` on. One ``bincount`` over (sequence, n) gives all curves at once; dropped
    frames go to an extra bin ``k + 1`` that is cut off afterwards (no compaction pass).
    """
    k = len(grid)
    if kind == "success":
        side = "left" if op == ">" else "right"
        n = _threshold_index(grid, values, side)
        nan_value, fail_value, pass_value = 0, 0, k
    else:
        n = _threshold_index(grid, values, "left")
        nan_value, fail_value, pass_value = k, k, 0
    nan = np.isnan(values)
    if nan.any():
        n[nan] = nan_value
    if (code != SCORED).any():
        for c, value in ((FAIL, fail_value), (PASS, pass_value), (DROP, k + 1)):
            mask = code == c
            if mask.any():
                n[mask] = value
    flat = seq_index * (k + 2)
    flat += n
    return _counts_from_bins(np.bincount(flat, minlength=num_seq * (k + 2)).reshape(num_seq, k + 2), kind)


def _counts_from_bins(bins: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-sequence counts per threshold and denominators from the (S, k + 2) bin histogram of
    :func:`_count` (bin ``k + 1`` holds the dropped frames and is cut off)."""
    k = bins.shape[1] - 2
    hist = bins[:, : k + 1]
    if kind == "success":
        counts = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1][:, 1:]
    else:
        counts = np.cumsum(hist, axis=1)[:, :k]
    frames = hist.sum(axis=1)
    return counts, frames


#: From this many frames :func:`score_run` computes the overlaps and the centre errors in two threads.
_PARALLEL_FRAMES = 100_000


def score_run(run: PreparedRun, protocol: Protocol, backend: Backend = Backend.NUMPY) -> RunCurves:
    """Per-frame measures and per-sequence curves for one prepared run, on ``backend`` (same bits)."""
    if backend.compiled and load_kernel(_KERNEL) is not None:
        return score_run_compiled(run, protocol)
    return score_run_numpy(run, protocol)


def _nan_overlap(run: PreparedRun, frame: int) -> ResultsError:
    """The error of protocols that reject a NaN IoU on a scored frame (``nan_iou="error"``)."""
    return ResultsError(f"NaN overlap on a valid frame (sequence #{run.seq_index[frame]}); check the results")


def frame_iou(run: PreparedRun, protocol: Protocol) -> np.ndarray:
    """Every frame's overlap under the protocol's IoU variant (clipped to the image where it clips): the
    value the success curve compares with its thresholds, before the frame rules (NaN where undefined)."""
    with np.errstate(all="ignore"):  # IEEE results (inf, NaN) are the definition; the kernel is as silent
        if run.bounds is not None:
            return iou_g10k(run.pred, run.gt, bound=run.bounds)
        return IOU_FUNCTIONS[protocol.iou](run.pred, run.gt)


def score_run_numpy(run: PreparedRun, protocol: Protocol) -> RunCurves:
    """:func:`score_run` as whole-array numpy operations (the definition the kernel matches).

    The overlap chain (IoU, success counts, IoU sums) and the centre-error chain (both errors, their
    counts) are independent; on large runs they run in two threads.
    """
    num_seq = run.num_sequences

    def curve(values: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        op = protocol.success_op if metric == "success" else "<="
        kind = "success" if metric == "success" else "error"
        c, f = _count(values, run.forced[metric], protocol.grid(metric), run.seq_index, num_seq, kind, op)
        with np.errstate(invalid="ignore", divide="ignore"):
            return c, f, c / f[:, None]

    def overlaps() -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
        iou = frame_iou(run, protocol)
        scored = run.forced["success"] == SCORED
        if protocol.nan_iou == "error" and np.isnan(iou[scored]).any():
            first = int(np.nonzero(np.isnan(iou) & scored)[0][0])
            raise _nan_overlap(run, first)
        success = curve(iou, "success")
        ok = ~np.isnan(iou)
        ok &= scored
        # Adding +0.0 for the frames left out leaves every bincount sum bit-identical (the sums start
        # at +0.0, and x + 0.0 == x for every x but -0.0), and avoids compacting two arrays.
        iou_sum = np.bincount(run.seq_index, weights=np.where(ok, iou, 0.0), minlength=num_seq)
        iou_count = np.bincount(run.seq_index, weights=ok, minlength=num_seq).astype(np.intp)
        return success, iou_sum, iou_count

    def errors() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        with np.errstate(all="ignore"):  # (e.g. 1e308 boxes overflow to inf, which then fails every threshold)
            ce, nce = center_errors(run.pred, run.gt, protocol.norm_error)
        return [curve(ce, "precision"), curve(nce, "norm_precision")]

    if len(run.gt) >= _PARALLEL_FRAMES:
        (success, iou_sum, iou_count), errs = both(overlaps, errors)
    else:
        success, iou_sum, iou_count = overlaps()
        errs = errors()
    parts = dict(zip(METRICS, [success, *errs], strict=True))
    counts = {m: p[0] for m, p in parts.items()}
    frames = {m: p[1] for m, p in parts.items()}
    curves = {m: p[2] for m, p in parts.items()}
    return RunCurves(curves, counts, frames, iou_sum, iou_count)


def _split_at_sequence(seq_index: np.ndarray) -> int:
    """A frame index near the middle where a new sequence starts (0 if there is none): the two halves
    write disjoint rows of the per-sequence outputs, and each sequence's frames stay in order."""
    n = len(seq_index)
    if n < 2:
        return 0
    mid_seq = seq_index[n // 2]
    cut = int(np.searchsorted(seq_index, mid_seq, side="left"))
    if cut == 0:
        cut = int(np.searchsorted(seq_index, mid_seq, side="right"))
    return cut if cut < n else 0


def _kernel_grid(grid: np.ndarray) -> tuple[np.ndarray, int, float]:
    """A threshold grid as the kernel takes it: thresholds + two NaN, the :func:`_fast_grid` mode, its scale."""
    padded = np.concatenate([np.asarray(grid, dtype=np.float64), [np.nan, np.nan]])
    fast = _fast_grid(grid)
    if fast is None:
        return padded, GRID_BISECT, 1.0
    how, scale, _ = fast
    return padded, GRID_INTEGERS if how == "integers" else GRID_UNIFORM, scale


def score_run_compiled(run: PreparedRun, protocol: Protocol) -> RunCurves:
    """:func:`score_run` through the fused kernel, over two threads (split between sequences)."""
    kernel = load_kernel(_KERNEL)
    if kernel is None:
        raise RuntimeError("the compiled kernels do not import here (score_run falls back to numpy)")

    num_seq = run.num_sequences
    grids = {m: _kernel_grid(protocol.grid(m)) for m in METRICS}
    bins = {m: np.zeros((num_seq, len(grids[m][0])), dtype=np.int64) for m in METRICS}  # k + 2 bins
    iou_sum = np.zeros(num_seq)
    iou_count = np.zeros(num_seq, dtype=np.intp)
    bounds = run.bounds if run.bounds is not None else np.zeros((0, 2))
    seq_index = run.seq_index.astype(np.intp, copy=False)

    def part(start: int, stop: int) -> int:
        return kernel.score_frames(
            run.pred, run.gt, bounds, seq_index,
            run.forced["success"], run.forced["precision"], run.forced["norm_precision"],
            IOU_KINDS[protocol.iou], NORM_KINDS[protocol.norm_error],
            *grids["success"], protocol.success_op == ">=", *grids["precision"], *grids["norm_precision"],
            start, stop, bins["success"], bins["precision"], bins["norm_precision"], iou_sum, iou_count,
        )  # fmt: skip

    n = len(run.gt)
    cut = _split_at_sequence(seq_index) if n >= _PARALLEL_FRAMES else 0
    if cut:
        first_nans = list(both(lambda: part(0, cut), lambda: part(cut, n)))
    else:
        first_nans = [part(0, n)]
    nan_frames = [f for f in first_nans if f >= 0]
    if protocol.nan_iou == "error" and nan_frames:
        first = min(nan_frames)
        raise _nan_overlap(run, first)
    counts, frames, curves = {}, {}, {}
    for metric in METRICS:
        c, f = _counts_from_bins(bins[metric], "success" if metric == "success" else "error")
        with np.errstate(invalid="ignore", divide="ignore"):
            counts[metric], frames[metric], curves[metric] = c, f, c / f[:, None]
    return RunCurves(curves, counts, frames, iou_sum, iou_count)
