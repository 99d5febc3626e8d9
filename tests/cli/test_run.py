"""``odtrack-eval run``: exit codes, summaries and clear errors on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from odtrack_eval.cli import main
from odtrack_eval.synth import SynthOptions, generate, load_synth


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for var in ("ODTRACK_EVAL_TRACKERS", "ODTRACK_EVAL_CONFIG", "LASOT_ROOT", "ODTRACK_EVAL_RESULTS"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("b") / "synth", SynthOptions(sequences=3, frames=8, seed=4))


def _cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code


@pytest.fixture()
def synth_loader(bench: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Route the CLI's dataset loading to the synth reader (independent of the LaSOT adapter)."""
    import odtrack_eval.cli.run as run_cli

    monkeypatch.setattr(run_cli, "_load", lambda dataset, root: load_synth(bench))


def test_run_writes_results_and_summary(synth_loader, tmp_path: Path, capsys) -> None:
    results = tmp_path / "res"
    assert _cli(["run", "static", "-d", "lasot", "--results", str(results), "--run-id", "2", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "static on lasot: 3 tracked, 0 already done, 0 failed" in out
    folder = results / "static" / "default_002" / "lasot"
    assert sorted(p.name for p in folder.glob("*.txt") if "_" not in p.name) == [
        "card-1.txt",
        "disc-1.txt",
        "tile-1.txt",
    ]
    assert _cli(["run", "static", "-d", "lasot", "--results", str(results), "--run-id", "2", "--no-progress"]) == 0
    assert "0 tracked, 3 already done" in capsys.readouterr().out


def test_selected_sequences(synth_loader, tmp_path: Path, capsys) -> None:
    args = ["run", "static", "-d", "lasot", "-r", str(tmp_path), "--no-progress", "-s", "tile-1,disc-1"]
    assert _cli(args) == 0
    assert sorted(p.name for p in (tmp_path / "static" / "default" / "lasot").glob("*-1.txt")) == [
        "disc-1.txt",
        "tile-1.txt",
    ]
    assert _cli(["run", "static", "-d", "lasot", "-r", str(tmp_path), "-s", "tile-9"]) == 2
    assert "unknown sequence of lasot 'tile-9'" in capsys.readouterr().err


def test_failed_sequence_gives_nonzero_exit(synth_loader, bench: Path, tmp_path: Path, capsys) -> None:
    (bench / "disc" / "disc-1" / "img" / "00000002.jpg").rename(bench / "moved.jpg")
    try:
        assert _cli(["run", "opencv-kcf", "-d", "lasot", "-r", str(tmp_path), "--no-progress"]) == 1
    finally:
        (bench / "moved.jpg").rename(bench / "disc" / "disc-1" / "img" / "00000002.jpg")
    captured = capsys.readouterr()
    assert "2 tracked, 0 already done, 1 failed" in captured.out
    assert "disc-1: FormatError" in captured.err and "00000002.jpg" in captured.err
    assert _cli(["run", "opencv-kcf", "-d", "lasot", "-r", str(tmp_path), "--no-progress"]) == 0  # retry
    assert "1 tracked, 2 already done" in capsys.readouterr().out


def test_unknown_tracker_and_dataset(tmp_path: Path, capsys) -> None:
    assert _cli(["run", "kcf", "-d", "lasot", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown tracker 'kcf'" in err and "opencv-kcf" in err and "static" in err
    assert _cli(["run", "static", "-d", "lasott", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown dataset 'lasott'" in err and "lasot" in err and "otb100" in err


def test_missing_dataset_root(tmp_path: Path, capsys) -> None:
    assert _cli(["run", "static", "-d", "lasot", "--root", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "nowhere" in err
    assert _cli(["run", "static", "-d", "lasot"]) == 2
    err = capsys.readouterr().err
    assert "--root" in err and "LASOT_ROOT" in err


def test_bad_device_and_backend(tmp_path: Path, capsys) -> None:
    assert _cli(["run", "static", "-d", "lasot", "--root", str(tmp_path), "--device", "gpu"]) == 2
    assert "invalid device 'gpu'" in capsys.readouterr().err
    assert _cli(["run", "static", "-d", "lasot", "--root", str(tmp_path), "--backend", "slurm"]) == 2
    assert "unknown backend 'slurm'; available: local, ray" in capsys.readouterr().err


def test_lasot_adapter_loads_a_synth_root(bench: Path) -> None:
    from odtrack_eval.datasets import load_dataset

    dataset = load_dataset("lasot", bench)
    expected = load_synth(bench)
    assert dataset.names == expected.names
    for ours, theirs in zip(dataset, expected, strict=True):
        assert (ours.ground_truth == theirs.ground_truth).all()
        assert (ours.visible == theirs.visible).all() and ours.attributes == theirs.attributes
        assert ours.frame_paths() == theirs.frame_paths()


def test_results_folder_that_cannot_be_written_is_one_clean_error(synth_loader, tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("a file, not a folder")
    assert _cli(["run", "static", "-d", "lasot", "-r", str(blocker), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: cannot write results to") and "Traceback" not in err


def test_annotation_only_root_is_one_error_up_front(tmp_path: Path, capsys) -> None:
    annos = tmp_path / "annos"
    (annos / "absent").mkdir(parents=True)
    (annos / "cat-1.txt").write_text("1,2,3,4\n" * 5)
    (annos / "absent" / "cat-1.txt").write_text("0\n" * 5)
    (annos / "testing_set.txt").write_text("cat-1\n")
    assert _cli(["run", "static", "-d", "lasot", "--root", str(annos), "-r", str(tmp_path / "r"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "loaded from annotations only" in err and "--root" in err
    assert not (tmp_path / "r").exists()


def test_sigterm_prints_how_to_resume(bench: Path, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "slowpoke.toml").write_text('name = "slowpoke"\nimplementation = "odt_cli_slow:Slow"\n')
    (tmp_path / "odt_cli_slow.py").write_text(
        "import time\nclass Slow:\n    def initialize(self, image, info):\n        self.box = info['init_bbox']\n"
        "    def track(self, image, info):\n        time.sleep(0.2)\n        return {'target_bbox': self.box}\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    cmd = [sys.executable, "-m", "odtrack_eval", "run", "slowpoke", "--trackers-dir", str(defs), "-d", "lasot",
           "--root", str(bench), "-r", str(tmp_path / "r"), "--no-progress"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    manifest = tmp_path / "r" / "slowpoke" / "default" / "lasot" / "run_manifest.json"
    deadline = time.monotonic() + 60
    while not manifest.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "interrupted: 0 sequences done, 3 left; run the same command again to resume" in err
    assert "Traceback" not in err
