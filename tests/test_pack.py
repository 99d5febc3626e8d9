"""Submission packages: complete ones are written and re-read exactly; incomplete ones are refused
with the full list of problems and no file is left behind."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.datasets._common import read_name_list
from odtrack_eval.errors import ResultsError
from odtrack_eval.pack import write_package
from odtrack_eval.results import discover_trackers


def _write_results(folder: Path, names: list[str], rng: np.random.Generator, runs: int = 1) -> dict:
    written = {}
    for r in range(runs):
        run_dir = folder / "trk" / (f"default_{r:03d}" if runs > 1 else "default")
        run_dir.mkdir(parents=True)
        for name in names:
            n = 7 + len(name) % 5
            boxes = np.round(rng.uniform(1, 300, (n, 4)), 3)
            np.savetxt(run_dir / f"{name}.txt", boxes, fmt="%.3f", delimiter="\t")
            np.savetxt(run_dir / f"{name}_time.txt", rng.uniform(0.01, 0.03, n), fmt="%.6f")
            written[(name, r)] = boxes
    return written


def test_trackingnet_package_round_trips(tmp_path: Path) -> None:
    names = read_name_list("trackingnet", "TEST_sequences.txt")
    assert len(names) == 511
    written = _write_results(tmp_path / "res", names, np.random.default_rng(0))
    entry = discover_trackers(tmp_path / "res", "trackingnet")[0]
    out = tmp_path / "tn.zip"
    assert write_package("trackingnet", entry, out) == (511, [])
    with zipfile.ZipFile(out) as zf:
        members = sorted(zf.namelist())
        assert members == sorted(f"{n}.txt" for n in names)
        for name in names[:20]:
            back = np.loadtxt(zf.open(f"{name}.txt"), delimiter=",", ndmin=2)
            np.testing.assert_array_equal(back, written[(name, 0)])


def test_got10k_package_with_three_runs(tmp_path: Path) -> None:
    names = read_name_list("got10k", "test_list.txt")
    assert len(names) == 180
    written = _write_results(tmp_path / "res", names, np.random.default_rng(1), runs=3)
    entry = discover_trackers(tmp_path / "res", "got10k")[0]
    out = tmp_path / "got.zip"
    write_package("got10k", entry, out)
    with zipfile.ZipFile(out) as zf:
        first = names[0]
        for rep in (1, 2, 3):
            back = np.loadtxt(zf.open(f"{first}/{first}_{rep:03d}.txt"), delimiter=",", ndmin=2)
            np.testing.assert_array_equal(back, written[(first, rep - 1)])
        times = np.loadtxt(zf.open(f"{first}/{first}_time.txt"), delimiter=",", ndmin=2)
        assert times.shape[1] == 3
        assert len(zf.namelist()) == 180 * 4


def test_incomplete_results_are_refused_without_writing(tmp_path: Path) -> None:
    names = read_name_list("trackingnet", "TEST_sequences.txt")
    _write_results(tmp_path / "res", names[:-2], np.random.default_rng(2))
    bad = tmp_path / "res" / "trk" / "default" / f"{names[0]}.txt"
    lines = bad.read_text().splitlines()
    lines[2] = "nan\tnan\tnan\tnan"
    bad.write_text("\n".join(lines) + "\n")
    entry = discover_trackers(tmp_path / "res", "trackingnet")[0]
    out = tmp_path / "tn.zip"
    with pytest.raises(ResultsError) as err:
        write_package("trackingnet", entry, out)
    message = str(err.value)
    assert "3 problems" in message
    assert f"{names[-1]}: no result file" in message and f"{names[-2]}: no result file" in message
    assert f"{names[0]}.txt:3: NaN" in message
    assert not out.exists() and not list(tmp_path.glob(".tn.zip*"))


def test_cli_pack_reports_problems(tmp_path: Path) -> None:
    names = read_name_list("trackingnet", "TEST_sequences.txt")
    _write_results(tmp_path / "res", names[:5], np.random.default_rng(3))
    cmd = [
        sys.executable,
        "-m",
        "odtrack_eval",
        "pack",
        "trackingnet",
        "-r",
        str(tmp_path / "res"),
        "-o",
        str(tmp_path / "x.zip"),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 2 and "506 problems" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "x.zip").exists()


def _got10k_layout(folder: Path, names: list[str], reps: int, with_times: bool) -> dict[str, np.ndarray]:
    """Released GOT-10k test results as the got10k toolkit writes them: ``<seq>/<seq>_NNN.txt`` and one
    ``<seq>/<seq>_time.txt`` with a column per repetition."""
    rng = np.random.default_rng(5)
    times = {}
    for name in names:
        d = folder / "T" / name
        d.mkdir(parents=True)
        for rep in range(1, reps + 1):
            np.savetxt(d / f"{name}_{rep:03d}.txt", rng.uniform(1, 300, (6, 4)), fmt="%.4f", delimiter=",")
        times[name] = rng.uniform(0.005, 0.05, (6, reps))
        if with_times:
            np.savetxt(d / f"{name}_time.txt", times[name], fmt="%.8f", delimiter=",")
    return times


@pytest.mark.parametrize("reps", [1, 3])
def test_got10k_time_files_are_packed_without_a_dataset_root(tmp_path: Path, reps: int) -> None:
    names = read_name_list("got10k", "test_list.txt")
    times = _got10k_layout(tmp_path / "res", names, reps, with_times=True)
    out = tmp_path / "sub.zip"
    count, notes = write_package("got10k", discover_trackers(tmp_path / "res", "got10k")[0], out)
    assert count == 180 * (reps + 1) and notes == []
    with zipfile.ZipFile(out) as zf:
        for name in names[:5]:
            back = np.loadtxt(zf.open(f"{name}/{name}_time.txt"), delimiter=",", ndmin=2)
            np.testing.assert_allclose(back, times[name], rtol=0, atol=5e-9)


def test_missing_time_files_are_reported(tmp_path: Path) -> None:
    names = read_name_list("got10k", "test_list.txt")
    _got10k_layout(tmp_path / "res", names, 1, with_times=False)
    out = tmp_path / "sub.zip"
    proc = subprocess.run([sys.executable, "-m", "odtrack_eval", "pack", "got10k", "-r", str(tmp_path / "res"),
                           "-o", str(out)], capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "no time file for 180 of 180 sequences" in proc.stderr and "speed column" in proc.stderr
    with zipfile.ZipFile(out) as zf:
        assert len(zf.namelist()) == 180


def test_time_files_that_do_not_fit_the_runs_are_left_out_not_the_package(tmp_path: Path) -> None:
    names = read_name_list("got10k", "test_list.txt")
    _got10k_layout(tmp_path / "res", names, 1, with_times=True)
    bad = tmp_path / "res" / "T" / names[0] / f"{names[0]}_time.txt"
    bad.write_text("0.1,0.2,0.3\n" * 6)  # three columns for one run
    count, notes = write_package("got10k", discover_trackers(tmp_path / "res", "got10k")[0], tmp_path / "sub.zip")
    assert count == 180 * 2 - 1 and any(str(bad) in n and "not packed" in n for n in notes)
