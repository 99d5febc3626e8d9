"""metrics/scoring.py: the exact threshold-count shortcuts equal ``np.searchsorted``."""

from __future__ import annotations

import numpy as np
import pytest

from odtrack_eval.metrics.scoring import _threshold_index
from odtrack_eval.protocols.one_pass import _grid

GRIDS = [
    "success_torch",
    "success_linspace21",
    "success_linspace101",
    "success_matlab",
    "pixels_0_50",
    "pixels_linspace21",
    "norm_hundredths",
    "norm_linspace51",
    "norm_linspace21",
]


@pytest.mark.parametrize("name", GRIDS)
@pytest.mark.parametrize("side", ["left", "right"])
def test_threshold_index_equals_searchsorted(name: str, side: str) -> None:
    rng = np.random.default_rng(7)
    g = _grid(name)
    near = [g, np.nextafter(g, np.inf), np.nextafter(g, -np.inf), g * (1 + 1e-15), g * (1 - 1e-15)]
    top = float(g[-1])
    values = np.concatenate(
        [
            *near,
            rng.random(50_000) * top * 1.3 - 0.1 * top,
            np.round(rng.random(5_000) * top * 120) / 100,  # many exact hundredths / twentieths
            np.round(rng.random(5_000) * top * 24) / 20,
            [0.0, -0.0, np.inf, -np.inf, 1e300, -1e300, 5e-324, -5e-324, 1e15, 2.0**53],
        ]
    )
    got = _threshold_index(g, values, side)
    want = np.searchsorted(g, values, side=side)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    # NaN gives some count in range (callers override it).
    nan = _threshold_index(g, np.array([np.nan]), side)
    assert 0 <= nan[0] <= len(g)


def test_threshold_index_falls_back_for_irregular_grids() -> None:
    g = np.array([0.0, 0.1, 0.5, 0.55, 2.0])
    v = np.random.default_rng(1).random(1000) * 2.5
    for side in ("left", "right"):
        np.testing.assert_array_equal(_threshold_index(g, v, side), np.searchsorted(g, v, side=side))


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("protocol", ["odtrack", "official", "got10k", "trackingnet", "got10k-val"])
def test_huge_boxes_score_without_numpy_warnings(protocol: str, both_paths: str, tmp_path) -> None:
    """1e308 overflows to inf in areas and distances: IEEE results the protocols then fail, never a
    RuntimeWarning on stderr."""
    from odtrack_eval.evaluation import evaluate_folder
    from odtrack_eval.protocols import get_protocol
    from odtrack_eval.sequence import Dataset, Sequence

    (tmp_path / "r" / "trk").mkdir(parents=True)
    (tmp_path / "r" / "trk" / "a.txt").write_text("10,10,20,20\n1e308,1e308,1e308,1e308\n10,10,20,20\n")
    extra = {"image_size": (100.0, 100.0), "cover": np.ones(3)}
    ds = Dataset("t", "otb", [Sequence("a", np.array([[10.0, 10, 20, 20]] * 3), extra=extra)])
    ev = evaluate_folder(ds, tmp_path / "r", get_protocol(protocol), cache=False)
    assert ev.errors == {} and len(ev.results) == 1
