"""textio/memo.py: a second load of a benchmark parses nothing and gives the same arrays; any edit is seen."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

import odtrack_eval.hashing as hashing
import odtrack_eval.textio.memo as memo_module
from odtrack_eval.datasets import load_dataset
from odtrack_eval.store import ArrayStore
from tests._spy import count_reads


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    seen: list[Path] = []
    import odtrack_eval.textio as textio

    real = textio.parse_table
    def counting(data: bytes, path: Path, *args: object, **kwargs: object) -> np.ndarray:
        seen.append(Path(path))
        return real(data, path, *args, **kwargs)

    monkeypatch.setattr(textio, "parse_table", counting)
    return seen


def _same(a, b) -> bool:
    return all(
        sa.name == sb.name and sa.ground_truth.tobytes() == sb.ground_truth.tobytes()
        and (sa.visible is None) == (sb.visible is None) and (sa.visible is None or (sa.visible == sb.visible).all())
        for sa, sb in zip(a, b, strict=True)
    ) and len(a) == len(b)


def test_second_load_parses_nothing_and_edits_are_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "annos"
    (root / "absent").mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = []
    for i in range(3):
        name = f"cat-{i + 1}"
        names.append(name)
        gt = rng.integers(1, 100, (25, 4))
        np.savetxt(root / f"{name}.txt", gt, fmt="%d", delimiter=",")
        np.savetxt(root / "absent" / f"{name}.txt", (rng.random(25) < 0.2).astype(int), fmt="%d")
    (root / "testing_set.txt").write_text("\n".join(names) + "\n")
    store = ArrayStore(tmp_path / "cache")
    seen = _parses(monkeypatch)
    cold = load_dataset("lasot", root, cache=store, sequences=names)
    assert len(seen) == 6
    seen.clear()
    warm = load_dataset("lasot", root, cache=store, sequences=names)
    assert seen == [] and _same(cold, warm)
    assert not warm["cat-1"].ground_truth.flags.writeable  # shared with the memo: never written into
    edited = np.loadtxt(root / "cat-2.txt", delimiter=",")
    edited[3, 0] += 7
    np.savetxt(root / "cat-2.txt", edited, fmt="%d", delimiter=",")
    again = load_dataset("lasot", root, cache=store, sequences=names)
    assert [p.name for p in seen] == ["cat-2.txt"]
    assert again["cat-2"].ground_truth[3, 0] == cold["cat-2"].ground_truth[3, 0] + 7
    assert _same(again, load_dataset("lasot", root, cache=False, sequences=names))


def test_a_damaged_memo_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "annos"
    (root / "absent").mkdir(parents=True)
    np.savetxt(root / "cat-1.txt", np.ones((5, 4)), fmt="%d", delimiter=",")
    np.savetxt(root / "absent" / "cat-1.txt", np.zeros(5), fmt="%d")
    store = ArrayStore(tmp_path / "cache")
    first = load_dataset("lasot", root, cache=store, sequences=["cat-1"])
    (entry,) = (tmp_path / "cache").rglob("annotations/*.bin")
    data = bytearray(entry.read_bytes())
    data[-1] ^= 0xFF
    entry.write_bytes(bytes(data))
    seen = _parses(monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        second = load_dataset("lasot", root, cache=store, sequences=["cat-1"])
    assert len(seen) == 2 and _same(first, second) and "checksum" in str(caught[0].message)


def test_the_memo_key_follows_the_parser_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from odtrack_eval.hashing import source_digest

    assert memo_module._PARSER_KEY == source_digest(memo_module._PARSER_MODULES)
    store = ArrayStore(tmp_path)
    a = memo_module.ParseMemo(store, "ns").key
    monkeypatch.setattr(memo_module, "_PARSER_KEY", "another parser")
    assert memo_module.ParseMemo(store, "ns").key != a
    assert memo_module.ParseMemo(store, "other namespace").key != memo_module.ParseMemo(store, "ns").key


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return count_reads(monkeypatch, hashing)


def _annos(root: Path, names: list[str]) -> None:
    (root / "absent").mkdir(parents=True)
    for i, name in enumerate(names):
        (root / f"{name}.txt").write_text("".join(f"{10 + i},{20 + k},30,40\n" for k in range(6)))
        (root / "absent" / f"{name}.txt").write_text("0\n0\n1\n0\n0\n0\n")
    (root / "testing_set.txt").write_text("\n".join(names) + "\n")


def test_files_whose_status_is_unchanged_are_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, names = tmp_path / "annos", ["cat-1", "cat-2"]
    _annos(root, names)
    store = ArrayStore(tmp_path / "cache")
    monkeypatch.setattr(hashing, "RACY_SECONDS", 0.0)  # the files count as settled at once
    load_dataset("lasot", root, cache=store, sequences=names)
    reads = _reads(monkeypatch)
    parses = _parses(monkeypatch)
    warm = load_dataset("lasot", root, cache=store, sequences=names)
    assert reads == [] and parses == []
    assert warm["cat-2"].ground_truth[0].tolist() == [11, 20, 30, 40]

    # An edit that keeps the size (and even the modification time) changes the change time: read again.
    gt = root / "cat-2.txt"
    before = gt.stat()
    gt.write_text(gt.read_text().replace("11,20", "11,29", 1))
    os.utime(gt, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert gt.stat().st_size == before.st_size and gt.stat().st_mtime_ns == before.st_mtime_ns
    edited = load_dataset("lasot", root, cache=store, sequences=names)
    assert reads == ["cat-2.txt"] and [p.name for p in parses] == ["cat-2.txt"]
    assert edited["cat-2"].ground_truth[0].tolist() == [11, 29, 30, 40]

    # A file replaced by a copy of the same bytes is read (a new inode) but not parsed (same content).
    reads.clear(), parses.clear()
    copy = tmp_path / "copy.txt"
    copy.write_bytes((root / "cat-1.txt").read_bytes())
    os.replace(copy, root / "cat-1.txt")
    again = load_dataset("lasot", root, cache=store, sequences=names)
    assert reads == ["cat-1.txt"] and parses == []
    assert _same(again, load_dataset("lasot", root, cache=False, sequences=names))


def test_files_changed_just_before_a_load_are_read_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git's racily-clean rule: a second write in the same timestamp tick would keep the status."""
    root, names = tmp_path / "annos", ["cat-1"]
    _annos(root, names)
    store = ArrayStore(tmp_path / "cache")
    assert hashing.RACY_SECONDS >= 2.0  # (the coarsest common timestamps: FAT's two seconds)
    load_dataset("lasot", root, cache=store, sequences=names)
    reads = _reads(monkeypatch)
    parses = _parses(monkeypatch)
    load_dataset("lasot", root, cache=store, sequences=names)
    assert sorted(reads) == ["cat-1.txt", "cat-1.txt"] and parses == []  # read and hashed, found by content


