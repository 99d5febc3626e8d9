"""Preparation: a protocol's rules applied to one run, giving the arrays every metric reads.

protocols.md §2, one protocol field per step: length fix, prediction check and repair, first
frame, rounding, and the per-frame outcome codes (scored, forced fail, forced pass, dropped) of
absent frames, invalid ground truth and masked frames. The output, :class:`PreparedRun`, carries
everything scoring reads; preparation itself reads only :class:`~.truth.SequenceTruth` objects.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from odtrack_eval.errors import ResultsError, RuleRefusal
from odtrack_eval.metrics.truth import SequenceTruth
from odtrack_eval.protocols import FrameRule, Protocol

__all__ = ["PreparedRun", "prepare_run", "TruthCache", "METRICS", "FAIL", "PASS", "DROP", "SCORED"]

#: The three curves of a one-pass evaluation.
METRICS = ("success", "precision", "norm_precision")

#: Per-frame outcome codes: scored values are compared with the grid; the others are forced.
SCORED, FAIL, PASS, DROP = -1, 0, 1, 2


@dataclass
class PreparedRun:
    """All frames of one run of one tracker, concatenated over sequences, ready to score."""

    pred: np.ndarray  # (F, 4)
    gt: np.ndarray  # (F, 4)
    seq_index: np.ndarray  # (F,) int
    forced: dict[str, np.ndarray]  # metric -> (F,) int8 outcome code (SCORED, FAIL, PASS, DROP)
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
            raise RuleRefusal(
                name,
                f"{len(pred)} rows but the ground truth has {len(gt)} "
                f"(protocol {protocol.name!r} does not accept short results, as its reference tool does not)",
            )
        if rule in ("zero_pad", "nan_pad"):
            pad = np.full((len(gt) - len(pred), 4), 0.0 if rule == "zero_pad" else np.nan)
            return np.concatenate([pred, pad]), gt
        return pred, gt[: len(pred)]
    return pred, gt


def _check_predictions(pred: np.ndarray, seq_index: np.ndarray, names: list[str], protocol: Protocol) -> None:
    if not protocol.reject_invalid_predictions:
        return
    bad = _non_finite_rows(pred)
    if protocol.reject_negative_size:
        bad |= (pred[:, 2] < 0) | (pred[:, 3] < 0)
    if bad.any():
        first = int(np.argmax(bad))
        seq = int(seq_index[first])
        in_seq = np.nonzero(bad & (seq_index == seq))[0]
        start = int(np.argmax(seq_index == seq))
        rows = (in_seq[:5] - start + 1).tolist()
        what = "NaN, inf or negative width/height" if protocol.reject_negative_size else "NaN or inf"
        hint = " (--protocol official repairs them from the previous frame instead)" if protocol.iou == "cont" else ""
        raise RuleRefusal(
            names[seq],
            f"invalid results ({what}) in rows {rows} ({len(in_seq)} rows); "
            f"protocol {protocol.name!r} rejects them like the reference tool{hint}",
            row=rows[0],
        )


def _repair(pred: np.ndarray, keep: np.ndarray, starts: np.ndarray, protocol: Protocol) -> np.ndarray:
    """Forward-fill bad rows from the previous (already repaired) row, never across sequences; in place.

    Rows flagged in ``keep`` (GT row has NaN, or zero padding of short results) are never repaired.
    Each bad row takes the last good row before it (frame 0 of every sequence counts as good), which is
    what filling row by row from the already repaired previous row gives. ``pred`` is the caller's own
    copy: only the bad rows are written (copying all rows cost ~60 ms per LaSOT run in fresh memory).
    """
    if protocol.repair_predictions == "none":
        return pred
    if protocol.repair_predictions == "zero_size":
        bad = (pred[:, 2] == 0) | (pred[:, 3] == 0)
    else:
        bad = _non_finite_rows(pred) | (pred[:, 2] <= 0) | (pred[:, 3] <= 0)
    bad &= ~keep
    bad[starts] = False  # frame 0 of each sequence is never repaired (it is replaced or kept as is)
    if not bad.any():
        return pred
    idx = np.where(bad, 0, np.arange(len(pred)))
    np.maximum.accumulate(idx, out=idx)
    rows = np.flatnonzero(bad)
    pred[rows] = pred[idx[rows]]  # the sources are good rows: never written here
    return pred


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
    return {"score": SCORED, "fail": FAIL, "pass": PASS, "drop": DROP}[outcome]


def _nan_rows(a: np.ndarray) -> np.ndarray:
    """Rows of an (N, 4) array holding a NaN; column by column (``any(axis=1)`` on a row-major
    (N, 4) array is several times slower than four contiguous passes)."""
    out = np.isnan(a[:, 0])
    for j in range(1, a.shape[1]):
        out |= np.isnan(a[:, j])
    return out


def _non_finite_rows(a: np.ndarray) -> np.ndarray:
    """Rows of predictions holding a NaN or an infinity: inf rows (``inf``, ``1e400``) are treated as the
    protocol treats NaN rows (rejected or repaired); the reference tools never meet them (ours)."""
    out = ~np.isfinite(a[:, 0])
    for j in range(1, a.shape[1]):
        out |= ~np.isfinite(a[:, j])
    return out


def _concat_f(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate (n_i, 4) arrays straight into one column-major array (one copy, not two)."""
    out = np.empty((sum(len(p) for p in parts), 4), order="F")
    if parts:
        np.concatenate(parts, out=out)
    return out


