"""``show video``: one video frame per sequence frame (read back from the file), the boxes' colours and the IoU
strip's cursor in the pixels of the frames handed to the encoder, and what the strip plots."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.report._synth import FRAMES, make_bench, run_cli, truth

BLUE, VERMILLION, GREY = (0x00, 0x72, 0xB2), (0xD5, 0x5E, 0x00), (217, 217, 217)



@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bench(tmp_path_factory.mktemp("synth"))



def _results(bench: Path, tmp_path: Path, name: str) -> tuple[Path, np.ndarray, np.ndarray]:
    """alpha follows the ground truth; beta stays in place, on the other half of the frame from the target in
    frame 41 (IoU 0 wherever the target is away)."""
    gt, _ = truth(bench, name)
    beta = np.tile([20.0 if gt[40, 0] > 160 else 250.0, 150.0, 40.0, 30.0], (len(gt), 1))
    for tracker, boxes in (("alpha", gt), ("beta", beta)):
        (tmp_path / "results" / tracker).mkdir(parents=True, exist_ok=True)
        np.savetxt(tmp_path / "results" / tracker / f"{name}.txt", boxes, fmt="%.1f", delimiter=",")
    return tmp_path / "results", gt, beta


def _read_back(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    capture.release()
    return frames


@pytest.mark.parametrize("encoder", ["ffmpeg", "opencv"])
def test_one_video_frame_per_sequence_frame(bench: Path, tmp_path: Path, encoder: str) -> None:
    if encoder == "ffmpeg":
        pytest.importorskip("imageio_ffmpeg", reason="the H.264 path needs imageio-ffmpeg")
    results, _, _ = _results(bench, tmp_path, "card-1")
    out = tmp_path / "card.mp4"
    done = run_cli("show", "video", "-d", "lasot", "--root", str(bench), "-r", str(results), "-s", "card-1", "-o",
                str(out), "--encoder", encoder, "--no-progress")  # fmt: skip
    assert done.returncode == 0, done.stderr
    frames = _read_back(out)
    assert len(frames) == FRAMES
    assert frames[0].shape[1] == 320 and frames[0].shape[0] > 240  # the frame, and the strip under it
    if encoder == "ffmpeg":
        assert "H.264 (libx264, imageio-ffmpeg)" in done.stdout
        fourcc = int(cv2.VideoCapture(str(out)).get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little")
        assert fourcc.lower() in (b"h264", b"avc1")
    else:
        assert "OpenCV" in done.stdout


def test_frames_handed_to_the_encoder(bench: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from odtrack_eval.datasets import load_dataset
    from odtrack_eval.report import video
    from odtrack_eval.report.overlay import sequence_layers, styles_of
    from odtrack_eval.results.tracks import load_tracks

    name = "card-1"
    results, gt, beta = _results(bench, tmp_path, name)
    captured: list[np.ndarray] = []

    class Capture:
        codec = "capture"

        def __init__(self, *args: object) -> None:
            pass

        def write(self, frame: np.ndarray) -> None:
            captured.append(frame.copy())

        def close(self) -> None:
            pass

    monkeypatch.setattr(video, "_open", lambda *args: Capture())
    ds = load_dataset("lasot", bench, sequences=[name])
    tracks = load_tracks(results, ds)
    seq = ds[0]
    layers = sequence_layers(seq, tracks, styles_of(tracks))
    info = video.write_video(seq, seq.frame_paths(), layers, tmp_path / "v.mp4", progress=False)
    assert info.frames == len(captured) == FRAMES
    first = captured[0]
    assert first.shape[:2] == (info.size[1], info.size[0]) and info.size[0] % 2 == 0 and info.size[1] % 2 == 0

    # boxes: beta (drawn last) at its fixed place, alpha on the ground truth's place
    frame = 40
    image = captured[frame]
    x, y, w, h = beta[frame]
    assert tuple(image[int(y + h / 2), int(x)]) == VERMILLION
    assert tuple(image[int(y + h / 2), int(x + w)]) == VERMILLION
    gx, gy, gw, gh = gt[frame]
    assert tuple(image[int(round(gy + gh / 2)), int(round(gx))]) == BLUE  # alpha, over the white ground truth
    # the frame under the boxes is the sequence's frame
    original = cv2.cvtColor(cv2.imread(str(seq.frame_paths()[frame])), cv2.COLOR_BGR2RGB)
    keep = np.ones((240, 320), dtype=bool)
    for bx, by, bw, bh in (beta[frame], gt[frame]):
        keep[max(0, int(by) - 4) : int(by + bh) + 5, max(0, int(bx) - 4) : int(bx + bw) + 5] = False
    keep[:30, :60] = False  # the frame number
    assert np.array_equal(image[:240, :320][keep], original[keep])
    # the cursor: black columns of the strip that are not black in every frame, moving right at an even pace
    # (at the first and last frame it lies on the plot's frame line)
    black = np.stack([np.all(c[240:] == 0, axis=2) for c in captured])
    moving = black & ~black.all(axis=0)
    inner = range(1, FRAMES - 1)
    cursor = np.array([np.flatnonzero(moving[i].any(axis=0)).min() for i in inner])
    assert all(moving[i].any(axis=0).sum() <= 2 for i in inner)  # one line, 2 pixels wide
    assert (np.diff(cursor) >= 0).all() and cursor[-1] - cursor[0] > 200
    expected = cursor[0] + (np.arange(1, FRAMES - 1) - 1) * (cursor[-1] - cursor[0]) / (FRAMES - 3)
    assert np.abs(cursor - expected).max() <= 1

    # the encoded video shows those frames (H.264 is lossy: close, not equal)
    pytest.importorskip("imageio_ffmpeg")
    monkeypatch.undo()
    video.write_video(seq, seq.frame_paths(), layers, tmp_path / "real.mp4", progress=False)
    decoded = _read_back(tmp_path / "real.mp4")
    assert len(decoded) == FRAMES
    error = np.mean((decoded[frame].astype(float) - captured[frame]) ** 2)
    assert 10 * np.log10(255**2 / error) > 30  # PSNR in dB


def test_strip_plots_each_trackers_iou_and_shades_hidden_frames(bench: Path, tmp_path: Path) -> None:
    from odtrack_eval.datasets import load_dataset
    from odtrack_eval.report.overlay import sequence_layers, styles_of
    from odtrack_eval.report.video import iou_strip
    from odtrack_eval.results.tracks import load_tracks

    name = next(n for n in ("card-1", "tile-1") if not truth(bench, n)[1].all())  # one with hidden frames
    results, gt, beta = _results(bench, tmp_path, name)
    _, visible = truth(bench, name)
    ds = load_dataset("lasot", bench, sequences=[name])
    tracks = load_tracks(results, ds)
    strip = iou_strip(sequence_layers(ds[0], tracks, styles_of(tracks)), ds[0], 320)
    image = strip.image
    axes_h = strip.bottom - strip.top

    def rows_of(color: tuple[int, int, int]) -> np.ndarray:
        return np.flatnonzero(np.all(np.abs(image.astype(int) - color) <= 30, axis=2).any(axis=1))

    blue, vermillion = rows_of(BLUE), rows_of(VERMILLION)
    # alpha's IoU is 1 everywhere: its line runs along the top of the plot; beta's is 0: along the bottom
    blue_in_axes = blue[(blue >= strip.top) & (blue <= strip.bottom)]
    assert blue_in_axes.size and blue_in_axes.max() < strip.top + 0.15 * axes_h
    red_in_axes = vermillion[(vermillion >= strip.top) & (vermillion <= strip.bottom)]
    assert red_in_axes.size and red_in_axes.min() > strip.bottom - 0.15 * axes_h
    # hidden frames are shaded grey at their columns, visible ones are not
    middle = (strip.top + strip.bottom) // 2
    hidden = np.flatnonzero(~visible)
    f = hidden[len(hidden) // 2]
    assert np.abs(image[middle, strip.x[f]].astype(int) - GREY).max() <= 3
    g = np.flatnonzero(visible)[0] + 2
    assert np.abs(image[middle, strip.x[g]].astype(int) - GREY).max() > 20


def test_unknown_encoder_is_an_error(bench: Path, tmp_path: Path) -> None:
    results, _, _ = _results(bench, tmp_path, "card-1")
    done = run_cli("show", "video", "-d", "lasot", "--root", str(bench), "-r", str(results), "-s", "card-1", "-o",
                str(tmp_path / "v.mp4"), "--encoder", "x265")  # fmt: skip
    assert done.returncode == 2 and "--encoder 'x265': expected one of ffmpeg, opencv" in done.stderr
    done = run_cli("show", "video", "-d", "lasot", "--root", str(bench), "-r", str(results), "-s", "card-1", "-o",
                str(tmp_path / "v.mp4"), "--preset", "slowest")  # fmt: skip
    assert done.returncode == 2 and "--preset 'slowest': expected one of ultrafast" in done.stderr
    done = run_cli("show", "video", "-d", "lasot", "--root", str(bench), "-r", str(results), "-s", "card-1", "-o",
                str(tmp_path / "v.avi"))  # fmt: skip
    assert done.returncode == 2 and "expected a file name ending in .mp4" in done.stderr


def test_first_box_only_sequence_shows_every_frame(tmp_path: Path) -> None:
    """A sequence with the first box only (GOT-10k/TrackingNet test style): the video has all its frames."""
    folder = tmp_path / "videos" / "walk"
    folder.mkdir(parents=True)
    for i in range(25):
        frame = np.full((96, 128, 3), 40 + 8 * i, dtype=np.uint8)
        cv2.imwrite(str(folder / f"{i + 1:04d}.png"), frame)
    (folder / "groundtruth.txt").write_text("10,10,30,20\n")
    (tmp_path / "results" / "alpha").mkdir(parents=True)
    boxes = np.column_stack([10 + np.arange(25), np.full(25, 10), np.full(25, 30), np.full(25, 20)])
    np.savetxt(tmp_path / "results" / "alpha" / "walk.txt", boxes, fmt="%d", delimiter=",")
    common = ["-d", "folder", "--root", str(tmp_path / "videos"), "-r", str(tmp_path / "results"), "-s", "walk"]
    done = run_cli("show", "video", *common, "-o", str(tmp_path / "walk.mp4"), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert len(_read_back(tmp_path / "walk.mp4")) == 25
    done = run_cli("show", "frames", *common, "--frames", "1,25", "-o", str(tmp_path / "walk.png"))
    assert done.returncode == 0, done.stderr
    assert "frames walk 1, 25)" in done.stdout
