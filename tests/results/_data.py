"""Small result folders and datasets the tests of the results package build (one definition for all)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.sequence import Dataset, Sequence
from tests._shared import SHARED

REAL = SHARED / "data" / "real"
needs_shared = pytest.mark.skipif(not REAL.is_dir(), reason=f"shared data not found at {SHARED}")
BOX = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]


def toy_dataset(names: list[str], lengths: int | list[int] = 3, tag: str = "otb") -> Dataset:
    """Sequences of ``names`` with constant ground truth (``lengths`` rows each)."""
    lengths = [lengths] * len(names) if isinstance(lengths, int) else lengths
    seqs = [Sequence(n, np.tile([10.0, 20.0, 30.0, 40.0], (k, 1))) for n, k in zip(names, lengths, strict=True)]
    return Dataset("toy", tag, seqs)


def write_rows(path: Path, rows: list[list[float]] | np.ndarray, sep: str = ",", eol: str = "\n") -> Path:
    """A result file of ``rows`` with the given separator and line ending (folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(eol.join(sep.join(str(v) for v in row) for row in rows).encode() + eol.encode())
    return path
