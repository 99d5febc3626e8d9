"""Boxes drawn on frames: what the frame grid (:mod:`.frame_grid`) and the video (:mod:`.video`) share.

* Colours: each tracker gets the colour of the report's curves (:func:`~.plots.tracker_styles` over
  :func:`~.plots.tracker_order` of every tracker of the results folder). The ground truth is a white line
  with a black outline: no Okabe-Ito colour is white, and the outline keeps it visible on bright frames.
* Boxes are drawn into the pixels with OpenCV (one implementation for pictures and videos), trackers
  over the ground truth, in tracker order.
* Per-frame IoU is :func:`odtrack_eval.boxes.iou_cont` (the ODTrack/pytracking overlap); frames whose
  ground truth is absent or empty have none (NaN), a tracker without a box there (NaN, no row) scores 0.
"""

from __future__ import annotations

from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from odtrack_eval.boxes import iou_cont
from odtrack_eval.report.plots import Style, tracker_order, tracker_styles
from odtrack_eval.results.tracks import Tracks
from odtrack_eval.sequence import Sequence

__all__ = ["GT_COLOR", "GT_LABEL", "GT_OUTLINE", "Layer", "draw_boxes", "frame_count", "frame_ious",
           "ground_truth_valid", "hex_rgb", "legend_handles", "sequence_layers", "styles_of", "truth"]  # fmt: skip

#: The ground truth's colour and outline (documented in ``show frames --help`` and the legend).
GT_COLOR = "#FFFFFF"
GT_OUTLINE = "#000000"
GT_LABEL = "Ground truth"


def legend_handles(layers: SequenceABC[Layer], width: float) -> tuple[list[Any], list[str]]:
    """Legend lines (``width`` points) and labels of ``layers``: the ground truth white outlined in black,
    as drawn, then each tracker in its colour."""
    from matplotlib.lines import Line2D
    from matplotlib.patheffects import Stroke

    outlined = [Stroke(linewidth=2 * width, foreground=GT_OUTLINE), Stroke(linewidth=width, foreground=GT_COLOR)]
    handles: list[Any] = [Line2D([], [], color=GT_COLOR, lw=width, path_effects=outlined)]
    handles += [Line2D([], [], color=la.color, lw=width) for la in layers if not la.ground_truth]
    return handles, [GT_LABEL] + [la.label for la in layers if not la.ground_truth]


def hex_rgb(color: str) -> tuple[int, int, int]:
    """``#RRGGBB`` as an RGB triple of 0..255."""
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@dataclass(frozen=True)
class Layer:
    """One set of boxes of a sequence: the ground truth or one tracker's."""

    label: str
    color: str
    boxes: np.ndarray
    ground_truth: bool = False

    def box(self, frame: int) -> np.ndarray | None:
        """The box of ``frame`` if there is a finite, non-empty one."""
        if frame >= len(self.boxes):
            return None
        b = self.boxes[frame]
        return b if bool(np.all(np.isfinite(b))) and b[2] > 0 and b[3] > 0 else None


def styles_of(tracks: Tracks, names: SequenceABC[str] | None = None) -> dict[str, Style]:
    """Each shown tracker's style, as the report of the whole results folder assigns it (or the report of
    the trackers ``names``, e.g. an evaluation's)."""
    order = tracker_order(names or tracks.all_trackers or tracks.trackers)
    return tracker_styles(order + [t for t in tracks.trackers if t not in order])


def sequence_layers(sequence: Sequence, tracks: Tracks, styles: dict[str, Style]) -> list[Layer]:
    """The ground truth (NaN where it is not valid), then every tracker that has ``sequence``."""
    gt = np.where(ground_truth_valid(sequence)[:, None], truth(sequence), np.nan)
    layers = [Layer(GT_LABEL, GT_COLOR, gt, ground_truth=True)]
    layers += [Layer(name, styles[name].color, np.asarray(b, dtype=np.float64))
               for name, b in tracks.of(sequence.name).items()]  # fmt: skip
    return layers


def frame_count(sequence: Sequence) -> int:
    """Frames shown: every annotated one, or every frame of a test split that gives the first box only
    (GOT-10k, TrackingNet test: ``num_frames``)."""
    return max(len(sequence.ground_truth), sequence.num_frames)


def truth(sequence: Sequence) -> np.ndarray:
    """The ground truth, one row per shown frame (NaN rows past the annotated ones)."""
    gt = sequence.ground_truth
    n = frame_count(sequence)
    return gt if len(gt) == n else np.vstack([gt, np.full((n - len(gt), 4), np.nan)])


def ground_truth_valid(sequence: Sequence) -> np.ndarray:
    """Frames with a target to compare with: visible (where the benchmark says), finite, non-empty."""
    gt = truth(sequence)
    ok = np.all(np.isfinite(gt), axis=1) & (gt[:, 2] > 0) & (gt[:, 3] > 0)
    if sequence.visible is not None:
        ok[: len(sequence.visible)] &= sequence.visible
    return ok


def frame_ious(boxes: np.ndarray, sequence: Sequence) -> np.ndarray:
    """IoU with the ground truth per shown frame of ``sequence`` (NaN where it has no valid ground truth;
    0 where the tracker wrote no usable box)."""
    gt = truth(sequence)
    n = len(gt)
    pred = np.full((n, 4), np.nan)
    m = min(n, len(boxes))
    pred[:m] = boxes[:m]
    iou = iou_cont(pred, gt)
    iou = np.where(np.isfinite(iou), iou, 0.0)
    iou[~ground_truth_valid(sequence)] = np.nan
    return iou


def draw_boxes(
    image: np.ndarray,
    layers: SequenceABC[Layer],
    frame: int,
    scale: float = 1.0,
    offset: tuple[float, float] = (0.0, 0.0),
    thickness: int = 2,
) -> None:
    """Draw every layer's box of ``frame`` into ``image`` (RGB, in place): box ``b`` lands at
    ``(b[:2] - offset) * scale``. The ground truth first, outlined, then the trackers over it."""
    order = [la for la in layers if la.ground_truth] + [la for la in layers if not la.ground_truth]
    for layer in order:
        b = layer.box(frame)
        if b is None:
            continue
        x0 = int(round((b[0] - offset[0]) * scale))
        y0 = int(round((b[1] - offset[1]) * scale))
        x1 = int(round((b[0] + b[2] - offset[0]) * scale))
        y1 = int(round((b[1] + b[3] - offset[1]) * scale))
        if layer.ground_truth:
            cv2.rectangle(image, (x0, y0), (x1, y1), hex_rgb(GT_OUTLINE), thickness + 2, cv2.LINE_8)
        cv2.rectangle(image, (x0, y0), (x1, y1), hex_rgb(layer.color), thickness, cv2.LINE_8)
