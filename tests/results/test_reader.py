"""results/reader.py: loading runs (float64 boxes in dataset order, times), missing files, parse errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odtrack_eval.backend import Backend
from odtrack_eval.errors import FormatError, ResultsError
from odtrack_eval.results import (
    discover_trackers,
    load_run,
    load_tracker,
)
from odtrack_eval.textio import parse_tables
from tests.results._data import BOX, toy_dataset, write_rows

# ---------------------------------------------------------------------------------------------
# Loading


def test_load_run_returns_float64_boxes_in_dataset_order_with_times(tmp_path):
    write_rows(tmp_path / "T" / "p" / "b.txt", BOX, "\t")
    write_rows(tmp_path / "T" / "p" / "a.txt", [[1.5, 2.25, 3, 4]] * 3, ",", "\r\n")
    write_rows(tmp_path / "T" / "p" / "a_time.txt", [[0.5], [0.25], [0.125]])
    (entry,) = discover_trackers(tmp_path)
    (result,) = load_tracker(entry, toy_dataset(["b", "a"]))
    assert list(result.boxes) == ["b", "a"]
    assert result.boxes["a"].dtype == np.float64 and result.boxes["a"].shape == (3, 4)
    np.testing.assert_array_equal(result.boxes["a"], [[1.5, 2.25, 3, 4]] * 3)
    assert list(result.times) == ["a"]
    np.testing.assert_array_equal(result.times["a"], [0.5, 0.25, 0.125])
    assert result.paths["b"] == tmp_path / "T" / "p" / "b.txt"


def test_missing_sequences_are_listed_first_ten_and_count(tmp_path):
    write_rows(tmp_path / "T" / "seq00.txt", BOX)
    names = [f"seq{i:02d}" for i in range(15)]
    (entry,) = discover_trackers(tmp_path)
    with pytest.raises(ResultsError) as err:
        load_run(entry.runs[0], toy_dataset(names))
    msg = str(err.value)
    assert "14 of 15" in msg and "seq01" in msg and "seq10" in msg and "seq11" not in msg and "4 more" in msg
    result = load_run(entry.runs[0], toy_dataset(names), allow_missing=True)
    assert list(result.boxes) == ["seq00"] and result.missing == tuple(names[1:])


def test_malformed_file_error_names_file_and_line(tmp_path, both_paths):
    good = [write_rows(tmp_path / f"g{i}.txt", BOX) for i in range(3)]
    bad = write_rows(tmp_path / "bad.txt", [[1, 2, 3, 4], [1, 2, 3]])
    with pytest.raises(FormatError) as err:
        parse_tables([p.read_bytes() for p in [*good, bad]], [*good, bad], backend=Backend(both_paths))
    assert err.value.path == bad and err.value.line == 2
    bad.write_bytes(b"1,2,3,4\n1,2,x,4\n")
    with pytest.raises(FormatError) as err:
        parse_tables([p.read_bytes() for p in [*good, bad]], [*good, bad], backend=Backend(both_paths))
    assert err.value.path == bad and err.value.line == 2 and "'x'" in str(err.value)


def test_unusual_but_valid_files_parse_like_parse_table(tmp_path, both_paths):
    # Each of these leaves the batched fast path; the result must not change.
    blobs = [
        b"1,2,3,4\n\n5,6,7,8\n",  # blank line inside
        b"1 2 3 4\n5  6  7  8\n",  # spaces
        b"1;2;3;4\n",  # semicolons
        b"nan,nan,nan,nan\n1,2,3,4\n",  # NaN row (a validation finding, not a format error)
        b"1,2,3,4\n5,6,7,8\n\n\n",  # trailing blank lines
        b"",  # empty
        b"1\t2\t3\t4\r\n5\t6\t7\t8\r\n",  # tabs + CRLF
    ]
    paths = [tmp_path / f"f{i}.txt" for i in range(len(blobs))]
    out = parse_tables(blobs, paths, backend=Backend(both_paths))
    np.testing.assert_array_equal(out[0], [[1, 2, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_array_equal(out[1], [[1, 2, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_array_equal(out[2], [[1, 2, 3, 4]])
    assert np.isnan(out[3][0]).all() and out[3][1].tolist() == [1, 2, 3, 4]
    assert out[4].shape == (2, 4) and out[5].shape == (0, 4)
    np.testing.assert_array_equal(out[6], [[1, 2, 3, 4], [5, 6, 7, 8]])


def test_clean_files_never_reach_the_reference_parser_on_the_compiled_backend(tmp_path, monkeypatch):
    """Speed guard: what trackers write (comma/tab/space separated numbers, CRLF, blank lines) is parsed
    by the compiled parser; the slow reference parser is only for files it cannot vouch for."""
    from tests._kernels import require_kernels

    require_kernels()
    import odtrack_eval.textio as textio

    def slow(*args, **kwargs):
        raise AssertionError("reference parser used for a clean file")

    monkeypatch.setattr(textio, "parse_table_reference", slow)
    blobs = [b"1,2,3,4\n5,6,7,8\n", b"1\t2\t3\t4\r\n", b"1.5,-2e3,3,4", b"9,9,9,9\n\n", b"1 2 3 4\n",
             b"368.3008576266198,105.3873217240192,42.641263809619815,14.51975943187873\n"]  # fmt: skip
    out = parse_tables(blobs, [tmp_path / f"{i}.txt" for i in range(len(blobs))], backend=Backend.COMPILED)
    assert [a.shape for a in out] == [(2, 4), (1, 4), (1, 4), (1, 4), (1, 4), (1, 4)]
    assert out[2].tolist() == [[1.5, -2000.0, 3.0, 4.0]]
    assert out[5].tolist() == [[368.3008576266198, 105.3873217240192, 42.641263809619815, 14.51975943187873]]


_value = st.one_of(
    st.integers(-100000, 100000).map(float),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.decimals(-10000, 10000, places=3, allow_nan=False, allow_infinity=False).map(float),
)
_boxes = st.lists(st.lists(_value, min_size=4, max_size=4), min_size=1, max_size=20)


@pytest.mark.parametrize("backend", list(Backend))
@settings(max_examples=60, deadline=None)
@given(
    files=st.lists(
        st.tuples(
            _boxes, st.sampled_from([",", "\t", " ", ";"]), st.sampled_from(["\n", "\r\n"]), st.booleans()
        ),
        min_size=1,
        max_size=5,
    )
)
def test_parser_round_trip_is_exact(backend, files):
    blobs, expected = [], []
    for rows, sep, eol, as_int in files:
        fmt = (lambda v: str(int(v))) if as_int else repr
        rows = [[float(int(v)) for v in r] for r in rows] if as_int else rows
        blobs.append(eol.join(sep.join(fmt(v) for v in r) for r in rows).encode() + eol.encode())
        expected.append(np.array(rows, dtype=np.float64))
    out = parse_tables(blobs, [Path(f"f{i}.txt") for i in range(len(blobs))], backend=backend)
    for got, want in zip(out, expected, strict=True):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want)


