"""results/naming.py: what the runner writes is read back as what it is (boxes, times, scores, run folders)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from odtrack_eval.results import discover_trackers
from odtrack_eval.results.naming import is_box_file, parse_run_folder, run_folder
from odtrack_eval.runner.storage import results_dir, write_sequence


def test_files_the_runner_writes_are_read_as_what_they_are(tmp_path: Path) -> None:
    for run in (0, 1):
        folder = results_dir(tmp_path, "trk", "baseline", run, "otb")
        folder.mkdir(parents=True)
        boxes = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 5.0]])
        write_sequence(folder, "Basketball", boxes, np.array([0.1, 0.02]), np.array([1.0, 0.9]))
    (entry,) = discover_trackers(tmp_path, "otb")
    assert [r.run_id for r in entry.runs] == [0, 1]
    for run in entry.runs:
        assert list(run.boxes) == ["Basketball"]  # not Basketball_time, not Basketball_score
        assert list(run.times) == ["Basketball"]


def test_names() -> None:
    assert run_folder("baseline", 3) == "baseline_003" and run_folder("baseline", None) == "baseline"
    assert parse_run_folder("baseline_300") == ("baseline", 300) and parse_run_folder("baseline") is None
    assert is_box_file("Car2.txt") and is_box_file("car-2.TXT")
    assert not any(map(is_box_file, ["Car2_time.txt", "Car2_score.txt", ".Car2.txt", "Car2.bin", ".txt"]))
