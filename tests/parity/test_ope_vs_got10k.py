"""Parity of the ``got10k`` protocol with the got10k package itself (PyPI 0.1.3).

The reference curves are computed by got10k's own ``rect_iou``, ``center_error`` and
``ExperimentOTB._calc_curves`` (the code of its OTB/LaSOT experiments' report()), on generated
inputs containing every edge case: absent frames, zero and negative GT, NaN predictions,
negative predicted sizes and exact ties at the thresholds.
"""

from __future__ import annotations

import numpy as np
import pytest

from odtrack_eval.metrics.ope import evaluate_runs
from odtrack_eval.protocols import get_protocol
from odtrack_eval.sequence import Dataset, Sequence

got10k_metrics = pytest.importorskip("got10k.utils.metrics", reason="the got10k package is the reference")
from got10k.experiments.otb import ExperimentOTB  # noqa: E402

# Every check runs on the compiled kernels and on the numpy reference (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_paths")


class _Cfg:
    nbins_iou = 21
    nbins_ce = 51


def _reference(gts: list[np.ndarray], preds: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """got10k ExperimentOTB.report(): per-sequence curves, then the mean over sequences."""
    succ, prec = [], []
    for gt, pred in zip(gts, preds, strict=True):
        boxes = pred.copy()
        boxes[0] = gt[0]
        ious = got10k_metrics.rect_iou(boxes.copy(), gt.copy())
        ces = got10k_metrics.center_error(boxes, gt)
        s, p = ExperimentOTB._calc_curves(_Cfg(), ious, ces)
        succ.append(s)
        prec.append(p)
    return np.mean(succ, axis=0), np.mean(prec, axis=0)


def _generated_case(seed: int) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    gts, preds, vis = [], [], []
    for _ in range(12):
        n = int(rng.integers(5, 80))
        gt = np.column_stack([rng.integers(0, 200, n), rng.integers(0, 200, n),
                              rng.integers(1, 60, n), rng.integers(1, 60, n)]).astype(float)  # fmt: skip
        # Predictions: integer jitter makes exact ties (IoU = 0.5, 0.65, 0.75; error = 20 px) common.
        pred = gt + rng.integers(-12, 13, (n, 4))
        frac = rng.random(n)
        pred[frac < 0.1] = rng.random((int((frac < 0.1).sum()), 4)) * 100  # far off / sub-pixel
        pred[(frac > 0.1) & (frac < 0.15), 2] = 0  # zero width
        pred[(frac > 0.15) & (frac < 0.18), 3] = -5  # negative height
        pred[(frac > 0.18) & (frac < 0.21)] = np.nan  # NaN rows
        g = rng.random(n)
        gt[(g < 0.08) & (np.arange(n) > 0)] = 0  # 0,0,0,0 absent-style rows
        gt[(g > 0.08) & (g < 0.12), 2] = -1  # negative GT size
        gt[(g > 0.12) & (g < 0.16), 0] = -3  # GT partly outside the image
        visible = rng.random(n) > 0.1  # got10k ignores visibility: must not change anything
        gts.append(gt)
        preds.append(pred)
        vis.append(visible)
    return gts, preds, vis


def _tie_case() -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Boxes whose IoU is exactly on the grid: 20x20 GT, shifted predictions."""
    gt = np.tile([10.0, 10.0, 20.0, 20.0], (25, 1))
    pred = gt.copy()
    # width overlap w' with the same height: IoU = w' / (40 - w') -> 0.5 at w' = 40/3 (not integer);
    # use width-only boxes: pred w = k, x = 10 -> IoU = k/20 exactly for k = 0..20.
    pred[:21, 2] = np.arange(21)
    pred[21:, 0] = [30.0, 22.0, 10.0 + 20.0, 50.0]
    return [gt], [pred], [np.ones(25, bool)]


@pytest.mark.parametrize("case", ["seed0", "seed1", "seed2", "ties"])
def test_got10k_protocol_equals_got10k_package(case: str) -> None:
    gts, preds, vis = _tie_case() if case == "ties" else _generated_case(int(case[-1]))
    ref_succ, ref_prec = _reference(gts, preds)

    seqs = [Sequence(f"s{i}", gt, v) for i, (gt, v) in enumerate(zip(gts, vis, strict=True))]
    ds = Dataset("gen", "lasot", seqs)
    res = evaluate_runs(
        "t", ds, [{s.name: p for s, p in zip(seqs, preds, strict=True)}], get_protocol("got10k")
    )

    np.testing.assert_array_equal(res.average_curve("success"), ref_succ)
    np.testing.assert_array_equal(res.average_curve("precision"), ref_prec)
    scores = res.scores()
    assert scores["auc"] == pytest.approx(100 * np.mean(ref_succ), abs=1e-12)
    assert scores["precision"] == pytest.approx(100 * ref_prec[20], abs=1e-12)
    assert scores["op50"] == pytest.approx(100 * ref_succ[10], abs=1e-12)


def test_iou_and_center_error_equal_got10k_primitives() -> None:
    from odtrack_eval.boxes import center_error, iou_g10k

    gts, preds, _ = _generated_case(7)
    gt, pred = np.concatenate(gts), np.concatenate(preds)
    np.testing.assert_array_equal(iou_g10k(pred, gt), got10k_metrics.rect_iou(pred.copy(), gt.copy()))
    np.testing.assert_array_equal(
        iou_g10k(pred, gt, bound=(150, 120)),
        got10k_metrics.rect_iou(pred.copy(), gt.copy(), bound=(150, 120)),
    )
    np.testing.assert_array_equal(center_error(pred, gt), got10k_metrics.center_error(pred, gt))
