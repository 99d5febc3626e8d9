"""VOT2020 adapter on the fixture of tests/fixtures/vot.py, checked against what the fixture
wrote and against vot-toolkit's own sequence reader (``vot.dataset.common.read_sequence``)."""

from __future__ import annotations

import numpy as np
import pytest

from odtrack_eval.datasets import load_dataset
from odtrack_eval.datasets.vot import image_size
from odtrack_eval.errors import FormatError, LayoutError
from odtrack_eval.regions import region as rg
from tests.fixtures.vot import make_vot


@pytest.fixture
def vot_root(tmp_path):
    return tmp_path, make_vot(tmp_path)


def _truth_box(full: np.ndarray) -> list[float]:
    ys, xs = np.nonzero(full)
    return [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]


def test_load_counts_boxes_visibility(vot_root):
    root, written = vot_root
    ds = load_dataset("vot2020", root)  # a workspace: root/sequences/list.txt
    assert ds.tag == "vot2020" and ds.names == ["ants1", "hand02", "drone_across"]
    for seq, w in zip(ds, written, strict=True):
        assert len(seq) == w.length
        assert len(seq.extra["regions"]) == w.length
        for i, full in enumerate(w.masks):
            if full is None:
                continue
            if full.any():
                assert seq.ground_truth[i].tolist() == _truth_box(full)
                assert seq.visible[i]
                np.testing.assert_array_equal(
                    rg.rasterize(seq.extra["regions"][i], (0, 0, w.image_size[0] - 1, w.image_size[1] - 1)), full
                )
            else:
                assert np.isnan(seq.ground_truth[i]).all() and not seq.visible[i]
    hand = ds["hand02"]
    np.testing.assert_array_equal(hand.ground_truth[0], [10.5, 11.5, 8, 6])
    np.testing.assert_array_equal(hand.ground_truth[1], [2, 3, 12, 13])  # polygon x 2..14, y 3..16
    assert hand.visible.tolist() == [True, True, False, False, True]  # NaN rectangle and code 0
    drone = ds["drone_across"]
    assert drone.extra["regions"][5:] == [rg.Special(0), rg.Special(0)]  # padded to length=7
    assert drone.visible.tolist() == [True] * 5 + [False] * 2


def test_tags_anchors_attributes(vot_root):
    root, _ = vot_root
    ants = load_dataset("vot2020", root / "sequences")["ants1"]
    assert ants.extra["tags"]["occlusion"].tolist() == [False, True, True, False, False, False]  # short file padded
    assert ants.extra["tags"]["camera_motion"].tolist() == [True, True, False, False, True, True]
    assert ants.extra["anchors"].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0, -1.0]
    assert ants.attributes == {"occlusion", "camera_motion"}  # size_change is all false
    ds = load_dataset("vot2020", root)
    assert [s.name for s in ds.filter("occlusion")] == ["ants1"]


def test_image_size_from_metadata_or_first_frame(vot_root, monkeypatch):
    root, _ = vot_root
    ds = load_dataset("vot2020", root)
    assert ds["ants1"].extra["image_size"] == (32, 24)
    assert ds["drone_across"].extra["image_size"] == (20, 16) and ds["drone_across"].frames is None
    assert ds["hand02"].extra["image_size"] is None  # not read at load time
    assert image_size(ds["hand02"]) == (40, 30)  # JPEG header of color/00000001.jpg
    assert ds["hand02"].extra["image_size"] == (40, 30)
    assert [p.name for p in ds["ants1"].frame_paths()][:2] == ["00000001.jpg", "00000002.jpg"]


def test_annotation_only_never_opens_images(vot_root, monkeypatch):
    root, _ = vot_root
    import odtrack_eval.imageio as imageio

    def boom(*a, **k):
        raise AssertionError("an image was opened")

    monkeypatch.setattr(imageio, "image_size", boom)
    monkeypatch.setattr(imageio, "read_rgb", boom)
    ds = load_dataset("vot2020", root)
    assert image_size(ds["ants1"]) == (32, 24)


def test_same_as_vot_toolkit_reader(vot_root):
    common = pytest.importorskip("vot.dataset.common", reason="vot-toolkit (reference) not installed")
    from vot.region.raster import _infer_meta, _region_bounds

    root, _ = vot_root
    ds = load_dataset("vot2020", root)
    for seq in ds:
        ref = common.read_sequence(str(root / "sequences" / seq.name))
        assert len(ref) == len(seq)
        if seq.extra["image_size"] is not None:
            assert (ref.width, ref.height) == seq.extra["image_size"]
        else:
            assert (ref.width, ref.height) == image_size(seq)
        for i, theirs in enumerate(ref.groundtruth()):
            ours = rg.toolkit_read(seq.extra["regions"][i])
            assert rg.is_empty(ours) == theirs.is_empty()
            data, off, kind = _infer_meta(theirs)
            assert rg.region_bounds(ours) == tuple(int(v) for v in _region_bounds(data, kind, off))
            window = (0, 0, ref.width - 1, ref.height - 1)
            from vot.region.raster import _region_raster

            np.testing.assert_array_equal(rg.rasterize(ours, window), _region_raster(data, window, kind, off))
            tags = {t for t, f in seq.extra["tags"].items() if f[i]}
            assert tags == set(ref.tags(i))
            if seq.extra["anchors"] is not None:
                assert ref.values(i)["anchor"] == seq.extra["anchors"][i]


def test_errors_name_the_file(vot_root):
    root, _ = vot_root
    base = root / "sequences"
    gt = base / "ants1" / "groundtruth.txt"
    lines = gt.read_text().splitlines()
    gt.write_text("\n".join(lines[:2] + ["m1,2,x,4,5"] + lines[3:]) + "\n")
    with pytest.raises(FormatError, match=r"ants1/groundtruth.txt:3: mask value is not an integer"):
        load_dataset("vot2020", root)
    gt.write_text("\n".join(lines + ["0", "0"]) + "\n")  # 8 regions, length=6
    with pytest.raises(FormatError, match=r"groundtruth.txt: 8 regions for a 6-frame sequence"):
        load_dataset("vot2020", root)
    gt.write_text("\n".join(lines) + "\n")
    (base / "ants1" / "sequence").write_bytes(b"length=six\r\n")
    with pytest.raises(FormatError, match=r"ants1/sequence: length='six' is not an integer"):
        load_dataset("vot2020", root)
    (base / "list.txt").unlink()
    with pytest.raises(LayoutError, match="list.txt"):
        load_dataset("vot2020", root)


def test_legacy_layout_without_sequence_file(tmp_path):
    d = tmp_path / "seq1"
    d.mkdir()
    (tmp_path / "list.txt").write_text("seq1\n")
    (d / "groundtruth.txt").write_text("1,2,3,4\n2,3,4,5\n")
    for i in (1, 2, 3):
        (d / f"{i:08d}.jpg").write_bytes(b"\xff\xd8")
    seq = load_dataset("vot2020", tmp_path)["seq1"]
    assert len(seq) == 3 and seq.extra["regions"][2] == rg.Special(0)  # length from the frames
    assert seq.frame_paths()[0] == d / "00000001.jpg"


def test_load_dataset_sequences_option_works_for_adapters_without_it(tmp_path) -> None:
    """`--sequence` must work for every benchmark: load_dataset selects after loading when needed."""
    from odtrack_eval.datasets import load_dataset
    from tests.fixtures.vot import make_vot

    seqs = make_vot(tmp_path / "sequences")
    wanted = [seqs[-1].name, seqs[0].name]
    ds = load_dataset("vot2020", tmp_path / "sequences", sequences=wanted)
    assert ds.names == wanted
