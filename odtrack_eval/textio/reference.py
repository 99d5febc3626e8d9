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
    Plain files take :func:`_parse_plain` (numpy's C ``loadtxt``, ~2x faster); the result is
    always :func:`parse_table_reference`'s.
    """
    plain = _parse_plain(data, ncols)
    if plain is not None:
        return plain
    return parse_table_reference(data, path, ncols, what)


# What a plain file holds: numbers, one kind of separator, newlines (CRLF is fine).
_PLAIN_BYTES = b"0123456789.-+eE,\t \r\n"


def _parse_plain(data: bytes, ncols: int | None) -> np.ndarray | None:
    """:func:`parse_table_reference`'s result for a plain file, through ``np.loadtxt``; None otherwise.

    Plain: only the bytes of :data:`_PLAIN_BYTES`; fields split by the file's commas (else tabs,
    else runs of spaces); every non-blank line with the same number of fields. Anything else
    (NaN, semicolons, ragged rows, empty fields, a bare CR) is left to the reference parser, which
    also writes the error message. ``comments=None``: a '#' is not a comment to the reference
    either. Both convert numbers correctly rounded (tests/test_textio_plain.py compares them).
    """
    if not data or data.translate(None, _PLAIN_BYTES):
        return None
    text = data.decode("ascii").replace("\r\n", "\n")
    if "\r" in text or not text.strip():
        return None
    delimiter = "," if "," in text else ("\t" if "\t" in text else None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.loadtxt(text.split("\n"), delimiter=delimiter, comments=None, ndmin=2, dtype=np.float64)
    except ValueError:
        return None
    if ncols is None:
        return values.reshape(-1)
    return values if values.shape[1] == ncols else None


def parse_table_reference(
    data: bytes, path: str | Path, ncols: int | None = 4, what: str = "x,y,w,h"
) -> np.ndarray:
    """:func:`parse_table` by its definition: every separator byte to a space, ``np.fromstring``, and a
    per-line token count (so a ragged or malformed file is found and explained)."""
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
