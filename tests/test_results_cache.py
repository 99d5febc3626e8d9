"""Tests for the content-addressed results cache.

The parse-table cache serves the numpy/pandas reader only (the compiled parser is faster than the
cache entries are to write, see ``reader.parse_blobs``), so these tests run with ``ODTRACK_EVAL_JIT=0``;
the last test checks that the compiled path writes no table entries.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import odtrack_eval.results.reader as reader
from odtrack_eval.results import ContentCache, default_cache_dir, discover_trackers, load_run
from odtrack_eval.results.cache import resolve_cache
from odtrack_eval.sequence import Dataset, Sequence

REPO = Path(__file__).resolve().parents[1]


def _tree(root: Path, n: int = 5) -> Dataset:
    for i in range(n):
        (root / "T" / "p").mkdir(parents=True, exist_ok=True)
        (root / "T" / "p" / f"s{i}.txt").write_text("".join(f"{i},{j},{j + 1}.5,4\n" for j in range(6)))
        (root / "T" / "p" / f"s{i}_time.txt").write_text("0.5\n0.25\n" * 3)
    return Dataset("toy", "otb", [Sequence(f"s{i}", np.ones((6, 4))) for i in range(n)])


def _run(root: Path):
    (entry,) = discover_trackers(root / "results")
    return entry.runs[0]


@pytest.fixture(autouse=True)
def _numpy_reader(monkeypatch):
    monkeypatch.setenv("ODTRACK_EVAL_JIT", "0")


@pytest.fixture()
def tree(tmp_path):
    ds = _tree(tmp_path / "results")
    return tmp_path, ds


def _no_parsing(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("parsed although the cache should have answered")

    monkeypatch.setattr(reader, "_parse_batch", boom)


def test_warm_load_uses_the_cache_and_returns_identical_arrays(tree, monkeypatch):
    root, ds = tree
    cache = ContentCache(root / "cache")
    cold = load_run(_run(root), ds, cache=cache)
    assert len(list((root / "cache").rglob("*.npy"))) == 2  # one entry for boxes, one for times
    _no_parsing(monkeypatch)
    warm = load_run(_run(root), ds, cache=cache)
    for name in ds.names:
        np.testing.assert_array_equal(warm.boxes[name], cold.boxes[name])
        np.testing.assert_array_equal(warm.times[name], cold.times[name])
        assert warm.boxes[name].dtype == np.float64


def test_changing_one_byte_gives_new_values_not_stale_ones(tree):
    root, ds = tree
    cache = ContentCache(root / "cache")
    before = load_run(_run(root), ds, cache=cache)
    path = root / "results" / "T" / "p" / "s3.txt"
    stat = path.stat()
    data = bytearray(path.read_bytes())
    second_line = data.index(b"\n") + 1
    assert data[second_line : second_line + 1] == b"3"
    data[second_line : second_line + 1] = b"7"  # same size, old mtime put back: only the content differs
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    after = load_run(_run(root), ds, cache=cache)
    assert before.boxes["s3"][1, 0] == 3 and after.boxes["s3"][1, 0] == 7
    np.testing.assert_array_equal(after.boxes["s2"], before.boxes["s2"])


def test_cache_is_keyed_by_content_not_by_file_names(tmp_path, monkeypatch):
    ds_a = _tree(tmp_path / "a" / "results")
    _tree(tmp_path / "b" / "results")  # identical bytes in another folder
    cache = ContentCache(tmp_path / "cache")
    load_run(_run(tmp_path / "a"), ds_a, cache=cache)
    _no_parsing(monkeypatch)
    other = load_run(_run(tmp_path / "b"), ds_a, cache=cache)
    assert other.paths["s0"].is_relative_to(tmp_path / "b")


def test_cache_false_or_none_writes_nothing(tree, monkeypatch):
    root, ds = tree
    monkeypatch.setenv("ODTRACK_EVAL_CACHE", str(root / "envcache"))
    for option in (False, None):
        load_run(_run(root), ds, cache=option)
    assert not (root / "envcache").exists()
    load_run(_run(root), ds)  # default: on, in the env var's folder
    assert list((root / "envcache").rglob("*.npy"))


def test_default_location_is_env_var_or_user_cache_never_the_source_tree(monkeypatch, tmp_path):
    monkeypatch.setenv("ODTRACK_EVAL_CACHE", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x"
    monkeypatch.delenv("ODTRACK_EVAL_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "odtrack-eval"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "odtrack-eval"
    assert not default_cache_dir().resolve().is_relative_to(REPO)
    assert resolve_cache(tmp_path / "c").directory == tmp_path / "c"
    assert resolve_cache(True).directory == default_cache_dir()


def test_corrupt_entry_is_a_miss_and_is_rewritten(tree):
    root, ds = tree
    cache = ContentCache(root / "cache")
    cold = load_run(_run(root), ds, cache=cache)
    for entry in (root / "cache").rglob("*.npy"):
        entry.write_bytes(entry.read_bytes()[:100])  # truncated
    again = load_run(_run(root), ds, cache=cache)
    np.testing.assert_array_equal(again.boxes["s4"], cold.boxes["s4"])
    assert all(p.stat().st_size > 100 for p in (root / "cache").rglob("*.npy"))


def test_writes_leave_no_temporary_files(tree):
    root, ds = tree
    load_run(_run(root), ds, cache=root / "cache")
    names = [p.name for p in (root / "cache").rglob("*") if p.is_file()]
    assert names and not [n for n in names if n.startswith(".tmp-")]


def test_unwritable_cache_warns_and_still_loads(tree):
    root, ds = tree
    blocker = root / "blocker"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(UserWarning, match="could not write the results cache"):
        result = load_run(_run(root), ds, cache=blocker / "cache")
    assert result.boxes["s1"][0].tolist() == [1, 0, 1.5, 4]


def test_key_depends_on_bytes_order_and_salt():
    key = ContentCache.key
    assert key([b"ab", b"c"], "s") == key([b"ab", b"c"], "s")
    assert (
        len(
            {
                key([b"ab", b"c"], "s"),
                key([b"a", b"bc"], "s"),
                key([b"c", b"ab"], "s"),
                key([b"ab", b"c"], "t"),
            }
        )
        == 4
    )


def test_compiled_reader_writes_no_table_entries(tree, monkeypatch):
    pytest.importorskip("numba", reason="the compiled reader needs numba")
    monkeypatch.setenv("ODTRACK_EVAL_JIT", "1")
    root, ds = tree
    result = load_run(_run(root), ds, cache=root / "cache")
    assert result.boxes["s2"][1].tolist() == [2, 1, 2.5, 4]
    assert not list((root / "cache").rglob("*.npy"))
