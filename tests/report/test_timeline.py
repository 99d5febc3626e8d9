"""The timeline picture, checked in its pixels: shading where the dataset flags the target occluded or out of
view, each tracker's curve in its report colour, a failure bar under the axes where (and only where) a tracker
failed."""

from __future__ import annotations

import numpy as np
import pytest

from odtrack_eval.frame_results import load_frame_results
from odtrack_eval.protocols import get_protocol
from odtrack_eval.report import plots
from odtrack_eval.report.timeline import timeline_plot
from odtrack_eval.sequence import Dataset, Sequence

N = 200
OCCLUDED = range(60, 80)  # 0-based frames
OUT_OF_VIEW = range(140, 150)
FAILED = range(100, 130)  # alpha's boxes are far away: one failure of 30 frames, recovered at 130


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0


@pytest.fixture(scope="module")
def picture(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, dict[str, plots.Style]]:
    import matplotlib.image as mpimg

    tmp = tmp_path_factory.mktemp("timeline")
    gt = np.tile([50.0, 50.0, 40.0, 40.0], (N, 1))
    occluded, out_of_view = np.zeros(N, bool), np.zeros(N, bool)
    occluded[list(OCCLUDED)] = True
    out_of_view[list(OUT_OF_VIEW)] = True
    seq = Sequence("toy-1", gt, ~(occluded | out_of_view),
                   extra={"full_occlusion": occluded, "out_of_view": out_of_view})  # fmt: skip
    ds = Dataset("lasot", "lasot", [seq])
    alpha = gt.copy()
    alpha[list(FAILED)] = [300.0, 300.0, 40.0, 40.0]
    beta = gt + [20.0, 0, 0, 0]  # IoU 1/3 throughout: never fails
    for name, boxes in (("alpha", alpha), ("beta", beta)):
        (tmp / "results" / name).mkdir(parents=True)
        np.savetxt(tmp / "results" / name / "toy-1.txt", boxes, fmt="%.1f", delimiter=",")
    (frames,) = load_frame_results(ds, tmp / "results", get_protocol("odtrack"))
    styles = plots.tracker_styles(["alpha", "beta"])
    paths = timeline_plot(frames, tmp / "toy", styles, title="LaSOT: toy-1", formats=("png",))
    return mpimg.imread(paths["png"])[..., :3], styles


def _axes_box(img: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) pixel rows/columns of the axes frame (the black spines)."""
    dark = img.max(axis=2) < 0.3
    rows = np.flatnonzero(dark.mean(axis=1) > 0.5)
    top, bottom = int(rows.min()), int(rows.max())
    cols = np.flatnonzero(dark[top:bottom].mean(axis=0) > 0.9)
    return top, bottom, int(cols.min()), int(cols.max())


def _column(img: np.ndarray, frame: int) -> np.ndarray:
    """The pixels inside the axes at 0-based ``frame`` (x axis from frame 1 to N)."""
    top, bottom, left, right = _axes_box(img)
    x = left + round(frame / (N - 1) * (right - left))
    return img[top + 4 : bottom - 3, x]


def _share(pixels: np.ndarray, colour: str) -> float:
    return float((np.abs(pixels - _rgb(colour)).max(axis=1) < 0.03).mean())


def _rows_of(pixels: np.ndarray, colour: str) -> np.ndarray:
    """Relative heights (0 top, 1 bottom) of the pixels of ``colour``."""
    return np.flatnonzero(np.abs(pixels - _rgb(colour)).max(axis=1) < 0.03) / len(pixels)


def test_flags_are_shaded_in_their_colours(picture) -> None:
    img, _ = picture
    assert _share(_column(img, 70), "#bdbdbd") > 0.8  # full occlusion
    assert _share(_column(img, 145), "#e8e0c8") > 0.8  # out of view
    assert _share(_column(img, 30), "#bdbdbd") == 0 and _share(_column(img, 30), "#e8e0c8") == 0
    assert _share(_column(img, 30), "#ffffff") > 0.7


def test_curves_in_the_report_colours_and_the_failure_bar(picture) -> None:
    img, styles = picture
    alpha, beta = styles["alpha"].color, styles["beta"].color
    assert (alpha, beta) == plots.OKABE_ITO[:2]  # the success plot's colours for these two names
    ok, failed = _column(img, 30), _column(img, 115)
    # frame 30: alpha at IoU 1 (top), beta at 1/3; no bar under the axes
    assert _rows_of(ok, alpha).max() < 0.2
    beta_rows = _rows_of(ok, beta)
    assert len(beta_rows) and 0.3 < beta_rows.mean() < 0.75
    # frame 115: alpha's failure bar lies in the lanes under IoU 0, in alpha's colour; beta has none
    assert _rows_of(failed, alpha).max() > 0.85
    assert _rows_of(failed, beta).max() < 0.75
    # after the recovery (frame 170) alpha is back at the top and its bar has ended
    assert _rows_of(_column(img, 170), alpha).max() < 0.2
