"""The qualitative frame grid of the ODTrack paper's Fig. 5: one row per sequence, K frames per row, the
ground truth and every tracker's box on each frame, the frame number in a corner, the legend once.

Layout (why): the mosaic is composed in pixels at the output resolution (300 dpi) and shown 1:1 in one
axes, so boxes drawn with OpenCV stay sharp and a box's pixels are where the frame puts them. Every tile has
the same size, with the aspect of the first sequence's frames; a frame of another aspect is cropped to it
around the boxes (then scaled). Texts (frame numbers, sequence names, legend, title) are matplotlib's, at 7
pt, on a figure 7 in wide (two paper columns, like Fig. 5; 3.3 in for up to 3 frames a row).

``--auto K`` (:func:`pick_frames`) takes the K frames where the trackers disagree most: the spread of
their IoU with the ground truth (best minus worst tracker; 1 - IoU with one tracker), among frames with a
valid ground truth, greedily from the largest spread, at least ``len / (2K)`` frames apart so the picks
spread over the sequence; ties go to the earlier frame.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.imageio import read_rgb
from odtrack_eval.report.overlay import Layer, draw_boxes, frame_count, frame_ious, legend_handles
from odtrack_eval.report.plots import COLUMN_WIDTH_IN, FONT_PT, save_figure
from odtrack_eval.sequence import Sequence

__all__ = ["GridFigure", "GridRow", "crop_window", "disagreement", "frame_grid", "page_grid_writer", "pick_frames"]

DPI = 300
WIDE_IN = 7.0  # two columns: the width of the paper's Fig. 5
_GAP = 6  # pixels between tiles and rows
_LABEL_IN = 0.14  # the sequence names' column
_LINE_IN = 0.15  # one line of 7-8 pt text, with its spacing
_CHAR_EM = 0.6  # average glyph width of DejaVu Sans in em: where the title breaks, how many legend columns fit
_MARGIN = 6


def disagreement(layers: SequenceABC[Layer], sequence: Sequence) -> np.ndarray:
    """Per frame: the spread of the trackers' IoU with the ground truth (max - min; 1 - IoU for a single
    tracker), -inf where the ground truth is not valid (never preferred)."""
    trackers = [la for la in layers if not la.ground_truth]
    n = frame_count(sequence)
    if not trackers:
        return np.zeros(n)
    ious = np.stack([frame_ious(la.boxes, sequence) for la in trackers])
    spread = 1.0 - ious[0] if len(trackers) == 1 else ious.max(axis=0) - ious.min(axis=0)
    return np.where(np.isnan(spread), -np.inf, spread)


def pick_frames(scores: np.ndarray, k: int, gap: int | None = None) -> list[int]:
    """The ``k`` frames of largest ``scores``, at least ``gap`` frames apart (default ``len // (2k)``, which
    always leaves room for ``k``), in time order; ties go to the earlier frame."""
    n = len(scores)
    if k >= n:
        return list(range(n))
    gap = max(1, n // (2 * k)) if gap is None else max(1, gap)
    taken = np.zeros(n, dtype=bool)  # frames closer than ``gap`` to a pick
    picks: list[int] = []
    for f in np.argsort(-scores, kind="stable"):
        if taken[f]:
            continue
        picks.append(int(f))
        taken[max(0, f - gap + 1) : f + gap] = True
        if len(picks) == k:
            break
    return sorted(picks)


def crop_window(width: int, height: int, aspect: float, focus: np.ndarray | None) -> tuple[int, int, int, int]:
    """``(x, y, w, h)`` of the largest window of ``aspect`` (w / h) inside a ``width`` x ``height`` frame,
    centred on ``focus`` (a box, x, y, w, h) as far as the frame allows (on the frame's centre without)."""
    if width / height > aspect:
        w, h = max(1, int(round(height * aspect))), height
    else:
        w, h = width, max(1, int(round(width / aspect)))
    cx, cy = (width / 2, height / 2) if focus is None else (focus[0] + focus[2] / 2, focus[1] + focus[3] / 2)
    x = int(round(min(max(cx - w / 2, 0), width - w)))
    y = int(round(min(max(cy - h / 2, 0), height - h)))
    return x, y, w, h


@dataclass(frozen=True)
class GridRow:
    """One row: a sequence, its frame paths, the frames shown (0-based) and the boxes drawn."""

    sequence: Sequence
    paths: list[Path]
    frames: list[int]
    layers: list[Layer]


@dataclass(frozen=True)
class GridFigure:
    """What was written, and where each tile lies in the PNG's pixels (``(row, column) -> (x, y, w, h)``)."""

    path: Path
    tiles: dict[tuple[int, int], tuple[int, int, int, int]]
    #: Per tile: the crop of the frame shown, ``(x, y, w, h)`` in frame pixels, and the scale to the tile.
    crops: dict[tuple[int, int], tuple[tuple[int, int, int, int], float]]


def _focus(layers: SequenceABC[Layer], frame: int) -> np.ndarray | None:
    """The union of the frame's boxes (what a crop should keep)."""
    boxes = [b for la in layers if (b := la.box(frame)) is not None]
    if not boxes:
        return None
    a = np.array(boxes)
    x0, y0 = a[:, 0].min(), a[:, 1].min()
    return np.array([x0, y0, (a[:, 0] + a[:, 2]).max() - x0, (a[:, 1] + a[:, 3]).max() - y0])


def _tile(row: GridRow, frame: int, size: tuple[int, int], aspect: float):
    """The frame, cropped to ``aspect`` and scaled to ``size`` (w, h), with its boxes drawn."""
    image = read_rgb(row.paths[frame])
    height, width = image.shape[:2]
    crop = crop_window(width, height, aspect, _focus(row.layers, frame))
    x, y, w, h = crop
    scale = size[0] / w
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    tile = cv2.resize(image[y : y + h, x : x + w], size, interpolation=interpolation)
    draw_boxes(tile, row.layers, frame, scale, (x, y), thickness=max(2, int(round(size[0] / 110))))
    return tile, (crop, scale)


def frame_grid(rows: SequenceABC[GridRow], out: str | Path, title: str) -> GridFigure:
    """Draw the grid of ``rows`` to ``out`` (``.png`` or ``.pdf``, by its suffix)."""
    out = Path(out)
    k = max(len(r.frames) for r in rows)
    first = read_rgb(rows[0].paths[rows[0].frames[0]]) if rows[0].frames else None
    aspect = first.shape[1] / first.shape[0] if first is not None else 4 / 3
    width_in = WIDE_IN if k > 3 else COLUMN_WIDTH_IN
    width_px = int(round(width_in * DPI))
    lines = textwrap.wrap(title, max(20, int(width_in * 72 / (_CHAR_EM * (FONT_PT + 1)))))
    seen = {la.label: la for row in rows for la in row.layers}  # (legend once, every tracker shown)
    entries = [FONT_PT / 72 * (1.6 + 0.8 + 1.2 + _CHAR_EM * len(label)) for label in seen]  # handle, pad, gap
    ncol = len(seen) if sum(entries) <= width_in - 0.2 else max(1, int((width_in - 0.2) // max(entries)))
    legend_rows = -(-len(seen) // ncol)
    label_px = int(round(_LABEL_IN * DPI))
    title_px = int(round((0.06 + _LINE_IN * len(lines)) * DPI))
    legend_px = int(round((0.05 + _LINE_IN * legend_rows) * DPI))
    tile_w = (width_px - label_px - _MARGIN - (k - 1) * _GAP) // k
    tile_h = max(1, int(round(tile_w / aspect)))
    mosaic_w = k * tile_w + (k - 1) * _GAP
    mosaic_h = len(rows) * tile_h + (len(rows) - 1) * _GAP
    height_px = title_px + mosaic_h + legend_px
    mosaic = np.full((mosaic_h, mosaic_w, 3), 255, dtype=np.uint8)
    tiles, crops, places = {}, {}, {}
    for r, row in enumerate(rows):
        for c, frame in enumerate(row.frames):
            x, y = c * (tile_w + _GAP), r * (tile_h + _GAP)
            mosaic[y : y + tile_h, x : x + tile_w], crops[r, c] = _tile(row, frame, (tile_w, tile_h), aspect)
            tiles[r, c] = (label_px + x, title_px + y, tile_w, tile_h)
            places[r, c] = (x, y, frame)

    def draw(fig: Any) -> None:
        ax = fig.add_axes((label_px / width_px, legend_px / height_px, mosaic_w / width_px, mosaic_h / height_px))
        ax.imshow(mosaic, interpolation="nearest", extent=(0, mosaic_w, mosaic_h, 0))
        ax.set_axis_off()
        for x, y, frame in places.values():
            ax.text(x + 4, y + 4, f"#{frame + 1}", ha="left", va="top", color="white", fontsize=FONT_PT - 0.5,
                    bbox={"facecolor": "black", "alpha": 0.6, "pad": 1.0, "linewidth": 0})  # fmt: skip
        for r, row in enumerate(rows):
            ax.text(-4, r * (tile_h + _GAP) + tile_h / 2, row.sequence.name, rotation=90, ha="right", va="center",
                    fontsize=FONT_PT, clip_on=False)  # fmt: skip
        handles, labels = legend_handles(list(seen.values()), 1.4)
        fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False, fontsize=FONT_PT,
                   handlelength=1.6, handletextpad=0.8, columnspacing=1.2, borderaxespad=0.1,
                   labelspacing=0.3)  # fmt: skip
        fig.text(0.5, 1 - 0.5 * title_px / height_px, "\n".join(lines), ha="center", va="center",
                 fontsize=FONT_PT + 1, linespacing=1.1)  # fmt: skip

    fmt = out.suffix.lower().lstrip(".")
    save_figure(draw, None, out.with_suffix(""), (width_px / DPI, height_px / DPI), formats=(fmt,), png_level=1)
    return GridFigure(out, tiles, crops)


#: Frames per row of a sequence page's frame grid (``report``), and how many pages get one at most.
PAGE_FRAMES = 4
PAGE_GRIDS = 10


def page_grid_writer(
    dataset: Any, results_dir: Path, trackers: SequenceABC[str], names: SequenceABC[str], title: str
) -> Any:
    """For the report's sequence pages: a function ``(sequence name, out path) -> path or None`` drawing that
    sequence's grid of its :data:`PAGE_FRAMES` frames where the trackers disagree most (``--auto``), in the
    report's colours (``names``: its tracker order); None without frames, or with a warning when they cannot
    be read (a picture never costs the report). Boxes are read on first use."""
    from odtrack_eval.report.overlay import sequence_layers, styles_of
    from odtrack_eval.results.tracks import load_tracks

    loaded: dict[str, Any] = {}

    def write(name: str, out: Path) -> Path | None:
        seq = dataset[name]
        if seq.frames is None:
            return None
        try:
            if "tracks" not in loaded:
                loaded["tracks"] = load_tracks(results_dir, dataset, list(trackers) or None)
            tracks = loaded["tracks"]
            layers = sequence_layers(seq, tracks, styles_of(tracks, list(names)))
            frames = pick_frames(disagreement(layers, seq), PAGE_FRAMES)
            return frame_grid([GridRow(seq, seq.frame_paths(), frames, layers)], out, f"{title}: {name}").path
        except (OdtrackEvalError, OSError) as exc:
            warnings.warn(f"frame grid of {name} not drawn: {exc}", stacklevel=2)
            return None

    return write
