"""The compiled kernels equal their numpy references bit for bit (odtrack_eval/kernels).

Each kernel is an accelerator of a numpy definition: the parser of ``textio.parse_table``, the
scorer of ``ope.score_run_numpy``, the screen of ``reader._screen_numpy``. These tests feed both
the same inputs, generated to hit the edge cases (ties at thresholds, NaN, zero and negative sizes,
forced frames, clipping, numbers the fast path must refuse), and compare every output bit.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("numba", reason="the compiled kernels need numba")

from odtrack_eval.errors import FormatError  # noqa: E402
from odtrack_eval.kernels import ENV_VAR, jit_enabled, jit_status  # noqa: E402
from odtrack_eval.kernels.parse import parse_into, row_bound  # noqa: E402
from odtrack_eval.metrics import ope  # noqa: E402
from odtrack_eval.protocols import PROTOCOLS, get_protocol  # noqa: E402
from odtrack_eval.results import reader  # noqa: E402
from odtrack_eval.sequence import Sequence  # noqa: E402
from odtrack_eval.textio import parse_table  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Parser


def _kernel(data: bytes, ncols: int = 4) -> np.ndarray | None:
    out = np.full((row_bound(data), ncols), -123.0)
    rows = parse_into(data, out)
    return None if rows < 0 else out[:rows]


def _reference(data: bytes, ncols: int = 4) -> np.ndarray | None:
    try:
        return parse_table(data, Path("f.txt"), ncols)
    except FormatError:
        return None


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.tobytes() == b.tobytes()


# Numbers as trackers write them, plus forms the fast path must refuse or get exactly right.
_number = st.one_of(
    st.integers(-100_000, 100_000).map(str),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(repr),  # up to 17 digits
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda v: f"{v:.4f}"),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda v: f"{v:.6e}"),
    st.floats(1e-30, 1e30, allow_nan=False, allow_infinity=False).map(lambda v: f"{v:.3E}"),
    st.sampled_from(["-0", "+0.0", ".5", "5.", "-.25e+2", "007", "1e22", "1e23", "9007199254740993", "0.1e-22",
                     "123456789012345678901", "1e", "-", ".", "nan", "inf", "1x"]),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(_number, min_size=1, max_size=5), min_size=0, max_size=6),
    sep=st.sampled_from([",", "\t", " ", ";", ",,", ", "]),
    eol=st.sampled_from(["\n", "\r\n", "\r"]),
    tail=st.sampled_from(["", "\n", "\n\n", " \n", "\r\n\r\n"]),
    blank_inside=st.booleans(),
)
def test_parser_vouches_only_for_what_parse_table_reads_the_same(rows, sep, eol, tail, blank_inside):
    lines = [sep.join(r) for r in rows]
    if blank_inside and len(lines) > 1:
        lines.insert(1, "")
    data = (eol.join(lines) + tail).encode()
    got = _kernel(data)
    if got is None:
        return  # "cannot vouch": the reader hands the file to parse_table
    want = _reference(data)
    assert want is not None, f"kernel accepted what parse_table rejects: {data!r}"
    assert _same_bits(got, want), data


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.integers(-10**15, 10**15).map(str),
                st.decimals(-1e6, 1e6, places=4, allow_nan=False, allow_infinity=False).map(str),
                st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False, width=32)
                .filter(lambda v: v == 0 or abs(v) > 1e-9)  # %g of tiny values has exponents past 22
                .map(lambda v: f"{v:.6g}"),
            ),
            min_size=4,
            max_size=4,
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([",", "\t"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_parser_accepts_plain_files_and_rounds_correctly(rows, sep, eol):
    """What trackers write (integers, short decimals, %g) must take the fast path, exactly."""
    data = (eol.join(sep.join(r) for r in rows) + eol).encode()
    got = _kernel(data)
    assert got is not None, data
    want = np.array([[float(v) for v in r] for r in rows])  # Python's float() is correctly rounded
    assert _same_bits(got, want)


@pytest.mark.parametrize(
    "data",
    [
        b"1,2,3\n",  # too few columns
        b"1,2,3,4,\n",  # trailing separator
        b"1,,3,4\n",  # empty field
        b"1,2,3,4\n\n5,6,7,8\n",  # blank line inside
        b"1,2\t3,4\n",  # two separators
        b"1 2 3 4\n",  # spaces
        b"1,2,3,nan\n",
        b"1,2,3,4\r\r\n",
        b"1\x002\x003\x004\n",  # NUL bytes are not separators
        b"0.1,2,3,12345678901234567890\n",  # beyond the exact range
        b"1e400,2,3,4\n",
    ],
)
def test_parser_refuses_what_it_cannot_vouch_for(data):
    assert _kernel(data) is None


def test_parser_counts_rows_and_ignores_trailing_blank_lines():
    assert row_bound(b"") == 0 and row_bound(b"1,2,3,4") == 1 and row_bound(b"1,2,3,4\n") == 1
    got = _kernel(b"1,2,3,4\r\n5.5,-6e1,7,8\n\n \n")
    assert got is not None and got.tolist() == [[1, 2, 3, 4], [5.5, -60, 7, 8]]
    assert _kernel(b"\n\n").shape == (0, 4)  # type: ignore[union-attr]
    one_column = _kernel(b"0.5\n0.25\n", ncols=1)
    assert one_column is not None and one_column.ravel().tolist() == [0.5, 0.25]


def test_read_and_parse_equals_the_numpy_reader_and_names_bad_files(tmp_path, monkeypatch):
    rng = np.random.default_rng(4)
    paths = []
    for i in range(12):
        path = tmp_path / f"s{i}.txt"
        rows = rng.random((200, 4)) * 300
        text = "\n".join(",".join(f"{v:.3f}" for v in r) for r in rows) + "\n"
        if i == 3:
            text = text.replace(",", " ")  # not clean: goes to parse_table
        if i == 7:
            text += "\n\n"
        path.write_text(text)
        paths.append(path)
    gts = [np.abs(rng.random((200, 4))) * 300 + 1 for _ in paths]
    gts[5] = gts[5][:150]  # length mismatch
    arrays, digests, flagged = reader.read_and_parse(paths, 4, "x,y,w,h", gts)
    monkeypatch.setenv(ENV_VAR, "0")
    want = reader.parse_files(paths)
    for got, ref in zip(arrays, want, strict=True):
        assert _same_bits(got, ref)
    assert digests == [reader.blob_digest(p.read_bytes()) for p in paths]
    assert flagged is not None and flagged[5] and flagged[3]  # mismatch, and a file the screen did not see
    screen = reader._screen_numpy([np.asarray(a) for a in arrays], gts, None)
    assert not (screen & ~flagged).any()  # never fewer flags than the numpy screen
    assert (flagged == (screen | (np.arange(12) == 3))).all()
    paths[9].write_text("1,2,3,4\n1,2,x,4\n")
    with pytest.raises(FormatError) as err:
        reader.read_and_parse(paths, 4, "x,y,w,h")
    assert err.value.path == paths[9] and err.value.line == 2


def test_parse_blobs_is_the_same_on_both_paths(tmp_path, both_paths):
    blobs = [b"1,2,3,4\n5,6,7,8\n", b"1\t2\t3\t4\r\n", b"1.5,-2e3,3,4", b"9,9,9,9\n\n", b"1 2 3 4\n", b""]
    blobs.append(b"nan,1,2,3\n")
    out = reader.parse_blobs(blobs, [tmp_path / f"{i}.txt" for i in range(len(blobs))])
    assert [a.shape for a in out] == [(2, 4), (1, 4), (1, 4), (1, 4), (1, 4), (0, 4), (1, 4)]
    assert out[2].tolist() == [[1.5, -2000.0, 3.0, 4.0]] and np.isnan(out[6][0, 0])
    times = reader.parse_blobs([b"0.5\n0.25\n", b"0.5,0.25\n"], [Path("a"), Path("b")], None, "seconds")
    assert [t.tolist() for t in times] == [[0.5, 0.25], [0.5, 0.25]]


# ---------------------------------------------------------------------------------------------
# Scoring


def _sequences(
    rng: np.random.Generator, n_seq: int = 7, protocol: ope.Protocol | None = None
) -> tuple[list[Sequence], list[np.ndarray]]:
    """Ground truth and results with every kind of frame the protocols treat differently, short of
    what ``protocol`` rejects outright (NaN or negative predictions, short files)."""
    rejects_bad = protocol is not None and protocol.reject_invalid_predictions
    rejects_short = protocol is not None and protocol.shorter_results == "error"
    seqs, preds = [], []
    for i in range(n_seq):
        n = int(rng.integers(1, 400))
        gt = np.column_stack([rng.integers(0, 200, (n, 2)), rng.integers(1, 80, (n, 2))]).astype(np.float64)
        kind = i % 4
        if kind == 0:  # integer boxes: exact ties at IoU thresholds and pixel thresholds
            pred = gt + rng.integers(-6, 7, gt.shape)
        elif kind == 1:  # sub-pixel floats (FMA or reordering would change the last bits)
            pred = gt + rng.normal(0, 8, gt.shape)
            gt = gt + rng.random(gt.shape)
        elif kind == 2:  # far off, and boxes beyond the image
            pred = gt + rng.normal(0, 60, gt.shape)
        else:  # ties at IoU = 0.5 exactly: half-width shift
            pred = gt.copy()
            pred[:, 0] += gt[:, 2] / 3
        if rejects_bad:
            pred[:, 2:] = np.abs(pred[:, 2:])
        pred[rng.random(n) < 0.05, 2] = 0  # zero width
        if not rejects_bad:
            pred[rng.random(n) < 0.03, 3] = -5  # negative height
            pred[rng.random(n) < 0.03] = np.nan
        gt[rng.random(n) < 0.05, 2:] = 0  # invalid GT (absent in LaSOT style)
        gt[rng.random(n) < 0.02, 0] = -3  # non-positive x: only the all-positive rule cares
        visible = rng.random(n) > 0.1
        cover = rng.integers(0, 9, n)
        extra = {"cover": cover, "image_size": (float(rng.integers(150, 400)), float(rng.integers(150, 400)))}
        seqs.append(Sequence(f"s{i}", gt, visible=visible, extra=extra))
        preds.append(pred[: n - int(rng.integers(0, 3))] if kind == 3 and not rejects_short else pred)
    return seqs, preds


def _assert_same_curves(a: ope.RunCurves, b: ope.RunCurves) -> None:
    for metric in ope.METRICS:
        np.testing.assert_array_equal(a.counts[metric], b.counts[metric], err_msg=metric)
        np.testing.assert_array_equal(a.frames[metric], b.frames[metric], err_msg=metric)
        assert a.curves[metric].tobytes() == b.curves[metric].tobytes(), metric
    assert a.iou_sum.tobytes() == b.iou_sum.tobytes()
    np.testing.assert_array_equal(a.iou_count, b.iou_count)


OPE_PROTOCOLS = [name for name, p in PROTOCOLS.items() if isinstance(p, ope.Protocol)]


@pytest.mark.parametrize("protocol_name", OPE_PROTOCOLS)
@pytest.mark.parametrize("seed", range(6))
def test_scoring_kernel_equals_numpy(protocol_name, seed):
    rng = np.random.default_rng(seed)
    proto = get_protocol(protocol_name).for_benchmark("lasot" if seed % 2 else "otb")
    seqs, preds = _sequences(rng, protocol=proto)
    run = ope.prepare_run(seqs, preds, proto)
    try:
        want = ope.score_run_numpy(run, proto)
    except ope.ResultsError as exc:
        with pytest.raises(ope.ResultsError, match="NaN overlap") as err:
            ope.score_run_compiled(run, proto)
        assert str(err.value) == str(exc)
        return
    _assert_same_curves(ope.score_run_compiled(run, proto), want)


def test_scoring_kernel_splits_large_runs_between_sequences():
    rng = np.random.default_rng(11)
    proto = get_protocol("odtrack")
    seqs, preds = _sequences(rng, 40, proto)
    while sum(len(s.ground_truth) for s in seqs) < ope._PARALLEL_FRAMES:
        more, more_preds = _sequences(rng, 40, proto)
        seqs += [Sequence(f"{s.name}-{len(seqs)}", s.ground_truth, s.visible, extra=s.extra) for s in more]
        preds += more_preds
    run = ope.prepare_run(seqs, preds, proto)
    assert 0 < ope._split_at_sequence(run.seq_index) < len(run.seq_index)
    _assert_same_curves(ope.score_run_compiled(run, proto), ope.score_run_numpy(run, proto))


_GRIDS = ["success_torch", "success_matlab", "success_linspace21", "success_linspace101", "pixels_0_50",
          "pixels_linspace21", "norm_hundredths", "norm_linspace51"]  # fmt: skip


@pytest.mark.parametrize("grid_name", _GRIDS)
def test_threshold_counts_at_and_next_to_every_grid_point(grid_name):
    """Counting must be exactly searchsorted's, including values equal to a threshold's float."""
    from odtrack_eval.kernels import ope as kernel
    from odtrack_eval.protocols import _grid

    grid = _grid(grid_name)
    values = np.concatenate([grid, np.nextafter(grid, -np.inf), np.nextafter(grid, np.inf), [-1.0, 1e9, np.inf]])
    values = np.concatenate([values, np.random.default_rng(0).random(500) * grid[-1] * 1.2])
    padded, mode, scale = ope._kernel_grid(grid)
    assert mode != kernel.GRID_BISECT  # every protocol grid takes an exact shortcut ...
    for inclusive in (False, True):
        want = np.searchsorted(grid, values, side="right" if inclusive else "left")
        got = [kernel._rank(padded, mode, scale, float(v), inclusive) for v in values]
        np.testing.assert_array_equal(got, want)
        # ... and the bisection fallback (for other grids) counts the same
        got = [kernel._rank(padded, kernel.GRID_BISECT, 1.0, float(v), inclusive) for v in values]
        np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------------------------------------
# Whole evaluations: both paths on the real published results


def test_evaluations_are_identical_on_both_paths(monkeypatch, tmp_path):
    from odtrack_eval.datasets import load_dataset
    from odtrack_eval.evaluation import evaluate_folder
    from tests._shared import require_shared

    for name in ("lasot", "otb100"):
        root = require_shared("data", "real", name)
        ds = load_dataset(name, root / "annotations")
        for protocol in ("odtrack", "pytracking", "official", "got10k"):
            out = {}
            for jit in ("1", "0"):
                monkeypatch.setenv(ENV_VAR, jit)
                ev = evaluate_folder(ds, root / "results", get_protocol(protocol), cache=tmp_path / f"c{jit}")
                out[jit] = ev
            assert [r.tracker for r in out["1"].results] == [r.tracker for r in out["0"].results]
            assert out["1"].warnings == out["0"].warnings and out["1"].errors == out["0"].errors
            for a, b in zip(out["1"].results, out["0"].results, strict=True):
                assert a.scores() == b.scores(), (name, protocol, a.tracker)
                for metric in ope.METRICS:
                    assert a.curves[metric].tobytes() == b.curves[metric].tobytes()


def test_jit_switch_and_status(monkeypatch):
    import odtrack_eval.kernels as kernels

    monkeypatch.setenv(ENV_VAR, "0")
    assert not jit_enabled() and not jit_enabled(1 << 30) and "numpy path" in jit_status()
    monkeypatch.setenv(ENV_VAR, "1")
    monkeypatch.setattr(kernels, "_loaded", lambda: False)
    assert jit_enabled(10) and "for every input" in jit_status()
    monkeypatch.delenv(ENV_VAR)  # auto: by size, unless this process has loaded the kernels already
    assert "from 8 MB" in jit_status()
    assert not jit_enabled(kernels.MIN_BYTES - 1) and jit_enabled(kernels.MIN_BYTES) and jit_enabled()
    monkeypatch.setattr(kernels, "_loaded", lambda: True)
    assert jit_enabled(10)
    assert os.environ.get(ENV_VAR) is None


def test_small_evaluations_never_start_numba(tmp_path):
    """numba's start-up (~0.35 s) would make a small evaluation slower, so it is not imported for one."""
    import subprocess
    import sys

    (tmp_path / "res" / "trk").mkdir(parents=True)
    (tmp_path / "res" / "trk" / "a.txt").write_text("10,10,20,20\n" * 50)
    code = (
        "import sys, numpy as np\n"
        "from odtrack_eval.evaluation import evaluate_folder\n"
        "from odtrack_eval.protocols import get_protocol\n"
        "from odtrack_eval.sequence import Dataset, Sequence\n"
        "ds = Dataset('toy', 'otb', [Sequence('a', np.array([[10.0, 10, 20, 20]] * 50))])\n"
        f"ev = evaluate_folder(ds, {str(tmp_path / 'res')!r}, get_protocol('odtrack'), cache={str(tmp_path / 'c')!r})\n"
        "assert ev.results and not ev.errors\n"
        "print('numba' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


def test_kernels_that_do_not_import_fall_back_to_numpy(monkeypatch, tmp_path):
    """A numba that fails to import (or cannot cache) must leave evaluation working on numpy."""
    import odtrack_eval.kernels as kernels
    from odtrack_eval.evaluation import evaluate_folder
    from odtrack_eval.sequence import Dataset

    monkeypatch.setattr(kernels, "_import_error", lambda: "ImportError: numba needs numpy < 3")
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert not jit_enabled() and "do not import" in jit_status()
    gt = np.array([[10.0, 10, 20, 20]] * 5)
    (tmp_path / "r" / "trk").mkdir(parents=True)
    (tmp_path / "r" / "trk" / "a.txt").write_text("10,10,20,20\n" * 4 + "12,10,20,20\n")
    ev = evaluate_folder(Dataset("toy", "otb", [Sequence("a", gt)]), tmp_path / "r", get_protocol("odtrack"))
    assert ev.errors == {} and ev.results[0].scores()["auc"] > 90
