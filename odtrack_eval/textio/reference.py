"""The reference parser of numeric text files: the definition every faster parse must equal.

Ground truth, results, flags and label files are all "numbers separated by commas, tabs,
semicolons or spaces, one row per line, maybe CRLF". :func:`parse_table` reads them with one
vectorized numpy call; :func:`explain` scans line by line only to *name* the first bad line of a
malformed file. The compiled parser (:mod:`.kernel`) accepts a subset of this grammar (plain
decimal numbers) and gives the same bits for it; everything else comes here.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from odtrack_eval.errors import FormatError

#: Bytes that separate numbers within a line (all equivalent; runs of them count as one).
SEPARATORS = b",\t;\r\x0b\x0c "
_DELIMS = bytes.maketrans(SEPARATORS[:-1], b" " * (len(SEPARATORS) - 1))
_TEXT_DELIMS = str.maketrans({chr(c): " " for c in SEPARATORS})
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
    """Parse ``data`` (the bytes of ``path``) into a float64 array: the definition of every parse.

    Every separator byte becomes a space, ``np.fromstring`` converts the numbers (correctly rounded),
    and a per-line token count finds a ragged or malformed file, which :func:`explain` then names.
    ``ncols=None`` returns a flat vector (flag files written as one CSV line or one value per line).
    Blank lines are ignored. Raises :class:`FormatError` naming the first bad line.
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
        explain(data, path, ncols, what)
        raise FormatError(path, "could not parse the file as numbers")  # pragma: no cover - _explain raises
    if ncols is None:
        return values
    return values.reshape(-1, ncols)


#: What numpy's text parser reads as one number (so also the numbers this parser accepts).
_NUMBER = re.compile(r"[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|nan(\(\w*\))?|inf(inity)?)", re.IGNORECASE | re.ASCII)
#: At most this many characters of an offending line are quoted (a 10 MB line must not flood the terminal).
QUOTE_LIMIT = 200


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of ``text``, shortened to about ``limit`` characters with the full length said."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def explain(data: bytes, path: str | Path, ncols: int | None, what: str) -> None:
    """Find and raise the first malformed line (slow path, only on bad input).

    Lines are split exactly as :func:`parse_table` splits them: at ``\n`` only (a ``\r`` is a
    separator), so line numbers agree with an editor's for LF and CRLF files, and a file with
    CR-only line endings is reported as what it is to the parser: one long line.
    """
    text = data.decode("utf-8", errors="replace")
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.translate(_TEXT_DELIMS).strip()
        if not line:
            continue
        tokens = line.split()
        if ncols is not None and len(tokens) != ncols:
            hint = ""
            if "\r" in raw.rstrip("\r"):
                hint = "; the file's lines end with CR only (old Mac style): convert them to LF"
            raise FormatError(
                path,
                f"found {len(tokens)} values in line {quote(raw.strip())}{hint}",
                lineno,
                f"{ncols} numbers ({what})",
            )
        for tok in tokens:
            if not _NUMBER.fullmatch(tok):
                raise FormatError(path, f"{quote(tok, 60)} is not a number", lineno, what)
    raise FormatError(path, "could not parse the file as numbers", expected=what)
