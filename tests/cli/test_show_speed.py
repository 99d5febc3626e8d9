"""`odtrack-eval show speed` and the report's speed section (issue 17) on real OTB100 results with generated
time files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from odtrack_eval.cli import _load_commands, app
from odtrack_eval.datasets import load_dataset
from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.protocols import get_protocol
from odtrack_eval.report import plots
from odtrack_eval.report import speed as speed_report
from odtrack_eval.report.speed_plot import speed_points
from tests._report_data import RESULTS, ROOTS
from tests._shared import require_shared


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ODTrack-B (a copy of SiamFC-3s, 30 ms per frame, no manifest: its parameters come from the paper's
    Table 1), SiamFC-3s (10 ms, a manifest with a profile of 2.3M parameters), static (a baseline, 1 us) and
    cfnet-conv2 without time files."""
    require_shared("data", "real", "otb100", "results")
    res = tmp_path_factory.mktemp("speed") / "results"
    for name, source, seconds in (("ODTrack-B", "SiamFC-3s", 0.03), ("SiamFC-3s", "SiamFC-3s", 0.01),
                                  ("static", "cfnet-conv2", 1e-6), ("cfnet-conv2", "cfnet-conv2", None)):  # fmt: skip
        shutil.copytree(RESULTS["otb100"] / source, res / name)
        if seconds is not None:
            for f in sorted((res / name).glob("*.txt")):
                n = len(f.read_text().splitlines())
                (f.parent / f"{f.stem}_time.txt").write_text(f"{seconds}\n" * n)
    manifest = {"format": "odtrack-eval run manifest 1", "tracker": {"name": "SiamFC-3s", "parameters": {}},
                "sessions": [{"status": "complete", "devices": ["cpu"], "profile": {"parameters": 2_300_000}}]}
    (res / "SiamFC-3s" / "run_manifest.json").write_text(json.dumps(manifest))  # fmt: skip
    return res


def test_points_have_speed_accuracy_and_parameters_where_known(results: Path) -> None:
    ev = evaluate_folder(load_dataset("otb100", ROOTS["otb100"]), results, get_protocol("odtrack"), cache=False)
    timings = speed_report.timings(ev, results)
    points, left_out = speed_points(ev, timings, speed_report.baseline_trackers(ev, timings))
    by_name = {p.tracker: p for p in points}
    assert left_out == ["cfnet-conv2"]
    assert by_name["ODTrack-B"].fps == pytest.approx(1 / 0.03) and by_name["ODTrack-B"].params_m == 92
    assert by_name["ODTrack-B"].params_source == "published"
    assert by_name["SiamFC-3s"].params_m == pytest.approx(2.3) and by_name["SiamFC-3s"].params_source == "profile"
    assert by_name["static"].baseline and by_name["static"].params_m is None
    assert by_name["SiamFC-3s"].accuracy == pytest.approx(ev.results[[r.tracker for r in ev.results].index(
        "SiamFC-3s")].scores()["auc"])  # fmt: skip


def _has_colour(png: Path, hex_colour: str, tolerance: int = 12) -> bool:
    import matplotlib.image

    pixels = (matplotlib.image.imread(png)[..., :3] * 255).astype(int)
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return bool((np.abs(pixels - rgb).max(axis=-1) <= tolerance).any())


def test_show_speed_draws_every_timed_tracker_in_its_curve_colour(results: Path, tmp_path: Path) -> None:
    _load_commands()
    out = tmp_path / "speed.png"
    done = CliRunner().invoke(app, ["show", "speed", "-d", "otb100", "--root", str(ROOTS["otb100"]), "-r",
                                    str(results), "-o", str(out)])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "left out (no time files, or no finite FPS): cfnet-conv2" in done.output
    styles = plots.tracker_styles(sorted(["ODTrack-B", "SiamFC-3s", "cfnet-conv2", "static"], key=str.lower))
    for name in ("ODTrack-B", "SiamFC-3s", "static"):
        assert _has_colour(out, styles[name].color), name
    assert not _has_colour(out, styles["cfnet-conv2"].color)


def test_show_speed_errors_in_cli_words(results: Path, tmp_path: Path) -> None:
    _load_commands()
    bad = CliRunner().invoke(app, ["show", "speed", "-d", "otb100", "--root", str(ROOTS["otb100"]), "-r",
                                   str(results), "-o", str(tmp_path / "x.gif")])  # fmt: skip
    assert bad.exit_code != 0 and "expected a file name ending in .png or .pdf" in str(bad.exception)
    none = CliRunner().invoke(app, ["show", "speed", "-d", "otb100", "--root", str(ROOTS["otb100"]), "-r",
                                    str(results), "-t", "cfnet-conv2", "-o", str(tmp_path / "x.png")])  # fmt: skip
    assert none.exit_code != 0 and "no tracker" in str(none.exception)


def test_the_report_has_a_speed_section_only_with_time_files(results: Path, tmp_path: Path) -> None:
    from odtrack_eval.report.build import build_report

    ds = load_dataset("otb100", ROOTS["otb100"])
    ev = evaluate_folder(ds, results, get_protocol("odtrack"), cache=False)
    files = build_report(ev, tmp_path / "with", results)
    assert "speed" in files.tables and files.figures["speed_accuracy"]["png"].is_file()
    assert "Speed (from the _time.txt files)" in files.index.read_text()
    plain = evaluate_folder(ds, RESULTS["otb100"], get_protocol("odtrack"), cache=False)
    files = build_report(plain, tmp_path / "without", RESULTS["otb100"])
    assert "speed" not in files.tables and "speed_accuracy" not in files.figures


def test_parameters_come_from_the_recorded_definition_not_a_name_prefix(tmp_path: Path) -> None:
    """A run of odtrack-l384 is sized by ODTrack-L's own count (`trackers info`), not ODTrack-B's 92M; a
    folder merely called `odtrack` gets no published count."""
    pytest.importorskip("torch")
    from odtrack_eval.trackers.odtrack.config import get_config
    from odtrack_eval.trackers.odtrack.model import parameter_counts

    require_shared("data", "real", "otb100", "results")
    res = tmp_path / "res"
    for name in ("odtrack-large", "odtrack"):
        shutil.copytree(RESULTS["otb100"] / "SiamFC-3s", res / name)
        for f in sorted((res / name).glob("*.txt")):
            (f.parent / f"{f.stem}_time.txt").write_text("0.05\n" * len(f.read_text().splitlines()))
    from odtrack_eval.trackers.registry import network_parameters, resolve_tracker

    recorded = network_parameters(resolve_tracker("odtrack-l384"))  # what `run` records when it starts
    manifest = {"format": "odtrack-eval run manifest 1",
                "sessions": [{"status": "complete", "devices": ["cpu"], "network_parameters": recorded}],
                "tracker": {"name": "odtrack-l384", "implementation": "odtrack_eval.trackers.odtrack:odtrack_l384",
                            "parameters": {"precision": "fp32"}}}  # fmt: skip
    (res / "odtrack-large" / "run_manifest.json").write_text(json.dumps(manifest))
    ev = evaluate_folder(load_dataset("otb100", ROOTS["otb100"]), res, get_protocol("odtrack"), cache=False)
    timings = speed_report.timings(ev, res)
    points = {p.tracker: p for p in speed_points(ev, timings, set())[0]}
    expected = parameter_counts(get_config("odtrack-l384"))["total"] / 1e6
    assert points["odtrack-large"].params_m == pytest.approx(expected) and expected > 300
    assert points["odtrack-large"].params_source == "definition"
    assert points["odtrack"].params_m is None
