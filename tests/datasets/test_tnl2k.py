"""TNL2K adapter on fixture copies (one-/two-level distributed, toolkit annos) and the real annotations.

Expected values come from the fixture's arrays, the official test list/attribute table (quoted
literally) and measured facts in shared/docs (datasets.md §5, protocols.md §5.3).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.datasets import load_dataset
from odtrack_eval.datasets.tnl2k import load_tnl2k
from odtrack_eval.errors import FormatError, LayoutError
from tests._shared import SHARED
from tests.fixtures.tnl2k import default_sequences, write_distributed, write_toolkit

REAL = SHARED / "data" / "real" / "tnl2k"
BENCH = SHARED / "data" / "benchmarks" / "tnl2k"

SEQS = {s.name: s for s in default_sequences()}
NAMES = list(SEQS)
# Positions 1, 169, 553, 653 of TNL2K_testing_set.txt.
OFFICIAL_ORDER = [
    "Assian_video_Z03_done",
    "Fight_video_6-Done",
    "advSamp_monitor_bikeyellow",
    "test_015_Sord_video_Q01_done",
]
TNL2K_CODES = "CM ROT DEF FOC IV OV POC VC SV BC MB ARC LR FM AS TC MS".split()


@pytest.fixture(scope="module", params=[0, 2], ids=["one-level", "two-level"])
def distributed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_distributed(tmp_path_factory.mktemp("tnl2k"), list(SEQS.values()), parts=request.param)


@pytest.fixture(scope="module")
def toolkit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toolkit(tmp_path_factory.mktemp("tnl2k_toolkit") / "annos", list(SEQS.values()))


# ----------------------------------------------------------------------------- distributed


def test_distributed_boxes_order_language_and_no_visibility(distributed: Path) -> None:
    ds = load_tnl2k(distributed, sequences=NAMES)
    assert (ds.tag, ds.layout) == ("tnl2k", "distributed")
    assert ds.names == OFFICIAL_ORDER
    for name, spec in SEQS.items():
        np.testing.assert_array_equal(ds[name].ground_truth, spec.gt.astype(float))
        assert ds[name].visible is None
    assert ds["Assian_video_Z03_done"].extra["language"] == "The Man In Black Clothes"
    assert ds["Fight_video_6-Done"].extra["language"] == ""
    # Shipped table row for Assian_video_Z03_done: ROT, VC, SV, BC.
    assert ds["Assian_video_Z03_done"].attributes == {"ROT", "VC", "SV", "BC"}
    assert list(ds.attribute_names) == TNL2K_CODES


def test_two_level_layout_records_the_part(tmp_path: Path) -> None:
    root = write_distributed(tmp_path, list(SEQS.values()), parts=2)
    ds = load_tnl2k(root, sequences=NAMES)
    assert ds["advSamp_monitor_bikeyellow"].extra["part"] == "TNL2K_test_subset_p1"
    assert ds["Assian_video_Z03_done"].extra["part"] == "TNL2K_test_subset_p2"


def test_mixed_jpg_png_frames_are_listed_and_sorted(distributed: Path) -> None:
    seq = load_tnl2k(distributed, sequences=["test_015_Sord_video_Q01_done"])[0]
    names = [p.name for p in seq.frame_paths()]
    assert names == [
        "00000001.jpg",
        "00000002.png",
        "00000003.jpg",
        "00000004.jpg",
        "00000005.png",
        "00000006.jpg",
        "00000007.jpg",
    ]
    assert all(p.is_file() for p in seq.frame_paths())
    assert len(seq.frames) == len(seq) == 7


def test_root_may_be_the_test_folder(distributed: Path) -> None:
    assert load_tnl2k(distributed / "test", sequences=NAMES).names == OFFICIAL_ORDER


def test_image_folders_are_not_touched_at_load_time(tmp_path: Path) -> None:
    root = write_distributed(tmp_path, list(SEQS.values()), images=False)
    for name in NAMES:
        shutil.rmtree(root / "test" / name / "imgs")
    ds = load_tnl2k(root, sequences=NAMES)
    assert ds.num_frames == 9 + 6 + 5 + 7
    with pytest.raises(FileNotFoundError, match="imgs"):
        ds[0].frame_paths()


def test_missing_sequences(distributed: Path) -> None:
    with pytest.raises(LayoutError, match=r"696 of 700 sequences missing.*BF5_Blade_video_01-Done"):
        load_tnl2k(distributed)
    with pytest.warns(UserWarning, match="696 of 700"):
        assert load_tnl2k(distributed, allow_missing=True).names == OFFICIAL_ORDER


# ----------------------------------------------------------------------------- toolkit annos


@pytest.mark.parametrize("use_parent", [False, True])
def test_toolkit_absent_flags_become_visibility(toolkit: Path, use_parent: bool) -> None:
    ds = load_dataset("tnl2k", toolkit.parent if use_parent else toolkit, sequences=NAMES)
    assert ds.layout == "toolkit-annos" and ds.names == OFFICIAL_ORDER
    for name, spec in SEQS.items():
        n = len(spec.gt)
        np.testing.assert_array_equal(ds[name].ground_truth, spec.gt.astype(float))
        np.testing.assert_array_equal(ds[name].visible, ~spec.absent[:n])
        assert ds[name].frames is None
    bike = ds["advSamp_monitor_bikeyellow"]
    assert len(SEQS[bike.name].absent) == 10 and len(bike) == 9 and bike.visible.shape == (9,)
    assert list(np.flatnonzero(~bike.visible)) == [2, 3]
    assert ds["Assian_video_Z03_done"].attributes == {"CM", "MS"}  # from att/ (17 CRLF lines)


def test_toolkit_without_att_uses_the_shipped_table(tmp_path: Path) -> None:
    annos = write_toolkit(tmp_path / "annos", list(SEQS.values()), with_att=False)
    ds = load_tnl2k(annos, sequences=NAMES)
    assert ds["Assian_video_Z03_done"].attributes == {"ROT", "VC", "SV", "BC"}


def test_toolkit_missing_absent_file(toolkit: Path, tmp_path: Path) -> None:
    annos = shutil.copytree(toolkit, tmp_path / "annos")
    (annos / "absent" / "Fight_video_6-Done.txt").unlink()
    with pytest.raises(FormatError, match="absent-flag file missing") as err:
        load_tnl2k(annos, sequences=NAMES)
    assert err.value.path == annos / "absent" / "Fight_video_6-Done.txt"


def test_toolkit_absent_file_shorter_than_ground_truth(toolkit: Path, tmp_path: Path) -> None:
    annos = shutil.copytree(toolkit, tmp_path / "annos")
    (annos / "absent" / "Fight_video_6-Done.txt").write_text("0 \n0 \n")
    with pytest.raises(FormatError, match="2 absent flags for 5 ground-truth rows"):
        load_tnl2k(annos, sequences=NAMES)


def test_truncated_ground_truth_line(toolkit: Path, tmp_path: Path) -> None:
    annos = shutil.copytree(toolkit, tmp_path / "annos")
    gt = annos / "gt_rect" / "Assian_video_Z03_done.txt"
    gt.write_text(gt.read_text() + "12,34\n")
    with pytest.raises(FormatError) as err:
        load_tnl2k(annos, sequences=NAMES)
    assert (err.value.path, err.value.line) == (gt, 7)


def test_att_file_with_16_lines(toolkit: Path, tmp_path: Path) -> None:
    annos = shutil.copytree(toolkit, tmp_path / "annos")
    (annos / "att" / "Fight_video_6-Done_attribute.txt").write_text("0\n" * 16)
    with pytest.raises(FormatError, match="16 attribute flags"):
        load_tnl2k(annos, sequences=NAMES)


def test_unknown_layout(tmp_path: Path) -> None:
    (tmp_path / "train").mkdir()
    with pytest.raises(LayoutError, match="gt_rect"):
        load_tnl2k(tmp_path)


# ----------------------------------------------------------------------------- real data

needs_real = pytest.mark.skipif(
    not (REAL / "annotations").is_dir(), reason=f"real TNL2K annotations not at {REAL}"
)


@needs_real
def test_real_toolkit_annotations() -> None:
    ds = load_tnl2k(REAL)  # parent of the annotations folder
    with open(BENCH / "test_sequence_lengths.csv") as f:
        rows = list(csv.DictReader(f))
    assert ds.layout == "toolkit-annos" and len(ds) == 700
    assert ds.names == (BENCH / "testing_set.txt").read_text().split()
    assert {s.name: len(s) for s in ds} == {r["sequence"]: int(r["num_gt_lines"]) for r in rows}
    assert ds.num_frames == 516_038
    assert len(ds["advSamp_monitor_bikeyellow"]) == 929
    # protocols.md §5.3: 65,253 absent frames, all with zero-size boxes.
    absent = sum(int((~s.visible).sum()) for s in ds)
    assert absent == sum(int(r["num_absent_frames"]) for r in rows) == 65_253
    assert all(np.all(s.ground_truth[~s.visible, 2:] <= 0) for s in ds)
    with open(BENCH / "test_attributes.csv") as f:
        table = {r["sequence"]: {c for c in TNL2K_CODES if r[c] == "1"} for r in csv.DictReader(f)}
    assert {s.name: set(s.attributes) for s in ds} == table
