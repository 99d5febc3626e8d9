"""Parsed annotation tables kept between runs, looked up by the hash of each file's bytes.

Loading a benchmark is mostly parsing its annotation files (LaSOT: 840 files, 11.5 MB, ~1 s with
numpy's text parser). A :class:`ParseMemo` holds the tables parsed for one benchmark root in one
store entry (arrays only: the digests, the shapes and the values) and answers a lookup by the
file's content digest, so what it returns is always what parsing those bytes gives: an edited
file misses and is parsed again, a renamed or copied one hits. The entry's key is the namespace
(benchmark and root) and the parser's source, so a parser change re-parses everything. After a
load, the entry is rewritten only if something missed, with exactly the tables that load used.

Which content a path holds is known without reading it when its status is unchanged, as git's index
knows it: the entry also records, for each path read, the digest of the bytes read and the file's
status taken before the read (device, inode, size, modification and change times in nanoseconds).
A later load whose ``stat`` gives the same five numbers takes that digest and reads nothing (on
LaSOT's 1,120 annotation files: ~4 ms of ``stat`` instead of ~35 ms of reading and hashing). Any
write changes the change time, which no user call can set back, so an edited, replaced or restored
file misses. A file changed within :data:`~odtrack_eval.hashing.RACY_SECONDS` of the load is not recorded
(file systems with coarse timestamps could otherwise hide a second write in the same tick; git's "racily
clean" rule).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from odtrack_eval.backend import Backend
from odtrack_eval.hashing import (
    KeyBuilder,
    Signature,
    content_digest,
    file_signature,
    known_digest,
    settled,
    source_digest,
)
from odtrack_eval.store import ArrayStore

_KIND = "annotations"
#: The code whose output the memo keeps (any change re-parses), hashed when this module is imported.
_PARSER_MODULES = ("odtrack_eval.textio", "odtrack_eval.errors")
_PARSER_KEY = source_digest(_PARSER_MODULES)
_DIGEST = len(content_digest(b""))


class ParseMemo:
    """Parsed tables by content for one namespace (e.g. one benchmark root); see the module docstring."""

    def __init__(self, store: ArrayStore, namespace: str, backend: Backend = Backend.NUMPY):
        self.store = store
        self.backend = backend
        self.key = KeyBuilder("parse-memo").text(namespace).text(_PARSER_KEY).hexdigest()
        # (digest, width) -> (flat values as stored, rows, width): tables are built on first use
        self._known: dict[tuple[bytes, int], tuple[np.ndarray, int, int]] = {}
        self._used: dict[tuple[bytes, int], np.ndarray] = {}
        # path -> (status before the last read, digest of the bytes read): recorded, and seen in this load
        self._recorded: dict[str, tuple[Signature, bytes]] = {}
        self._seen: dict[str, tuple[Signature, bytes]] = {}
        self.hits = self.misses = self.unread = 0
        #: When this load started: files changed after ``started - RACY_SECONDS`` are not recorded.
        self.started = time.time_ns()
        arrays = store.get(_KIND, self.key)
        if arrays is not None:
            self._load(arrays)

    def _load(self, arrays: tuple[np.ndarray, ...]) -> None:
        try:
            digests, ncols, rows, kinds, *values, paths, signatures, path_digests = arrays
            if len(values) != len(_STORED_TYPES):
                raise ValueError("another layout")
            # one conversion per stored type, then a read-only view per table (exact: checked on save)
            pools = [v.astype(np.float64) for v in values]
            for pool in pools:
                pool.flags.writeable = False
            ends = [np.cumsum(np.where(kinds == k, rows * np.maximum(ncols, 1), 0)).tolist()
                    for k in range(len(pools))]  # fmt: skip
            starts = [0] * len(pools)
            for i, (digest, width, n, kind) in enumerate(zip(digests, ncols.tolist(), rows.tolist(),
                                                             kinds.tolist(), strict=True)):  # fmt: skip
                flat = pools[kind][starts[kind] : ends[kind][i]]
                starts[kind] = ends[kind][i]
                self._known[(digest.tobytes(), width)] = flat.reshape(n, width) if width else flat
            names = paths.tobytes().decode("utf-8", "surrogateescape").split("\0") if len(paths) else []
            for name, signature, digest in zip(names, signatures.tolist(), path_digests, strict=True):
                self._recorded[name] = (tuple(signature), digest.tobytes())
        except (ValueError, TypeError, IndexError):  # a well-formed entry of another shape: start afresh
            self._known.clear()
            self._recorded.clear()

    def unchanged(self, path: str | Path, ncols: int | None) -> np.ndarray | None:
        """The table of ``path`` if its status is the one recorded with a digest whose table is known.

        None: read the file (and call :meth:`parse`). ``stat`` errors are left to that read.
        """
        digest = known_digest(path, self._recorded)
        if digest is None:
            return None
        table = self._table(digest, ncols)
        if table is not None:
            self.unread += 1
            name = os.fspath(path)
            self._seen[name] = self._recorded[name]
        return table

    def parse(
        self, data: bytes, path: str | Path, ncols: int | None, what: str, status: os.stat_result | None = None
    ) -> np.ndarray:
        """The table of ``data``: remembered, or parsed (errors are raised, never remembered).

        ``status``: the file's ``stat`` taken before ``data`` was read, recorded for :meth:`unchanged`.
        """
        from odtrack_eval.textio import parse_table

        digest = content_digest(data)
        table = self._table(digest, ncols)
        if table is None:
            self.misses += 1
            table = parse_table(data, Path(path), ncols, what, self.backend)
            table.flags.writeable = False
            self._used[(digest, ncols or 0)] = table
        if status is not None:
            self._seen[os.fspath(path)] = (file_signature(status), digest)
        return table

    def _table(self, digest: bytes, ncols: int | None) -> np.ndarray | None:
        """The table of the content ``digest``, if this load or the entry has it (read-only)."""
        key = (digest, ncols or 0)
        table = self._used.get(key)
        if table is None:
            table = self._known.get(key)
            if table is None:
                return None
            self._used[key] = table
        self.hits += 1
        return table

    def save(self) -> None:
        """Rewrite the entry with the tables and statuses of this load, if either changed.

        Tables of integers (most ground truth, every flag file) are stored in the smallest integer
        type that converts back to the same bits (so never -0.0 or NaN): a quarter to an eighth of
        the bytes to read and checksum.
        """
        if not self.misses and self._seen.keys() == self._recorded.keys() and self._seen == self._recorded:
            return  # (the common rerun: every file found by its recorded status)
        statuses = {  # (stored as unsigned 64-bit numbers: a time before 1970 is never recorded)
            name: seen
            for name, seen in self._seen.items()
            if settled(seen[0], self.started) and all(0 <= v < 2**64 for v in seen[0])
        }
        if not self._used or (not self.misses and statuses == self._recorded):
            return
        keys = list(self._used)
        lengths = np.array([self._used[k].size for k in keys], dtype=np.int64)
        joined = np.concatenate([np.zeros(0)] + [self._used[k].reshape(-1) for k in keys])
        kinds = _smallest_exact_types(joined, lengths)
        digests = np.frombuffer(b"".join(k[0] for k in keys), dtype=np.uint8).reshape(len(keys), _DIGEST)
        of_value = np.repeat(kinds, lengths)  # each value's table's type: a type's tables stay in key order
        values = [joined[of_value == i].astype(dtype) for i, dtype in enumerate(_STORED_TYPES)]
        names = "\0".join(statuses).encode("utf-8", "surrogateescape")
        self.store.put(_KIND, self.key, [
            digests,
            np.array([k[1] for k in keys], dtype=np.int64),
            np.array([len(self._used[k]) for k in keys], dtype=np.int64),
            kinds.astype(np.int8),
            *values,
            np.frombuffer(names, dtype=np.uint8),
            np.array([s for s, _ in statuses.values()], dtype=np.uint64).reshape(-1, 5),
            np.frombuffer(b"".join(d for _, d in statuses.values()), dtype=np.uint8).reshape(len(statuses), _DIGEST),
        ])  # fmt: skip


#: How tables are stored: exact integer tables in the smallest type that holds them, others as float64.
_STORED_TYPES = (np.float64, np.int8, np.int16, np.int32)


def _smallest_exact_types(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """For the tables joined in ``values`` (``lengths`` values each), the index in :data:`_STORED_TYPES` of the
    first integer type each survives bit for bit (0: none; an empty table: 1). Whole-array passes: one per
    table cost ~50 ms on LaSOT's 840 files."""
    with np.errstate(invalid="ignore"):
        small = np.abs(values) < 2**31  # (False for NaN)
        as_int = np.where(small, values, 0.0).astype(np.int32)
    exact = small & (as_int.astype(np.float64).view(np.uint64) == values.view(np.uint64))  # (-0.0 is not 0)
    kinds = np.ones(len(lengths), dtype=np.int64)
    filled = np.flatnonzero(lengths)
    if not len(filled):
        return kinds
    starts = (np.cumsum(lengths) - lengths)[filled]
    all_exact = np.logical_and.reduceat(exact, starts)
    low, high = np.minimum.reduceat(as_int, starts), np.maximum.reduceat(as_int, starts)
    fits = [(info.min <= low) & (high <= info.max) for info in map(np.iinfo, _STORED_TYPES[1:])]
    kinds[filled] = np.where(all_exact, np.select(fits, [1, 2, 3], default=0), 0)
    return kinds