def test_tables_come_back_bit_for_bit_whatever_the_stored_type(tmp_path: Path) -> None:
    """Integer tables are stored in the smallest exact integer type; -0.0, NaN and fractions stay float64."""
    root = tmp_path / "annos"
    rows = {"cat-1": "1,2,3,4", "cat-2": "300,-200,30,40", "cat-3": "70000,-70000,5,6",
            "cat-4": "-0,0,0.5,1e10", "cat-5": "nan,1,2,3", "cat-6": "4294967296,1,2,3"}  # fmt: skip
    (root / "absent").mkdir(parents=True)
    for name, row in rows.items():
        (root / f"{name}.txt").write_text(f"{row}\n{row}\n")
        (root / "absent" / f"{name}.txt").write_text("0\n0\n")
    (root / "testing_set.txt").write_text("\n".join(rows) + "\n")
    store = ArrayStore(tmp_path / "cache")
    plain = load_dataset("lasot", root, cache=False)
    load_dataset("lasot", root, cache=store)
    warm = load_dataset("lasot", root, cache=store)
    for name in rows:
        assert warm[name].ground_truth.tobytes() == plain[name].ground_truth.tobytes(), name
    edges = [np.zeros(0), np.array([-128.0, 127.0]), np.array([-129.0]), np.array([32767.0, -32768.0]),
             np.array([32768.0]), np.array([2.0**31 - 1, -(2.0**31) + 1]), np.array([2.0**31]), np.array([-0.0]),
             np.array([np.inf]), np.array([1.0, np.nan])]  # fmt: skip
    tables = [plain[n].ground_truth.reshape(-1) for n in rows] + edges
    kinds = memo_module._smallest_exact_types(np.concatenate(tables), np.array([len(t) for t in tables]))
    assert kinds.tolist() == [1, 2, 3, 0, 0, 0] + [1, 1, 2, 2, 3, 3, 0, 0, 0, 0]
