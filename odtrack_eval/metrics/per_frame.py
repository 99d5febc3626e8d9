"""Per-frame measures of one run: each frame's IoU and centre error as the protocol's curves count them.

The same chain as the scores, stopped before the curves: :func:`~.preparation.prepare_run` (length fix,
repairs, first frame, rounding, frame rules) and :func:`~.scoring.frame_iou` /
:func:`~odtrack_eval.boxes.center_errors` (the protocol's variants). So a timeline shows exactly the
overlaps the AUC is made of: the mean over a sequence's counted frames of ``iou > t`` is its success
curve at ``t``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from odtrack_eval.boxes import center_errors
from odtrack_eval.metrics.preparation import DROP, FAIL, PASS, prepare_run
from odtrack_eval.metrics.scoring import frame_iou
from odtrack_eval.metrics.truth import SequenceTruth
from odtrack_eval.protocols import Protocol

__all__ = ["FrameMeasures", "frame_measures"]


@dataclass(frozen=True)
class FrameMeasures:
    """One run on one sequence, frame by frame (length: the ground truth's; where the protocol cuts the ground
    truth to shorter results, the frames past them are NaN and not counted).

    ``iou``: the overlap the success curve counts (an undefined overlap counts 0, a frame the protocol
    forces to fail 0, to pass 1; NaN on frames it leaves out). ``centre_error``: the same for the
    precision curve, in pixels (forced failures +inf). ``counted``: the frames the success curve counts.
    """

    iou: np.ndarray
    centre_error: np.ndarray
    counted: np.ndarray


def _apply(values: np.ndarray, code: np.ndarray, fail: float, passed: float, undefined: float) -> np.ndarray:
    out = np.where(np.isnan(values), undefined, values)
    out[code == FAIL] = fail
    out[code == PASS] = passed
    out[code == DROP] = np.nan
    return out


def frame_measures(
    truths: Sequence[SequenceTruth], boxes: Sequence[np.ndarray], protocol: Protocol
) -> list[FrameMeasures]:
    """Per sequence, the :class:`FrameMeasures` of ``boxes[i]`` on ``truths[i]`` under ``protocol`` (already
    resolved for the benchmark: :meth:`Protocol.for_benchmark`). Raises what preparation raises."""
    if not truths:
        return []
    run = prepare_run(truths, boxes, protocol)
    iou = frame_iou(run, protocol)
    with np.errstate(all="ignore"):
        ce, _ = center_errors(run.pred, run.gt, protocol.norm_error)
    iou = _apply(iou, run.forced["success"], 0.0, 1.0, 0.0)
    ce = _apply(ce, run.forced["precision"], np.inf, 0.0, np.inf)
    counted = run.forced["success"] != DROP
    # (a protocol that cuts the ground truth to short results makes a sequence shorter than its truth)
    bounds = np.concatenate([[0], np.cumsum(np.bincount(run.seq_index, minlength=len(truths)))])
    spans = zip(truths, bounds[:-1], bounds[1:], strict=True)
    return [_full(iou[a:b], ce[a:b], counted[a:b], len(t.boxes)) for t, a, b in spans]


def _full(iou: np.ndarray, ce: np.ndarray, counted: np.ndarray, n: int) -> FrameMeasures:
    """The measures padded to the ground truth's ``n`` frames (NaN, not counted) where the protocol cut the
    sequence to shorter results."""
    pad = n - len(iou)
    if pad <= 0:
        return FrameMeasures(iou, ce, counted.copy())
    nan = np.full(pad, np.nan)
    return FrameMeasures(np.concatenate([iou, nan]), np.concatenate([ce, nan]),
                         np.concatenate([counted, np.zeros(pad, dtype=bool)]))  # fmt: skip
