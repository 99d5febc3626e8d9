"""metrics/per_frame.py and frame_results.py: per-frame IoU and centre error as the protocol counts them (by hand
on made-up boxes), the same numbers the AUC is made of (real LaSOT), and failure counts on a real LaSOT sequence
computed here with plain numpy from the files."""

from __future__ import annotations

import numpy as np
import pytest

from odtrack_eval.datasets import load_dataset
from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.frame_results import analyse_failures, load_frame_results
from odtrack_eval.metrics.per_frame import frame_measures
from odtrack_eval.metrics.truth import SequenceTruth
from odtrack_eval.protocols import get_protocol
from tests._shared import REAL, require_shared
from tests.metrics.test_failures import _plain

LASOT = REAL / "lasot"


def test_by_hand_under_the_lasot_rules() -> None:
    gt = np.tile([10.0, 10.0, 20.0, 20.0], (5, 1))
    visible = np.array([True, True, False, True, True])
    pred = gt + [10.0, 0, 0, 0]  # 10 px to the right: overlap 10 x 20 of 400 + 400 - 200 -> 1/3
    pred[4] = [100.0, 100.0, 20.0, 20.0]  # no overlap
    protocol = get_protocol("odtrack").for_benchmark("lasot")
    (m,) = frame_measures([SequenceTruth("s", gt, visible)], [pred], protocol)
    # frame 0 is replaced by the ground truth; frame 2 (absent) is a forced failure on LaSOT (ODTrack's rule)
    np.testing.assert_allclose(m.iou, [1.0, 1 / 3, 0.0, 1 / 3, 0.0])
    np.testing.assert_allclose(m.centre_error, [0.0, 10.0, np.inf, 10.0, np.hypot(90, 90)])
    assert m.counted.all()
    # got10k's rules ignore visibility and score frame 2 as it is
    (g,) = frame_measures([SequenceTruth("s", gt, visible)], [pred], get_protocol("got10k").for_benchmark("lasot"))
    assert g.iou[2] == pytest.approx(1 / 3, abs=0.02)


def test_per_frame_iou_gives_the_evaluations_success_curves_on_real_lasot() -> None:
    root = require_shared("data", "real", "lasot", "annotations")
    ds = load_dataset("lasot", root)
    protocol = get_protocol("odtrack")
    ev = evaluate_folder(ds, LASOT / "results", protocol, cache=False)
    frames = load_frame_results(ds, LASOT / "results", protocol)
    grid = protocol.for_benchmark("lasot").grid("success")
    for result in ev.results:
        worst = 0.0
        for i, f in enumerate(frames):
            m = f.trackers[result.tracker].measures[0]
            iou = m.iou[m.counted]
            curve = (iou[:, None] > grid[None, :]).mean(axis=0)  # success_op ">" (ODTrack)
            worst = max(worst, float(np.abs(curve - result.curves["success"][i]).max()))
        assert worst < 1e-12, result.tracker


def _plain_iou(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Area of intersection over union of x, y, w, h boxes (0 where the ground truth has no area)."""
    iw = np.clip(np.minimum(pred[:, 0] + pred[:, 2], gt[:, 0] + gt[:, 2]) - np.maximum(pred[:, 0], gt[:, 0]), 0, None)
    ih = np.clip(np.minimum(pred[:, 1] + pred[:, 3], gt[:, 1] + gt[:, 3]) - np.maximum(pred[:, 1], gt[:, 1]), 0, None)
    inter = iw * ih
    union = pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = inter / union
    return np.where((gt[:, 2] > 0) & (gt[:, 3] > 0), iou, 0.0)


@pytest.mark.parametrize("sequence", ["fox-20", "truck-16", "airplane-13"])
def test_failure_counts_on_real_lasot_equal_a_plain_computation(sequence: str) -> None:
    root = require_shared("data", "real", "lasot", "annotations")
    ds = load_dataset("lasot", root, sequences=[sequence])
    (frames,) = load_frame_results(ds, LASOT / "results", get_protocol("odtrack"), sequences=[sequence])
    analysis = analyse_failures([frames], ["ATOM", "C-RPN"], 0.1, 10)
    gt = np.loadtxt(root / f"{sequence}.txt", delimiter=",")
    absent = np.loadtxt(root / "absent" / f"{sequence}.txt").astype(bool)
    assert absent.any() or sequence == "airplane-13"
    for tracker in ("ATOM", "C-RPN"):
        pred = np.loadtxt(LASOT / "results" / tracker / f"{sequence}.txt", delimiter=",")
        assert ((pred[:, 2] > 0) & (pred[:, 3] > 0)).all()  # (no zero-size row: no repair to re-implement)
        pred[0] = gt[0]  # the protocol starts from the ground truth
        expected = _plain(_plain_iou(pred, gt).tolist(), (~absent).tolist(), 0.1, 10)
        assert analysis.per_sequence[sequence][tracker] == len(expected), tracker
        stats = analysis.stats[tracker]
        assert stats.failures == len(expected)
        assert stats.recovered == sum(r for *_, r in expected)
        assert stats.frames_lost == sum(n for _, _, n, _ in expected)
        assert stats.present_frames == (~absent).sum()
        if expected:
            assert stats.mean_frames_to_first_failure == expected[0][0]
    assert sum(analysis.per_sequence[sequence].values()) > 0  # (the sequences were chosen for their failures)


def test_short_results_cut_by_the_protocol_keep_the_sequence_length() -> None:
    gt = np.tile([10.0, 10.0, 20.0, 20.0], (6, 1))
    protocol = get_protocol("got10k").for_benchmark("lasot")  # truncates both to the shorter
    assert protocol.shorter_results == "truncate_both"
    (m,) = frame_measures([SequenceTruth("s", gt)], [gt[:4]], protocol)
    assert len(m.iou) == len(m.centre_error) == len(m.counted) == 6
    assert m.counted.tolist() == [True] * 4 + [False] * 2
    assert np.isnan(m.iou[4:]).all() and (m.iou[1:4] == 1.0).all()
