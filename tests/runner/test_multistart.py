"""Multistart runner and ``vot setup``: stock ``vot analysis`` scores the workspace our runner writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.datasets import load_dataset
from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.regions import region as rg
from odtrack_eval.results import vot_workspace as ws
from odtrack_eval.runner.multistart import run_multistart, select
from odtrack_eval.vot import reference
from tests.fixtures.vot import make_vot

pytest.importorskip("vot.analysis.multistart", reason="vot-toolkit (reference) not installed")


def _cli(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "odtrack_eval", *args], capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


class _Drifting:
    """Deterministic test tracker: moves the box right by 3 px per frame, records what it was given."""

    def __init__(self) -> None:
        self.inits: list[dict] = []
        self.box = [0.0, 0.0, 0.0, 0.0]

    def initialize(self, image, info):
        assert image.ndim == 3
        self.inits.append(info)
        self.box = list(info["init_bbox"])

    def track(self, image, info=None):
        self.box[0] += 3
        return {"target_bbox": list(self.box)}


@pytest.fixture()
def vot_root(tmp_path: Path) -> Path:
    make_vot(tmp_path)
    hand = tmp_path / "sequences" / "hand02"
    (hand / "anchor.value").write_text("1\n0\n0\n0\n-1\n")  # a forward and a backward anchor
    return tmp_path


def test_runner_layout_order_and_resume(vot_root: Path) -> None:
    ds = select(load_dataset("vot2020", vot_root / "sequences"), ["ants1", "hand02"])
    tr = _Drifting()
    report = run_multistart(tr, ds, vot_root, "drift")
    # ants1: forward anchor 0, backward anchor 5; hand02: forward 0, backward 4
    assert report.completed == ["ants1_00000000", "ants1_00000005", "hand02_00000000", "hand02_00000004"]
    assert [i["anchor"] for i in tr.inits] == [0, 5, 0, 4]
    base = vot_root / "results" / "drift" / "baseline"
    back = ws.read_trajectory(base / "hand02" / "hand02_00000004.bin")
    assert len(back) == 5 and back[0] == rg.Special(1)
    # backward run starts from frame 4's box (3,4,5,6) and drifts 3 px per tracked frame
    assert back[1] == rg.Rectangle(6.0, 4.0, 5.0, 6.0) and back[4] == rg.Rectangle(15.0, 4.0, 5.0, 6.0)
    assert tr.inits[1]["init_bbox"] == rg.region_to_bbox(rg.toolkit_read(ds.sequences[0].extra["regions"][5])).tolist()
    times = ws.read_values(base / "ants1" / "ants1_00000000_time.value")
    assert times.size == 6 and np.all(times >= 0)
    # resume: nothing to do, then only the deleted run is redone
    assert run_multistart(_Drifting(), ds, vot_root, "drift").completed == []
    (base / "ants1" / "ants1_00000005.bin").unlink()
    again = run_multistart(_Drifting(), ds, vot_root, "drift")
    assert again.completed == ["ants1_00000005"] and len(again.skipped) == 3


def test_runner_rejects_nan_boxes(vot_root: Path) -> None:
    class Bad(_Drifting):
        def track(self, image, info=None):
            return {"target_bbox": [float("nan"), 1, 2, 3]}

    ds = select(load_dataset("vot2020", vot_root / "sequences"), ["ants1"])
    with pytest.raises(OdtrackEvalError, match=r"'ants1', frame 1: tracker returned a non-finite box"):
        run_multistart(Bad(), ds, vot_root, "bad")
    assert not list((vot_root / "results" / "bad").rglob("*.bin"))  # nothing half-written


def test_stock_vot_analysis_reads_our_runner_workspace(vot_root: Path) -> None:
    w = vot_root
    out = _cli("vot", "run", "static", "--root", str(w / "sequences"), "--workspace", str(w),
               "-s", "ants1", "-s", "hand02")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "4 runs tracked" in out.stdout
    (w / "sequences" / "list.txt").write_text("ants1\nhand02\n")  # the toolkit scores list.txt's sequences
    (w / "stack.yaml").write_text(reference.STACK.format(low=1, high=6))
    out = _cli("vot", "setup", "--workspace", str(w), "--tracker", "static", "--stack", "stack.yaml")
    assert out.returncode == 0, out.stderr
    vot = subprocess.run([sys.executable, "-m", "vot", "analysis", "--workspace", str(w), "--format", "json",
                          "--name", "check", "static"], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert vot.returncode == 0, vot.stdout + vot.stderr
    doc = json.loads((w / "analysis" / "check.json").read_text())
    eao, curve, ar = doc["results"]["baseline"]["results"]
    ours = _cli("evaluate", "-d", "vot2020", "--root", str(w / "sequences"), "-r", str(w / "results"), "-f", "json")
    assert ours.returncode == 0, ours.stderr
    # our default EAO interval is 115..754; compare the curve and A, R (the toolkit ran with high=6 here)
    mine = json.loads(ours.stdout)["trackers"][0]
    assert mine["name"] == "static"
    assert mine["accuracy"] == pytest.approx(ar[0][0], abs=1e-9)
    assert mine["robustness"] == pytest.approx(ar[0][1], abs=1e-9)
    import dataclasses

    from odtrack_eval.protocols.multistart import VOT2020
    from odtrack_eval.vot.analysis import evaluate_tracker

    short = dataclasses.replace(VOT2020, eao_low=1, eao_high=6)
    r = evaluate_tracker(load_dataset("vot2020", w / "sequences"), w / "results", "static", short)
    assert r.eao == pytest.approx(eao[0][0], abs=1e-9)
    np.testing.assert_allclose(r.curve, curve[0][0], atol=1e-9)


def test_setup_entry_parsed_by_toolkit_registry(tmp_path: Path) -> None:
    from odtrack_eval.vot.setup import write_entry

    (tmp_path / "trackers.ini").write_text("[other]\nlabel = x\nprotocol = trax\ncommand = foo\n")
    path, ident = write_entry(tmp_path, "opencv-csrt", device="cpu")
    assert ident == "opencv-csrt"
    from vot.tracker import Registry

    reg = Registry([str(tmp_path)], root=str(tmp_path))
    t = reg["opencv-csrt"]
    assert t.protocol == "traxpython" and t._command == "odtrack_eval.vot.trax_wrapper"
    assert t._envvars["ODTRACK_EVAL_TRACKER"] == "opencv-csrt" and t._envvars["ODTRACK_EVAL_DEVICE"] == "cpu"
    assert "other" in reg  # the existing section is kept
    write_entry(tmp_path, "opencv-csrt", device="cuda")  # replaced, not duplicated
    assert Registry([str(tmp_path)], root=str(tmp_path))["opencv-csrt"]._envvars["ODTRACK_EVAL_DEVICE"] == "cuda"
