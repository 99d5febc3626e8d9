"""The ``trackingnet`` protocol equals a test-side re-expression of the TrackingNet server's
metrics.py rules (protocols.md §8): rounding half-to-even, IoU with inclusive corners, >= on the
success grid, 21-point grids, trapezoid areas for all three scores, missing rows as failures."""

from __future__ import annotations

import numpy as np
import pytest

from odtrack_eval.metrics.ope import evaluate_runs
from odtrack_eval.protocols import get_protocol
from odtrack_eval.sequence import Dataset, Sequence

# Every check runs on the compiled kernels and on the numpy reference (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_paths")


def _server(gts: list[np.ndarray], preds: list[np.ndarray]) -> tuple[float, float, float]:
    """Straight per-sequence loop written from the spec (not from our engine)."""
    thr_s = np.linspace(0, 1, 21)
    thr_p = np.linspace(0, 50, 21)
    thr_n = np.linspace(0, 0.5, 21)
    s_sum, p_sum, n_sum = np.zeros(21), np.zeros(21), np.zeros(21)
    for gt, pred in zip(gts, preds, strict=True):
        n = len(gt)
        full = np.full((n, 4), np.nan)
        m = min(n, len(pred))
        full[:m] = pred[:m]  # rows beyond the GT ignored, missing rows NaN
        g, p = np.round(gt), np.round(full)
        p[0] = g[0]
        ious, dists, ndists = [], [], []
        for a, b in zip(p, g, strict=True):
            x1, y1 = max(a[0], b[0]), max(a[1], b[1])
            x2 = min(a[0] + a[2] - 1, b[0] + b[2] - 1)
            y2 = min(a[1] + a[3] - 1, b[1] + b[3] - 1)
            inter = max(x2 - x1 + 1, 0) * max(y2 - y1 + 1, 0)
            union = a[2] * a[3] + b[2] * b[3] - inter
            with np.errstate(invalid="ignore", divide="ignore"):
                ious.append(inter / union if union != 0 else np.nan)
                ca = (a[0] + (a[2] + 1) / 2, a[1] + (a[3] + 1) / 2)  # the server's centre convention
                cb = (b[0] + (b[2] + 1) / 2, b[1] + (b[3] + 1) / 2)
                dists.append(np.hypot(ca[0] - cb[0], ca[1] - cb[1]))
                dx, dy = cb[0] - ca[0], cb[1] - ca[1]
                ndists.append(np.sqrt(dx / b[2] * dx / b[2] + dy / b[3] * dy / b[3]))
        ious, dists, ndists = map(np.array, (ious, dists, ndists))
        s_sum += [(ious >= t).sum() / n for t in thr_s]
        p_sum += [(dists <= t).sum() / n for t in thr_p]
        n_sum += [(ndists <= t).sum() / n for t in thr_n]
    x = np.linspace(0, 1, 21)
    k = len(gts)
    return tuple(100 * float(np.trapezoid(c / k, x=x)) for c in (s_sum, p_sum, n_sum))


def _case(seed: int):
    rng = np.random.default_rng(seed)
    gts, preds = [], []
    for _ in range(10):
        n = int(rng.integers(10, 60))
        gt = np.column_stack([rng.uniform(0, 300, (n, 2)), rng.uniform(2, 80, (n, 2))])
        gt = np.round(gt * 2) / 2  # many exact .5 values: round-half-to-even matters
        pred = gt + rng.choice([-1.5, -0.5, 0, 0.5, 1.5, 2.5], (n, 4))
        pred[rng.random(n) < 0.1] = rng.uniform(0, 300, 4)
        if rng.random() < 0.3:
            pred = pred[: n - 3]  # missing rows
        if rng.random() < 0.3:
            pred = np.concatenate([pred, pred[-2:]])  # extra rows
        gt[rng.random(n) < 0.05, 2] = 0  # zero-area GT
        gts.append(gt)
        preds.append(pred)
    return gts, preds


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trackingnet_equals_server_rules(seed: int) -> None:
    gts, preds = _case(seed)
    seqs = [Sequence(f"v{i}", g) for i, g in enumerate(gts)]
    ds = Dataset("tn", "trackingnet", seqs)
    res = evaluate_runs("t", ds, [{s.name: p for s, p in zip(seqs, preds, strict=True)}], get_protocol("trackingnet"))
    success, precision, norm_precision = _server(gts, preds)
    got = res.scores()
    assert got["auc"] == pytest.approx(success, abs=1e-9)
    assert got["precision"] == pytest.approx(precision, abs=1e-9)
    assert got["norm_precision"] == pytest.approx(norm_precision, abs=1e-9)


def test_trapezoid_success_of_a_perfect_tracker_is_100_and_zero_iou_earns_0_025() -> None:
    gt = np.tile([10.0, 10.0, 20.0, 20.0], (4, 1))
    ds = Dataset("tn", "trackingnet", [Sequence("a", gt)])
    assert evaluate_runs("t", ds, [{"a": gt}], get_protocol("trackingnet")).scores()["auc"] == pytest.approx(100.0)
    lost = gt.copy()
    lost[1:, 0] = 500  # frames 1..3 IoU 0: each still passes t = 0 (>=), worth 0.05 * 0.5 = 0.025
    expected = 100 * (1.0 + 3 * 0.025) / 4
    assert evaluate_runs("t", ds, [{"a": lost}], get_protocol("trackingnet")).scores()["auc"] == pytest.approx(expected)
