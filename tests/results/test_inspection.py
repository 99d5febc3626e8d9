"""results/inspection.py and ``odtrack-eval inspect``: what a downloaded results folder holds, on copies of
the real released results turned into what users download (corners, offsets, truncated, missing, foreign
files, NaN rows, time files, every number format)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from odtrack_eval.cli import _load_commands, app
from odtrack_eval.results.inspection import number_format, offset_evidence
from tests._shared import require_shared
from tests.results._data import REAL, needs_shared


def _inspect(*args: str):
    _load_commands()
    res = CliRunner().invoke(app, ["inspect", *args, "-f", "json"])
    return res, json.loads(res.stdout)


def _facts(tracker: dict) -> dict[str, dict]:
    return {f["kind"]: f for f in tracker["findings"]}


def _rewrite(src: Path, dst: Path, change) -> None:
    """Copy every result file of ``src`` to ``dst`` through ``change(rows) -> text``."""
    dst.mkdir(parents=True)
    for f in sorted(src.glob("*.txt")):
        rows = np.loadtxt(f, delimiter="," if b"," in f.read_bytes()[:200] else None, ndmin=2)
        (dst / f.name).write_text(change(rows))


def _csv(rows: np.ndarray, fmt: str = "%.4f") -> str:
    return "".join(",".join(fmt % v for v in r) + "\n" for r in rows)


@pytest.fixture(scope="module")
def otb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """OTB100's annotations and a results folder: the two real trackers plus copies with each problem."""
    real = require_shared("data", "real", "otb100")
    results = tmp_path_factory.mktemp("inspect") / "results"
    for name in ("SiamFC-3s", "cfnet-conv2"):
        shutil.copytree(real / "results" / name, results / name)
    src = real / "results" / "SiamFC-3s"
    _rewrite(src, results / "Corners", lambda r: _csv(np.column_stack([r[:, :2], r[:, :2] + r[:, 2:]])))
    _rewrite(src, results / "HalfPixel", lambda r: _csv(r + [0.5, 0.5, 0, 0]))
    _rewrite(src, results / "CornersOneBased", lambda r: _csv(np.column_stack([r[:, :2] + 1, r[:, :2] + r[:, 2:]])))
    _rewrite(src, results / "Repr", lambda r: "".join(",".join(repr(float(v) * (1 + 1e-7)) for v in row) + "\n"
                                                      for row in r))  # fmt: skip
    _rewrite(src, results / "Tabs", lambda r: "".join("\t".join(f"{v:.4f}" for v in row) + "\r\n" for row in r))
    shutil.copytree(src, results / "Truncated")
    lines = (results / "Truncated" / "Basketball.txt").read_text().splitlines()
    (results / "Truncated" / "Basketball.txt").write_text("\n".join(lines[:-10]) + "\n")
    shutil.copytree(src, results / "Partial")
    for f in sorted((results / "Partial").glob("*.txt"))[:30]:
        f.unlink()
    shutil.copytree(src, results / "NanRows")
    lines = (results / "NanRows" / "Biker.txt").read_text().splitlines()
    lines[6] = "nan,nan,nan,nan"
    (results / "NanRows" / "Biker.txt").write_text("\n".join(lines) + "\n")
    shutil.copytree(src, results / "Timed")
    for f in list((results / "Timed").glob("*.txt")):
        n = len(f.read_text().splitlines())
        (results / "Timed" / f"{f.stem}_time.txt").write_text("0.02\n" * n)
    lasot = require_shared("data", "real", "lasot", "results", "ATOM")
    shutil.copytree(lasot, results / "LaSOT-ATOM")
    lasot_names = sorted(f.stem for f in lasot.glob("*.txt"))
    (results / "Renamed").mkdir()  # OTB100 files renamed to LaSOT sequences
    for f, name in zip(sorted(src.glob("*.txt")), lasot_names, strict=False):
        (results / "Renamed" / f"{name}.txt").write_bytes(f.read_bytes())
    return real / "annotations", results


def test_real_results_inspect_clean(otb) -> None:
    annos, results = otb
    res, doc = _inspect("-d", "otb100", "--root", str(annos), "-r", str(results), "-t", "SiamFC-3s", "-t",
                        "cfnet-conv2")  # fmt: skip
    assert res.exit_code == 0, res.output
    for tracker in doc["trackers"]:
        assert tracker["verdict"] in ("ok", "warn")
        kinds = _facts(tracker)
        assert not {"corners", "offset", "foreign", "missing"} & set(kinds), tracker
        assert kinds["runs"]["count"] == 1 and kinds["format"]["count"] == 100


