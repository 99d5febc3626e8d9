"""The report's sequence table and per-sequence pages (real OTB100 results): one linked page per sequence, the
timelines drawn for a bounded set, a frame grid linked where one exists; and in a real headless browser (Debian's
chromium; skipped where it is not installed) the pages load without console messages and the table sorts on a
click on a header."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.report.build import build_report
from odtrack_eval.report.sequences import sequence_file
from tests._report_data import RESULTS, real_evaluation
from tests.report.test_html import BROWSER, _chromium, _console

DRAWN = 3
WITH_FRAMES = "Basketball"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    ev = real_evaluation("otb100")
    out = tmp_path_factory.mktemp("pages")
    (out / "sequences").mkdir()
    # a frame grid as `show frames` writes it (any PNG: the page only links it)
    (out / "sequences" / sequence_file(WITH_FRAMES, "_frames.png")).write_bytes(b"\x89PNG\r\n\x1a\n")
    files = build_report(ev, out, RESULTS["otb100"], timelines=DRAWN)
    return files.index, ev


def _rows(page: str) -> list[str]:
    """The sequence names of the sortable table's rows, in page order."""
    table = page.split('id="sequences"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr><td><a href="sequences/[^"]+">([^<]+)</a></td>', table)


def test_every_sequence_has_a_linked_page(report) -> None:
    index, ev = report
    page = index.read_text()
    assert _rows(page) == list(ev.sequence_names) and len(ev.sequence_names) == 100
    for name in ev.sequence_names:
        target = index.parent / "sequences" / sequence_file(name)
        assert f'href="sequences/{sequence_file(name)}"' in page and target.is_file()
        assert f"<h1>OTB100: {name}</h1>" in target.read_text()


def test_timelines_for_a_bounded_set_and_the_frame_grid_link(report) -> None:
    index, ev = report
    folder = index.parent / "sequences"
    drawn = sorted(p.name for p in folder.glob("*_timeline.png"))
    assert len(drawn) == DRAWN
    for name in ev.sequence_names:
        text = (folder / sequence_file(name)).read_text()
        has = sequence_file(name, "_timeline.png") in drawn
        assert (f'<img src="{sequence_file(name, "_timeline.png")}"' in text) == has
        assert ("Not drawn for this report" in text) == (not has)
        assert (f'<img src="{sequence_file(name, "_frames.png")}"' in text) == (name == WITH_FRAMES)
    page = index.read_text()
    row = r'<a href="sequences/([^"]+)\.html">[^<]+</a></td>(?:<td[^>]*>[^<]*</td>)*?<td data-v="1">yes</td></tr>'
    marked = re.findall(row, page)
    assert sorted(f"{m}_timeline.png" for m in marked) == drawn  # the table's Timeline column
    assert "Failures (where the trackers lose the target)" in page and "Frames to 1st failure" in page
    assert (index.parent / "failures.md").is_file() and (index.parent / "disagreement.csv").is_file()


browser = pytest.mark.skipif(BROWSER is None, reason="no chromium on PATH (install: apt-get install -y chromium)")


@browser
@pytest.mark.slow
def test_pages_load_without_console_messages(tmp_path: Path, report) -> None:
    index, ev = report
    pages = [index, index.parent / "sequences" / sequence_file(WITH_FRAMES)]
    pages += [
        p.with_name(p.name.replace("_timeline.png", ".html")) for p in index.parent.glob("sequences/*_timeline.png")
    ]
    for page in pages[:3]:
        proc = _chromium(tmp_path, page, "--dump-dom")
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert _console(proc.stderr) == [], page


def _clicked(tmp_path: Path, index: Path, column: int, clicks: int) -> subprocess.CompletedProcess:
    """The index with a script that clicks the sequence table's ``column`` header ``clicks`` times, dumped."""
    script = "".join(f'document.querySelectorAll("#sequences thead th")[{column}].click();' for _ in range(clicks))
    page = index.with_name(f"clicked_{column}_{clicks}.html")
    page.write_text(index.read_text().replace("</body>", f"<script>{script}</script></body>"))
    return _chromium(tmp_path, page, "--dump-dom")


@browser
@pytest.mark.slow
def test_a_click_on_a_header_sorts_the_table(tmp_path: Path, report) -> None:
    index, ev = report
    lengths = {name: len(ev.dataset[name]) for name in ev.sequence_names}
    order = list(ev.sequence_names)
    proc = _clicked(tmp_path, index, 1, 1)  # "Frames", ascending (ties keep the page's order)
    assert proc.returncode == 0 and _console(proc.stderr) == [], proc.stderr[-2000:]
    assert _rows(proc.stdout) == sorted(order, key=lambda n: lengths[n])
    assert _rows(proc.stdout) != order
    proc = _clicked(tmp_path, index, 1, 2)  # a second click: descending
    assert _rows(proc.stdout) == sorted(order, key=lambda n: -lengths[n])
    assert 'aria-sort="descending"' in proc.stdout


def test_unreadable_frames_cost_the_page_its_grid_not_the_report(tmp_path: Path) -> None:
    """A frame that cannot be decoded: a warning, the page without a grid, every other file written."""
    from odtrack_eval.report.frame_grid import page_grid_writer
    from odtrack_eval.synth import SynthOptions, generate, load_synth

    root = generate(tmp_path / "bench", SynthOptions(sequences=1, frames=6, seed=1))
    ds = load_synth(root)
    seq = ds[ds.names[0]]
    for path in seq.frame_paths():
        Path(path).write_bytes(b"not an image")
    (tmp_path / "res" / "trk").mkdir(parents=True)
    np.savetxt(tmp_path / "res" / "trk" / f"{seq.name}.txt", seq.ground_truth, delimiter=",")
    write = page_grid_writer(ds, tmp_path / "res", ["trk"], ["trk"], "bench")
    with pytest.warns(UserWarning, match=f"frame grid of {seq.name} not drawn"):
        assert write(seq.name, tmp_path / "grid.png") is None
    assert not (tmp_path / "grid.png").exists()
    with pytest.warns(UserWarning, match="results folder not found"):  # (nor a missing results folder)
        assert page_grid_writer(ds, tmp_path / "none", [], [], "bench")(seq.name, tmp_path / "grid.png") is None
