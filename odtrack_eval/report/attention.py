"""The temporal token's attention drawn over the search crops (``odtrack-eval show attention``, paper Fig. 6).

Drawing only: the maps come from :mod:`odtrack_eval.trackers.odtrack.attention` as plain arrays. Choices
(why):

* Each search token is drawn as the square of crop pixels it was embedded from (nearest upsampling, not a
  smooth blur), so eliminated tokens show as the zero blocks they are and nothing is invented between tokens.
* Colours are min-max scaled per panel over the tokens present in the layer (the smallest value -> the
  colour map's bottom, the largest -> the top): the maps sum to 1, so absolute values shrink with the
  number of search tokens and would not compare across layers; the colour bar says so. ``viridis`` is
  colour-blind safe and monotone in lightness, blended over the crop at :data:`ALPHA`.
* Tokens removed by candidate elimination before the layer have no attention (0): they are drawn as the
  crop in dimmed grey, not as the colour of the smallest attention, so the two are not confused.
* One-column figure (3.3 in), at most :data:`MAX_COLUMNS` panels per row, frame number in the top-left
  corner of each panel.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from odtrack_eval.report.plots import COLUMN_WIDTH_IN, FONT_PT, save_figure

#: Weight of the colour map against the crop pixels.
ALPHA = 0.5
#: Brightness of the grey crop under eliminated tokens.
DIM = 0.45
COLORMAP = "viridis"
MAX_COLUMNS = 3
#: Gap between panels, inches.
GAP_IN = 0.04
#: Characters per title line (7.5 pt across a 3.3 in column).
TITLE_CHARS = 60


@dataclass(frozen=True)
class AttentionPanel:
    """One panel: the frame number, the (H, W, 3) uint8 search crop, the (S, S) attention map and the (S, S)
    bool mask of the tokens present in the layer (``None``: all)."""

    frame: int
    crop: np.ndarray
    attention: np.ndarray
    present: np.ndarray | None = None


def scaled(attention: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Min-max scaled copy in [0, 1] over the ``present`` tokens (all zeros for a constant map)."""
    a = np.asarray(attention, dtype=np.float64)
    values = a if present is None else a[present]
    low, high = float(values.min()), float(values.max())
    return np.clip((a - low) / (high - low), 0.0, 1.0) if high > low else np.zeros_like(a)


def overlay(
    crop: np.ndarray,
    attention: np.ndarray,
    present: np.ndarray | None = None,
    alpha: float = ALPHA,
    colormap: str = COLORMAP,
) -> np.ndarray:
    """(H, W, 3) uint8: the crop blended with the min-max scaled map, each token one block of pixels;
    tokens not ``present`` show the crop in dimmed grey.

    The crop side must be a multiple of the map's side (the patch size: 384 / 24 = 16 for ODTrack-B).
    """
    from matplotlib import colormaps

    crop = np.asarray(crop)
    grid = attention.shape[0]
    h, w = crop.shape[:2]
    if attention.shape != (grid, grid) or h != w or h % grid:
        raise ValueError(f"a {h}x{w} crop does not split into {attention.shape} token squares")
    patch = h // grid

    def blocks(a: np.ndarray) -> np.ndarray:
        return np.repeat(np.repeat(a, patch, axis=0), patch, axis=1)

    pixels = crop.astype(np.float64)
    colours = colormaps[colormap](blocks(scaled(attention, present)))[..., :3] * 255.0
    out = (1.0 - alpha) * pixels + alpha * colours
    if present is not None:
        grey = DIM * pixels.mean(axis=2, keepdims=True)
        out = np.where(blocks(np.asarray(present, dtype=bool))[..., None], out, grey)
    return np.rint(out).astype(np.uint8)


def attention_figure(
    panels: Sequence[AttentionPanel],
    title: str,
    out_base: str | Path,
    formats: Sequence[str] = ("png",),
) -> dict[str, Path]:
    """Write the panel grid with a colour bar; returns the written paths by format."""
    if not panels:
        raise ValueError("no panel to draw")
    ncol = min(len(panels), MAX_COLUMNS)
    nrow = math.ceil(len(panels) / ncol)
    side = (COLUMN_WIDTH_IN - (ncol - 1) * GAP_IN) / ncol
    title = "\n".join(textwrap.fill(line, TITLE_CHARS, break_on_hyphens=False) for line in title.splitlines())
    title_in = 0.14 * (title.count("\n") + 1) + 0.08
    eliminated = any(p.present is not None and not p.present.all() for p in panels)
    bar_in = 0.54 if eliminated else 0.42
    size = (COLUMN_WIDTH_IN, nrow * side + (nrow - 1) * GAP_IN + title_in + bar_in)
    images = [overlay(p.crop, p.attention, p.present) for p in panels]

    def draw(fig: Any) -> None:
        from matplotlib import cm, colors

        height = size[1]
        for i, (panel, image) in enumerate(zip(panels, images, strict=True)):
            r, c = divmod(i, ncol)
            bottom = height - title_in - (r + 1) * side - r * GAP_IN
            left = c * (side + GAP_IN)
            ax = fig.add_axes((left / size[0], bottom / height, side / size[0], side / height))
            ax.imshow(image, interpolation="nearest")
            ax.set_axis_off()
            ax.text(
                0.03, 0.97, f"#{panel.frame}", transform=ax.transAxes, ha="left", va="top", color="white",
                fontsize=FONT_PT, bbox={"facecolor": "black", "alpha": 0.6, "pad": 1.2, "linewidth": 0},
            )  # fmt: skip
        fig.suptitle(title, y=1 - 0.04 / height, va="top", fontsize=FONT_PT + 0.5)
        cax = fig.add_axes((0.15, 0.16 / height, 0.7, 0.07 / height))
        bar = fig.colorbar(
            cm.ScalarMappable(norm=colors.Normalize(0, 1), cmap=COLORMAP), cax=cax, orientation="horizontal"
        )
        bar.set_ticks([0, 1], labels=["min", "max"])
        bar.ax.tick_params(labelsize=FONT_PT, length=2, pad=1)
        label = "temporal token's attention (min-max per panel)"
        if eliminated:
            label += "\ngrey: search tokens removed by candidate elimination"
        bar.set_label(label, fontsize=FONT_PT, labelpad=3)
        bar.ax.xaxis.set_label_position("top")

    return save_figure(draw, None, out_base, size, formats)
