"""The compiled screen (results/screen_kernel.py) flags the same files as the numpy screen (results/validation.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests._kernels import require_kernels

require_kernels()

from odtrack_eval.backend import Backend  # noqa: E402
from odtrack_eval.results import validation  # noqa: E402


def _files(seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Result files with each kind of oddity the screen looks for, and clean ones."""
    rng = np.random.default_rng(seed)
    boxes, gts = [], []
    for i in range(40):
        n = int(rng.integers(5, 120))
        gt = np.column_stack([rng.integers(100, 300, (n, 2)), rng.integers(20, 60, (n, 2))]).astype(float)
        pred = gt + rng.normal(0, 1, gt.shape)
        kind = i % 8
        if kind == 1:
            pred[rng.integers(0, n)] = np.nan
        elif kind == 2:
            pred[rng.integers(0, n), 2] = 0.0
        elif kind == 3:
            pred[rng.integers(0, n), 3] = -4.0
        elif kind == 4:
            pred[rng.integers(0, n), 0] = np.inf
        elif kind == 5:
            pred = np.column_stack([pred[:, :2], pred[:, :2] + pred[:, 2:]])  # corners
        elif kind == 6:
            pred = pred[: n - 1]  # short
        elif kind == 7:
            gt[rng.random(n) < 0.3] = np.nan  # unusable ground truth rows
        boxes.append(pred)
        gts.append(gt)
    return boxes, gts


@pytest.mark.parametrize("seed", range(5))
def test_screens_flag_the_same_files(seed: int) -> None:
    boxes, gts = _files(seed)
    numpy_flags = validation._screen_numpy(boxes, gts)
    compiled_flags = validation._screen_compiled(boxes, gts)
    np.testing.assert_array_equal(compiled_flags, numpy_flags)
    assert numpy_flags.any() and not numpy_flags.all()  # the generated set has both kinds


def test_validate_run_gives_the_same_findings_on_both_backends() -> None:
    boxes, gts = _files(9)
    paths = [Path(f"s{i}.txt") for i in range(len(boxes))]
    compiled = validation.validate_run(boxes, gts, paths, Backend.COMPILED)
    assert compiled == validation.validate_run(boxes, gts, paths, Backend.NUMPY)
    kinds = {f.kind for f in compiled}
    assert {"nan_rows", "zero_size", "negative_size", "length_mismatch", "looks_like_corners"} <= kinds
