"""Every tracker scored or refused on its own (issue 13): refusals listed with file and line, repairs
footnoted, ``--strict``, ``inf`` rows treated as NaN rows, and the exit statuses 0 / 1 / 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from odtrack_eval.cli import _load_commands, app

NAMES = ["airplane-1", "airplane-9", "bear-2"]


def _run(*args: str):
    _load_commands()
    return CliRunner().invoke(app, list(args))


def _write(folder: Path, name: str, rows: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text("\n".join(rows) + "\n")


@pytest.fixture()
def messy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A 3-sequence LaSOT annotation root and six trackers: Good, Short (one file one row short),
    Nan and Inf (the same row of one file NaN / inf), Corners (x1,y1,x2,y2) and Garbled (a bad line)."""
    monkeypatch.setenv("ODTRACK_EVAL_CACHE", str(tmp_path / "cache"))
    annos, results = tmp_path / "annos", tmp_path / "results"
    (annos / "absent").mkdir(parents=True)
    (annos / "testing_set.txt").write_text("\n".join(NAMES) + "\n")
    rng = np.random.default_rng(7)
    for name in NAMES:
        gt = np.column_stack([rng.integers(20, 200, (30, 2)), rng.integers(20, 60, (30, 2))])
        np.savetxt(annos / f"{name}.txt", gt, fmt="%d", delimiter=",")
        np.savetxt(annos / "absent" / f"{name}.txt", np.zeros(30, int), fmt="%d")
        pred = gt + rng.integers(-6, 7, gt.shape)
        rows = [",".join(map(str, r)) for r in pred.tolist()]
        corners = [f"{x},{y},{x + w},{y + h}" for x, y, w, h in pred.tolist()]
        for tracker, body in (("Good", rows), ("Short", rows), ("Nan", rows), ("Inf", rows),
                              ("Corners", corners), ("Garbled", rows)):  # fmt: skip
            _write(results / tracker, name, body)
    _write(results / "Short", "bear-2", rows[:-1])
    nan_rows = (results / "Nan" / "airplane-9.txt").read_text().splitlines()
    _write(results / "Nan", "airplane-9", nan_rows[:4] + ["nan,nan,nan,nan"] + nan_rows[5:])
    _write(results / "Inf", "airplane-9", nan_rows[:4] + ["10,20,inf,1e400"] + nan_rows[5:])
    _write(results / "Garbled", "airplane-1", ["1,2,3,4", "1,2,x,4"])
    (results / "Incomplete").mkdir()
    for f in list((results / "Good").iterdir())[:2]:
        (results / "Incomplete" / f.name).write_bytes(f.read_bytes())
    return annos, results


def _evaluate(annos: Path, results: Path, *extra: str):
    res = _run("evaluate", "-d", "lasot", "--root", str(annos), "-r", str(results), "-f", "json", *extra)
    return res, json.loads(res.stdout)


def test_a_protocol_rule_refuses_one_tracker_and_the_others_keep_their_numbers(messy) -> None:
    annos, results = messy
    res, doc = _evaluate(annos, results, "-p", "odtrack")
    assert res.exit_code == 1
    refused = {r["name"]: r["reason"] for r in doc["refused"]}
    assert set(refused) == {"Short", "Nan", "Inf", "Garbled", "Incomplete"}
    assert str(results / "Short" / "bear-2.txt") in refused["Short"] and "29 rows" in refused["Short"]
    assert f"{results / 'Incomplete'}: no result file for 1 of 3 sequences" in refused["Incomplete"]
    assert f"{results / 'Nan' / 'airplane-9.txt'}:5:" in refused["Nan"] and "NaN" in refused["Nan"]
    assert f"{results / 'Inf' / 'airplane-9.txt'}:5:" in refused["Inf"]  # inf rows: refused like NaN rows
    assert "airplane-1.txt:2" in refused["Garbled"]
    scored = {t["name"]: t for t in doc["trackers"]}
    assert set(scored) == {"Good", "Corners"}
    alone, alone_doc = _evaluate(annos, results, "-p", "odtrack", "-t", "Good")
    assert alone.exit_code == 0 and alone_doc["refused"] == []
    assert alone_doc["trackers"][0] == scored["Good"]  # unaffected by the refusals beside it


def test_repairs_are_footnoted_and_inf_rows_are_repaired_like_nan_rows(messy) -> None:
    annos, results = messy
    res, doc = _evaluate(annos, results, "-p", "official", "-t", "Nan", "-t", "Inf", "-t", "Good")
    assert res.exit_code == 0, res.output
    scores = {t["name"]: t for t in doc["trackers"]}
    assert {k: v for k, v in scores["Inf"].items() if k != "name"} == {
        k: v for k, v in scores["Nan"].items() if k != "name"
    }
    notes = {r["name"]: r["notes"] for r in doc["repaired"]}
    assert notes["Nan"] == ["Repaired: Nan: 1 file with NaN rows (1 row), replaced by the previous frame's box, "
                            "as in the MATLAB toolkits"]  # fmt: skip
    assert notes["Inf"] == ["Repaired: Inf: 1 file with infinite rows (inf, 1e400) (1 row), replaced by the previous "
                            "frame's box, as in the MATLAB toolkits"]  # fmt: skip
    assert "Good" not in notes


