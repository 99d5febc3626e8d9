"""CPU baselines: OpenCV CSRT/KCF/MIL/MOSSE and the static box."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.runner import RunConfig, run_tracker
from odtrack_eval.synth import SynthOptions, generate, load_synth
from odtrack_eval.trackers.baselines import OpenCVTracker, StaticTracker, available_opencv_kinds
from odtrack_eval.trackers.registry import build_tracker, resolve_tracker


def mean_iou(boxes: np.ndarray, seq) -> float:
    """Plain IoU of x,y,w,h boxes, averaged over the frames where the target is visible."""
    b, g = boxes[seq.visible], seq.ground_truth[seq.visible]
    iw = np.clip(np.minimum(b[:, 0] + b[:, 2], g[:, 0] + g[:, 2]) - np.maximum(b[:, 0], g[:, 0]), 0, None)
    ih = np.clip(np.minimum(b[:, 1] + b[:, 3], g[:, 1] + g[:, 3]) - np.maximum(b[:, 1], g[:, 1]), 0, None)
    inter = iw * ih
    return float(np.mean(inter / (b[:, 2] * b[:, 3] + g[:, 2] * g[:, 3] - inter)))


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory):
    return load_synth(generate(tmp_path_factory.mktemp("b") / "synth", SynthOptions(sequences=4, frames=60, seed=11)))


@pytest.fixture(scope="module")
def static_score(bench, tmp_path_factory: pytest.TempPathFactory) -> float:
    report = run_tracker(resolve_tracker("static"), bench, RunConfig(tmp_path_factory.mktemp("s"), progress=False))
    return float(np.mean([mean_iou(np.loadtxt(report.results_dir / f"{s.name}.txt"), s) for s in bench]))


def test_all_four_opencv_kinds_exist() -> None:
    assert available_opencv_kinds() == ["csrt", "kcf", "mil", "mosse"]


@pytest.mark.parametrize(
    "name",
    [
        "opencv-kcf",
        "opencv-mosse",
        pytest.param("opencv-csrt", marks=pytest.mark.slow),
        pytest.param("opencv-mil", marks=pytest.mark.slow),
    ],
)
def test_baseline_beats_static_by_far(name: str, bench, static_score: float, tmp_path: Path) -> None:
    report = run_tracker(resolve_tracker(name), bench, RunConfig(tmp_path, progress=False))
    assert report.ok
    score = float(np.mean([mean_iou(np.loadtxt(report.results_dir / f"{s.name}.txt"), s) for s in bench]))
    assert 0.05 < static_score < 0.4
    # KCF, MOSSE and CSRT are deterministic. OpenCV's MIL is not (its boxes differ between runs of the same
    # sequence, seeding cv2's RNG does not help): over 12 runs it scored 0.333-0.464 against the static
    # box's 0.227, so it is held to what it reliably does, a clear margin.
    margin = 0.05 if name == "opencv-mil" else 0.15
    assert score > static_score + margin, (name, score, static_score)


def test_static_repeats_the_initial_box() -> None:
    tracker = StaticTracker()
    image = np.zeros((10, 10, 3), np.uint8)
    tracker.initialize(image, {"init_bbox": [1.5, 2, 3, 4]})
    assert tracker.track(image)["target_bbox"] == [1.5, 2.0, 3.0, 4.0]
    tracker.initialize(image, {"init_bbox": [0, 0, 1, 1]})  # re-initialisation resets state
    assert tracker.track(image, {})["target_bbox"] == [0.0, 0.0, 1.0, 1.0]


def test_opencv_parameters_are_checked() -> None:
    with pytest.raises(OdtrackEvalError, match="unknown OpenCV tracker kind 'boosting'"):
        OpenCVTracker("boosting")
    with pytest.raises(OdtrackEvalError, match="unknown parameter 'padd' for OpenCV CSRT; valid: .*padding"):
        OpenCVTracker("csrt", padd=2.0)
    with pytest.raises(OdtrackEvalError, match="MOSSE takes no parameters"):
        OpenCVTracker("mosse", sigma=2.0)
    with pytest.raises(OdtrackEvalError, match="window_padding"):
        OpenCVTracker("kcf", window_padding=-1)
    tracker = OpenCVTracker("csrt", padding=2.5, use_segmentation=False)
    assert tracker._params.padding == 2.5 and tracker._params.use_segmentation is False


def test_window_padding_reports_the_unpadded_box() -> None:
    rng = np.random.default_rng(0)
    image = (rng.random((120, 160, 3)) * 255).astype(np.uint8)
    tracker = OpenCVTracker("mosse", window_padding=1.5)
    tracker.initialize(image, {"init_bbox": [50, 40, 30, 20]})
    out = tracker.track(image)
    assert out["score"] == 1.0
    np.testing.assert_allclose(out["target_bbox"], [50, 40, 30, 20], atol=1.0)


def test_shipped_mosse_definition_matches_entry_point() -> None:
    from importlib import metadata

    definition = resolve_tracker("opencv-mosse")
    assert definition.parameters == {"kind": "mosse", "window_padding": 1.5}
    ep = next(e for e in metadata.entry_points(group="odtrack_eval.trackers") if e.name == "opencv-mosse")
    assert ep.load()()._scale == build_tracker(definition)._scale == 2.5
