"""``--tracker`` selectors: NAME, or TRACKER:PARAM[:RUNS[:LABEL]] (pytracking's trackerlist in one string).

Expected scores come from evaluating a results folder that holds only the selected run folders, so a
selector must give exactly what a user gets by moving the other folders away.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.errors import ResultsError
from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.protocols import get_protocol
from odtrack_eval.results.selection import parse_selector
from odtrack_eval.sequence import Dataset, Sequence

PROTOCOL = get_protocol("odtrack")


def _write_run(root: Path, folder: str, ds: Dataset, rng: np.random.Generator, noise: float) -> None:
    out = root / "odtrack" / folder / "otb"
    out.mkdir(parents=True)
    for s in ds:
        boxes = s.ground_truth.copy()
        boxes[:, :2] += rng.normal(0, noise, (len(boxes), 2))  # shifted, sizes kept valid
        np.savetxt(out / f"{s.name}.txt", boxes, fmt="%.2f", delimiter="\t")


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Dataset, Path]:
    rng = np.random.default_rng(3)
    seqs = [Sequence(f"seq{i}", np.c_[rng.uniform(20, 80, (30, 2)), rng.uniform(15, 40, (30, 2))]) for i in range(4)]
    ds = Dataset("toy", "otb", seqs)
    root = tmp_path / "results"
    _write_run(root, "baseline_100", ds, rng, 8.0)  # ODTrack layout: _NNN is the checkpoint epoch
    _write_run(root, "baseline_300", ds, rng, 2.0)
    _write_run(root, "large_300", ds, rng, 1.0)
    return ds, root


def _only(root: Path, tmp: Path, *folders: str) -> Path:
    out = tmp / "only" / "-".join(folders) / "odtrack"
    for f in folders:
        shutil.copytree(root / "odtrack" / f, out / f)
    return out.parent


def test_selector_equals_moving_the_other_runs_away(layout, tmp_path: Path) -> None:
    ds, root = layout
    ev = evaluate_folder(ds, root, PROTOCOL, trackers=["odtrack:baseline:300:ODTrack-B", "odtrack:large:300"])
    assert [r.tracker for r in ev.results] == ["ODTrack-B", "odtrack/large:300"]
    alone = evaluate_folder(ds, _only(root, tmp_path, "baseline_300"), PROTOCOL)
    assert ev.results[0].scores() == alone.results[0].scores()
    both = evaluate_folder(ds, root, PROTOCOL, trackers=["odtrack:baseline"])  # every run: averaged as repeats
    two = evaluate_folder(ds, _only(root, tmp_path, "baseline_100", "baseline_300"), PROTOCOL)
    assert both.results[0].tracker == "odtrack/baseline"
    assert both.results[0].scores() == two.results[0].scores() != ev.results[0].scores()
    assert both.warnings == [
        "odtrack/baseline: runs 100, 300 were averaged as repetitions; if they are checkpoint epochs, pick one "
        "with --tracker odtrack:baseline:300"
    ]
    assert ev.warnings == []
    ranged = evaluate_folder(ds, root, PROTOCOL, trackers=["odtrack:baseline:100-300"])
    assert ranged.results[0].scores() == two.results[0].scores()


def test_selector_errors_list_what_exists(layout) -> None:
    ds, root = layout
    with pytest.raises(ResultsError, match=r"odtrack has no parameter set 'tiny'; it has \['baseline', 'large'\]"):
        evaluate_folder(ds, root, PROTOCOL, trackers=["odtrack:tiny"])
    with pytest.raises(ResultsError, match=r"no run \[200\] of odtrack/baseline .*runs: \['100', '300'\]"):
        evaluate_folder(ds, root, PROTOCOL, trackers=["odtrack:baseline:200"])
    with pytest.raises(ResultsError, match=r"no run in the range of odtrack/baseline"):
        evaluate_folder(ds, root, PROTOCOL, trackers=["odtrack:baseline:101-299"])
    with pytest.raises(ResultsError, match="used twice"):
        evaluate_folder(ds, root, PROTOCOL, trackers=["odtrack:baseline:100:X", "odtrack:large::X"])
    with pytest.raises(ResultsError, match="no results for 'ostrack'"):
        evaluate_folder(ds, root, PROTOCOL, trackers=["ostrack"])


def test_parse_selector_forms() -> None:
    assert parse_selector("odtrack").param is None
    s = parse_selector("odtrack:baseline:0,2,5-7:Ours")
    assert (s.name, s.param, s.runs, s.spans, s.label) == ("odtrack", "baseline", (0, 2), ((5, 7),), "Ours")
    assert [i for i in range(10) if s.picks(i)] == [0, 2, 5, 6, 7] and not s.picks(None)
    assert parse_selector("odtrack:baseline::Ours").runs is None
    assert parse_selector("odtrack:baseline:300:ODTrack: B").label == "ODTrack: B"
    for bad in ("odtrack:", ":baseline", "odtrack:baseline:x"):
        with pytest.raises(ResultsError):
            parse_selector(bad)


def test_discovery_looks_only_into_the_asked_for_trackers(tmp_path):
    """--tracker X reads only X's folder (so a broken neighbour does not stop it), and an unknown name
    still gets the message that lists every tracker found."""
    from odtrack_eval.errors import LayoutError
    from odtrack_eval.results.layout import discover_trackers
    from odtrack_eval.results.selection import tracker_folders

    ds = Dataset("toy", "otb", [Sequence("a", np.array([[10.0, 10, 20, 20]] * 3))])
    for name in ("good", "other"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.txt").write_text("10,10,20,20\n" * 3)
    assert tracker_folders(["good", "odtrack:baseline:300:B", "x/y"]) == {"good", "odtrack", "x"}
    assert tracker_folders(None) is None
    with pytest.raises(ResultsError, match="found: .*good.*other"):
        evaluate_folder(ds, tmp_path, get_protocol("odtrack"), trackers=["nope"], cache=False)
    # A parameter folder both with and without run ids: ambiguous, so discovering it fails.
    for run in ("base", "base_001"):
        (tmp_path / "broken" / run).mkdir(parents=True)
        (tmp_path / "broken" / run / "a.txt").write_text("1,1,1,1\n" * 3)
    with pytest.raises(LayoutError, match="broken"):
        discover_trackers(tmp_path, "otb")
    assert [e.name for e in discover_trackers(tmp_path, "otb", {"good"})] == ["good"]
    ev = evaluate_folder(ds, tmp_path, get_protocol("odtrack"), trackers=["good"], cache=False)
    assert [r.tracker for r in ev.results] == ["good"] and ev.results[0].scores()["auc"] > 90
