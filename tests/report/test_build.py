"""`odtrack-eval report` on real results: every file written, index.html self-contained with the
protocol and run manifests, numbers from PUBLISHED.md, and a cached rerun redraws nothing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from odtrack_eval.cli import _load_commands, app
from odtrack_eval.report import plots
from odtrack_eval.report.build import build_report
from odtrack_eval.store import ArrayStore
from tests._report_data import RESULTS, ROOTS, published_scores, real_evaluation
from tests.report.test_plots import assert_nontrivial_png, assert_pdf

pytestmark = pytest.mark.slow  # renders every figure of a real report (~10 s on 2 cores)

FIGURES = ("success", "precision", "norm_precision", "attributes_auc_bars", "attributes_auc_radar")
TABLES = ("leaderboard", "leaderboard_ci", "attributes_auc")


@pytest.fixture(scope="module")
def otb_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    real_evaluation("otb100")  # skips without the shared data
    base = tmp_path_factory.mktemp("report")
    results = base / "results"
    for t in ("SiamFC-3s", "cfnet-conv2"):
        shutil.copytree(RESULTS["otb100"] / t, results / t)
    manifest = {"format": "odtrack-eval run manifest 1", "toolkit": {"name": "odtrack-eval", "version": "9.9",
                "git": {"commit": "abc123def", "dirty": True}}, "tracker": {"name": "siamfc", "implementation":
                "pkg.siamfc:SiamFC", "parameters": {"scale": 3}}, "checkpoint_sha256": "f00dfeed",
                "sessions": [{"status": "complete", "started": "2024-01-01T00:00:00", "ended": "2024-01-01T01:00:00",
                              "host": {"hostname": "gpu-box", "platform": "Linux"}, "devices": ["cuda:0"],
                              "libraries": {"torch": "2.1.0"}}]}  # fmt: skip
    (results / "SiamFC-3s" / "manifest.json").write_text(json.dumps(manifest))
    _load_commands()
    out = base / "out"
    res = CliRunner().invoke(app, ["report", "--dataset", "otb100", "--root", str(ROOTS["otb100"]), "--results",
                                   str(results), "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    return out


def test_every_table_and_figure_is_written(otb_report: Path) -> None:
    for t in TABLES:
        for ext in ("txt", "md", "csv", "tex", "json"):
            assert (otb_report / f"{t}.{ext}").stat().st_size > 100
    for f in FIGURES:
        assert_nontrivial_png(otb_report / "figures" / f"{f}.png", [plots.OKABE_ITO[0], plots.OKABE_ITO[1]])
        assert_pdf(otb_report / "figures" / f"{f}.pdf")
    expected = published_scores("otb100")
    board = json.loads((otb_report / "leaderboard.json").read_text())
    for row in board["rows"]:
        assert row["values"]["auc"] == pytest.approx(expected[row["tracker"]]["auc"], abs=1e-3)
    assert "SiamFC-3s" in (otb_report / "reproduce.txt").read_text()
    ci = {r["tracker"]: r["values"] for r in json.loads((otb_report / "leaderboard_ci.json").read_text())["rows"]}
    for row in board["rows"]:  # the bootstrap interval of every score holds the score
        for key in ("auc", "norm_precision", "precision"):
            assert ci[row["tracker"]][f"{key}:low"] < row["values"][key] < ci[row["tracker"]][f"{key}:high"]


def test_index_html_is_self_contained(otb_report: Path) -> None:
    page = (otb_report / "index.html").read_text()
    ci_section = page.split("Confidence intervals", 1)[1].split("<h2>", 1)[0]
    assert "Best per column" not in ci_section and "AUC low" in ci_section  # bounds are not ranked
    assert page.count('src="data:image/png;base64,') == len(FIGURES)
    assert not re.search(r'(src|href)="(https?:)?//', page), "external resource"
    # one script, inline (the sequence table's sorting), nothing loaded
    assert page.count("<script") == 1 and "<script>" in page and "<link" not in page
    assert "GXNU-ZhongLab/ODTrack@88c0a8e" in page  # protocol reference
    assert "ODTrack/OSTrack evaluator" in page  # protocol description
    expected = published_scores("otb100")
    assert f'<td class="best">{expected["SiamFC-3s"]["auc"]:.1f}</td>' in page
    assert f'<td class="second">{expected["cfnet-conv2"]["auc"]:.1f}</td>' in page
    # manifest key fields of SiamFC-3s; cfnet-conv2 has none
    for text in ("abc123def (dirty)", "pkg.siamfc:SiamFC", "f00dfeed", "gpu-box", "torch 2.1.0", "complete"):
        assert text in page
    assert "No run manifest" in page


def test_cached_rerun_redraws_nothing_and_writes_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ev = real_evaluation("otb100")
    cache = ArrayStore(tmp_path / "cache")
    first = build_report(ev, tmp_path / "a", RESULTS["otb100"], cache=cache)
    monkeypatch.setattr(plots, "_render", lambda *a, **k: pytest.fail("figure redrawn on a cached rerun"))
    second = build_report(ev, tmp_path / "b", RESULTS["otb100"], cache=cache)
    for name, paths in first.figures.items():
        for fmt, p in paths.items():
            assert p.read_bytes() == second.figures[name][fmt].read_bytes()
    assert first.index.read_text() == second.index.read_text()
