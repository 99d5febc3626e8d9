"""A sequence as a video: every frame with the ground truth and each tracker's box, and a running IoU strip.

Speed (why it is built this way): the IoU strip (each tracker's IoU per frame in its report colour, frames
without a valid ground truth shaded, the legend) is drawn by matplotlib once; per frame only a cursor is
put on a copy of it. Frames are decoded ahead in a thread (the runner's :class:`~odtrack_eval.runner.prefetch.
Prefetcher`), boxes drawn with OpenCV, and the encoder runs in its own process: H.264 (libx264) through
imageio-ffmpeg, whose wheel ships an ffmpeg binary; without it OpenCV's VideoWriter (H.264 where the build
has it, else MPEG-4 part 2), and :attr:`VideoInfo.codec` says which. One video frame per sequence frame.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.imageio import read_rgb
from odtrack_eval.report.overlay import Layer, draw_boxes, frame_count, frame_ious, ground_truth_valid, legend_handles
from odtrack_eval.runner.prefetch import Prefetcher
from odtrack_eval.sequence import Sequence as DatasetSequence

__all__ = ["VideoInfo", "iou_strip", "write_video", "ENCODERS"]

#: Encoders in the order tried: ``ffmpeg`` (imageio-ffmpeg, libx264), ``opencv`` (cv2.VideoWriter).
ENCODERS = ("ffmpeg", "opencv")
_STRIP_DPI = 100  # at least: texts of 6 pt stay readable on small frames (wider frames scale it up)
_AXES_IN = 0.5  # the IoU plot's height
_CURSOR = (0, 0, 0)
#: libx264's speed presets offered, fastest first. The encoder is most of the cost: on 2 busy cores
#: ultrafast writes 640x480 at well over 100 frames/s with files about 4x larger than veryfast's
#: (benchmarks/RESULTS.md, issue 16).
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium")


@dataclass(frozen=True)
class VideoInfo:
    """What was written: the file, frames, size (w, h) and codec."""

    path: Path
    frames: int
    size: tuple[int, int]
    fps: float
    codec: str


@dataclass(frozen=True)
class Strip:
    """The IoU strip as pixels, and where frame ``i``'s cursor goes: column ``x[i]``, rows ``top:bottom``."""

    image: np.ndarray
    x: np.ndarray
    top: int
    bottom: int


def iou_strip(layers: Sequence[Layer], sequence: DatasetSequence, width: int) -> Strip:
    """Draw the strip once, ``width`` pixels wide (height in proportion)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    n = frame_count(sequence)
    dpi = max(_STRIP_DPI, width / 6.4)
    width_in = width / dpi
    trackers = [la for la in layers if not la.ground_truth]
    valid = ground_truth_valid(sequence)
    handles, labels = legend_handles(layers, 1.2)
    if not valid.all():
        handles.append(Patch(color="0.85"))
        labels.append("no target")
    ncol = max(1, min(len(labels), int(width_in / 1.05)))  # about 1 in per entry at 6 pt
    rows = -(-len(labels) // ncol)
    height_in = _AXES_IN + 0.22 + 0.12 * rows + 0.06  # axes, tick labels, legend rows, margin
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.4 / width_in, 0.2 / height_in, 1 - 0.52 / width_in, _AXES_IN / height_in))
    frames = np.arange(1, n + 1)  # frame numbers, as the frames show them
    if not valid.all():  # shade frames without a valid ground truth (absent, out of view)
        ax.fill_between(frames, -0.05, 1.05, where=~valid, color="0.85", step="mid", linewidth=0)
    for la in trackers:
        ax.plot(frames, frame_ious(la.boxes, sequence), color=la.color, linewidth=0.9)
    ax.set_xlim(1, max(2, n))
    ax.set_ylim(-0.05, 1.05)  # (lines at 0 and 1 clear of the frame)
    ax.set_yticks([0, 0.5, 1])
    ax.tick_params(labelsize=6, length=2, pad=1)
    ax.set_ylabel("IoU", fontsize=6, labelpad=1)
    fig.legend(handles, labels, loc="upper center", ncol=ncol, frameon=False, fontsize=6, handlelength=1.5,
               columnspacing=1.0, borderaxespad=0.1, labelspacing=0.2)  # fmt: skip
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3].copy()
    height = image.shape[0]
    xs = ax.transData.transform(np.column_stack([frames, np.zeros(n)]))[:, 0]
    (_, y0), (_, y1) = ax.get_window_extent().get_points()  # (display y runs upwards, image rows down)
    x = np.clip(np.round(xs).astype(int), 0, image.shape[1] - 2)
    return Strip(image, x, int(round(height - y1)), int(round(height - y0)))


def _even(v: int) -> int:
    return v + (v % 2)


class _FfmpegWriter:
    """libx264 through imageio-ffmpeg. Frames go to ffmpeg as yuv420p converted by OpenCV (SIMD; half the
    bytes of RGB through the pipe, and ffmpeg's own conversion was the costliest step), so sizes are even:
    the caller pads. The colours survive within 2 levels of 255 (checked on the Okabe-Ito palette)."""

    codec = "H.264 (libx264, imageio-ffmpeg)"

    def __init__(self, path: Path, size: tuple[int, int], fps: float, preset: str):
        import imageio_ffmpeg

        self._gen = imageio_ffmpeg.write_frames(
            str(path), size, fps=fps, codec="libx264", pix_fmt_in="yuv420p", pix_fmt_out="yuv420p", quality=None,
            macro_block_size=1, ffmpeg_log_level="error",
            output_params=["-preset", preset, "-crf", "23", "-movflags", "+faststart"],
        )  # fmt: skip
        self._gen.send(None)

    def write(self, frame: np.ndarray) -> None:
        self._gen.send(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420))

    def close(self) -> None:
        self._gen.close()


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence the process's standard error (file descriptor 2: C libraries write there directly)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _OpencvWriter:
    """cv2.VideoWriter: H.264 (``avc1``) where the OpenCV build encodes it, else MPEG-4 part 2 (``mp4v``)."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float):
        for fourcc, codec in (("avc1", "H.264 (OpenCV avc1)"), ("mp4v", "MPEG-4 part 2 (OpenCV mp4v)")):
            with _quiet_stderr():  # (a build without the encoder prints ffmpeg's complaints as it fails)
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
            if writer.isOpened():
                self._writer, self.codec = writer, codec
                return
            writer.release()
        raise OdtrackEvalError(f"{path}: OpenCV cannot write MP4 video here (no avc1 or mp4v encoder); "
                               "`pip install imageio-ffmpeg` gives an H.264 encoder")  # fmt: skip

    def write(self, frame: np.ndarray) -> None:
        self._writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))

    def close(self) -> None:
        self._writer.release()


