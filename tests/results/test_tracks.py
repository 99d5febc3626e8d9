"""The boxes pictures draw: every tracker's boxes for a few sequences, read as written, with what to say about
missing files and several runs; and the colour each shown tracker gets (the whole folder's report order)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from odtrack_eval.results.tracks import load_tracks
from tests.results._data import toy_dataset, write_rows


def test_boxes_as_written_and_notes(tmp_path: Path) -> None:
    ds = toy_dataset(["Basketball", "Car2"])
    write_rows(tmp_path / "beta" / "Basketball.txt", [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    write_rows(tmp_path / "beta" / "Car2.txt", [[0, 0, 5, 5]] * 3)
    write_rows(tmp_path / "alpha" / "Basketball.txt", [[1.5, 2, 3, 4]] * 4)  # one row too many: kept
    tracks = load_tracks(tmp_path, ds)
    assert sorted(tracks.trackers) == ["alpha", "beta"]
    np.testing.assert_array_equal(tracks.boxes["beta"]["Basketball"], [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    assert tracks.boxes["alpha"]["Basketball"].shape == (4, 4)
    assert list(tracks.of("Car2")) == ["beta"]  # alpha has no file for it: left out, with a note
    assert any(n.startswith("alpha: no result file for Car2") for n in tracks.notes)


def test_several_runs_show_the_first_and_say_so(tmp_path: Path) -> None:
    ds = toy_dataset(["Car2"])
    write_rows(tmp_path / "odtrack" / "baseline_000" / "Car2.txt", [[1, 1, 1, 1]] * 3)
    write_rows(tmp_path / "odtrack" / "baseline_001" / "Car2.txt", [[2, 2, 2, 2]] * 3)
    tracks = load_tracks(tmp_path, ds)
    (name,) = tracks.trackers
    assert tracks.boxes[name]["Car2"][0, 0] == 1
    assert any("2 runs; showing run 0" in n for n in tracks.notes)


def test_colours_follow_the_whole_folder(tmp_path: Path) -> None:
    from odtrack_eval.report.overlay import styles_of

    ds = toy_dataset(["Car2"])
    for name in ("gamma", "Alpha", "beta"):
        write_rows(tmp_path / name / "Car2.txt", [[1, 1, 1, 1]] * 3)
    tracks = load_tracks(tmp_path, ds, ["gamma"])
    assert tracks.trackers == ["gamma"]
    # the report of the folder orders Alpha, beta, gamma (by name, case-insensitive): gamma is the third
    # Okabe-Ito colour, bluish green, also when it is shown alone
    assert styles_of(tracks)["gamma"].color == "#009E73"
    # with an evaluation's order given, that order counts
    assert styles_of(tracks, ["gamma", "zeta"])["gamma"].color == "#0072B2"
