"""ODTrack (Zheng et al., AAAI 2024), the project's reference tracker, reimplemented checkpoint-compatibly.

Variants (see :mod:`.config`): ``odtrack-b384``, ``odtrack-l384``, ``odtrack-b384-got``, ``odtrack-l384-got``
and the tiny ``odtrack-test``. Each has a factory here, registered as an ``odtrack_eval.trackers`` entry
point; ``factory(checkpoint=..., **parameters)`` returns a :class:`~odtrack_eval.trackers.base.Tracker`.

Importing this package does not import torch; the factories do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from odtrack_eval.trackers.odtrack.config import VARIANTS, OdtrackConfig, get_config

if TYPE_CHECKING:
    from odtrack_eval.trackers.odtrack.tracker import ODTrackTracker

__all__ = [
    "VARIANTS",
    "OdtrackConfig",
    "create_tracker",
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
