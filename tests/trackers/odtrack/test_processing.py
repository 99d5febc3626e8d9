"""ODTrack pre/post-processing: crops, normalisation, Hann window, box mapping, clipping, memory schedule.

Hand-worked expectations follow the rules in shared/docs/odtrack.md section 5; the oracle checks compare
with tensors the official tracker produced (shared/data/odtrack_oracle/packA).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
cv2 = pytest.importorskip("cv2")

from odtrack_eval.trackers.odtrack.errors import TrackerInputError  # noqa: E402
from odtrack_eval.trackers.odtrack.processing import (  # noqa: E402
    Normalizer,
    clip_box,
    crop_resize_torch,
    crop_window,
    hann1d,
    hann2d,
    map_box_back,
    resize_linear_cv2,
    sample_target,
    select_memory_indices,
)
from tests._shared import SHARED  # noqa: E402

PACK = SHARED / "data" / "odtrack_oracle" / "packA"


def test_crop_window_size_and_python_rounding():
    # sqrt(30*40) * 2 = 69.28 -> 70; x1 = round(10 + 15 - 35) = -10; y1 = round(20 + 20 - 35) = 5.
    assert crop_window((10, 20, 30, 40), 2.0) == (-10, 5, 70)
    # Python round is half-to-even: 0.5 -> 0 and 1.5 -> 2.
    assert crop_window((0.5, 0, 4, 4), 1.0) == (0, 0, 4)
    assert crop_window((1.5, 2.5, 4, 4), 1.0) == (2, 2, 4)
    with pytest.raises(TrackerInputError, match="too small"):
        crop_window((5, 5, 0, 10), 2.0)


def _column_image(h: int = 10, w: int = 10) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = (np.arange(w, dtype=np.uint8) * 20 + 10)[None, :, None]
    img[..., 1] += (np.arange(h, dtype=np.uint8) * 3)[:, None]
    return img


def test_sample_target_right_bottom_border_quirk_loses_last_pixel():
    img = _column_image()
    # crop (x1=2, y1=2, size 8) ends exactly at the 10-px border: pad = 10 - 10 + 1 = 1 on the right/bottom.
    out, rf = sample_target(img, (2, 2, 8, 8), 1.0, 8)
    assert rf == 1.0
    assert np.array_equal(out[:7, :7], img[2:9, 2:9])
    assert not out[7, :].any() and not out[:, 7].any()


def test_sample_target_zero_pads_left_top():
    img = _column_image()
    out, _ = sample_target(img, (-3, -3, 6, 6), 1.0, 6)  # x1 = y1 = -3, size 6
    assert np.array_equal(out[3:, 3:], img[0:3, 0:3])
    assert not out[:3].any() and not out[:, :3].any()


def test_sample_target_resizes_with_resize_factor():
    img = _column_image(40, 40)
    out, rf = sample_target(img, (10, 10, 10, 10), 2.0, 40)  # crop 20 px -> 40 px
    assert out.shape == (40, 40, 3) and rf == 2.0
    assert np.array_equal(out, cv2.resize(img[5:25, 5:25], (40, 40)))


def test_torch_crop_equals_opencv_crop_bit_for_bit():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (90, 120, 3), dtype=np.uint8)
    cases = [((30, 20, 25, 18), 5.0, 64), ((-5, 60, 30, 40), 2.0, 32), ((100, 5, 19, 7), 4.0, 96), ((2, 2, 8, 8), 1, 8)]
    for box, factor, size in cases:
        ref, rf = sample_target(img, box, factor, size)
        out, rf2 = crop_resize_torch(torch.from_numpy(img), box, factor, size)
        assert rf == rf2
        assert np.array_equal(out.numpy(), ref), box


@pytest.mark.parametrize("seed", range(4))
def test_integer_bilinear_equals_cv2_resize(seed):
    """OpenCV's fixed-point INTER_LINEAR (rounded weights, >>4 / >>16 / +2 >>2) for up- and down-scaling."""
    rng = np.random.default_rng(seed)
    for _ in range(40):
        n = int(rng.integers(1, 900))
        out = int(rng.choice([384, 192, 128, 64, 32]))
        img = rng.integers(0, 256, (n, n, 3), dtype=np.uint8)
        if rng.random() < 0.5:  # flat areas and hard edges, where rounding differences would show
            img[:] = rng.integers(0, 256, 3, dtype=np.uint8)
            img[n // 3 :, : n // 2] = 255
            img[:, -1] = 0
        got = resize_linear_cv2(torch.from_numpy(img), out).numpy()
        assert np.array_equal(got, cv2.resize(img, (out, out))), (n, out)


def test_normalizer_matches_imagenet_formula():
    norm = Normalizer((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    crop = np.zeros((2, 2, 3), np.uint8)
    crop[0, 1] = (255, 128, 0)
    out = norm(crop)
    assert out.shape == (1, 3, 2, 2)
    expected = [(1 - 0.485) / 0.229, (128 / 255 - 0.456) / 0.224, (0 - 0.406) / 0.225]
    assert out[0, :, 0, 1].tolist() == pytest.approx(expected, rel=1e-6)


def test_hann_window_centered_denominator_size_plus_one():
    w = hann1d(24)
    expected = [0.5 * (1 - math.cos(2 * math.pi * k / 25)) for k in range(1, 25)]
    assert w.tolist() == pytest.approx(expected, abs=1e-6)
    assert w[11] == pytest.approx(w[12])  # symmetric, peak between cells 11 and 12
    w2 = hann2d(24)
    assert w2.shape == (1, 1, 24, 24)
    assert float(w2[0, 0, 3, 7]) == pytest.approx(expected[3] * expected[7], rel=1e-6)


def test_map_box_back_is_relative_to_previous_centre():
    # previous centre (110, 120); half side 0.5 * 384 / 2 = 96; crop centre (96, 96) -> image (110, 120).
    assert map_box_back((96, 96, 10, 10), (100, 100, 20, 40), 384, 2.0) == [105.0, 115.0, 10, 10]
    assert map_box_back((0, 192, 4, 6), (100, 100, 20, 40), 384, 2.0) == [12.0, 213.0, 4, 6]


def test_clip_box_margin_rules():
    assert clip_box((-5, 70, 20, 30), 80, 100, margin=10) == [0.0, 70.0, 15.0, 10.0]
    assert clip_box((120, 10, 5, 5), 80, 100, margin=10) == [90.0, 10.0, 10.0, 10.0]
    assert clip_box((10, 10, 30, 20), 80, 100, margin=10) == [10.0, 10.0, 30.0, 20.0]


def test_template_schedule_examples_from_the_official_rule():
    n3 = [select_memory_indices(f, 3) for f in range(1, 12)]
    assert [len(i) for i in n3] == [1, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4]  # oracle meta templates per frame
    assert n3[5] == [0, 1, 3, 5]  # frame 6: dur 2 -> {0, 1, 3, 5}
    assert select_memory_indices(30, 3) == [0, 5, 15, 25]  # dur 10 -> {0, 5, 15, 25}
    assert select_memory_indices(7, 4) == [0, 1, 2, 3]  # dur 1 -> {0, 0, 1, 2, 3}
    assert select_memory_indices(8, 4) == [0, 1, 3, 5, 7]  # dur 2: five templates
    assert select_memory_indices(5, 1) == [0]


# ---------------------------------------------------------------------------------------------- oracle
needs_pack = pytest.mark.skipif(not PACK.is_dir(), reason=f"oracle pack not found at {PACK}")


def _frame(i: int) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(PACK / "frames" / f"{i + 1:08d}.png")), cv2.COLOR_BGR2RGB)


@needs_pack
def test_oracle_crops_and_inputs_are_bit_identical():
    d = np.load(PACK / "expected_intermediates.npz")
    init = [float(v) for v in (PACK / "init_box.txt").read_text().split()]
    z, rf = sample_target(_frame(0), init, 2.0, 192)
    assert np.array_equal(z, d["init_template_crop_uint8"]) and rf == float(d["init_template_resize_factor"])
    norm = Normalizer((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    assert torch.equal(norm(z), torch.from_numpy(d["f01_template_input"]))
    for f in (1, 2, 3):
        box_in = d[f"f{f:02d}_search_crop_box_in"].tolist()
        x, rf = sample_target(_frame(f), box_in, 5.0, 384)
        assert np.array_equal(x, d[f"f{f:02d}_search_crop_uint8"]), f
        assert rf == float(d[f"f{f:02d}_search_resize_factor"])
        if f == 1:
            assert torch.equal(norm(x), torch.from_numpy(d["f01_search_input"]))
        new_z, _ = sample_target(_frame(f), d[f"f{f:02d}_box"].tolist(), 2.0, 192)
        assert np.array_equal(new_z, d[f"f{f:02d}_new_template_crop_uint8"]), f
    assert torch.equal(hann2d(24), torch.from_numpy(d["hann_window"]))


@needs_pack
def test_oracle_clip_box_on_frame_1():
    d = np.load(PACK / "expected_intermediates.npz")
    out = clip_box(d["f01_box_unclipped"].tolist(), 480, 640, margin=10)
    assert out == d["f01_box"].tolist()  # bit-exact, including the (x1 + w) - x1 rounding of w


def test_normalizer_into_buffer_gives_the_same_bits():
    rng = np.random.default_rng(3)
    crops = rng.integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
    norm = Normalizer((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    out = torch.empty(3, 3, 16, 16)
    assert norm.into(out, crops) is out
    assert torch.equal(out, norm(crops))
