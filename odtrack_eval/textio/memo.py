"""Parsed annotation tables kept between runs, looked up by the hash of each file's bytes.

Loading a benchmark is mostly parsing its annotation files (LaSOT: 840 files, 11.5 MB, ~1 s with
numpy's text parser). A :class:`ParseMemo` holds the tables parsed for one benchmark root in one
store entry (arrays only: the digests, the shapes and the values) and answers a lookup by the
file's content digest, so what it returns is always what parsing those bytes gives: an edited
file misses and is parsed again, a renamed or copied one hits. The entry's key is the namespace
(benchmark and root) and the parser's source, so a parser change re-parses everything. After a
load, the entry is rewritten only if something missed, with exactly the tables that load used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from odtrack_eval.backend import Backend
from odtrack_eval.hashing import KeyBuilder, content_digest, source_digest
from odtrack_eval.store import ArrayStore

_KIND = "annotations"
#: The code whose output the memo keeps (any change re-parses), hashed when this module is imported.
_PARSER_MODULES = ("odtrack_eval.textio", "odtrack_eval.errors")
_PARSER_KEY = source_digest(_PARSER_MODULES)


class ParseMemo:
    """Parsed tables by content for one namespace (e.g. one benchmark root); see the module docstring."""

    def __init__(self, store: ArrayStore, namespace: str, backend: Backend = Backend.NUMPY):
        self.store = store
        self.backend = backend
        self.key = KeyBuilder("parse-memo").text(namespace).text(_PARSER_KEY).hexdigest()
        # (digest, width) -> (flat values as stored, rows, width): tables are built on first use
        self._known: dict[tuple[bytes, int], tuple[np.ndarray, int, int]] = {}
        self._used: dict[tuple[bytes, int], np.ndarray] = {}
        self.hits = self.misses = 0
        arrays = store.get(_KIND, self.key)
        if arrays is not None:
            self._load(arrays)

    def _load(self, arrays: tuple[np.ndarray, ...]) -> None:
        try:
            digests, ncols, rows, exact_ints, ints, floats = arrays
            sizes = rows * np.maximum(ncols, 1)
            int_ends = np.cumsum(np.where(exact_ints, sizes, 0)).tolist()
            float_ends = np.cumsum(np.where(exact_ints, 0, sizes)).tolist()
            i0 = f0 = 0
            for k, (digest, width, n, is_int) in enumerate(zip(digests, ncols.tolist(), rows.tolist(),
                                                               exact_ints.tolist(), strict=True)):  # fmt: skip
                flat = ints[i0 : int_ends[k]] if is_int else floats[f0 : float_ends[k]]
                i0, f0 = int_ends[k], float_ends[k]
                self._known[(digest.tobytes(), width)] = (flat, n, width)
        except (ValueError, TypeError):  # a well-formed entry of another shape: start afresh
            self._known.clear()

    def parse(self, data: bytes, path: Path, ncols: int | None, what: str) -> np.ndarray:
        """The table of ``data``: remembered, or parsed (errors are raised, never remembered)."""
        from odtrack_eval.textio import parse_table

        key = (content_digest(data), ncols or 0)
        table = self._used.get(key)
        if table is None:
            stored = self._known.get(key)
            if stored is None:
                self.misses += 1
                table = parse_table(data, path, ncols, what, self.backend)
            else:
                self.hits += 1
                flat, rows, width = stored
                table = flat.astype(np.float64)  # a copy, exact: integer tables were checked to round-trip
                if width:
                    table = table.reshape(rows, width)
            table.flags.writeable = False
            self._used[key] = table
        else:
            self.hits += 1
        return table

    def save(self) -> None:
        """Rewrite the entry with the tables this load used, if any of them was parsed anew.

        Tables of integers (most ground truth, every flag file) are stored as int32, half the bytes
        to read and checksum, when converting back gives the same bits (so never -0.0 or NaN).
        """
        if not self.misses or not self._used:
            return
        keys = list(self._used)
        tables = [self._used[k].reshape(-1) for k in keys]
        exact = [_int32_exact(t) for t in tables]
        digests = np.frombuffer(b"".join(k[0] for k in keys), dtype=np.uint8).reshape(len(keys), -1)
        ncols = np.array([k[1] for k in keys], dtype=np.int64)
        rows = np.array([len(self._used[k]) for k in keys], dtype=np.int64)
        ints = [t.astype(np.int32) for t, e in zip(tables, exact, strict=True) if e]
        floats = [t for t, e in zip(tables, exact, strict=True) if not e]
        self.store.put(_KIND, self.key, [
            digests, ncols, rows, np.array(exact, dtype=bool),
            np.concatenate(ints) if ints else np.zeros(0, dtype=np.int32),
            np.concatenate(floats) if floats else np.zeros(0),
        ])  # fmt: skip


def _int32_exact(values: np.ndarray) -> bool:
    """Whether ``values`` survive float64 -> int32 -> float64 bit for bit."""
    if not len(values):
        return True
    with np.errstate(invalid="ignore"):
        if not (np.abs(values) < 2**31).all():  # (False for NaN)
            return False
        back = values.astype(np.int32).astype(np.float64)
    return bool(np.array_equal(back.view(np.uint64), values.view(np.uint64)))
