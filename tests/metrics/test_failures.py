"""metrics/failures.py: failures, recoveries and disagreement on hand-made IoU sequences (expected values by hand)
and against a plain loop on random ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odtrack_eval.metrics.failures import (
    Failure,
    disagreement,
    failure_stats,
    find_failures,
    frame_disagreement,
)

#      frame: 0    1    2    3    4    5    6    7    8    9   10   11   12   13
IOU = np.array([0.9, 0.8, 0.0, 0.05, 0.0, 0.7, 0.0, 0.0, 0.6, 0.5, 0.0, 0.02, 0.0, 0.09])
ALL = np.ones(len(IOU), dtype=bool)


def test_hand_made_sequence() -> None:
    # k = 3: frames 2-4 (3 frames, then 0.7: recovered) and 10-13 (4 frames up to the end: not recovered);
    # frames 6-7 are only 2 frames: a dip, not a failure.
    assert find_failures(IOU, ALL, 0.1, 3) == [Failure(2, 5, 3, True), Failure(10, 14, 4, False)]
    # k = 2 adds frames 6-7, recovered by frame 8.
    assert find_failures(IOU, ALL, 0.1, 2) == [Failure(2, 5, 3, True), Failure(6, 8, 2, True),
                                               Failure(10, 14, 4, False)]  # fmt: skip
    # k = 5: none is long enough.
    assert find_failures(IOU, ALL, 0.1, 5) == []
    # threshold 0.05: 0.05 is not below it, so frames 2-4 split into 2 and 4; 11 = 0.02 and 13 = 0.09 -> 10-12.
    assert find_failures(IOU, ALL, 0.05, 3) == [Failure(10, 13, 3, True)]


def test_absent_frames_neither_break_nor_lengthen_a_failure() -> None:
    present = ALL.copy()
    present[5] = False  # the 0.7 at frame 5 is an absent frame: frames 2-4 and 6-7 join into one failure
    assert find_failures(IOU, present, 0.1, 3) == [Failure(2, 8, 5, True), Failure(10, 14, 4, False)]
    present = ALL.copy()
    present[[3, 4]] = False  # frames 2 and then 5: no 3 present frames below 0.1 at the start any more
    assert find_failures(IOU, present, 0.1, 3) == [Failure(10, 14, 4, False)]
    present = ALL.copy()
    present[13] = False  # the last frame absent: the failure ends at 12 and is still not recovered
    assert find_failures(IOU, present, 0.1, 3) == [Failure(2, 5, 3, True), Failure(10, 13, 3, False)]


def test_min_frames_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        find_failures(IOU, ALL, 0.1, 0)


def test_stats_over_sequences_and_runs() -> None:
    # Run 1: seq A = IOU (2 failures, 1 recovered, first at frame 2, 7 frames lost, 14 present);
    #        seq B never fails (10 present frames).
    # Run 2: seq A fails once from frame 6 (frames 6-9, recovered by 10), seq B fails at 0-9, not recovered.
    b_good = np.full(10, 0.8)
    a2 = np.array([0.9] * 6 + [0.0] * 4 + [0.9] * 4)
    b2 = np.zeros(10)
    runs = [[(IOU, ALL), (b_good, np.ones(10, bool))], [(a2, ALL), (b2, np.ones(10, bool))]]
    s = failure_stats(runs, 0.1, 3)
    assert s.failures == (2 + 2) / 2
    assert s.recovered == (1 + 1) / 2
    assert s.sequences == 2
    assert s.sequences_failed == (1 + 2) / 2
    # run 1: mean of [2] = 2; run 2: mean of [6, 0] = 3; mean over runs 2.5
    assert s.mean_frames_to_first_failure == 2.5
    assert s.frames_lost == (7 + 14) / 2
    assert s.present_frames == 24
    assert s.recovery_rate == pytest.approx(100 * 1 / 2)
    assert s.lost_percent == pytest.approx(100 * 10.5 / 24)


def test_no_failure_gives_nan_where_undefined() -> None:
    s = failure_stats([[(np.full(5, 0.9), np.ones(5, bool))]], 0.1, 2)
    assert s.failures == 0 and s.frames_lost == 0
    assert math.isnan(s.recovery_rate) and math.isnan(s.mean_frames_to_first_failure)


def test_disagreement_by_hand() -> None:
    ious = np.array([[0.9, 0.8, 0.0, 0.5], [0.1, 0.8, 0.5, 0.5], [0.5, 0.7, 0.2, 0.5]])
    present = np.ones_like(ious, dtype=bool)
    present[1, 3] = False
    np.testing.assert_allclose(frame_disagreement(ious, present), [0.8, 0.1, 0.5, np.nan])
    assert np.isnan(frame_disagreement(ious[:1], present[:1])).all()  # one tracker: nothing to compare
    ranked = disagreement({"a": (ious, present), "b": (ious * 0.5, present), "c": (ious[:1], present[:1])}, top=5)
    assert [n for n, _ in ranked] == ["a", "b"]
    assert ranked[0][1] == pytest.approx((0.8 + 0.1 + 0.5) / 3)
    assert ranked[1][1] == pytest.approx((0.4 + 0.05 + 0.25) / 3)


def _plain(iou: list[float], present: list[bool], t: float, k: int) -> list[tuple[int, int, int, bool]]:
    """The definition, frame by frame."""
    out, run = [], []
    idx = [i for i, p in enumerate(present) if p]
    for pos, i in enumerate(idx):
        if iou[i] < t:
            run.append(i)
        if iou[i] >= t or pos == len(idx) - 1:
            if len(run) >= k:
                out.append((run[0], run[-1] + 1, len(run), iou[i] >= t))
            run = []
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([0.0, 0.05, 0.1, 0.3, 0.9]), st.booleans()), min_size=0, max_size=40),
    st.integers(1, 4),
)
def test_equals_a_plain_loop(frames: list[tuple[float, bool]], k: int) -> None:
    iou = [f[0] for f in frames]
    present = [not f[1] or i % 3 == 0 for i, f in enumerate(frames)]
    got = find_failures(np.array(iou, dtype=float), np.array(present, dtype=bool), 0.1, k)
    assert [(f.start, f.stop, f.frames, f.recovered) for f in got] == _plain(iou, present, 0.1, k)


def test_first_failure_and_recovery_columns_are_not_ranked() -> None:
    """A tracker that never fails has no first failure ("–"): ranking that column marked a failing tracker
    best (review of issue 16); recovery rates are not ranked either."""
    from odtrack_eval.report.failures import FAILURE_COLUMNS

    ranked = {c.key for c in FAILURE_COLUMNS if c.ranked}
    assert "mean_frames_to_first_failure" not in ranked and "recovery_rate" not in ranked
    assert {"failures", "frames_lost"} <= ranked
