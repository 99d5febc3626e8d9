"""What the report showed wrongly (issue 15), each seen on real or demo data: speed ranked as a score, the
per-sequence table ranked down its columns, bar axes not starting at 0, a radar without its scale, legends
and rows not in score order, titles without the benchmark's display name, two resample counts for one
interval, a synthetic benchmark titled as LaSOT, source ids without their citation."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from odtrack_eval.metrics.speed import Speed
from odtrack_eval.report import plots, tables
from tests._report_data import real_evaluation


def _with_speeds(ev, speeds: dict[str, float]):
    def speed(fps: float) -> Speed:
        return Speed(fps, 1.0, 1.0, 1.0, 1.0, 100, 1)

    return dataclasses.replace(ev, results=[dataclasses.replace(r, speed=speed(speeds[r.tracker])) for r in ev.results])


def test_a_baselines_speed_is_shown_but_never_marked() -> None:
    """The static tracker's 2,330,656 FPS was marked best (issue 17): a baseline's speed is never ranked."""
    ev = _with_speeds(real_evaluation("otb100"), {"SiamFC-3s": 2_330_656.0, "cfnet-conv2": 75.0})
    table = tables.ope_table(ev, fps=True, baselines={"SiamFC-3s"})
    assert tables.FPS_COLUMN in table.columns
    assert table.ranks()["SiamFC-3s"].get("fps") is None and table.ranks()["cfnet-conv2"]["fps"] == 1
    text = tables.to_text(table)
    assert "2330656.0" in text and "2330656.0*" not in text and "75.0*" in text
    assert "\\textbf{2330656.0}" not in tables.to_latex(table) and "**2330656.0**" not in tables.to_markdown(table)
    # without baselines the faster tracker is marked
    assert "2330656.0*" in tables.to_text(tables.ope_table(ev, fps=True, baselines=()))


def test_per_sequence_table_marks_the_best_tracker_of_each_sequence() -> None:
    ev = real_evaluation("otb100")
    table = tables.sequence_table(ev)
    ranks = table.ranks()
    for seq, values in table.rows[:20]:
        best = max(values, key=values.get)
        if len(set(values.values())) > 1:
            assert ranks[seq][best] == 1 and len(ranks[seq]) == 2
    assert table.row_label == "Sequence" and tables.to_text(table).splitlines()[1].startswith("Sequence")


def test_attribute_rows_and_legends_follow_the_scores(tmp_path: Path) -> None:
    ev = real_evaluation("lasot")
    order = [name for name, _ in tables.ope_table(ev).rows]
    assert [name for name, _ in tables.attribute_table(ev).rows] == order


@pytest.fixture()
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The figures the plot functions draw, kept instead of rendered."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    figures: list[Any] = []

    def keep(draw, size, formats, png_level=None):
        fig = plt.figure(figsize=size)
        draw(fig)
        figures.append(fig)
        return {fmt: b"" for fmt in formats}

    monkeypatch.setattr(plots, "_render", keep)
    return figures


def test_bars_start_at_zero_and_the_radar_states_its_scale(tmp_path: Path, drawn: list[Any]) -> None:
    values = {"Strong": {"A": 71.0, "B": 64.0, "C": 69.0}, "Weak": {"A": 62.0, "B": 58.0, "C": 60.0}}
    plots.attribute_bars(values, ["A", "B", "C"], tmp_path / "bars", formats=("png",))
    ax = drawn[-1].axes[0]
    assert ax.get_xlim()[0] == 0.0
    legend = drawn[-1].legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["Strong", "Weak"]  # the order given: by score
    plots.attribute_radar(values, ["A", "B", "C"], tmp_path / "radar", formats=("png",))
    fig = drawn[-1]
    radar = fig.axes[0]
    assert radar.get_ylim()[0] == 50.0
    assert "centre 50" in fig._suptitle.get_text() and "outer ring 80" in fig._suptitle.get_text()
    assert all(label.get_text() == "" for label in radar.get_yticklabels())  # no scale text over the curves


def test_titles_use_display_names(tmp_path: Path) -> None:
    ev = real_evaluation("lasot")
    assert tables.ope_table(ev).title.startswith("LaSOT (280 sequences), protocol")
    assert tables.attribute_table(ev).title.startswith("LaSOT: AUC per attribute")
    both = tables.benchmarks_table([ev, real_evaluation("otb100")])
    assert [c.group for c in both.columns] == ["LaSOT"] * 3 + ["OTB100"] * 3
    assert "\\multicolumn{3}{c}{LaSOT}" in tables.to_latex(both)
    from odtrack_eval.report.build import build_report

    build_report(ev, tmp_path / "rep")
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "<h1>LaSOT: tracking evaluation</h1>" in page
    assert "LaSOT (280 sequences), protocol" in (tmp_path / "rep" / "leaderboard.txt").read_text()


def test_one_resample_count_for_every_interval(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from odtrack_eval.cli import _load_commands, app
    from odtrack_eval.report.build import build_report
    from odtrack_eval.report.compare import CI_RESAMPLES
    from tests._report_data import RESULTS, ROOTS

    evaluation = real_evaluation("otb100")  # (skips without ../shared)
    _load_commands()
    args = ["evaluate", "-d", "otb100", "--root", str(ROOTS["otb100"]), "-r", str(RESULTS["otb100"]), "--ci"]
    text = CliRunner().invoke(app, args).stdout
    assert f"bootstrap, {CI_RESAMPLES:,} resamples, seed 0" in text
    doc = json.loads(CliRunner().invoke(app, [*args, "-f", "json"]).stdout)
    assert doc["ci"]["resamples"] == CI_RESAMPLES and doc["ci"]["seed"] == 0
    build_report(evaluation, tmp_path / "rep")
    report_ci = json.loads((tmp_path / "rep" / "leaderboard_ci.json").read_text())
    assert f"{CI_RESAMPLES:,} resamples, seed 0" in report_ci["title"]
    cli_low = {t["name"]: t["ci95"]["auc"][0] for t in doc["trackers"]}
    assert {r["tracker"]: r["values"]["auc:low"] for r in report_ci["rows"]} == cli_low  # the same interval


def test_a_synthetic_benchmark_is_not_titled_as_lasot(tmp_path: Path) -> None:
    from odtrack_eval.datasets import load_dataset
    from odtrack_eval.synth.generator import SynthOptions, generate

    root = generate(tmp_path / "synth", SynthOptions(sequences=2, frames=10))
    ds = load_dataset("lasot", root, cache=False)
    label = tables.benchmark_label(type("E", (), {"dataset": ds})())
    assert label == "LaSOT layout (synthetic, written by odtrack-eval synth)"


def test_reproduce_names_its_sources() -> None:
    from typer.testing import CliRunner

    from odtrack_eval.cli import _load_commands, app
    from tests._report_data import RESULTS, ROOTS

    real_evaluation("otb100")
    _load_commands()
    out = CliRunner().invoke(app, ["reproduce", "-d", "otb100", "--root", str(ROOTS["otb100"]), "-r",
                                   str(RESULTS["otb100"])]).stdout  # fmt: skip
    assert "Sources:\n  published_md: Published scores quoted in the project's real-data notes" in out


def test_a_one_sequence_table_still_marks_the_best_tracker() -> None:
    table = tables.sequence_table(real_evaluation("otb100"))
    table.rows = table.rows[:1]  # one sequence, as `evaluate -s Basketball --per-sequence` gives
    text = tables.to_text(table)
    assert "*" in text.splitlines()[3] and "(* best, ' second best)" in text
