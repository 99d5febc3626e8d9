"""LaSOT / LaSOT_ext adapters on fixture copies of both layouts and on the real toolkit annotations.

Expected values come from the fixture's own arrays, from the official lists/tables (quoted
literally here) or from measured facts in shared/docs (protocols.md §3.3), never from the
adapter.
"""

from __future__ import annotations

import csv
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.datasets import load_dataset
from odtrack_eval.datasets.lasot import load_lasot, load_lasot_ext
from odtrack_eval.errors import FormatError, LayoutError, UnknownNameError
from tests._shared import SHARED
from tests.fixtures.lasot import (
    LASOT_CODES,
    default_ext_sequences,
    default_test_sequences,
    write_distributed,
    write_toolkit,
)

REAL_ANNOS = SHARED / "data" / "real" / "lasot" / "annotations"
BENCH = SHARED / "data" / "benchmarks" / "lasot"

SEQS = {s.name: s for s in default_test_sequences()}
NAMES = list(SEQS)
TEST_ORDER = ["airplane-1", "basketball-1", "tiger-6", "monkey-17"]  # order in testing_set.txt
# Rows of the official attribute table (LaSOT toolkit annos/att, order IV,POC,DEF,...,ARC).
TABLE_ATTRS = {
    "airplane-1": {"POC", "ROT", "SV", "LR"},
    "basketball-1": {"BC", "SV", "FOC", "FM", "LR"},
    "tiger-6": {"POC", "DEF", "MB", "CM", "ROT", "BC", "SV", "ARC"},
    "monkey-17": {"DEF", "ROT", "SV", "FM", "OV", "ARC"},
}


@pytest.fixture(scope="module")
def distributed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_distributed(tmp_path_factory.mktemp("lasot") / "LaSOTBenchmark", list(SEQS.values()))


@pytest.fixture(scope="module")
def toolkit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toolkit(tmp_path_factory.mktemp("lasot_toolkit") / "annos", list(SEQS.values()))


# ----------------------------------------------------------------------------- distributed


def test_distributed_layout_tag_and_official_order(distributed: Path) -> None:
    ds = load_lasot(distributed, sequences=NAMES)
    assert (ds.tag, ds.layout, ds.name) == ("lasot", "distributed", "lasot")
    assert ds.names == TEST_ORDER


def test_distributed_boxes_and_visibility_from_both_flag_files(distributed: Path) -> None:
    ds = load_lasot(distributed, sequences=NAMES)
    for name, spec in SEQS.items():
        seq = ds[name]
        n = len(spec.gt)
        np.testing.assert_array_equal(seq.ground_truth, spec.gt.astype(float))
        np.testing.assert_array_equal(seq.visible, ~(spec.full_occlusion[:n] | spec.out_of_view[:n]))
    # airplane-1: occluded 3,4 and out of view 4,5,6 -> invisible 3..6; frame 6 keeps a real box.
    vis = ds["airplane-1"].visible
    assert list(np.flatnonzero(~vis)) == [3, 4, 5, 6]
    assert ds["airplane-1"].ground_truth[6].tolist() == SEQS["airplane-1"].gt[6].tolist() != [0, 0, 0, 0]
    assert ds["tiger-6"].ground_truth[5, 3] == -11 and ds["tiger-6"].visible[5]


def test_monkey17_frame_count_comes_from_ground_truth(distributed: Path) -> None:
    seq = load_lasot(distributed, sequences=["monkey-17"])["monkey-17"]
    folder = distributed / "monkey" / "monkey-17"
    assert len(list((folder / "img").iterdir())) == 14  # the video is longer than its annotation
    assert len(seq) == 10 and len(seq.frames) == 10 and seq.visible.shape == (10,)
    assert seq.frame_paths()[-1] == folder / "img" / "00000010.jpg"
    assert list(np.flatnonzero(~seq.visible)) == [9]  # flag 9 kept; flags 10..13 (beyond GT) dropped


def test_distributed_attributes_language_and_frames(distributed: Path) -> None:
    ds = load_lasot(distributed, sequences=NAMES)
    assert list(ds.attribute_names) == LASOT_CODES
    assert ds.attribute_names["ARC"] == "Aspect Ratio Change"
    for name, attrs in TABLE_ATTRS.items():
        assert ds[name].attributes == attrs
    assert ds["basketball-1"].extra["language"] == "Basketball Player In Red"  # case kept
    assert ds["basketball-1"].extra["class"] == "basketball"
    paths = ds["airplane-1"].frame_paths()
    assert paths[0] == distributed / "airplane" / "airplane-1" / "img" / "00000001.jpg"
    assert len(paths) == 12 and all(p.is_file() for p in paths)
    assert ds.filter("FOC").names == ["basketball-1"]


