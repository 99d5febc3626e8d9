"""Numeric text files (ground truth, results, flags, labels) into float64 arrays: the one parser.

Every numeric file the package reads goes through :func:`parse_table`. Its definition is the numpy
reference (:mod:`.reference`, which also names the bad line of a malformed file); the compiled
parser (:mod:`.kernel`) gives the same bits for every file it accepts, much faster, and hands every
other file to the reference. Which one runs is a :class:`~odtrack_eval.backend.Backend` chosen by
the caller once per piece of work.

Annotation files are read once per content: inside :func:`annotation_memo` (what
:func:`odtrack_eval.datasets.load_dataset` opens around an adapter), :func:`read_table` looks each
file's parsed table up by the hash of its bytes in a store entry, so a second load of a benchmark
reads and hashes its files but parses nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from pathlib import Path

import numpy as np

from odtrack_eval.backend import Backend, load_kernel
from odtrack_eval.errors import FormatError
from odtrack_eval.textio.memo import ParseMemo
from odtrack_eval.textio.reference import explain
from odtrack_eval.textio.reference import parse_table as parse_table_reference

__all__ = [
    "parse_table",
    "parse_tables",
    "parse_table_reference",
    "read_table",
    "read_flags",
    "annotation_memo",
    "explain",
    "ParseMemo",
]


def parse_table(
    data: bytes, path: str | Path, ncols: int | None = 4, what: str = "x,y,w,h", backend: Backend = Backend.NUMPY
) -> np.ndarray:
    """Parse ``data`` (the bytes of ``path``) into a float64 array, (rows, ncols) or flat for ``ncols=None``.

    Blank lines are ignored; raises :class:`FormatError` naming the first bad line. ``backend``
    only changes the speed: the compiled parser returns the reference's bits or defers to it.
    """
    if backend is Backend.COMPILED:
        kernel = load_kernel("odtrack_eval.textio.kernel")
        values = kernel.parse(data, ncols) if kernel is not None else None
        if values is not None:
            return values
    return parse_table_reference(data, path, ncols, what)


def parse_tables(
    datas: Sequence[bytes],
    paths: Sequence[Path],
    ncols: int | None = 4,
    what: str = "x,y,w,h",
    backend: Backend = Backend.NUMPY,
) -> list[np.ndarray]:
    """:func:`parse_table` of many files; the compiled parser runs them in parallel threads (it
    releases the GIL; numpy's text parser does not, so the reference runs them one by one)."""
    if backend is Backend.COMPILED:
        from odtrack_eval.parallel import map_threads

        return map_threads(
            lambda i: parse_table(datas[i], paths[i], ncols, what, backend),
            range(len(datas)),
            weights=[len(d) for d in datas],
        )
    return [parse_table(d, p, ncols, what) for d, p in zip(datas, paths, strict=True)]


_MEMO: ContextVar[ParseMemo | None] = ContextVar("odtrack_eval_parse_memo", default=None)


@contextlib.contextmanager
def annotation_memo(memo: ParseMemo | None) -> Iterator[ParseMemo | None]:
    """Within this block :func:`read_table` parses through ``memo`` (None: directly); saved at the end."""
    token = _MEMO.set(memo)
    try:
        yield memo
    finally:
        _MEMO.reset(token)
    if memo is not None:
        memo.save()


def read_table(path: str | Path, ncols: int | None = 4, what: str = "x,y,w,h") -> np.ndarray:
    """Read and parse a numeric text file (see :func:`parse_table`); through the memo where one is open.

    The array may be read-only (shared with the memo): copy it before writing into it.
    """
    from odtrack_eval.hashing import read_bytes

    memo = _MEMO.get()
    status = None
    if memo is not None:
        table = memo.unchanged(path, ncols)
        if table is not None:
            return table
    try:
        if memo is not None:
            status = os.stat(path)  # before the read: a write after it changes the status the memo records
        data = read_bytes(path)
    except FileNotFoundError:
        raise FormatError(Path(path), "file not found") from None
    except IsADirectoryError:
        raise FormatError(Path(path), "is a folder, not a file") from None
    except OSError as exc:
        raise FormatError(Path(path), f"cannot read the file ({exc.strerror or exc})") from None
    if memo is not None:
        return memo.parse(data, path, ncols, what, status)
    return parse_table(data, path, ncols, what)


def read_flags(path: str | Path, what: str = "0/1 flags") -> np.ndarray:
    """Read a per-frame flag file (one CSV line or one value per line) as a bool vector."""
    values = read_table(path, ncols=None, what=what)
    flags = values == 1.0
    if np.count_nonzero(flags) + np.count_nonzero(values == 0.0) != len(values):
        at = int(np.argmax((values != 0.0) & ~flags))
        raise FormatError(Path(path), f"value {values[at]!r} at position {at + 1}", None, what)
    return flags
