"""The temporal token's attention over the search region, frame by frame (the paper's Fig. 6).

:func:`trace_attention` tracks a sequence as the tracker does (the token is temporal: frame t's token
depends on every frame before it) and, on the asked frames only, switches one block's ``capture`` on
(:class:`~.blocks.CEBlock`), so normal tracking pays nothing. :func:`search_attention_map` turns the
captured probabilities into a map on the search grid:

* the token's row of the block's own softmax, averaged over heads, restricted to the search-token
  columns present in that block;
* candidate elimination removed some search tokens in earlier blocks: the present ones are put back at
  their grid positions (row-major, as the head reads them) and the eliminated ones stay exactly 0;
* normalised to sum to 1 over the search grid (the share of the token's attention that went to the
  search region, before normalising, is kept as ``search_share``; the rest went to the templates and
  the token itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from odtrack_eval.trackers.odtrack.blocks import CapturedAttention, CEBlock
from odtrack_eval.trackers.odtrack.config import OdtrackConfigError
from odtrack_eval.trackers.odtrack.processing import crop_window
from odtrack_eval.trackers.odtrack.tracker import OdtrackEngine, SequenceState


@dataclass(frozen=True)
class AttentionFrame:
    """One asked frame: the token's attention map and the search crop the network saw.

    Attributes:
        frame: 1-based frame number in the sequence (frame 1 initialises the tracker).
        attention: (S, S) float64 map on the search grid, sums to 1; eliminated tokens are 0.
        present: (S, S) bool, the search tokens present in the captured layer (not eliminated before it).
        crop: (H, W, 3) uint8 RGB search crop, as cropped by the tracker before normalisation.
        search_share: fraction of the token's attention (head mean) that went to the search tokens.
        kept: number of search tokens present in the captured layer (the rest were eliminated).
        box: (x, y, w, h) the tracker's box on this frame, in image pixels.
        crop_box: (x1, y1, side) the crop's square window in image pixels.
    """

    frame: int
    attention: np.ndarray
    present: np.ndarray
    crop: np.ndarray
    search_share: float
    kept: int
    box: tuple[float, float, float, float]
    crop_box: tuple[int, int, int]


def search_attention_map(captured: CapturedAttention, grid: int, query: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(B, grid, grid) maps normalised to sum 1 and (B,) search shares, from one block's capture.

    ``query`` picks the temporal token's row (ODTrack has one token: 0).
    """
    probs = captured.probs[:, :, query].double().mean(dim=1)  # (B, N): head mean of the token's row
    start = probs.shape[1] - captured.search_index.shape[1]
    search = probs[:, start:]  # the search-token columns, in the block's order
    full = search.new_zeros(search.shape[0], grid * grid).scatter(1, captured.search_index.long(), search)
    share = full.sum(dim=1)
    maps = (full / share[:, None]).reshape(-1, grid, grid)
    return maps.cpu().numpy(), share.cpu().numpy()


def check_layer(engine: OdtrackEngine, layer: int) -> CEBlock:
    """The block of 1-based ``layer``; a clear error if it does not exist or cannot be captured."""
    cfg = engine.cfg
    if not 1 <= layer <= cfg.depth:
        raise OdtrackConfigError(f"--layer {layer}: {cfg.name} has layers 1..{cfg.depth}")
    if cfg.attn_type != "concat":
        raise OdtrackConfigError(
            f"{cfg.name} uses attn_type={cfg.attn_type!r}: only the concatenated token attention of the released"
            " checkpoints can be shown"
        )
    return engine.model.backbone.blocks[layer - 1]


def trace_attention(
    engine: OdtrackEngine,
    frames: Iterable[np.ndarray],
    init_box: Sequence[float],
    wanted: Iterable[int],
    layer: int,
    on_frame: Callable[[int], None] | None = None,
) -> list[AttentionFrame]:
    """Track from frame 1 (initialisation with ``init_box``) to the last wanted frame and capture there.

    Args:
        engine: an ODTrack engine (its model's attention is switched to the explicit-softmax path).
        frames: RGB uint8 images from frame 1 on; read lazily, only up to the last wanted frame.
        init_box: (x, y, w, h) box of frame 1.
        wanted: 1-based frame numbers >= 2 (frame 1 only initialises: the network does not run on it).
        layer: 1-based block whose attention is captured.
        on_frame: called with each tracked frame number (progress bars).

    Returns:
        One :class:`AttentionFrame` per distinct wanted frame, in frame order.
    """
    block = check_layer(engine, layer)
    todo = sorted(set(int(f) for f in wanted))
    if not todo:
        raise OdtrackConfigError("--frames: no frame asked")
    if todo[0] < 2:
        raise OdtrackConfigError(
            f"--frames {todo[0]}: frame 1 initialises the tracker (the network does not run on it); ask for 2 or later"
        )
    engine.model.set_fused_attention(False)  # the explicit softmax: the model's own probabilities
    out: list[AttentionFrame] = []
    state = None
    last = todo[-1]
    asked = set(todo)
    try:
        for number, image in enumerate(frames, start=1):
            if number == 1:
                state = engine.new_state(image, init_box)
            else:
                capture = number in asked
                block.capture = engine.record = capture
                engine.step([(image, state)])
                if capture:
                    out.append(_frame(number, block, state, engine))
                    block.captured, state.record = None, None
            if on_frame is not None:
                on_frame(number)
            if number == last:
                break
    finally:
        block.capture = engine.record = False
        block.captured = None
    if not out or out[-1].frame != last:
        got = 0 if state is None else state.frame_id + 1
        raise OdtrackConfigError(f"--frames {last}: the sequence has only {got} frames")
    return out


def _frame(number: int, block: CEBlock, state: SequenceState, engine: OdtrackEngine) -> AttentionFrame:
    """The asked frame's map, crop and boxes, from the block's capture and the engine's record."""
    captured, record = block.captured, state.record
    if captured is None or record is None:  # pragma: no cover - the block and engine were told to record
        raise RuntimeError("attention capture did not run")
    grid = engine.cfg.feat_size_s
    maps, share = search_attention_map(captured, grid)
    present = np.zeros(grid * grid, dtype=bool)
    present[captured.search_index[0].cpu().numpy()] = True
    previous = [float(v) for v in record["search_crop_box_in"]]
    x, y, w, h = (float(v) for v in state.box)
    return AttentionFrame(
        frame=number,
        attention=maps[0],
        present=present.reshape(grid, grid),
        crop=np.asarray(record["search_crop_uint8"]),
        search_share=float(share[0]),
        kept=int(present.sum()),
        box=(x, y, w, h),
        crop_box=crop_window(previous, engine.cfg.search_factor),
    )