def test_root_may_be_parent_of_lasotbenchmark(distributed: Path) -> None:
    assert load_lasot(distributed.parent, sequences=NAMES).names == TEST_ORDER


def test_loads_without_any_image(tmp_path: Path) -> None:
    root = write_distributed(tmp_path, list(SEQS.values()), images=False)
    shutil.rmtree(root / "airplane" / "airplane-1" / "img")
    ds = load_lasot(root, sequences=NAMES)
    assert ds.num_frames == 12 + 7 + 9 + 10
    assert ds["airplane-1"].frame_paths()[2].name == "00000003.jpg"  # computed, never listed


def test_split_all_uses_all_dataset_order_and_bad_split_is_named(distributed: Path) -> None:
    ds = load_lasot(distributed, split="all", sequences=NAMES)
    assert ds.names == ["airplane-1", "basketball-1", "monkey-17", "tiger-6"]
    assert load_dataset("lasot_all", distributed, sequences=NAMES).names == ds.names
    with pytest.raises(UnknownNameError, match="split"):
        load_lasot(distributed, split="val")


def test_missing_sequences_are_listed(distributed: Path) -> None:
    with pytest.raises(LayoutError, match=r"276 of 280 sequences missing.*airplane-9"):
        load_lasot(distributed)


def test_allow_missing_drops_with_a_warning(distributed: Path) -> None:
    with pytest.warns(UserWarning, match="276 of 280"):
        ds = load_lasot(distributed, allow_missing=True)
    assert ds.names == TEST_ORDER


def test_unknown_sequence_name_is_rejected(distributed: Path) -> None:
    with pytest.raises(UnknownNameError, match="airplane-99"):
        load_lasot(distributed, sequences=["airplane-99"])


def test_registry_entry_loads_lasot(distributed: Path) -> None:
    assert load_dataset("lasot", distributed, sequences=["tiger-6"]).names == ["tiger-6"]


# ----------------------------------------------------------------------------- toolkit annos


@pytest.mark.parametrize("use_parent", [False, True])
def test_toolkit_layout_from_annos_or_its_parent(toolkit: Path, use_parent: bool) -> None:
    ds = load_lasot(toolkit.parent if use_parent else toolkit, sequences=NAMES)
    assert ds.layout == "toolkit-annos" and ds.names == TEST_ORDER
    for name, spec in SEQS.items():
        np.testing.assert_array_equal(ds[name].ground_truth, spec.gt.astype(float))
        np.testing.assert_array_equal(ds[name].visible, ~spec.absent)
        assert ds[name].frames is None
        assert ds[name].extra["language"] == spec.nlp
    assert ds["airplane-1"].attributes == {"IV"}  # from att/airplane-1.txt, not the shipped table


def test_toolkit_without_att_folder_uses_shipped_table(tmp_path: Path) -> None:
    annos = write_toolkit(tmp_path / "annos", list(SEQS.values()), with_att=False)
    ds = load_lasot(annos, sequences=NAMES)
    assert {n: set(ds[n].attributes) for n in NAMES} == TABLE_ATTRS


# ----------------------------------------------------------------------------- bad input


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_malformed_ground_truth_names_file_and_line(distributed: Path, tmp_path: Path) -> None:
    root = _copy(distributed, tmp_path / "bad")
    gt = root / "tiger" / "tiger-6" / "groundtruth.txt"
    lines = gt.read_text().splitlines()
    lines[2] = "1,2,3"
    gt.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError) as err:
        load_lasot(root, sequences=NAMES)
    assert err.value.path == gt and err.value.line == 3


def test_flag_file_shorter_than_ground_truth_is_an_error(distributed: Path, tmp_path: Path) -> None:
    root = _copy(distributed, tmp_path / "bad")
    flags = root / "airplane" / "airplane-1" / "out_of_view.txt"
    flags.write_text("0,0,0")
    with pytest.raises(FormatError, match="3 out-of-view flags for 12") as err:
        load_lasot(root, sequences=NAMES)
    assert err.value.path == flags


def test_non_binary_flag_is_an_error(distributed: Path, tmp_path: Path) -> None:
    root = _copy(distributed, tmp_path / "bad")
    (root / "airplane" / "airplane-1" / "full_occlusion.txt").write_text(",".join(["0"] * 11 + ["2"]))
    with pytest.raises(FormatError, match="full_occlusion.txt"):
        load_lasot(root, sequences=NAMES)


def test_empty_ground_truth_is_an_error(distributed: Path, tmp_path: Path) -> None:
    root = _copy(distributed, tmp_path / "bad")
    (root / "tiger" / "tiger-6" / "groundtruth.txt").write_text("")
    with pytest.raises(FormatError, match="empty"):
        load_lasot(root, sequences=NAMES)