def test_the_table_lists_repairs_and_refusals_under_it(messy) -> None:
    annos, results = messy
    res = _run("evaluate", "-d", "lasot", "--root", str(annos), "-r", str(results), "-p", "got10k")
    assert res.exit_code == 1  # Garbled cannot be read
    lines = res.stdout.splitlines()
    below = lines[lines.index(next(line for line in lines if line.startswith("(* best"))) + 1 :]
    assert ("Repaired: Short: 1 file shorter than the ground truth (1 row), scored on the rows they have (the "
            "ground truth cut to the same length), as in the got10k toolkit") in below  # fmt: skip
    assert "Suspect: Corners: 3 files that look like x1,y1,x2,y2 corners, scored as x,y,w,h; convert the files if " \
           "they hold x1,y1,x2,y2" in below  # fmt: skip
    assert any(line.startswith("Refused: Garbled: ") and "airplane-1.txt:2" in line for line in below)
    assert "2 tracker(s) refused (Incomplete, Garbled)" in res.stderr  # (missing files are found first)


def test_strict_refuses_every_repair_and_suspicion(messy) -> None:
    annos, results = messy
    res, doc = _evaluate(annos, results, "-p", "got10k", "--strict")
    assert res.exit_code == 1
    assert [t["name"] for t in doc["trackers"]] == ["Good"]
    refused = {r["name"]: r["reason"] for r in doc["refused"]}
    assert set(refused) == {"Short", "Nan", "Inf", "Corners", "Garbled", "Incomplete"}
    assert str(results / "Short" / "bear-2.txt") in refused["Short"] and "--strict" in refused["Short"]
    assert "corners" in refused["Corners"] and "--strict" in refused["Corners"]


def test_exit_status_two_when_nothing_could_run(messy) -> None:
    annos, results = messy

    def status(*args: str) -> int:
        return subprocess.run([sys.executable, "-m", "odtrack_eval", *args], capture_output=True).returncode

    common = ("evaluate", "-d", "lasot", "--root", str(annos))
    assert status(*common, "-r", str(results), "-p", "nope") == 2  # unknown protocol
    assert status("evaluate", "-d", "nope", "--root", str(annos), "-r", str(results)) == 2  # unknown benchmark
    assert status(*common, "-r", str(results / "none")) == 2  # no results folder
    assert status(*common, "-r", str(results), "--bogus") == 2  # usage
    assert status(*common, "-r", str(results), "-t", "Good") == 0
    assert status(*common, "-r", str(results), "-t", "Good", "-t", "Nan") == 1
    help_text = _run("evaluate", "--help").stdout
    assert "Exit status: 0 every tracker scored, 1 some refused, 2 nothing could run" in " ".join(help_text.split())


def test_leaderboard_compare_report_and_reproduce_isolate_refusals(messy, tmp_path: Path) -> None:
    annos, results = messy
    board = _run("leaderboard", "-d", "lasot", "-r", str(results), "--root", f"lasot={annos}", "-f", "json")
    assert board.exit_code == 1
    doc = json.loads(board.stdout)
    assert "Good" in [r["tracker"] for r in doc["rows"]]
    assert {r["name"] for r in doc["refused"]} == {"lasot: Short", "lasot: Nan", "lasot: Inf", "lasot: Garbled",
                                                  "lasot: Incomplete"}  # fmt: skip

    pair = _run("compare", "Good", "Nan", "-d", "lasot", "-r", str(results), "--root", str(annos))
    assert pair.exit_code == 1 and "airplane-9.txt:5" in pair.stderr

    out = tmp_path / "report"
    rep = _run("report", "-d", "lasot", "-r", str(results), "--root", str(annos), "-o", str(out))
    assert rep.exit_code == 1 and (out / "index.html").is_file()
    board_text = (out / "leaderboard.txt").read_text()
    assert "Refused: Nan: " in board_text and "airplane-9.txt:5" in board_text
    inspection = json.loads((out / "inspection.json").read_text())
    assert {t["name"]: t["verdict"] for t in inspection["trackers"]} == {
        "Good": "ok", "Short": "refused", "Nan": "refused", "Inf": "refused", "Corners": "warn", "Garbled": "refused",
        "Incomplete": "refused",
    }  # fmt: skip
    assert re.search(r"^Nan +REFUSED", (out / "inspection.txt").read_text(), re.M)
    assert "Inspection of the raw results" in (out / "index.html").read_text()

    repro = _run("reproduce", "-d", "lasot", "-r", str(results), "--root", str(annos), "-f", "json")
    assert repro.exit_code == 1
    assert {r["name"] for r in json.loads(repro.stdout)["refused"]} == {"Short", "Nan", "Inf", "Garbled",
                                                                         "Incomplete"}  # fmt: skip


