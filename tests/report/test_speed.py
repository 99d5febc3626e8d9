"""Speed as a result (issue 17): `evaluate --speed` table and JSON on real OTB100 results with generated time
files, how the times were taken from the run manifest, and baselines never marked best."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from odtrack_eval.cli import _load_commands, app
from tests._report_data import RESULTS, ROOTS
from tests._shared import require_shared


@pytest.fixture()
def results(tmp_path: Path) -> Path:
    """SiamFC-3s with times (init 0.5 s, then 10 and 30 ms alternating), a copy of cfnet-conv2 named
    `static` (a registry baseline) with 1 us per frame, and cfnet-conv2 without time files; SiamFC-3s has a
    run manifest saying it ran on a GPU at batch 8."""
    require_shared("data", "real", "otb100", "results")
    res = tmp_path / "results"
    shutil.copytree(RESULTS["otb100"] / "SiamFC-3s", res / "SiamFC-3s")
    shutil.copytree(RESULTS["otb100"] / "cfnet-conv2", res / "cfnet-conv2")
    shutil.copytree(RESULTS["otb100"] / "cfnet-conv2", res / "static")
    for f in sorted((res / "SiamFC-3s").glob("*.txt")):
        n = len(f.read_text().splitlines())
        times = [0.5] + [0.01 if i % 2 else 0.03 for i in range(1, n)]
        (f.parent / f"{f.stem}_time.txt").write_text("".join(f"{t}\n" for t in times))
    for f in sorted((res / "static").glob("*.txt")):
        n = len(f.read_text().splitlines())
        (f.parent / f"{f.stem}_time.txt").write_text("0.000001\n" * n)
    manifest = {"format": "odtrack-eval run manifest 1", "tracker": {"name": "SiamFC-3s", "parameters": {}},
                "sessions": [{"status": "complete", "devices": ["cuda:0"], "batch": 8,
                              "device_models": {"cuda:0": "NVIDIA H100 80GB HBM3"}}]}  # fmt: skip
    (res / "SiamFC-3s" / "run_manifest.json").write_text(json.dumps(manifest))
    return res


def _evaluate(results: Path, *args: str):
    _load_commands()
    return CliRunner().invoke(app, ["evaluate", "-d", "otb100", "--root", str(ROOTS["otb100"]), "-r", str(results),
                                    "--no-cache", "--speed", *args])  # fmt: skip


def _expected(results: Path) -> dict[str, float]:
    """Hand-computed figures of SiamFC-3s: every sequence alternates 30 and 10 ms from frame 1."""
    tracked = []
    for f in sorted((results / "SiamFC-3s").glob("*_time.txt")):
        tracked += [float(v) for v in f.read_text().split()[1:]]
    return {"fps": len(tracked) / sum(tracked), "frames": len(tracked), "init_ms": 500.0}


def test_json_has_the_speed_block_per_tracker(results: Path) -> None:
    out = _evaluate(results, "-f", "json")
    assert out.exit_code == 0, out.output
    doc = {t["name"]: t for t in json.loads(out.stdout)["trackers"]}
    speed = doc["SiamFC-3s"]["speed"]
    expected = _expected(results)
    assert speed["fps"] == pytest.approx(expected["fps"]) and speed["frames"] == expected["frames"]
    assert speed["init_ms"] == pytest.approx(500.0)
    assert speed["p50_ms"] in (pytest.approx(10.0), pytest.approx(20.0), pytest.approx(30.0))
    assert speed["p95_ms"] == pytest.approx(30.0) and speed["p99_ms"] == pytest.approx(30.0)
    assert speed["measured"]["device_models"] == {"cuda:0": "NVIDIA H100 80GB HBM3"}
    assert speed["measured"]["batch"] == 8
    assert doc["cfnet-conv2"]["speed"]["fps"] is None  # no time files: null
    assert doc["static"]["speed"]["fps"] == pytest.approx(1e6)


def test_table_marks_no_baseline_and_shows_a_dash_without_times(results: Path) -> None:
    out = _evaluate(results)
    assert out.exit_code == 0, out.output
    text = out.stdout.split("speed from the time files")[1]
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.split()[:1] in (["SiamFC-3s"],
            ["cfnet-conv2"], ["static"])}  # fmt: skip
    assert rows["static"][1] == "1000000.0" and "*" not in " ".join(rows["static"])  # fastest, but a baseline
    assert rows["SiamFC-3s"][1] == f"{_expected(results)['fps']:.1f}*"
    assert rows["cfnet-conv2"][1:6] == ["–"] * 5
    assert "SiamFC-3s: cuda:0 (NVIDIA H100 80GB HBM3), batch 8 (time of each call shared)" in out.stdout
    assert "static: unknown (no run manifest) (baseline: never marked)" in out.stdout
    assert "cfnet-conv2: no time files" in out.stdout



def test_realtime_estimate_rows_keep_their_manifest_and_baseline(tmp_path: Path) -> None:
    """`evaluate --speed --realtime`: an estimate row is still its entry (manifest read, baseline unmarked)."""
    from odtrack_eval.datasets import load_dataset
    from odtrack_eval.evaluation import evaluate_folder
    from odtrack_eval.protocols import get_protocol

    require_shared("data", "real", "otb100", "results")
    res = tmp_path / "res"
    for name, seconds in (("static", 1e-6), ("SiamFC-3s", 0.02)):
        shutil.copytree(RESULTS["otb100"] / "SiamFC-3s", res / name)
        for f in sorted((res / name).glob("*.txt")):
            (f.parent / f"{f.stem}_time.txt").write_text(f"{seconds}\n" * len(f.read_text().splitlines()))
    (res / "SiamFC-3s" / "run_manifest.json").write_text(json.dumps(
        {"format": "odtrack-eval run manifest 1", "tracker": {"name": "x", "parameters": {}},
         "sessions": [{"status": "complete", "devices": ["cpu"], "batch": 1}]}))  # fmt: skip
    ev = evaluate_folder(load_dataset("otb100", ROOTS["otb100"]), res, get_protocol("odtrack"), cache=False,
                         realtime=30.0)  # fmt: skip
    from odtrack_eval.report import speed as speed_report

    found = speed_report.timings(ev, res)
    assert found["SiamFC-3s (real-time 30 fps, estimate)"].devices == ("cpu",)
    assert speed_report.baseline_trackers(ev, found) == {"static (real-time 30 fps, estimate)"}
