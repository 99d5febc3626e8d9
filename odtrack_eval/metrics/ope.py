"""One-pass evaluation (OPE) engine: success, precision and normalized-precision curves.

Pipeline (protocols.md §2, one protocol field per step):
    prepare (length fix, prediction check/repair, first frame, rounding)
    -> per-frame IoU / centre error / normalized error
    -> frame classes (dropped / forced fail / forced pass / scored)
    -> per-sequence curves (one bincount over all frames of all sequences; no Python loop per frame)
    -> aggregation and read-outs (:class:`OPEResult`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from odtrack_eval.boxes import IOU_FUNCTIONS, center_errors, iou_g10k
from odtrack_eval.errors import ResultsError
from odtrack_eval.kernels import jit_enabled
from odtrack_eval.protocols import FrameRule, Protocol
from odtrack_eval.sequence import Dataset, Sequence
from odtrack_eval.system import usable_cpus

METRICS = ("success", "precision", "norm_precision")

T = TypeVar("T")
U = TypeVar("U")

# Per-frame pass codes before counting: scored values are compared with the grid; these are forced.
_FAIL, _PASS, _DROP = 0, 1, 2


@dataclass
class PreparedRun:
    """All frames of one run of one tracker, concatenated over sequences, ready to score."""

    pred: np.ndarray  # (F, 4)
    gt: np.ndarray  # (F, 4)
    seq_index: np.ndarray  # (F,) int
    forced: dict[str, np.ndarray]  # metric -> (F,) int8: -1 scored, else _FAIL/_PASS/_DROP
    num_sequences: int
    bounds: np.ndarray | None = None  # (F, 2) image width/height per frame, when the protocol clips


def _fix_length(pred: np.ndarray, gt: np.ndarray, protocol: Protocol, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Truncate longer results; pad, truncate or reject shorter ones (protocol.shorter_results).

    Padding rows are zeros, added *after* the zero-size repair in pytracking, so they stay failures;
    :func:`prepare_run` excludes them from the repair.
    """
    if len(pred) > len(gt):
        return pred[: len(gt)], gt
    if len(pred) < len(gt):
        rule = protocol.shorter_results
        if rule == "error":
            raise ResultsError(
                f"sequence {name}: results have {len(pred)} rows but the ground truth has {len(gt)} "
                f"(protocol {protocol.name!r} does not accept short results)"
            )
        if rule in ("zero_pad", "nan_pad"):
            pad = np.full((len(gt) - len(pred), 4), 0.0 if rule == "zero_pad" else np.nan)
            return np.concatenate([pred, pad]), gt
        return pred, gt[: len(pred)]
    return pred, gt


def _check_predictions(pred: np.ndarray, seq_index: np.ndarray, names: list[str], protocol: Protocol) -> None:
    if not protocol.reject_invalid_predictions:
        return
    bad = _nan_rows(pred)
    if protocol.reject_negative_size:
        bad |= (pred[:, 2] < 0) | (pred[:, 3] < 0)
    if bad.any():
        first = int(np.argmax(bad))
        seq = int(seq_index[first])
        in_seq = np.nonzero(bad & (seq_index == seq))[0]
        start = int(np.argmax(seq_index == seq))
        rows = (in_seq[:5] - start + 1).tolist()
        what = "NaN or negative width/height" if protocol.reject_negative_size else "NaN"
        hint = " (--protocol official repairs them from the previous frame instead)" if protocol.iou == "cont" else ""
        raise ResultsError(
            f"sequence {names[seq]}: invalid results ({what}) in rows {rows} ({len(in_seq)} rows); "
            f"protocol {protocol.name!r} rejects them like the reference tool{hint}"
        )


