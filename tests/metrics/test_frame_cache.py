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
