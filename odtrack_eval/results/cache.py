"""Content-addressed cache of parsed result tables.

Parsing text is the slow part of evaluation, so parsed arrays are kept on disk, keyed by a hash
of the *bytes* of the files (never by name or mtime: pytracking's ``eval_data.pkl`` returns stale
numbers after result files change, protocols.md §2 "Caching trap"). One entry holds a whole group
of files (all box files of a run) as one concatenated array plus row offsets, so a warm load of a
280-sequence run is one small file read instead of 280.

Hash: BLAKE3 per file, SHA-256 over the per-file digests. Both are cryptographic, so a key names
the content, not a guess at it. On the 2-core development machine (x86, AVX-512, SHA extensions)
BLAKE3 hashes the 19 MB of C-RPN's LaSOT results in ~3 ms on one core, SHA-256 in ~15 ms (SHA-1 ~9,
BLAKE2b ~11, MD5 ~13 for ATOM's 10 MB); xxh3 would take ~1 ms but is not collision-resistant.
Keys are two-level: one BLAKE3 per file (length + bytes, :func:`blob_digest`), then one SHA-256 over
the digests. That lets two threads hash the files (both release the GIL) and lets a caller that
has hashed the bytes once derive several keys (evaluation entry, parse table) without rehashing.
A warm lookup is bound by this hashing: every byte of every file is read and hashed each time.

Location: ``$ODTRACK_EVAL_CACHE`` if set, else ``$XDG_CACHE_HOME/odtrack-eval`` (default
``~/.cache/odtrack-eval``); never the source tree. Entries are written to a temporary file and
renamed into place, so concurrent or interrupted runs never leave a half-written entry. Nothing is
ever evicted automatically; deleting the folder is always safe.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
from blake3 import blake3

from odtrack_eval.system import usable_cpus

__all__ = [
    "ContentCache",
    "default_cache_dir",
    "resolve_cache",
    "CacheOption",
    "blob_digest",
    "blob_digests",
    "read_and_digest",
    "digest_files",
    "read_bytes",
    "map_by_parity",
]

T = TypeVar("T")
R = TypeVar("R")

#: Bump when parsing semantics change, so old entries are never read again.
FORMAT_VERSION = "tables-v3"  # v3: BLAKE3 file digests
ENV_VAR = "ODTRACK_EVAL_CACHE"


def default_cache_dir() -> Path:
    """``$ODTRACK_EVAL_CACHE``, else the user cache folder (``~/.cache/odtrack-eval``)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base).expanduser() if base else Path.home() / ".cache") / "odtrack-eval"


