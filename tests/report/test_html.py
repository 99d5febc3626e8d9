"""The HTML report in a real headless browser (Debian's chromium): it loads without console messages,
and shows the leaderboard and the figures. Skipped, with the reason, where chromium is not installed
(`apt-get install -y chromium`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.report import plots
from odtrack_eval.report.build import build_report
from tests._report_data import RESULTS, published_scores, real_evaluation

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = [
    pytest.mark.skipif(BROWSER is None, reason="no chromium on PATH (install: apt-get install -y chromium)"),
    pytest.mark.slow,
]


def _chromium(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
           f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
           "--virtual-time-budget=5000", *args, page.as_uri()]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _console(stderr: str) -> list[str]:
    """Console messages (chromium logs them as ``...:CONSOLE:<line>] "message", source: ...``)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_console_check_detects_errors(tmp_path: Path) -> None:
    """The check below can fail: a page with a script error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><script>console.error("x"); missingFunction();</script></body></html>')
    proc = _chromium(tmp_path, bad, "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert any("missingFunction" in line for line in _console(proc.stderr))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ev = real_evaluation("otb100")
    out = tmp_path_factory.mktemp("html")
    return build_report(ev, out, RESULTS["otb100"]).index


def test_page_loads_without_console_messages_and_shows_table(tmp_path: Path, report: Path) -> None:
    proc = _chromium(tmp_path, report, "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _console(proc.stderr) == []
    dom = proc.stdout
    assert "<table" in dom and "Leaderboard" in dom
    expected = published_scores("otb100")
    for tracker, scores in expected.items():
        assert tracker in dom and f"{scores['auc']:.1f}" in dom
    assert dom.count('<img src="data:image/png;base64,') == 5


def test_screenshot_shows_the_figures(tmp_path: Path, report: Path) -> None:
    import matplotlib.image as mpimg

    shot = tmp_path / "shot.png"
    proc = _chromium(tmp_path, report, f"--screenshot={shot}", "--window-size=1200,3000")
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    img = mpimg.imread(shot)[..., :3].reshape(-1, 3)
    # The tracker colours appear only inside the figures (tables use other red/blue): images rendered.
    for colour in plots.OKABE_ITO[:2]:
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
        assert (np.abs(img - rgb).max(axis=1) < 0.03).sum() > 500, f"{colour} not visible: figures not rendered"


def test_vot_report_page_loads_and_shows_its_table_and_figures(tmp_path: Path) -> None:
    from odtrack_eval.datasets import load_dataset
    from odtrack_eval.protocols import get_protocol
    from odtrack_eval.report.vot import build_vot_report
    from odtrack_eval.vot import synthetic
    from odtrack_eval.vot.analysis import evaluate_results

    synthetic.make_dataset(tmp_path / "sequences", num_sequences=2, lengths=(30, 40), spacing=15, seed=2)
    synthetic.make_results(tmp_path / "sequences", tmp_path / "results", "trk", style="mask", seed=3)
    ev = evaluate_results(load_dataset("vot2020", tmp_path / "sequences"), tmp_path / "results",
                          get_protocol("vot2020"))  # fmt: skip
    index = build_vot_report(ev, tmp_path / "report")
    proc = _chromium(tmp_path, index, "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _console(proc.stderr) == []
    dom = proc.stdout
    assert "<table" in dom and "EAO" in dom and f"{ev.results[0].eao:.3f}" in dom
    assert dom.count('<img src="data:image/png;base64,') == 2
