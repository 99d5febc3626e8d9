"""The evaluation cache is keyed by content: a changed byte recomputes, an unchanged rerun hits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.protocols import get_protocol
from odtrack_eval.sequence import Dataset, Sequence


def _write(path: Path, boxes: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join("\t".join(f"{v:g}" for v in row) for row in boxes) + "\n")


@pytest.fixture()
def setup(tmp_path: Path):
    rng = np.random.default_rng(3)
    seqs = [Sequence(f"seq-{i}", np.column_stack([rng.integers(10, 50, (30, 2)), rng.integers(5, 20, (30, 2))]))
            for i in range(4)]  # fmt: skip
    ds = Dataset("toy", "otb", seqs)
    results = tmp_path / "results"
    for s in seqs:
        _write(results / "trk" / f"{s.name}.txt", s.ground_truth + rng.integers(-3, 4, s.ground_truth.shape))
    return ds, results, tmp_path / "cache"


def test_rerun_hits_and_changed_file_recomputes(setup, monkeypatch) -> None:
    ds, results, cache = setup
    first = evaluate_folder(ds, results, get_protocol("odtrack"), cache=cache).results[0].scores()

    import odtrack_eval.evaluation as ev

    calls = []
    real = ev.evaluate_runs
    monkeypatch.setattr(ev, "evaluate_runs", lambda *a, **k: calls.append(1) or real(*a, **k))
    again = evaluate_folder(ds, results, get_protocol("odtrack"), cache=cache).results[0].scores()
    assert again == first and calls == []  # served from the cache

    path = results / "trk" / "seq-2.txt"
    boxes = np.loadtxt(path)
    boxes[5:] += 100  # now far off
    _write(path, boxes)
    changed = evaluate_folder(ds, results, get_protocol("odtrack"), cache=cache).results[0].scores()
    assert calls == [1]
    assert changed["auc"] < first["auc"]
    uncached = evaluate_folder(ds, results, get_protocol("odtrack"), cache=False).results[0].scores()
    assert changed == uncached


def test_protocol_is_part_of_the_key(setup) -> None:
    ds, results, cache = setup
    a = evaluate_folder(ds, results, get_protocol("odtrack"), cache=cache).results[0].curves["success"]
    b = evaluate_folder(ds, results, get_protocol("official"), cache=cache).results[0]
    fresh = evaluate_folder(ds, results, get_protocol("official"), cache=False).results[0]
    np.testing.assert_array_equal(b.curves["success"], fresh.curves["success"])
    assert b.protocol.name == "official" and a.shape == b.curves["success"].shape


@pytest.mark.parametrize("jit", ["1", "0"])
def test_same_size_edit_with_restored_times_is_never_stale(setup, monkeypatch, jit) -> None:
    """The stat signature (paths, sizes, times) only chooses whether to hash or parse first: an edit
    that keeps the size and puts the old times back must still give the new numbers."""
    import os

    monkeypatch.setenv("ODTRACK_EVAL_JIT", jit)
    ds, results, cache = setup
    proto = get_protocol("odtrack")
    first = evaluate_folder(ds, results, proto, cache=cache).results[0].scores()
    assert list(cache.rglob("seen/*")), "the first run leaves its marker"

    import odtrack_eval.evaluation as ev

    calls = []
    real = ev.evaluate_runs
    monkeypatch.setattr(ev, "evaluate_runs", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert evaluate_folder(ds, results, proto, cache=cache).results[0].scores() == first and calls == []

    path = results / "trk" / "seq-1.txt"
    st = path.stat()
    text = path.read_text()
    lines = text.splitlines()
    x = lines[3].split("\t")
    x[0] = x[0][:-1] + str((int(x[0][-1]) + 5) % 10)  # another last digit: same length, other value
    lines[3] = "\t".join(x)
    edited = "\n".join(lines) + "\n"
    assert len(edited) == len(text) and edited != text
    path.write_text(edited)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    changed = evaluate_folder(ds, results, proto, cache=cache).results[0].scores()
    assert calls == [1]
    assert changed == evaluate_folder(ds, results, proto, cache=False).results[0].scores()


def test_copied_results_are_found_by_content(setup, monkeypatch) -> None:
    """Files never seen at this path (new stat signature) but with known content: parsed, then
    found in the cache by their content key, not scored again."""
    import shutil

    ds, results, cache = setup
    proto = get_protocol("odtrack")
    first = evaluate_folder(ds, results, proto, cache=cache).results[0].scores()
    copy = results.parent / "copy"
    shutil.copytree(results, copy)

    import odtrack_eval.evaluation as ev

    calls = []
    real = ev.evaluate_runs
    monkeypatch.setattr(ev, "evaluate_runs", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert evaluate_folder(ds, copy, proto, cache=cache).results[0].scores() == first and calls == []
