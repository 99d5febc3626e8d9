"""Tests for odtrack_eval.results: layout discovery, name matching, loading and validation."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odtrack_eval.backend import Backend
from odtrack_eval.errors import FormatError, LayoutError, ResultsError
from odtrack_eval.results import (
    Finding,
    discover_trackers,
    load_run,
    load_tracker,
    raise_for_findings,
    validate,
    validate_run,
)
from odtrack_eval.sequence import Dataset, Sequence, canonical_name
from odtrack_eval.textio import parse_tables, read_table
from tests._shared import SHARED

REAL = SHARED / "data" / "real"
needs_shared = pytest.mark.skipif(not REAL.is_dir(), reason=f"shared data not found at {SHARED}")


def _dataset(names: list[str], lengths: int | list[int] = 3, tag: str = "otb") -> Dataset:
    lengths = [lengths] * len(names) if isinstance(lengths, int) else lengths
    seqs = [
        Sequence(n, np.tile([10.0, 20.0, 30.0, 40.0], (k, 1))) for n, k in zip(names, lengths, strict=True)
    ]
    return Dataset("toy", tag, seqs)


def _write(path: Path, rows: list[list[float]] | np.ndarray, sep: str = ",", eol: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(eol.join(sep.join(str(v) for v in row) for row in rows).encode() + eol.encode())
    return path


BOX = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]


# ---------------------------------------------------------------------------------------------
# Discovery


def test_pytracking_single_param_without_run_id(tmp_path):
    _write(tmp_path / "ATOM" / "default" / "Basketball.txt", BOX, "\t")
    _write(tmp_path / "ATOM" / "default" / "Basketball_time.txt", [[0.1], [0.2], [0.3]])
    (entry,) = discover_trackers(tmp_path)
    assert (entry.name, entry.tracker, entry.param, entry.layout) == ("ATOM", "ATOM", "default", "pytracking")
    (run,) = entry.runs
    assert run.run_id is None
    assert dict(run.boxes) == {"Basketball": tmp_path / "ATOM" / "default" / "Basketball.txt"}
    assert run.time_file("Basketball") == tmp_path / "ATOM" / "default" / "Basketball_time.txt"


def test_run_ids_are_runs_of_one_entry_and_params_are_separate_entries(tmp_path):
    for folder in ("baseline_000", "baseline_001", "baseline_002", "large_000"):
        _write(tmp_path / "odtrack" / folder / "Bolt.txt", BOX)
    entries = discover_trackers(tmp_path)
    assert [e.name for e in entries] == ["odtrack/baseline", "odtrack/large"]
    assert [r.run_id for r in entries[0].runs] == [0, 1, 2]
    assert [r.run_id for r in entries[1].runs] == [0]
    assert entries[0].param == "baseline"


def test_odtrack_dataset_subfolders_are_chosen_by_tag_with_aliases(tmp_path):
    for ds in ("lasot", "lasot_extension_subset", "tnl2k"):
        for run in ("baseline_000", "baseline_001"):
            _write(tmp_path / "odtrack" / run / ds / f"{ds}-seq.txt", BOX, "\t")
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
    _write(tmp_path / "ostrack" / "vitb_384_mae_ce_32x4_ep300" / "got10k" / "GOT-10k_Test_000001.txt", BOX)
    _write(
        tmp_path / "ostrack" / "vitb_384_mae_ce_32x4_ep300" / "got10k" / "GOT-10k_Test_000001_time.txt", [[1]]
    )
    _write(tmp_path / "pysot" / "GOT-10k_Test_000001.txt", BOX)
    entries = discover_trackers(tmp_path)
    assert [e.name for e in entries] == ["ostrack", "pysot"]
    assert entries[0].runs[0].folder.name == "got10k"
    assert list(entries[0].runs[0].boxes) == ["GOT-10k_Test_000001"]
    # with a tag for another dataset, the ostrack entry has nothing to offer; the flat one cannot tell
    assert [e.name for e in discover_trackers(tmp_path, "lasot")] == ["pysot"]


def test_flat_layout_with_times_folder_and_side_files_ignored(tmp_path):
    t = tmp_path / "SiamFC"
    _write(t / "Jogging_1.txt", BOX)
    _write(t / "times" / "Jogging_1_time.txt", [[0.1], [0.2], [0.3]])
    for junk in (
        "Jogging_1_all_boxes.txt",
        "Jogging_1_all_scores.txt",
        "Jogging_1_object_presence_scores.txt",
    ):
        _write(t / junk, [[1, 2]])
    (t / "notes.md").write_text("hello")
    (t / "Jogging_1.mat").write_bytes(b"\0\1")
    (entry,) = discover_trackers(tmp_path)
    assert entry.layout == "flat" and entry.param is None
    assert dict(entry.runs[0].boxes) == {"Jogging_1": t / "Jogging_1.txt"}
    assert entry.runs[0].time_file("Jogging_1") == t / "times" / "Jogging_1_time.txt"


def test_matlab_tracking_result_suffix_is_stripped(tmp_path):
    _write(tmp_path / "ATOM_tracking_result" / "airplane-1.txt", BOX)
    (entry,) = discover_trackers(tmp_path)
    assert entry.name == "ATOM" and entry.layout == "matlab"


def test_same_tracker_in_two_layouts_is_an_error(tmp_path):
    _write(tmp_path / "ATOM_tracking_result" / "airplane-1.txt", BOX)
    _write(tmp_path / "ATOM" / "airplane-1.txt", BOX)
    with pytest.raises(LayoutError, match="ATOM"):
        discover_trackers(tmp_path)


def test_got10k_repetition_layout(tmp_path):
    for seq in ("GOT-10k_Val_000001", "GOT-10k_Val_000002"):
        for rep in (1, 2, 3):
            _write(tmp_path / "SiamFC" / seq / f"{seq}_{rep:03d}.txt", BOX)
    (entry,) = discover_trackers(tmp_path)
    assert entry.layout == "got10k"
    assert [r.run_id for r in entry.runs] == [1, 2, 3]
    assert sorted(entry.runs[2].boxes) == ["GOT-10k_Val_000001", "GOT-10k_Val_000002"]


def test_root_that_is_a_tracker_folder_or_empty_is_explained(tmp_path):
    with pytest.raises(LayoutError, match="not found"):
        discover_trackers(tmp_path / "nope")
    with pytest.raises(LayoutError, match="found no tracker results"):
        discover_trackers(tmp_path)
    _write(tmp_path / "Basketball.txt", BOX)
    with pytest.raises(LayoutError, match="one tracker's folder"):
        discover_trackers(tmp_path)


def test_bare_param_and_run_folders_of_one_param_are_ambiguous(tmp_path):
    _write(tmp_path / "T" / "default" / "a.txt", BOX)
    _write(tmp_path / "T" / "default_000" / "a.txt", BOX)
    with pytest.raises(LayoutError, match="default_000"):
        discover_trackers(tmp_path)


# ---------------------------------------------------------------------------------------------
# Name matching


@pytest.mark.parametrize(
    "spelling", ["Jogging_1", "Jogging-1", "jogging-1", "Jogging.1", "Jogging1", "JOGGING_1"]
)
def test_names_match_across_styles(tmp_path, spelling):
    _write(tmp_path / "T" / f"{spelling}.txt", BOX)
    (entry,) = discover_trackers(tmp_path)
    result = load_run(entry.runs[0], _dataset(["Jogging_1"]))
    assert list(result.boxes) == ["Jogging_1"]
    np.testing.assert_array_equal(result.boxes["Jogging_1"], BOX)


def test_two_files_for_one_sequence_is_an_error_naming_both(tmp_path):
    _write(tmp_path / "T" / "Jogging_1.txt", BOX)
    _write(tmp_path / "T" / "jogging-1.txt", BOX)
    (entry,) = discover_trackers(tmp_path)
    with pytest.raises(ResultsError) as err:
        load_run(entry.runs[0], _dataset(["Jogging_1"]))
    assert "Jogging_1.txt" in str(err.value) and "jogging-1.txt" in str(err.value)


def test_exact_names_win_when_dataset_names_collide_canonically(tmp_path):
    # TNL2K really has both of these sequences.
    names = ["SuperMan_video_01-Done", "SuperMan_video_01_done"]
    _write(tmp_path / "T" / "SuperMan_video_01-Done.txt", BOX)
    _write(tmp_path / "T" / "SuperMan_video_01_done.txt", np.array(BOX) + 100)
    (entry,) = discover_trackers(tmp_path)
    result = load_run(entry.runs[0], _dataset(names))
    np.testing.assert_array_equal(result.boxes[names[0]], BOX)
    np.testing.assert_array_equal(result.boxes[names[1]], np.array(BOX) + 100)
    # ...and one sequence's file is never taken for the other one
    (tmp_path / "T" / "SuperMan_video_01-Done.txt").unlink()
    (entry,) = discover_trackers(tmp_path)
    result = load_run(entry.runs[0], _dataset(names), allow_missing=True)
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
# Loading


def test_load_run_returns_float64_boxes_in_dataset_order_with_times(tmp_path):
    _write(tmp_path / "T" / "p" / "b.txt", BOX, "\t")
    _write(tmp_path / "T" / "p" / "a.txt", [[1.5, 2.25, 3, 4]] * 3, ",", "\r\n")
    _write(tmp_path / "T" / "p" / "a_time.txt", [[0.5], [0.25], [0.125]])
    (entry,) = discover_trackers(tmp_path)
    (result,) = load_tracker(entry, _dataset(["b", "a"]))
    assert list(result.boxes) == ["b", "a"]
    assert result.boxes["a"].dtype == np.float64 and result.boxes["a"].shape == (3, 4)
    np.testing.assert_array_equal(result.boxes["a"], [[1.5, 2.25, 3, 4]] * 3)
    assert list(result.times) == ["a"]
    np.testing.assert_array_equal(result.times["a"], [0.5, 0.25, 0.125])
    assert result.paths["b"] == tmp_path / "T" / "p" / "b.txt"


def test_missing_sequences_are_listed_first_ten_and_count(tmp_path):
    _write(tmp_path / "T" / "seq00.txt", BOX)
    names = [f"seq{i:02d}" for i in range(15)]
    (entry,) = discover_trackers(tmp_path)
    with pytest.raises(ResultsError) as err:
        load_run(entry.runs[0], _dataset(names))
    msg = str(err.value)
    assert "14 of 15" in msg and "seq01" in msg and "seq10" in msg and "seq11" not in msg and "4 more" in msg
    result = load_run(entry.runs[0], _dataset(names), allow_missing=True)
    assert list(result.boxes) == ["seq00"] and result.missing == tuple(names[1:])


def test_malformed_file_error_names_file_and_line(tmp_path, both_paths):
    good = [_write(tmp_path / f"g{i}.txt", BOX) for i in range(3)]
    bad = _write(tmp_path / "bad.txt", [[1, 2, 3, 4], [1, 2, 3]])
    with pytest.raises(FormatError) as err:
        parse_tables([p.read_bytes() for p in [*good, bad]], [*good, bad], backend=Backend(both_paths))
    assert err.value.path == bad and err.value.line == 2
    bad.write_bytes(b"1,2,3,4\n1,2,x,4\n")
    with pytest.raises(FormatError) as err:
        parse_tables([p.read_bytes() for p in [*good, bad]], [*good, bad], backend=Backend(both_paths))
    assert err.value.path == bad and err.value.line == 2 and "'x'" in str(err.value)


def test_unusual_but_valid_files_parse_like_parse_table(tmp_path, both_paths):
    # Each of these leaves the batched fast path; the result must not change.
    blobs = [
        b"1,2,3,4\n\n5,6,7,8\n",  # blank line inside
        b"1 2 3 4\n5  6  7  8\n",  # spaces
        b"1;2;3;4\n",  # semicolons
        b"nan,nan,nan,nan\n1,2,3,4\n",  # NaN row (a validation finding, not a format error)
        b"1,2,3,4\n5,6,7,8\n\n\n",  # trailing blank lines
        b"",  # empty
        b"1\t2\t3\t4\r\n5\t6\t7\t8\r\n",  # tabs + CRLF
    ]
    paths = [tmp_path / f"f{i}.txt" for i in range(len(blobs))]
    out = parse_tables(blobs, paths, backend=Backend(both_paths))
    np.testing.assert_array_equal(out[0], [[1, 2, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_array_equal(out[1], [[1, 2, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_array_equal(out[2], [[1, 2, 3, 4]])
    assert np.isnan(out[3][0]).all() and out[3][1].tolist() == [1, 2, 3, 4]
    assert out[4].shape == (2, 4) and out[5].shape == (0, 4)
    np.testing.assert_array_equal(out[6], [[1, 2, 3, 4], [5, 6, 7, 8]])


def test_clean_files_never_reach_the_reference_parser_on_the_compiled_backend(tmp_path, monkeypatch):
    """Speed guard: what trackers write (comma/tab/space separated numbers, CRLF, blank lines) is parsed
    by the compiled parser; the slow reference parser is only for files it cannot vouch for."""
    pytest.importorskip("numba", reason="the compiled parser needs numba")
    import odtrack_eval.textio as textio

    def slow(*args, **kwargs):
        raise AssertionError("reference parser used for a clean file")

    monkeypatch.setattr(textio, "parse_table_reference", slow)
    blobs = [b"1,2,3,4\n5,6,7,8\n", b"1\t2\t3\t4\r\n", b"1.5,-2e3,3,4", b"9,9,9,9\n\n", b"1 2 3 4\n",
             b"368.3008576266198,105.3873217240192,42.641263809619815,14.51975943187873\n"]  # fmt: skip
    out = parse_tables(blobs, [tmp_path / f"{i}.txt" for i in range(len(blobs))], backend=Backend.COMPILED)
    assert [a.shape for a in out] == [(2, 4), (1, 4), (1, 4), (1, 4), (1, 4), (1, 4)]
    assert out[2].tolist() == [[1.5, -2000.0, 3.0, 4.0]]
    assert out[5].tolist() == [[368.3008576266198, 105.3873217240192, 42.641263809619815, 14.51975943187873]]


_value = st.one_of(
    st.integers(-100000, 100000).map(float),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.decimals(-10000, 10000, places=3, allow_nan=False, allow_infinity=False).map(float),
)
_boxes = st.lists(st.lists(_value, min_size=4, max_size=4), min_size=1, max_size=20)


@pytest.mark.parametrize("backend", list(Backend))
@settings(max_examples=60, deadline=None)
@given(
    files=st.lists(
        st.tuples(
            _boxes, st.sampled_from([",", "\t", " ", ";"]), st.sampled_from(["\n", "\r\n"]), st.booleans()
        ),
        min_size=1,
        max_size=5,
    )
)
def test_parser_round_trip_is_exact(backend, files):
    blobs, expected = [], []
    for rows, sep, eol, as_int in files:
        fmt = (lambda v: str(int(v))) if as_int else repr
        rows = [[float(int(v)) for v in r] for r in rows] if as_int else rows
        blobs.append(eol.join(sep.join(fmt(v) for v in r) for r in rows).encode() + eol.encode())
        expected.append(np.array(rows, dtype=np.float64))
    out = parse_tables(blobs, [Path(f"f{i}.txt") for i in range(len(blobs))], backend=backend)
    for got, want in zip(out, expected, strict=True):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------------------------------------
# Validation

GT = np.array([[10, 20, 30, 40]] * 10, dtype=np.float64) + np.arange(10)[:, None]


def _kinds(findings: list[Finding]) -> list[str]:
    return [f.kind for f in findings]


def test_clean_file_has_no_findings():
    assert validate(GT + 1, GT, "r.txt") == []


@pytest.mark.parametrize("rows,side", [(7, "shorter"), (12, "longer")])
def test_length_mismatch_reports_both_lengths(rows, side):
    boxes = np.resize(GT, (rows, 4))
    (f,) = validate(boxes, GT, "r.txt")
    assert (
        f.kind == "length_mismatch"
        and f"{rows} rows" in f.message
        and "has 10" in f.message
        and side in f.message
    )


def test_nan_rows_count_and_first_lines():
    boxes = GT.copy()
    boxes[[2, 5, 6], 1] = np.nan
    (f,) = validate(boxes, GT, "r.txt")
    assert f.kind == "nan_rows" and f.count == 3 and f.line == 3 and "lines 3, 6, 7" in f.message
    assert str(f).startswith("r.txt:3: ")


def test_negative_and_zero_sizes():
    boxes = GT.copy()
    boxes[4, 2] = -1
    boxes[6, 3] = -2
    boxes[[1, 8], 2] = 0
    findings = validate(boxes, GT, "r.txt")
    assert _kinds(findings) == ["negative_size", "zero_size"]
    neg, zero = findings
    assert neg.line == 5 and neg.count == 2 and zero.count == 2 and zero.line == 2


def test_corner_boxes_are_recognised_and_xywh_is_not():
    rng = np.random.default_rng(1)
    gt = np.column_stack(
        [rng.uniform(100, 400, 50), rng.uniform(100, 300, 50), np.full(50, 40.0), np.full(50, 60.0)]
    )
    pred = gt + rng.normal(0, 2, gt.shape)
    corners = pred.copy()
    corners[:, 2:] += corners[:, :2]
    assert "looks_like_corners" not in _kinds(validate(pred, gt, "xywh.txt"))
    (f,) = validate(corners, gt, "corners.txt")
    assert f.kind == "looks_like_corners" and "x2,y2" in f.message
    # a box near the image origin reads the same both ways: no evidence, no finding
    near = np.column_stack([np.full(50, 1.0), np.full(50, 1.0), gt[:, 2:]]) + rng.normal(0, 0.1, (50, 4))
    near_c = near.copy()
    near_c[:, 2:] += near_c[:, :2]
    assert "looks_like_corners" not in _kinds(validate(near_c, near, "near.txt"))


def test_raise_for_findings_is_readable_and_filters_kinds():
    boxes = GT.copy()
    boxes[3] = np.nan
    boxes[7, 2] = 0
    findings = validate(boxes, GT, Path("x/r.txt"))
    raise_for_findings(findings, fatal={"negative_size"})  # nothing fatal
    with pytest.raises(ResultsError) as err:
        raise_for_findings(findings, fatal={"nan_rows", "zero_size"})
    lines = str(err.value).splitlines()
    assert lines[0] == "2 problem(s) in 1 result file(s):"
    assert lines[1].startswith(f"  {Path('x/r.txt')}:4: 1 rows contain NaN") and lines[1].endswith(
        "[nan_rows]"
    )
    assert "[zero_size]" in lines[2]


def test_validate_run_uses_each_sequence_ground_truth(tmp_path):
    _write(tmp_path / "T" / "a.txt", BOX)
    _write(tmp_path / "T" / "b.txt", BOX[:2])
    (entry,) = discover_trackers(tmp_path)
    ds = _dataset(["a", "b"])
    run = load_run(entry.runs[0], ds)
    findings = validate_run(list(run.boxes.values()), [ds[n].ground_truth for n in run.boxes], list(run.paths.values()))
    assert [(f.kind, f.path.name) for f in findings] == [("length_mismatch", "b.txt")]


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
    result = load_run(entry.runs[0], _dataset(names))
    assert result.missing == () and list(result.boxes) == names
    assert result.paths["Human4_2"].name == "Human4_2.txt"
    assert result.boxes["Basketball"][1].tolist() == [197.557, 214.443, 34.0, 81.0]


def _real_pairs():
    """(result file, ground truth) for the 760 real result files, GT aligned as the README says."""
    gts: dict[str, np.ndarray] = {}
    for name in (REAL / "lasot" / "annotations" / "testing_set.txt").read_text().split():
        gts[canonical_name(name)] = read_table(REAL / "lasot" / "annotations" / f"{name}.txt")
    annos = {canonical_name(p.stem): p for p in (REAL / "otb100" / "annotations").glob("*.txt")}
    with open(REAL / "otb100" / "alignment.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            anno = read_table(annos[canonical_name(row["seq"])])
            start = int(row["startFrame"]) - int(row["annoBegin"])
            gts[canonical_name(row["seq"])] = anno[start : start + int(row["len"])]
    for folder in sorted((REAL / "lasot" / "results").iterdir()) + sorted(
        (REAL / "otb100" / "results").iterdir()
    ):
        for path in sorted(folder.glob("*.txt")):
            yield path, gts[canonical_name(path.stem)]


@needs_shared
def test_corner_heuristic_on_real_results():
    pairs = list(_real_pairs())
    assert len(pairs) == 760
    fired_on_real, fired_on_converted = [], 0
    for path, gt in pairs:
        boxes = read_table(path)
        if "looks_like_corners" in _kinds(validate(boxes, gt, path)):
            fired_on_real.append(path)
        corners = boxes.copy()
        corners[:, 2:] += corners[:, :2]
        fired_on_converted += "looks_like_corners" in _kinds(validate(corners, gt, path))
    assert fired_on_real == []
    # The same files written as corners are caught, except where the tracker is lost from the start.
    assert fired_on_converted >= 0.9 * len(pairs)
