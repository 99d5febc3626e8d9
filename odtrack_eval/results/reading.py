"""Reading: the bytes of result files and their content digests.

Each file is hashed right after it is read, while its bytes are in the CPU cache; reading, BLAKE3 and
the compiled parser release the GIL, so the files are spread over threads. Two ways:

* :func:`digest_files`: the digests only, the bytes dropped at once (a cache lookup: a rerun on
  unchanged files reads and hashes them and does nothing else; not keeping 200 MB of bytes saves
  the page faults of fresh memory, ~40% of the time);
* :func:`read_files`: the digests and what ``transform`` makes of each file's bytes in the same
  thread (the parser: the bytes are parsed while still in the CPU cache and never kept).

Within one process a file is hashed once while it stays unchanged: each digest is kept with the file's
status taken before the read (:func:`~odtrack_eval.hashing.file_signature`), and a later look at a file
whose status is the same takes it without reading (a report looks at every result file three times: for
the evaluation, the inspection and the per-frame results). Files changed within
:data:`~odtrack_eval.hashing.RACY_SECONDS` of the read are not kept, as in the annotation memo.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from odtrack_eval.errors import FormatError
from odtrack_eval.hashing import Signature, content_digest, file_signature, known_digest, read_bytes, settled
from odtrack_eval.parallel import map_threads

__all__ = ["digest_files", "read_files"]

T = TypeVar("T")


#: path -> (status before the read, digest of the bytes read), for files this process has read.
_KNOWN: dict[str, tuple[Signature, bytes]] = {}
_KNOWN_LOCK = threading.Lock()


#: A file's bytes, its status taken just before reading them, and the time just before that status (ns).
_Read = tuple[bytes, Signature, int]


def _read(path: Path) -> _Read:
    """The file's bytes with its status taken before the read, and the clock before the status: a file counts as
    settled only if it was last changed well before that (compared after the read, a stalled read could let a
    same-tick rewrite pass)."""
    try:
        before = time.time_ns()
        signature = file_signature(os.stat(path))
        return read_bytes(path), signature, before
    except IsADirectoryError:
        raise FormatError(path, "is a folder, not a result file") from None
    except OSError as exc:
        raise FormatError(path, f"cannot read the file ({exc.strerror or exc})") from None


def _remember(path: Path, signature: Signature, before: int, digest: bytes) -> bytes:
    if settled(signature, before):
        with _KNOWN_LOCK:
            _KNOWN[os.fspath(path)] = (signature, digest)
    return digest


def _digest(path: Path) -> bytes:
    known = known_digest(path, _KNOWN)
    if known is not None:
        return known
    data, signature, before = _read(path)
    return _remember(path, signature, before, content_digest(data))


def digest_files(paths: Sequence[Path]) -> list[bytes]:
    """The :func:`~odtrack_eval.hashing.content_digest` of every file, in order (bytes not kept).

    Raises :class:`FormatError` naming the first unreadable file (in the order of ``paths``).
    """
    return map_threads(_digest, paths, min_items=8)


def read_files(
    paths: Sequence[Path], transform: Callable[[bytes, int], T] | None = None
) -> tuple[list[T] | list[bytes], list[bytes]]:
    """``transform(bytes, index)`` of every file (its bytes without one) and the digests, in order.

    The digests are those of exactly the bytes transformed. Raises :class:`FormatError` naming the
    first unreadable file, or whatever ``transform`` raises first (in the order of ``paths``).
    """

    def one(index: int) -> tuple[object, bytes]:
        data, signature, before = _read(paths[index])
        digest = _remember(paths[index], signature, before, content_digest(data))
        return (data if transform is None else transform(data, index)), digest

    done = map_threads(one, range(len(paths)), min_items=8)
    return [r for r, _ in done], [d for _, d in done]  # type: ignore[return-value]
