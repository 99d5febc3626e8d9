"""``show frames``: the frame grid on the synthetic benchmark, checked in its pixels, and ``--auto``'s picks on a
constructed case (expected frames worked out by hand)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests._shared import require_shared
from tests.report._synth import make_bench, run_cli, truth

#: Okabe-Ito, in the report's order: the first tracker by name is blue, the second vermillion.
BLUE, VERMILLION = (0x00, 0x72, 0xB2), (0xD5, 0x5E, 0x00)



@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bench(tmp_path_factory.mktemp("synth"))



def _write(results: Path, tracker: str, name: str, boxes: np.ndarray) -> None:
    (results / tracker).mkdir(parents=True, exist_ok=True)
    np.savetxt(results / tracker / f"{name}.txt", boxes, fmt="%.1f", delimiter=",")


def _near(image: np.ndarray, x: int, y: int, color: tuple[int, int, int], tol: int = 0) -> bool:
    """Whether ``color`` is within one pixel of (x, y)."""
    patch = image[y - 1 : y + 2, x - 1 : x + 2].reshape(-1, 3).astype(int)
    return bool((np.abs(patch - np.array(color)).max(axis=1) <= tol).any())


def test_pick_frames_takes_the_largest_scores_a_gap_apart() -> None:
    from odtrack_eval.report.frame_grid import pick_frames

    scores = np.array([0, 5, 4, 0, 0, 3, 0, 0, 0, 2], dtype=float)
    # 1 (5) first; 2 (4) is within 3 frames of it; then 5 (3) and 9 (2)
    assert pick_frames(scores, 3, gap=3) == [1, 5, 9]
    assert pick_frames(scores, 3, gap=1) == [1, 2, 5]
    assert pick_frames(np.zeros(4), 6) == [0, 1, 2, 3]  # fewer frames than asked: all of them


def test_grid_pixels_show_each_box_in_its_colour(bench: Path, tmp_path: Path) -> None:
    from odtrack_eval.datasets import load_dataset
    from odtrack_eval.report.frame_grid import GridRow, frame_grid
    from odtrack_eval.report.overlay import sequence_layers, styles_of
    from odtrack_eval.results.tracks import load_tracks

    name, frame = "card-1", 30
    gt, visible = truth(bench, name)
    assert visible[frame]
    gx, gy, gw, gh = gt[frame]
    # two boxes well away from the ground truth (the other half of the 320 x 240 frame)
    ax = 20.0 if gx > 160 else 200.0
    alpha_box = np.array([ax, 30.0, 80.0, 60.0])
    beta_box = np.array([ax, 140.0, 90.0, 70.0])
    results = tmp_path / "results"
    for tracker, box in (("alpha", alpha_box), ("beta", beta_box)):
        boxes = gt.copy()
        boxes[frame] = box
        _write(results, tracker, name, boxes)

    ds = load_dataset("lasot", bench, sequences=[name])
    tracks = load_tracks(results, ds)
    seq = ds[0]
    row = GridRow(seq, seq.frame_paths(), [5, frame, 50], sequence_layers(seq, tracks, styles_of(tracks)))
    fig = frame_grid([row], tmp_path / "grid.png", "LaSOT: frames")
    image = cv2.cvtColor(cv2.imread(str(fig.path)), cv2.COLOR_BGR2RGB)
    tx, ty, tw, th = fig.tiles[0, 1]
    scale = tw / 320
    assert th == round(240 * scale)  # the synthetic frames' 4:3, unscaled aspect

    def at(x: float, y: float) -> tuple[int, int]:
        return tx + int(round(x * scale)), ty + int(round(y * scale))

    for box, color in ((alpha_box, BLUE), (beta_box, VERMILLION)):
        x, y, w, h = box
        assert _near(image, *at(x, y + h / 2), color), f"left edge of {box} is not {color}"
        assert _near(image, *at(x + w, y + h / 2), color), f"right edge of {box} is not {color}"
        assert _near(image, *at(x + w / 2, y), color), f"top edge of {box} is not {color}"
        assert not _near(image, *at(x + w / 2, y + h / 2), color, tol=40)  # inside: the frame, not a fill
    assert _near(image, *at(gx, gy + gh / 2), (255, 255, 255))  # ground truth: white ...
    assert _near(image, *at(gx - 4 / scale, gy + gh / 2), (0, 0, 0), tol=60) or _near(
        image, *at(gx - 3 / scale, gy + gh / 2), (0, 0, 0), tol=60
    )  # ... outlined in black
    # the tile shows the frame itself, scaled (compared away from the boxes and the frame number)
    frame_rgb = cv2.cvtColor(cv2.imread(str(seq.frame_paths()[frame])), cv2.COLOR_BGR2RGB)
    scaled = cv2.resize(frame_rgb, (tw, th), interpolation=cv2.INTER_LINEAR).astype(int)
    tile = image[ty : ty + th, tx : tx + tw].astype(int)
    keep = np.ones((th, tw), dtype=bool)
    for x, y, w, h in (alpha_box, beta_box, gt[frame]):
        x0, y0 = max(0, int(x * scale) - 8), max(0, int(y * scale) - 8)
        keep[y0 : int((y + h) * scale) + 8, x0 : int((x + w) * scale) + 8] = False
    keep[: th // 4, : tw // 4] = False  # the frame number's corner
    assert np.abs(tile - scaled)[keep].mean() < 6
    # frame 6 has both boxes on the ground truth's: the trackers are drawn over it, the last one on top
    t0x, t0y = fig.tiles[0, 0][:2]
    x, y, w, h = gt[5]
    assert _near(image, t0x + int(round(x * scale)), t0y + int(round((y + h / 2) * scale)), VERMILLION)


def test_auto_picks_the_frames_of_largest_disagreement(bench: Path, tmp_path: Path) -> None:
    name = "tile-1"
    gt, visible = truth(bench, name)
    valid = visible & (gt[:, 2] > 0) & (gt[:, 3] > 0)
    # K = 4 over 60 frames: picks at least 60 // 8 = 7 frames apart. alpha is perfect, so the spread is 1 - IoU
    # of beta. beta is lost (IoU 0, spread 1) at three frames, shifted by 2/3 of its width (IoU 0.2, spread 0.8)
    # 3 frames after the first of them (too close to be picked), and by 1/3 (IoU 0.5, spread 0.5) at one more
    # frame, which must be the fourth pick.
    lost = [f for f in (12, 30, 52) if valid[f]]
    near, other = lost[0] + 3, 42
    assert len(lost) == 3 and valid[near] and valid[other], "the seed's events moved: pick other frames"
    beta = gt.copy()
    for f in lost:
        beta[f, 0] += 3 * beta[f, 2]
    beta[near, 0] += 2 / 3 * beta[near, 2]  # IoU 0.2
    beta[other, 0] += 1 / 3 * beta[other, 2]  # IoU 0.5
    results = tmp_path / "results"
    _write(results, "alpha", name, gt)
    _write(results, "beta", name, beta)
    out = tmp_path / "grid.pdf"
    done = run_cli("show", "frames", "-d", "lasot", "--root", str(bench), "-r", str(results), "-s", name, "--auto", "4",
                "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    expected = sorted([*lost, other])
    assert f"frames {name} {', '.join(str(f + 1) for f in expected)})" in done.stdout
    assert out.read_bytes()[:5] == b"%PDF-"


def test_frames_option_and_its_errors(bench: Path, tmp_path: Path) -> None:
    gt, _ = truth(bench, "card-1")
    results = tmp_path / "results"
    _write(results, "alpha", "card-1", gt)
    _write(results, "alpha", "tile-1", truth(bench, "tile-1")[0])
    base = ["show", "frames", "-d", "lasot", "--root", str(bench), "-r", str(results)]
    done = run_cli(*base, "-s", "card-1", "-s", "tile-1", "--frames", "1,20,60", "-o", str(tmp_path / "g.png"))
    assert done.returncode == 0, done.stderr
    assert "frames card-1 1, 20, 60; tile-1 1, 20, 60)" in done.stdout
    image = cv2.imread(str(tmp_path / "g.png"))
    assert image.shape[1] == 990  # three frames a row: one paper column, 3.3 in at 300 dpi
    # the long title ("LaSOT layout (synthetic, written by odtrack-eval synth): frames") wraps instead of
    # running off the figure: the title band's outer columns stay white, its middle does not
    band = image[:60]
    assert (band[:, :4] == 255).all() and (band[:, -4:] == 255).all() and (band[:, 400:600] < 128).any()
    bad = run_cli(*base, "-s", "card-1", "--frames", "1,61", "-o", str(tmp_path / "g.png"))
    assert bad.returncode == 2 and "--frames 1,61: sequence 'card-1' has 60 frames, no frame 61" in bad.stderr
    bad = run_cli(*base, "-s", "card-1", "--frames", "0", "-o", str(tmp_path / "g.png"))
    assert bad.returncode == 2 and "expected frame numbers from 1" in bad.stderr
    bad = run_cli(*base, "-s", "card-1", "-o", str(tmp_path / "g.jpg"))
    assert bad.returncode == 2 and "expected a file name ending in .png or .pdf" in bad.stderr
    bad = run_cli(*base, "-s", "card-1", "--auto", "61", "-o", str(tmp_path / "g.png"))
    assert bad.returncode == 2 and "--auto 61: sequence 'card-1' has 60 frames" in bad.stderr
    twice = run_cli(*base, "-s", "card-1", "--frames", "5, 5,10", "-o", str(tmp_path / "g.png"))
    assert twice.returncode == 0 and "frames card-1 5, 10)" in twice.stdout  # a frame asked twice, drawn once


def test_annotation_only_root_is_an_error_naming_root(tmp_path: Path) -> None:
    annotations = require_shared("data", "real", "lasot", "annotations")
    results = require_shared("data", "real", "lasot", "results")
    done = run_cli("show", "frames", "-d", "lasot", "--root", str(annotations), "-r", str(results), "-s", "airplane-1",
                "-t", "ATOM", "-o", str(tmp_path / "g.png"))  # fmt: skip
    assert done.returncode == 2
    assert f"error: --root {annotations}: sequence 'airplane-1' has annotations only (no frames)" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "g.png").exists()


def test_crop_window_keeps_the_aspect_and_the_boxes() -> None:
    from odtrack_eval.report.frame_grid import crop_window

    assert crop_window(640, 480, 4 / 3, None) == (0, 0, 640, 480)  # same aspect: the whole frame
    # 16:9 frame shown at 4:3: 1280 x 720 -> 960 x 720, centred on the box (centre x = 1100), kept inside
    assert crop_window(1280, 720, 4 / 3, np.array([1050.0, 300.0, 100.0, 80.0])) == (320, 0, 960, 720)
    assert crop_window(1280, 720, 4 / 3, np.array([500.0, 300.0, 100.0, 80.0])) == (70, 0, 960, 720)
    # 4:3 frame at 16:9: 640 x 480 -> 640 x 360, centred on y = 50 -> clamped to the top
    assert crop_window(640, 480, 16 / 9, np.array([10.0, 30.0, 40.0, 40.0])) == (0, 0, 640, 360)
