"""Draw the frames of a :class:`~odtrack_eval.synth.script.Script` (RGB uint8)."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from odtrack_eval.synth.script import CAMERA_PAD, Script
from odtrack_eval.synth.textures import background, pattern

_BASE = 128  # side of the base texture each object is resized from


class _Sprite:
    """A textured object (rectangle or ellipse) that can be drawn at any integer size."""

    def __init__(self, texture: np.ndarray, ellipse: bool):
        self.texture = texture
        self.ellipse = ellipse
        self._cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray | None]] = {}

    def get(self, w: int, h: int) -> tuple[np.ndarray, np.ndarray | None]:
        key = (w, h)
        if key not in self._cache:
            interp = cv2.INTER_AREA if w < _BASE and h < _BASE else cv2.INTER_LINEAR
            patch = cv2.resize(self.texture, (w, h), interpolation=interp)
            mask = None
            if self.ellipse:
                yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
                mask = ((xx - (w - 1) / 2) / (w / 2)) ** 2 + ((yy - (h - 1) / 2) / (h / 2)) ** 2 <= 1.0
            self._cache[key] = (patch, mask)
        return self._cache[key]


def _paste(frame: np.ndarray, patch: np.ndarray, mask: np.ndarray | None, x: int, y: int) -> None:
    fh, fw = frame.shape[:2]
    ph, pw = patch.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + pw, fw), min(y + ph, fh)
    if x0 >= x1 or y0 >= y1:
        return
    sub = patch[y0 - y : y1 - y, x0 - x : x1 - x]
    roi = frame[y0:y1, x0:x1]
    if mask is None:
        roi[:] = sub
    else:
        m = mask[y0 - y : y1 - y, x0 - x : x1 - x]
        roi[m] = sub[m]


def _motion_blur(patch: np.ndarray, length: int, angle: float) -> np.ndarray:
    kernel = np.zeros((length, length), dtype=np.float32)
    c = (length - 1) / 2
    dx, dy = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    for k in np.linspace(-c, c, 2 * length):
        kernel[int(round(c + k * dy)), int(round(c + k * dx))] = 1.0
    kernel /= kernel.sum()
    return cv2.filter2D(patch, -1, kernel, borderType=cv2.BORDER_REPLICATE)


def render(script: Script, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Yield the frames in order; all randomness comes from ``rng`` (textures) and the script."""
    width, height = script.width, script.height
    bg = background(rng, height + 2 * CAMERA_PAD, width + 2 * CAMERA_PAD)
    occluder_tex = background(rng, height, width)
    ellipse = script.shape == "ellipse"
    target = _Sprite(pattern(rng, _BASE, script.texture, script.color), ellipse)
    distractors = [(d, _Sprite(pattern(rng, _BASE, script.texture, d.color), ellipse)) for d in script.distractors]
    rects = script.target_rects()
    for t in range(script.num_frames):
        ox, oy = (int(v) for v in script.camera[t])
        frame = bg[oy : oy + height, ox : ox + width].copy()
        for d, sprite in distractors:
            dw, dh = int(d.w[t]), int(d.h[t])
            patch, mask = sprite.get(dw, dh)
            _paste(frame, patch, mask, int(round(d.cx[t] - dw / 2)), int(round(d.cy[t] - dh / 2)))
        x, y, w, h = (int(v) for v in rects[t])
        patch, mask = target.get(w, h)
        if script.blur[t, 0] > 0:
            patch = _motion_blur(patch, int(script.blur[t, 0]), float(script.blur[t, 1]))
        _paste(frame, patch, mask, x, y)
        qx, qy, qw, qh = (int(v) for v in script.occluder[t])
        if qw > 0 and qh > 0:
            _paste(frame, occluder_tex[: min(qh, height), : min(qw, width)], None, qx, qy)
        if script.gain[t] != 1.0:
            frame = cv2.convertScaleAbs(frame, alpha=float(script.gain[t]))
        yield frame
