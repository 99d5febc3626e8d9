"""The one helper of the compiled-equals-numpy tests: outputs compared bit for bit."""

from __future__ import annotations

import numpy as np


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Same shape, dtype and bytes (so -0.0 differs from 0.0, and NaN payloads count)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def assert_same_bits(a: np.ndarray, b: np.ndarray, what: str = "") -> None:
    assert same_bits(a, b), f"{what}: compiled and numpy outputs differ\n{a!r}\n{b!r}"
