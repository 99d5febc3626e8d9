"""The compiled scorer (metrics/scoring_kernel.py) equals the numpy scorer (metrics/scoring.py) bit for bit.

Both get the same prepared runs, generated to hit the edge cases (ties at thresholds, NaN, zero and
negative sizes, forced frames, clipping, short files), and every output bit is compared.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests._kernels import require_kernels

require_kernels()

from odtrack_eval.errors import ResultsError  # noqa: E402
from odtrack_eval.metrics import scoring  # noqa: E402
from odtrack_eval.metrics.preparation import METRICS, prepare_run  # noqa: E402
from odtrack_eval.metrics.truth import truths_of  # noqa: E402
from odtrack_eval.protocols import PROTOCOLS, Protocol, get_protocol  # noqa: E402
from odtrack_eval.sequence import Sequence  # noqa: E402
from tests.compiled._equal import assert_same_bits  # noqa: E402


def _sequences(
    rng: np.random.Generator, n_seq: int = 7, protocol: Protocol | None = None
) -> tuple[list[Sequence], list[np.ndarray]]:
    """Ground truth and results with every kind of frame the protocols treat differently, short of
    what ``protocol`` rejects outright (NaN or negative predictions, short files)."""
    rejects_bad = protocol is not None and protocol.reject_invalid_predictions
    rejects_short = protocol is not None and protocol.shorter_results == "error"
    seqs, preds = [], []
    for i in range(n_seq):
        n = int(rng.integers(1, 400))
        gt = np.column_stack([rng.integers(0, 200, (n, 2)), rng.integers(1, 80, (n, 2))]).astype(np.float64)
        kind = i % 5
        if kind == 0:  # integer boxes: exact ties at IoU thresholds and pixel thresholds
            pred = gt + rng.integers(-6, 7, gt.shape)
        elif kind == 1:  # sub-pixel floats (FMA or reordering would change the last bits)
            pred = gt + rng.normal(0, 8, gt.shape)
            gt = gt + rng.random(gt.shape)
        elif kind == 2:  # far off, and boxes beyond the image
            pred = gt + rng.normal(0, 60, gt.shape)
        elif kind == 3:  # ties at IoU = 0.5 exactly: half-width shift
            pred = gt.copy()
            pred[:, 0] += gt[:, 2] / 3
        else:  # IEEE extremes: overflow to inf, subnormals, signed zeros
            pred = gt + rng.normal(0, 4, gt.shape)
            extremes = [1e308, 5e-324, -0.0, 0.0, 2.2250738585072014e-308]
            extremes += [] if rejects_bad else [np.inf, -np.inf, -1e308]
            hit = rng.random(gt.shape) < 0.1
            pred[hit] = rng.choice(extremes, size=int(hit.sum()))
        if rejects_bad:
            pred[:, 2:] = np.abs(pred[:, 2:])
        pred[rng.random(n) < 0.05, 2] = 0  # zero width
        if not rejects_bad:
            pred[rng.random(n) < 0.03, 3] = -5  # negative height
            pred[rng.random(n) < 0.03] = np.nan
        gt[rng.random(n) < 0.05, 2:] = 0  # invalid GT (absent in LaSOT style)
        gt[rng.random(n) < 0.02, 0] = -3  # non-positive x: only the all-positive rule cares
        visible = rng.random(n) > 0.1
        cover = rng.integers(0, 9, n)
        extra = {"cover": cover, "image_size": (float(rng.integers(150, 400)), float(rng.integers(150, 400)))}
        seqs.append(Sequence(f"s{i}", gt, visible=visible, extra=extra))
        preds.append(pred[: n - int(rng.integers(0, 3))] if kind == 3 and not rejects_short else pred)
    return seqs, preds


def _assert_same_curves(a: scoring.RunCurves, b: scoring.RunCurves) -> None:
    for metric in METRICS:
        np.testing.assert_array_equal(a.counts[metric], b.counts[metric], err_msg=metric)
        np.testing.assert_array_equal(a.frames[metric], b.frames[metric], err_msg=metric)
        assert_same_bits(a.curves[metric], b.curves[metric], metric)
    assert_same_bits(a.iou_sum, b.iou_sum, "iou_sum")
    np.testing.assert_array_equal(a.iou_count, b.iou_count)


OPE_PROTOCOLS = [name for name, p in PROTOCOLS.items() if isinstance(p, Protocol)]


@pytest.mark.parametrize("protocol_name", OPE_PROTOCOLS)
@pytest.mark.parametrize("seed", range(6))
def test_scoring_kernel_equals_numpy(protocol_name, seed):
    rng = np.random.default_rng(seed)
    proto = get_protocol(protocol_name).for_benchmark("lasot" if seed % 2 else "otb")
    seqs, preds = _sequences(rng, protocol=proto)
    run = prepare_run(truths_of(seqs), preds, proto)
    try:
        want = scoring.score_run_numpy(run, proto)
    except ResultsError as exc:
        with pytest.raises(ResultsError, match="NaN overlap") as err:
            scoring.score_run_compiled(run, proto)
        assert str(err.value) == str(exc)
        return
    _assert_same_curves(scoring.score_run_compiled(run, proto), want)


def test_scoring_kernel_splits_large_runs_between_sequences():
    rng = np.random.default_rng(11)
    proto = get_protocol("odtrack")
    seqs, preds = _sequences(rng, 40, proto)
    while sum(len(s.ground_truth) for s in seqs) < scoring._PARALLEL_FRAMES:
        more, more_preds = _sequences(rng, 40, proto)
        seqs += [Sequence(f"{s.name}-{len(seqs)}", s.ground_truth, s.visible, extra=s.extra) for s in more]
        preds += more_preds
    run = prepare_run(truths_of(seqs), preds, proto)
    assert 0 < scoring._split_at_sequence(run.seq_index) < len(run.seq_index)
    _assert_same_curves(scoring.score_run_compiled(run, proto), scoring.score_run_numpy(run, proto))


_GRIDS = ["success_torch", "success_matlab", "success_linspace21", "success_linspace101", "pixels_0_50",
          "pixels_linspace21", "norm_hundredths", "norm_linspace51"]  # fmt: skip


@pytest.mark.parametrize("grid_name", _GRIDS)
def test_threshold_counts_at_and_next_to_every_grid_point(grid_name):
    """Counting must be exactly searchsorted's, including values equal to a threshold's float."""
    from odtrack_eval.metrics import scoring_kernel as kernel
    from odtrack_eval.protocols.one_pass import _grid

    grid = _grid(grid_name)
    values = np.concatenate([grid, np.nextafter(grid, -np.inf), np.nextafter(grid, np.inf), [-1.0, 1e9, np.inf]])
    values = np.concatenate([values, np.random.default_rng(0).random(500) * grid[-1] * 1.2])
    padded, mode, scale = scoring._kernel_grid(grid)
    assert mode != scoring.GRID_BISECT  # every protocol grid takes an exact shortcut ...
    for inclusive in (False, True):
        want = np.searchsorted(grid, values, side="right" if inclusive else "left")
        got = [kernel.rank(padded, mode, scale, float(v), inclusive) for v in values]
        np.testing.assert_array_equal(got, want)
        # ... and the bisection fallback (for other grids) counts the same
        got = [kernel.rank(padded, scoring.GRID_BISECT, 1.0, float(v), inclusive) for v in values]
        np.testing.assert_array_equal(got, want)
