"""Several runs on one results folder split the work: every sequence is tracked once, the manifest keeps
every session, and the files equal those of a single run. Interruptions by SIGTERM/SIGHUP end like Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from odtrack_eval.synth import SynthOptions, generate

TRACKER = textwrap.dedent(
    """
    import os, time

    class Logged:
        def __init__(self, log, sleep=0.02):
            self.log, self.sleep = log, sleep

        def initialize(self, image, info):
            self.box = [float(v) for v in info["init_bbox"]]
            with open(self.log, "a") as f:  # one line per sequence started: pid and the init box
                f.write(f"{os.getpid()} {self.box}\\n")

        def track(self, image, info):
            time.sleep(self.sleep)
            self.box = [self.box[0] + 0.5, self.box[1], self.box[2], self.box[3]]
            return {"target_bbox": self.box}
    """
)

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from odtrack_eval.runner import RunConfig, RunInterrupted, exit_status, run_tracker
    from odtrack_eval.synth import load_synth
    from odtrack_eval.trackers.definition import TrackerDefinition

    if __name__ == "__main__":
        bench, results, workers, log, sleep = sys.argv[1:6]
        definition = TrackerDefinition("logged", "odt_test_logged:Logged", {"log": log, "sleep": float(sleep)},
                                       source="test")
        config = RunConfig(Path(results), workers=int(workers), progress=False)
        try:
            report = run_tracker(definition, load_synth(bench), config)
        except RunInterrupted as exc:
            print(f"interrupted: {exc.report.done} done, {exc.report.left} left", flush=True)
            sys.exit(exit_status(exc))
        print(f"tracked {len(report.completed)}, elsewhere {len(report.elsewhere)}", flush=True)
        sys.exit(0 if report.ok else 1)
    """
)

SEQUENCES, FRAMES = 8, 15


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    base = tmp_path_factory.mktemp("concurrency")
    bench = generate(base / "bench", SynthOptions(sequences=SEQUENCES, frames=FRAMES, seed=3))
    (base / "odt_test_logged.py").write_text(TRACKER)
    (base / "run.py").write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(base), os.environ.get("PYTHONPATH", "")])}
    return base, bench, env


def _start(setup, results: Path, log: Path, workers: int = 1, sleep: float = 0.02) -> subprocess.Popen:
    base, bench, env = setup
    args = [str(base / "run.py"), str(bench), str(results), str(workers), str(log), str(sleep)]
    return subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _folder(results: Path) -> Path:
    return results / "logged" / "default" / "lasot"


def _box_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*.txt") if not p.name.endswith("_time.txt")}


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_two_runs_on_one_folder_split_the_work(setup, tmp_path: Path, workers: int) -> None:
    reference = tmp_path / "reference"
    assert _start(setup, reference, tmp_path / "ref.log").wait(timeout=120) == 0
    results, log = tmp_path / "shared", tmp_path / "shared.log"
    first = _start(setup, results, log, workers)
    second = _start(setup, results, log, workers)
    outs = [p.communicate(timeout=180) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outs
    started = Counter(line.split(" ", 1)[1] for line in log.read_text().splitlines())
    assert len(started) == SEQUENCES and set(started.values()) == {1}, "every sequence tracked exactly once"
    folder = _folder(results)
    assert _box_files(folder) == _box_files(_folder(reference))
    sessions = json.loads((folder / "run_manifest.json").read_text())["sessions"]
    assert len(sessions) == 2 and all(s["ended"] and s["status"] in ("complete", "incomplete") for s in sessions)
    assert {s["status"] for s in sessions} >= {"complete"}
    tracked = [int(out.split("tracked ")[1].split(",")[0]) for out, _ in outs]
    assert sum(tracked) == SEQUENCES


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_end_the_run_like_ctrl_c(setup, tmp_path: Path, sig: signal.Signals) -> None:
    results, log = tmp_path / "r", tmp_path / "r.log"
    proc = _start(setup, results, log, sleep=0.05)
    deadline = time.monotonic() + 60
    while (not log.exists() or len(log.read_text().splitlines()) < 2) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, (out, err)
    folder = _folder(results)
    done = len(_box_files(folder))
    assert f"interrupted: {done} done, {SEQUENCES - done} left" in out
    session = json.loads((folder / "run_manifest.json").read_text())["sessions"][-1]
    assert session["status"].startswith("aborted") and sig.name in session["status"] and session["ended"]
    # resuming (the same command) finishes the rest, and the result equals an uninterrupted run
    assert _start(setup, results, log, sleep=0.05).wait(timeout=120) == 0
    reference = tmp_path / "reference"
    assert _start(setup, reference, tmp_path / "ref.log").wait(timeout=120) == 0
    assert _box_files(folder) == _box_files(_folder(reference))
