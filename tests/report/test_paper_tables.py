"""The ODTrack paper's Tables 1-5 (../shared/data/paper, transcribed cell by cell) are all in the shipped
published data, with the right value, benchmark and metric, under the source ``odtrack_aaai2024``."""

from __future__ import annotations

import csv

import pytest

from odtrack_eval.report.published import load_aliases, load_published
from tests._shared import require_shared

_TABLE2 = {"got10k_ao": ("got10k", "ao"), "got10k_sr50": ("got10k", "sr50"), "got10k_sr75": ("got10k", "sr75"),
           "lasot_auc": ("lasot", "auc"), "lasot_pnorm": ("lasot", "norm_precision"), "lasot_p": ("lasot", "precision"),
           "trackingnet_auc": ("trackingnet", "auc"), "trackingnet_pnorm": ("trackingnet", "norm_precision"),
           "trackingnet_p": ("trackingnet", "precision"), "lasot_ext_auc": ("lasot_ext", "auc"),
           "lasot_ext_pnorm": ("lasot_ext", "norm_precision"), "lasot_ext_p": ("lasot_ext", "precision")}  # fmt: skip


def _cells(name: str, columns: dict[str, tuple[str, str]], method: str = "method"):
    path = require_shared("data", "paper", name)
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            for column, (bench, metric) in columns.items():
                if row[column].strip() != "-":
                    yield row[method], bench, metric, row[column].strip(), row


@pytest.fixture(scope="module")
def shipped() -> dict[tuple[str, str, str, str], float]:
    return {(p.printed, p.tracker, p.benchmark, p.metric): p.value
            for p in load_published(sources=["odtrack_aaai2024"])}  # fmt: skip


def _check(shipped: dict, printed: str, bench: str, metric: str, text: str) -> None:
    name = load_aliases().get(printed, printed)
    assert (printed, name, bench, metric) in shipped, (printed, bench, metric)
    assert shipped[(printed, name, bench, metric)] == float(text), (printed, bench, metric)


def test_tables_2_3_5_are_shipped_cell_by_cell(shipped) -> None:
    cells = list(_cells("table2_sota.csv", _TABLE2))
    cells += _cells("table3_vot2020.csv", {m: ("vot2020", m) for m in ("eao", "accuracy", "robustness")})
    cells += _cells("table5_tnl2k_otb100_auc.csv", {"tnl2k_auc": ("tnl2k", "auc"), "otb100_auc": ("otb", "auc")})
    assert len(cells) > 250  # (21 x 12 cells in Table 2, 31 in Table 3, 18 in Table 5, less the few "-")
    for printed, bench, metric, text, _ in cells:
        _check(shipped, printed, bench, metric, text)
    assert len(shipped) >= len(cells)


def test_tables_1_and_4_are_shipped(shipped) -> None:
    columns = {"lasot_auc": ("lasot", "auc"), "lasot_pnorm": ("lasot", "norm_precision"),
               "lasot_p": ("lasot", "precision")}  # fmt: skip
    labels = {"propagation_method": "propagation", "search_clip_length": "search clip length",
              "sampling_range": "sampling range"}  # fmt: skip
    count = 0
    for _, bench, metric, text, row in _cells("table4_ablation_lasot.csv", columns, method="setting"):
        _check(shipped, f"ODTrack-B ({labels[row['ablation']]} {row['setting']})", bench, metric, text)
        count += 1
    assert count == 36
    efficiency = {"params": ("efficiency", "params_m"), "flops": ("efficiency", "gflops"),
                  "speed_fps": ("efficiency", "fps")}  # fmt: skip
    for method, _, metric, text, _ in _cells("table1_efficiency.csv", efficiency):
        _check(shipped, "ODTrack-B" if method == "ODTrack" else method, "efficiency", metric, text.rstrip("MG"))


def test_paper_spellings_resolve_to_the_usual_names_and_both_sources_are_kept() -> None:
    lasot = load_published("lasot")
    names = {p.tracker for p in lasot if p.source == "odtrack_aaai2024"}
    assert {"SiamRPN++", "MixFormer", "SeqTrack"} <= names and "SiamPRN++" not in names
    assert {p.printed for p in lasot if p.tracker == "SiamRPN++" and p.source == "odtrack_aaai2024"} == {"SiamPRN++"}
    b_auc = {p.source: p.value for p in lasot if p.tracker == "ODTrack-B" and p.metric == "auc"}
    assert b_auc["odtrack_aaai2024"] == 73.2 and b_auc["odtrack_readme"] == 73.1
    vot = {(p.tracker, p.metric): p.value for p in load_published("vot2020", ["odtrack_aaai2024"])}
    assert vot[("AlphaRefine", "eao")] == 0.482 and vot[("SeqTrack", "eao")] == 0.522
    assert "DiMP50" not in {p.tracker for p in lasot}  # a judgment, left to -t DiMP50=DiMP


