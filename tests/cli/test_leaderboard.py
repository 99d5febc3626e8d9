"""``odtrack-eval leaderboard``: several benchmarks side by side (the ODTrack paper's Table 2 layout).

Expected values: the reference-tool scores in ../shared/data/real/PUBLISHED.md, and for GOT-10k the AO /
SR that `evaluate` reports for the same data (itself checked against the got10k package).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from odtrack_eval.cli import _load_commands, app
from tests._report_data import RESULTS, ROOTS, published_scores, real_evaluation


def _run(*args: str):
    _load_commands()
    return CliRunner().invoke(app, ["leaderboard", *args])


def _real_args() -> list[str]:
    real_evaluation("lasot")  # skips without ../shared
    return ["-d", "lasot", "-d", "otb100", "-r", f"lasot={RESULTS['lasot']}", "-r", f"otb100={RESULTS['otb100']}",
            "--root", f"lasot={ROOTS['lasot']}", "--root", f"otb100={ROOTS['otb100']}"]  # fmt: skip


def test_real_benchmarks_side_by_side_equal_the_published_scores() -> None:
    res = _run(*_real_args(), "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [(c["group"], c["label"]) for c in doc["columns"]] == [
        ("LaSOT", "AUC"), ("LaSOT", "P_norm"), ("LaSOT", "P"), ("OTB100", "AUC"), ("OTB100", "P_norm"), ("OTB100", "P"),
    ]  # fmt: skip
    rows = {r["tracker"]: r["values"] for r in doc["rows"]}
    for bench in ("lasot", "otb100"):
        for tracker, scores in published_scores(bench).items():
            for key in ("auc", "norm_precision", "precision"):
                if key in scores:
                    assert rows[tracker][f"{bench}:{key}"] == pytest.approx(scores[key], abs=1e-3), (bench, tracker)
    assert rows["ATOM"]["otb100:auc"] is None  # not run on OTB: shown as "–"
    assert [r["tracker"] for r in doc["rows"]][:2] == ["ATOM", "C-RPN"]  # sorted by the first column
    text = _run(*_real_args())
    assert text.exit_code == 0 and text.stdout.splitlines()[1].split() == ["LaSOT", "OTB100"]


def test_got10k_gets_its_own_scores(tmp_path: Path) -> None:
    pytest.importorskip("got10k.experiments.got10k", reason="the GOT-10k data builder lives with the got10k test")
    from tests.parity.test_got10k_val_vs_got10k import _make

    root, results = tmp_path / "GOT-10k", tmp_path / "results"
    _make(root, results, "trk", 4, 1)
    res = _run(*_real_args(), "-d", "got10k-val", "-r", f"got10k-val={results}", "--root", f"got10k-val={root}",
               "--format", "json")  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    got = [c["label"] for c in doc["columns"] if c["group"] == "GOT-10k (got10k-val)"]
    assert got == ["AO", "SR0.5", "SR0.75"]
    _load_commands()
    alone = CliRunner().invoke(app, ["evaluate", "-d", "got10k-val", "--root", str(root), "-r", str(results),
                                     "--format", "json"])  # fmt: skip
    ao = json.loads(alone.stdout)["trackers"][0]["ao"]
    assert {r["tracker"]: r["values"] for r in doc["rows"]}["trk"]["got10k-val:ao"] == pytest.approx(ao, abs=1e-12)


def test_errors_are_clear(tmp_path: Path) -> None:
    res = _run("-d", "lasot", "-r", f"otb100={tmp_path}")
    assert res.exit_code != 0 and "otb100 not among the --dataset values" in res.output
    res = _run("-d", "lasot", "-d", "otb100", "-r", f"lasot={tmp_path}")
    assert res.exit_code != 0 and "no results folder for" in res.output
