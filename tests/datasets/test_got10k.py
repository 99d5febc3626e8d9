"""GOT-10k adapter on tests/fixtures/got10k.py; meta parsing compared with the got10k toolkit."""

from __future__ import annotations

import numpy as np
import pytest

from odtrack_eval.datasets import load_dataset
from odtrack_eval.datasets.got10k import read_meta
from odtrack_eval.errors import FormatError, LayoutError
from tests.fixtures.got10k import make_got10k


@pytest.fixture
def got(tmp_path):
    return tmp_path, {s.name: s for s in make_got10k(tmp_path)}


def test_val_boxes_labels_visibility(got):
    root, written = got
    ds = load_dataset("got10k-val", root)
    assert ds.tag == "got10k" and ds.names == ["GOT-10k_Val_000001", "GOT-10k_Val_000002"]
    for seq in ds:
        w = written[seq.name]
        np.testing.assert_array_equal(seq.ground_truth, w.gt)
        np.testing.assert_array_equal(seq.extra["cover"], w.cover)
        np.testing.assert_array_equal(seq.extra["absence"], w.absence.astype(bool))
        np.testing.assert_array_equal(seq.extra["cut_by_image"], w.cut.astype(bool))
        assert seq.extra["image_size"] == w.resolution
    # visible = ~absence & cover > 0: frame 3 absent, frame 4 has cover 0
    assert ds["GOT-10k_Val_000001"].visible.tolist() == [True, True, False, False, True]
    assert ds["GOT-10k_Val_000001"].frame_paths()[-1].name == "00000005.jpg"
    assert ds["GOT-10k_Val_000002"].frames is None  # annotation-only


def test_test_split_one_line_gt(got):
    root, written = got
    ds = load_dataset("got10k-test", root)
    a, b = ds["GOT-10k_Test_000001"], ds["GOT-10k_Test_000002"]
    assert a.ground_truth.shape == (1, 4) and a.ground_truth[0].tolist() == [100, 50, 20, 30]
    assert a.extra["first_frame_only"] and a.num_frames == 12 and len(a.frame_paths()) == 12
    assert a.extra["image_size"] == (1920, 1080)
    assert b.num_frames == 1 and b.frames is None and "image_size" not in b.extra  # no labels, no meta


def test_meta_like_got10k_toolkit(got):
    got10k_mod = pytest.importorskip("got10k.datasets.got10k", reason="got10k toolkit (reference) not installed")
    root, _ = got
    for name in ("GOT-10k_Val_000001", "GOT-10k_Val_000002"):
        folder = root / "val" / name
        ref = got10k_mod.GOT10k(str(root), subset="val", return_meta=True)._fetch_meta(str(folder))
        ours = read_meta(folder / "meta_info.ini")
        assert ours == {k: v for k, v in ref.items() if k not in ("cover", "absence", "cut_by_image")}
        assert ours["url"] == "https://www.youtube.com/watch?v=abc"  # cut at the second ': ', as the toolkit
        seq = load_dataset("got10k-val", root)[name]
        np.testing.assert_array_equal(seq.extra["cover"], ref["cover"])


def test_missing_and_bad_label_files(got):
    root, _ = got
    folder = root / "val" / "GOT-10k_Val_000001"
    (folder / "cover.label").write_text("8\n5\n0\n")
    with pytest.raises(FormatError, match=r"cover.label: 3 values for 5 ground-truth rows"):
        load_dataset("got10k-val", root)
    (folder / "cover.label").write_text("8\n5\n0\n9\n1\n")
    with pytest.raises(FormatError, match=r"cover.label:4: value 9 \(expected integers 0..8\)"):
        load_dataset("got10k-val", root)
    (folder / "cover.label").unlink()
    with pytest.raises(FormatError, match=r"GOT-10k_Val_000001/cover.label: file not found"):
        load_dataset("got10k-val", root)


def test_bad_meta_and_layout(got, tmp_path_factory):
    root, _ = got
    meta = root / "val" / "GOT-10k_Val_000002" / "meta_info.ini"
    meta.write_text("[METAINFO]\nobject_class: cat\nresolution (640, 360)\n")
    with pytest.raises(FormatError, match=r"meta_info.ini:3: line 'resolution \(640, 360\)' has no ': '"):
        load_dataset("got10k-val", root)
    meta.write_text("[METAINFO]\nresolution: 640x360\n")
    with pytest.raises(FormatError, match=r"resolution '640x360'"):
        load_dataset("got10k-val", root)
    with pytest.raises(LayoutError, match=r"train/list.txt: not found"):
        load_dataset("got10k-train", root)
    (root / "val" / "list.txt").write_text("GOT-10k_Val_000001\nGOT-10k_Val_000099\n")
    with pytest.raises(LayoutError, match="GOT-10k_Val_000099: sequence folder listed in"):
        load_dataset("got10k-val", root / "val")
