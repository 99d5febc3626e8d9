"""Property tests of the box primitives (protocols.md §1)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from odtrack_eval.boxes import center_error, center_errors, iou_cont, iou_g10k, iou_pysot, iou_tnet, norm_center_error

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


def _boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    b = np.column_stack([rng.random((n, 2)) * 300 - 20, rng.random((n, 2)) * 80])
    b[::7] = np.round(b[::7])
    b[3::11, 2] = 0.0
    b[5::13, 3] = -2.0
    b[8::17, 0] = np.nan
    b[9::19, 2] = np.inf
    return b


def test_center_errors_and_iou_match_plain_formulas() -> None:
    rng = np.random.default_rng(11)
    for order in ("C", "F"):
        pred = np.array(_boxes(rng, 4000), order=order)
        gt = np.array(_boxes(rng, 4000), order=order)
        with np.errstate(all="ignore"):
            pcx, pcy = pred[:, 0] + 0.5 * (pred[:, 2] - 1.0), pred[:, 1] + 0.5 * (pred[:, 3] - 1.0)
            gcx, gcy = gt[:, 0] + 0.5 * (gt[:, 2] - 1.0), gt[:, 1] + 0.5 * (gt[:, 3] - 1.0)
            dx, dy = pcx - gcx, pcy - gcy
            ce = np.sqrt(dx * dx + dy * dy)
            gw, gh = gt[:, 2], gt[:, 3]
            want = {
                "pyt": (pcx / gw - gcx / gw, pcy / gh - gcy / gh),
                "g10k": (dx / np.maximum(gw, 1.0), dy / np.maximum(gh, 1.0)),
                "pysot": (dx / (gw + 1e-16), dy / (gh + 1e-16)),
            }
            left = np.maximum(pred[:, 0], gt[:, 0])
            right = np.minimum(pred[:, 0] + pred[:, 2], gt[:, 0] + gt[:, 2])
            top = np.maximum(pred[:, 1], gt[:, 1])
            bottom = np.minimum(pred[:, 1] + pred[:, 3], gt[:, 1] + gt[:, 3])
            inter = np.maximum(right - left, 0) * np.maximum(bottom - top, 0)
            union = pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter
            iou_ref = np.clip(inter / (union + np.finfo(np.float64).eps), 0.0, 1.0)
            pysot_ref = np.clip(inter / union, 0.0, 1.0)
            for variant, (ndx, ndy) in want.items():
                got_ce, got_nce = center_errors(pred, gt, variant)
                assert got_ce.tobytes() == ce.tobytes()
                assert got_nce.tobytes() == np.sqrt(ndx * ndx + ndy * ndy).tobytes()
            assert iou_g10k(pred, gt).tobytes() == iou_ref.tobytes()
            assert iou_pysot(pred, gt).tobytes() == pysot_ref.tobytes()
    # Integer boxes keep numpy's own promotion.
    ib = np.array([[1, 2, 3, 4], [0, 0, 5, 5]])
    assert iou_g10k(ib, ib).dtype == np.float64
