"""Procedural textures: smooth coloured noise for backgrounds and patterned targets.

Everything is drawn from a ``numpy.random.Generator`` so a seed fixes every pixel.
"""

from __future__ import annotations

import cv2
import numpy as np

#: (name, RGB) pairs used for targets and for the language description.
COLORS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("red", (200, 40, 40)),
    ("green", (40, 170, 60)),
    ("blue", (40, 70, 200)),
    ("yellow", (220, 200, 40)),
    ("purple", (140, 50, 170)),
    ("orange", (235, 130, 30)),
    ("cyan", (40, 190, 200)),
)


def smooth_noise(rng: np.random.Generator, height: int, width: int, cell: int, amplitude: float) -> np.ndarray:
    """Coloured value noise: random values on a coarse grid, bicubically upsampled (float32, HxWx3)."""
    small = rng.uniform(-amplitude, amplitude, size=(max(2, height // cell + 2), max(2, width // cell + 2), 3))
    big = cv2.resize(small.astype(np.float32), (width + 2 * cell, height + 2 * cell), interpolation=cv2.INTER_CUBIC)
    return big[cell : cell + height, cell : cell + width]


def background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A cluttered natural-looking background: two octaves of colour noise plus grain."""
    base = rng.uniform(70, 170, size=3).astype(np.float32)
    img = base + smooth_noise(rng, height, width, 48, 40) + smooth_noise(rng, height, width, 12, 12)
    img += rng.normal(0, 3, size=(height, width, 1)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def pattern(rng: np.random.Generator, size: int, kind: str, color: tuple[int, int, int]) -> np.ndarray:
    """A ``size`` x ``size`` RGB target texture in ``color``: ``blotchy`` (camouflage-like patches in
    three tones) or ``spotted`` (dark and light discs). Deliberately not periodic: a periodic
    texture gives correlation trackers many equal peaks, which real objects rarely do."""
    fg = np.asarray(color, dtype=np.float32)
    dark = fg * 0.3 + 20
    light = np.minimum(fg * 1.3 + 40, 255)
    if kind == "blotchy":
        n = smooth_noise(rng, size, size, max(4, size // 5), 1.0)[..., :1]
        img = np.where(n > 0.3, light, np.where(n < -0.3, dark, fg))
    elif kind == "spotted":
        img = np.empty((size, size, 3), dtype=np.float32)
        img[:] = fg
        for _ in range(int(rng.integers(6, 11))):
            centre = (int(rng.integers(0, size)), int(rng.integers(0, size)))
            radius = int(rng.integers(size // 14 + 1, size // 6 + 2))
            tone = dark if rng.random() < 0.6 else light
            cv2.circle(img, centre, radius, tuple(float(v) for v in tone), thickness=-1, lineType=cv2.LINE_AA)
    else:
        raise ValueError(f"unknown pattern kind {kind!r}")
    img = img + rng.normal(0, 4, size=(size, size, 1)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def ellipse_mask(size: int) -> np.ndarray:
    """Boolean mask of the ellipse inscribed in a ``size`` square (touches all four sides)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c = (size - 1) / 2
    return ((xx - c) / (size / 2)) ** 2 + ((yy - c) / (size / 2)) ** 2 <= 1.0
