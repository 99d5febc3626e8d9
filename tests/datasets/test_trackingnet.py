"""TrackingNet adapter on tests/fixtures/trackingnet.py (values compared with what was written)."""

from __future__ import annotations

import numpy as np
import pytest

from odtrack_eval.datasets import load_dataset
from odtrack_eval.datasets.trackingnet import parse_chunks
from odtrack_eval.errors import FormatError, LayoutError, OdtrackEvalError
from tests.fixtures.trackingnet import TEST_NAMES, make_trackingnet


@pytest.fixture
def tn(tmp_path):
    return tmp_path, {s.name: s for s in make_trackingnet(tmp_path)}


def test_test_split_first_box_only(tn):
    root, written = tn
    ds = load_dataset("trackingnet", root)
    assert ds.tag == "trackingnet" and len(ds) == 3
    # devkit order (rows 1, 21, 35 of TEST_ANNO.csv), not sorted and not directory order
    assert ds.names == [TEST_NAMES[0], TEST_NAMES[2], TEST_NAMES[1]]
    for seq in ds:
        w = written[seq.name]
        assert seq.ground_truth.shape == (1, 4)
        np.testing.assert_array_equal(seq.ground_truth, w.gt)  # CRLF, leading space, 2 decimals
        assert seq.extra["first_frame_only"] is True
        assert seq.visible is None
    assert ds[TEST_NAMES[0]].num_frames == 12 and ds[TEST_NAMES[0]].extra["num_frames"] == 12
    assert ds[TEST_NAMES[1]].num_frames == 7
    assert "num_frames" not in ds[TEST_NAMES[2]].extra and ds[TEST_NAMES[2]].frames is None  # unknown length


def test_frames_sorted_numerically(tn):
    root, _ = tn
    seq = load_dataset("trackingnet", root)[TEST_NAMES[0]]
    names = [p.name for p in seq.frame_paths()]
    assert names == [f"{i}.jpg" for i in range(12)]  # 2.jpg before 10.jpg
    assert seq.frame_paths()[0] == root / "TEST" / "frames" / TEST_NAMES[0] / "0.jpg"


def test_dash_names_are_plain_names(tn):
    root, _ = tn
    ds = load_dataset("trackingnet", root)
    assert ds["-Dz7OIf54b0_0"].name == "-Dz7OIf54b0_0"


def test_train_chunks(tn):
    root, written = tn
    ds = load_dataset("trackingnet-train", root)  # every TRAIN chunk present = TRAIN_0
    assert ds.tag == "trackingnet" and len(ds) == 2
    for seq in ds:
        np.testing.assert_allclose(seq.ground_truth, written[seq.name].gt, rtol=0, atol=0)
        assert seq.num_frames == len(written[seq.name].gt) and seq.extra["chunk"] == "TRAIN_0"
    both = load_dataset("trackingnet", root, chunks="TEST,0")
    assert len(both) == 5
    with pytest.raises(LayoutError, match="TRAIN_3"):
        load_dataset("trackingnet-train", root, chunks=[3])


def test_parse_chunks():
    assert parse_chunks("TEST") == ["TEST"]
    assert parse_chunks("0, 11") == ["TRAIN_0", "TRAIN_11"]
    assert parse_chunks([2, "train_5"]) == ["TRAIN_2", "TRAIN_5"]
    assert parse_chunks("TRAIN") is None
    with pytest.raises(OdtrackEvalError, match="unknown TrackingNet chunk '12'"):
        parse_chunks("12")


def test_root_may_be_the_chunk_folder(tn):
    root, _ = tn
    assert len(load_dataset("trackingnet", root / "TEST")) == 3


def test_bad_input(tn, tmp_path_factory):
    root, _ = tn
    anno = root / "TEST" / "anno" / f"{TEST_NAMES[1]}.txt"
    anno.write_bytes(b" 1.00;2.00;3.00\r\n")
    with pytest.raises(FormatError, match=rf"{TEST_NAMES[1]}.txt:1: found 3 values"):
        load_dataset("trackingnet", root)
    anno.write_bytes(b"")
    with pytest.raises(OdtrackEvalError, match="no box"):
        load_dataset("trackingnet", root)
    empty = tmp_path_factory.mktemp("empty")
    with pytest.raises(LayoutError, match="no TrackingNet chunk folders"):
        load_dataset("trackingnet", empty)