def test_toolkit_missing_absent_file_is_a_clear_error(toolkit: Path, tmp_path: Path) -> None:
    annos = _copy(toolkit, tmp_path / "annos")
    (annos / "absent" / "basketball-1.txt").unlink()
    with pytest.raises(FormatError, match="absent-flag file missing") as err:
        load_lasot(annos, sequences=NAMES)
    assert err.value.path == annos / "absent" / "basketball-1.txt"


def test_toolkit_att_with_wrong_count_is_an_error(toolkit: Path, tmp_path: Path) -> None:
    annos = _copy(toolkit, tmp_path / "annos")
    (annos / "att" / "tiger-6.txt").write_text(",".join(["0"] * 13))
    with pytest.raises(FormatError, match="13 attribute flags"):
        load_lasot(annos, sequences=NAMES)


def test_unknown_layout_names_root_and_what_was_looked_for(tmp_path: Path) -> None:
    (tmp_path / "something").mkdir()
    with pytest.raises(LayoutError) as err:
        load_lasot(tmp_path)
    msg = str(err.value)
    assert str(tmp_path) in msg and "toolkit-annos" in msg and "groundtruth.txt" in msg


def test_missing_root_is_a_layout_error(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="does not exist"):
        load_lasot(tmp_path / "nope")


# ----------------------------------------------------------------------------- LaSOT_ext


def test_lasot_ext_distributed_order_and_no_attributes(tmp_path: Path) -> None:
    seqs = default_ext_sequences()
    root = write_distributed(tmp_path, seqs)
    ds = load_dataset("lasot_ext", root, sequences=[s.name for s in seqs])
    assert (ds.tag, ds.layout) == ("lasot_ext", "distributed")
    assert ds.names == ["atv-1", "cosplay-10", "cosplay-2"]  # official list: cosplay-10 before cosplay-2
    assert ds.attribute_names == {} and all(not s.attributes for s in ds)
    assert list(np.flatnonzero(~ds["cosplay-10"].visible)) == [1, 2]
    assert ds["cosplay-2"].frame_paths()[0] == root / "cosplay" / "cosplay-2" / "img" / "00000001.jpg"


def test_lasot_ext_toolkit_att_files_are_read_with_lasot_codes(tmp_path: Path) -> None:
    seqs = default_ext_sequences()
    seqs[1].att = [0] * 13 + [1]
    annos = write_toolkit(tmp_path / "annos", seqs)
    ds = load_lasot_ext(annos, sequences=[s.name for s in seqs])
    assert ds.layout == "toolkit-annos" and list(ds.attribute_names) == LASOT_CODES
    assert ds["atv-1"].attributes == {"ARC"}


def test_lasot_ext_missing_sequences_listed(tmp_path: Path) -> None:
    root = write_distributed(tmp_path, default_ext_sequences(), images=False)
    with pytest.raises(LayoutError, match="147 of 150"):
        load_lasot_ext(root)


# ----------------------------------------------------------------------------- real data

needs_real = pytest.mark.skipif(
    not REAL_ANNOS.is_dir(), reason=f"real LaSOT annotations not found at {REAL_ANNOS}"
)


@needs_real
def test_real_toolkit_annotations_match_official_lengths_and_absent_counts() -> None:
    start = time.perf_counter()
    ds = load_lasot(REAL_ANNOS)
    elapsed = time.perf_counter() - start
    with open(BENCH / "sequence_lengths.csv") as f:
        lengths = {
            r["sequence"]: int(r["num_frames_in_groundtruth"])
            for r in csv.DictReader(f)
            if r["split"] == "test"
        }
    order = (BENCH / "testing_set.txt").read_text().split()
    assert ds.layout == "toolkit-annos" and ds.names == order and len(ds) == 280
    assert {s.name: len(s) for s in ds} == lengths
    assert ds.num_frames == 685_360
    assert ds["monkey-17"].num_frames == 2260
    # protocols.md §3.3: 18,346 absent frames in 164 sequences; first frame never absent.
    assert sum(int((~s.visible).sum()) for s in ds) == 18_346
    assert sum(bool((~s.visible).any()) for s in ds) == 164
    assert all(s.visible[0] for s in ds)
    assert ds["airplane-1"].extra["language"] == "white airplane landing on ground"
    assert elapsed < 2.0, f"loading 280 LaSOT annotation sets took {elapsed:.2f} s"


@needs_real
def test_real_att_files_equal_the_shipped_table() -> None:
    ds = load_lasot(REAL_ANNOS.parent)  # parent of the annos folder
    with open(BENCH / "attributes.csv") as f:
        table = {r["sequence"]: {c for c in LASOT_CODES if r[c] == "1"} for r in csv.DictReader(f)}
    assert all(set(s.attributes) == table[s.name] for s in ds)
    assert len(ds.filter("FOC")) == sum("FOC" in table[n] for n in ds.names) > 0
