"""CPU baselines: OpenCV's classic correlation-filter/MIL trackers and a static box.

They make the toolkit usable end to end without a GPU or checkpoint (demo, tests, sanity
floors). OpenCV 4.5.1+ moved MOSSE (and others) to ``cv2.legacy``; CSRT, KCF and MIL remain in
the main namespace, whose API only takes integer rectangles.

Protocol notes (differences from running the same tracker elsewhere):

* OpenCV trackers work on BGR images; we convert the runner's RGB frames, so colour features
  (CSRT colour names) see what they would see with ``cv2.imread``.
* The main-namespace API takes an integer ``Rect``: the initial box is rounded to the nearest
  pixel (sizes at least 1). ``cv2.legacy`` MOSSE takes floats.
* When ``update`` reports failure we repeat the previous box (score 0) rather than writing
  zeros, so a lost tracker keeps a box as most benchmark protocols expect.
* ``window_padding`` (default 0 = OpenCV's behaviour) makes the tracker follow a window
  ``1 + window_padding`` times the box around the same centre and reports the box shrunk back.
  The shipped ``opencv-mosse`` uses 1.5: OpenCV's MOSSE excludes a fixed 11x11 peak area and
  rejects an update whose peak-to-sidelobe ratio is below 5.7, which on windows smaller than
  about 64 px (most boxes of small-frame videos) fails on every frame, on the initial frame itself.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.trackers.base import Tracker

#: kind -> (namespace, factory name, params class name or None)
_OPENCV_KINDS: dict[str, tuple[str, str, str | None]] = {
    "csrt": ("cv2", "TrackerCSRT_create", "TrackerCSRT_Params"),
    "kcf": ("cv2", "TrackerKCF_create", "TrackerKCF_Params"),
    "mil": ("cv2", "TrackerMIL_create", "TrackerMIL_Params"),
    "mosse": ("cv2.legacy", "TrackerMOSSE_create", None),
}


#: window padding of the shipped MOSSE variant (see module docstring); trackers/opencv-mosse.toml agrees.
MOSSE_WINDOW_PADDING = 1.5


class StaticTracker(Tracker):
    """Repeats the initial box on every frame: the floor every real tracker must beat."""

    def __init__(self) -> None:
        self._box: list[float] = []

    def initialize(self, image: np.ndarray, info: dict[str, Any]) -> None:
        self._box = [float(v) for v in info["init_bbox"]]

    def track(self, image: np.ndarray, info: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"target_bbox": list(self._box)}


def _namespace(name: str) -> Any:
    return cv2 if name == "cv2" else getattr(cv2, "legacy", None)


def available_opencv_kinds() -> list[str]:
    """The OpenCV tracker kinds this OpenCV build provides."""
    return [k for k, (ns, fn, _) in _OPENCV_KINDS.items() if hasattr(_namespace(ns), fn)]


class OpenCVTracker(Tracker):
    """An OpenCV tracker (CSRT, KCF, MIL, MOSSE) behind the pytracking contract.

    ``params`` set attributes of the kind's ``cv2.Tracker*_Params`` object (for example
    ``padding`` or ``use_hog`` for CSRT); unknown names are rejected with the valid list.
    """

    def __init__(self, kind: str, window_padding: float = 0.0, **params: Any) -> None:
        kind = kind.lower()
        if not 0 <= window_padding <= 10:
            raise OdtrackEvalError(f"window_padding must be between 0 and 10, got {window_padding}")
        self._scale = 1.0 + float(window_padding)
        if kind not in _OPENCV_KINDS:
            raise OdtrackEvalError(f"unknown OpenCV tracker kind {kind!r}; available: {', '.join(_OPENCV_KINDS)}")
        ns_name, factory_name, params_name = _OPENCV_KINDS[kind]
        namespace = _namespace(ns_name)
        if namespace is None or not hasattr(namespace, factory_name):
            raise OdtrackEvalError(
                f"this OpenCV build ({cv2.__version__}) has no {ns_name}.{factory_name}; install "
                f"opencv-contrib-python-headless (available kinds here: {', '.join(available_opencv_kinds())})"
            )
        self.kind = kind
        self._factory = getattr(namespace, factory_name)
        self._legacy = ns_name != "cv2"
        self._params = self._make_params(params_name, params)
        self._tracker: Any = None
        self._box: list[float] = []

    def _make_params(self, params_name: str | None, params: dict[str, Any]) -> Any:
        if not params:
            return None
        if params_name is None:
            raise OdtrackEvalError(f"OpenCV {self.kind.upper()} takes no parameters (got {sorted(params)})")
        obj = getattr(cv2, params_name)()
        valid = sorted(a for a in dir(obj) if not a.startswith("_"))
        for key, value in params.items():
            if key not in valid:
                raise OdtrackEvalError(
                    f"unknown parameter {key!r} for OpenCV {self.kind.upper()}; valid: {', '.join(valid)}"
                )
            setattr(obj, key, value)
        return obj

    def _rect(self, box: list[float]) -> tuple:
        x, y, w, h = box
        if self._scale != 1.0:
            cx, cy, w, h = x + w / 2, y + h / 2, w * self._scale, h * self._scale
            x, y = cx - w / 2, cy - h / 2
        if self._legacy:
            return (x, y, w, h)
        x, y, w, h = (int(round(v)) for v in (x, y, w, h))
        return (x, y, max(w, 1), max(h, 1))

    def _unpad(self, rect: tuple) -> list[float]:
        x, y, w, h = (float(v) for v in rect)
        if self._scale == 1.0:
            return [x, y, w, h]
        cx, cy, w, h = x + w / 2, y + h / 2, w / self._scale, h / self._scale
        return [cx - w / 2, cy - h / 2, w, h]

    def initialize(self, image: np.ndarray, info: dict[str, Any]) -> None:
        self._box = [float(v) for v in info["init_bbox"]]
        self._tracker = self._factory(self._params) if self._params is not None else self._factory()
        ok = self._tracker.init(cv2.cvtColor(image, cv2.COLOR_RGB2BGR), self._rect(self._box))
        if ok is False:  # legacy API returns a bool; the main API returns None
            raise OdtrackEvalError(f"OpenCV {self.kind.upper()} refused the initial box {self._box}")

    def track(self, image: np.ndarray, info: dict[str, Any] | None = None) -> dict[str, Any]:
        ok, box = self._tracker.update(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        if ok:
            self._box = self._unpad(box)
        return {"target_bbox": list(self._box), "score": 1.0 if ok else 0.0}


def opencv_tracker(kind: str, **params: Any) -> OpenCVTracker:
    """Factory used by the ``trackers/opencv-*.toml`` definitions."""
    return OpenCVTracker(kind, **params)


# Parameter-free factories for the entry points (an entry point cannot carry parameters).
def opencv_csrt() -> OpenCVTracker:
    return OpenCVTracker("csrt")


def opencv_kcf() -> OpenCVTracker:
    return OpenCVTracker("kcf")


def opencv_mil() -> OpenCVTracker:
    return OpenCVTracker("mil")


def opencv_mosse() -> OpenCVTracker:
    return OpenCVTracker("mosse", window_padding=MOSSE_WINDOW_PADDING)
