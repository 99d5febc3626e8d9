"""The ODTrack tracker end to end on the tiny config: registry, state reset, memory, batching, fast path."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests._shared import REPO

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

torch = pytest.importorskip("torch")

from odtrack_eval.trackers.base import Tracker  # noqa: E402
from odtrack_eval.trackers.definition import load_definition  # noqa: E402
from odtrack_eval.trackers.odtrack import odtrack_b384  # noqa: E402
from odtrack_eval.trackers.odtrack.config import OdtrackConfigError  # noqa: E402
from odtrack_eval.trackers.odtrack.processing import select_memory_indices  # noqa: E402
from odtrack_eval.trackers.odtrack.tracker import (  # noqa: E402
    BatchedODTrack,
    InferenceOptions,
    ODTrackTracker,
    build_engine,
    create_tracker,
)
from odtrack_eval.trackers.registry import build_tracker  # noqa: E402


def make_sequence(n: int, seed: int, h: int = 120, w: int = 160) -> tuple[list[np.ndarray], list[list[float]]]:
    """A textured rectangle moving over a noise background (partly leaving the image for some seeds)."""
    rng = np.random.default_rng(seed)
    bg = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    patch = rng.integers(0, 256, (24, 20, 3), dtype=np.uint8)
    frames, boxes = [], []
    for i in range(n):
        img = bg.copy()
        x, y = 20 + (3 + seed) * i, 30 + 2 * i
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + 20, w), min(y + 24, h)
        if x1 > x0 and y1 > y0:
            img[y0:y1, x0:x1] = patch[y0 - y : y1 - y, x0 - x : x1 - x]
        frames.append(img)
        boxes.append([float(x), float(y), 20.0, 24.0])
    return frames, boxes


def run(tracker: Tracker, frames: list[np.ndarray], init: list[float]) -> np.ndarray:
    tracker.initialize(frames[0], {"init_bbox": init})
    return np.array([tracker.track(f)["target_bbox"] for f in frames[1:]])


@pytest.fixture(scope="module")
def engine():
    eng, _ = build_engine("odtrack-test", random_init_seed=0)
    return eng


def test_tiny_tracker_from_definition_file_runs_a_sequence():
    definition = load_definition(REPO / "trackers" / "odtrack-test.toml")
    tracker = build_tracker(definition, device="cpu")
    assert isinstance(tracker, ODTrackTracker)
    frames, boxes = make_sequence(15, 0)
    out = run(tracker, frames, boxes[0])
    assert out.shape == (14, 4) and np.isfinite(out).all()
    # clip_box with margin 10 keeps every box at least 10 px wide/high and inside the image.
    assert (out[:, 2:] >= 10).all() and (out[:, 0] >= 0).all() and (out[:, 0] <= 160 - 10).all()
    assert (out[:, 0] + out[:, 2] <= 160 + 1e-9).all() and (out[:, 1] + out[:, 3] <= 120 + 1e-9).all()
    result = tracker.track(frames[-1])
    assert set(result) == {"target_bbox", "score"} and 0.0 < result["score"] < 1.0


def test_initialize_resets_state_and_temporal_token(engine):
    a_frames, a_boxes = make_sequence(9, 1)
    b_frames, b_boxes = make_sequence(8, 2)
    reused = ODTrackTracker(engine)
    run(reused, a_frames, a_boxes[0])
    assert reused.state.track_query is not None and len(reused.state.memory) == 9
    second = run(reused, b_frames, b_boxes[0])
    fresh = run(ODTrackTracker(engine), b_frames, b_boxes[0])
    np.testing.assert_array_equal(second, fresh)
    reused.initialize(b_frames[0], {"init_bbox": b_boxes[0]})
    assert reused.state.track_query is None and reused.state.frame_id == 0 and len(reused.state.memory) == 1


def test_temporal_token_changes_the_next_frame(engine):
    frames, boxes = make_sequence(4, 0)
    tracker = ODTrackTracker(engine)
    tracker.initialize(frames[0], {"init_bbox": boxes[0]})
    tracker.track(frames[1])
    saved = tracker.state
    engine.record = True
    try:
        with_token = engine.step([(frames[2], _copy_state(saved))])[0]
        no_token_state = _copy_state(saved)
        no_token_state.track_query = None
        without = engine.step([(frames[2], no_token_state)])[0]
    finally:
        engine.record = False
    assert with_token["target_bbox"] != without["target_bbox"] or with_token["score"] != without["score"]


def _copy_state(state):
    import copy

    return copy.deepcopy(state)


def test_memory_grows_every_frame_and_templates_follow_the_schedule(engine):
    frames, boxes = make_sequence(12, 0)
    tracker = ODTrackTracker(engine)
    engine.record = True
    try:
        tracker.initialize(frames[0], {"init_bbox": boxes[0]})
        for f in range(1, 12):
            tracker.track(frames[f])
            rec = tracker.state.record
            assert rec["template_ids"].tolist() == select_memory_indices(f, 3)
            assert len(rec["template_input"]) == len(rec["template_ids"])
            assert len(tracker.state.memory) == f + 1
            # the new template is cropped around the new state from the current frame
            assert np.array_equal(tracker.state.memory[-1], rec["new_template_crop_uint8"])
    finally:
        engine.record = False


def test_cross_sequence_batching_matches_one_at_a_time(engine):
    seqs = [make_sequence(n, s) for n, s in ((12, 0), (9, 1), (15, 2), (7, 3))]
    single = [run(ODTrackTracker(engine), f, b[0]) for f, b in seqs]
    batched = BatchedODTrack(engine)
    start = [0, 3, 1, 5]  # staggered starts: batches mix sequences using 1..4 templates and fresh tokens
    states: dict[int, object] = {}
    outs: dict[int, list] = {i: [] for i in range(len(seqs))}
    for t in range(25):
        pairs, who = [], []
        for i, (frames, boxes) in enumerate(seqs):
            f = t - start[i]
            if f == 0:
                states[i] = batched.initialize(frames[0], boxes[0])
            elif 0 < f < len(frames):
                pairs.append((frames[f], states[i]))
                who.append(i)
        if pairs:
            for i, res in zip(who, batched.track(pairs), strict=True):
                outs[i].append(res["target_bbox"])
    for i in range(len(seqs)):
        # Equal up to float32 summation order in batched matmuls (differences are ~1e-4 px or less).
        np.testing.assert_allclose(np.array(outs[i]), single[i], rtol=0, atol=1e-3)


def test_fast_path_options_run_on_cpu_and_stay_close(engine):
    """SDPA is the same math (tiny differences); bf16 autocast and on-device crops run on CPU.

    Random tiny weights make a chaotic tracker (a one-grey-level crop difference moves its boxes by
    pixels), so box closeness of the approximate options is checked on the oracle weights instead
    (tests/parity/test_odtrack_oracle.py, benchmarks/bench_odtrack.py).
    """
    frames, boxes = make_sequence(10, 0)
    ref = run(ODTrackTracker(engine), frames, boxes[0])
    sdpa_engine, _ = build_engine("odtrack-test", random_init_seed=0, options=InferenceOptions(attention="sdpa"))
    np.testing.assert_allclose(run(ODTrackTracker(sdpa_engine), frames, boxes[0]), ref, rtol=0, atol=1e-2)

    bf16_engine, _ = build_engine(
        "odtrack-test",
        random_init_seed=0,
        options=InferenceOptions(attention="sdpa", precision="bf16", crop="torch"),
    )
    out = run(ODTrackTracker(bf16_engine), frames, boxes[0])
    assert out.shape == ref.shape and np.isfinite(out).all()


@pytest.mark.slow
def test_compiled_network_gives_the_eager_boxes(engine):
    """``compile`` wraps the network call in torch.compile (inductor on CPU here; one graph per template
    count, so three frames build two). Skipped where inductor cannot build C++ kernels."""
    import shutil

    if not (shutil.which("c++") or shutil.which("g++")):
        pytest.skip("torch.compile on CPU needs a C++ compiler (none on PATH)")
    from torch._dynamo.exc import BackendCompilerFailed
    from torch._inductor.exc import CppCompileError, InductorError

    frames, boxes = make_sequence(3, 0)
    ref = run(ODTrackTracker(engine), frames, boxes[0])
    compiled, _ = build_engine("odtrack-test", random_init_seed=0, options=InferenceOptions(compile="default"))
    try:
        out = run(ODTrackTracker(compiled), frames, boxes[0])
    except (CppCompileError, InductorError, BackendCompilerFailed) as exc:
        chain, cause = [], exc
        while cause is not None and len(chain) < 10:
            chain.append(cause)
            cause = getattr(cause, "inner_exception", None) or cause.__cause__
        if not any(isinstance(c, CppCompileError) for c in chain):
            raise
        # the machine cannot build inductor's C++ kernels (no compiler or Python headers): not our code
        pytest.skip(f"inductor cannot build CPU kernels on this machine: {str(chain[-1])[:200]}")
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-3)
    with pytest.raises(OdtrackConfigError, match="compile must be"):
        InferenceOptions(compile="fast")


def test_cuda_only_options_are_refused_cleanly_on_cpu():
    with pytest.raises(OdtrackConfigError, match="tf32"):
        InferenceOptions(precision="tf32")
    with pytest.raises(OdtrackConfigError, match="precision"):
        InferenceOptions(precision="fp8")
    if not torch.cuda.is_available():
        with pytest.raises(OdtrackConfigError, match="CUDA is not available"):
            InferenceOptions(device="cuda")


def test_released_variants_need_a_checkpoint():
    with pytest.raises(OdtrackConfigError, match="checkpoint"):
        odtrack_b384()


def test_checkpoint_through_the_registry_gives_the_same_boxes(tmp_path, engine):
    path = tmp_path / "tiny.pth.tar"
    torch.save({"net": engine.model.state_dict(), "epoch": 1}, path)
    definition = load_definition(REPO / "trackers" / "odtrack-test.toml")
    definition = type(definition)(**{**definition.__dict__, "parameters": {}}).with_checkpoint(path)
    tracker = build_tracker(definition)
    frames, boxes = make_sequence(6, 0)
    np.testing.assert_array_equal(run(tracker, frames, boxes[0]), run(ODTrackTracker(engine), frames, boxes[0]))
    manifest = tracker.manifest()
    assert manifest["checkpoint"]["sha256"] == tracker.checkpoint.sha256 and len(tracker.checkpoint.sha256) == 64


def test_entry_points_and_definition_files_agree_and_resolve():
    import importlib

    eps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]["odtrack_eval.trackers"]
    names = ["odtrack-b384", "odtrack-l384", "odtrack-b384-got", "odtrack-l384-got", "odtrack-test"]
    for name in names:
        module, attr = eps[name].split(":")
        assert callable(getattr(importlib.import_module(module), attr))
        definition = load_definition(REPO / "trackers" / f"{name}.toml")
        assert definition.name == name and definition.implementation == eps[name]
    for name in names[:4]:
        assert load_definition(REPO / "trackers" / f"{name}.toml").checkpoint is not None


def test_create_tracker_passes_config_overrides():
    tracker = create_tracker("odtrack-test", random_init_seed=0, template_number=4)
    assert tracker.cfg.template_number == 4
    with pytest.raises(OdtrackConfigError, match="unknown ODTrack config field"):
        create_tracker("odtrack-test", random_init_seed=0, templates=4)


def test_importing_the_package_does_not_import_torch():
    code = (
        "import sys; import odtrack_eval, odtrack_eval.trackers, odtrack_eval.trackers.odtrack, "
        "odtrack_eval.trackers.odtrack.config, odtrack_eval.trackers.odtrack.errors; "
        "assert 'torch' not in sys.modules, 'torch imported'; "
        "from odtrack_eval.trackers.odtrack import VARIANTS; print(sorted(VARIANTS))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "odtrack-b384" in out.stdout


def test_wrong_variant_fails_before_the_model_is_built(tmp_path, engine, monkeypatch):
    from odtrack_eval.trackers.odtrack import tracker as tracker_module
    from odtrack_eval.trackers.odtrack.errors import CheckpointVariantError

    path = tmp_path / "tiny.pth"
    torch.save({"net": engine.model.state_dict()}, path)

    def no_build(*args, **kwargs):
        raise AssertionError("model built before the checkpoint was checked")

    monkeypatch.setattr(tracker_module, "build_model", no_build)
    with pytest.raises(CheckpointVariantError, match="looks like odtrack-test"):
        create_tracker("odtrack-l384", path)
