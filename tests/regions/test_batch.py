"""The vectorised trajectory / ground-truth readers of ``odtrack_eval.vot.batch`` against the exact
per-line reader (``region.read_regions`` + ``batch.ground_truth``) and the scalar overlap.

Expected values come from the independent per-region code paths (Python ``int()`` for integers,
``region.parse_region`` / ``rle_decode`` / bitmap crops for regions, ``overlap.region_overlap`` for
overlaps), never from the code under test.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.errors import FormatError
from odtrack_eval.regions import batch, batch_overlap, decode, truth
from odtrack_eval.regions import region as rg
from odtrack_eval.regions.overlap import region_overlap
from odtrack_eval.results import vot_workspace as ws


def _random_region(rng: np.random.Generator, masks_only: bool = False) -> rg.Region:
    k = 2 if masks_only else int(rng.integers(0, 6))
    if k == 0:
        return rg.Special(int(rng.integers(0, 3)))
    if k == 1:
        return rg.Rectangle(*rng.uniform(-10, 40, 2).round(2).tolist(), *rng.uniform(-3, 25, 2).round(2).tolist())
    if k == 3:
        return rg.Polygon(rng.uniform(-5, 40, (int(rng.integers(3, 6)), 2)).round(1))
    if k == 4:  # thin at the patch origin (toolkit_read empties it) or one pixel high
        return rg.Mask(np.ones((int(rng.integers(1, 4)), 1), bool), (int(rng.integers(-3, 30)), 2))
    h, w = (int(v) for v in rng.integers(0, 14, 2))
    m = rng.random((h, w)) < rng.random()
    if h and w and rng.random() < 0.3:
        m[:, :] = True  # full rows: runs wrap over several rows
    return rg.Mask(m, (int(rng.integers(-8, 35)), int(rng.integers(-8, 30))))


def _segment_set(b: batch.Batch) -> set[tuple[int, int, int]]:
    """Set pixels of all masks as (region, row, column) triples (order- and split-independent)."""
    s = b.segments
    out = set()
    for o, y, x0, x1 in zip(s.owner.tolist(), s.y.tolist(), s.x0.tolist(), s.x1.tolist(), strict=True):
        out.update((o, y, x) for x in range(x0, x1 + 1))
    return out


def _bitmap_set(regions: list[rg.Region]) -> set[tuple[int, int, int]]:
    out = set()
    for i, r in enumerate(regions):
        if isinstance(r, rg.Mask):
            ys, xs = np.nonzero(r.mask)
            out.update((i, int(y) + r.offset[1], int(x) + r.offset[0]) for y, x in zip(ys, xs, strict=True))
    return out


def test_integer_parser_equals_int() -> None:
    rng = np.random.default_rng(0)
    for _ in range(2000):
        n = int(rng.integers(1, 20))
        low, high = -(10 ** int(rng.integers(1, 16))), 10 ** int(rng.integers(1, 16))
        tokens = [str(int(v)) for v in rng.integers(low, high, n)]
        got = decode._integers(",".join(tokens).encode())
        assert got is not None and got.tolist() == [int(t) for t in tokens]
    assert decode._integers(b"007,-0,5").tolist() == [7, 0, 5]
    assert decode._integers(b"9007199254740991,-9007199254740991,00000000000000000000007").tolist() == [
        9007199254740991,
        -9007199254740991,
        7,
    ]
    bad = [b"", b"1,,2", b",1", b"1,", b"1-2", b"-", b"--1", b"1.5", b"1 ,2", b"+1", b"1e3", b"1,-", b"-,1",
           b"1,-2-3", b"12-", b"--", b"1,,", b"9007199254740992", b"1,-99999999999999999999999"]  # fmt: skip
    for text in bad:
        assert decode._integers(text) is None, text
    # random byte strings over the token alphabet: None, or exactly what int() reads
    for _ in range(3000):
        text = bytes(rng.choice(list(b"0123456789,-"), int(rng.integers(1, 12)), p=[0.07] * 10 + [0.2, 0.1]))
        try:
            want = [int(t) for t in text.split(b",")]
            valid = all(t and t.lstrip(b"-").isdigit() and t.count(b"-") <= 1 for t in text.split(b","))
        except ValueError:
            valid = False
        got = decode._integers(text)
        assert (got is not None) == valid, text
        if valid:
            assert got.tolist() == want, text


@pytest.mark.parametrize("masks_only", [True, False])
def test_ground_truth_reader_equals_exact_reader(tmp_path: Path, masks_only: bool) -> None:
    rng = np.random.default_rng(11)
    regions = [_random_region(rng, masks_only) for _ in range(300)]
    path = tmp_path / "groundtruth.txt"
    rg.write_regions(path, regions)
    fast = truth.read_ground_truth(path, 320)  # padded with 20 unknown codes
    padded = rg.read_regions(path) + [rg.Special(rg.UNKNOWN)] * 20
    want, want_empty = batch.ground_truth(padded)
    for name in ("kind", "special", "bounds", "box", "count"):
        np.testing.assert_array_equal(getattr(fast.batch, name), getattr(want, name), err_msg=name)
    assert fast.batch.segments.ordered
    assert _segment_set(fast.batch) == _segment_set(want) == _bitmap_set([rg.toolkit_read(r) for r in padded])
    np.testing.assert_array_equal(fast.empty, want_empty)
    np.testing.assert_array_equal(fast.boxes, np.array([rg.region_to_bbox(r) for r in padded]))
    assert len(fast.regions) == 320 and all(fast.regions[i] == padded[i] for i in range(320))
    assert fast.regions[-1] == rg.Special(rg.UNKNOWN) and fast.regions[2:4] == padded[2:4]


def test_ground_truth_reader_errors(tmp_path: Path) -> None:
    path = tmp_path / "groundtruth.txt"
    path.write_text("m0,0,2,2,0,5\n")
    with pytest.raises(FormatError, match=r"groundtruth.txt:1: bad mask RLE: runs cover 5 pixels"):
        truth.read_ground_truth(path, 1)
    path.write_text("1,2,3,4\n1,2,3,4\n")
    with pytest.raises(FormatError, match="2 regions for a 1-frame sequence"):
        truth.read_ground_truth(path, 1)
    assert len(truth.read_ground_truth(path, 1, at_least=True).regions) == 2
    path.write_text("m0,0,2.0,2,0,4\nnan,1,2,3\n1,2,x,4\n")  # not for the fast path: the exact reader decides
    with pytest.raises(FormatError, match=r"groundtruth.txt:1: mask value is not an integer"):
        truth.read_ground_truth(path, 3)
    path.write_text("nan,1,2,3\n1,2,3,4\n")
    g = truth.read_ground_truth(path, 2)
    assert g.regions[0] == rg.Special(rg.UNKNOWN) and g.empty.tolist() == [True, False]


@pytest.mark.parametrize("binary", [False, True])
def test_segment_overlaps_equal_scalar_overlap(tmp_path: Path, binary: bool) -> None:
    """Prediction segments against ground-truth segments (the row join), rectangles and windows that clip."""
    rng = np.random.default_rng(5 + binary)
    n = 600
    preds = [_random_region(rng, masks_only=i % 2 == 0) for i in range(n)]
    gts = [_random_region(rng, masks_only=i % 3 != 0) for i in range(n)]
    data = ws.encode_binary(preds) if binary else "".join(rg.format_region(r) + "\n" for r in preds).encode()
    pb = decode.from_binary(data) if binary else decode.from_text(data)
    view = preds if binary else [rg.toolkit_read(r) for r in preds]
    path = tmp_path / "groundtruth.txt"
    rg.write_regions(path, gts)
    gb = truth.read_ground_truth(path).batch
    frames = rng.permutation(n)
    for size in [(30, 25), (12, 9)]:
        for legacy in (False, True):
            got = batch_overlap.overlaps(pb, gb, frames, size, legacy)
            want = [region_overlap(view[j], rg.toolkit_read(gts[f]), size, legacy) for j, f in enumerate(frames)]
            np.testing.assert_allclose(got, want, atol=1e-12)
    # the same ground-truth frame paired with several predictions
    rep = np.repeat(np.arange(n // 3), 3)
    got = batch_overlap.overlaps(pb, gb, rep, (30, 25))
    want = [region_overlap(view[j], rg.toolkit_read(gts[f]), (30, 25)) for j, f in enumerate(rep)]
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_lazy_crops_equal_the_written_masks() -> None:
    rng = np.random.default_rng(2)
    preds = [_random_region(rng, masks_only=True) for _ in range(200)]
    b = decode.from_binary(ws.encode_binary(preds))
    for i, r in enumerate(preds):
        assert (b.kind[i] == batch.MASK) == bool(r.mask.any())
        if r.mask.any():
            np.testing.assert_array_equal(b.crop(i), rg.mask_from_full(r.mask).mask)


def test_fast_text_path_rejects_what_int_rejects() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(FormatError, match=r":1: mask value is not an integer"):
            decode.from_text(b"m0,0,2,2,1e0,3\n")


def test_binary_reader_names_truncation_and_trailing_bytes() -> None:
    data = ws.encode_binary([rg.Rectangle(1, 2, 3, 4), rg.Mask(np.ones((2, 2), bool), (1, 1)), rg.Special(2)])
    for cut in (1, 3, 5):  # inside the special code, then inside the mask runs
        with pytest.raises(FormatError, match="truncated"):
            decode.from_binary(data[:-cut])
    with pytest.raises(FormatError, match="2 trailing bytes after 3 regions"):
        decode.from_binary(data + b"\0\0")


def test_long_runs_split_by_the_binary_format() -> None:
    """Runs over 65535 pixels are written as run, 0, rest: zero-length runs in the middle of a mask."""
    full = np.ones((300, 260), bool)  # one run of 78,000 set pixels
    holed = full.copy()
    holed[150, 10:20] = False
    preds = [rg.Special(1), rg.Mask(full, (5, 7)), rg.Mask(holed, (-20, 3)), rg.Rectangle(0, 0, 200, 150)]
    gts = [rg.Mask(full, (0, 0)), rg.Mask(holed, (30, 40)), rg.Mask(full[:200], (0, 0)), rg.Mask(holed, (1, 2))]
    data = ws.encode_binary(preds)
    assert 0 in ws._split_runs(rg.rle_encode(full))[1:]  # the writer split the long run around a 0
    b = decode.from_binary(data)
    assert b.count.tolist() == [0, 78_000, 77_990, 0]
    gb, _ = batch.ground_truth(gts)
    got = batch_overlap.overlaps(b, gb, np.arange(4), (320, 240))
    want = [region_overlap(p, rg.toolkit_read(g), (320, 240)) for p, g in zip(preds, gts, strict=True)]
    np.testing.assert_allclose(got, want, atol=1e-12)
