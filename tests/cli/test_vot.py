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
    assert "Refused: b: " in out.stdout and "seq002" in out.stdout and "Traceback" not in out.stderr
    assert "1 tracker(s) refused (b)" in out.stderr
    doc = json.loads(_run("evaluate", "-d", "vot2020", "--root", str(data / "sequences"), "-r",
                          str(tmp_path / "results"), "-f", "json").stdout)  # fmt: skip
    assert [r["name"] for r in doc["refused"]] == ["b"] and "seq002" in doc["refused"][0]["reason"]


def test_report_writes_vot_tables_figures_and_index(data: Path, tmp_path: Path) -> None:
    """`report -d vot2020`: the EAO/A/R leaderboard, per-tag/per-sequence accuracy, EAO curve and A-R plot."""
    out = tmp_path / "report"
    res = _run("report", "-d", "vot2020", "--root", str(data / "sequences"), "-r", str(data / "results"),
               "-o", str(out), "--no-cache")  # fmt: skip
    assert res.returncode == 0, res.stderr
    ev = json.loads(_run("evaluate", "-d", "vot2020", "--root", str(data / "sequences"), "-r", str(data / "results"),
                         "-f", "json").stdout)  # fmt: skip
    board = json.loads((out / "leaderboard.json").read_text())
    got = {r["tracker"]: r["values"] for r in board["rows"]}
    for t in ev["trackers"]:
        for key in ("eao", "accuracy", "robustness"):
            assert got[t["name"]][key] == pytest.approx(t[key], abs=1e-12)
    for name in ("eao_curve", "ar_plot"):
        for ext in ("png", "pdf"):
            assert (out / "figures" / f"{name}.{ext}").stat().st_size > 5000
    doc = json.loads((out / "evaluation.json").read_text())
    page = (out / "index.html").read_text()
    assert page.count("data:image/png;base64,") == 2 and "EAO" in page and "vot2020" in page
    # the EAO shown in the curve's legend is the score: the mean of the curve over the protocol's interval
    from odtrack_eval.protocols import get_protocol
    from odtrack_eval.report.vot_plots import eao_curve

    p = get_protocol("vot2020")
    legend = eao_curve({t["name"]: t["eao_curve"][1:] for t in doc["trackers"]}, p.eao_low, p.eao_high - 1)
    assert legend == pytest.approx({t["name"]: t["eao"] for t in ev["trackers"]}, abs=1e-12)
