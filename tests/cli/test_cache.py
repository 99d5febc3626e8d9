"""``odtrack-eval cache info|clear``: the cache's place and size, and emptying it safely."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from odtrack_eval.cli import _load_commands, app
from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.protocols import get_protocol
from odtrack_eval.sequence import Dataset, Sequence
from odtrack_eval.store import FORMAT_VERSION

_load_commands()
runner = CliRunner()


def _evaluate(tmp_path: Path) -> dict[str, float]:
    gt = np.array([[10.0, 10, 20, 20]] * 40)
    (tmp_path / "res" / "trk").mkdir(parents=True, exist_ok=True)
    (tmp_path / "res" / "trk" / "a.txt").write_text("11,10,20,20\n" * 40)
    ds = Dataset("toy", "otb", [Sequence("a", gt)])
    return evaluate_folder(ds, tmp_path / "res", get_protocol("odtrack"), cache=True).results[0].scores()


def test_info_and_clear(tmp_path: Path) -> None:
    cache_dir = Path(os.environ["ODTRACK_EVAL_CACHE"])  # an isolated folder per test (conftest.py)
    out = runner.invoke(app, ["cache", "info"])
    assert out.exit_code == 0 and str(cache_dir) in out.output and "empty" in out.output
    first = _evaluate(tmp_path)
    stale = cache_dir / "tables-v1" / ("0" * 64 + ".npy")  # an entry of an older format
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x" * 1500)
    out = runner.invoke(app, ["cache", "info"])
    assert out.exit_code == 0, out.output
    assert f"{FORMAT_VERSION}: " in out.output and "(current)" in out.output
    assert "tables-v1: 1 files, 1.5 kB (stale" in out.output

    out = runner.invoke(app, ["cache", "clear", "--stale"])
    assert out.exit_code == 0 and "removed 1 files (1.5 kB)" in out.output
    assert not stale.parent.exists() and any((cache_dir / FORMAT_VERSION).rglob("*.bin"))

    out = runner.invoke(app, ["cache", "clear"])
    assert out.exit_code == 0 and "removed" in out.output
    assert not any(cache_dir.rglob("*.bin"))
    assert _evaluate(tmp_path) == first  # recomputed from the files, the same numbers


def test_clear_refuses_a_folder_that_is_not_a_cache(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents" / "thesis.tex").write_text("years of work")
    out = runner.invoke(app, ["cache", "clear", "--stale"], env={"ODTRACK_EVAL_CACHE": str(home)})
    assert out.exit_code == 2 and "not an odtrack-eval cache" in out.output and "nothing was removed" in out.output
    assert (home / "Documents" / "thesis.tex").read_text() == "years of work"


def test_clear_says_when_files_could_not_be_removed(tmp_path: Path, monkeypatch) -> None:
    _evaluate(tmp_path)

    def refuse(path: str) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "unlink", refuse)
    out = runner.invoke(app, ["cache", "clear"])
    assert out.exit_code == 1 and "removed 0 files" in out.output and "could not remove" in out.output
