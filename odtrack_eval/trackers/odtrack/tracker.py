"""The ODTrack tracker: official inference procedure around :class:`~.model.ODTrackNet`.

Reproduces ``lib/test/tracker/odtrack.py`` of GXNU-ZhongLab/ODTrack @88c0a8e (``shared/docs/odtrack.md``
section 5): template crop at initialisation; per frame a search crop around the previous state, template
selection from the memory, one network pass carrying the temporal token, Hann-windowed arg-max decoding,
mapping back, ``clip_box`` with margin 10, and a new template appended to the memory on every frame.

Differences from the official tracker, all without numeric effect on the reference path:

* State lives in a :class:`SequenceState`, not on the network, so one network can track many sequences;
  ``initialize`` always starts a fresh state (the official code relies on building a new tracker per
  sequence, its ``initialize`` does not reset the temporal token).
* The template memory stores the uint8 crops and normalises the selected ones on use (the official code
  stores normalised tensors; normalisation is deterministic so the inputs are bit-identical).
* A crop window entirely outside the image yields a black crop (the official code errors in OpenCV).

:class:`OdtrackEngine` steps a list of sequences at once (cross-sequence batching): sequences are grouped
by how many templates they use this frame and each group runs as one batch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from odtrack_eval.trackers.base import NetworkCall, Tracker
from odtrack_eval.trackers.odtrack.checkpoint import CheckpointInfo, load_state_dict_checked, read_state_dict
from odtrack_eval.trackers.odtrack.config import OdtrackConfig, OdtrackConfigError, ctr_point_index, get_config
from odtrack_eval.trackers.odtrack.model import ODTrackNet, build_model
from odtrack_eval.trackers.odtrack.processing import (
    Normalizer,
    clip_box,
    crop_resize_torch,
    hann2d,
    map_box_back,
    sample_target,
    select_memory_indices,
)

Precision = Literal["fp32", "tf32", "bf16", "fp16"]
_AUTOCAST = {"bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class InferenceOptions:
    """How to run the network. The defaults are the reference path (official math, float32, OpenCV crops).

    Attributes:
        device: torch device string.
        precision: ``fp32`` (TF32 off), ``tf32`` (CUDA TF32 matmuls/convs), ``bf16``/``fp16`` (autocast of
            the backbone; token modulation and head stay float32).
        attention: ``manual`` (explicit softmax, as the official code) or ``sdpa`` (fused kernel).
        crop: ``cv2`` (official OpenCV crop on the CPU) or ``torch`` (crop + bilinear resize on ``device``).
        threads: ``torch.set_num_threads`` value for CPU runs (``None``: leave torch's default).
        compile: ``none``, or a ``torch.compile`` mode for the network call (``default``, ``reduce-overhead``:
            CUDA graphs on GPU, ``max-autotune``). One graph per template count (1..N+1) and batch size, built
            on first use, so the first frames of a run are slow; the boxes stay those of the eager path.
    """

    device: str = "cpu"
    precision: Precision = "fp32"
    attention: Literal["manual", "sdpa"] = "manual"
    crop: Literal["cv2", "torch"] = "cv2"
    threads: int | None = None
    compile: Literal["none", "default", "reduce-overhead", "max-autotune"] = "none"

    def __post_init__(self) -> None:
        if self.precision not in ("fp32", "tf32", "bf16", "fp16"):
            raise OdtrackConfigError(f"precision must be fp32, tf32, bf16 or fp16, got {self.precision!r}")
        if self.attention not in ("manual", "sdpa"):
            raise OdtrackConfigError(f"attention must be 'manual' or 'sdpa', got {self.attention!r}")
        if self.crop not in ("cv2", "torch"):
            raise OdtrackConfigError(f"crop must be 'cv2' or 'torch', got {self.crop!r}")
        if self.compile not in ("none", "default", "reduce-overhead", "max-autotune"):
            raise OdtrackConfigError(
                f"compile must be none, default, reduce-overhead or max-autotune, got {self.compile!r}"
            )
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise OdtrackConfigError(f"device {self.device!r} requested but CUDA is not available")
        if self.precision == "tf32" and not self.device.startswith("cuda"):
            raise OdtrackConfigError("precision 'tf32' needs a CUDA device")

    @property
    def is_reference(self) -> bool:
        return self.precision == "fp32" and self.attention == "manual" and self.crop == "cv2" and self.compile == "none"


@dataclass
class SequenceState:
    """Everything the tracker remembers about one sequence (the official tracker's attributes)."""

    box: list[float]
    image_hw: tuple[int, int]
    memory: list[np.ndarray | torch.Tensor] = field(default_factory=list)
    frame_id: int = 0
    track_query: torch.Tensor | None = None
    #: Intermediate values of the last step when the engine records (oracle comparisons, debugging).
    record: dict[str, Any] | None = None


class OdtrackEngine:
    """Network + pre/post-processing; steps any number of sequences together."""

    def __init__(self, cfg: OdtrackConfig, model: ODTrackNet, options: InferenceOptions | None = None):
        self.cfg = cfg
        self.options = options or InferenceOptions()
        self.device = torch.device(self.options.device)
        if self.options.threads:
            torch.set_num_threads(self.options.threads)
        self.model = model.to(self.device).eval()
        self.model.set_fused_attention(self.options.attention == "sdpa")
        self.model.head_fp32 = self.options.precision in _AUTOCAST  # backbone in half, head in float32
        self.normalizer = Normalizer(cfg.mean, cfg.std, self.device)
        self.window = hann2d(cfg.feat_size_s, centered=True).to(self.device)
        self.record = False
        if cfg.ce_loc and cfg.ce_template_range == "CTR_POINT":
            c = ctr_point_index(cfg.feat_size_t)
            self._ctr_offset = c * cfg.feat_size_t + c  # 65 for the 12x12 template grid
        else:
            self._ctr_offset = None
        self._buffers: dict[tuple, torch.Tensor] = {}
        self._forward = self.model.forward_frame
        if self.options.compile != "none":
            mode = None if self.options.compile == "default" else self.options.compile
            self._forward = torch.compile(self.model.forward_frame, mode=mode, dynamic=False)

    # ------------------------------------------------------------------ helpers
    @contextlib.contextmanager
    def _numeric_mode(self) -> Iterator[None]:
        """inference_mode + the precision policy (TF32 switched explicitly on CUDA, autocast for bf16/fp16)."""
        with contextlib.ExitStack() as stack:
            stack.enter_context(torch.inference_mode())
            if self.device.type == "cuda":
                # The fp32 reference must not silently use TF32 (cuDNN convolutions default to it).
                tf32 = self.options.precision == "tf32"
                old = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
                torch.backends.cuda.matmul.allow_tf32 = tf32
                torch.backends.cudnn.allow_tf32 = tf32
                stack.callback(self._restore_tf32, old)
            if self.options.precision in _AUTOCAST:
                stack.enter_context(torch.autocast(self.device.type, dtype=_AUTOCAST[self.options.precision]))
            yield

    @staticmethod
    def _restore_tf32(old: tuple[bool, bool]) -> None:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old

    def _crop(self, image: np.ndarray | torch.Tensor, box: Sequence[float], factor: float, size: int):
        if self.options.crop == "torch":
            return crop_resize_torch(image, box, factor, size)
        return sample_target(image, box, factor, size)

    def _as_image(self, image: np.ndarray) -> np.ndarray | torch.Tensor:
        image = np.ascontiguousarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise OdtrackConfigError(f"images must be RGB uint8 (H, W, 3), got {image.dtype} {image.shape}")
        if self.options.crop == "torch":
            return torch.from_numpy(image).to(self.device, non_blocking=True)
        return image

    def _buffer(self, name: str, shape: tuple[int, ...]) -> torch.Tensor:
        """A reusable float tensor for batched inputs (allocated once per shape)."""
        key = (name, shape)
        buf = self._buffers.get(key)
        if buf is None:
            buf = self._buffers[key] = torch.empty(shape, device=self.device)
        return buf

    def _stack_normalized(self, name: str, crops: list[np.ndarray | torch.Tensor]) -> torch.Tensor:
        if len(crops) == 1:
            return self.normalizer(crops[0])
        stacked = torch.stack([torch.as_tensor(c) for c in crops]) if torch.is_tensor(crops[0]) else np.stack(crops)
        return self.normalizer.into(self._buffer(name, (len(crops), 3, *stacked.shape[1:3])), stacked)

    # ------------------------------------------------------------------ API
    def new_state(self, image: np.ndarray, init_bbox: Sequence[float]) -> SequenceState:
        """Start a sequence: template crop around ``init_bbox``; fresh memory and temporal token."""
        box = [float(v) for v in init_bbox]
        if len(box) != 4:
            raise OdtrackConfigError(f"init_bbox must be [x, y, w, h], got {list(init_bbox)}")
        img = self._as_image(image)
        z, _ = self._crop(img, box, self.cfg.template_factor, self.cfg.template_size)
        state = SequenceState(box=box, image_hw=(int(image.shape[0]), int(image.shape[1])), memory=[z])
        if self.record:
            state.record = {"init_template_crop_uint8": _to_numpy(z)}
        return state

    def step(self, pairs: Sequence[tuple[np.ndarray, SequenceState]]) -> list[dict[str, Any]]:
        """Track one new frame for each (image, state) pair; states are updated in place.

        All or nothing: if anything raises (a bad image, out of memory), every state is restored to what it
        was, so a caller may retry the sequences one by one to find the one that fails.
        """
        saved = [(st, st.frame_id, st.image_hw, st.box, st.track_query, len(st.memory), st.record) for _, st in pairs]
        try:
            return self._step(pairs)
        except BaseException:
            for st, frame_id, hw, box, token, memory, record in saved:
                st.frame_id, st.image_hw, st.box, st.track_query, st.record = frame_id, hw, box, token, record
                del st.memory[memory:]
            raise

    def _step(self, pairs: Sequence[tuple[np.ndarray, SequenceState]]) -> list[dict[str, Any]]:
        prepared = []
        for image, state in pairs:
            img = self._as_image(image)
            state.image_hw = (int(image.shape[0]), int(image.shape[1]))
            state.frame_id += 1
            x, rf = self._crop(img, state.box, self.cfg.search_factor, self.cfg.search_size)
            ids = select_memory_indices(state.frame_id, self.cfg.template_number)
            prepared.append((img, state, x, rf, ids))
        groups: dict[int, list[int]] = {}
        for i, p in enumerate(prepared):
            groups.setdefault(len(p[4]), []).append(i)
        results: list[dict[str, Any] | None] = [None] * len(prepared)
        for n_t, members in groups.items():
            for i, res in zip(members, self._run_group([prepared[i] for i in members], n_t), strict=True):
                results[i] = res
        return results  # type: ignore[return-value]

    def _run_group(self, group: list[tuple], n_t: int) -> list[dict[str, Any]]:
        cfg = self.cfg
        k = len(group)
        search = self._stack_normalized("search", [g[2] for g in group])
        templates = [self._stack_normalized(f"template{t}", [g[1].memory[g[4][t]] for g in group]) for t in range(n_t)]
        ce_rows = None
        if self._ctr_offset is not None:
            n_tok = cfg.feat_size_t**2
            rows = torch.tensor([t * n_tok + self._ctr_offset for t in range(n_t)], device=self.device)
            ce_rows = rows.expand(k, n_t)
        tq = None
        if any(g[1].track_query is not None for g in group):
            zeros = torch.zeros(1, cfg.token_len, cfg.embed_dim, device=self.device)
            # 0 + cls_token == cls_token exactly, so a fresh sequence can share a batch with running ones.
            tq = torch.cat([zeros if g[1].track_query is None else g[1].track_query.to(self.device) for g in group])
        with self._numeric_mode():
            if self.options.compile == "reduce-overhead":  # CUDA graphs: this step's outputs replace the last's
                torch.compiler.cudagraph_mark_step_begin()
            out = self._forward(templates, search, tq, ce_rows)
            score = out["score_map"].float()
            response = self.window * score
            boxes = self.model.box_head.cal_bbox(response, out["size_map"].float(), out["offset_map"].float())
            flat_idx = torch.argmax(response.flatten(1), dim=1)
            best = score.flatten(1).gather(1, flat_idx[:, None])[:, 0]
            new_tokens = out["track_query"].float()
        boxes_cpu, best_cpu = boxes.cpu(), best.cpu().tolist()
        results = []
        for i, (img, state, x, rf, ids) in enumerate(group):
            pred = (boxes_cpu[i] * cfg.search_size / rf).tolist()  # float32 math, as the official code
            unclipped = map_box_back(pred, state.box, cfg.search_size, rf)
            prev_box = state.box
            h, w = state.image_hw
            state.box = clip_box(unclipped, h, w, margin=cfg.clip_margin)
            state.track_query = new_tokens[i : i + 1].clone()
            z, _ = self._crop(img, state.box, cfg.template_factor, cfg.template_size)
            state.memory.append(z)
            if self.record:
                state.record = self._record(out, i, x, rf, ids, prev_box, tq, unclipped, state, z, templates, search)
            results.append({"target_bbox": list(state.box), "score": float(best_cpu[i])})
        return results

    def _record(self, out, i, x, rf, ids, prev_box, tq, unclipped, state, z, templates, search) -> dict[str, Any]:
        rec = {
            "search_crop_uint8": _to_numpy(x),
            "search_resize_factor": rf,
            "search_crop_box_in": np.asarray(prev_box, dtype=np.float64),
            "template_ids": np.asarray(ids, dtype=np.int64),
            "template_input": [t[i : i + 1].float().cpu().numpy() for t in templates],
            "search_input": search[i : i + 1].float().cpu().numpy(),
            "track_query_in": None if tq is None else tq[i : i + 1].float().cpu().numpy(),
            "track_query_out": out["track_query"][i : i + 1].float().cpu().numpy(),
            "backbone_feat": out["backbone_feat"][i : i + 1].float().cpu().numpy(),
            "score_map": out["score_map"][i : i + 1].float().cpu().numpy(),
            "size_map": out["size_map"][i : i + 1].float().cpu().numpy(),
            "offset_map": out["offset_map"][i : i + 1].float().cpu().numpy(),
            "pred_boxes_raw": out["pred_boxes"][i : i + 1].float().cpu().numpy(),
            "removed_indexes_s": [r[i : i + 1].cpu().numpy() for r in out["removed_indexes_s"]],
            "box_unclipped": np.asarray(unclipped, dtype=np.float64),
            "box": np.asarray(state.box, dtype=np.float64),
            "new_template_crop_uint8": _to_numpy(z),
        }
        return rec


def _to_numpy(a: np.ndarray | torch.Tensor) -> np.ndarray:
    return a.cpu().numpy() if torch.is_tensor(a) else np.asarray(a)


class ODTrackTracker(Tracker):
    """The pytracking-style single-sequence tracker (what the benchmark runner calls)."""

    is_deterministic = True

    def __init__(self, engine: OdtrackEngine, checkpoint: CheckpointInfo | None = None):
        self.engine = engine
        self.checkpoint = checkpoint
        self.state: SequenceState | None = None

    @property
    def cfg(self) -> OdtrackConfig:
        return self.engine.cfg

    def initialize(self, image: np.ndarray, info: dict[str, Any]) -> dict[str, Any] | None:
        self.state = self.engine.new_state(image, info["init_bbox"])
        return None

    def track(self, image: np.ndarray, info: dict[str, Any] | None = None) -> dict[str, Any]:
        if self.state is None:
            raise OdtrackConfigError("track() called before initialize()")
        return self.engine.step([(image, self.state)])[0]

    def batched(self) -> BatchedODTrack:
        """The same network stepping many sequences at once (``odtrack-eval run --batch K``)."""
        return BatchedODTrack(self.engine)

    def network_call(self) -> NetworkCall:
        """One steady-state search frame at batch 1 (``odtrack-eval profile``): the first template plus
        ``template_number`` from the history, a carried temporal token, candidate elimination as configured,
        under this tracker's precision and attention settings; inputs are random normalised crops."""
        from odtrack_eval.trackers.odtrack.model import flop_counts

        eng, cfg = self.engine, self.cfg
        n_t = cfg.template_number + 1
        gen = torch.Generator().manual_seed(0)
        crops = [torch.randn(1, 3, cfg.template_size, cfg.template_size, generator=gen).to(eng.device)
                 for _ in range(n_t)]  # fmt: skip
        search = torch.randn(1, 3, cfg.search_size, cfg.search_size, generator=gen).to(eng.device)
        token = torch.randn(1, cfg.token_len, cfg.embed_dim, generator=gen).to(eng.device)
        ce_rows = None
        if eng._ctr_offset is not None:
            ce_rows = torch.tensor([[t * cfg.feat_size_t**2 + eng._ctr_offset for t in range(n_t)]], device=eng.device)

        def forward() -> Any:
            with eng._numeric_mode():
                if eng.options.compile == "reduce-overhead":
                    torch.compiler.cudagraph_mark_step_begin()
                return eng._forward(crops, search, token, ce_rows)

        inputs = (f"{n_t} templates of {cfg.template_size} px, search {cfg.search_size} px, temporal token; "
                  f"precision {eng.options.precision}, attention {eng.options.attention}")  # fmt: skip
        return NetworkCall(eng.model, forward, str(eng.device), int(flop_counts(cfg)["total"]), inputs)

    def manifest(self) -> dict[str, Any]:
        """Variant, options and checkpoint provenance for the run manifest."""
        ck = self.checkpoint
        return {
            "variant": self.cfg.name,
            "template_number": self.cfg.template_number,
            "attn_type": self.cfg.attn_type,
            "options": {k: getattr(self.engine.options, k) for k in ("device", "precision", "attention", "crop")},
            "checkpoint": None if ck is None else {"path": ck.path, "sha256": ck.sha256, "epoch": ck.epoch},
            "torch": torch.__version__,
        }


class BatchedODTrack:
    """Cross-sequence batching: track K sequences, each with its own :class:`SequenceState`, in one pass.

    Sequences may be at different frames; those using the same number of templates share a batch.
    Results equal the one-at-a-time results up to floating-point summation order. Implements
    :class:`odtrack_eval.trackers.base.BatchTracker` (what ``odtrack-eval run --batch K`` drives).
    """

    def __init__(self, engine: OdtrackEngine):
        self.engine = engine

    def initialize(self, image: np.ndarray, init: Sequence[float] | dict[str, Any]) -> SequenceState:
        """A new sequence's state from its first frame and box (or a pytracking ``info`` dict)."""
        return self.engine.new_state(image, init["init_bbox"] if isinstance(init, dict) else init)

    def track(self, pairs: Sequence[tuple[np.ndarray, SequenceState]]) -> list[dict[str, Any]]:
        return self.engine.step(pairs)


def build_engine(
    variant: str | OdtrackConfig = "odtrack-b384",
    checkpoint: str | Path | None = None,
    *,
    options: InferenceOptions | None = None,
    random_init_seed: int | None = None,
    **config_overrides: Any,
) -> tuple[OdtrackEngine, CheckpointInfo | None]:
    """Build the network for ``variant`` and load ``checkpoint`` (or seed-initialise it, for tests only)."""
    cfg = variant if isinstance(variant, OdtrackConfig) else get_config(variant)
    if config_overrides:
        cfg = cfg.replace(**config_overrides)
    if checkpoint is None and random_init_seed is None:
        raise OdtrackConfigError(
            f"{cfg.name} needs a checkpoint (parameter 'checkpoint', e.g. {cfg.checkpoint_filename or 'a .pth file'})"
        )
    info = None
    if checkpoint is not None:
        sd, raw = read_state_dict(checkpoint, cfg)  # fails before the (large) model is built
        model = build_model(cfg, init=False)
        info = load_state_dict_checked(model, sd, raw, cfg)
        del sd, raw
    else:
        with _fork_rng(random_init_seed):
            model = build_model(cfg, init=True)
    return OdtrackEngine(cfg, model, options), info


@contextlib.contextmanager
def _fork_rng(seed: int | None) -> Iterator[None]:
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        yield


def create_tracker(
    variant: str = "odtrack-b384",
    checkpoint: str | Path | None = None,
    *,
    device: str = "cpu",
    precision: Precision = "fp32",
    attention: Literal["manual", "sdpa"] = "manual",
    crop: Literal["cv2", "torch"] = "cv2",
    threads: int | None = None,
    compile: str = "none",
    random_init_seed: int | None = None,
    **config_overrides: Any,
) -> ODTrackTracker:
    """Factory used by the tracker registry: ``create_tracker(variant, checkpoint, **parameters)``.

    ``device="auto"`` picks ``cuda`` when available. The defaults are the reference path; the fast path that
    keeps the boxes is ``attention="sdpa"`` and ``crop="torch"`` in fp32. ``precision="bf16"``/``"fp16"``
    (autocast) is faster but did not keep the boxes within 1 px on the oracle's random weights
    (benchmarks/RESULTS.md); ``tf32`` only changes CUDA matmuls.

    ``config_overrides`` may change documented config fields such as ``template_number`` or
    ``attn_type`` (``attn_type='separate'`` also needs ``ce_loc=()`` and ``ce_keep_ratio=()``).
    """
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    options = InferenceOptions(
        device=device, precision=precision, attention=attention, crop=crop, threads=threads, compile=compile
    )
    engine, info = build_engine(
        variant, checkpoint, options=options, random_init_seed=random_init_seed, **config_overrides
    )
    return ODTrackTracker(engine, info)
