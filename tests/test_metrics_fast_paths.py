"""The speed-ups of the evaluation path give the same bits as the plain formulations they replace.

Each reference below is written out with plain numpy (searchsorted, whole-array expressions, one
``validate`` per file, sequential hashing), independently of the code under test.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from blake3 import blake3

from odtrack_eval.boxes import center_errors, iou_g10k, iou_pysot
from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.metrics.ope import _threshold_index
from odtrack_eval.protocols import _grid, get_protocol
from odtrack_eval.results.cache import blob_digest, digest_files, read_and_digest
from odtrack_eval.results.reader import RunResults, validate, validate_run
from odtrack_eval.sequence import Dataset, Sequence

GRIDS = [
    "success_torch",
    "success_linspace21",
    "success_linspace101",
    "success_matlab",
    "pixels_0_50",
    "pixels_linspace21",
    "norm_hundredths",
    "norm_linspace51",
    "norm_linspace21",
]


@pytest.mark.parametrize("name", GRIDS)
@pytest.mark.parametrize("side", ["left", "right"])
def test_threshold_index_equals_searchsorted(name: str, side: str) -> None:
    rng = np.random.default_rng(7)
    g = _grid(name)
    near = [g, np.nextafter(g, np.inf), np.nextafter(g, -np.inf), g * (1 + 1e-15), g * (1 - 1e-15)]
    top = float(g[-1])
    values = np.concatenate(
        [
            *near,
            rng.random(50_000) * top * 1.3 - 0.1 * top,
            np.round(rng.random(5_000) * top * 120) / 100,  # many exact hundredths / twentieths
            np.round(rng.random(5_000) * top * 24) / 20,
            [0.0, -0.0, np.inf, -np.inf, 1e300, -1e300, 5e-324, -5e-324, 1e15, 2.0**53],
        ]
    )
    got = _threshold_index(g, values, side)
    want = np.searchsorted(g, values, side=side)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    # NaN gives some count in range (callers override it).
    nan = _threshold_index(g, np.array([np.nan]), side)
    assert 0 <= nan[0] <= len(g)


def test_threshold_index_falls_back_for_irregular_grids() -> None:
    g = np.array([0.0, 0.1, 0.5, 0.55, 2.0])
    v = np.random.default_rng(1).random(1000) * 2.5
    for side in ("left", "right"):
        np.testing.assert_array_equal(_threshold_index(g, v, side), np.searchsorted(g, v, side=side))


def _boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    b = np.column_stack([rng.random((n, 2)) * 300 - 20, rng.random((n, 2)) * 80])
    b[::7] = np.round(b[::7])
    b[3::11, 2] = 0.0
    b[5::13, 3] = -2.0
    b[8::17, 0] = np.nan
    b[9::19, 2] = np.inf
    return b


def test_center_errors_and_iou_match_plain_formulas() -> None:
    rng = np.random.default_rng(11)
    for order in ("C", "F"):
        pred = np.array(_boxes(rng, 4000), order=order)
        gt = np.array(_boxes(rng, 4000), order=order)
        with np.errstate(all="ignore"):
            pcx, pcy = pred[:, 0] + 0.5 * (pred[:, 2] - 1.0), pred[:, 1] + 0.5 * (pred[:, 3] - 1.0)
            gcx, gcy = gt[:, 0] + 0.5 * (gt[:, 2] - 1.0), gt[:, 1] + 0.5 * (gt[:, 3] - 1.0)
            dx, dy = pcx - gcx, pcy - gcy
            ce = np.sqrt(dx * dx + dy * dy)
            gw, gh = gt[:, 2], gt[:, 3]
            want = {
                "pyt": (pcx / gw - gcx / gw, pcy / gh - gcy / gh),
                "g10k": (dx / np.maximum(gw, 1.0), dy / np.maximum(gh, 1.0)),
                "pysot": (dx / (gw + 1e-16), dy / (gh + 1e-16)),
            }
            left = np.maximum(pred[:, 0], gt[:, 0])
            right = np.minimum(pred[:, 0] + pred[:, 2], gt[:, 0] + gt[:, 2])
            top = np.maximum(pred[:, 1], gt[:, 1])
            bottom = np.minimum(pred[:, 1] + pred[:, 3], gt[:, 1] + gt[:, 3])
            inter = np.maximum(right - left, 0) * np.maximum(bottom - top, 0)
            union = pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter
            iou_ref = np.clip(inter / (union + np.finfo(np.float64).eps), 0.0, 1.0)
            pysot_ref = np.clip(inter / union, 0.0, 1.0)
            for variant, (ndx, ndy) in want.items():
                got_ce, got_nce = center_errors(pred, gt, variant)
                assert got_ce.tobytes() == ce.tobytes()
                assert got_nce.tobytes() == np.sqrt(ndx * ndx + ndy * ndy).tobytes()
            assert iou_g10k(pred, gt).tobytes() == iou_ref.tobytes()
            assert iou_pysot(pred, gt).tobytes() == pysot_ref.tobytes()
    # Integer boxes keep numpy's own promotion.
    ib = np.array([[1, 2, 3, 4], [0, 0, 5, 5]])
    assert iou_g10k(ib, ib).dtype == np.float64


def test_validate_run_finds_exactly_what_per_file_validate_finds(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    seqs, boxes = [], {}
    for i in range(40):
        n = int(rng.integers(3, 60))
        gt = np.column_stack([rng.random((n, 2)) * 100 + 5, rng.random((n, 2)) * 40 + 2])
        if i % 9 == 4:
            gt[n // 2] = np.nan
        seqs.append(Sequence(f"s{i}", gt))
        b = gt + rng.normal(0, 2, gt.shape)
        kind = i % 8
        if kind == 1:
            b[n // 3, 1] = np.nan
        elif kind == 2:
            b[0, 3] = -1.0
        elif kind == 3:
            b[-1, 2] = 0.0
        elif kind == 4:
            b = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1)  # corners
        elif kind == 5:
            b = b[: max(1, n - 2)]
        elif kind == 6:
            b = np.concatenate([b, [[1.0, 2.0, np.nan, 4.0], [1.0, 1.0, -3.0, 1.0]]])
        elif kind == 7:
            b[2, 0] = np.inf
        boxes[seqs[-1].name] = b
    ds = Dataset("toy", "otb", seqs)
    paths = {n: tmp_path / f"{n}.txt" for n in boxes}
    run = RunResults(None, boxes, paths)
    want = [str(f) + f.kind for n in boxes for f in validate(boxes[n], ds[n].ground_truth, paths[n])]
    assert want  # the toy run does have findings of several kinds
    assert [str(f) + f.kind for f in validate_run(run, ds)] == want
    # Twice: the second call uses the memoized ground-truth mask when the run covers the dataset.
    full = RunResults(None, {n: ds[n].ground_truth + 0.5 for n in ds.names}, paths)
    for _ in range(2):
        assert validate_run(full, ds) == [
            f for n in ds.names for f in validate(full.boxes[n], ds[n].ground_truth, paths[n])
        ]


def test_read_and_digest_match_sequential_reads(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    paths = []
    for i in range(30):
        p = tmp_path / f"f{i}.txt"
        p.write_bytes(rng.bytes(int(rng.integers(0, 200_000))))
        paths.append(p)
    datas, digests = read_and_digest(paths)
    assert datas == [p.read_bytes() for p in paths]
    seq = [blake3(len(d).to_bytes(8, "little") + d).digest() for d in datas]
    assert digests == seq == [blob_digest(d) for d in datas]
    assert digest_files(paths) == seq
    missing = tmp_path / "nope.txt"
    with pytest.raises(OSError):
        digest_files([*paths[:10], missing])
    with pytest.raises(OSError):
        read_and_digest([missing, *paths[:10]])


def test_changed_time_file_recomputes_fps(tmp_path: Path) -> None:
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
    assert again == pytest.approx((100 + 10 + 100) / 3)


def test_two_thread_parse_matches_one_call_and_names_the_bad_file(tmp_path: Path, both_paths: str) -> None:
    from odtrack_eval.errors import FormatError
    from odtrack_eval.results.reader import parse_blobs
    from odtrack_eval.textio import parse_table

    rng = np.random.default_rng(8)
    paths = [tmp_path / f"s{i}.txt" for i in range(24)]
    blobs = [
        "\n".join(",".join(f"{v:.4f}" for v in row) for row in rng.random((3000, 4)) * 500).encode() + b"\n"
        for _ in paths
    ]
    assert sum(map(len, blobs)) > 1 << 20  # large enough for two threads
    got = parse_blobs(blobs, paths)
    for blob, path, arr in zip(blobs, paths, got, strict=True):
        assert arr.tobytes() == parse_table(blob, path, 4, "x,y,w,h").tobytes()
    bad = list(blobs)
    bad[5] = bad[5].replace(b",", b";", 1)  # not a clean file: parse_table decides
    bad[19] = bad[19] + b"1,2,3\n"  # ragged row, second half
    with pytest.raises(FormatError, match="s19.txt"):
        parse_blobs(bad, paths)
    bad[3] = b"1,2,x,4\n"  # first half: reported first, as a sequential parse would
    with pytest.raises(FormatError, match="s3.txt"):
        parse_blobs(bad, paths)