def _repair(pred: np.ndarray, keep: np.ndarray, starts: np.ndarray, protocol: Protocol) -> np.ndarray:
    """Forward-fill bad rows from the previous (already repaired) row, never across sequences.

    Rows flagged in ``keep`` (GT row has NaN, or zero padding of short results) are never repaired.
    """
    if protocol.repair_predictions == "none":
        return pred
    if protocol.repair_predictions == "zero_size":
        bad = (pred[:, 2] == 0) | (pred[:, 3] == 0)
    else:
        bad = _nan_rows(pred) | (pred[:, 2] <= 0) | (pred[:, 3] <= 0)
    bad &= ~keep
    bad[starts] = False  # frame 0 of each sequence is never repaired (it is replaced or kept as is)
    if not bad.any():
        return pred
    idx = np.where(bad, 0, np.arange(len(pred)))
    np.maximum.accumulate(idx, out=idx)
    return np.asfortranarray(pred[idx])


def _invalid_gt(gt: np.ndarray, rule: str) -> np.ndarray | None:
    """Rows that are *not* valid GT under ``rule``; None when there are none (the common case)."""
    if rule == "wh_positive":
        valid = (gt[:, 2] > 0) & (gt[:, 3] > 0)
    elif rule == "all_positive":
        valid = gt[:, 0] > 0
        for j in (1, 2, 3):
            valid &= gt[:, j] > 0
    else:
        return None
    np.logical_not(valid, out=valid)
    return valid if valid.any() else None


def _codes(rule: FrameRule, metric: str) -> int:
    outcome = getattr(rule, metric)
    return {"score": -1, "fail": _FAIL, "pass": _PASS, "drop": _DROP}[outcome]


def _nan_rows(a: np.ndarray) -> np.ndarray:
    """Rows of an (N, 4) array holding a NaN; column by column (``any(axis=1)`` on a row-major
    (N, 4) array is several times slower than four contiguous passes)."""
    out = np.isnan(a[:, 0])
    for j in range(1, a.shape[1]):
        out |= np.isnan(a[:, j])
    return out


def _concat_f(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate (n_i, 4) arrays straight into one column-major array (one copy, not two)."""
    out = np.empty((sum(len(p) for p in parts), 4), order="F")
    if parts:
        np.concatenate(parts, out=out)
    return out


#: Recently joined ground truths: key = ids of the per-sequence arrays, value = (those arrays, which
#: keeps the ids from being reused while the entry lives, and the joined arrays). Every tracker and
#: run of an evaluation joins the same ground truth (22 MB for LaSOT, ~8 ms): once is enough.
_JOINED_GT: dict[tuple[int, ...], tuple[list[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
_JOINED_GT_SIZE = 4
_JOINED_GT_LOCK = threading.Lock()


def _joined_ground_truth(gts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(gt joined column-major, its NaN rows, the sequence index of each row), all read-only."""
    key = tuple(id(g) for g in gts)
    with _JOINED_GT_LOCK:
        hit = _JOINED_GT.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], gts, strict=True)):
        return hit[1]
    gt = _concat_f(gts)
    lengths = np.array([len(g) for g in gts], dtype=np.int64)
    joined = (gt, _nan_rows(gt), np.repeat(np.arange(len(gts)), lengths))
    for array in joined:
        array.flags.writeable = False
    with _JOINED_GT_LOCK:
        while len(_JOINED_GT) >= _JOINED_GT_SIZE:
            del _JOINED_GT[next(iter(_JOINED_GT))]
        _JOINED_GT[key] = (list(gts), joined)
    return joined