def _open(path: Path, size: tuple[int, int], fps: float, encoder: str | None, preset: str) -> Any:
    """The first encoder of :data:`ENCODERS` that works (or the one named)."""
    if encoder not in (None, *ENCODERS):
        raise OdtrackEvalError(f"--encoder {encoder!r}: expected one of {', '.join(ENCODERS)}")
    if preset not in PRESETS:
        raise OdtrackEvalError(f"--preset {preset!r}: expected one of {', '.join(PRESETS)}")
    if encoder in (None, "ffmpeg"):
        try:
            return _FfmpegWriter(path, size, fps, preset)
        except ImportError:
            if encoder == "ffmpeg":
                raise OdtrackEvalError("--encoder ffmpeg needs imageio-ffmpeg (`pip install imageio-ffmpeg`)") from None
    return _OpencvWriter(path, size, fps)


def _frames(paths: Sequence[Path], size: tuple[int, int]) -> Iterator[np.ndarray]:
    """Decoded frames (ahead, in a thread), resized to ``size`` where a frame differs."""

    def read(path: str | Path) -> np.ndarray:
        image = read_rgb(path)
        if (image.shape[1], image.shape[0]) != size:
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        return image

    with Prefetcher(paths, read, depth=16, batch=4) as frames:
        yield from frames


def _label(canvas: np.ndarray, text: str, width: int) -> None:
    """The frame number, white on black, in the top-left corner (sized with the frame)."""
    scale = max(0.4, width / 1000)
    weight = max(1, int(round(width / 640)))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, weight)
    pad = max(2, th // 4)
    canvas[: th + base + 2 * pad, : tw + 2 * pad] = 0
    cv2.putText(canvas, text, (pad, pad + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), weight, cv2.LINE_AA)


def write_video(
    sequence: DatasetSequence,
    paths: Sequence[Path],
    layers: Sequence[Layer],
    out: str | Path,
    fps: float = 30.0,
    progress: bool = True,
    encoder: str | None = None,
    preset: str = PRESETS[0],
) -> VideoInfo:
    """Write ``out`` (MP4): one video frame per frame of ``sequence`` (``paths``: its frame files).
    ``preset``: libx264's (:data:`PRESETS`; the OpenCV writer has none)."""
    from tqdm.auto import tqdm

    out = Path(out)
    n = frame_count(sequence)
    if len(paths) < n:
        raise OdtrackEvalError(f"sequence {sequence.name!r}: {len(paths)} frame files for {n} frames")
    first = read_rgb(paths[0])
    h, w = first.shape[:2]
    strip = iou_strip(layers, sequence, w)
    size = (_even(w), _even(h + strip.image.shape[0]))
    canvas = np.zeros((size[1], size[0], 3), dtype=np.uint8)
    top = h + strip.top
    bottom = h + strip.bottom
    thickness = max(2, int(round(w / 320)))
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = _open(out, size, fps, encoder, preset)
    written = 0
    bar = tqdm(total=n, desc=f"{sequence.name} video", unit="fr", disable=None if progress else True)
    try:
        for i, image in enumerate(_frames(paths[:n], (w, h))):
            canvas[:h, :w] = image
            draw_boxes(canvas, layers, i, thickness=thickness)
            _label(canvas, f"#{i + 1}", w)
            canvas[h : h + strip.image.shape[0], :w] = strip.image
            x = strip.x[i]
            canvas[top:bottom, x : x + 2] = _CURSOR
            writer.write(canvas)
            written += 1
            bar.update(1)
    except (BrokenPipeError, OSError) as exc:
        raise OdtrackEvalError(f"{out}: the video encoder stopped ({exc})") from None
    finally:
        bar.close()
        writer.close()
    return VideoInfo(out, written, size, fps, writer.codec)
