"""The temporal token's attention capture on the tiny config: same boxes, normalised maps, the model's own values.

The expected maps are recomputed here from the captured layer's input tokens and its q/k weights (float64,
plain torch ops); the eliminated tokens come from the engine's own record of candidate elimination.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from odtrack_eval.imageio import read_rgb  # noqa: E402
from odtrack_eval.synth import SynthOptions, generate, load_synth  # noqa: E402
from odtrack_eval.trackers.odtrack.attention import trace_attention  # noqa: E402
from odtrack_eval.trackers.odtrack.config import OdtrackConfigError  # noqa: E402
from odtrack_eval.trackers.odtrack.tracker import ODTrackTracker, build_engine  # noqa: E402

FRAMES = 10


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[np.ndarray], list[float]]:
    root = generate(tmp_path_factory.mktemp("att") / "synth", SynthOptions(sequences=1, frames=FRAMES, seed=5))
    seq = load_synth(root)[0]
    return [read_rgb(p) for p in seq.frame_paths()], [float(v) for v in seq.init_box]


@pytest.fixture()
def engine():
    eng, _ = build_engine("odtrack-test", random_init_seed=0)
    return eng


def _plain_boxes(engine, frames, init) -> np.ndarray:
    tracker = ODTrackTracker(engine)
    tracker.initialize(frames[0], {"init_bbox": init})
    return np.array([tracker.track(f)["target_bbox"] for f in frames[1:]])


@pytest.mark.parametrize("layer", [1, 2])
def test_capture_on_every_frame_leaves_the_boxes_bit_identical(engine, video, layer):
    frames, init = video
    before = _plain_boxes(engine, frames, init)
    traced = trace_attention(engine, frames, init, range(2, FRAMES + 1), layer)
    assert [t.frame for t in traced] == list(range(2, FRAMES + 1))
    np.testing.assert_array_equal(np.array([t.box for t in traced]), before)
    # The capture is switched off again: plain tracking afterwards gives the same boxes and captures nothing.
    np.testing.assert_array_equal(_plain_boxes(engine, frames, init), before)
    assert all(not b.capture and b.captured is None for b in engine.model.backbone.blocks)


def test_map_sums_to_one_on_the_search_grid_and_eliminated_tokens_are_zero(engine, video):
    frames, init = video
    asked = 6
    (frame,) = trace_attention(engine, frames, init, [asked], layer=2)
    # The same frame tracked with the engine's own record: which search tokens block 1 eliminated.
    engine.record = True
    state = engine.new_state(frames[0], init)
    for image in frames[1:asked]:
        engine.step([(image, state)])
    removed = state.record["removed_indexes_s"][0].reshape(-1)
    grid = engine.cfg.feat_size_s
    assert frame.attention.shape == (grid, grid) == (8, 8)
    assert abs(frame.attention.sum() - 1.0) < 1e-12
    flat = frame.attention.reshape(-1)
    assert len(removed) == 64 - 45 and (flat[removed] == 0).all()
    kept = np.setdiff1d(np.arange(grid * grid), removed)
    assert (flat[kept] > 0).all()
    np.testing.assert_array_equal(np.flatnonzero(frame.present.reshape(-1)), kept)
    assert frame.kept == 45 and 0 < frame.search_share < 1
    # The crop is the search crop the tracker made for that frame.
    np.testing.assert_array_equal(frame.crop, state.record["search_crop_uint8"])


@pytest.mark.parametrize("layer", [1, 2])
def test_capture_equals_attention_recomputed_from_the_layers_q_and_k(engine, video, layer):
    frames, init = video
    block = engine.model.backbone.blocks[layer - 1]
    seen = {}

    def hook(module, args):  # the block's input tokens and the original positions of its search tokens
        seen["x"], seen["lens_t"], seen["index"] = args[0].clone(), args[1], args[2].clone()

    handle = block.register_forward_pre_hook(hook)
    try:
        (frame,) = trace_attention(engine, frames, init, [7], layer)
    finally:
        handle.remove()
    x, lens_t, index = seen["x"], seen["lens_t"], seen["index"][0]
    heads, dim = engine.cfg.num_heads, engine.cfg.embed_dim
    with torch.no_grad():
        normed = block.norm1(x)[0].double()
        w, b = block.attn.qkv.weight.double(), block.attn.qkv.bias.double()
        qkv = normed @ w.T + b  # (N, 3C)
        q = qkv[:, :dim].reshape(-1, heads, dim // heads).transpose(0, 1)
        k = qkv[:, dim : 2 * dim].reshape(-1, heads, dim // heads).transpose(0, 1)
        logits = (q[:, :1] @ k.transpose(1, 2)) / np.sqrt(dim // heads)  # the token's row, every head
        probs = torch.softmax(logits, dim=-1)[:, 0].mean(dim=0).numpy()  # (N,)
    search = probs[1 + lens_t :]
    expected = np.zeros(engine.cfg.feat_size_s**2)
    expected[index.numpy()] = search
    expected /= expected.sum()
    np.testing.assert_allclose(frame.attention.reshape(-1), expected, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(frame.search_share, search.sum(), rtol=1e-5)


def test_frames_and_layers_out_of_range_are_refused(engine, video):
    frames, init = video
    with pytest.raises(OdtrackConfigError, match=r"--layer 3: odtrack-test has layers 1\.\.2"):
        trace_attention(engine, frames, init, [3], layer=3)
    with pytest.raises(OdtrackConfigError, match="frame 1 initialises the tracker"):
        trace_attention(engine, frames, init, [1, 4], layer=1)
    with pytest.raises(OdtrackConfigError, match=f"--frames 40: the sequence has only {FRAMES} frames"):
        trace_attention(engine, frames, init, [4, 40], layer=1)


def test_frames_are_read_only_up_to_the_last_asked_one(engine, video):
    frames, init = video
    read = []

    def reader():
        for i, f in enumerate(frames):
            read.append(i + 1)
            yield f

    trace_attention(engine, reader(), init, [3, 5], layer=1)
    assert read == [1, 2, 3, 4, 5]


def test_the_sdpa_engine_is_switched_to_the_explicit_softmax(video):
    from odtrack_eval.trackers.odtrack.tracker import InferenceOptions

    frames, init = video
    eng, _ = build_engine("odtrack-test", random_init_seed=0, options=InferenceOptions(attention="sdpa"))
    (frame,) = trace_attention(eng, frames, init, [3], layer=1)
    assert all(not b.attn.fused for b in eng.model.backbone.blocks)
    assert abs(frame.attention.sum() - 1) < 1e-12
