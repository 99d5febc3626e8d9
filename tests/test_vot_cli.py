"""``odtrack-eval evaluate --dataset vot2020``: the spine's JSON shape, protocol switch, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from odtrack_eval.vot import synthetic


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "odtrack_eval", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    w = tmp_path_factory.mktemp("votcli")
    synthetic.make_dataset(w / "sequences", num_sequences=3, lengths=(30, 50), spacing=15, seed=4, absent_rate=0.2)
    synthetic.make_results(w / "sequences", w / "results", "a", style="mask", seed=1)
    synthetic.make_results(w / "sequences", w / "results", "b", style="rect", seed=2, binary=False)
    return w


def test_json_shape_and_protocols(data: Path) -> None:
    out = _run("evaluate", "--dataset", "vot2020", "--root", str(data / "sequences"), "--results",
               str(data / "results"), "--format", "json", "--attributes")  # fmt: skip
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["dataset"] == "vot2020" and doc["protocol"] == "vot2020" and doc["num_sequences"] == 3
    assert [t["name"] for t in doc["trackers"]] == ["a", "b"]
    for t in doc["trackers"]:
        assert {"eao", "accuracy", "robustness", "num_runs", "tags"} <= set(t)
        assert 0 <= t["eao"] <= 1 and 0 <= t["accuracy"] <= 1 and 0 <= t["robustness"] <= 1
    legacy = json.loads(_run("evaluate", "-d", "vot2020", "--root", str(data / "sequences"), "-r",
                             str(data / "results"), "-f", "json", "-p", "vot2020-legacy").stdout)  # fmt: skip
    assert legacy["protocol"] == "vot2020-legacy"
    assert legacy["trackers"][0]["accuracy"] != doc["trackers"][0]["accuracy"]  # empty frames score 0 now
    table = _run("evaluate", "-d", "vot2020", "--root", str(data / "sequences"), "-r", str(data / "results"))
    assert table.returncode == 0 and "EAO" in table.stdout


def test_incomplete_results_exit_1_naming_the_sequence(data: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(data / "results", tmp_path / "results")
    victim = sorted((tmp_path / "results" / "b" / "baseline" / "seq002").glob("*.txt"))[0]
    victim.unlink()
    out = _run("evaluate", "-d", "vot2020", "--root", str(data / "sequences"), "-r", str(tmp_path / "results"))
    assert out.returncode == 1
    assert "error: b:" in out.stderr and "seq002" in out.stderr and "Traceback" not in out.stderr
