"""A content-addressed store of arrays on disk that cannot serve wrong data.

Evaluations, parsed annotations and rendered figures are kept here under keys that hash what they
were computed from (never names or file times: pytracking's ``eval_data.pkl`` serves stale numbers
after result files change, protocols.md §2 "Caching trap"). The store itself only promises that
what :meth:`ArrayStore.get` returns is exactly what :meth:`ArrayStore.put` stored under that key:

* each entry file holds a header with a magic string, its own key, the payload's length and a
  BLAKE3 checksum of the payload; all are verified on read. A truncated, bit-flipped, mislabelled
  (an entry copied over another key's file) or unparsable entry is a miss, reported by one warning,
  and recomputed by the caller; never a traceback, never data;
* arrays are stored raw with a small JSON description (dtype, shape): no pickle, nothing executes,
  and object dtypes are refused;
* writes go to a temporary file renamed into place, so a killed or concurrent writer never leaves
  half an entry.

Location: ``$ODTRACK_EVAL_CACHE`` if set, else ``$XDG_CACHE_HOME/odtrack-eval`` (default
``~/.cache/odtrack-eval``); never the source tree. The store marks the folder it creates with
:data:`MARKER`; :meth:`ArrayStore.clear` refuses a folder without it and only ever deletes entry
files it recognises by name, never following symbolic links. Nothing is evicted automatically;
clearing is always safe.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from blake3 import blake3

__all__ = ["ArrayStore", "ClearReport", "StoreOption", "default_store_dir", "resolve_store", "ENV_VAR"]

ENV_VAR = "ODTRACK_EVAL_CACHE"
#: Folder of the current entry format; folders of older formats are never read (``clear --stale``).
FORMAT_VERSION = "v4"
#: File that marks a folder as this store's; its first line identifies the tool.
MARKER = ".odtrack-eval-cache"
_MARKER_TEXT = "odtrack-eval results cache: every file below was written by odtrack-eval and may be deleted\n"
_MAGIC = b"ODTEVAL\x04"
_ENTRY = re.compile(r"^[0-9a-f]{64}\.bin$")
_TEMP = re.compile(r"^\.tmp-[^/]*\.bin$")
#: The layout this store writes: ``<root>/v<N>/<kind>/<key>.bin`` (and ``.tmp-*.bin`` while writing).
#: Earlier versions of the package wrote ``<root>/tables-v<N>/<key>.npy`` and ``.../seen/<key>``. Clearing
#: deletes files in exactly these places with exactly these names, and nothing else.
_FORMAT_DIR = re.compile(r"^v\d+$")
_LEGACY_DIR = re.compile(r"^tables-v\d+$")
_LEGACY_ENTRY = re.compile(r"^([0-9a-f]{64}\.npy|\.tmp-[^/]*\.npy)$")
_LEGACY_SEEN = re.compile(r"^[0-9a-f]{64}$")
_KIND = re.compile(r"^[a-z0-9-]+$")
_HEADER_LIMIT = 1 << 20
_ALIGN = 64


def default_store_dir() -> Path:
    """``$ODTRACK_EVAL_CACHE``, else the user cache folder (``~/.cache/odtrack-eval``)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base).expanduser() if base else Path.home() / ".cache") / "odtrack-eval"


@dataclass(frozen=True)
class ClearReport:
    """What :meth:`ArrayStore.clear` did: files and bytes removed, files it could not remove (and why)."""

    removed: int
    freed_bytes: int
    failed: int = 0
    first_error: str | None = None


