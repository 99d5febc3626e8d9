"""``textio.parse_table``'s fast path for plain files (numpy's C loadtxt) equals its reference parser."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odtrack_eval.errors import FormatError
from odtrack_eval.textio import _parse_plain, parse_table, parse_table_reference

_number = st.one_of(
    st.integers(-100_000, 100_000).map(str),
    st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False).map(repr),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda v: f"{v:.3f}"),
    st.floats(1e-300, 1e300, allow_nan=False, allow_infinity=False).map(lambda v: f"{v:.25e}"),  # > 17 digits
    st.sampled_from(["-0", "+5", ".5", "5.", "1E+05", "1e", "-", ".", "+-1", "e5", "1..2", "nan", "inf", "#1",
                     "0.1000000000000000055511151231257827", "9007199254740993", ""]),
)  # fmt: skip


def _outcome(parse, data: bytes, ncols: int | None):
    try:
        return ("ok", parse(data, Path("f.txt"), ncols, "x,y,w,h"))
    except FormatError as exc:
        return ("error", (exc.line, str(exc)))


@settings(max_examples=400, deadline=None)
@given(
    rows=st.lists(st.lists(_number, min_size=1, max_size=5), max_size=6),
    sep=st.sampled_from([",", "\t", " ", ", ", " ,", ",,", "  ", ";", "\t "]),
    eol=st.sampled_from(["\n", "\r\n", "\r"]),
    tail=st.sampled_from(["", "\n", "\n\n", "  \n", "\r\n"]),
    blank_inside=st.booleans(),
    ncols=st.sampled_from([4, 2, None]),
)
def test_parse_table_equals_its_reference(rows, sep, eol, tail, blank_inside, ncols):
    lines = [sep.join(r) for r in rows]
    if blank_inside and len(lines) > 1:
        lines.insert(1, " " if sep == " " else "")
    data = (eol.join(lines) + tail).encode()
    kind, got = _outcome(parse_table, data, ncols)
    ref_kind, want = _outcome(parse_table_reference, data, ncols)
    assert kind == ref_kind, (data, got, want)
    if kind == "ok":
        assert got.shape == want.shape and got.tobytes() == want.tobytes(), data
    else:
        assert got == want


@pytest.mark.parametrize(
    "data, ncols",
    [
        (b"1,2,3,4\n5,6,7,8\n", 4),
        (b"1\t2\t3\t4\r\n5\t6\t7\t8\r\n", 4),
        (b"1 2  3 4\n", 4),
        (b"12.5,3e2,-0.25,7\n\n", 4),
        (b"0,0,1,1,0\n", None),  # LaSOT flags: one CSV line
        (b"0\n1\n1\n", None),  # one value per line
    ],
)
def test_plain_files_take_the_fast_path(data, ncols):
    fast = _parse_plain(data, ncols)
    assert fast is not None
    assert fast.tobytes() == parse_table_reference(data, Path("f.txt"), ncols).tobytes()


_NOT_PLAIN = [b"1,2,3\n", b"1,,2,3\n", b"nan,1,2,3\n", b"1;2;3;4\n", b"1,2,3,4\r5,6,7,8\r", b"#1,2,3,4\n"]


@pytest.mark.parametrize("data", _NOT_PLAIN)
def test_other_files_are_left_to_the_reference(data):
    assert _parse_plain(data, 4) is None


def test_real_annotations_parse_the_same_on_both_paths():
    from tests._shared import require_shared

    root = require_shared("data", "real", "lasot", "annotations")
    files = sorted(p for p in root.rglob("*.txt") if p.name != "testing_set.txt")[:300]
    for path in files:
        data = path.read_bytes()
        ncols = 4 if path.parent == root else None
        fast = _parse_plain(data, ncols)
        assert fast is not None, path
        assert fast.tobytes() == parse_table_reference(data, path, ncols).tobytes(), path
    assert np.isfinite(fast).all()
