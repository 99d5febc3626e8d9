"""Speed from time files (issue 17): one method, figures equal to hand-computed ones."""

from __future__ import annotations

import math

import numpy as np
import pytest

from odtrack_eval.metrics.speed import SPEED_FIELDS, Speed, speed_of


def test_fps_is_tracked_frames_over_their_time_pooled_and_frame_zero_is_the_init() -> None:
    a = np.array([0.5, 0.01, 0.01, 0.02])  # init 500 ms, 3 tracked frames in 0.04 s
    b = np.array([0.1, 0.04])  # init 100 ms, 1 tracked frame in 0.04 s
    s = speed_of([a, b])
    assert s is not None
    assert s.fps == pytest.approx(4 / 0.08)  # 50 (pooled), not the mean of 75 and 25
    assert s.init_ms == pytest.approx(300.0)  # median of 500 and 100
    assert (s.frames, s.sequences) == (4, 2)
    # pooled latencies 10, 10, 20, 40 ms: linear-interpolated percentiles by hand
    assert s.p50_ms == pytest.approx(15.0)
    assert s.p95_ms == pytest.approx(20 + 0.85 * 20)  # rank 0.95 * 3 = 2.85
    assert s.p99_ms == pytest.approx(20 + 0.97 * 20)


def test_nan_inf_and_negative_times_are_not_frames_but_zero_is() -> None:
    s = speed_of([np.array([0.2, np.nan, 0.01, -1.0, np.inf, 0.0, 0.03])])
    assert s is not None and s.frames == 3  # 0.01, 0.0, 0.03
    assert s.fps == pytest.approx(3 / 0.04)


def test_no_usable_time_gives_none_and_all_zero_gives_nan_fps() -> None:
    assert speed_of([]) is None and speed_of([np.array([np.nan, np.nan])]) is None
    init_only = speed_of([np.array([0.3]), np.array([0.1, np.nan])])  # one-frame sequences: the init is known
    assert init_only is not None and init_only.init_ms == pytest.approx(200.0) and init_only.frames == 0
    assert math.isnan(init_only.fps) and math.isnan(init_only.p50_ms)
    zero = speed_of([np.array([0.0, 0.0, 0.0])])
    assert zero is not None and math.isnan(zero.fps) and zero.frames == 2


def test_speed_round_trips_through_its_array() -> None:
    s = Speed(12.5, 3.0, 70.0, 80.0, 90.0, 1234, 7)
    back = Speed.from_array(s.to_array())
    assert back == s and isinstance(back.frames, int)
    assert list(s.as_dict()) == list(SPEED_FIELDS)