def prepare_run(sequences: SequenceABC[Sequence], boxes: SequenceABC[np.ndarray], protocol: Protocol) -> PreparedRun:
    """Apply the protocol's preprocessing to one run (``boxes[i]`` are the results of ``sequences[i]``)."""
    preds, gts, vis, lengths, names, padded, keep, sizes = [], [], [], [], [], [], [], []
    offset = 0
    for seq, raw in zip(sequences, boxes, strict=True):
        if seq.extra.get("first_frame_only") and len(seq.ground_truth) == 1:
            raise ResultsError(
                f"sequence {seq.name}: the ground truth of this split is withheld (only the first box is "
                "public); submit to the benchmark's server instead (odtrack-eval pack)"
            )
        pred = np.asarray(raw, dtype=np.float64).reshape(-1, 4)
        num_given = len(pred)
        pred, gt = _fix_length(pred, seq.ground_truth, protocol, seq.name)
        if num_given < len(gt):
            padded.append((offset + num_given, offset + len(gt)))
        offset += len(gt)
        preds.append(pred)
        gts.append(gt)
        lengths.append(len(gt))
        names.append(seq.name)
        v = seq.visible if (protocol.use_visibility and seq.visible is not None) else None
        vis.append(None if v is None else v[: len(gt)])
        if protocol.frame_mask == "cover_positive":
            cover = seq.extra.get("cover")
            if cover is None:
                raise ResultsError(
                    f"sequence {seq.name}: protocol {protocol.name!r} needs the cover labels (cover.label)"
                )
            keep.append(np.asarray(cover)[: len(gt)] > 0)
        if protocol.clip_to_image:
            size = seq.extra.get("image_size")
            if size is None:
                raise ResultsError(
                    f"sequence {seq.name}: protocol {protocol.name!r} clips boxes to the image, but the image size "
                    "is unknown (meta_info.ini resolution)"
                )
            sizes.append(np.broadcast_to(np.asarray(size, dtype=np.float64), (len(gt), 2)))
    lengths_a = np.asarray(lengths, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths_a)[:-1]]).astype(np.int64)
    # Column-major: every primitive works on whole columns. pred is a fresh copy owned here, so the
    # steps below may write into it; gt (and what depends on it alone) is shared and read-only.
    pred = _concat_f(preds)
    gt, nan_gt, seq_index = _joined_ground_truth(gts)
    starts = starts[lengths_a > 0]

    if protocol.nan_gt == "error" and nan_gt.any():
        raise ResultsError(f"sequence {names[seq_index[np.argmax(nan_gt)]]}: ground truth contains NaN rows")
    _check_predictions(pred, seq_index, names, protocol)
    if protocol.repair_predictions != "none":
        pad = nan_gt.copy()
        for a, b in padded:
            pad[a:b] = True
        pred = _repair(pred, pad, starts, protocol)
    if protocol.first_frame == "gt":
        pred[starts] = gt[starts]  # pred is our own copy (concatenation or repair)
    if protocol.round_boxes:
        pred, gt = np.round(pred), np.round(gt)

    invalid = _invalid_gt(gt, protocol.valid_gt)
    absent = None
    if any(v is not None for v in vis):
        visible = np.concatenate(
            [np.ones(n, dtype=bool) if v is None else v for v, n in zip(vis, lengths, strict=True)]
        )
        absent = ~visible
        if not absent.any():
            absent = None
    has_nan_gt = bool(nan_gt.any())
    masked = ~np.concatenate(keep) if keep else None
    forced: dict[str, np.ndarray] = {}
    made: dict[tuple[int, int], np.ndarray] = {}
    for metric in METRICS:
        rule = (_codes(protocol.invalid_gt, metric), _codes(protocol.absent, metric))
        if rule in made:  # same rules give the same codes: share the (read-only) array
            forced[metric] = made[rule]
            continue
        code = np.full(len(gt), -1, dtype=np.int8)
        if invalid is not None:
            np.copyto(code, np.int8(rule[0]), where=invalid)
        if absent is not None:
            np.copyto(code, np.int8(rule[1]), where=absent)
        if has_nan_gt:
            np.copyto(code, np.int8(_DROP), where=nan_gt)
        if protocol.first_frame == "exclude":
            code[starts] = _DROP
        if masked is not None:
            np.copyto(code, np.int8(_DROP), where=masked)
        code.flags.writeable = False
        forced[metric] = made[rule] = code
    bounds = np.concatenate(sizes) if sizes else None
    return PreparedRun(pred, gt, seq_index, forced, len(lengths_a), bounds)


@dataclass
class RunCurves:
    """Per-sequence curves of one run: ``curves[metric]`` is (S, K); ``frames`` counts the
    denominator of each sequence; ``iou_sum``/``iou_count`` give the mean IoU over scored frames."""

    curves: dict[str, np.ndarray]
    counts: dict[str, np.ndarray]
    frames: dict[str, np.ndarray]
    iou_sum: np.ndarray
    iou_count: np.ndarray


