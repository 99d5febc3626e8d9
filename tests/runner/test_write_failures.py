"""Results that cannot be written give one clear error and leave nothing partial; a folder without results
never refuses a new tracker definition."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from odtrack_eval.runner import ResultsWriteError, RunConfig, run_tracker, storage
from odtrack_eval.synth import SynthOptions, generate, load_synth
from odtrack_eval.trackers.definition import CheckpointError, TrackerDefinition
from tests.runner.test_runner import TRACKER_MODULE, install_module


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory):
    return load_synth(generate(tmp_path_factory.mktemp("bench") / "s", SynthOptions(sequences=2, frames=6, seed=4)))


@pytest.fixture()
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    broken = ("from odtrack_eval.trackers.definition import CheckpointError\n"
              "class Broken:\n    def __init__(self, **kw):\n"
              "        raise CheckpointError('checkpoint is not a torch file')\n")  # fmt: skip
    install_module(tmp_path, monkeypatch, "odt_test_broken", broken)
    return install_module(tmp_path, monkeypatch, "odt_test_drift", TRACKER_MODULE)


def _config(root: Path) -> RunConfig:
    return RunConfig(results_root=root, progress=False)


def test_a_failed_build_does_not_lock_the_folder_to_its_definition(dataset, plugin, tmp_path: Path) -> None:
    broken = TrackerDefinition("drift", "odt_test_broken:Broken", {"weights": "a"}, source="test")
    with pytest.raises(CheckpointError):
        run_tracker(broken, dataset, _config(tmp_path))
    folder = tmp_path / "drift" / "default" / "lasot"
    assert json.loads((folder / "run_manifest.json").read_text())["sessions"][-1]["status"].startswith("aborted")
    report = run_tracker(TrackerDefinition("drift", "odt_test_drift:Drift", {}, source="test"), dataset,
                         _config(tmp_path))  # fmt: skip
    assert report.ok and len(report.completed) == len(dataset)
    manifest = json.loads((folder / "run_manifest.json").read_text())
    assert manifest["tracker"]["implementation"] == "odt_test_drift:Drift"


def test_results_root_that_is_a_file(dataset, plugin, tmp_path: Path) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("not a folder")
    with pytest.raises(ResultsWriteError, match="cannot write results to .*results.*Not a directory"):
        run_tracker(TrackerDefinition("drift", "odt_test_drift:Drift", {}, source="test"), dataset,
                    _config(blocker))  # fmt: skip
    assert blocker.read_text() == "not a folder"


def test_read_only_results_root(dataset, plugin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_mkdir = Path.mkdir

    def refuse(self: Path, *args: object, **kwargs: object) -> None:  # chmod does not stop root (CI)
        if str(self).startswith(str(tmp_path / "ro")):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(ResultsWriteError, match="Permission denied"):
        run_tracker(TrackerDefinition("drift", "odt_test_drift:Drift", {}, source="test"), dataset,
                    _config(tmp_path / "ro"))  # fmt: skip
    assert not (tmp_path / "ro").exists()


def test_a_full_disk_stops_the_run_with_one_error_and_no_partial_file(
    dataset, plugin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync

    def full(fd: int) -> None:
        """The disk fills up while a result file (not the manifest) is written."""
        if os.readlink(f"/proc/self/fd/{fd}").endswith(f"_time.txt.{storage._HOST}.{os.getpid()}.tmp"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(storage.os, "fsync", full)
    with pytest.raises(ResultsWriteError, match="No space left on device"):
        run_tracker(TrackerDefinition("drift", "odt_test_drift:Drift", {}, source="test"), dataset,
                    _config(tmp_path))  # fmt: skip
    folder = tmp_path / "drift" / "default" / "lasot"
    assert not [p for p in folder.iterdir() if p.suffix in (".txt", ".tmp")]  # atomic writes left nothing
    session = json.loads((folder / "run_manifest.json").read_text())["sessions"][-1]
    assert "No space left" in session["status"]


def test_a_write_error_leaves_no_claim_behind(dataset, plugin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a failed run, the same process (a notebook) runs again and tracks every sequence left."""
    real_fsync = os.fsync
    fail = [True]

    def full_once(fd: int) -> None:
        if fail[0] and os.readlink(f"/proc/self/fd/{fd}").endswith(f"_time.txt.{storage._HOST}.{os.getpid()}.tmp"):
            fail[0] = False
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(storage.os, "fsync", full_once)
    definition = TrackerDefinition("drift", "odt_test_drift:Drift", {}, source="test")
    with pytest.raises(ResultsWriteError):
        run_tracker(definition, dataset, _config(tmp_path))
    report = run_tracker(definition, dataset, _config(tmp_path))
    assert report.elsewhere == [] and report.left == 0 and report.done == len(dataset)


def test_without_lock_support_runs_go_on_with_a_warning(dataset, plugin, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import fcntl

    from odtrack_eval.runner import claims

    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    monkeypatch.setattr(claims, "_UNSUPPORTED_WARNED", [])
    with pytest.warns(UserWarning, match="file locks are not supported"):
        report = run_tracker(TrackerDefinition("drift", "odt_test_drift:Drift", {}, source="test"), dataset,
                             _config(tmp_path))  # fmt: skip
    assert report.ok and len(report.completed) == len(dataset)


def test_another_definition_is_refused_while_a_run_is_in_progress(dataset, plugin, tmp_path: Path) -> None:
    from odtrack_eval.errors import ResultsError
    from odtrack_eval.runner.claims import hold_session

    folder = tmp_path / "drift" / "default" / "lasot"
    first = TrackerDefinition("drift", "odt_test_drift:Drift", {"dx": 1.0}, source="test")
    run_tracker(first, dataset.select([dataset.names[0]]), _config(tmp_path))  # leaves a manifest...
    for path in folder.glob("*.txt"):
        path.unlink()  # ... and, as if its first sequence were still being tracked, no result yet
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from odtrack_eval.runner.claims import hold_session; "
        f"hold_session(Path({str(folder)!r})); print('held', flush=True); time.sleep(30)")],
        stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"  # type: ignore[union-attr]
        other = TrackerDefinition("drift", "odt_test_drift:Drift", {"dx": 2.0}, source="test")
        with pytest.raises(ResultsError, match="another tracker definition is in progress"):
            run_tracker(other, dataset, _config(tmp_path))
    finally:
        holder.kill()
        holder.wait()
    fd = hold_session(folder)  # our own session share does not count as another run
    os.close(fd)
    report = run_tracker(TrackerDefinition("drift", "odt_test_drift:Drift", {"dx": 2.0}, source="test"), dataset,
                         _config(tmp_path))  # fmt: skip
    assert report.ok  # nobody else runs and nothing was written: the folder takes the new definition
