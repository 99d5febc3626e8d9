"""Fast, strict parsing of the numeric text files every benchmark uses.

Ground truth, results, flags and label files are all "numbers separated by commas, tabs,
semicolons or spaces, one row per line, maybe CRLF". ``np.loadtxt`` is slow and its errors
name neither the file nor the line, so we parse the whole buffer with one vectorized call
and only fall back to a line-by-line scan to *explain* a malformed file.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from odtrack_eval.errors import FormatError

_DELIMS = bytes.maketrans(b",\t;\r\x0b\x0c", b"      ")
_SPLIT = re.compile(r"[,\t; ]+")
_SPACE = ord(" ")
_NL = ord("\n")


def _token_counts_per_line(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (tokens per line, line numbers) for the non-blank lines of a normalized buffer."""
    is_sep = (buf == _SPACE) | (buf == _NL)
    starts = ~is_sep
    starts[1:] &= is_sep[:-1]
    line_of_byte = np.cumsum(buf == _NL)
    token_lines = line_of_byte[starts]
    if token_lines.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    counts = np.bincount(token_lines)
    lines = np.nonzero(counts)[0]
    return counts[lines], lines + 1


def parse_table(data: bytes, path: str | Path, ncols: int | None = 4, what: str = "x,y,w,h") -> np.ndarray:
    """Parse ``data`` (the bytes of ``path``) into a float64 array.

    ``ncols=None`` returns a flat vector (flag files written as one CSV line or one value
    per line). Blank lines are ignored. Raises :class:`FormatError` naming the first bad line.
    """
    norm = data.translate(_DELIMS)
    if not norm.strip():
        return np.zeros((0, ncols) if ncols else 0, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            values = np.fromstring(norm, dtype=np.float64, sep=" ")  # noqa: NPY201 - text mode is supported
        except ValueError:
            values = np.zeros(0)
    buf = np.frombuffer(norm, dtype=np.uint8)
    counts, lines = _token_counts_per_line(buf)
    total = int(counts.sum())
    if values.size != total or (ncols is not None and np.any(counts != ncols)):
        _explain(data, path, ncols, what)
        raise FormatError(path, "could not parse the file as numbers")  # pragma: no cover - _explain raises
    if ncols is None:
        return values
    return values.reshape(-1, ncols)


def _explain(data: bytes, path: str | Path, ncols: int | None, what: str) -> None:
    """Find and raise the first malformed line (slow path, only on bad input)."""
    text = data.decode("utf-8", errors="replace")
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        tokens = [t for t in _SPLIT.split(line) if t]
        if ncols is not None and len(tokens) != ncols:
            raise FormatError(
                path,
                f"found {len(tokens)} values in line {raw.strip()!r}",
                lineno,
                f"{ncols} numbers ({what})",
            )
        for tok in tokens:
            try:
                float(tok)
            except ValueError:
                raise FormatError(path, f"{tok!r} is not a number", lineno, what) from None
    raise FormatError(path, "could not parse the file as numbers", expected=what)


def read_table(path: str | Path, ncols: int | None = 4, what: str = "x,y,w,h") -> np.ndarray:
    """Read and parse a numeric text file (see :func:`parse_table`)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(path, "file not found") from None
    return parse_table(data, path, ncols, what)


def read_flags(path: str | Path, what: str = "0/1 flags") -> np.ndarray:
    """Read a per-frame flag file (one CSV line or one value per line) as a bool vector."""
    values = read_table(path, ncols=None, what=what)
    bad = ~np.isin(values, (0.0, 1.0))
    if np.any(bad):
        raise FormatError(
            path, f"value {values[np.argmax(bad)]!r} at position {int(np.argmax(bad)) + 1}", None, what
        )
    return values.astype(bool)
