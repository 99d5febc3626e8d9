"""A run killed with SIGKILL mid-way, then resumed, ends with exactly the files of an
uninterrupted run, and never leaves a partial file behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from odtrack_eval.synth import SynthOptions, generate

TRACKER = textwrap.dedent(
    """
    import time

    class Slow:
        def __init__(self, sleep=0.01):
            self.sleep = sleep

        def initialize(self, image, info):
            self.box = [float(v) for v in info["init_bbox"]]

        def track(self, image, info):
            time.sleep(self.sleep)
            self.box = [self.box[0] + 0.7, self.box[1] - 0.3, self.box[2], self.box[3]]
            return {"target_bbox": self.box}
    """
)

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from odtrack_eval.runner import RunConfig, run_tracker
    from odtrack_eval.synth import load_synth
    from odtrack_eval.trackers.definition import TrackerDefinition

    if __name__ == "__main__":  # worker processes are spawned: they re-import this script
        definition = TrackerDefinition("slow", "odt_test_slow:Slow", {"sleep": 0.01}, source="test")
        config = RunConfig(Path(sys.argv[2]), workers=int(sys.argv[3]), progress=False)
        report = run_tracker(definition, load_synth(sys.argv[1]), config)
        sys.exit(0 if report.ok else 1)
    """
)

SEQUENCES, FRAMES = 6, 20


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    base = tmp_path_factory.mktemp("resume")
    bench = generate(base / "bench", SynthOptions(sequences=SEQUENCES, frames=FRAMES, seed=5))
    (base / "odt_test_slow.py").write_text(TRACKER)
    (base / "run.py").write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(base), os.environ.get("PYTHONPATH", "")])}
    return base, bench, env


def _run(base: Path, bench: Path, env: dict, results: Path, workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(base / "run.py"), str(bench), str(results), str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _folder(results: Path) -> Path:
    return results / "slow" / "default" / "lasot"


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_kill_and_resume(setup, tmp_path: Path, workers: int) -> None:
    base, bench, env = setup
    reference = tmp_path / "reference"
    proc = _run(base, bench, env, reference, 1)
    assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()

    results = tmp_path / "killed"
    proc = _run(base, bench, env, results, workers)
    folder = _folder(results)
    deadline = time.monotonic() + 60
    workers_seen: set[int] = set()
    while time.monotonic() < deadline:
        workers_seen.update(_children(proc.pid))
        done = list(folder.glob("*-[0-9].txt")) if folder.is_dir() else []
        if len(done) >= 2:
            break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    done_at_kill = sorted(p.name for p in folder.glob("*-[0-9].txt"))
    assert 2 <= len(done_at_kill) < SEQUENCES, "the kill should land mid-run"
    for name in done_at_kill:  # every box file present is complete
        assert len((folder / name).read_text().splitlines()) == FRAMES
    if workers > 1:
        assert len(workers_seen) >= 1
        deadline = time.monotonic() + 15
        while any(_alive(p) for p in workers_seen) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in workers_seen), "worker processes must exit when the runner dies"

    proc = _run(base, bench, env, results, workers)
    assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()

    ref = _folder(reference)
    names = sorted(p.name for p in folder.iterdir() if p.suffix == ".txt")
    assert names == sorted(p.name for p in ref.iterdir() if p.suffix == ".txt")
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == [".claims"], "no temp files left"
    for name in names:
        if name.endswith("_time.txt"):
            assert len((folder / name).read_text().splitlines()) == FRAMES
        else:
            assert (folder / name).read_bytes() == (ref / name).read_bytes()
    for name in done_at_kill:  # finished sequences were not recomputed
        assert (folder / name).stat().st_mtime_ns <= (folder / "run_manifest.json").stat().st_mtime_ns
    sessions = json.loads((folder / "run_manifest.json").read_text())["sessions"]
    assert [s["status"] for s in sessions] == ["running", "complete"]
    assert sessions[1]["skipped_already_done"] == len(done_at_kill)
