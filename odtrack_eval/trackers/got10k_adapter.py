"""Bridges between the got10k-toolkit tracker contract and ours.

got10k trackers implement ``init(image, box)`` / ``update(image) -> box`` on PIL images
(``got10k.trackers.Tracker``); many published trackers ship in that form. :class:`Got10kAdapter`
runs them unchanged under the pytracking contract. :func:`as_got10k` goes the other way so our
trackers can be fed to got10k's own experiments when cross-checking the toolkit.

Neither direction imports got10k unless asked to: the adapter only needs PIL.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.trackers.base import Tracker


def _to_pil(image: np.ndarray) -> Any:
    from PIL import Image

    return Image.fromarray(image)


class Got10kAdapter(Tracker):
    """Wrap an object with got10k's ``init(image, box)`` / ``update(image)`` methods.

    ``image_type="pil"`` (got10k's convention: ``Image.open(...).convert("RGB")``) or
    ``"numpy"`` for got10k-style trackers that take RGB arrays.
    """

    def __init__(self, tracker: Any, image_type: str = "pil") -> None:
        if not (callable(getattr(tracker, "init", None)) and callable(getattr(tracker, "update", None))):
            raise OdtrackEvalError(f"{type(tracker).__name__} has no init(image, box) / update(image) methods")
        if image_type not in ("pil", "numpy"):
            raise OdtrackEvalError(f"image_type must be 'pil' or 'numpy', got {image_type!r}")
        self.inner = tracker
        self._convert = _to_pil if image_type == "pil" else (lambda image: image)
        self.is_deterministic = bool(getattr(tracker, "is_deterministic", False))
        self.name = getattr(tracker, "name", type(tracker).__name__)

    def initialize(self, image: np.ndarray, info: dict[str, Any]) -> None:
        box = np.asarray(info["init_bbox"], dtype=np.float64)
        self.inner.init(self._convert(image), box)

    def track(self, image: np.ndarray, info: dict[str, Any] | None = None) -> dict[str, Any]:
        box = np.asarray(self.inner.update(self._convert(image)), dtype=np.float64).reshape(-1)
        if box.size != 4:
            raise OdtrackEvalError(f"{self.name}.update returned {box.size} values instead of x, y, w, h")
        return {"target_bbox": [float(v) for v in box]}


def as_got10k(tracker: Tracker, name: str | None = None) -> Any:
    """Return a ``got10k.trackers.Tracker`` that runs ``tracker`` (needs the got10k package)."""
    try:
        from got10k.trackers import Tracker as Got10kTracker
    except ImportError as exc:  # pragma: no cover - got10k is in the reference extra
        raise OdtrackEvalError("as_got10k needs the got10k package: pip install 'odtrack-eval[reference]'") from exc

    class _Wrapped(Got10kTracker):
        def __init__(self) -> None:
            super().__init__(name or type(tracker).__name__, bool(getattr(tracker, "is_deterministic", True)))

        def init(self, image: Any, box: np.ndarray) -> None:
            tracker.initialize(np.asarray(image.convert("RGB")), {"init_bbox": [float(v) for v in box]})

        def update(self, image: Any) -> np.ndarray:
            out = tracker.track(np.asarray(image.convert("RGB")), {})
            return np.asarray(out["target_bbox"], dtype=np.float64)

    return _Wrapped()