# Threshold tables for :func:`_threshold_index`, keyed by (grid bytes, side): None where the grid is
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
    * grid points each within a quarter step ``s`` of ``j * s`` (every other grid in protocols.py):
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
    if (code != -1).any():
        for c, value in ((_FAIL, fail_value), (_PASS, pass_value), (_DROP, k + 1)):
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


def _both(first: Callable[[], T], second: Callable[[], U]) -> tuple[T, U]:
    """``(first(), second())``, ``second`` in a helper thread where two CPUs are available.

    numpy releases the GIL inside each whole-array operation, so two independent chains of them
    run side by side. ``first``'s exception wins (it is what a sequential run would raise first).
    """
    if usable_cpus() < 2:
        return first(), second()
    box: list[U] = []
    failed: list[BaseException] = []

    def helper() -> None:
        try:
            box.append(second())
        except BaseException as exc:  # re-raised below
            failed.append(exc)

    thread = threading.Thread(target=helper, name="odtrack-eval-score", daemon=True)
    thread.start()
    try:
        a = first()
    finally:
        thread.join()
    if failed:
        raise failed[0]
    return a, box[0]


def score_run(run: PreparedRun, protocol: Protocol) -> RunCurves:
    """Per-frame measures and per-sequence curves for one prepared run.

    The overlap chain (IoU, success counts, IoU sums) and the centre-error chain (both errors,
    their counts) are independent; on large runs they run in two threads. Large runs go through
    the compiled kernel instead (:mod:`odtrack_eval.kernels.ope`: the same values in one pass).
    """
    if jit_enabled(run.pred.nbytes):  # large runs, or kernels already loaded (see odtrack_eval.kernels)
        return score_run_compiled(run, protocol)
    return score_run_numpy(run, protocol)


def _nan_overlap(run: PreparedRun, frame: int) -> ResultsError:
    """The error of protocols that reject a NaN IoU on a scored frame (``nan_iou="error"``)."""
    return ResultsError(f"NaN overlap on a valid frame (sequence #{run.seq_index[frame]}); check the results")


def score_run_numpy(run: PreparedRun, protocol: Protocol) -> RunCurves:
    """The numpy reference of :func:`score_run` (whole-array operations; the definition the kernel matches)."""
    num_seq = run.num_sequences

    def curve(values: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        op = protocol.success_op if metric == "success" else "<="
        kind = "success" if metric == "success" else "error"
        c, f = _count(values, run.forced[metric], protocol.grid(metric), run.seq_index, num_seq, kind, op)
        with np.errstate(invalid="ignore", divide="ignore"):
            return c, f, c / f[:, None]

    def overlaps() -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
        if run.bounds is not None:
            iou = iou_g10k(run.pred, run.gt, bound=run.bounds)
        else:
            iou = IOU_FUNCTIONS[protocol.iou](run.pred, run.gt)
        scored = run.forced["success"] == -1
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
        ce, nce = center_errors(run.pred, run.gt, protocol.norm_error)
        return [curve(ce, "precision"), curve(nce, "norm_precision")]

    if len(run.gt) >= _PARALLEL_FRAMES:
        (success, iou_sum, iou_count), errs = _both(overlaps, errors)
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
    from odtrack_eval.kernels import ope as kernel

    padded = np.concatenate([np.asarray(grid, dtype=np.float64), [np.nan, np.nan]])
    fast = _fast_grid(grid)
    if fast is None:
        return padded, kernel.GRID_BISECT, 1.0
    how, scale, _ = fast
    return padded, kernel.GRID_INTEGERS if how == "integers" else kernel.GRID_UNIFORM, scale


def score_run_compiled(run: PreparedRun, protocol: Protocol) -> RunCurves:
    """:func:`score_run` through the fused kernel, over two threads (split between sequences)."""
    from odtrack_eval.kernels import ope as kernel

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
            kernel.IOU_KINDS[protocol.iou], kernel.NORM_KINDS[protocol.norm_error],
            *grids["success"], protocol.success_op == ">=", *grids["precision"], *grids["norm_precision"],
            start, stop, bins["success"], bins["precision"], bins["norm_precision"], iou_sum, iou_count,
        )  # fmt: skip

    n = len(run.gt)
    cut = _split_at_sequence(seq_index) if n >= _PARALLEL_FRAMES else 0
    if cut:
        first_nans = list(_both(lambda: part(0, cut), lambda: part(cut, n)))
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