def _encode(arrays: Sequence[np.ndarray]) -> list[bytes | memoryview]:
    """Payload parts: a JSON list of (dtype, shape, offset), then each array's raw bytes at a 64-byte
    boundary. The arrays' own memory is referenced, never copied (a 14 MB annotation entry would cost
    two copies otherwise)."""
    parts = [np.asarray(a, order="C") for a in arrays]  # (ascontiguousarray would make 0-d arrays 1-d)
    for a in parts:
        if a.dtype.hasobject:
            raise TypeError("object arrays cannot be stored")
    offsets, pos = [], 0
    for a in parts:
        offsets.append(pos)
        pos += -(-a.nbytes // _ALIGN) * _ALIGN
    meta = json.dumps([[a.dtype.str, list(a.shape), off] for a, off in zip(parts, offsets, strict=True)]).encode()
    head = len(meta).to_bytes(4, "little") + meta
    out: list[bytes | memoryview] = [head + b"\0" * (-len(head) % _ALIGN)]
    for a in parts:
        out.append(memoryview(a.reshape(-1)).cast("B") if a.nbytes else b"")
        out.append(b"\0" * (-a.nbytes % _ALIGN))
    return out


def _decode(payload: bytes | memoryview) -> tuple[np.ndarray, ...]:
    """Inverse of :func:`_encode`; read-only views of ``payload``. Raises ValueError on anything odd."""
    size = int.from_bytes(bytes(payload[:4]), "little")
    if size > _HEADER_LIMIT or 4 + size > len(payload):
        raise ValueError("bad payload header")
    meta = json.loads(bytes(payload[4 : 4 + size]))
    base = 4 + size + (-(4 + size) % _ALIGN)
    out = []
    for dtype_str, shape, offset in meta:
        dtype = np.dtype(dtype_str)
        if dtype.hasobject or dtype.kind not in "biufcUS":
            raise ValueError(f"dtype {dtype_str!r} not allowed")
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        start = base + int(offset)
        if count < 0 or start + count * dtype.itemsize > len(payload):
            raise ValueError("array beyond the payload")
        out.append(np.frombuffer(payload, dtype=dtype, count=count, offset=start).reshape(tuple(shape)))
    return tuple(out)


class ArrayStore:
    """Arrays on disk under content keys (see the module docstring for what is verified).

    ``kind`` separates independent uses (``ope``, ``annotations``, ``figures``...): one sub-folder
    each. A failed write (read-only or full disk) warns once and is otherwise ignored: the store is an
    optimisation, never a reason for a command to fail.
    """

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory).expanduser() if directory is not None else default_store_dir()
        self._warned_write = False
        self._warned_read = False

    def __repr__(self) -> str:
        return f"ArrayStore({str(self.directory)!r})"

    def path(self, kind: str, key: str) -> Path:
        if not _KIND.match(kind) or not re.fullmatch(r"[0-9a-f]{64}", key):
            raise ValueError(f"bad store kind or key: {kind!r}, {key!r}")
        return self.directory / FORMAT_VERSION / kind / f"{key}.bin"

    # -- reading -------------------------------------------------------------------------------

    def holds(self, kind: str) -> bool:
        """Whether there is any entry of ``kind`` (an empty store cannot hit: callers skip computing keys)."""
        try:
            with os.scandir(self.directory / FORMAT_VERSION / kind) as entries:
                return any(_ENTRY.match(e.name) for e in entries)
        except OSError:
            return False

    def get(self, kind: str, key: str) -> tuple[np.ndarray, ...] | None:
        """The arrays stored under ``key``, or None: absent, or damaged (then one warning says so)."""
        path = self.path(kind, key)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            self._damaged(path, f"cannot be read ({exc.strerror or exc})")
            return None
        problem = _verify(data, key)
        if problem is None:
            try:
                return _decode(memoryview(data)[_HEAD_SIZE:])  # (a view: slicing bytes would copy them)
            except (ValueError, TypeError, KeyError, IndexError, OverflowError, MemoryError) as exc:
                problem = f"has an unreadable payload ({type(exc).__name__}: {exc})"
        self._damaged(path, problem)
        return None

    def _damaged(self, path: Path, problem: str) -> None:
        if not self._warned_read:
            warnings.warn(f"cache entry {path} {problem}: ignored and recomputed", stacklevel=3)
            self._warned_read = True

    # -- writing -------------------------------------------------------------------------------

    def put(self, kind: str, key: str, arrays: Sequence[np.ndarray]) -> None:
        """Store ``arrays`` under ``key`` atomically (temporary file + ``os.replace``)."""
        path = self.path(kind, key)
        parts = _encode(arrays)
        head = _MAGIC + key.encode() + sum(len(p) for p in parts).to_bytes(8, "little") + _checksum(parts)
        tmp_name = None
        try:
            self._ensure_root()
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", suffix=".bin", delete=False) as f:
                tmp_name = f.name
                f.write(head)
                for part in parts:
                    f.write(part)
            os.replace(tmp_name, path)
            tmp_name = None
        except OSError as exc:
            if not self._warned_write:
                warnings.warn(f"could not write the results cache in {self.directory}: {exc}", stacklevel=2)
                self._warned_write = True
        finally:
            if tmp_name is not None:
                try:
                    os.unlink(tmp_name)
                except OSError:
                    pass

    def _ensure_root(self) -> None:
        """Create the folder with its marker (an existing folder gets the marker only if empty or ours)."""
        marker = self.directory / MARKER
        if marker.is_file():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        # Only an empty folder, or one holding nothing but earlier versions' caches, becomes this store.
        foreign = [p.name for p in self.directory.iterdir() if p.name != MARKER and not _LEGACY_DIR.match(p.name)]
        if foreign:
            raise OSError(f"{self.directory} holds files that are not odtrack-eval's ({foreign[0]}, ...); "
                          f"set {ENV_VAR} to an empty or new folder")  # fmt: skip
        marker.write_text(_MARKER_TEXT, encoding="utf-8")

    # -- housekeeping --------------------------------------------------------------------------

    def is_ours(self) -> bool:
        """Whether the folder carries this store's marker."""
        try:
            return (self.directory / MARKER).read_text(encoding="utf-8").startswith(_MARKER_TEXT[:20])
        except (OSError, UnicodeDecodeError):
            return False

    def usage(self) -> list[tuple[str, int, int]]:
        """(format folder, files, bytes) of each format folder; only :data:`FORMAT_VERSION` is read."""
        if not self.directory.is_dir():
            return []
        out = []
        for folder in _format_dirs(self.directory):
            files = _own_files(folder)
            out.append((folder.name, len(files), sum(_size(f) for f in files)))
        return out

    def clear(self, stale_only: bool = False) -> ClearReport:
        """Delete this store's entry files (only older formats' with ``stale_only``).

        Refuses (:class:`ValueError`) a folder without :data:`MARKER`. Deletes only files with the names
        this store (or an earlier version) writes, in the places it writes them, never following a
        symbolic link, and removes those folders only when they are empty; what could not be removed
        is counted in the report.
        """
        if not self.directory.is_dir():
            return ClearReport(0, 0)
        if not self.is_ours():
            raise ValueError(
                f"{self.directory} is not an odtrack-eval cache (it has no {MARKER} file): nothing was removed"
            )
        removed = freed = failed = 0
        first_error = None
        for folder in _format_dirs(self.directory):
            if stale_only and folder.name == FORMAT_VERSION:
                continue
            for file in _own_files(folder):
                try:
                    size = _size(file)
                    os.unlink(file)
                except OSError as exc:
                    failed += 1
                    first_error = first_error or f"{file}: {exc.strerror or exc}"
                    continue
                removed, freed = removed + 1, freed + size
            for sub in _own_dirs(folder):
                _rmdir(sub)
            _rmdir(folder)
        return ClearReport(removed, freed, failed, first_error)