def test_real_lasot_results_inspect_clean() -> None:
    real = require_shared("data", "real", "lasot")
    res, doc = _inspect("-d", "lasot", "--root", str(real / "annotations"), "-r", str(real / "results"))
    assert res.exit_code == 0, res.output
    assert {t["name"]: t["verdict"] for t in doc["trackers"]} == {"ATOM": "warn", "C-RPN": "ok"}
    atom = _facts(doc["trackers"][0])
    assert atom["zero_size"]["count"] == 18 and "horse-15.txt:2360" in atom["zero_size"]["message"]
    assert atom["format"]["message"] == "comma-separated, integers"
    for tracker in doc["trackers"]:
        assert not {"corners", "offset", "foreign", "missing"} & set(_facts(tracker))


def test_each_problem_is_found_with_its_verdict(otb) -> None:
    annos, results = otb
    res, doc = _inspect("-d", "otb100", "--root", str(annos), "-r", str(results))
    assert res.exit_code == 1
    by_name = {t["name"]: t for t in doc["trackers"]}
    corners = _facts(by_name["Corners"])["corners"]
    assert corners["count"] >= 90  # (the rest lose the target within the first frames)
    # Where the tracker drifted off, x2 < x1: negative widths, which the ODTrack evaluator rejects.
    assert by_name["Corners"]["verdict"] == "refused" and "Skating1.txt:398" in by_name["Corners"]["reason"]
    half = _facts(by_name["HalfPixel"])["offset"]
    assert half["count"] == 100 and "(+0.5, +0.5, +0, +0)" in half["message"] and "half-pixel" in half["message"]
    one_based = _facts(by_name["CornersOneBased"])
    assert "corners" in one_based and "(+1, +1, -1, -1)" in one_based["offset"]["message"]
    assert "17-digit floats (Python repr)" in _facts(by_name["Repr"])["format"]["message"]
    assert _facts(by_name["Tabs"])["format"]["message"] == "tab-separated, decimals (up to 4 digits), CRLF"
    length = _facts(by_name["Truncated"])["length"]
    assert length["count"] == 1 and "Basketball.txt" in length["message"] and "padded" in length["message"]
    assert by_name["Partial"]["verdict"] == "refused" and _facts(by_name["Partial"])["missing"]["count"] == 30
    nan = _facts(by_name["NanRows"])["nan"]
    assert by_name["NanRows"]["verdict"] == "refused" and nan["count"] == 1 and "Biker.txt:7" in nan["message"]
    timed = _facts(by_name["Timed"])["times"]
    assert timed["count"] == 100 and "50.0 FPS" in timed["message"]
    foreign = by_name["LaSOT-ATOM"]
    assert foreign["verdict"] == "refused" and "looks like LaSOT results, not OTB100" in foreign["reason"]
    assert _facts(foreign)["foreign"]["count"] == 280
    renamed = by_name["Renamed"]
    assert renamed["verdict"] == "refused" and "100 of 100 files name LaSOT sequences" in renamed["reason"]
    for name in ("SiamFC-3s", "cfnet-conv2", "Repr", "Tabs", "Timed"):
        assert by_name[name]["verdict"] in ("ok", "warn"), name
        assert not {"corners", "offset"} & set(_facts(by_name[name])), name


def test_the_protocol_decides_the_verdict(otb) -> None:
    annos, results = otb
    args = ("-d", "otb100", "--root", str(annos), "-r", str(results))
    _, official = _inspect(*args, "-p", "official", "-t", "Truncated", "-t", "NanRows")
    verdicts = {t["name"]: t["verdict"] for t in official["trackers"]}
    assert verdicts == {"Truncated": "refused", "NanRows": "warn"}  # MATLAB: short refused, NaN repaired
    _, partial = _inspect(*args, "-t", "Partial", "--allow-missing")
    assert partial["trackers"][0]["verdict"] == "warn"
    _, strict = _inspect(*args, "-t", "HalfPixel", "-t", "SiamFC-3s", "--strict")
    assert [t["verdict"] for t in strict["trackers"]] == ["refused", "ok"]


