"""The tracker contract (pytracking style, the one most research code already follows).

Images are RGB ``uint8`` arrays of shape (H, W, 3). Boxes are ``[x, y, w, h]`` floats with
(x, y) the top-left corner, in the pixel convention of the benchmark's ground truth.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

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


@runtime_checkable
class BatchTracker(Protocol):
    """Optional cross-sequence batching: a tracker whose ``batched()`` method returns one of these can be run
    with ``odtrack-eval run --batch K``, which steps K sequences (each at its own frame) in one call, the
    fastest way through a whole benchmark on a GPU.

    ``initialize`` returns the new sequence's state (the runner keeps it and never looks inside);
    ``track`` takes ``(image, state)`` pairs and returns one ``{"target_bbox": ...}`` per pair, updating the
    states. If ``track`` raises it must leave every state as it was: the runner then retries the pairs one
    by one, so only the sequence that really fails is lost.
    """

    def initialize(self, image: np.ndarray, info: dict[str, Any]) -> Any: ...

    def track(self, pairs: list[tuple[np.ndarray, Any]]) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class NetworkCall:
    """What ``odtrack-eval profile`` times for a tracker with a network: one batch-1 forward pass on inputs
    prepared once (no image reading, cropping or post-processing: model-only latency, the same way for
    every tracker). A tracker offers it with a ``network_call()`` method.

    ``forward`` runs the pass and returns what the network returns (the profiler synchronises the device);
    ``flops`` is the pass's floating-point operations (a multiply-add counts 2) where the tracker can count
    them; ``inputs`` says what the pass is fed, for the record.
    """

    module: Any
    forward: Callable[[], Any]
    device: str
    flops: int | None = None
    inputs: str = ""
