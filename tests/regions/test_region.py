"""VOT regions: exact text decoding/encoding, bounding boxes and rasterisation.

Expected values come from (a) hand arithmetic written in the tests, (b) protocols.md §9.2
measurements, and (c) vot-toolkit 0.9.0 itself (``vot.region.io`` / ``vot.region.raster``),
run on the same generated regions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from odtrack_eval.errors import FormatError
from odtrack_eval.regions import region as rg

vot_io = pytest.importorskip("vot.region.io", reason="vot-toolkit (reference) not installed")
vot_raster = pytest.importorskip("vot.region.raster")
from vot.region import Special as VotSpecial  # noqa: E402
from vot.region.shapes import Mask as VotMask  # noqa: E402
from vot.region.shapes import Polygon as VotPolygon  # noqa: E402
from vot.region.shapes import Rectangle as VotRectangle  # noqa: E402

masks = hnp.arrays(np.bool_, hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=12))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------------------------- RLE


@SETTINGS
@given(masks)
def test_rle_round_trip(m):
    runs = rg.rle_encode(m)
    assert runs[0] >= 0 and all(r > 0 for r in runs[1:])
    assert sum(runs) == m.size
    np.testing.assert_array_equal(rg.rle_decode(runs, m.shape[1], m.shape[0]), m)


@SETTINGS
@given(masks.filter(lambda a: a.size > 0))
def test_rle_encode_equals_toolkit(m):
    assert rg.rle_encode(m) == list(vot_io.mask_to_rle(m.astype(np.uint8)))


def test_rle_hand_examples():
    # 2x3 mask [[0,1,1],[1,0,0]] -> 1 zero, 3 ones, 2 zeros
    m = np.array([[0, 1, 1], [1, 0, 0]], bool)
    assert rg.rle_encode(m) == [1, 3, 2]
    # first pixel set -> leading zero run
    assert rg.rle_encode(np.array([[1, 0]], bool)) == [0, 1, 1]
    # runs covering less than w*h leave zeros (as the toolkit)
    np.testing.assert_array_equal(rg.rle_decode([1, 1], 2, 2), [[False, True], [False, False]])


def test_rle_decode_rejects_overflow_and_negative():
    with pytest.raises(ValueError):
        rg.rle_decode([3, 2], 2, 2)
    with pytest.raises(ValueError):
        rg.rle_decode([1, -1], 2, 2)


# ------------------------------------------------------------------------------ parsing

mask_texts = st.builds(
    lambda m, x, y: rg.format_region(rg.Mask(m, (x, y))), masks, st.integers(-5, 40), st.integers(-5, 40)
)
coords = st.floats(-30, 80, allow_nan=False).map(lambda v: round(v * 4) / 4)  # quarter pixels: .5 ties occur
rect_texts = st.builds(lambda a: ",".join(map(str, a)), st.lists(coords, min_size=4, max_size=4))
poly_texts = st.builds(
    lambda a: ",".join(map(str, a)),
    st.integers(3, 6).flatmap(lambda n: st.lists(coords, min_size=2 * n, max_size=2 * n)),
)
region_texts = st.one_of(mask_texts, rect_texts, poly_texts)


def _same_as_vot(ours: rg.Region, theirs) -> None:
    if isinstance(theirs, VotMask):
        assert isinstance(ours, rg.Mask)
        assert tuple(ours.offset) == tuple(theirs.offset)
        np.testing.assert_array_equal(ours.mask.astype(np.uint8), theirs.mask)
    elif isinstance(theirs, VotRectangle):
        assert isinstance(ours, rg.Rectangle)
        assert np.float32([ours.x, ours.y, ours.w, ours.h]).tolist() == theirs._data.ravel().tolist()
    elif isinstance(theirs, VotPolygon):
        assert isinstance(ours, rg.Polygon)
        np.testing.assert_array_equal(ours.points.astype(np.float32), theirs._points)
    else:
        assert isinstance(theirs, VotSpecial) and isinstance(ours, rg.Special) and ours.code == theirs.code


@SETTINGS
@given(region_texts)
def test_parse_matches_toolkit(text):
    ours = rg.parse_region(text)
    _same_as_vot(rg.toolkit_read(ours), vot_io.parse_region(text))
    assert rg.parse_region(rg.format_region(ours)) == ours  # exact round trip


def test_parse_specials_and_nan():
    assert rg.parse_region("0") == rg.Special(0)
    assert rg.parse_region("2\r\n") == rg.Special(2)
    assert rg.parse_region("1,nan,3,4") == rg.Special(0)
    assert rg.parse_region("1,2,3,4,5,nan") == rg.Special(0)
    assert rg.parse_region("1.5,2,3,4") == rg.Rectangle(1.5, 2, 3, 4)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("m1,2,3", "mask has 3 values"),
        ("m0,0,2,2,5", "runs cover 5 pixels"),
        ("m0,0,2,2,1.5", "not an integer"),
        ("1,2", "2 values"),
        ("1,2,3,4,5", "5 values"),
        ("a,b,c,d", "not a comma-separated list"),
        ("1;2;3;4", "not a comma-separated list"),
        ("nan", "NaN"),
    ],
)
def test_parse_errors_name_the_problem(text, fragment):
    with pytest.raises(FormatError, match=fragment) as exc:
        rg.parse_region(text, "gt.txt", 7)
    assert str(exc.value).startswith("gt.txt:7:")


def test_read_regions_blank_line_is_an_error(tmp_path):
    p = tmp_path / "groundtruth.txt"
    p.write_bytes(b"1,2,3,4\r\n\r\n5,6,7,8\r\n")
    with pytest.raises(FormatError, match=r"groundtruth.txt:2: empty line"):
        rg.read_regions(p)
    p.write_bytes(b"1,2,3,4\r\nm0,0,1,1,0,1\r\n\r\n")
    assert rg.read_regions(p) == [rg.Rectangle(1, 2, 3, 4), rg.Mask(np.ones((1, 1), bool), (0, 0))]


def test_write_regions_round_trip(tmp_path):
    regions = [rg.Special(1), rg.Rectangle(0.5, 1.25, 3, 4), rg.Mask(np.eye(3, dtype=bool), (2, 7))]
    rg.write_regions(tmp_path / "r.txt", regions)
    assert rg.read_regions(tmp_path / "r.txt") == regions


# -------------------------------------------------------------------- boxes / emptiness


def test_bbox_of_mask_is_tight_box_of_pixels():
    m = np.zeros((5, 6), bool)
    m[1:4, 2] = True
    m[2, 4] = True
    box = rg.region_to_bbox(rg.Mask(m, (10, 20)))
    np.testing.assert_array_equal(box, [12, 21, 3, 3])  # x 12..14, y 21..23
    assert np.isnan(rg.region_to_bbox(rg.Mask(np.zeros((2, 2), bool), (3, 3)))).all()
    assert np.isnan(rg.region_to_bbox(rg.Special(0))).all()
    np.testing.assert_array_equal(rg.region_to_bbox(rg.parse_region("1,5,4,2,3,9")), [1, 2, 3, 7])


@SETTINGS
@given(masks, st.integers(0, 30), st.integers(0, 30))
def test_bbox_equals_toolkit_encoder_header(m, x, y):
    full = np.zeros((y + m.shape[0] + 2, x + m.shape[1] + 2), np.uint8)
    full[y : y + m.shape[0], x : x + m.shape[1]] = m
    (x0, y0, w, h), _ = vot_io.encode_mask(full)
    box = rg.region_to_bbox(rg.mask_from_full(full))
    if m.any():
        np.testing.assert_array_equal(box, [x0, y0, w, h])
    else:
        assert np.isnan(box).all()


def test_toolkit_read_thin_mask_quirk():
    thin = rg.parse_region("m3,4,1,3,0,3")  # a 1x3 vertical line
    assert not np.isnan(rg.region_to_bbox(thin)).any()
    assert rg.toolkit_read(thin) == rg.Mask(np.zeros((0, 0), bool), (0, 0))
    assert rg.is_empty(thin)
    assert vot_io.parse_region("m3,4,1,3,0,3").mask.size == 0  # the toolkit agrees


@SETTINGS
@given(region_texts)
def test_is_empty_and_bounds_match_toolkit(text):
    ours = rg.toolkit_read(rg.parse_region(text))
    theirs = vot_io.parse_region(text)
    assert rg.is_empty(ours) == theirs.is_empty()
    data, offset, kind = vot_raster._infer_meta(theirs)
    assert rg.region_bounds(ours) == tuple(int(v) for v in vot_raster._region_bounds(data, kind, offset))


# --------------------------------------------------------------------------- rasterise

windows = st.tuples(st.integers(-10, 40), st.integers(-10, 40), st.integers(1, 30), st.integers(1, 30)).map(
    lambda t: (t[0], t[1], t[0] + t[2] - 1, t[1] + t[3] - 1)
)


@SETTINGS
@given(region_texts, windows)
def test_rasterize_matches_toolkit(text, window):
    ours = rg.rasterize(rg.toolkit_read(rg.parse_region(text)), window)
    data, offset, kind = vot_raster._infer_meta(vot_io.parse_region(text))
    theirs = vot_raster._region_raster(data, window, kind, offset)
    np.testing.assert_array_equal(ours, theirs)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(region_texts, region_texts, st.one_of(st.none(), st.tuples(st.integers(1, 50), st.integers(1, 50))))
def test_overlap_matches_toolkit(a, b, bounds):
    ours = rg.calculate_overlap(rg.toolkit_read(rg.parse_region(a)), rg.toolkit_read(rg.parse_region(b)), bounds)
    theirs = vot_raster.calculate_overlap(vot_io.parse_region(a), vot_io.parse_region(b), bounds)
    assert ours == theirs


def test_rectangle_rounding_half_to_even():
    gt = rg.Rectangle(10, 0, 20, 20)
    # x = 10.5 rounds to 10 (even), 11.5 rounds to 12: IoU 1.0 and 18*20/(22*20) (protocols.md §1.2)
    assert rg.calculate_overlap(rg.Rectangle(10.5, 0, 20, 20), gt, (100, 100)) == 1.0
    assert rg.calculate_overlap(rg.Rectangle(11.5, 0, 20, 20), gt, (100, 100)) == pytest.approx(18 / 22)
    # float32 storage: 10.500000001 is 10.5 in float32, so it also rounds to 10
    assert rg.calculate_overlap(rg.Rectangle(10.500000001, 0, 20, 20), gt, (100, 100)) == 1.0


def test_overlap_bounds_and_unbounded_quirk():
    pred, gt = rg.Rectangle(-10, 0, 20, 10), rg.Rectangle(0, 0, 10, 10)
    # bounded: the 10 columns left of the image are ignored, what remains equals the GT
    assert rg.calculate_overlap(pred, gt, (100, 100)) == 1.0
    # unbounded: 10 common columns of 20 would give 0.5, the toolkit's clipping quirk gives 0
    # (protocols.md §9.2 "Unbounded-mode bug")
    assert rg.calculate_overlap(pred, gt, None) == 0.0


def test_overlap_empty_and_special():
    empty = rg.Mask(np.zeros((0, 0), bool), (0, 0))
    box = rg.Rectangle(2, 2, 5, 5)
    assert rg.calculate_overlap(empty, rg.Special(0), (50, 50)) == 1.0
    assert rg.calculate_overlap(rg.Special(0), box, (50, 50)) == 0.0
    assert rg.calculate_overlap(box, rg.Rectangle(60, 60, 5, 5), (50, 50)) == 0.0  # second one outside image


def test_rasterize_mask_clipped_at_border():
    m = rg.parse_region("m30,20,4,2,0,8")  # 4x2 block at x 30..33, y 20..21
    out = rg.rasterize(m, (28, 19, 31, 20))  # window 4x2
    np.testing.assert_array_equal(out, [[0, 0, 0, 0], [0, 0, 1, 1]])
    # image 32x22: both regions reduce to the 2x2 block x 30..31, y 20..21
    assert math.isclose(rg.calculate_overlap(m, rg.Rectangle(30, 20, 2, 2), (32, 22)), 1.0)
    # image 32x21: the clipped window is one row high, which the toolkit's `>=` test calls degenerate
    assert rg.calculate_overlap(m, rg.Rectangle(30, 20, 2, 2), (32, 21)) == 0.0