_HEAD_SIZE = len(_MAGIC) + 64 + 8 + 32


def _checksum(payload: bytes | memoryview | Sequence[bytes | memoryview]) -> bytes:
    """BLAKE3 of an entry's payload (or of its parts in order: the same digest); large parts are hashed
    by several threads (the same digest too)."""
    h = blake3(max_threads=blake3.AUTO)
    for part in [payload] if isinstance(payload, (bytes, memoryview)) else payload:
        h.update(part)
    return h.digest()


def _verify(data: bytes, key: str) -> str | None:
    """What is wrong with an entry file's bytes for ``key`` (None: it is intact and is that key's)."""
    if len(data) < _HEAD_SIZE or not data.startswith(_MAGIC):
        return "has no valid header"
    stored_key = data[len(_MAGIC) : len(_MAGIC) + 64]
    if stored_key != key.encode():
        return "belongs to another key"
    length = int.from_bytes(data[len(_MAGIC) + 64 : len(_MAGIC) + 72], "little")
    if length != len(data) - _HEAD_SIZE:
        return "is truncated or has extra bytes"
    if _checksum(memoryview(data)[_HEAD_SIZE:]) != data[_HEAD_SIZE - 32 : _HEAD_SIZE]:
        return "fails its checksum"
    return None


def _subdirs(folder: Path, pattern: re.Pattern[str]) -> list[Path]:
    """Real (not linked) sub-folders of ``folder`` whose names match ``pattern``."""
    try:
        with os.scandir(folder) as entries:
            return sorted(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False) and pattern.match(e.name))
    except OSError:
        return []


