"""Attention panels: the blended colours at known tokens, worked out by hand, and where they land in the PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from odtrack_eval.imageio import read_rgb  # noqa: E402
from odtrack_eval.report.attention import AttentionPanel, attention_figure, overlay  # noqa: E402

#: The two ends of matplotlib's viridis table (its published values).
VIRIDIS_LOW = np.array([0.267004, 0.004874, 0.329415])
VIRIDIS_HIGH = np.array([0.993248, 0.906157, 0.143936])
CROP_RGB = np.array([200.0, 100.0, 60.0])


def _map() -> tuple[np.ndarray, np.ndarray]:
    """4x4 map: the smallest present value at (0, 0), the largest at (1, 2), token (3, 3) eliminated."""
    att = np.full((4, 4), 0.06)
    att[0, 0], att[1, 2], att[3, 3] = 0.01, 0.2, 0.0
    present = np.ones((4, 4), dtype=bool)
    present[3, 3] = False
    return att, present


def _crop(side: int) -> np.ndarray:
    return np.broadcast_to(CROP_RGB.astype(np.uint8), (side, side, 3)).copy()


def test_overlay_colours_at_known_tokens():
    att, present = _map()
    out = overlay(_crop(64), att, present)  # 16 px per token
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    top = np.rint(0.5 * CROP_RGB + 0.5 * 255 * VIRIDIS_HIGH)  # (227, 166, 48)
    bottom = np.rint(0.5 * CROP_RGB + 0.5 * 255 * VIRIDIS_LOW)
    grey = np.rint(0.45 * CROP_RGB.mean())  # 54
    # Every pixel of the token's 16x16 square has the token's colour (rows = y, columns = x).
    assert (out[16:32, 32:48] == top).all()
    assert (np.abs(out[0:16, 0:16].astype(int) - bottom) <= 1).all()
    assert (out[48:64, 48:64] == grey).all()
    assert tuple(top) == (227, 166, 48) and grey == 54


def test_overlay_refuses_a_crop_that_does_not_split_into_tokens():
    att, present = _map()
    with pytest.raises(ValueError, match="does not split"):
        overlay(_crop(66), att, present)


def _panel_runs(image: np.ndarray) -> tuple[int, list[tuple[int, int]]]:
    """The top row of the panels (first non-white row at the left edge) and the panels' column runs."""
    dark = (image < 250).any(axis=2)
    top = int(np.flatnonzero(dark[:, 2])[0])
    height = int(np.argmin(dark[top:, 2]))  # the left panel's height: where the left edge turns white again
    row = dark[top + height // 2]
    edges = np.flatnonzero(np.diff(np.concatenate([[0], row.astype(int), [0]])))
    return top, list(zip(edges[::2], edges[1::2], strict=True))


def test_figure_places_each_panel_with_its_colours(tmp_path: Path):
    att, present = _map()
    flipped = att[::-1].copy()  # the second panel: max at (2, 2), min at (3, 0), eliminated (0, 3)
    panels = [
        AttentionPanel(12, _crop(64), att, present),
        AttentionPanel(40, _crop(64), flipped, present[::-1].copy()),
    ]
    paths = attention_figure(panels, "odtrack-test on LaSOT\nseq-1", tmp_path / "att", formats=("png", "pdf"))
    assert paths["pdf"].stat().st_size > 0
    image = read_rgb(paths["png"])
    top, runs = _panel_runs(image)
    assert len(runs) == 2
    side = runs[0][1] - runs[0][0]
    assert abs((runs[1][1] - runs[1][0]) - side) <= 1
    cell = side / 4

    def colour(panel: int, r: int, c: int) -> np.ndarray:
        x0 = runs[panel][0]
        return image[int(top + (r + 0.5) * cell), int(x0 + (c + 0.5) * cell)].astype(int)

    top_colour = np.rint(0.5 * CROP_RGB + 0.5 * 255 * VIRIDIS_HIGH)
    grey = np.rint(0.45 * CROP_RGB.mean())
    assert (np.abs(colour(0, 1, 2) - top_colour) <= 2).all()
    assert (np.abs(colour(0, 3, 3) - grey) <= 2).all()
    assert (np.abs(colour(1, 2, 2) - top_colour) <= 2).all()
    assert (np.abs(colour(1, 0, 3) - grey) <= 2).all()
    # The frame number sits in the top-left corner: white text on a dark label, none of which the token has.
    corner = image[top + 2 : top + int(cell / 2), runs[0][0] + 2 : runs[0][0] + int(cell / 2)].astype(int)
    assert (corner.min(axis=2) > 200).any()
    assert (corner.mean(axis=2) < colour(0, 0, 0).mean() / 2).any()