def test_without_a_root_names_are_checked_against_the_shipped_list(otb) -> None:
    _, results = otb
    res, doc = _inspect("-d", "otb100", "-r", str(results), "-t", "SiamFC-3s", "-t", "LaSOT-ATOM", "-t", "NanRows")
    assert doc["with_ground_truth"] is False
    by_name = {t["name"]: t for t in doc["trackers"]}
    assert by_name["SiamFC-3s"]["verdict"] == "ok"
    assert by_name["LaSOT-ATOM"]["verdict"] == "refused"
    assert by_name["NanRows"]["verdict"] == "refused"  # NaN rows need no ground truth
    assert set(doc) == {"dataset", "protocol", "num_sequences", "with_ground_truth", "trackers"}
    assert set(by_name["SiamFC-3s"]) == {"name", "layout", "verdict", "findings"}
    assert set(by_name["SiamFC-3s"]["findings"][0]) == {"kind", "count", "message"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"1,2,3,4\n5,6,7,8\n", ("comma-separated", "integers")),
        (b"1.5\t2.25\t3\t4\r\n", ("tab-separated", "decimals (up to 2 digits)", "CRLF")),
        (b"368.3008576266198,105.3873217240192,42.641263809619815,14.51975943187873\n",
         ("comma-separated", "17-digit floats (Python repr)")),
        (b"1e2 2.5E-1 3 4\n", ("space-separated", "decimals (up to 1 digits)", "exponents")),
        (b"", ("space-separated", "empty")),
    ],
)  # fmt: skip
def test_number_format(text: bytes, expected: tuple[str, ...]) -> None:
    assert number_format(text) == expected


def test_offset_evidence_needs_most_files_to_agree() -> None:
    gt = np.array([10.0, 20.0, 30.0, 40.0])
    shifted = [(gt + [0.5, 0.5, 0, 0], gt)] * 8
    assert offset_evidence(shifted, corners=False)[1] == 8
    assert offset_evidence(shifted + [(gt, gt)] * 4, corners=False) is None  # 8 of 12 < 80%
    assert offset_evidence([(gt, gt)] * 10, corners=False) is None
    assert offset_evidence([(gt + [3, 0, 0, 0], gt)] * 10, corners=False) is None  # not a convention step
    assert offset_evidence(shifted[:2], corners=False) is None  # too few files to say


def test_the_verdicts_are_the_evaluations(otb) -> None:
    """inspect refuses exactly the trackers evaluate refuses, under each protocol (same listing and rules)."""
    annos, results = otb
    _load_commands()
    for protocol in ("odtrack", "official", "got10k"):
        args = ["-d", "otb100", "--root", str(annos), "-r", str(results), "-p", protocol]
        _, inspected = _inspect(*args)
        evaluated = json.loads(CliRunner().invoke(app, ["evaluate", *args, "-f", "json", "--no-cache"]).stdout)
        refused = {t["name"] for t in inspected["trackers"] if t["verdict"] == "refused"}
        assert refused == {r["name"] for r in evaluated["refused"]}, protocol
        warned = {t["name"] for t in inspected["trackers"] if t["verdict"] == "warn"}
        assert warned == {r["name"] for r in evaluated["repaired"]}, protocol


