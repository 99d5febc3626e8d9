"""textio/memo.py: a second load of a benchmark parses nothing and gives the same arrays; any edit is seen."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import odtrack_eval.textio.memo as memo_module
from odtrack_eval.datasets import load_dataset
from odtrack_eval.store import ArrayStore


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
