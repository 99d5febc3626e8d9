"""results/layout.py: layout discovery and matching file names to sequence names (every style)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from odtrack_eval.errors import LayoutError, ResultsError
from odtrack_eval.results import (
    discover_trackers,
    load_run,
)
from odtrack_eval.sequence import canonical_name
from tests._shared import SHARED
from tests.results._data import BOX, REAL, needs_shared, toy_dataset, write_rows

# ---------------------------------------------------------------------------------------------
# Discovery


def test_pytracking_single_param_without_run_id(tmp_path):
    write_rows(tmp_path / "ATOM" / "default" / "Basketball.txt", BOX, "\t")
    write_rows(tmp_path / "ATOM" / "default" / "Basketball_time.txt", [[0.1], [0.2], [0.3]])
    (entry,) = discover_trackers(tmp_path)
    assert (entry.name, entry.tracker, entry.param, entry.layout) == ("ATOM", "ATOM", "default", "pytracking")
    (run,) = entry.runs
    assert run.run_id is None
    assert dict(run.boxes) == {"Basketball": tmp_path / "ATOM" / "default" / "Basketball.txt"}
    assert run.time_file("Basketball") == tmp_path / "ATOM" / "default" / "Basketball_time.txt"


def test_run_ids_are_runs_of_one_entry_and_params_are_separate_entries(tmp_path):
    for folder in ("baseline_000", "baseline_001", "baseline_002", "large_000"):
        write_rows(tmp_path / "odtrack" / folder / "Bolt.txt", BOX)
    entries = discover_trackers(tmp_path)
    assert [e.name for e in entries] == ["odtrack/baseline", "odtrack/large"]
    assert [r.run_id for r in entries[0].runs] == [0, 1, 2]
    assert [r.run_id for r in entries[1].runs] == [0]
    assert entries[0].param == "baseline"


def test_odtrack_dataset_subfolders_are_chosen_by_tag_with_aliases(tmp_path):
    for ds in ("lasot", "lasot_extension_subset", "tnl2k"):
        for run in ("baseline_000", "baseline_001"):
            write_rows(tmp_path / "odtrack" / run / ds / f"{ds}-seq.txt", BOX, "\t")
    (ext,) = discover_trackers(tmp_path, "lasot_ext")
    assert ext.layout == "odtrack"
    assert [r.folder.name for r in ext.runs] == ["lasot_extension_subset"] * 2
    assert list(ext.runs[1].boxes) == ["lasot_extension_subset-seq"]
    (lasot,) = discover_trackers(tmp_path, "lasot")
    assert list(lasot.runs[0].boxes) == ["lasot-seq"]
    with pytest.raises(LayoutError, match="several datasets"):
        discover_trackers(tmp_path)
    with pytest.raises(LayoutError, match="no tracker results for dataset 'otb'"):
        discover_trackers(tmp_path, "otb")


def test_single_dataset_subfolder_needs_no_tag_and_other_trackers_are_kept(tmp_path):
    write_rows(tmp_path / "ostrack" / "vitb_384_mae_ce_32x4_ep300" / "got10k" / "GOT-10k_Test_000001.txt", BOX)
    write_rows(
        tmp_path / "ostrack" / "vitb_384_mae_ce_32x4_ep300" / "got10k" / "GOT-10k_Test_000001_time.txt", [[1]]
    )
    write_rows(tmp_path / "pysot" / "GOT-10k_Test_000001.txt", BOX)
    entries = discover_trackers(tmp_path)
    assert [e.name for e in entries] == ["ostrack", "pysot"]
    assert entries[0].runs[0].folder.name == "got10k"
    assert list(entries[0].runs[0].boxes) == ["GOT-10k_Test_000001"]
    # with a tag for another dataset, the ostrack entry has nothing to offer; the flat one cannot tell
    assert [e.name for e in discover_trackers(tmp_path, "lasot")] == ["pysot"]


def test_flat_layout_with_times_folder_and_side_files_ignored(tmp_path):
    t = tmp_path / "SiamFC"
    write_rows(t / "Jogging_1.txt", BOX)
    write_rows(t / "times" / "Jogging_1_time.txt", [[0.1], [0.2], [0.3]])
    for junk in (
        "Jogging_1_all_boxes.txt",
        "Jogging_1_all_scores.txt",
        "Jogging_1_object_presence_scores.txt",
    ):
        write_rows(t / junk, [[1, 2]])
    (t / "notes.md").write_text("hello")
    (t / "Jogging_1.mat").write_bytes(b"\0\1")
    (entry,) = discover_trackers(tmp_path)
    assert entry.layout == "flat" and entry.param is None
    assert dict(entry.runs[0].boxes) == {"Jogging_1": t / "Jogging_1.txt"}
    assert entry.runs[0].time_file("Jogging_1") == t / "times" / "Jogging_1_time.txt"


def test_matlab_tracking_result_suffix_is_stripped(tmp_path):
    write_rows(tmp_path / "ATOM_tracking_result" / "airplane-1.txt", BOX)
    (entry,) = discover_trackers(tmp_path)
    assert entry.name == "ATOM" and entry.layout == "matlab"


def test_same_tracker_in_two_layouts_is_an_error(tmp_path):
    write_rows(tmp_path / "ATOM_tracking_result" / "airplane-1.txt", BOX)
    write_rows(tmp_path / "ATOM" / "airplane-1.txt", BOX)
    with pytest.raises(LayoutError, match="ATOM"):
        discover_trackers(tmp_path)


def test_got10k_repetition_layout(tmp_path):
    for seq in ("GOT-10k_Val_000001", "GOT-10k_Val_000002"):
        for rep in (1, 2, 3):
            write_rows(tmp_path / "SiamFC" / seq / f"{seq}_{rep:03d}.txt", BOX)
    (entry,) = discover_trackers(tmp_path)
    assert entry.layout == "got10k"
    assert [r.run_id for r in entry.runs] == [1, 2, 3]
    assert sorted(entry.runs[2].boxes) == ["GOT-10k_Val_000001", "GOT-10k_Val_000002"]


def test_root_that_is_a_tracker_folder_or_empty_is_explained(tmp_path):
    with pytest.raises(LayoutError, match="not found"):
        discover_trackers(tmp_path / "nope")
    with pytest.raises(LayoutError, match="found no tracker results"):
        discover_trackers(tmp_path)
    write_rows(tmp_path / "Basketball.txt", BOX)
    with pytest.raises(LayoutError, match="one tracker's folder"):
        discover_trackers(tmp_path)


def test_bare_param_and_run_folders_of_one_param_are_ambiguous(tmp_path):
    write_rows(tmp_path / "T" / "default" / "a.txt", BOX)
    write_rows(tmp_path / "T" / "default_000" / "a.txt", BOX)
    with pytest.raises(LayoutError, match="default_000"):
        discover_trackers(tmp_path)


# ---------------------------------------------------------------------------------------------
# Name matching


@pytest.mark.parametrize(
    "spelling", ["Jogging_1", "Jogging-1", "jogging-1", "Jogging.1", "Jogging1", "JOGGING_1"]
)
def test_names_match_across_styles(tmp_path, spelling):
    write_rows(tmp_path / "T" / f"{spelling}.txt", BOX)
    (entry,) = discover_trackers(tmp_path)
    result = load_run(entry.runs[0], toy_dataset(["Jogging_1"]))
    assert list(result.boxes) == ["Jogging_1"]
    np.testing.assert_array_equal(result.boxes["Jogging_1"], BOX)


def test_two_files_for_one_sequence_is_an_error_naming_both(tmp_path):
    write_rows(tmp_path / "T" / "Jogging_1.txt", BOX)
    write_rows(tmp_path / "T" / "jogging-1.txt", BOX)
    (entry,) = discover_trackers(tmp_path)
    with pytest.raises(ResultsError) as err:
        load_run(entry.runs[0], toy_dataset(["Jogging_1"]))
    assert "Jogging_1.txt" in str(err.value) and "jogging-1.txt" in str(err.value)


def test_exact_names_win_when_dataset_names_collide_canonically(tmp_path):
    # TNL2K really has both of these sequences.
    names = ["SuperMan_video_01-Done", "SuperMan_video_01_done"]
    write_rows(tmp_path / "T" / "SuperMan_video_01-Done.txt", BOX)
    write_rows(tmp_path / "T" / "SuperMan_video_01_done.txt", np.array(BOX) + 100)
    (entry,) = discover_trackers(tmp_path)
    result = load_run(entry.runs[0], toy_dataset(names))
    np.testing.assert_array_equal(result.boxes[names[0]], BOX)
    np.testing.assert_array_equal(result.boxes[names[1]], np.array(BOX) + 100)
    # ...and one sequence's file is never taken for the other one
    (tmp_path / "T" / "SuperMan_video_01-Done.txt").unlink()
    (entry,) = discover_trackers(tmp_path)
    result = load_run(entry.runs[0], toy_dataset(names), allow_missing=True)
    assert result.missing == ("SuperMan_video_01-Done",)


_segment = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=6
)


@given(
    st.lists(_segment, min_size=1, max_size=4),
    st.lists(st.sampled_from(["_", "-", ".", "", " "]), min_size=3),
)
def test_canonical_name_ignores_case_and_separators(parts, seps):
    a = "_".join(parts)
    b = "".join(p + seps[i % len(seps)] for i, p in enumerate(parts))
    assert canonical_name(a) == canonical_name(b.upper()) == canonical_name(b.lower())
    assert canonical_name(a) == "".join(parts).lower()


# ---------------------------------------------------------------------------------------------
# Real data


def _otb_names() -> list[str]:
    with open(SHARED / "data" / "benchmarks" / "otb100" / "sequences.csv", newline="") as f:
        return [row["name"] for row in csv.DictReader(f)]


@needs_shared
def test_real_otb_results_match_all_100_sequences_by_name(tmp_path):
    names = _otb_names()
    assert len(names) == 100 and {"Jogging_1", "Human4_2", "Skating2_1"} <= set(names)
    (entry,) = [e for e in discover_trackers(REAL / "otb100" / "results") if e.name == "SiamFC-3s"]
    result = load_run(entry.runs[0], toy_dataset(names))
    assert result.missing == () and list(result.boxes) == names
    assert result.paths["Human4_2"].name == "Human4_2.txt"
    assert result.boxes["Basketball"][1].tolist() == [197.557, 214.443, 34.0, 81.0]


