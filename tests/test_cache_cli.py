"""``odtrack-eval cache info|clear``: the cache's place and size, and emptying it safely."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from odtrack_eval.cli import _load_commands, app
from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.protocols import get_protocol
from odtrack_eval.results.cache import FORMAT_VERSION
from odtrack_eval.sequence import Dataset, Sequence

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
    stale = cache_dir / "tables-v1" / "old.npy"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x" * 1500)
    out = runner.invoke(app, ["cache", "info"])
    assert out.exit_code == 0, out.output
    assert f"{FORMAT_VERSION}: " in out.output and "(current)" in out.output
    assert "tables-v1: 1 files, 1.5 kB (stale" in out.output

    out = runner.invoke(app, ["cache", "clear", "--stale"])
    assert out.exit_code == 0 and "removed 1 files (1.5 kB)" in out.output
    assert not stale.parent.exists() and any((cache_dir / FORMAT_VERSION).rglob("*.npy"))

    out = runner.invoke(app, ["cache", "clear"])
    assert out.exit_code == 0 and "removed" in out.output
    assert not any(cache_dir.rglob("*.npy"))
    assert _evaluate(tmp_path) == first  # recomputed from the files, the same numbers