def test_files_of_another_benchmark_are_set_apart_and_strict_refuses_them(messy) -> None:
    annos, results = messy
    mixed = results / "Mixed"
    mixed.mkdir()
    for f in (results / "Good").iterdir():
        (mixed / f.name).write_bytes(f.read_bytes())
    for name in ("atv-1", "atv-2"):  # LaSOT_ext sequences, in a LaSOT folder
        (mixed / f"{name}.txt").write_text("1,2,3,4\n")
    res, doc = _evaluate(annos, results, "-t", "Good", "-t", "Mixed")
    assert res.exit_code == 0, res.output
    scores = {t["name"]: {k: v for k, v in t.items() if k != "name"} for t in doc["trackers"]}
    assert scores["Mixed"] == scores["Good"]
    assert doc["repaired"] == [{"name": "Mixed", "notes": [
        "Suspect: Mixed: 2 files named after sequences of another benchmark, ignored"]}]  # fmt: skip
    assert f"{mixed}: 2 files name LaSOT_ext sequences (atv-1, atv-2); ignored" in res.stderr
    strict, strict_doc = _evaluate(annos, results, "-t", "Good", "-t", "Mixed", "--strict")
    assert strict.exit_code == 1 and [r["name"] for r in strict_doc["refused"]] == ["Mixed"]


def test_results_of_another_benchmark_are_refused_never_paired_by_similar_names(tmp_path: Path) -> None:
    """LaSOT's car-2, bird-2, dog-1 are not OTB100's Car2, Bird2, Dog1, even with --allow-missing."""
    from tests._shared import require_shared

    real = require_shared("data", "real")
    results = tmp_path / "results"
    for src in (real / "lasot" / "results" / "ATOM", real / "otb100" / "results" / "SiamFC-3s"):
        (results / src.name).mkdir(parents=True)
        for f in src.iterdir():
            (results / src.name / f.name).write_bytes(f.read_bytes())
    annos = real / "otb100" / "annotations"
    for seqs in ((), ("-s", "Car2", "-s", "Bird2", "-s", "Dog1")):
        res = _run("evaluate", "-d", "otb100", "--root", str(annos), "-r", str(results), "--allow-missing",
                   "-f", "json", "--no-cache", *seqs)  # fmt: skip
        assert res.exit_code == 1
        doc = json.loads(res.stdout)
        assert [t["name"] for t in doc["trackers"]] == ["SiamFC-3s"]
        (refused,) = doc["refused"]
        assert refused["name"] == "ATOM"
        assert "looks like LaSOT results, not OTB100: 280 of 280 files name LaSOT sequences" in refused["reason"]


def test_foreign_names_know_every_shipped_list() -> None:
    from odtrack_eval.datasets.names import foreign_names

    stems = ["car-2", "atv-1", "agility", "GOT-10k_Train_000001", "cVrxfV0w29w_0", "my-own-video"]
    assert foreign_names(stems, "otb") == {
        "lasot": ["car-2"], "lasot_ext": ["atv-1"], "got10k": ["GOT-10k_Train_000001"],
        "trackingnet": ["cVrxfV0w29w_0"], "vot2020": ["agility"],
    }  # fmt: skip
    assert foreign_names(["car-2", "airplane-1"], "lasot") == {}  # training and test names are LaSOT's
    assert foreign_names(["agility"], "lasot", own=["agility"]) == {}  # a benchmark of one's own
    # A folder that is mostly OTB100's: its lower-case basketball.txt (a VOT2020 name exactly) is OTB's.
    otb = [*(f"Seq{i}" for i in range(20)), "basketball", "girl"]
    assert foreign_names(otb, "otb", own=[f"Seq{i}" for i in range(20)] + ["Basketball", "Girl"]) == {}


def test_two_files_for_one_sequence_refuse_that_tracker_only(messy) -> None:
    annos, results = messy
    twin = results / "Twin"
    twin.mkdir()
    for f in (results / "Good").iterdir():
        (twin / f.name).write_bytes(f.read_bytes())
    (twin / "Airplane_1.txt").write_bytes((twin / "airplane-1.txt").read_bytes())
    res, doc = _evaluate(annos, results, "-t", "Good", "-t", "Twin")
    assert res.exit_code == 1
    assert [t["name"] for t in doc["trackers"]] == ["Good"]
    (refused,) = doc["refused"]
    assert refused["name"] == "Twin" and "both hold results of sequence 'airplane-1'" in refused["reason"]
