"""``--dataset folder``: user videos as <root>/<seq>/ frames + groundtruth.txt."""

from __future__ import annotations

import numpy as np
import pytest

from odtrack_eval.datasets import load_dataset
from odtrack_eval.errors import FormatError, LayoutError


def _seq(root, name, frames, gt, sub=""):
    d = root / name / sub if sub else root / name
    d.mkdir(parents=True)
    for f in frames:
        (d / f).write_bytes(b"\xff\xd8")
    (root / name / "groundtruth.txt").write_text(gt)


def test_frames_natural_order_and_img_subfolder(tmp_path):
    _seq(tmp_path, "walk10", [f"frame{i}.png" for i in (1, 2, 10, 11)], "1,2,3,4\n")
    _seq(tmp_path, "walk2", [f"{i:05d}.jpg" for i in range(3)], "1 2 3 4\r\n2 3 4 5\r\n3 4 5 6\r\n", sub="img")
    (tmp_path / ".cache").mkdir()  # hidden folders are not sequences
    ds = load_dataset("folder", tmp_path)
    assert ds.tag == "folder" and ds.names == ["walk2", "walk10"]  # natural order
    a = ds["walk10"]
    assert [p.name for p in a.frame_paths()] == ["frame1.png", "frame2.png", "frame10.png", "frame11.png"]
    assert a.extra["first_frame_only"] and a.num_frames == 4 and a.ground_truth.shape == (1, 4)
    b = ds["walk2"]
    np.testing.assert_array_equal(b.ground_truth[2], [3, 4, 5, 6])
    assert not b.extra["first_frame_only"] and b.num_frames == 3
    assert b.frame_paths()[0] == tmp_path / "walk2" / "img" / "00000.jpg"


def test_root_can_be_one_sequence(tmp_path):
    _seq(tmp_path, "clip", ["a.jpg", "b.jpg"], "5,5,10,10\n")
    ds = load_dataset("folder", tmp_path / "clip")
    assert ds.names == ["clip"] and ds["clip"].num_frames == 2


def test_errors(tmp_path):
    _seq(tmp_path, "x", ["1.jpg"], "1,2,3,4\n2,3,4,5\n")
    with pytest.raises(FormatError, match=r"x/groundtruth.txt: 2 boxes but only 1 frames"):
        load_dataset("folder", tmp_path)
    (tmp_path / "x" / "groundtruth.txt").write_text("1,2,3\n")
    with pytest.raises(FormatError, match=r"groundtruth.txt:1: found 3 values"):
        load_dataset("folder", tmp_path)
    (tmp_path / "x" / "groundtruth.txt").unlink()
    with pytest.raises(FormatError, match=r"x/groundtruth.txt: file not found"):
        load_dataset("folder", tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(LayoutError, match="no sequence found"):
        load_dataset("folder", empty)
