"""The inspection's cache entry (a rerun of `report` only hashes the files): equal to a fresh inspection, and
never served when anything it depends on changed (a file's bytes, its path, the ground truth, --strict)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from odtrack_eval.protocols import get_protocol
from odtrack_eval.results import inspection as inspection_module
from odtrack_eval.results.inspection import ground_truths, inspect_folder
from odtrack_eval.store import ArrayStore
from tests.results._data import toy_dataset, write_rows


@pytest.fixture()
def setup(tmp_path: Path):
    ds = toy_dataset(["a", "b", "c"])
    for name in ds.names:
        write_rows(tmp_path / "res" / "trk" / f"{name}.txt", [[10, 20, 30, 40], [11, 21, 30, 40], [12, 22, 30, 40]])
    write_rows(tmp_path / "res" / "trk" / "b.txt", [[10, 20, 30, 40], ["nan"] * 4, [12, 22, 30, 40]])
    return ds, tmp_path / "res", ArrayStore(tmp_path / "cache")


def _inspect(ds, results: Path, store, **kw):
    return inspect_folder(results, ds.names, ground_truths(ds), ds.tag, ds.name, get_protocol("odtrack"),
                          store=store, **kw).to_dict()  # fmt: skip


def test_a_rerun_is_served_from_the_cache_and_equals_a_fresh_inspection(setup, monkeypatch) -> None:
    ds, results, store = setup
    fresh = _inspect(ds, results, None)
    assert any(f["kind"] == "nan" for f in fresh["trackers"][0]["findings"])
    assert _inspect(ds, results, store) == fresh  # (stored)

    def no_reading(*args, **kwargs):
        raise AssertionError("a cached inspection read the files again")

    monkeypatch.setattr(inspection_module, "read_files", no_reading)
    assert _inspect(ds, results, store) == fresh


def test_what_the_inspection_depends_on_recomputes(setup, tmp_path: Path) -> None:
    ds, results, store = setup
    first = _inspect(ds, results, store)
    write_rows(results / "trk" / "b.txt", [[10, 20, 30, 40], [11, 21, 30, 40], [12, 22, 30, 40]])  # fixed
    fixed = _inspect(ds, results, store)
    assert fixed != first and fixed == _inspect(ds, results, None)
    assert not any(f["kind"] == "nan" for f in fixed["trackers"][0]["findings"])
    moved = tmp_path / "moved"
    shutil.copytree(results, moved)
    write_rows(moved / "trk" / "c.txt", [[10, 20, 30, 40]])  # short: its path is in the facts
    short = _inspect(ds, moved, store)
    assert any(str(moved) in f["message"] for f in short["trackers"][0]["findings"])
    other = toy_dataset(["a", "b", "c"], lengths=[3, 4, 3])  # the ground truth changed
    assert _inspect(other, results, store) == _inspect(other, results, None) != fixed
    strict = _inspect(ds, moved, store, strict=True)
    assert strict == _inspect(ds, moved, None, strict=True) and strict != short


def test_a_damaged_entry_is_inspected_again(setup) -> None:
    ds, results, store = setup
    fresh = _inspect(ds, results, store)
    entries = list(store.directory.rglob("inspection/*.bin"))
    assert len(entries) == 1
    data = bytearray(entries[0].read_bytes())
    data[-3] ^= 0xFF  # one flipped bit in the payload
    entries[0].write_bytes(bytes(data))
    with pytest.warns(UserWarning):
        assert _inspect(ds, results, store) == fresh


def test_a_file_rewritten_between_hashing_and_reading_is_kept_under_the_bytes_read(setup, monkeypatch) -> None:
    """The inspection of bytes rewritten after the lookup's hashing is stored under those bytes' key: the old
    bytes' key never serves it (b.txt with NaN rows, then fixed, then back)."""
    ds, results, store = setup
    path = results / "trk" / "b.txt"
    old = path.read_bytes()
    real = inspection_module._entry_key

    def rewrite_after_hashing(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        key = real(*args, **kwargs)
        if len(args) < 10 and "digests" not in kwargs:  # the lookup's key, hashed from the files as they are
            write_rows(path, [[10, 20, 30, 40], [11, 21, 30, 40], [12, 22, 30, 40]])
        return key

    monkeypatch.setattr(inspection_module, "_entry_key", rewrite_after_hashing)
    _inspect(ds, results, store)
    monkeypatch.undo()
    assert path.read_bytes() != old
    path.write_bytes(old)
    assert _inspect(ds, results, store) == _inspect(ds, results, None)
