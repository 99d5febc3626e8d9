"""Hand-worked 3-6 frame cases for each protocol rule (expected values written as arithmetic
from protocols.md, never produced by the code under test)."""

from __future__ import annotations

import numpy as np
import pytest

from odtrack_eval.errors import ResultsError
from odtrack_eval.metrics.ope import evaluate_runs
from odtrack_eval.protocols import PROTOCOLS, get_protocol, matlab_colon
from odtrack_eval.sequence import Dataset, Sequence

# Every check runs on the compiled kernels and on the numpy reference (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_paths")

GT = np.array([[0, 0, 10, 10]] * 4, dtype=float) + [10, 10, 0, 0]


def _eval(gt, pred, protocol, visible=None, tag="otb"):
    ds = Dataset("d", tag, [Sequence("a", np.asarray(gt, float), visible)])
    return evaluate_runs("t", ds, [{"a": np.asarray(pred, float)}], get_protocol(protocol))


def test_auc_is_mean_of_21_points_and_perfect_tracker_scores_20_over_21() -> None:
    r = _eval(GT, GT, "odtrack")
    assert r.scores()["auc"] == pytest.approx(100 * 20 / 21)


def test_per_frame_success_contribution_is_ceil_20_iou_over_21() -> None:
    # Frame 0 is replaced by GT (IoU 1 -> 20 grid points). Frame 1: half-width box, IoU 0.5 exactly
    # -> passes t = 0.00..0.45 (10 points; 0.5 itself fails under ">"). Frames 2, 3: no overlap.
    pred = GT.copy()
    pred[1, 2] = 5
    pred[2:, 0] = 100
    r = _eval(GT, pred, "odtrack")
    expected = (20 + 10 + 0 + 0) / (21 * 4)
    assert r.scores()["auc"] == pytest.approx(100 * expected)
    assert r.scores()["op50"] == pytest.approx(100 * 1 / 4)  # only frame 0 has IoU > 0.5


def test_absent_frames_lasot_rule_vs_lasot_ext_quirk() -> None:
    # 4 frames, frame 2 absent (GT 0,0,0,0) and the prediction exactly right on visible frames.
    gt = GT.copy()
    gt[2] = 0
    vis = np.array([True, True, False, True])
    lasot = _eval(gt, gt, "odtrack", vis, tag="lasot").scores()
    ext = _eval(gt, gt, "odtrack", vis, tag="lasot_ext").scores()
    # Success/precision: the absent frame fails, denominator 4 in both.
    assert lasot["precision"] == pytest.approx(100 * 3 / 4) == ext["precision"]
    assert lasot["auc"] == pytest.approx(100 * 3 * 20 / (21 * 4)) == pytest.approx(ext["auc"])
    # Normalized precision: fails on LaSOT (+Inf), passes on LaSOT_ext (-1).
    assert lasot["norm_precision"] == pytest.approx(100 * 3 / 4)
    assert ext["norm_precision"] == pytest.approx(100.0)


def test_odtrack_vs_pytracking_valid_rule_on_border_boxes() -> None:
    # GT with x = 0 but positive size: valid for ODTrack (scored), invalid for pytracking.
    gt = GT.copy()
    gt[1, 0] = 0
    odt = _eval(gt, gt, "odtrack").scores()
    pyt = _eval(gt, gt, "pytracking").scores()
    assert odt["auc"] == pytest.approx(100 * 20 / 21)
    assert pyt["auc"] == pytest.approx(100 * 3 * 20 / (21 * 4))
    assert pyt["precision"] == pytest.approx(75.0)  # centre error := +Inf
    assert pyt["norm_precision"] == pytest.approx(100.0)  # normalized error := -1 -> pass
    official = _eval(gt, gt, "official").scores()
    assert official["precision"] == pytest.approx(100.0)  # MATLAB: error := -1 -> pass


def test_zero_size_predictions_are_carried_forward_and_negative_rejected() -> None:
    pred = GT.copy()
    pred[2] = [100, 100, 0, 10]  # zero width -> replaced by frame 1's box (exact)
    assert _eval(GT, pred, "odtrack").scores()["auc"] == pytest.approx(100 * 20 / 21)
    pred[3, 3] = -2
    with pytest.raises(ResultsError, match=r"rows \[4\]"):
        _eval(GT, pred, "odtrack")
    # MATLAB rules repair it instead (row 4 copies row 3, which copied row 2's repair).
    assert _eval(GT, pred, "official").scores()["auc"] == pytest.approx(100 * 20 / 21)


def test_short_results_zero_padded_except_lasot() -> None:
    pred = GT[:3]
    assert _eval(GT, pred, "odtrack").scores()["auc"] == pytest.approx(100 * 3 * 20 / (21 * 4))
    with pytest.raises(ResultsError, match="3 rows but the ground truth has 4"):
        _eval(GT, pred, "odtrack", np.ones(4, bool), tag="lasot")
    # got10k (GitHub HEAD) truncates both to the shorter length.
    assert _eval(GT, pred, "got10k").scores()["auc"] == pytest.approx(100 * 20 / 21)


def test_got10k_protocol_scores_absent_frames_and_drops_nan_gt_rows() -> None:
    gt = GT.copy()
    gt[3] = np.nan
    vis = np.array([True, False, True, True])
    r = _eval(gt, GT, "got10k", vis, tag="lasot")
    assert r.scores()["auc"] == pytest.approx(100 * 20 / 21)  # 3 frames kept, all perfect
    assert r.frames.tolist() == [3]


def test_threshold_grids_match_their_reference_constructions() -> None:
    np.testing.assert_array_equal(get_protocol("got10k").grid("success"), np.linspace(0, 1, 21))
    matlab = matlab_colon(0, 0.05, 1)
    # protocol-findings.md §4: MATLAB's 0:0.05:1 has 0.6, 0.6499999999999999, 0.7, 0.85, 0.95.
    assert [matlab[12], matlab[13], matlab[14], matlab[17], matlab[19]] == [
        0.6,
        0.6499999999999999,
        0.7,
        0.85,
        0.95,
    ]
    torch = pytest.importorskip("torch")
    ref = torch.arange(0.0, 1.0 + 0.05, 0.05, dtype=torch.float64).numpy()
    np.testing.assert_array_equal(get_protocol("odtrack").grid("success"), ref)
    assert ref[13] == 0.6500000000000001  # why the grid is data, not i * 0.05


def test_exact_tie_at_0_65_passes_only_under_matlab_grid() -> None:
    pred = GT.copy()
    pred[1:, 2] = 6.5  # IoU = 0.65 exactly on frames 1..3
    odt = _eval(GT, pred, "odtrack").curves["success"][0]
    mat = _eval(GT, pred, "official").curves["success"][0]
    assert odt[13] == pytest.approx(1 / 4)  # 0.65 > 0.6500000000000001 is False
    assert mat[13] == pytest.approx(1.0)  # 0.65 > 0.6499999999999999 is True


def test_every_protocol_cites_a_pinned_reference_and_reproduces_a_tool() -> None:
    """Each rule set names the exact code it reproduces (repository@commit, or a toolkit version) and,
    for the one-pass ones, the tool the table footnotes name; a description says what differs."""
    import re

    pinned = re.compile(r"@[0-9a-f]{7}|vot-toolkit (\d+\.\d+\.\d+|[0-9a-f]{7})")
    for p in PROTOCOLS.values():
        assert pinned.search(p.reference), (p.name, p.reference)
        assert len(p.description) > 40, p.name
        if p.kind == "one-pass":
            assert p.tool.startswith(("the ", "pytracking")), (p.name, p.tool)