def test_inspect_agrees_with_evaluate_on_the_edge_cases(tmp_path: Path) -> None:
    """Unrelated files, --allow-missing with --strict, NaN rows past the ground truth, lower-case OTB names
    that are also VOT2020 names (the OTB toolkit's own annotation files are named so)."""
    real = require_shared("data", "real", "otb100")
    src = real / "results" / "SiamFC-3s"
    results = tmp_path / "results"
    shutil.copytree(src, results / "Extra")
    (results / "Extra" / "notes.txt").write_text("downloaded from the authors' page\n")
    shutil.copytree(src, results / "LongNan")
    with open(results / "LongNan" / "Biker.txt", "a") as fh:
        fh.write("nan,nan,nan,nan\n" * 5)  # past the ground truth: cut by every protocol
    shutil.copytree(src, results / "Lower")
    for name in ("Basketball", "Girl", "Matrix", "Shaking", "Singer2"):
        (results / "Lower" / f"{name}.txt").rename(results / "Lower" / f"{name.lower()}.txt")
    shutil.copytree(src, results / "Partial")
    for f in sorted((results / "Partial").glob("*.txt"))[-2:]:  # (evaluate drops them for every tracker)
        f.unlink()
    _load_commands()
    for extra in ((), ("--strict",), ("--allow-missing", "--strict")):
        args = ["-d", "otb100", "--root", str(real / "annotations"), "-r", str(results), *extra]
        _, inspected = _inspect(*args)
        evaluated = json.loads(CliRunner().invoke(app, ["evaluate", *args, "-f", "json", "--no-cache"]).stdout)
        verdicts = {t["name"]: t["verdict"] for t in inspected["trackers"]}
        refused = {r["name"] for r in evaluated["refused"]}
        assert {n for n, v in verdicts.items() if v == "refused"} == refused, extra
        scored = {t["name"]: t for t in evaluated["trackers"]}
        assert {"Extra", "Lower"} <= set(scored), extra
        assert verdicts["Extra"] == "ok" and verdicts["Lower"] == "ok", extra
        if "--allow-missing" in extra:
            assert verdicts["Partial"] == "warn" and "Partial" in scored
    plain = json.loads(CliRunner().invoke(app, ["evaluate", "-d", "otb100", "--root", str(real / "annotations"),
                                                "-r", str(results), "-t", "Lower", "-t", "LongNan", "-f", "json",
                                                "--no-cache"]).stdout)  # fmt: skip
    original = json.loads(CliRunner().invoke(app, ["evaluate", "-d", "otb100", "--root", str(real / "annotations"),
                                                   "-r", str(real / "results"), "-t", "SiamFC-3s", "-f", "json",
                                                   "--no-cache"]).stdout)["trackers"][0]  # fmt: skip
    for tracker in plain["trackers"]:
        assert tracker["auc"] == original["auc"], tracker["name"]  # same boxes, same score


def _number_format_by_token(data: bytes, sample: int = 4096) -> tuple[str, ...]:
    """The per-token definition number_format had until session 6 (kept here as the reference)."""
    import re

    token = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf", re.IGNORECASE)
    head = data[:sample]
    first = next((line for line in head.splitlines() if line.strip()), b"")
    delimiter = "comma-separated" if b"," in first else "tab-separated" if b"\t" in first else "space-separated"
    tokens = token.findall(head)
    if not tokens:
        return (delimiter, "empty") if not data.strip() else (delimiter,)
    exponent = any(b"e" in t.lower() and t.lower() not in (b"nan", b"inf") for t in tokens)
    digits = max(len(re.sub(rb"[^0-9]", b"", t.split(b"e")[0].split(b"E")[0]).lstrip(b"0")) for t in tokens)
    decimals = max((len(t.split(b".")[1].split(b"e")[0].split(b"E")[0]) if b"." in t else 0) for t in tokens)
    style = ("17-digit floats (Python repr)" if digits >= 15 else f"decimals (up to {decimals} digits)"
             if decimals else "integers")  # fmt: skip
    out = (delimiter, style) + (("exponents",) if exponent else ())
    return out + (("CRLF",) if b"\r\n" in head else ())


_ALPHABET = b"0123456789.eE-+,\t \r\nnaifNIx"


@settings(max_examples=400, deadline=None)
@given(st.binary(min_size=0, max_size=300).map(lambda b: bytes(_ALPHABET[c % len(_ALPHABET)] for c in b)))
def test_number_format_equals_its_per_token_definition(data: bytes) -> None:
    assert number_format(data) == _number_format_by_token(data)


@needs_shared
def test_number_format_equals_its_per_token_definition_on_real_files() -> None:
    for path in sorted((REAL / "lasot" / "results").rglob("*.txt"))[:200]:
        data = path.read_bytes()
        assert number_format(data) == _number_format_by_token(data), path


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=40),
    st.integers(0, 17),
    st.sampled_from(["repr", "g", "f", "e"]),
    st.sampled_from([b",", b"\t", b" "]),
)
def test_number_format_equals_its_definition_on_written_floats(values, places, style, sep) -> None:
    """Numbers as trackers write them (repr, %g, %f, %e at 0-17 places): the digit counts at the 17-digit
    threshold and the decimals."""
    fmt = {"repr": repr, "g": lambda v: f"{v:.{places}g}", "f": lambda v: f"{v:.{places}f}",
           "e": lambda v: f"{v:.{places}e}"}[style]  # fmt: skip
    rows = [sep.join(fmt(v).encode() for v in values[i : i + 4]) for i in range(0, len(values), 4)]
    data = b"\n".join(rows) + b"\n"
    assert number_format(data) == _number_format_by_token(data)
