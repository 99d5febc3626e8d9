"""``odtrack-eval datasets check|list`` through typer's CliRunner (exit codes and messages)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from odtrack_eval.cli import _load_commands, app
from odtrack_eval.datasets import REGISTRY
from odtrack_eval.datasets.check import check_dataset
from tests._shared import SHARED
from tests.fixtures.got10k import make_got10k
from tests.fixtures.trackingnet import make_trackingnet
from tests.fixtures.vot import make_vot

_load_commands()
runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def test_clean_folder_dataset_passes(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "0.jpg").write_bytes(b"")
        (tmp_path / name / "1.jpg").write_bytes(b"")
        (tmp_path / name / "groundtruth.txt").write_text("1,2,3,4\n")
    res = _run("datasets", "check", "folder", "--root", str(tmp_path))
    assert res.exit_code == 0, res.output
    assert "sequences:" in res.output and "folder: OK" in res.output


def test_got10k_reports_every_problem_and_fails(tmp_path):
    make_got10k(tmp_path)
    val = tmp_path / "val"
    (val / "GOT-10k_Val_000001" / "00000003.jpg").unlink()
    (val / "GOT-10k_Val_000002" / "groundtruth.txt").write_text("1,2,3,4\n2,3,4\n3,4,5,6\n")
    res = _run("datasets", "check", "got10k-val", "--root", str(tmp_path))
    assert res.exit_code == 1
    out = res.output
    assert "GOT-10k_Val_000002/groundtruth.txt:2: found 3 values" in out  # malformed line, file:line
    assert "GOT-10k_Val_000001: 1 of 5 frames missing" in out and "00000003.jpg" in out
    assert "178 of 180 sequences missing: GOT-10k_Val_000003" in out  # not ..._000002: it failed, not missing
    assert "GOT-10k_Val_000002, GOT" not in out


def test_trackingnet_frame_count_mismatch_and_frames_flag(tmp_path):
    make_trackingnet(tmp_path)
    (tmp_path / "TRAIN_0" / "frames" / "cVrxfV0w29w_0" / "10.jpg").unlink()
    report = check_dataset("trackingnet-train", tmp_path)
    assert any("cVrxfV0w29w_0: 10 frames" in p and "11 ground-truth rows" in p for p in report.problems)
    test = check_dataset("trackingnet", tmp_path)
    assert not any("_-er1Sdg3a8_0" in p for p in test.problems)  # annotation-only is not an error ...
    assert any("1 of 3 sequences are annotation-only" in n for n in test.notes)
    strict = check_dataset("trackingnet", tmp_path, frames=True)
    assert any("_-er1Sdg3a8_0: no frames found" in p for p in strict.problems)  # ... unless --frames


def test_vot_summary_and_missing_sequences(tmp_path):
    make_vot(tmp_path)
    res = _run("datasets", "check", "vot2020", "--root", str(tmp_path))
    assert res.exit_code == 1
    assert "57 of 60 sequences missing" in res.output
    assert "tagged frames:" in res.output and "occlusion" in res.output
    report = check_dataset("vot2020", tmp_path)
    assert report.summary["sequences"] == 3 and report.summary["ground-truth rows"] == 6 + 5 + 7
    assert report.summary["absent frames"] == 1 + 2 + 2  # empty mask; NaN rect + code 0; 2 padded


def test_unknown_layout_and_unconfigured_root(tmp_path, monkeypatch):
    res = _run("datasets", "check", "vot2020", "--root", str(tmp_path))
    assert res.exit_code == 1 and "list.txt: not found" in res.output
    monkeypatch.delenv("GOT10K_ROOT", raising=False)
    monkeypatch.setenv("ODTRACK_EVAL_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("[datasets]\n")
    res = _run("datasets", "check", "got10k-val")
    assert res.exit_code == 2 and "GOT10K_ROOT" in res.output


def test_list_shows_every_dataset(tmp_path, monkeypatch):
    monkeypatch.setenv("ODTRACK_EVAL_CONFIG", str(tmp_path / "c.toml"))
    (tmp_path / "c.toml").write_text(f'[datasets]\nvot2020 = "{tmp_path}"\ngot10k = "{tmp_path / "nope"}"\n')
    monkeypatch.delenv("VOT2020_ROOT", raising=False)
    monkeypatch.delenv("GOT10K_ROOT", raising=False)
    res = _run("datasets", "list")
    assert res.exit_code == 0
    for spec in {s.name for s in REGISTRY.values()}:
        assert spec in res.output
    assert f"{tmp_path} [ok]" in res.output and "nope [MISSING]" in res.output


@pytest.mark.parametrize("name", ["lasot", "tnl2k", "otb100"])
def test_checker_on_real_annotations_of_other_adapters(name):
    folder = {"lasot": "lasot", "tnl2k": "tnl2k", "otb100": "otb100"}[name]
    root = SHARED / "data" / "real" / folder / "annotations"
    if not root.is_dir():
        pytest.skip(f"shared data not found at {root}")
    report = check_dataset(name, root)
    assert report.ok, report.problems[:5]
    expected = {"lasot": 280, "tnl2k": 700, "otb100": 100}[name]
    assert report.summary["sequences"] == expected
    assert report.summary["annotation-only sequences"] == expected
