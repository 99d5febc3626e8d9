"""The tracker contract (pytracking style, the one most research code already follows).

Images are RGB ``uint8`` arrays of shape (H, W, 3). Boxes are ``[x, y, w, h]`` floats with
(x, y) the top-left corner, in the pixel convention of the benchmark's ground truth.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np


class Tracker(ABC):
    """Base class for trackers run by odtrack-eval.

    ``initialize`` receives ``info["init_bbox"]`` (x, y, w, h) and may receive more keys
    (``"language"`` for vision-language benchmarks, ``"sequence_name"``). ``track`` returns
    ``{"target_bbox": [x, y, w, h]}`` and optionally ``"score"``. ``initialize`` must reset all
    state so one instance can run many sequences one after another.
    """

    #: Whether repeated runs give identical boxes (GOT-10k asks for 3 runs otherwise).
    is_deterministic: bool = True

    @abstractmethod
    def initialize(self, image: np.ndarray, info: dict[str, Any]) -> dict[str, Any] | None:
        """Start tracking the object in ``info["init_bbox"]`` on ``image``."""

    @abstractmethod
    def track(self, image: np.ndarray, info: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return ``{"target_bbox": [x, y, w, h], ...}`` for the next frame."""