def _readout(curve: np.ndarray, grid: np.ndarray, how: str, at: float | None) -> float:
    if how == "mean":
        return float(np.mean(curve))
    if how == "trapz":
        return float(np.trapezoid(curve, x=np.linspace(0.0, 1.0, len(curve))))
    idx = int(np.argmin(np.abs(grid - at)))
    return float(curve[idx])


@dataclass
class OPEResult:
    """One tracker on one dataset under one protocol: per-sequence curves (averaged over runs)
    and the read-outs. All scores are percentages."""

    tracker: str
    protocol: Protocol
    sequence_names: list[str]
    curves: dict[str, np.ndarray]  # metric -> (S, K), fractions
    grids: dict[str, np.ndarray]
    frames: np.ndarray  # (S,) success denominators, summed over runs
    num_runs: int
    run_curves: list[dict[str, np.ndarray]] = field(default_factory=list)
    #: Frame-pooled statistics summed over runs: success counts (S, K), IoU sum and count over scored frames.
    success_counts: np.ndarray | None = None
    iou_sum: np.ndarray | None = None
    iou_count: np.ndarray | None = None
    #: Tracking speed from the ``_time.txt`` files (see :func:`tracking_fps`), None without them.
    fps: float | None = None

    #: Keys of the per-run statistics in :attr:`run_curves` besides the metric curves.
    RUN_STAT_KEYS = ("success_counts", "frames", "iou_sum", "iou_count")

    @classmethod
    def from_runs(
        cls,
        tracker: str,
        protocol: Protocol,
        sequence_names: list[str],
        runs: SequenceABC[Mapping[str, np.ndarray]],
        fps: float | None = None,
    ) -> OPEResult:
        """Combine per-run statistics (each: the three metric curves plus :attr:`RUN_STAT_KEYS`):
        curves are averaged over runs (pytracking ``merge_results``), frame statistics are summed
        (GOT-10k pools the frames of all repetitions)."""
        runs = [dict(r) for r in runs]
        return cls(
            tracker=tracker,
            protocol=protocol,
            sequence_names=list(sequence_names),
            curves={m: np.mean([r[m] for r in runs], axis=0) for m in METRICS},
            grids={m: protocol.grid(m) for m in METRICS},
            frames=np.sum([r["frames"] for r in runs], axis=0),
            num_runs=len(runs),
            run_curves=runs,
            success_counts=np.sum([r["success_counts"] for r in runs], axis=0),
            iou_sum=np.sum([r["iou_sum"] for r in runs], axis=0),
            iou_count=np.sum([r["iou_count"] for r in runs], axis=0),
            fps=fps,
        )

    def per_run(self) -> list[OPEResult]:
        """One single-run result per run (for spreads over runs)."""
        return [
            OPEResult.from_runs(self.tracker, self.protocol, self.sequence_names, [r], self.fps)
            for r in self.run_curves
        ]

    def _mask(self, names: SequenceABC[str] | None) -> np.ndarray:
        if names is None:
            return np.ones(len(self.sequence_names), dtype=bool)
        wanted = set(names)
        return np.array([n in wanted for n in self.sequence_names], dtype=bool)

    def average_curve(self, metric: str, names: SequenceABC[str] | None = None) -> np.ndarray:
        """Sequence-mean curve (fractions) over ``names`` (default: all sequences)."""
        c = self.curves[metric][self._mask(names)]
        if self.protocol.drop_zero_curves:
            c = c[c.sum(axis=1) > np.finfo(np.float64).eps]
        c = c[~np.isnan(c).any(axis=1)]
        return c.mean(axis=0) if len(c) else np.full(self.curves[metric].shape[1], np.nan)

    def pooled_curve(self, names: SequenceABC[str] | None = None) -> np.ndarray:
        """Success curve pooled over the frames of ``names`` and all runs (GOT-10k)."""
        mask = self._mask(names)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.success_counts[mask].sum(axis=0) / self.frames[mask].sum()

    def scores(self, names: SequenceABC[str] | None = None) -> dict[str, float]:
        """The protocol's scores in percent: AUC, precision, normalized precision, OP50, OP75 (OPE), or
        AO, SR0.5, SR0.75 (frame-pooled, GOT-10k)."""
        p = self.protocol
        if p.aggregation == "frame_pooled":
            mask = self._mask(names)
            curve = self.pooled_curve(names)
            gs = self.grids["success"]
            with np.errstate(invalid="ignore", divide="ignore"):
                ao = self.iou_sum[mask].sum() / self.iou_count[mask].sum()
            return {
                "ao": 100 * float(ao),
                "sr50": 100 * _readout(curve, gs, "at", 0.5),
                "sr75": 100 * _readout(curve, gs, "at", 0.75),
            }
        s = self.average_curve("success", names)
        pr = self.average_curve("precision", names)
        npr = self.average_curve("norm_precision", names)
        gs, gp, gn = self.grids["success"], self.grids["precision"], self.grids["norm_precision"]
        return {
            "auc": 100 * _readout(s, gs, p.auc_readout, None),
            "precision": 100 * _readout(pr, gp, p.precision_readout, p.precision_at),
            "norm_precision": 100 * _readout(npr, gn, p.norm_precision_readout, p.norm_precision_at),
            "op50": 100 * _readout(s, gs, "at", 0.5),
            "op75": 100 * _readout(s, gs, "at", 0.75),
        }

    def sequence_scores(self) -> dict[str, dict[str, float]]:
        """Per-sequence scores (percent), same keys as :meth:`scores`."""
        return {name: self.scores([name]) for name in self.sequence_names}

    def attribute_scores(self, dataset: Dataset) -> dict[str, dict[str, float]]:
        """Per-attribute scores on the subsets of sequences having each attribute, in official order."""
        evaluated = set(self.sequence_names)
        out: dict[str, dict[str, float]] = {}
        codes = list(dataset.attribute_names) or sorted({a for s in dataset for a in s.attributes})
        for code in codes:
            names = [s.name for s in dataset if code in s.attributes and s.name in evaluated]
            if len(names) < max(1, self.protocol.min_attribute_sequences):
                continue
            out[code] = {**self.scores(names), "num_sequences": len(names)}
        return out


