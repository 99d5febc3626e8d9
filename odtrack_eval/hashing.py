"""Content digests and the keys built from them (what every cache of the package is addressed by).

Hash: BLAKE3, a cryptographic hash, so a key names the content, not a guess at it. On the 2-core
development machine (x86, AVX-512) it hashes the 19 MB of C-RPN's LaSOT results in ~3 ms on one
core (SHA-256 ~15 ms); xxh3 would be faster but is not collision-resistant. Keys are two-level:
one digest per file (:func:`content_digest`), then one over the digests and the parameters
(:class:`KeyBuilder`), so a file hashed once can enter several keys.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import numpy as np
from blake3 import blake3

from odtrack_eval.errors import OdtrackEvalError

__all__ = ["content_digest", "read_bytes", "KeyBuilder", "source_digest"]


def content_digest(data: bytes | memoryview) -> bytes:
    """BLAKE3 (256 bits) of a blob's length (8 bytes, little-endian) and bytes."""
    h = blake3(len(data).to_bytes(8, "little"))
    h.update(data)
    return h.digest()


#: A file whose modification or change time is this close to the moment it was looked at (or later) is
#: never known by its status alone: file systems with coarse timestamps could hide a second write in the
#: same tick (git's "racily clean" rule; two seconds is FAT's tick).
RACY_SECONDS = 3.0

Signature = tuple[int, ...]


def file_signature(status: os.stat_result) -> Signature:
    """What identifies a file's content without reading it: device, inode, size, mtime and ctime (ns).

    Any write changes the change time, which no user call can set back, so an edited, replaced or
    restored file has another signature (git's index rule)."""
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def settled(signature: Signature, before_ns: int, racy_seconds: float | None = None) -> bool:
    """Whether a file of this signature was last changed well before ``before_ns`` (ns since the epoch), so
    that the signature may stand for the content (``racy_seconds``: :data:`RACY_SECONDS` unless given)."""
    margin = RACY_SECONDS if racy_seconds is None else racy_seconds
    return max(signature[3], signature[4]) < before_ns - int(margin * 1e9)


def known_digest(path: str | Path, recorded: Mapping[str, tuple[Signature, bytes]]) -> bytes | None:
    """The digest ``recorded`` for ``path`` if the file's status is still the one recorded with it, else None
    (then read it; ``stat`` errors are left to that read): a file is known by its status, as git's index knows
    it, only if the status was taken before a read of settled bytes (:func:`settled`)."""
    known = recorded.get(os.fspath(path))
    if known is None:
        return None
    try:
        return known[1] if file_signature(os.stat(path)) == known[0] else None
    except OSError:
        return None


def read_bytes(path: str | Path) -> bytes:
    """A whole file through ``os.read`` (one ``fstat`` and usually one ``read``).

    Lighter than ``Path.read_bytes`` (no ``io`` buffer objects): the Python-level work per file is
    what parallel reading threads contend for.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) == size or not data:
            return data
        parts = [data]  # the file grew or the read was short: read on to the end
        while chunk := os.read(fd, 1 << 20):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


class KeyBuilder:
    """A key over typed, length-prefixed parts, so that no two different part lists give one key."""

    def __init__(self, purpose: str):
        self._h = blake3()
        self.text(purpose)

    def _part(self, tag: bytes, data: bytes | memoryview) -> KeyBuilder:
        self._h.update(tag + len(data).to_bytes(8, "little"))
        self._h.update(data)
        return self

    def text(self, value: str) -> KeyBuilder:
        return self._part(b"s", value.encode("utf-8", "surrogatepass"))

    def raw(self, value: bytes) -> KeyBuilder:
        return self._part(b"b", value)

    def digests(self, values: Iterable[bytes]) -> KeyBuilder:
        values = list(values)
        self._h.update(b"d" + len(values).to_bytes(8, "little"))
        for v in values:
            self._part(b"b", v)
        return self

    def array(self, value: np.ndarray | None) -> KeyBuilder:
        """An array's dtype, shape and bytes (None is a part of its own)."""
        if value is None:
            return self._part(b"n", b"")
        a = np.ascontiguousarray(value)
        self.text(f"{a.dtype.str}{a.shape}")
        return self._part(b"a", memoryview(a).cast("B"))

    def hexdigest(self) -> str:
        return self._h.hexdigest()


#: The digest of every source file hashed by :func:`source_digest` in this process, at the time it was
#: hashed: :func:`check_unchanged` compares a module imported later against it.
_HASHED_SOURCES: dict[str, bytes] = {}


@cache
def source_digest(modules: tuple[str, ...]) -> str:
    """Hash of the source files of ``modules`` (packages: every ``.py`` and ``.c`` file in them; a module: its
    file and a ``.c`` file of its name beside it), found without
    importing them: any change to the code that computes a cached value changes its keys.

    Call it when the code is imported (the result is kept for the process), so the keys name the code
    that runs; a module imported later (the compiled kernels load lazily) is checked against what was
    hashed by :func:`check_unchanged`.
    """
    h = KeyBuilder("source")
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(name)
        origin = Path(spec.origin)
        if spec.submodule_search_locations:  # a package: its Python and C sources (the compiled kernels)
            files = sorted(f for pattern in ("*.py", "*.c") for f in origin.parent.rglob(pattern))
        else:
            files = [origin, *([origin.with_suffix(".c")] if origin.with_suffix(".c").is_file() else [])]
        for file in files:
            digest = content_digest(file.read_bytes())
            _HASHED_SOURCES.setdefault(str(file.resolve()), digest)
            h.text(f"{name}:{file.relative_to(origin.parent)}").raw(digest)
    return h.hexdigest()


class CodeChangedError(OdtrackEvalError):
    """A module's source changed on disk after this process hashed it for cache keys."""


def check_unchanged(path: str | Path) -> None:
    """Raise :class:`CodeChangedError` if ``path`` (a module just imported) differs from the source this
    process hashed for its cache keys (an update installed while a long process ran): its numbers must
    not be stored under keys that name other code."""
    key = str(Path(path).resolve())
    recorded = _HASHED_SOURCES.get(key)
    if recorded is not None and content_digest(Path(path).read_bytes()) != recorded:
        raise CodeChangedError(f"{path} changed on disk while this process was running; run the command again")
