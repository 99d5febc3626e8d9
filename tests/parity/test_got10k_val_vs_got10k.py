"""GOT-10k validation metrics equal the got10k package's own ``ExperimentGOT10k.report``.

Generated GOT-10k-layout data with cover-0 frames, absent frames, boxes outside the image and
3 repetitions; the reference numbers come from running the got10k toolkit (PyPI 0.1.3) on it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("got10k.experiments.got10k", reason="the got10k package is the reference")

from odtrack_eval.datasets import load_dataset  # noqa: E402
from odtrack_eval.evaluation import evaluate_folder  # noqa: E402
from odtrack_eval.protocols import get_protocol  # noqa: E402
from tests.fixtures.got10k import meta_text  # noqa: E402

# Every check runs on the compiled kernels and on the numpy reference (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_paths")


def _make(root: Path, results: Path, tracker: str, seed: int, reps: int) -> None:
    rng = np.random.default_rng(seed)
    names = [f"GOT-10k_Val_{i:06d}" for i in range(1, 9)]
    (root / "val").mkdir(parents=True)
    (root / "val" / "list.txt").write_text("\n".join(names) + "\n")
    for name in names:
        n = int(rng.integers(15, 60))
        width, height = int(rng.choice([320, 640, 1280])), int(rng.choice([240, 360, 720]))
        xy = rng.uniform(-30, [width, height], (n, 2))  # some boxes start left of / above the image
        wh = rng.uniform(5, 200, (n, 2))  # and some reach past the right / bottom border
        gt = np.round(np.column_stack([xy, wh]), 1)
        cover = rng.integers(0, 9, n)
        absence = (cover == 0) & (rng.random(n) < 0.5)
        d = root / "val" / name
        d.mkdir()
        np.savetxt(d / "groundtruth.txt", gt, fmt="%.4f", delimiter=",")
        np.savetxt(d / "cover.label", cover, fmt="%d")
        np.savetxt(d / "absence.label", absence.astype(int), fmt="%d")
        np.savetxt(d / "cut_by_image.label", np.zeros(n, int), fmt="%d")
        (d / "meta_info.ini").write_text(meta_text((width, height), "zebra"))
        for i in range(1, n + 1):
            (d / f"{i:08d}.jpg").write_bytes(b"")  # the toolkit only counts the files
        out = results / tracker / name
        out.mkdir(parents=True)
        for r in range(1, reps + 1):
            pred = gt + rng.normal(0, 12, gt.shape)
            pred[rng.random(n) < 0.1] = rng.uniform(0, 500, 4)  # lost frames
            np.savetxt(out / f"{name}_{r:03d}.txt", pred, fmt="%.3f", delimiter=",")
        np.savetxt(out / f"{name}_time.txt", rng.uniform(0.01, 0.05, (n, 1)), fmt="%.8f")


@pytest.mark.parametrize(("seed", "reps"), [(0, 3), (1, 1)])
def test_got10k_val_equals_toolkit_report(tmp_path: Path, seed: int, reps: int, monkeypatch) -> None:
    from got10k.experiments.got10k import ExperimentGOT10k

    root, results = tmp_path / "GOT-10k", tmp_path / "results" / "GOT-10k"
    _make(root, results, "trk", seed, reps)
    monkeypatch.setattr(ExperimentGOT10k, "plot_curves", lambda *a, **k: None)  # plotting is not the point
    exp = ExperimentGOT10k(
        str(root), subset="val", result_dir=str(tmp_path / "results"), report_dir=str(tmp_path / "rep")
    )
    ref = exp.report(["trk"])["trk"]["overall"]
    reported = json.loads((tmp_path / "rep" / "GOT-10k" / "trk" / "performance.json").read_text())
    assert reported["trk"]["overall"]["ao"] == ref["ao"]

    ds = load_dataset("got10k-val", root)
    ev = evaluate_folder(ds, tmp_path / "results" / "GOT-10k", get_protocol("got10k-val"), cache=False)
    assert not ev.errors, ev.errors
    res = ev.results[0]
    assert res.num_runs == reps
    got = res.scores()
    assert got["ao"] == pytest.approx(100 * ref["ao"], abs=1e-9)
    assert got["sr50"] == pytest.approx(100 * ref["sr"], abs=1e-9)
    np.testing.assert_allclose(res.pooled_curve(), ref["succ_curve"], rtol=0, atol=1e-12)
    assert got["sr75"] == pytest.approx(100 * ref["succ_curve"][75], abs=1e-9)


def test_cli_reports_ao_sr_for_got10k_val(tmp_path: Path) -> None:
    import subprocess
    import sys

    root, results = tmp_path / "GOT-10k", tmp_path / "results" / "GOT-10k"
    _make(root, results, "trk", 4, 3)
    cmd = [
        sys.executable,
        "-m",
        "odtrack_eval",
        "evaluate",
        "-d",
        "got10k-val",
        "--root",
        str(root),
        "-r",
        str(results),
    ]
    out = subprocess.run([*cmd, "--format", "json", "--per-sequence"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["protocol"] == "got10k-val" and doc["num_sequences"] == 8
    entry = doc["trackers"][0]
    assert {"ao", "sr50", "sr75"} <= set(entry) and 0 < entry["ao"] < 100
    assert set(next(iter(entry["sequences"].values()))) == {"ao", "sr50", "sr75"}
    table = subprocess.run(cmd, capture_output=True, text=True)
    assert "AO" in table.stdout and "SR0.5" in table.stdout and "AUC" not in table.stdout
    ci = subprocess.run([*cmd, "--ci"], capture_output=True, text=True)  # frame-pooled AO: no bootstrap over sequences
    assert ci.returncode == 2 and "--ci resamples sequences" in ci.stderr and "frame_pooled" in ci.stderr


def test_report_for_got10k_val_plots_the_pooled_success_curve(tmp_path: Path) -> None:
    from odtrack_eval.report.build import build_report

    root, results = tmp_path / "GOT-10k", tmp_path / "results" / "GOT-10k"
    _make(root, results, "trk", 5, 3)
    ev = evaluate_folder(load_dataset("got10k-val", root), results, get_protocol("got10k-val"), cache=False)
    files = build_report(ev, tmp_path / "report", results)
    assert set(files.figures) == {"success"}  # GOT-10k has no precision read-outs
    assert files.figures["success"]["png"].stat().st_size > 10_000
    assert "AO" in (tmp_path / "report" / "leaderboard.txt").read_text()