def tracking_fps(times: SequenceABC[np.ndarray]) -> float | None:
    """Frames per second as the got10k toolkit reports it: per sequence the mean of 1/t over frames
    with a positive time (frame 0 included, as written by the tracker), then the mean over sequences."""
    speeds = []
    for t in times:
        t = np.asarray(t, dtype=np.float64).ravel()
        t = t[np.isfinite(t) & (t > 0)]
        if len(t):
            speeds.append(float(np.mean(1.0 / t)))
    return float(np.mean(speeds)) if speeds else None


def evaluate_runs(
    tracker: str,
    dataset: Dataset | SequenceABC[Sequence],
    runs: SequenceABC[Mapping[str, np.ndarray]],
    protocol: Protocol,
) -> OPEResult:
    """Evaluate one tracker (one or more runs, each a mapping sequence name -> boxes).

    Every run must cover the same sequences; the evaluated set is the dataset's sequences (in
    order) that the runs contain. Per-sequence curves are averaged over runs, as pytracking's
    ``merge_results`` does.
    """
    tag = getattr(dataset, "tag", "")
    proto = protocol.for_benchmark(tag)
    sequences = [s for s in dataset if s.name in runs[0]]
    run_curves = []
    for boxes in runs:
        prepared = prepare_run(sequences, [boxes[s.name] for s in sequences], proto)
        run_curves.append(score_run(prepared, proto))
    stats = [
        {
            **rc.curves,
            "success_counts": rc.counts["success"],
            "frames": rc.frames["success"],
            "iou_sum": rc.iou_sum,
            "iou_count": rc.iou_count,
        }
        for rc in run_curves
    ]
    return OPEResult.from_runs(tracker, proto, [s.name for s in sequences], stats)