class ContentCache:
    """Parsed tables on disk, addressed by the hash of the source bytes.

    A failed write (read-only disk, full disk) only warns once: the cache is an optimisation,
    never a reason for an evaluation to fail. An unreadable entry counts as a miss.
    """

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory).expanduser() if directory is not None else default_cache_dir()
        self._warned = False

    def __repr__(self) -> str:
        return f"ContentCache({str(self.directory)!r})"

    @staticmethod
    def key(blobs: Sequence[bytes], salt: str) -> str:
        """Hash of ``salt`` and the exact bytes of every blob, in order (lengths included).

        Two levels: one BLAKE3 per blob (:func:`blob_digests`, split over two threads for large
        inputs), then one over the digests (:meth:`key_from_digests`), so callers that already
        hold the digests of the same bytes derive further keys without hashing the bytes again.
        """
        return ContentCache.key_from_digests(blob_digests(blobs), salt)

    @staticmethod
    def key_from_digests(digests: Sequence[bytes], salt: str) -> str:
        """The key of blobs whose :func:`blob_digest` values are ``digests`` (in order)."""
        h = hashlib.sha256(f"{FORMAT_VERSION}\0{salt}\0{len(digests)}\0".encode())
        for digest in digests:
            h.update(len(digest).to_bytes(1, "little"))
            h.update(digest)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / FORMAT_VERSION / f"{key}.npy"

    def get(self, key: str) -> tuple[np.ndarray, ...] | None:
        """The arrays stored under ``key``, or None (absent or unreadable)."""
        try:
            with open(self._path(key), "rb") as f:
                count = int(np.load(f, allow_pickle=False)[0])
                return tuple(np.load(f, allow_pickle=False) for _ in range(count))
        except (OSError, ValueError, IndexError, EOFError):
            return None

    def put(self, key: str, arrays: Sequence[np.ndarray]) -> None:
        """Store ``arrays`` under ``key`` atomically (temporary file + ``os.replace``).

        The file is consecutive ``.npy`` records (a count, then the arrays): no zip overhead,
        several times faster to write than ``np.savez`` for the 22 MB of a LaSOT run.
        """
        path = self._path(key)
        tmp_name = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", suffix=".npy", delete=False) as f:
                tmp_name = f.name
                # The raw file object: np.save then writes arrays straight from memory
                # (``tofile``) instead of through a ``tobytes`` copy for a wrapper object.
                raw = f.file
                np.save(raw, np.array([len(arrays)], dtype=np.int64))
                for array in arrays:
                    np.save(raw, np.ascontiguousarray(array), allow_pickle=False)
            os.replace(tmp_name, path)
            tmp_name = None
        except OSError as exc:
            if not self._warned:
                warnings.warn(f"could not write the results cache in {self.directory}: {exc}", stacklevel=2)
                self._warned = True
        finally:
            if tmp_name is not None:
                try:
                    os.unlink(tmp_name)
                except OSError:
                    pass


    def _marker(self, name: str) -> Path:
        return self.directory / FORMAT_VERSION / "seen" / name

    def marked(self, name: str) -> bool:
        """Whether :meth:`mark` was called for ``name`` (a hint, never a result)."""
        return self._marker(name).exists()

    def mark(self, name: str) -> None:
        """Leave an empty marker file ``name`` (e.g. "these files were evaluated"); failures are ignored."""
        path = self._marker(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        except OSError:
            pass


    def usage(self) -> list[tuple[str, int, int]]:
        """(folder, files, bytes) per format folder of the cache; the current one is :data:`FORMAT_VERSION`.

        Folders of other format versions were written by older versions of the package and are
        never read again (``clear(stale_only=True)`` removes them).
        """
        if not self.directory.is_dir():
            return []
        out = []
        for folder in sorted(p for p in self.directory.iterdir() if p.is_dir()):
            files = [f for f in folder.rglob("*") if f.is_file()]
            out.append((folder.name, len(files), sum(f.stat().st_size for f in files)))
        return out

    def clear(self, stale_only: bool = False) -> tuple[int, int]:
        """Delete the cache's entries (only other format versions' with ``stale_only``); (files, bytes) freed.

        Only folders this cache writes are touched (format folders under :attr:`directory`), and a file
        that cannot be deleted is left in place: the cache is never a reason for an error.
        """
        freed_files = freed_bytes = 0
        if not self.directory.is_dir():
            return 0, 0
        for folder in sorted(p for p in self.directory.iterdir() if p.is_dir()):
            if stale_only and folder.name == FORMAT_VERSION:
                continue
            for f in sorted(folder.rglob("*"), reverse=True):  # files before the folders holding them
                try:
                    if f.is_dir():
                        f.rmdir()
                        continue
                    size = f.stat().st_size
                    f.unlink()
                except OSError:
                    continue
                freed_files, freed_bytes = freed_files + 1, freed_bytes + size
            try:
                folder.rmdir()
            except OSError:
                pass
        return freed_files, freed_bytes


CacheOption = ContentCache | str | Path | bool | None


def blob_digest(blob: bytes) -> bytes:
    """BLAKE3 (256 bits) of one blob's length (8 bytes, little-endian) and bytes."""
    h = blake3(len(blob).to_bytes(8, "little"))
    h.update(blob)
    return h.digest()


#: Below this many bytes a second thread costs more than it saves.
_PARALLEL_BYTES = 1 << 20


def in_two_threads(
    work: Callable[[Sequence[T]], list[R]], items: Sequence[T], weight: Sequence[int], *, parallel: bool | None = None
) -> list[R]:
    """``work(items)``, with the second half of ``items`` (by ``weight``) done in a helper thread.

    For work that releases the GIL (hashing, file reads, numpy, pandas' parser): with two cores it
    takes about half the time. Results come back in order; an exception of either half is raised
    (the caller's half first). One short-lived thread per call: nothing is left running.
    ``parallel``: force the choice (default: two threads from 1 MiB of total ``weight``).
    """
    total = sum(weight)
    if parallel is None:
        parallel = total >= _PARALLEL_BYTES
    if len(items) < 2 or not parallel or usable_cpus() < 2:
        return work(items)
    acc, cut = 0, len(items) - 1
    for i, w in enumerate(weight):
        acc += w
        if 2 * acc >= total:
            cut = min(max(i + 1, 1), len(items) - 1)
            break
    box: dict[str, object] = {}

    def helper() -> None:
        try:
            box["result"] = work(items[cut:])
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc

    thread = threading.Thread(target=helper, name="odtrack-eval-helper", daemon=True)
    thread.start()
    try:
        first = work(items[:cut])
    finally:
        thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return first + box["result"]  # type: ignore[operator]


def blob_digests(blobs: Sequence[bytes]) -> list[bytes]:
    """:func:`blob_digest` of every blob (two threads for large inputs: BLAKE3 releases the GIL)."""
    return in_two_threads(lambda part: [blob_digest(b) for b in part], blobs, [len(b) for b in blobs])


def read_bytes(path: str | Path) -> bytes:
    """A whole file through ``os.read`` (one ``fstat`` and usually one ``read``).

    Lighter than ``Path.read_bytes`` (no ``io`` buffer objects): the Python-level work per file is
    what two threads contend for, so this is what makes :func:`read_and_digest` scale.
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


def _two_threads_by_parity(work: Callable[[list[T]], R], items: Sequence[T]) -> tuple[R, R] | None:
    """``(work(items[0::2]), work(items[1::2]))``, the odd half in a helper thread; None (nothing
    done) where one thread is better (few items, one CPU). Each half gets its own list: shared
    lists cost cache-line ping-pong on every access."""
    if len(items) < 8 or usable_cpus() < 2:
        return None
    result: list[R] = []
    failed: list[BaseException] = []
    odd = list(items[1::2])

    def helper() -> None:
        try:
            result.append(work(odd))
        except BaseException as exc:  # re-raised in the caller
            failed.append(exc)

    thread = threading.Thread(target=helper, name="odtrack-eval-read", daemon=True)
    thread.start()
    try:
        even = work(list(items[0::2]))
    finally:
        thread.join()
    if failed:
        raise failed[0]
    return even, result[0]


def _interleave(even: list[T], odd: list[T]) -> list[T]:
    out = even + odd
    out[0::2], out[1::2] = even, odd
    return out


def map_by_parity(work: Callable[[list[T]], list[R]], items: Sequence[T]) -> list[R]:
    """``work(items)`` (one result per item, in order), the odd items done in a helper thread.

    For per-file work that releases the GIL (reading, hashing, compiled parsing) when the file
    sizes are not known in advance: alternate files balance the two halves well enough.
    """
    halves = _two_threads_by_parity(work, items)
    if halves is None:
        return work(list(items))
    return _interleave(*halves)


def read_and_digest(paths: Sequence[Path]) -> tuple[list[bytes], list[bytes]]:
    """The bytes of every file and their :func:`blob_digest`, in two threads (even / odd files).

    Each thread reads a file and hashes it while it is still in the CPU cache; the reads and
    hashing release the GIL (C-RPN's 280 LaSOT files: 11.2 ms against 13.5 ms in one thread). Raises
    :class:`OSError` for an unreadable file.
    """

    def work(part: list[Path]) -> list[tuple[bytes, bytes]]:
        return [(data, blob_digest(data)) for data in map(read_bytes, part)]

    done = map_by_parity(work, paths)
    return [data for data, _ in done], [digest for _, digest in done]


def digest_files(paths: Sequence[Path]) -> list[bytes]:
    """:func:`blob_digest` of every file, without keeping the bytes (one thread).

    For cache lookups: dropping each file's bytes right after hashing lets the allocator reuse the
    same memory, where keeping them all costs fresh pages (~2-3 ms for 19 MB). With SHA-256 two threads
    were ~1.6x faster; with BLAKE3 (5x faster per byte) one thread wins: 5.7 ms against 6.9 ms for the
    19 MB / 280 files of C-RPN's LaSOT results. Raises :class:`OSError`.
    """
    return [blob_digest(read_bytes(path)) for path in paths]


def resolve_cache(option: CacheOption) -> ContentCache | None:
    """``True`` → default location; ``False``/``None`` → no cache; a path or :class:`ContentCache` → that."""
    if option is None or option is False:
        return None
    if option is True:
        return ContentCache()
    if isinstance(option, ContentCache):
        return option
    return ContentCache(option)
