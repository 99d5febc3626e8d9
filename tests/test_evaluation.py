"""The evaluation cache cannot serve wrong numbers.

Its key covers every byte of the result files, every field of every evaluated sequence's
:class:`SequenceTruth`, the resolved protocol and the evaluation code; its entries are checksummed.
Each test changes one of those (or damages the store) and checks that the numbers equal an
evaluation without cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import odtrack_eval.evaluation as ev
from odtrack_eval.evaluation import EVALUATION_CODE, evaluate_folder
from odtrack_eval.protocols import get_protocol
from odtrack_eval.sequence import Dataset, Sequence
from odtrack_eval.store import ArrayStore


def _write(path: Path, boxes: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join("\t".join(f"{v:g}" for v in row) for row in boxes) + "\n")


def _dataset(rng: np.random.Generator, **extra: object) -> Dataset:
    seqs = [Sequence(f"seq-{i}", np.column_stack([rng.integers(10, 50, (30, 2)), rng.integers(5, 20, (30, 2))]),
                     extra=dict(extra)) for i in range(4)]  # fmt: skip
    return Dataset("toy", "otb", seqs)


@pytest.fixture()
def setup(tmp_path: Path):
    rng = np.random.default_rng(3)
    ds = _dataset(rng)
    results = tmp_path / "results"
    for tracker in ("trk", "other"):
        for s in ds:
            _write(results / tracker / f"{s.name}.txt", s.ground_truth + rng.integers(-3, 4, s.ground_truth.shape))
    return ds, results, ArrayStore(tmp_path / "cache")


@pytest.fixture()
def scored(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts how often the pure scoring step runs (a cache hit does not run it)."""
    calls: list[int] = []
    real = ev.run_statistics
    monkeypatch.setattr(ev, "run_statistics", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def _scores(ds: Dataset, results: Path, cache, protocol: str = "odtrack", **kw) -> dict[str, dict[str, float]]:
    out = evaluate_folder(ds, results, get_protocol(protocol), cache=cache, **kw)
    assert not out.errors, out.errors
    return {r.tracker: r.scores() for r in out.results}


def test_rerun_hits_and_a_changed_file_recomputes(setup, scored) -> None:
    ds, results, cache = setup
    first = _scores(ds, results, cache)
    assert len(scored) == 2
    assert _scores(ds, results, cache) == first and len(scored) == 2  # both from the cache
    path = results / "trk" / "seq-2.txt"
    boxes = np.loadtxt(path)
    boxes[5:] += 100  # now far off
    _write(path, boxes)
    changed = _scores(ds, results, cache)
    assert len(scored) == 3  # only the changed tracker
    assert changed["trk"]["auc"] < first["trk"]["auc"] and changed["other"] == first["other"]
    assert changed == _scores(ds, results, False)


def test_same_size_edit_with_restored_times_is_never_stale(setup, scored) -> None:
    """Nothing but content is looked at: an edit that keeps the size and the file times recomputes."""
    ds, results, cache = setup
    first = _scores(ds, results, cache)
    path = results / "trk" / "seq-1.txt"
    st = path.stat()
    lines = path.read_text().splitlines()
    x = lines[3].split("\t")
    x[0] = x[0][:-1] + str((int(x[0][-1]) + 5) % 10)  # another last digit: same length, other value
    lines[3] = "\t".join(x)
    path.write_text("\n".join(lines) + "\n")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    changed = _scores(ds, results, cache)
    assert len(scored) == 3 and changed != first and changed == _scores(ds, results, False)


def test_copies_are_found_by_content_and_report_their_own_paths(setup, scored, tmp_path: Path) -> None:
    ds, results, cache = setup
    _write(results / "trk" / "seq-0.txt", np.vstack([ds["seq-0"].ground_truth[:20], [[1, 2, 0, 4]] * 10]))
    first = evaluate_folder(ds, results, get_protocol("odtrack"), cache=cache)
    copy = tmp_path / "copy"
    shutil.copytree(results, copy)
    again = evaluate_folder(ds, copy, get_protocol("odtrack"), cache=cache)
    assert len(scored) == 2 and [r.scores() for r in again.results] == [r.scores() for r in first.results]
    assert any("zero width or height" in w for w in first.warnings)
    assert again.warnings == [w.replace(str(results), str(copy)) for w in first.warnings]
    assert all(str(results) not in w for w in again.warnings)


def test_the_protocol_is_part_of_the_key(setup) -> None:
    ds, results, cache = setup
    _scores(ds, results, cache, "odtrack")
    official = evaluate_folder(ds, results, get_protocol("official"), cache=cache)
    fresh = evaluate_folder(ds, results, get_protocol("official"), cache=False)
    assert official.results[0].protocol.name == "official"
    np.testing.assert_array_equal(official.results[0].curves["success"], fresh.results[0].curves["success"])


def test_every_field_the_metrics_read_is_part_of_the_key(tmp_path: Path, scored) -> None:
    """GOT-10k's cover labels and image size, the visibility, the ground truth: change one, recompute."""
    rng = np.random.default_rng(5)
    n = 30
    cover = rng.integers(1, 9, n)
    base = dict(cover=cover, image_size=(80.0, 60.0))
    seqs = [Sequence(f"s{i}", np.column_stack([rng.integers(10, 40, (n, 2)), rng.integers(5, 20, (n, 2))]),
                     visible=np.ones(n, dtype=bool), extra=dict(base)) for i in range(3)]  # fmt: skip
    results = tmp_path / "r"
    for s in seqs:
        _write(results / "trk" / f"{s.name}.txt", s.ground_truth + rng.integers(-4, 5, s.ground_truth.shape))
    cache = ArrayStore(tmp_path / "c")
    proto = "got10k-val"

    def check(dataset: Dataset, expect_miss: bool) -> dict:
        before = len(scored)
        cached = _scores(dataset, results, cache, proto)
        assert len(scored) == before + expect_miss
        assert cached == _scores(dataset, results, False, proto)
        return cached

    def variant(i: int, **changes: object) -> Dataset:
        out = []
        for j, s in enumerate(seqs):
            extra, gt, vis = dict(s.extra), s.ground_truth, s.visible
            if j == i:
                extra.update({k: v for k, v in changes.items() if k in ("cover", "image_size")})
                gt = changes.get("gt", gt)  # type: ignore[assignment]
                vis = changes.get("visible", vis)  # type: ignore[assignment]
            out.append(Sequence(s.name, gt, visible=vis, extra=extra))
        return Dataset("toy", "got10k", out)

    first = check(variant(-1), expect_miss=True)
    assert check(variant(-1), expect_miss=False) == first
    zero_cover = cover.copy()
    zero_cover[::3] = 0  # those frames no longer count (visibility unchanged)
    half_visible = np.arange(n) % 2 == 0
    for changed in (variant(1, cover=zero_cover), variant(2, image_size=(40.0, 30.0)),
                    variant(0, gt=seqs[0].ground_truth + 1), variant(0, visible=half_visible)):  # fmt: skip
        check(changed, expect_miss=True)
    assert check(variant(-1), expect_miss=False) == first


def test_a_change_of_evaluation_code_changes_every_key(setup, scored, monkeypatch) -> None:
    ds, results, cache = setup
    first = _scores(ds, results, cache)
    assert len(scored) == 2
    assert ev._CODE_KEY.startswith(ev.source_digest(EVALUATION_CODE))
    monkeypatch.setattr(ev, "_CODE_KEY", "edited metric code")
    assert _scores(ds, results, cache) == first and len(scored) == 4  # recomputed, not served


def test_source_digest_changes_when_a_source_file_changes(tmp_path: Path, monkeypatch) -> None:
    from odtrack_eval.hashing import source_digest

    pkg = tmp_path / "fakepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "metric.py").write_text("SCALE = 100\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = source_digest(("fakepkg",))
    (pkg / "metric.py").write_text("SCALE = 101\n")
    source_digest.cache_clear()
    assert source_digest(("fakepkg",)) != first


def test_the_key_covers_every_module_an_evaluation_runs(tmp_path: Path) -> None:
    """Every package module imported by an evaluation either computes numbers (then its source is in
    EVALUATION_CODE) or is listed here with the reason it cannot change a number."""
    cannot_change_numbers = {
        "odtrack_eval": "version string only",
        "odtrack_eval.backend": "picks between implementations that give the same bits (tested)",
        "odtrack_eval.hashing": "builds keys",
        "odtrack_eval.store": "stores and verifies entries",
        "odtrack_eval.system": "counts CPUs",
        "odtrack_eval.sequence": "its data enter the key through SequenceTruth",
        "odtrack_eval.results": "package of the stages below",
        "odtrack_eval.results.layout": "lists files; which file is which sequence enters the key",
        "odtrack_eval.results.selection": "picks trackers",
        "odtrack_eval.results.reading": "reads bytes; their digests are the key",
    }
    (tmp_path / "res" / "trk").mkdir(parents=True)
    (tmp_path / "res" / "trk" / "a.txt").write_text("10,10,20,20\n" * 5)
    code = (
        "import sys, numpy as np\n"
        "from odtrack_eval.evaluation import evaluate_folder\n"
        "from odtrack_eval.protocols import get_protocol\n"
        "from odtrack_eval.sequence import Dataset, Sequence\n"
        "ds = Dataset('toy', 'otb', [Sequence('a', np.array([[10.0, 10, 20, 20]] * 5))])\n"
        f"evaluate_folder(ds, {str(tmp_path / 'res')!r}, get_protocol('odtrack'), cache=False)\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('odtrack_eval')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    covered = [m for m in out if any(m == c or m.startswith(c + ".") for c in EVALUATION_CODE)]
    uncovered = sorted(set(out) - set(covered) - set(cannot_change_numbers))
    assert uncovered == [], f"modules that run in an evaluation but are not in its cache key: {uncovered}"


def _entry_files(cache: ArrayStore) -> list[Path]:
    return sorted((cache.directory).rglob("ope/*.bin"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1] + bytes([b[-1] ^ 0x01]),  # one flipped bit in the data
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b"\0" * 16 + b[16:],  # header overwritten
    ],
)
def test_damaged_entries_are_recomputed_with_one_warning(setup, scored, damage) -> None:
    ds, results, cache = setup
    first = _scores(ds, results, cache)
    for path in _entry_files(cache):
        path.write_bytes(damage(path.read_bytes()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = _scores(ds, results, cache)
    assert again == first and len(scored) == 4
    assert len(caught) == 1 and "ignored and recomputed" in str(caught[0].message)
    assert _scores(ds, results, cache) == first and len(scored) == 4  # repaired: hits again


def test_swapped_entries_never_give_one_tracker_the_others_numbers(setup, scored) -> None:
    ds, results, cache = setup
    first = _scores(ds, results, cache)
    assert first["trk"] != first["other"]
    a, b = _entry_files(cache)
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _scores(ds, results, cache) == first
    assert len(scored) == 4


def test_an_unusable_cache_folder_never_stops_an_evaluation(setup, tmp_path: Path) -> None:
    ds, results, _ = setup
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(UserWarning, match="could not write the results cache"):
        assert _scores(ds, results, blocker / "cache") == _scores(ds, results, False)


def test_a_changed_time_file_recomputes_fps(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    seqs = [Sequence(f"seq-{i}", rng.integers(5, 40, (20, 4)).astype(np.float64)) for i in range(3)]
    ds = Dataset("toy", "otb", seqs)
    trk = tmp_path / "results" / "trk"
    trk.mkdir(parents=True)
    for s in seqs:
        np.savetxt(trk / f"{s.name}.txt", s.ground_truth, fmt="%g", delimiter=",")
        np.savetxt(trk / f"{s.name}_time.txt", np.full(20, 0.01), fmt="%g")
    proto, cache = get_protocol("odtrack"), tmp_path / "cache"
    assert evaluate_folder(ds, tmp_path / "results", proto, cache=cache).results[0].fps == pytest.approx(100)
    np.savetxt(trk / "seq-1_time.txt", np.full(20, 0.1), fmt="%g")
    os.utime(trk / "seq-1_time.txt", (0, 0))  # the key must not depend on times either way
    again = evaluate_folder(ds, tmp_path / "results", proto, cache=cache).results[0].fps
    assert again == pytest.approx(3 * 19 / (2 * 19 * 0.01 + 19 * 0.1))  # tracked frames / their time, pooled


def test_an_empty_store_is_not_looked_up_and_a_rerun_only_hashes(setup, scored, monkeypatch) -> None:
    ds, results, cache = setup
    lookups: list[int] = []
    real_digest = ev.digest_files
    monkeypatch.setattr(ev, "digest_files", lambda paths: lookups.append(len(paths)) or real_digest(paths))
    first = _scores(ds, results, cache)
    assert lookups == []  # nothing was stored when the evaluation started: each file read and parsed once
    lookups.clear()
    parses: list[int] = []
    real_read = ev.read_files
    monkeypatch.setattr(ev, "read_files", lambda *a, **k: parses.append(1) or real_read(*a, **k))
    assert _scores(ds, results, cache) == first
    assert lookups == [4, 4] and parses == []  # a rerun hashes each tracker's files and parses nothing


def test_ground_truth_edited_in_place_between_evaluations_is_seen(setup, tmp_path: Path) -> None:
    """Nothing derived from the ground truth outlives an evaluation: editing the arrays in place (a user
    correcting annotations in a notebook) changes the next evaluation, cached or not."""
    ds, results, cache = setup
    before = _scores(ds, results, cache)
    assert _scores(ds, results, False) == before
    for seq in ds:
        seq.ground_truth[:, 0] += 40  # (in place: the same array objects)
    moved = _scores(ds, results, False)
    assert moved["trk"]["auc"] < before["trk"]["auc"] - 10
    assert _scores(ds, results, cache) == moved  # the store is keyed by the edited content


def test_a_kernel_changed_on_disk_after_its_code_was_hashed_is_refused(tmp_path: Path, monkeypatch) -> None:
    from odtrack_eval import hashing

    module = tmp_path / "fake_kernel.py"
    module.write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    hashing.source_digest.cache_clear()
    hashing.source_digest(("fake_kernel",))
    hashing.check_unchanged(module)  # as hashed: fine
    module.write_text("X = 2\n")  # an update installed while the process runs
    with pytest.raises(hashing.CodeChangedError, match="changed on disk"):
        hashing.check_unchanged(module)
    hashing.source_digest.cache_clear()
