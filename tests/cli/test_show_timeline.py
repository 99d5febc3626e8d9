"""``odtrack-eval show timeline`` on the real LaSOT annotations (no frames) and ``evaluate --failures``: what a
user gets, and one clear line for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.report import plots
from tests._shared import REAL, require_shared
from tests.metrics.test_failures import _plain


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "odtrack_eval", *args], capture_output=True, text=True)


def _share(img: np.ndarray, colour: str) -> float:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return float((np.abs(img.reshape(-1, 3) - rgb).max(axis=1) < 0.03).mean())


def test_timeline_of_a_real_lasot_sequence_from_annotations_only(tmp_path: Path) -> None:
    import matplotlib.image as mpimg

    annos = require_shared("data", "real", "lasot", "annotations")
    out = tmp_path / "fox-20.png"
    proc = _run("show", "timeline", "-d", "lasot", "--root", str(annos), "-r", str(REAL / "lasot" / "results"),
                "-s", "fox-20", "-o", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stdout
    img = mpimg.imread(out)[..., :3]
    # ATOM and C-RPN in the colours the report's curves give them (name order), and the merged absent flag
    # of the toolkit layout (689 of fox-20's 4,160 frames) shaded
    assert _share(img, plots.OKABE_ITO[0]) > 0.005 and _share(img, plots.OKABE_ITO[1]) > 0.005
    assert _share(img, "#d9d9d9") > 0.02


def test_pdf_and_centre_error(tmp_path: Path) -> None:
    annos = require_shared("data", "real", "lasot", "annotations")
    out = tmp_path / "t.pdf"
    proc = _run("show", "timeline", "-d", "lasot", "--root", str(annos), "-r", str(REAL / "lasot" / "results"),
                "-s", "airplane-1", "-t", "ATOM", "--centre-error", "-o", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-s", "airplane-1", "-o", "x.jpg"], "--out x.jpg: expected a file name ending in .png, .pdf or .svg"),
        (["-s", "airplane-99", "-o", "x.png"], "airplane-99"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    annos = require_shared("data", "real", "lasot", "annotations")
    proc = _run("show", "timeline", "-d", "lasot", "--root", str(annos), "-r", str(REAL / "lasot" / "results"),
                *args)  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and message in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture()
def planted(tmp_path: Path) -> tuple[Path, Path, dict]:
    """A LaSOT toolkit-annotation root (2 sequences, absent frames) and two trackers with failures planted."""
    annos = tmp_path / "annos"
    (annos / "absent").mkdir(parents=True)
    n = 120
    gt = np.tile([40, 40, 30, 30], (n, 1))
    absent = {"airplane-1": np.zeros(n, int), "bear-2": np.zeros(n, int)}
    absent["bear-2"][50:60] = 1
    # lost (IoU 0) frames: airplane-1: A 20-39 (recovered), B 5-9 (too short) and 100-119 (to the end);
    # bear-2: A 45-54 and 60-64 (the absent frames 50-59 join them: one failure of 10 present frames), B none
    lost = {("A", "airplane-1"): [range(20, 40)], ("B", "airplane-1"): [range(5, 10), range(100, 120)],
            ("A", "bear-2"): [range(45, 55), range(60, 65)], ("B", "bear-2"): []}  # fmt: skip
    for name in absent:
        np.savetxt(annos / f"{name}.txt", gt, fmt="%d", delimiter=",")
        np.savetxt(annos / "absent" / f"{name}.txt", absent[name], fmt="%d")
    ious = {}
    for (tracker, name), spans in lost.items():
        boxes = gt.copy()
        iou = np.ones(n)
        for span in spans:
            boxes[list(span)] = [200, 200, 30, 30]
            iou[list(span)] = 0.0
        ious[tracker, name] = iou
        (tmp_path / "results" / tracker).mkdir(parents=True, exist_ok=True)
        np.savetxt(tmp_path / "results" / tracker / f"{name}.txt", boxes, fmt="%d", delimiter=",")
    expected = {}
    for tracker in ("A", "B"):
        found = {name: _plain(ious[tracker, name].tolist(), (absent[name] == 0).tolist(), 0.1, 10) for name in absent}
        every = [f for fs in found.values() for f in fs]
        expected[tracker] = {
            "failures": len(every),
            "recovered": sum(f[3] for f in every),
            "sequences_failed": sum(bool(fs) for fs in found.values()),
            "frames_lost": sum(f[2] for f in every),
            "mean_frames_to_first_failure": float(np.mean([fs[0][0] for fs in found.values() if fs])),
        }
    return annos, tmp_path / "results", expected


def test_evaluate_failures_json_and_table(planted) -> None:
    annos, results, expected = planted
    # by hand: A fails twice (airplane-1 20-39, bear-2 45-64 across the absent frames), both recovered;
    # B once (airplane-1 100-119, not recovered; 5-9 is too short)
    assert expected["A"]["failures"] == 2 and expected["A"]["recovered"] == 2 and expected["A"]["frames_lost"] == 30
    assert expected["B"]["failures"] == 1 and expected["B"]["recovered"] == 0
    base = ["evaluate", "-d", "lasot", "--root", str(annos), "-r", str(results), "-s", "airplane-1", "-s", "bear-2",
            "--failures"]  # fmt: skip
    proc = _run(*base, "-f", "json")
    assert proc.returncode == 0, proc.stderr
    block = json.loads(proc.stdout)["failures"]
    assert block["threshold"] == 0.1 and block["min_frames"] == 10
    for tracker, want in expected.items():
        got = block["trackers"][tracker]
        assert {k: got[k] for k in want} == want, tracker
    assert block["trackers"]["B"]["recovery_rate"] == 0.0
    assert [d["sequence"] for d in block["disagreement"]] == [
        "airplane-1",
        "bear-2",
    ]  # 45 of 120 frames apart vs 10 of 110
    proc = _run(*base, "-f", "markdown")
    assert proc.returncode == 0, proc.stderr
    assert "**Failures (IoU < 0.1 for ≥ 10 frames)**" in proc.stdout
    assert "| Sequence | Mean IoU range |" in proc.stdout


def test_a_tracker_without_the_sequence_is_left_out_with_a_warning(planted, tmp_path: Path) -> None:
    annos, results, _ = planted
    (results / "B" / "bear-2.txt").unlink()
    base = ["show", "timeline", "-d", "lasot", "--root", str(annos), "-r", str(results), "-s", "bear-2"]
    proc = _run(*base, "-o", str(tmp_path / "t.png"))
    assert proc.returncode == 0, proc.stderr
    assert "warning: B has no result file for bear-2; left out" in proc.stderr
    proc = _run(*base, "-t", "B", "-o", str(tmp_path / "t.png"))
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "--sequence bear-2" in proc.stderr


def test_report_timelines_option_is_checked(tmp_path: Path) -> None:
    bench = tmp_path / "bench"
    assert _run("synth", "-o", str(bench), "-n", "3", "--frames", "30").returncode == 0
    for gt in bench.glob("*/*/groundtruth.txt"):
        (tmp_path / "results" / "T").mkdir(parents=True, exist_ok=True)
        (tmp_path / "results" / "T" / f"{gt.parent.name}.txt").write_text(gt.read_text())
    base = ["report", "-d", "lasot", "--root", str(bench), "-r", str(tmp_path / "results"), "-o", str(tmp_path / "r")]
    proc = _run(*base, "--timelines", "some")
    assert proc.returncode == 2 and "--timelines" in proc.stderr and "'all'" in proc.stderr
    proc = _run(*base, "--timelines", "1", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "r" / "sequences").glob("*_timeline.png"))) == 1
    assert len(list((tmp_path / "r" / "sequences").glob("*.html"))) == 3


def test_sequence_pages_list_each_trackers_failed_frames(planted, tmp_path: Path) -> None:
    from odtrack_eval.datasets import load_dataset
    from odtrack_eval.evaluation import evaluate_folder
    from odtrack_eval.protocols import get_protocol
    from odtrack_eval.report.build import build_report

    annos, results, _ = planted
    ds = load_dataset("lasot", annos, sequences=["airplane-1", "bear-2"])
    ev = evaluate_folder(ds, results, get_protocol("odtrack"), cache=False)
    index = build_report(ev, tmp_path / "r", results, timelines=None).index
    airplane = (index.parent / "sequences" / "airplane-1.html").read_text()
    bear = (index.parent / "sequences" / "bear-2.html").read_text()
    # frames from 1: A lost 0-based 20-39, B 100-119 (to the end); on bear-2 A 45-64 across the absent 50-59
    assert "<td>A</td>" in airplane and "21–40 (recovered)" in airplane and "101–120<" in airplane
    assert "46–65 (recovered)" in bear and ">none<" in bear
    assert len(list((index.parent / "sequences").glob("*_timeline.png"))) == 2
