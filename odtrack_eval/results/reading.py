"""Reading: the bytes of result files and their content digests.

Each file is hashed right after it is read, while its bytes are in the CPU cache; reading, BLAKE3 and
the compiled parser release the GIL, so the files are spread over threads. Two ways:

* :func:`digest_files`: the digests only, the bytes dropped at once (a cache lookup: a rerun on
  unchanged files reads and hashes them and does nothing else; not keeping 200 MB of bytes saves
  the page faults of fresh memory, ~40% of the time);
* :func:`read_files`: the digests and what ``transform`` makes of each file's bytes in the same
  thread (the parser: the bytes are parsed while still in the CPU cache and never kept).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from odtrack_eval.errors import FormatError
from odtrack_eval.hashing import content_digest, read_bytes
from odtrack_eval.parallel import map_threads

__all__ = ["digest_files", "read_files"]

T = TypeVar("T")


def _read(path: Path) -> bytes:
    try:
        return read_bytes(path)
    except IsADirectoryError:
        raise FormatError(path, "is a folder, not a result file") from None
    except OSError as exc:
        raise FormatError(path, f"cannot read the file ({exc.strerror or exc})") from None


def digest_files(paths: Sequence[Path]) -> list[bytes]:
    """The :func:`~odtrack_eval.hashing.content_digest` of every file, in order (bytes not kept).

    Raises :class:`FormatError` naming the first unreadable file (in the order of ``paths``).
    """
    return map_threads(lambda path: content_digest(_read(path)), paths, min_items=8)


def read_files(
    paths: Sequence[Path], transform: Callable[[bytes, int], T] | None = None
) -> tuple[list[T] | list[bytes], list[bytes]]:
    """``transform(bytes, index)`` of every file (its bytes without one) and the digests, in order.

    The digests are those of exactly the bytes transformed. Raises :class:`FormatError` naming the
    first unreadable file, or whatever ``transform`` raises first (in the order of ``paths``).
    """

    def one(index: int) -> tuple[object, bytes]:
        data = _read(paths[index])
        digest = content_digest(data)
        return (data if transform is None else transform(data, index)), digest

    done = map_threads(one, range(len(paths)), min_items=8)
    return [r for r, _ in done], [d for _, d in done]  # type: ignore[return-value]
