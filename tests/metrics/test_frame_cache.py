"""Per-frame results kept in the results cache (report reruns only hash the files): equal to a fresh load,
served without reading, recomputed when a box file, the ground truth or the protocol changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval import frame_results
from odtrack_eval.datasets import load_dataset
from odtrack_eval.frame_results import load_frame_results
from odtrack_eval.protocols import get_protocol
from odtrack_eval.store import ArrayStore
from tests._shared import require_shared

SEQUENCES = ["airplane-1", "fox-20", "truck-16"]


@pytest.fixture()
def setup(tmp_path: Path):
    annotations = require_shared("data", "real", "lasot", "annotations")
    results = tmp_path / "results"
    shutil.copytree(require_shared("data", "real", "lasot", "results"), results)
    ds = load_dataset("lasot", annotations, sequences=SEQUENCES)
    return ds, results, ArrayStore(tmp_path / "cache")


def _flat(frames) -> list:
    out = []
    for f in frames:
        for name, t in sorted(f.trackers.items()):
            out.append((f.name, name, [b.tolist() for b in t.boxes],
                        [(m.iou.tolist(), m.centre_error.tolist(), m.counted.tolist()) for m in t.measures]))
    return out


def _load(ds, results, store, protocol="odtrack"):
    return load_frame_results(ds, results, get_protocol(protocol), store=store)


def test_a_cached_load_equals_a_fresh_one_and_reads_no_box_file(setup, monkeypatch) -> None:
    ds, results, store = setup
    fresh = _flat(_load(ds, results, None))
    assert fresh and _flat(_load(ds, results, store)) == fresh  # stored

    def no_reading(*args, **kwargs):
        raise AssertionError("a cached load parsed the files again")

    monkeypatch.setattr(frame_results, "load_run", no_reading)
    assert _flat(_load(ds, results, store)) == fresh
    assert all(isinstance(m.counted[0], np.bool_) for f in _load(ds, results, store) for t in f.trackers.values()
               for m in t.measures)  # fmt: skip


def test_what_the_results_depend_on_recomputes(setup) -> None:
    ds, results, store = setup
    first = _flat(_load(ds, results, store))
    path = results / "ATOM" / "fox-20.txt"
    rows = np.loadtxt(path, delimiter=",")
    rows[5:50, 0] += 40.0  # the tracker drifts
    np.savetxt(path, rows, fmt="%.2f", delimiter=",")
    changed = _flat(_load(ds, results, store))
    assert changed != first and changed == _flat(_load(ds, results, None))
    other = _flat(_load(ds, results, store, protocol="official"))
    assert other == _flat(_load(ds, results, None, protocol="official"))


def test_a_damaged_entry_is_loaded_again(setup) -> None:
    ds, results, store = setup
    fresh = _flat(_load(ds, results, store))
    for entry in store.directory.rglob("frames/*.bin"):
        data = bytearray(entry.read_bytes())
        data[-5] ^= 0x10
        entry.write_bytes(bytes(data))
    with pytest.warns(UserWarning):
        assert _flat(_load(ds, results, store)) == fresh


def test_a_file_rewritten_between_hashing_and_reading_is_kept_under_the_bytes_read(setup, monkeypatch) -> None:
    """A tracker rewriting a result file while a report runs: the results computed from the new bytes must be
    stored under the new bytes' key, never under the key hashed a moment before (which names the old bytes)."""
    ds, results, store = setup
    path = results / "ATOM" / "fox-20.txt"
    old = path.read_bytes()
    new = b"".join(line.replace(b",", b".5,", 1) + b"\n" for line in old.splitlines())  # other, valid boxes
    real = frame_results._listed
    rewritten = []

    def rewrite_after_hashing(run, chosen, allow_missing):  # noqa: ANN001, ANN202
        listed = real(run, chosen, allow_missing)
        if not rewritten and run.folder.name == "ATOM":
            path.write_bytes(new)
            rewritten.append(True)
        return listed

    monkeypatch.setattr(frame_results, "_listed", rewrite_after_hashing)
    _load(ds, results, store)
    assert rewritten
    monkeypatch.undo()
    path.write_bytes(old)  # the old bytes back: their key must not hold the new bytes' results
    assert _flat(_load(ds, results, store)) == _flat(_load(ds, results, None))
    path.write_bytes(new)
    assert _flat(_load(ds, results, store)) == _flat(_load(ds, results, None))
