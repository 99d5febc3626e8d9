"""results/validation.py: each finding (length, NaN, sizes, corners) on small arrays and on the 760 real files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.errors import ResultsError
from odtrack_eval.results import (
    Finding,
    discover_trackers,
    load_run,
    raise_for_findings,
    validate,
    validate_run,
)
from odtrack_eval.sequence import canonical_name
from odtrack_eval.textio import read_table
from tests.results._data import BOX, REAL, needs_shared, toy_dataset, write_rows

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
    write_rows(tmp_path / "T" / "a.txt", BOX)
    write_rows(tmp_path / "T" / "b.txt", BOX[:2])
    (entry,) = discover_trackers(tmp_path)
    ds = toy_dataset(["a", "b"])
    run = load_run(entry.runs[0], ds)
    findings = validate_run(list(run.boxes.values()), [ds[n].ground_truth for n in run.boxes], list(run.paths.values()))
    assert [(f.kind, f.path.name) for f in findings] == [("length_mismatch", "b.txt")]



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
