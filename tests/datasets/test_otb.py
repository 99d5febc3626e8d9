"""OTB-100 adapter on fixture copies of both layouts and on the real MATLAB-toolkit annotations.

Expected boxes are recomputed from the fixture's box formula, frame numbers and attribute sets
are quoted from shared/docs/datasets.md §6 and the official tables.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.datasets import load_dataset
from odtrack_eval.datasets.otb import load_otb100
from odtrack_eval.errors import FormatError, LayoutError
from tests._shared import SHARED
from tests.fixtures.otb import BY_NAME, SEQUENCES, box_row, write_distributed, write_toolkit

REAL_ANNO = SHARED / "data" / "real" / "otb100" / "annotations"
BENCH = SHARED / "data" / "benchmarks" / "otb100"

NAMES = [s.name for s in SEQUENCES]  # fixture order = sequences.csv order
OMIT = {"Tiger1": 5}
OTB_CODES = ["IV", "SV", "OCC", "DEF", "MB", "FM", "IPR", "OPR", "OV", "BC", "LR"]


@pytest.fixture(scope="module")
def distributed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_distributed(tmp_path_factory.mktemp("otb") / "OTB100")


@pytest.fixture(scope="module")
def anno(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toolkit(tmp_path_factory.mktemp("otb_toolkit") / "anno")


def _expected_gt(name: str) -> np.ndarray:
    seq = BY_NAME[name]
    return np.array([box_row(name, i) for i in range(OMIT.get(name, 0), seq.gt_rows)])


@pytest.mark.parametrize("which", ["distributed", "anno", "anno-parent"])
def test_both_layouts_give_the_same_boxes_order_and_attributes(
    which: str, distributed: Path, anno: Path
) -> None:
    root = {"distributed": distributed, "anno": anno, "anno-parent": anno.parent}[which]
    ds = load_otb100(root, sequences=NAMES)
    assert ds.tag == "otb" and ds.layout == ("distributed" if which == "distributed" else "toolkit-anno")
    assert ds.names == NAMES
    for name in NAMES:
        np.testing.assert_array_equal(ds[name].ground_truth, _expected_gt(name), err_msg=name)
        assert ds[name].visible is None
    assert len(ds["Tiger1"]) == 349 and ds["Tiger1"].extra["first_frame"] == 6
    assert len(ds["David"]) == 471 and ds["David"].extra["first_frame"] == 300
    # Attributes always from the shipped table: the fixture's att/ files are all ones / all zeros.
    assert ds["Human4_2"].attributes == {"IV", "SV", "OCC", "DEF"}
    assert ds["Tiger1"].attributes == {"IV", "OCC", "DEF", "MB", "FM", "IPR", "OPR"}
    assert list(ds.attribute_names) == OTB_CODES and ds.attribute_names["OPR"] == "Out-of-Plane Rotation"
    if which != "distributed":
        assert all(s.frames is None for s in ds)


def test_multi_target_folders_give_distinct_sequences(distributed: Path) -> None:
    ds = load_otb100(distributed, sequences=NAMES)
    assert not np.array_equal(ds["Jogging_1"].ground_truth, ds["Jogging_2"].ground_truth)
    assert not np.array_equal(ds["Skating2_1"].ground_truth, ds["Skating2_2"].ground_truth)
    assert (distributed / "Human4" / "groundtruth_rect.1.txt").stat().st_size == 0
    assert len(ds["Human4_2"]) == 667
    assert ds["Jogging_1"].frame_paths() == ds["Jogging_2"].frame_paths()


@pytest.mark.parametrize(
    ("name", "first", "last", "count"),
    [
        ("David", "David/img/0300.jpg", "David/img/0770.jpg", 471),
        ("BlurCar1", "BlurCar1/img/0247.jpg", "BlurCar1/img/0988.jpg", 742),
        ("Board", "Board/img/00001.jpg", "Board/img/00698.jpg", 698),
        ("Tiger1", "Tiger1/img/0006.jpg", "Tiger1/img/0354.jpg", 349),
        ("Football1", "Football1/img/0001.jpg", "Football1/img/0074.jpg", 74),
        ("Human4_2", "Human4/img/0001.jpg", "Human4/img/0667.jpg", 667),
    ],
)
def test_frame_ranges_from_the_table(distributed: Path, name: str, first: str, last: str, count: int) -> None:
    seq = load_otb100(distributed, sequences=[name])[name]
    paths = seq.frame_paths()
    assert (paths[0], paths[-1], len(paths), len(seq)) == (
        distributed / first,
        distributed / last,
        count,
        count,
    )
    assert all(p.is_file() for p in paths)


def test_other_spellings_resolve(distributed: Path) -> None:
    ds = load_otb100(distributed, sequences=["jogging-1", "Human4.2", "tiger1"])
    assert ds.names == ["Human4_2", "Jogging_1", "Tiger1"]
    assert ds["Jogging.1"] is ds["Jogging_1"] and ds["human4-2"] is ds["Human4_2"]


def test_loads_without_images(tmp_path: Path) -> None:
    root = write_distributed(tmp_path, ["David", "Board"], images=False)
    ds = load_otb100(root, sequences=["David", "Board"])
    assert ds.num_frames == 471 + 698
    assert ds["Board"].frame_paths()[-1].name == "00698.jpg"


def test_registry_alias(distributed: Path) -> None:
    assert load_dataset("otb", distributed, sequences=["Board"]).names == ["Board"]


def test_missing_sequences_listed_and_allow_missing(distributed: Path) -> None:
    with pytest.raises(LayoutError, match=r"89 of 100 sequences missing.*Biker"):
        load_otb100(distributed)
    with pytest.warns(UserWarning, match="89 of 100"):
        assert load_otb100(distributed, allow_missing=True).names == NAMES


# ----------------------------------------------------------------------------- bad input


def test_row_count_that_does_not_fit_the_frame_range_is_an_error(anno: Path, tmp_path: Path) -> None:
    bad = shutil.copytree(anno, tmp_path / "anno")
    david = bad / "david.txt"
    david.write_text("\n".join(david.read_text().splitlines()[:-1]) + "\n")
    with pytest.raises(FormatError, match=r"470 ground-truth rows.*471 rows") as err:
        load_otb100(bad, sequences=["David"])
    assert err.value.path == david


def test_malformed_line_names_file_and_line(anno: Path, tmp_path: Path) -> None:
    bad = shutil.copytree(anno, tmp_path / "anno")
    board = bad / "Board.txt"
    lines = board.read_text().splitlines()
    lines[9] = "57\t156\tx\t173"
    board.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError) as err:
        load_otb100(bad, sequences=["Board"])
    assert (err.value.path, err.value.line) == (board, 10)


def test_ambiguous_toolkit_names_are_an_error(anno: Path, tmp_path: Path) -> None:
    bad = shutil.copytree(anno, tmp_path / "anno")
    shutil.copy(bad / "tiger1.txt", bad / "Tiger1.txt")
    with pytest.raises(LayoutError, match="several files"):
        load_otb100(bad, sequences=["Tiger1"])


def test_unknown_layout(tmp_path: Path) -> None:
    (tmp_path / "Basketball").mkdir()
    with pytest.raises(LayoutError, match=r"toolkit-anno.*\n.*distributed"):
        load_otb100(tmp_path)


# ----------------------------------------------------------------------------- real data

needs_real = pytest.mark.skipif(
    not REAL_ANNO.is_dir(), reason=f"real OTB annotations not found at {REAL_ANNO}"
)


@needs_real
def test_real_anno_folder_has_100_sequences_consistent_with_the_table() -> None:
    ds = load_otb100(REAL_ANNO)
    with open(BENCH / "sequences.csv") as f:
        rows = list(csv.DictReader(f))
    assert ds.names == [r["name"] for r in rows] and len(ds) == 100
    assert {s.name: len(s) for s in ds} == {
        r["name"]: int(r["num_frames"]) - int(r["init_omit"]) for r in rows
    }
    assert len(ds["Tiger1"]) == 349
    first_tiger_row = (REAL_ANNO / "tiger1.txt").read_text().splitlines()[5]  # frame 6
    assert ds["Tiger1"].ground_truth[0].tolist() == [float(v) for v in first_tiger_row.split(",")]
    with open(BENCH / "attributes.csv") as f:
        table = {r["name"]: {c for c in OTB_CODES if r[c] == "1"} for r in csv.DictReader(f)}
    assert {s.name: set(s.attributes) for s in ds} == table
