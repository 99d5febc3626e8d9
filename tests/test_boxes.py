"""Property tests of the box primitives (protocols.md §1)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from odtrack_eval.boxes import center_error, iou_cont, iou_g10k, iou_pysot, iou_tnet, norm_center_error

coord = st.floats(-500, 500, allow_nan=False, width=64)
size = st.floats(0.5, 400, allow_nan=False, width=64)


@st.composite
def boxes(draw, n=st.integers(1, 30), positive=True):
    k = draw(n)
    xy = draw(arrays(np.float64, (k, 2), elements=coord))
    wh = draw(arrays(np.float64, (k, 2), elements=size if positive else st.floats(-50, 400, width=64)))
    return np.column_stack([xy, wh])


@st.composite
def pairs(draw, positive=True):
    a = draw(boxes(positive=positive))
    b = draw(boxes(n=st.just(len(a)), positive=positive))
    return a, b


@given(pairs())
def test_iou_is_symmetric_and_bounded(ab) -> None:
    a, b = ab
    for fn in (iou_cont, iou_g10k, iou_pysot):
        np.testing.assert_allclose(fn(a, b), fn(b, a), rtol=0, atol=1e-12)
        v = fn(a, b)
        assert np.all(v >= 0) and np.all(v <= 1 + 1e-12)


@given(boxes())
def test_self_overlap_is_one(a) -> None:
    np.testing.assert_allclose(iou_cont(a, a), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(iou_g10k(a, a), 1.0, rtol=0, atol=1e-12)


@given(pairs())
def test_continuous_variants_agree_up_to_rounding(ab) -> None:
    """I-cont, I-g10k and I-pysot are the same quantity (§1.2) up to an ulp and got10k's eps."""
    a, b = ab
    np.testing.assert_allclose(iou_cont(a, b), iou_pysot(a, b), rtol=0, atol=1e-9)
    np.testing.assert_allclose(iou_g10k(a, b), iou_pysot(a, b), rtol=0, atol=1e-9)


@given(pairs(), st.floats(-100, 100, width=64), st.floats(-100, 100, width=64))
@settings(max_examples=50)
def test_translation_invariance(ab, dx, dy) -> None:
    a, b = ab
    shift = np.array([dx, dy, 0, 0])
    np.testing.assert_allclose(iou_pysot(a + shift, b + shift), iou_pysot(a, b), atol=1e-6)
    np.testing.assert_allclose(center_error(a + shift, b + shift), center_error(a, b), atol=1e-6)


@given(pairs())
def test_center_error_is_centre_distance(ab) -> None:
    a, b = ab
    ca = a[:, :2] + a[:, 2:] / 2
    cb = b[:, :2] + b[:, 2:] / 2  # any centre convention gives the same distance (§1.3)
    np.testing.assert_allclose(center_error(a, b), np.linalg.norm(ca - cb, axis=1), rtol=1e-9, atol=1e-9)


def test_integer_boxes_make_the_tnet_iou_equal_to_the_continuous_one() -> None:
    rng = np.random.default_rng(0)
    a = np.column_stack([rng.integers(0, 100, (500, 2)), rng.integers(1, 60, (500, 2))]).astype(float)
    b = np.column_stack([rng.integers(0, 100, (500, 2)), rng.integers(1, 60, (500, 2))]).astype(float)
    np.testing.assert_allclose(iou_tnet(a, b), iou_pysot(a, b), rtol=0, atol=1e-15)


def test_zero_area_conventions() -> None:
    z = np.zeros((1, 4))
    assert np.isnan(iou_cont(z, z))[0]  # 0/0, as pytracking (which then raises on valid frames)
    assert iou_g10k(z, z)[0] == 0.0  # got10k's eps
    gt = np.array([[10.0, 10.0, 0.0, 0.0]])
    pred = np.array([[12.0, 10.0, 4.0, 4.0]])
    assert not np.isfinite(norm_center_error(pred, gt, "pyt"))[0]  # no guard: inf - inf
    assert norm_center_error(pred, gt, "g10k")[0] == np.hypot(
        4.0, 2.0
    )  # centres (13.5, 11.5) vs (9.5, 9.5), divisor max(1, 0) = 1
