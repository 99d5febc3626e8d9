"""The demo runs the whole pipeline on generated data and writes a report in which real trackers beat
the static floor."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from odtrack_eval.demo import DemoOptions, run_demo


@pytest.mark.slow
def test_demo_end_to_end_and_rerun_reuses_work(tmp_path: Path) -> None:
    options = DemoOptions(out=tmp_path / "demo", sequences=4, frames=40, trackers=("static", "opencv-kcf"),
                          workers=2, progress=False)  # fmt: skip
    messages: list[str] = []
    evaluation, files = run_demo(options, say=messages.append)
    assert files.index.is_file() and (tmp_path / "demo" / "leaderboard.md").is_file()
    assert (tmp_path / "demo" / "figures" / "success.png").stat().st_size > 10_000
    inspection = json.loads((tmp_path / "demo" / "inspection.json").read_text())
    assert {t["name"] for t in inspection["trackers"]} == {"static", "opencv-kcf"}
    assert "LaSOT layout (synthetic, written by odtrack-eval synth)" in files.index.read_text()
    scores = {r.tracker: r.scores() for r in evaluation.results}
    assert set(scores) == {"static", "opencv-kcf"}
    assert scores["opencv-kcf"]["auc"] > scores["static"]["auc"] + 5
    assert any("generating 4 synthetic sequences" in m for m in messages)
    # the qualitative part: a frame grid and a video of the whole sequence, both on the page
    page = files.index.read_text()
    assert (tmp_path / "demo" / "figures" / "frames.png").stat().st_size > 10_000
    assert "Frames where the trackers disagree most" in page
    videos = list((tmp_path / "demo" / "videos").glob("*.mp4"))
    assert len(videos) == 1 and f'src="videos/{videos[0].name}"' in page
    capture = cv2.VideoCapture(str(videos[0]))
    count = 0
    while capture.read()[0]:
        count += 1
    assert count == 40  # one video frame per frame of the sequence
    # every sequence has its page with a timeline and (frames exist) its own frame grid, linked from the index
    folder = tmp_path / "demo" / "sequences"
    for name in evaluation.sequence_names:
        assert f'href="sequences/{name}.html"' in page
        own = (folder / f"{name}.html").read_text()
        assert f'src="{name}_timeline.png"' in own and (folder / f"{name}_timeline.png").is_file()
        assert f'src="{name}_frames.png"' in own and cv2.imread(str(folder / f"{name}_frames.png")) is not None

    messages.clear()
    run_demo(options, say=messages.append)
    assert any("reusing the synthetic benchmark" in m for m in messages)
    assert any(m.startswith("opencv-kcf: 0 tracked, 4 already done") for m in messages)
