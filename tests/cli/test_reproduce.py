"""Published numbers as data, and `odtrack-eval reproduce` on the real results (expected values from
PUBLISHED.md and the ODTrack README as quoted in odtrack_eval/data/published/sources.csv)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from odtrack_eval.cli import _load_commands, app
from odtrack_eval.report.published import PublishedScore, ReproRow, load_published, load_sources
from tests._report_data import RESULTS, ROOTS, published_scores, real_evaluation


def test_published_data_is_sourced_and_holds_the_readme_table() -> None:
    rows = load_published()
    sources = load_sources()
    assert {r.source for r in rows} <= set(sources)
    assert all(sources[s].location for s in sources)
    readme = {(r.tracker, r.benchmark, r.metric): r.value for r in rows if r.source == "odtrack_readme"}
    # GXNU-ZhongLab/ODTrack README, "Strong Performance": seven benchmarks x two variants
    assert len(readme) == 14
    assert readme[("ODTrack-L", "lasot", "auc")] == 74.0 and readme[("ODTrack-B", "vot2020", "eao")] == 0.581
    assert {b for _, b, _ in readme} == {"got10k", "lasot", "trackingnet", "lasot_ext", "vot2020", "tnl2k", "otb"}


def test_rounding_tolerance_follows_printed_decimals() -> None:
    assert PublishedScore("t", "b", "auc", 51.5, 1, "s").tolerance == pytest.approx(0.05)
    assert PublishedScore("t", "b", "eao", 0.605, 3, "s").tolerance == pytest.approx(0.0005)
    assert ReproRow("t", "t", "auc", 51.54, 51.5, 1, "s").beyond_rounding is False
    assert ReproRow("t", "t", "auc", 51.44, 51.5, 1, "s").beyond_rounding is True
    assert ReproRow("t", "t", "auc", None, 51.5, 1, "s").beyond_rounding is False


def _run(*args: str):
    _load_commands()
    return CliRunner().invoke(app, ["reproduce", "--dataset", "otb100", "--root", str(ROOTS["otb100"]),
                                    "--results", str(RESULTS["otb100"]), *args])  # fmt: skip


def test_reproduce_otb_flags_only_differences_beyond_rounding() -> None:
    real_evaluation("otb100")
    res = _run("--format", "json")
    assert res.exit_code == 0, res.output
    rows = {(r["tracker"], r["metric"]): r for r in json.loads(res.stdout)["rows"]}
    ref = published_scores("otb100")
    # PUBLISHED.md: computed SiamFC-3s P 77.0493 vs published 77.1 -> 0.051 > 0.05; AUC 58.2388 vs 58.2 -> ok
    assert rows[("SiamFC-3s", "precision")]["computed"] == pytest.approx(ref["SiamFC-3s"]["precision"], abs=1e-3)
    assert rows[("SiamFC-3s", "precision")]["beyond_rounding"] is True
    assert rows[("SiamFC-3s", "auc")]["beyond_rounding"] is False
    assert rows[("cfnet-conv2", "auc")]["paper_name"] == "CFNet-conv2"  # matched up to case
    assert rows[("cfnet-conv2", "precision")]["beyond_rounding"] is False  # 74.7519 vs 74.8
    text = _run()
    assert text.exit_code == 0 and "BEYOND ROUNDING" in text.stdout


def test_reproduce_mapping_and_merge() -> None:
    real_evaluation("otb100")
    res = _run("--tracker", "SiamFC-3s=ODTrack-L", "--merge")
    assert res.exit_code == 0, res.output
    assert "ODTrack-L" in res.stdout and "72.4" in res.stdout  # README OTB AUC
    assert "CFNet-conv2 (paper: published_md)" in res.stdout
    bad = _run("--tracker", "SiamFC-3s=NoSuchTracker")
    assert bad.exit_code != 0 and "NoSuchTracker" in bad.output
