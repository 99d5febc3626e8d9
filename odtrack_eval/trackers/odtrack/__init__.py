"""ODTrack (Zheng et al., AAAI 2024), the project's reference tracker, reimplemented checkpoint-compatibly.

Variants (see :mod:`.config`): ``odtrack-b384``, ``odtrack-l384``, ``odtrack-b384-got``, ``odtrack-l384-got``
and the tiny ``odtrack-test``. Each has a factory here, registered as an ``odtrack_eval.trackers`` entry
point; ``factory(checkpoint=..., **parameters)`` returns a :class:`~odtrack_eval.trackers.base.Tracker`.

Importing this package does not import torch; the factories do.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from odtrack_eval.trackers.odtrack.config import VARIANTS, OdtrackConfig, get_config

if TYPE_CHECKING:
    from odtrack_eval.trackers.odtrack.tracker import ODTrackTracker

__all__ = [
    "VARIANTS",
    "OdtrackConfig",
    "create_tracker",
    "describe",
    "check_checkpoint",
    "get_config",
    "odtrack_b384",
    "odtrack_b384_got",
    "odtrack_l384",
    "odtrack_l384_got",
    "odtrack_test",
]


def create_tracker(
    variant: str = "odtrack-b384",
    checkpoint: str | Path | None = None,
    device: str = "cpu",
    **params: Any,
) -> ODTrackTracker:
    """Build an ODTrack tracker; see :func:`odtrack_eval.trackers.odtrack.tracker.create_tracker`."""
    from odtrack_eval.trackers.odtrack.tracker import create_tracker as _create

    return _create(variant, checkpoint, device=device, **params)


# One factory per variant. ``checkpoint`` and ``device`` are named so the runner passes them
# (it gives ``device`` only to factories that declare it); other parameters go to create_tracker.


def odtrack_b384(checkpoint: str | Path | None = None, device: str = "cpu", **params: Any) -> ODTrackTracker:
    """ODTrack-B 384 (baseline.yaml, 3 templates)."""
    return create_tracker("odtrack-b384", checkpoint, device, **params)


def odtrack_l384(checkpoint: str | Path | None = None, device: str = "cpu", **params: Any) -> ODTrackTracker:
    """ODTrack-L 384 (baseline_large.yaml, 3 templates)."""
    return create_tracker("odtrack-l384", checkpoint, device, **params)


def odtrack_b384_got(checkpoint: str | Path | None = None, device: str = "cpu", **params: Any) -> ODTrackTracker:
    """ODTrack-B 384 trained on GOT-10k only (baseline_got.yaml, 4 templates)."""
    return create_tracker("odtrack-b384-got", checkpoint, device, **params)


def odtrack_l384_got(checkpoint: str | Path | None = None, device: str = "cpu", **params: Any) -> ODTrackTracker:
    """ODTrack-L 384 trained on GOT-10k only (baseline_large_got.yaml, 4 templates)."""
    return create_tracker("odtrack-l384-got", checkpoint, device, **params)


def odtrack_test(checkpoint: str | Path | None = None, device: str = "cpu", **params: Any) -> ODTrackTracker:
    """Tiny test model (not released): random weights from ``random_init_seed`` unless a checkpoint is given."""
    return create_tracker("odtrack-test", checkpoint, device, **params)


_RUNTIME_OPTIONS = ("device", "precision", "attention", "crop", "threads", "compile", "random_init_seed")


def describe(variant: str, **params: Any) -> list[tuple[str, str]]:
    """Architecture and parameter counts of ``variant`` with a definition's ``params`` (config overrides
    such as ``template_number`` apply; runtime options are shown as given). Counts come from the model
    built on torch's meta device: no weights, no memory, no checkpoint."""
    overrides = {k: v for k, v in params.items() if k not in _RUNTIME_OPTIONS}
    cfg = get_config(variant, **overrides)
    ce = f"CE_LOC {list(cfg.ce_loc)} (0-based blocks), keep ratios {list(cfg.ce_keep_ratio)}"
    rows = [
        ("variant", f"{cfg.name}: {cfg.description}"),
        ("backbone", f"ViT, width {cfg.embed_dim}, depth {cfg.depth}, {cfg.num_heads} heads, patch {cfg.patch_size}"),
        ("candidate elimination", ce if cfg.ce_loc else "none"),
        ("temporal token attention", cfg.attn_type),
        (
            "templates",
            f"{cfg.template_size} px (factor {cfg.template_factor:g}); TEMPLATE_NUMBER {cfg.template_number}:"
            f" up to {cfg.template_number + 1} per frame (the first + {cfg.template_number} spread over the history)",
        ),
        ("search region", f"{cfg.search_size} px (factor {cfg.search_factor:g}), score map {cfg.feat_size_s}^2"),
        ("released checkpoint", cfg.checkpoint_filename or "none (not a released model)"),
    ]
    runtime = {k: params[k] for k in _RUNTIME_OPTIONS if k in params}
    if runtime:
        rows.append(("inference options", ", ".join(f"{k}={v}" for k, v in runtime.items())))
    try:
        from odtrack_eval.trackers.odtrack.model import flop_counts, parameter_counts
    except ImportError as exc:  # torch missing: the architecture rows still help
        rows.append(("parameter count", f"unknown (needs torch: {exc})"))
        return rows
    counts = parameter_counts(cfg)
    flops = flop_counts(cfg)
    rows += [
        ("parameter count", f"{counts['total']:,} ({counts['total'] / 1e6:.1f}M)"),
        ("  backbone / head", f"{counts['backbone']:,} / {counts['head']:,}"),
        ("  unused 224-px pos_embed", f"{counts['unused_pos_embed']:,} (kept for checkpoint compatibility)"),
        (
            "compute per frame",
            f"{flops['total'] / 2e9:.1f} GMACs = {flops['total'] / 1e9:.1f} GFLOPs (batch 1, {cfg.template_number + 1}"
            f" templates as from frame {2 * cfg.template_number}, CE as configured; torch flop counter)",
        ),
    ]
    return rows