def _files(folder: Path, pattern: re.Pattern[str]) -> list[Path]:
    """Real (not linked) files directly in ``folder`` whose names match ``pattern``."""
    try:
        with os.scandir(folder) as entries:
            return sorted(Path(e.path) for e in entries if e.is_file(follow_symlinks=False) and pattern.match(e.name))
    except OSError:
        return []


def _format_dirs(root: Path) -> list[Path]:
    """This store's format folders and earlier versions' (real folders, not links)."""
    return sorted(_subdirs(root, _FORMAT_DIR) + _subdirs(root, _LEGACY_DIR))


_SEEN_DIR = re.compile(r"^seen$")


def _own_dirs(folder: Path) -> list[Path]:
    """The sub-folders of a format folder that hold its entries (``<kind>/``, or ``seen/`` of old)."""
    return _subdirs(folder, _SEEN_DIR if _LEGACY_DIR.match(folder.name) else _KIND)


def _own_files(folder: Path) -> list[Path]:
    """The files of a format folder this store (or an earlier version) wrote, by place and name."""
    if _LEGACY_DIR.match(folder.name):
        return _files(folder, _LEGACY_ENTRY) + [f for seen in _own_dirs(folder) for f in _files(seen, _LEGACY_SEEN)]
    return [f for kind in _own_dirs(folder) for pattern in (_ENTRY, _TEMP) for f in _files(kind, pattern)]


def _size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:  # (removed meanwhile)
        return 0


def _rmdir(folder: Path) -> None:
    """Remove ``folder`` if it is an empty real folder (never through a link)."""
    try:
        if not stat.S_ISLNK(os.lstat(folder).st_mode):
            os.rmdir(folder)
    except OSError:
        pass


StoreOption = ArrayStore | str | Path | bool | None


_DEFAULT_STORES: dict[Path, ArrayStore] = {}


def resolve_store(option: StoreOption) -> ArrayStore | None:
    """``True`` → default location; ``False``/``None`` → no store; a path or :class:`ArrayStore` → that.

    ``True`` gives one object per folder in a process, so a command that loads a dataset and evaluates
    warns once about a damaged or unwritable cache, not once per stage."""
    if option is None or option is False:
        return None
    if option is True:
        directory = default_store_dir()
        if directory not in _DEFAULT_STORES:
            _DEFAULT_STORES[directory] = ArrayStore(directory)
        return _DEFAULT_STORES[directory]
    if isinstance(option, ArrayStore):
        return option
    return ArrayStore(option)