class TruthCache:
    """What preparation derives from the ground truth alone (the joined arrays, the frame outcome codes),
    made once and shared by every tracker and run of one evaluation (LaSOT: ~8 ms to join, ~5 ms of codes).

    One object per evaluation, dropped with it: the truths must not change while it lives (a caller
    editing ground-truth arrays in place between two evaluations gets fresh ones with a new cache).
    """

    def __init__(self) -> None:
        self._joined: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._codes: dict[tuple[object, ...], tuple[Protocol, dict[str, np.ndarray]]] = {}
        self._lock = threading.Lock()

    def joined(self, gts: list[np.ndarray], lengths: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(gt joined column-major, its NaN rows, the sequence index of each row), all read-only, for the
        first ``lengths[i]`` rows of each sequence's ground truth (``gts``)."""
        key = tuple(lengths)
        with self._lock:
            hit = self._joined.get(key)
        if hit is not None:
            return hit
        gt = _concat_f(gts)
        lengths_a = np.array(lengths, dtype=np.int64)
        joined = (gt, _nan_rows(gt), np.repeat(np.arange(len(gts)), lengths_a))
        for array in joined:
            array.flags.writeable = False
        with self._lock:
            self._joined[key] = joined
        return joined

    def codes(
        self,
        truths: Sequence[SequenceTruth],
        lengths: list[int],
        gt: np.ndarray,
        nan_gt: np.ndarray,
        starts: np.ndarray,
        protocol: Protocol,
    ) -> dict[str, np.ndarray]:
        """Per metric, each frame's outcome code (see :func:`_outcome_codes`), made once per protocol and
        length set."""
        key = (id(protocol), tuple(lengths))
        with self._lock:
            hit = self._codes.get(key)
        if hit is not None and hit[0] is protocol:
            return hit[1]
        forced = _outcome_codes(truths, lengths, gt, nan_gt, starts, protocol)
        with self._lock:
            self._codes[key] = (protocol, forced)  # (the protocol is kept: its id cannot be reused meanwhile)
        return forced


def _outcome_codes(
    truths: Sequence[SequenceTruth],
    lengths: list[int],
    gt: np.ndarray,
    nan_gt: np.ndarray,
    starts: np.ndarray,
    protocol: Protocol,
) -> dict[str, np.ndarray]:
    """Per metric, each frame's outcome code (SCORED, FAIL, PASS, DROP): the protocol's frame rules.

    ``gt`` is the joined ground truth of the ``lengths`` first rows of each truth (rounded where the
    protocol rounds boxes).
    """
    invalid = _invalid_gt(gt, protocol.valid_gt)
    absent = None
    if protocol.use_visibility and any(t.visible is not None for t in truths):
        visible = np.concatenate([np.ones(n, dtype=bool) if t.visible is None else t.visible[:n]
                                  for t, n in zip(truths, lengths, strict=True)])  # fmt: skip
        absent = ~visible
        if not absent.any():
            absent = None
    has_nan_gt = bool(nan_gt.any())
    masked = None
    if protocol.frame_mask == "cover_positive":  # (prepare_run checked that every truth has its labels)
        masked = ~np.concatenate([t.cover[:n] > 0 for t, n in zip(truths, lengths, strict=True)])  # type: ignore[index]
    forced: dict[str, np.ndarray] = {}
    made: dict[tuple[int, int], np.ndarray] = {}
    for metric in METRICS:
        rule = (_codes(protocol.invalid_gt, metric), _codes(protocol.absent, metric))
        if rule in made:  # same rules give the same codes: share the (read-only) array
            forced[metric] = made[rule]
            continue
        code = np.full(len(gt), SCORED, dtype=np.int8)
        if invalid is not None:
            np.copyto(code, np.int8(rule[0]), where=invalid)
        if absent is not None:
            np.copyto(code, np.int8(rule[1]), where=absent)
        if has_nan_gt:
            np.copyto(code, np.int8(DROP), where=nan_gt)
        if protocol.first_frame == "exclude":
            code[starts] = DROP
        if masked is not None:
            np.copyto(code, np.int8(DROP), where=masked)
        code.flags.writeable = False
        forced[metric] = made[rule] = code
    return forced


def prepare_run(
    truths: Sequence[SequenceTruth],
    boxes: Sequence[np.ndarray],
    protocol: Protocol,
    shared: TruthCache | None = None,
) -> PreparedRun:
    """Apply the protocol's rules to one run (``boxes[i]`` are the results of ``truths[i]``).

    ``shared``: what the runs of one evaluation derive from the same truths (made here when None).
    """
    shared = shared if shared is not None else TruthCache()
    preds, gts, lengths, names, padded, sizes = [], [], [], [], [], []
    offset = 0
    for truth, raw in zip(truths, boxes, strict=True):
        if truth.withheld:
            raise ResultsError(
                f"sequence {truth.name}: the ground truth of this split is withheld (only the first box is "
                "public); submit to the benchmark's server instead (odtrack-eval pack)"
            )
        pred = np.asarray(raw, dtype=np.float64).reshape(-1, 4)
        num_given = len(pred)
        pred, gt = _fix_length(pred, truth.boxes, protocol, truth.name)
        if num_given < len(gt):
            padded.append((offset + num_given, offset + len(gt)))
        offset += len(gt)
        preds.append(pred)
        gts.append(gt)
        lengths.append(len(gt))
        names.append(truth.name)
        if protocol.frame_mask == "cover_positive" and truth.cover is None:
            raise ResultsError(
                f"sequence {truth.name}: protocol {protocol.name!r} needs the cover labels (cover.label)"
            )
        if protocol.clip_to_image:
            if truth.image_size is None:
                raise ResultsError(
                    f"sequence {truth.name}: protocol {protocol.name!r} clips boxes to the image, but the image "
                    "size is unknown (meta_info.ini resolution)"
                )
            sizes.append(np.broadcast_to(truth.image_size, (len(gt), 2)))
    lengths_a = np.asarray(lengths, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths_a)[:-1]]).astype(np.int64)
    # Column-major: every primitive works on whole columns. pred is a fresh copy owned here, so the
    # steps below may write into it; gt (and what depends on it alone) is shared and read-only.
    pred = _concat_f(preds)
    gt, nan_gt, seq_index = shared.joined(gts, lengths)
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

    # (with rounded boxes the codes come from the rounded gt, which the truths and protocol determine too)
    forced = shared.codes(truths, lengths, gt, nan_gt, starts, protocol)
    bounds = np.concatenate(sizes) if sizes else None
    return PreparedRun(pred, gt, seq_index, forced, len(lengths_a), bounds)
