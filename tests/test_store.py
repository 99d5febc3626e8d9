"""store.py: what get returns is exactly what put stored under that key, or nothing (with one warning);
clearing deletes only the store's own entry files."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.store import FORMAT_VERSION, MARKER, ArrayStore, resolve_store

KEY_A = "a" * 64
KEY_B = "b" * 64


def _arrays() -> list[np.ndarray]:
    return [
        np.arange(7, dtype=np.float64) / 3,
        np.array(["x", "warning: ü"]),
        np.zeros((0, 4)),
        np.arange(12, dtype=np.int64).reshape(3, 4),
        np.array([True, False]),
        np.array(1.5),
    ]


def _same(got: tuple[np.ndarray, ...] | None, want: list[np.ndarray]) -> bool:
    return got is not None and len(got) == len(want) and all(
        g.dtype == w.dtype and g.shape == w.shape and g.tobytes() == w.tobytes() for g, w in zip(got, want, strict=True)
    )


def _get_warned(store: ArrayStore, key: str) -> tuple[object, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = store.get("ope", key)
    return got, [str(w.message) for w in caught]


def test_round_trip_and_absent_keys(tmp_path: Path) -> None:
    store = ArrayStore(tmp_path / "c")
    assert store.get("ope", KEY_A) is None  # absent: a plain miss, no warning
    store.put("ope", KEY_A, _arrays())
    assert _same(store.get("ope", KEY_A), _arrays())
    assert store.get("figures", KEY_A) is None  # kinds are separate
    assert (tmp_path / "c" / MARKER).is_file()
    with pytest.raises(TypeError):
        store.put("ope", KEY_B, [np.array([object()])])
    with pytest.raises(ValueError):
        store.path("ope", "../../etc")


@pytest.mark.parametrize(
    "damage, why",
    [
        (lambda b: b[:-5], "truncated"),
        (lambda b: b + b"x", "extra bytes"),
        (lambda b: b[:40] + bytes([b[40] ^ 1]) + b[41:], "another key"),  # inside the stored key
        (lambda b: b[:-3] + bytes([b[-3] ^ 0x10]) + b[-2:], "checksum"),  # one flipped bit of data
        (lambda b: b"NOTOURS!" + b[8:], "header"),
        (lambda b: b"", "header"),
    ],
)
def test_damaged_entries_are_misses_with_one_warning(tmp_path: Path, damage, why: str) -> None:
    store = ArrayStore(tmp_path)
    store.put("ope", KEY_A, _arrays())
    path = store.path("ope", KEY_A)
    path.write_bytes(damage(path.read_bytes()))
    got, messages = _get_warned(store, KEY_A)
    assert got is None and len(messages) == 1 and why in messages[0] and str(path) in messages[0]
    store.put("ope", KEY_A, _arrays())  # the caller recomputes and overwrites
    assert _same(store.get("ope", KEY_A), _arrays())


def test_an_entry_copied_over_another_keys_file_is_refused(tmp_path: Path) -> None:
    store = ArrayStore(tmp_path)
    store.put("ope", KEY_A, [np.array([1.0])])
    store.put("ope", KEY_B, [np.array([2.0])])
    store.path("ope", KEY_B).write_bytes(store.path("ope", KEY_A).read_bytes())
    got, messages = _get_warned(store, KEY_B)
    assert got is None and "belongs to another key" in messages[0]
    assert store.get("ope", KEY_A)[0].tolist() == [1.0]  # type: ignore[index]


def test_a_payload_with_a_forged_checksum_cannot_execute_or_crash(tmp_path: Path) -> None:
    """A well-formed entry whose description asks for an object dtype is refused, not unpickled."""
    from blake3 import blake3

    import odtrack_eval.store as store_module

    store = ArrayStore(tmp_path)
    meta = b'[["|O", [1], 0]]'
    payload = len(meta).to_bytes(4, "little") + meta + b"\0" * 64
    head = store_module._MAGIC + KEY_A.encode() + len(payload).to_bytes(8, "little") + blake3(payload).digest()
    path = store.path("ope", KEY_A)
    path.parent.mkdir(parents=True)
    path.write_bytes(head + payload)
    got, messages = _get_warned(store, KEY_A)
    assert got is None and "unreadable payload" in messages[0]


def test_only_one_warning_per_store_and_unreadable_entries(tmp_path: Path) -> None:
    store = ArrayStore(tmp_path)
    for key in (KEY_A, KEY_B):
        store.put("ope", key, [np.array([1.0])])
        store.path("ope", key).write_bytes(b"garbage")
    first, messages = _get_warned(store, KEY_A)
    second, more = _get_warned(store, KEY_B)
    assert first is None and second is None and len(messages) == 1 and more == []
    folder_store = ArrayStore(tmp_path / "other")
    folder_store.path("ope", KEY_A).mkdir(parents=True)  # a folder where the entry should be
    got, messages = _get_warned(folder_store, KEY_A)
    assert got is None and "cannot be read" in messages[0]


def test_failed_writes_warn_once_and_never_raise(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = ArrayStore(blocker / "cache")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store.put("ope", KEY_A, [np.array([1.0])])
        store.put("ope", KEY_B, [np.array([1.0])])
    assert len(caught) == 1 and "could not write the results cache" in str(caught[0].message)
    assert store.get("ope", KEY_A) is None


def test_a_folder_holding_other_files_is_never_written_into(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    store = ArrayStore(home)
    with pytest.warns(UserWarning, match="not odtrack-eval's"):
        store.put("ope", KEY_A, [np.array([1.0])])
    assert sorted(p.name for p in home.iterdir()) == ["Documents"]


def test_clear_refuses_a_folder_without_the_marker_and_deletes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("secret")
    (home / FORMAT_VERSION).mkdir()
    (home / FORMAT_VERSION / ("c" * 64 + ".bin")).write_text("looks like an entry")
    with pytest.raises(ValueError, match="not an odtrack-eval cache"):
        ArrayStore(home).clear()
    assert (home / ".ssh" / "id_rsa").read_text() == "secret"
    assert (home / FORMAT_VERSION / ("c" * 64 + ".bin")).exists()


def test_clear_deletes_only_entries_and_never_follows_links(tmp_path: Path) -> None:
    store = ArrayStore(tmp_path / "cache")
    store.put("ope", KEY_A, [np.array([1.0])])
    store.put("figures", KEY_B, [np.array([1.0])])
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / ("d" * 64 + ".bin")).write_text("named like an entry, but not ours")
    (outside / "notes.txt").write_text("keep me")
    kind_dir = store.path("ope", KEY_A).parent
    os.symlink(outside, kind_dir / "linked")
    os.symlink(outside / "notes.txt", kind_dir / ("e" * 64 + ".bin"))
    (kind_dir / "README").write_text("a file that is not an entry")
    report = store.clear()
    assert report.removed == 2 and report.failed == 0
    assert sorted(p.name for p in outside.iterdir()) == ["d" * 64 + ".bin", "notes.txt"]
    assert (outside / "notes.txt").read_text() == "keep me"
    assert (kind_dir / "README").exists()  # not recognised as an entry: left alone


def test_clear_stale_keeps_the_current_format_and_counts_what_it_cannot_remove(tmp_path: Path) -> None:
    store = ArrayStore(tmp_path / "cache")
    store.put("ope", KEY_A, [np.array([1.0])])
    old = tmp_path / "cache" / "tables-v3"
    (old / "seen").mkdir(parents=True)
    (old / (KEY_B + ".npy")).write_bytes(b"x" * 1500)
    (old / "seen" / KEY_B).write_bytes(b"")
    report = store.clear(stale_only=True)
    assert (report.removed, report.freed_bytes) == (2, 1500) and not old.exists()
    assert store.get("ope", KEY_A) is not None
    usage = store.usage()
    assert [u[0] for u in usage] == [FORMAT_VERSION] and usage[0][1] == 1
    kind_dir = store.path("ope", KEY_A).parent

    def refuse(path: str) -> None:  # a read-only folder (chmod does not stop root, who runs CI)
        raise PermissionError(13, "Permission denied", path)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "unlink", refuse)
        report = store.clear()
    assert report.removed == 0 and report.failed == 1 and str(kind_dir) in (report.first_error or "")
    assert "Permission denied" in (report.first_error or "")


def test_resolve_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_store(False) is None and resolve_store(None) is None
    monkeypatch.setenv("ODTRACK_EVAL_CACHE", str(tmp_path / "env"))
    assert resolve_store(True).directory == tmp_path / "env"  # type: ignore[union-attr]
    assert resolve_store(tmp_path / "x").directory == tmp_path / "x"  # type: ignore[union-attr]
    store = ArrayStore(tmp_path / "y")
    assert resolve_store(store) is store


def test_holds_says_whether_a_kind_has_entries(tmp_path: Path) -> None:
    store = ArrayStore(tmp_path / "c")
    assert not store.holds("ope")
    store.put("figures", KEY_A, [np.array([1.0])])
    assert not store.holds("ope") and store.holds("figures")
    store.put("ope", KEY_B, [np.array([1.0])])
    assert store.holds("ope")


def test_a_folder_that_only_looks_like_a_cache_is_neither_adopted_nor_emptied(tmp_path: Path) -> None:
    """Someone's own `v1/objects/<64 hex>` folder: not an earlier cache of ours, so the store refuses the
    folder; and in a real cache folder, files outside the exact places entries go are never deleted."""
    theirs = tmp_path / "adopt" / "v1" / "objects" / ("e" * 64)
    theirs.parent.mkdir(parents=True)
    theirs.write_text("their data")
    store = ArrayStore(tmp_path / "adopt")
    with pytest.warns(UserWarning, match="not odtrack-eval's"):
        store.put("ope", KEY_A, [np.array([1.0])])
    assert not store.is_ours() and theirs.read_text() == "their data"
    ours = ArrayStore(tmp_path / "cache")
    ours.put("ope", KEY_A, [np.array([1.0])])
    deep = tmp_path / "cache" / FORMAT_VERSION / "ope" / "nested" / (KEY_B + ".bin")
    deep.parent.mkdir()
    deep.write_text("not where entries go")
    report = ours.clear()
    assert report.removed == 1 and deep.read_text() == "not where entries go"
