"""VOT2020 multistart analysis: equal to vot-toolkit 0.9.0's own analysis of the same results.

Expected values come from (a) vot-toolkit's analysis processor run in-process on a workspace built
from the same files (``odtrack_eval.vot.reference``), (b) vot-toolkit's ``calculate_overlap`` on the
regions it reads itself, and (c) hand arithmetic / the toy example measured in protocols.md §9.5.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.datasets import load_dataset
from odtrack_eval.errors import FormatError, ResultsError
from odtrack_eval.metrics.multistart import Run, eao_curve, failure_progress
from odtrack_eval.protocols import get_protocol
from odtrack_eval.regions import batch, batch_overlap, decode
from odtrack_eval.regions import region as rg
from odtrack_eval.regions.overlap import region_overlap
from odtrack_eval.results import vot_workspace as ws
from odtrack_eval.vot import reference, synthetic
from odtrack_eval.vot.analysis import evaluate_results, evaluate_tracker
from tests.fixtures.vot import make_vot

pytest.importorskip("vot.analysis.multistart", reason="vot-toolkit (reference) not installed")

VOT2020 = get_protocol("vot2020")
LEGACY = get_protocol("vot2020-legacy")


@pytest.fixture(scope="module")
def synthetic_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    w = tmp_path_factory.mktemp("votws")
    synthetic.make_dataset(w / "sequences", num_sequences=5, lengths=(30, 260), spacing=30, seed=1)
    synthetic.make_results(w / "sequences", w / "results", "trk_mask", style="mask", seed=2, binary=True)
    synthetic.make_results(w / "sequences", w / "results", "trk_rect", style="rect", seed=3, binary=False)
    synthetic.make_results(w / "sequences", w / "results", "trk_mixed", style="mixed", seed=4, binary=False,
                           failure_rate=0.05)  # fmt: skip
    reference.prepare_workspace(w, ["trk_mask", "trk_mixed", "trk_rect"])
    return w


def test_equals_vot_toolkit_analysis(synthetic_workspace: Path) -> None:
    w = synthetic_workspace
    names = ["trk_mask", "trk_mixed", "trk_rect"]
    ref = reference.toolkit_scores(w, names)
    ev = evaluate_results(load_dataset("vot2020", w / "sequences"), w / "results", VOT2020)
    assert not ev.errors
    assert sorted(r.tracker for r in ev.results) == names
    for r in ev.results:
        x = ref[r.tracker]
        assert r.eao == pytest.approx(x["eao"], abs=1e-6)
        assert r.accuracy == pytest.approx(x["accuracy"], abs=1e-6)
        assert r.robustness == pytest.approx(x["robustness"], abs=1e-6)
        np.testing.assert_allclose(r.curve, x["curve"], atol=1e-9)
        assert 0 < r.robustness < 1 and r.eao > 0  # the data exercises failures and the EAO interval
    assert any(run.failed for r in ev.results for s in r.sequences for run in s.runs)
    assert max(len(s.runs[0].overlaps) for s in ev.results[0].sequences) > VOT2020.eao_low


def _quirk_results(w: Path, seqs, binary: bool) -> None:
    """Regions that hit every special case: thin masks at the patch origin, empty masks with an offset,
    specials, boxes outside the image, polygons, 1-pixel-wide boxes."""
    rng = np.random.default_rng(7)
    for s in seqs:
        anchors = [i for i, v in enumerate(s.anchors) if v != 0]
        for f in anchors:
            n = s.length - f if s.anchors[f] > 0 else f + 1
            regions: list[rg.Region] = [rg.Special(1)]
            for k in range(1, n):
                c = (k + f) % 9
                if c == 0:
                    regions.append(rg.Mask(np.ones((3, 1), bool), (int(rng.integers(0, 10)), 2)))  # thin at origin
                elif c == 1:
                    regions.append(rg.Mask(np.zeros((2, 3), bool), (5, 6)))  # empty with an offset
                elif c == 2:
                    regions.append(rg.Special(0))
                elif c == 3:
                    regions.append(rg.Rectangle(-5.5, -3.5, 12.5, 9.5))  # partly outside
                elif c == 4:
                    regions.append(rg.Polygon(np.array([[2.0, 3.0], [14.5, 4.0], [10.0, 12.5]])))
                elif c == 5:
                    regions.append(rg.Rectangle(4.0, 4.0, 1.0, 7.0))  # 1 pixel wide
                elif c == 6:
                    m = rng.random((6, 8)) < 0.6
                    regions.append(rg.Mask(m, (int(rng.integers(-4, 30)), int(rng.integers(-4, 20)))))
                else:
                    regions.append(rg.Rectangle(*rng.uniform(0, 20, 2).tolist(), *rng.uniform(2, 12, 2).tolist()))
            out = ws.sequence_dir(w / "results", "quirks", s.name)
            ws.write_trajectory(out / (ws.run_name(s.name, f) + (".bin" if binary else ".txt")), regions)


@pytest.mark.parametrize("binary", [False, True])
def test_fixture_quirks_equal_toolkit(tmp_path: Path, binary: bool) -> None:
    seqs = make_vot(tmp_path)
    for s in seqs:  # every sequence gets anchors (hand02 and drone_across ship none)
        if s.anchors is None:
            s.anchors = [1.0] + [0.0] * (s.length - 2) + [-1.0]
            (tmp_path / "sequences" / s.name / "anchor.value").write_text("".join(f"{v}\n" for v in s.anchors))
    _quirk_results(tmp_path, seqs, binary)
    reference.prepare_workspace(tmp_path, ["quirks"])
    ref = reference.toolkit_scores(tmp_path, ["quirks"])["quirks"]
    ds = load_dataset("vot2020", tmp_path / "sequences")
    ours = evaluate_tracker(ds, tmp_path / "results", "quirks", VOT2020)
    assert ours.accuracy == pytest.approx(ref["accuracy"], abs=1e-9)
    assert ours.robustness == pytest.approx(ref["robustness"], abs=1e-9)
    np.testing.assert_allclose(ours.curve, ref["curve"], atol=1e-9)

    # frame by frame, against the toolkit's calculate_overlap on the regions the toolkit reads itself
    from vot.region import calculate_overlap
    from vot.region.io import read_trajectory
    from vot.workspace import Workspace

    vws = Workspace.load(str(tmp_path))
    for s, score in zip(vws.dataset, ours.sequences, strict=True):
        for run in score.runs:
            p = ws.find_trajectory(
                ws.sequence_dir(tmp_path / "results", "quirks", s.name), ws.run_name(s.name, run.anchor)
            )
            traj = read_trajectory(str(p))
            frames = run.frames().tolist()
            expected = [calculate_overlap(traj[j], s.groundtruth(f), s.size) for j, f in enumerate(frames)]
            np.testing.assert_allclose(run.overlaps, expected, atol=1e-12, err_msg=f"{s.name} {run.anchor}")


def test_batch_equals_scalar_overlap() -> None:
    rng = np.random.default_rng(3)

    def region() -> rg.Region:
        k = rng.integers(0, 5)
        if k == 0:
            return rg.Special(int(rng.integers(0, 3)))
        if k == 1:
            return rg.Rectangle(*rng.uniform(-10, 40, 2).tolist(), *rng.uniform(-3, 25, 2).tolist())
        if k == 4:
            return rg.Polygon(rng.uniform(-5, 40, (int(rng.integers(3, 6)), 2)))
        h, w = rng.integers(0, 12, 2)
        return rg.Mask(rng.random((h, w)) < rng.random(), (int(rng.integers(-8, 35)), int(rng.integers(-8, 30))))

    preds = [region() for _ in range(400)]
    gts = [region() for _ in range(400)]
    for binary in (False, True):
        data = ws.encode_binary(preds) if binary else "".join(rg.format_region(r) + "\n" for r in preds).encode()
        pb = decode.from_binary(data) if binary else decode.from_text(data)
        view = preds if binary else [rg.toolkit_read(r) for r in preds]
        gb, _ = batch.ground_truth(gts)
        for legacy in (False, True):
            got = batch_overlap.overlaps(pb, gb, np.arange(400), (30, 25), legacy)
            want = [region_overlap(a, rg.toolkit_read(b), (30, 25), legacy) for a, b in zip(view, gts, strict=True)]
            np.testing.assert_allclose(got, want, atol=1e-12)


# ----------------------------------------------------------------------------------------------- hand


def test_eao_toy_example_from_protocols_doc() -> None:
    # protocols.md §9.5: o1 = [0,1,1,1] (success), o2 = [0,.5,0,0] (failed at frame 2), high = 8
    runs = [Run(0, False, np.array([0, 1, 1, 1.0]), 4), Run(0, False, np.array([0, 0.5, 0, 0]), 2)]
    phi, active = eao_curve(runs, 8)
    np.testing.assert_array_equal(active, [0, 2, 2, 2, 1, 1, 1, 1])
    expected = [0, 0.75, 0.625, 0.5833333, 0.1666667, 0.125, 0.1, 0.0833333]
    np.testing.assert_allclose(phi / np.maximum(active, 1), expected, atol=1e-6)


def test_failure_progress_rules() -> None:
    empty = np.zeros(30, bool)
    o = np.full(30, 0.9)
    assert failure_progress(o, empty) == 30
    o[0] = 0.0  # the initialisation frame always counts as a bad frame
    o[1:10] = 0.05
    assert failure_progress(o, empty) == 0
    o = np.full(30, 0.9)
    o[12:22] = 0.1  # <= threshold counts
    assert failure_progress(o, empty) == 12
    e = empty.copy()
    e[16] = True  # an empty ground truth resets the count
    assert failure_progress(o, e) == 30
    o = np.full(30, 0.9)
    o[21:] = 0.0  # only 9 bad frames before the end: no failure
    assert failure_progress(o, empty) == 30


def test_overlap_rule_switch() -> None:
    empty = rg.Mask(np.zeros((0, 0), bool), (0, 0))
    box = rg.Rectangle(2, 2, 5, 5)
    size = (20, 20)
    assert region_overlap(empty, empty, size) == 1.0
    assert region_overlap(empty, empty, size, legacy=True) == 0.0
    assert region_overlap(rg.Special(0), empty, size) == 1.0
    assert region_overlap(rg.Special(0), empty, size, legacy=True) == 0.0
    assert region_overlap(rg.Special(0), box, size) == 0.0
    assert region_overlap(box, box, size) == region_overlap(box, box, size, legacy=True) == 1.0
    # half the box outside the image: only the inside pixels count (25 of the 5x5 box vs a 3x5 part)
    assert region_overlap(rg.Rectangle(-2, 0, 5, 5), rg.Rectangle(0, 0, 3, 5), size) == 1.0


def test_legacy_protocol_changes_empty_frames_only(tmp_path: Path) -> None:
    synthetic.make_dataset(tmp_path / "sequences", num_sequences=2, lengths=(40, 60), spacing=20, seed=5,
                           absent_rate=0.3)  # fmt: skip
    synthetic.make_results(tmp_path / "sequences", tmp_path / "results", "t", style="mask", seed=1)
    ds = load_dataset("vot2020", tmp_path / "sequences")
    cur = evaluate_tracker(ds, tmp_path / "results", "t", VOT2020)
    old = evaluate_tracker(ds, tmp_path / "results", "t", LEGACY)
    assert old.accuracy < cur.accuracy  # empty-vs-empty frames score 0 instead of 1
    for a, b in zip(cur.sequences, old.sequences, strict=True):
        for ra, rb in zip(a.runs, b.runs, strict=True):
            changed = ra.overlaps != rb.overlaps
            gt = ds.sequences[[s.name for s in ds.sequences].index(a.name)].extra["regions"]
            assert all(rg.is_empty(rg.toolkit_read(gt[f])) for f in ra.frames()[changed])
            assert np.all(ra.overlaps[changed] == 1.0) and np.all(rb.overlaps[changed] == 0.0)


def test_tag_accuracy(tmp_path: Path) -> None:
    synthetic.make_dataset(tmp_path / "sequences", num_sequences=2, lengths=(40, 60), spacing=20, seed=2)
    for d in (tmp_path / "sequences").iterdir():
        if d.is_dir():
            n = len((d / "groundtruth.txt").read_text().splitlines())
            (d / "everywhere.tag").write_text("1\n" * n)
            (d / "nowhere.tag").write_text("0\n" * n)
    synthetic.make_results(tmp_path / "sequences", tmp_path / "results", "t", style="rect", seed=1)
    ds = load_dataset("vot2020", tmp_path / "sequences")
    r = evaluate_tracker(ds, tmp_path / "results", "t", VOT2020)
    assert r.tags["everywhere"]["accuracy"] == pytest.approx(r.accuracy, abs=1e-12)
    assert r.tags["everywhere"]["frames"] == sum(s.tracked for s in r.sequences)
    assert r.tags["nowhere"]["frames"] == 0 and math.isnan(r.tags["nowhere"]["accuracy"])
    # occlusion by hand: tracked frames of each run that carry the tag
    occ = {s.name: s.extra["tags"]["occlusion"] for s in ds.sequences}
    num = den = 0.0
    for s in r.sequences:
        for run in s.runs:
            for j in range(run.progress):
                f = run.anchor - j if run.backward else run.anchor + j
                if occ[s.name][f]:
                    num += run.overlaps[j]
                    den += 1
    assert r.tags["occlusion"]["frames"] == den
    assert r.tags["occlusion"]["accuracy"] == pytest.approx(num / den)


# ----------------------------------------------------------------------------------------------- bad input


@pytest.fixture()
def small(tmp_path: Path):
    synthetic.make_dataset(tmp_path / "sequences", num_sequences=2, lengths=(25, 30), spacing=10, seed=3)
    synthetic.make_results(tmp_path / "sequences", tmp_path / "results", "t", style="rect", seed=1, binary=False)
    return load_dataset("vot2020", tmp_path / "sequences"), tmp_path / "results"


def test_incomplete_results_name_the_sequence(small) -> None:
    ds, results = small
    victim = results / "t" / "baseline" / "seq001" / "seq001_00000010.txt"
    victim.unlink()
    with pytest.raises(ResultsError, match=r"seq001.*incomplete.*seq001_00000010"):
        evaluate_tracker(ds, results, "t", VOT2020)
    ev = evaluate_results(ds, results, VOT2020)
    assert "seq001" in ev.errors["t"] and not ev.results


def test_wrong_sequence_folder_names_the_sequence(small) -> None:
    ds, results = small
    base = results / "t" / "baseline"
    (base / "seq000").rename(base / "Seq000")
    with pytest.raises(ResultsError, match=r"'seq000'.*'Seq000'"):
        evaluate_tracker(ds, results, "t", VOT2020)
    ev = evaluate_results(ds, results, VOT2020)
    assert any("Seq000" in w for w in ev.warnings)


def test_nan_boxes_name_sequence_and_line(small) -> None:
    ds, results = small
    p = results / "t" / "baseline" / "seq000" / "seq000_00000000.txt"
    lines = p.read_text().splitlines()
    lines[3] = "nan,2,3,4"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError, match=r"seq000_00000000\.txt:4: sequence 'seq000': NaN"):
        evaluate_tracker(ds, results, "t", VOT2020)


def test_nan_in_binary_and_wrong_length(small) -> None:
    ds, results = small
    d = results / "t" / "baseline" / "seq000"
    n = len((d / "seq000_00000000.txt").read_text().splitlines())
    (d / "seq000_00000000.txt").unlink()
    ws.write_trajectory(d / "seq000_00000000.bin", [rg.Special(1)] + [rg.Rectangle(1, 2, float("nan"), 4)] * (n - 1))
    with pytest.raises(FormatError, match=r"seq000_00000000\.bin.*seq000.*non-finite"):
        evaluate_tracker(ds, results, "t", VOT2020)
    ws.write_trajectory(d / "seq000_00000000.bin", [rg.Special(1)] + [rg.Rectangle(1, 2, 3, 4)] * (n - 2))
    with pytest.raises(FormatError, match=rf"seq000.*{n - 1} regions for the forward run from frame 0.*expected {n}"):
        evaluate_tracker(ds, results, "t", VOT2020)


def test_sequence_without_anchors(small) -> None:
    ds, results = small
    ds.sequences[0].extra["anchors"] = None
    with pytest.raises(ResultsError, match=r"seq000.*anchor"):
        evaluate_tracker(ds, results, "t", VOT2020)