def _cli(*args: str):
    from typer.testing import CliRunner

    from odtrack_eval.cli import _load_commands, app

    _load_commands()
    return CliRunner().invoke(app, list(args))


def _lasot_args() -> list[str]:
    real = require_shared("data", "real", "lasot")
    return ["-d", "lasot", "--root", str(real / "annotations"), "-r", str(real / "results")]


def test_reproduce_table_2_lays_out_the_paper_with_computed_rows() -> None:
    import json

    res = _cli("reproduce", *_lasot_args(), "--table", "2", "-f", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    rows = {r["tracker"]: r for r in doc["rows"]}
    order = [r["tracker"] for r in doc["rows"]]
    assert order[:4] == ["SiamFC", "ATOM", "ATOM: computed", "SiamPRN++"]  # the paper's order and spelling
    assert [c["key"] for c in doc["columns"]][:4] == ["got10k:ao", "got10k:sr50", "got10k:sr75", "lasot:auc"]
    paper = rows["ATOM"]["values"]
    assert (paper["lasot:auc"], paper["lasot:norm_precision"], paper["lasot:precision"]) == (51.5, 57.6, 50.5)
    computed = rows["ATOM: computed"]["values"]
    evaluated = json.loads(_cli("evaluate", *_lasot_args(), "-f", "json").stdout)
    atom = next(t for t in evaluated["trackers"] if t["name"] == "ATOM")
    assert computed["lasot:auc"] == atom["auc"] and computed["lasot:precision"] == atom["precision"]
    assert computed["got10k:ao"] is None and computed["trackingnet:auc"] is None  # other benchmarks: paper only
    expected_flags = sorted(k for k, v in computed.items() if v is not None and abs(v - paper[k]) > 0.05 + 1e-9)
    assert rows["ATOM: computed"].get("flagged", []) == expected_flags and "lasot:auc" in expected_flags
    assert "C-RPN: computed" not in rows  # C-RPN is not in the paper's table


@pytest.mark.parametrize(("fmt", "needle"), [("table", "51.4†"), ("markdown", "51.4†"), ("latex", r"51.4$^\dagger$"),
                                             ("html", "<!DOCTYPE html>")])  # fmt: skip
def test_reproduce_table_formats(fmt: str, needle: str) -> None:
    res = _cli("reproduce", *_lasot_args(), "--table", "2", "-f", fmt)
    assert res.exit_code == 0, res.output
    assert needle in res.stdout and "ODTrack paper, Table 2" in res.stdout


def test_reproduce_table_rejects_tables_without_scores() -> None:
    assert _cli("reproduce", *_lasot_args(), "--table", "4").exit_code == 2
    assert _cli("reproduce", *_lasot_args(), "-f", "latex").exit_code == 2  # (a layout needs --table)


def test_leaderboard_with_published_rows() -> None:
    import json

    real = require_shared("data", "real", "lasot")
    args = ["leaderboard", "-d", "lasot", "-r", str(real / "results"), "--root", f"lasot={real / 'annotations'}"]
    res = _cli(*args, "--with-published", "odtrack_aaai2024", "-f", "json")
    assert res.exit_code == 0, res.output
    rows = {r["tracker"]: r["values"] for r in json.loads(res.stdout)["rows"]}
    assert rows["ODTrack-B (paper: odtrack_aaai2024)"]["lasot:auc"] == 73.2
    assert rows["SiamRPN++ (paper: odtrack_aaai2024)"]["lasot:norm_precision"] == 56.9
    assert "ATOM" in rows and not any("ablation" in n or "clip length" in n for n in rows)
    assert _cli(*args, "--with-published", "nope").exit_code == 2


def test_the_report_has_the_paper_reproduction_section(tmp_path) -> None:
    out = tmp_path / "report"
    res = _cli("report", *_lasot_args(), "-o", str(out))
    assert res.exit_code == 0, res.output
    text = (out / "paper_table2.txt").read_text()
    assert "ATOM: computed" in text and "ODTrack paper, Table 2" in text
    assert not (out / "paper_table3.txt").exists()  # (Table 3 has no LaSOT column)
    assert "Paper reproduction: the ODTrack paper&#x27;s Table 2" in (out / "index.html").read_text() or \
        "Paper reproduction: the ODTrack paper's Table 2" in (out / "index.html").read_text()


def test_reproduce_table_says_what_it_leaves_out_and_lists_refusals() -> None:
    import json

    res = _cli("reproduce", *_lasot_args(), "--table", "2", "-f", "json")
    doc = json.loads(res.stdout)
    assert any("Computed but not in the paper's table: C-RPN" in n for n in doc["notes"]) and doc["refused"] == []
    assert {r["name"] for r in doc["repaired"]} == {"ATOM"}
    vot = json.loads(_cli("reproduce", *_lasot_args(), "--table", "3", "-f", "json").stdout)
    assert not any(n.startswith("Rows 'computed'") for n in vot["notes"])  # (nothing computed: no such row)
    assert any("the table has no LaSOT column: ATOM, C-RPN" in n for n in vot["notes"])