def check_checkpoint(variant: str, checkpoint: str | Path, **params: Any) -> list[tuple[str, str]]:
    """What building the tracker checks about ``checkpoint`` (safe unpickling, the variant, every key and
    shape), without building it: ``(label, value)`` rows; raises the same errors the tracker would."""
    from odtrack_eval.trackers.odtrack.checkpoint import verify_checkpoint

    overrides = {k: v for k, v in params.items() if k not in _RUNTIME_OPTIONS}
    info = verify_checkpoint(checkpoint, get_config(variant, **overrides))
    rows = [("checkpoint tensors", f"{info.n_tensors} (every key and shape matches {variant})")]
    if info.epoch is not None:
        rows.append(("checkpoint epoch", str(info.epoch)))
    return rows


def parameter_count(variant: str, **params: Any) -> int:
    """The network's parameters (a weightless meta-device build; needs torch): what ``show speed`` sizes by."""
    from odtrack_eval.trackers.odtrack.model import parameter_counts

    overrides = {k: v for k, v in params.items() if k not in _RUNTIME_OPTIONS}
    return int(parameter_counts(get_config(variant, **overrides))["total"])


for _factory, _variant in (
    (odtrack_b384, "odtrack-b384"),
    (odtrack_l384, "odtrack-l384"),
    (odtrack_b384_got, "odtrack-b384-got"),
    (odtrack_l384_got, "odtrack-l384-got"),
    (odtrack_test, "odtrack-test"),
):
    _factory.describe = functools.partial(describe, _variant)  # type: ignore[attr-defined]
    _factory.check_checkpoint = functools.partial(check_checkpoint, _variant)  # type: ignore[attr-defined]
    _factory.parameter_count = functools.partial(parameter_count, _variant)  # type: ignore[attr-defined]
