"""Leaderboard tables on the real results: values come from ../shared/data/real/PUBLISHED.md (the
reference tools' own outputs), never from our code; formats, best-two marks, FPS, spreads, wide tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.datasets import load_dataset
from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.protocols import get_protocol
from odtrack_eval.report import documents, tables
from tests._report_data import RESULTS, ROOTS, published_scores, real_evaluation


@pytest.mark.parametrize("bench", ["lasot", "otb100"])
def test_leaderboard_values_and_marks_match_published(bench: str) -> None:
    ev = real_evaluation(bench)
    expected = published_scores(bench)
    assert len(expected) == 2
    table = tables.ope_table(ev, fps=True)
    text, md, tex = tables.to_text(table), tables.to_markdown(table), tables.to_latex(table)
    rows = dict(table.rows)
    for tracker, scores in expected.items():
        for key, value in scores.items():
            assert rows[tracker][key] == pytest.approx(value, abs=1e-3)
    # best two per column, one decimal, as PUBLISHED.md's numbers round
    for key in ("auc", "precision"):
        ranked = sorted(expected, key=lambda t: -expected[t][key])
        best, second = (f"{expected[t][key]:.1f}" for t in ranked)
        assert f"{best}*" in text and f"{second}'" in text
        assert f"**{best}**" in md and f"_{second}_" in md
        assert rf"\textbf{{{best}}}" in tex and rf"\underline{{{second}}}" in tex
    assert r"\toprule" in tex and r"\bottomrule" in tex
    csv_rows = [line.split(",") for line in tables.to_csv(table).splitlines()]
    assert csv_rows[0][:3] == ["tracker", "auc", "norm_precision"]
    for row in csv_rows[1:]:
        assert float(row[1]) == pytest.approx(expected[row[0]]["auc"], abs=1e-3)
    doc = json.loads(documents.table_to_json(table))
    assert {r["tracker"] for r in doc["rows"]} == set(expected)
    assert all(r["ranks"]["auc"] in (1, 2) for r in doc["rows"])
    assert "FPS" not in text  # the real results have no _time.txt files


def test_benchmarks_side_by_side() -> None:
    lasot, otb = real_evaluation("lasot"), real_evaluation("otb100")
    table = tables.benchmarks_table([lasot, otb])
    assert [c.group for c in table.columns] == ["LaSOT"] * 3 + ["OTB100"] * 3  # display names
    rows = dict(table.rows)
    assert set(rows) == {"ATOM", "C-RPN", "SiamFC-3s", "cfnet-conv2"}
    assert rows["ATOM"]["lasot:auc"] == pytest.approx(published_scores("lasot")["ATOM"]["auc"], abs=1e-3)
    assert rows["SiamFC-3s"]["otb100:precision"] == pytest.approx(
        published_scores("otb100")["SiamFC-3s"]["precision"], abs=1e-3)  # fmt: skip
    assert "otb100:auc" not in rows["ATOM"]
    text = tables.to_text(table)
    assert text.splitlines()[1].split() == ["LaSOT", "OTB100"]  # group header line
    assert "–" in text
    tex = tables.to_latex(table)
    assert r"\multicolumn{3}{c}{LaSOT}" in tex and r"\cmidrule(lr){2-4}" in tex and r"\cmidrule(lr){5-7}" in tex


def _copy_otb(dst: Path, trackers=("SiamFC-3s", "cfnet-conv2")) -> None:
    for t in trackers:
        shutil.copytree(RESULTS["otb100"] / t, dst / t)


def test_fps_column_from_time_files(tmp_path: Path) -> None:
    ds = load_dataset("otb100", ROOTS["otb100"]) if ROOTS["otb100"].exists() else pytest.skip("no shared data")
    res = tmp_path / "results"
    _copy_otb(res)
    for f in (res / "SiamFC-3s").glob("*.txt"):  # 0.02 s per frame -> 50 FPS; 0.04 -> 25 (frame 0 not counted)
        (f.parent / f"{f.stem}_time.txt").write_text("0.02\n" * 10)
    for f in (res / "cfnet-conv2").glob("*.txt"):
        (f.parent / f"{f.stem}_time.txt").write_text("0.04\n" * 10)
    ev = evaluate_folder(ds, res, get_protocol("odtrack"), cache=False)
    table = tables.ope_table(ev, fps=True)
    assert table.columns[-1].label == "FPS"
    rows = dict(table.rows)
    assert rows["SiamFC-3s"]["fps"] == pytest.approx(50.0)
    assert rows["cfnet-conv2"]["fps"] == pytest.approx(25.0)
    text = tables.to_text(table)
    assert "50.0*" in text and "25.0'" in text  # ranked: neither is a baseline
    assert "FPS" not in tables.to_text(tables.ope_table(ev))  # evaluate's default table is unchanged


def test_spread_over_runs_matches_single_run_evaluations(tmp_path: Path) -> None:
    """Two runs of one tracker: the table's spread equals the std/min/max of the two runs evaluated
    separately (a different code path: one folder per run)."""
    ds = load_dataset("otb100", ROOTS["otb100"]) if ROOTS["otb100"].exists() else pytest.skip("no shared data")
    multi, single = tmp_path / "multi", tmp_path / "single"
    for i, t in enumerate(("SiamFC-3s", "cfnet-conv2")):
        shutil.copytree(RESULTS["otb100"] / t, multi / "trk" / f"base_{i:03d}")
        shutil.copytree(RESULTS["otb100"] / t, single / f"run{i}")
    ev = evaluate_folder(ds, multi, get_protocol("odtrack"), cache=False)
    singles = evaluate_folder(ds, single, get_protocol("odtrack"), cache=False)
    assert ev.results[0].num_runs == 2
    table = tables.ope_table(ev)
    sp = table.spreads["trk"]["auc"]
    aucs = np.array([r.scores()["auc"] for r in singles.results])
    assert sp.std == pytest.approx(np.std(aucs, ddof=1)) and sp.runs == 2
    assert (sp.low, sp.high) == pytest.approx((aucs.min(), aucs.max()))
    text = tables.to_text(table)
    assert f"± {sp.std:.1f} ({sp.low:.1f}–{sp.high:.1f})" in text and "Runs per tracker (trk: 2)" in text
    assert "auc_std" in tables.to_csv(table).splitlines()[0]
    assert r"$\pm$" in tables.to_latex(table)
