"""The compiled parser (textio.kernel) gives the reference's bits or None, and does not refuse what trackers write.

Expected values come from Python's ``float()`` (correctly rounded) and from ``reference.parse_table``, never from the
kernel. Bits are compared (``struct.pack``), so -0.0 and 0.0 differ.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests._kernels import require_kernels

require_kernels()

from odtrack_eval.errors import FormatError  # noqa: E402
from odtrack_eval.textio import kernel  # noqa: E402
from odtrack_eval.textio.reference import parse_table  # noqa: E402

_EDGES = [
    0.0, -0.0, 1e-300, 1e300, 5e-324, -5e-324, 1.7976931348623157e308, 2.2250738585072014e-308,
    2.225073858507201e-308, 4.9406564584124654e-324, 1e23, 9007199254740993.0, 0.1, 1 / 3, 2**-1022, 2**63, 2**64,
    1e22, 1e-22, 123456789012345678.0,
]  # fmt: skip
_FORMATS = [repr, "%.17g".__mod__, "%g".__mod__, "%e".__mod__, "%.25e".__mod__, "%.4f".__mod__, "%.2f".__mod__]


def _bits(value: float) -> bytes:
    return struct.pack("<d", value)


def _single(tok: str) -> np.ndarray | None:
    """The kernel on a one-number file, checked for shape and dtype when it answers."""
    got = kernel.parse(tok.encode(), None)
    if got is not None:
        assert got.dtype == np.float64 and got.shape == (1,) and got.flags.c_contiguous, tok
    return got


def _none_or_exact(tok: str) -> bool:
    """True where the kernel refused; asserts the bits of ``float(tok)`` otherwise."""
    got = _single(tok)
    if got is None:
        return True
    assert got.tobytes() == _bits(float(tok)), (tok, got[0], float(tok))
    return False


def _reference(data: bytes, ncols: int | None) -> np.ndarray | None:
    try:
        return parse_table(data, Path("f.txt"), ncols)
    except FormatError:
        return None


# ---------------------------------------------------------------------------------------------------------------
# Single numbers


@settings(max_examples=400, deadline=None)
@given(
    value=st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(_EDGES)),
    fmt=st.sampled_from(_FORMATS),
    sign=st.sampled_from(["", "+"]),
)
def test_formatted_floats_are_exact_or_refused(value: float, fmt: Callable[[float], str], sign: str) -> None:
    """Every double, in the ways programs print it (17-digit reprs take the Eisel-Lemire path)."""
    _none_or_exact(sign + fmt(value))


@settings(max_examples=200, deadline=None)
@given(value=st.integers(-(10**25), 10**25), sign=st.sampled_from(["", "+"]))
def test_integers_are_exact_or_refused(value: int, sign: str) -> None:
    """Integers past 2**53 and past 19 digits: ties to even and the truncated-mantissa check."""
    _none_or_exact(f"{sign}{value}")


@settings(max_examples=400, deadline=None)
@given(
    digits=st.text("0123456789", min_size=1, max_size=30),
    point=st.integers(0, 31),
    use_point=st.booleans(),
    exponent=st.one_of(st.none(), st.integers(-350, 350)),
    sign=st.sampled_from(["", "-", "+"]),
    e=st.sampled_from(["e", "E"]),
)
@example(digits="9007199254740993", point=16, use_point=False, exponent=None, sign="", e="e")
@example(digits="45035996273704965", point=16, use_point=True, exponent=None, sign="", e="e")  # a tie with q < 0
def test_random_decimal_strings_are_exact_or_refused(
    digits: str, point: int, use_point: bool, exponent: int | None, sign: str, e: str
) -> None:
    """Decimals that are no double's shortest form: near-halfway values, long mantissas, extreme exponents."""
    mantissa = digits[: min(point, len(digits))] + "." + digits[min(point, len(digits)) :] if use_point else digits
    tok = sign + mantissa + ("" if exponent is None else f"{e}{exponent}")
    _none_or_exact(tok)


@pytest.mark.parametrize(
    "tok",
    [
        "9007199254740993",  # 2**53 + 1: a tie, to even
        "9007199254740995",  # a tie, to even (up)
        "9007199254740993.0000000000000000001",  # just above the tie: rounds up
        "0.1000000000000000055511151231257827",
        "0.1000000000000000055511151231257827021181583404541015625",  # exactly the double nearest 0.1
        "2.2250738585072011e-308",  # subnormal boundary
        "2.2250738585072012e-308",
        "1.00000000000000011102230246251565404236316680908203125",  # exactly halfway 1 and its successor
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "7.3177701707893310e+15",
        "4503599627370496.5",  # a tie with a negative decimal exponent
        "4503599627370497.5",
        "4503599627370495.5",  # exactly a double
        "1.7976931348623157e308",
        "1.7976931348623158e308",  # rounds down to the largest double
        "1.7976931348623159e308",  # inf
        "1e308",
        "1e309",
        "1e-307",
        "5e-324",
        "1e-400",
        "0e999",
        "-0e-999",
        "123456789012345678901234567890",
        "0.000000000000000000000000000000000000001234567890123456789",
        "3." + "3" * 800,
        "1" * 800 + "e-800",
        "0." + "0" * 300 + "1" + "e300",
        "1e22",
        "1e23",
        "8.98846567431158e307",
        "-0",
        "-0.0",
        "+0.0e5",
    ],
)
def test_known_hard_cases_are_exact_or_refused(tok: str) -> None:
    """Cases that break parsers which round twice or trust a truncated table."""
    _none_or_exact(tok)


@pytest.mark.parametrize("tok", ["9007199254740993", "7.3177701707893310e+15", "4503599627370496.5", "1e23", "-0"])
def test_hard_cases_within_range_are_answered(tok: str) -> None:
    """Ties and exactly representable values are decided (exactly), not left to the reference parser."""
    assert not _none_or_exact(tok)


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.floats(1e-3, 1e5).map(repr),
        st.floats(-1e5, -1e-3).map(repr),
        st.floats(-1e5, 1e5).map("%.2f".__mod__),
        st.floats(-1e5, 1e5).map("%.4f".__mod__),
        st.floats(1e-3, 1e5).map("%.17g".__mod__),
        st.just(0.0).map(repr),
        st.integers(-(10**6), 10**6).map(str),
    )
)
def test_what_trackers_write_takes_the_fast_path(value: str) -> None:
    """The point of the kernel: typical result files never fall back to the slow reference."""
    assert not _none_or_exact(value), f"{value!r} was refused"


def test_seventeen_digit_rows_are_parsed() -> None:
    """The pysot-family format the old kernel refused."""
    data = b"368.3008576266198,105.3873217240192,42.641263809619815,14.51975943187873\n" * 3
    got = kernel.parse(data, 4)
    assert got is not None and got.shape == (3, 4)
    assert got.tobytes() == parse_table(data, Path("f.txt"), 4).tobytes()


@pytest.mark.parametrize("tok", ["nan", "inf", "-inf", "1e", "1e+", ".", "-", "+", "1..2", "1.2.3", "e5", ".e5",
                                 "1_000", "0x10", "1e5.5", "1-2", "--1", "+-1", "1x", "١", "12\xa0"])  # fmt: skip
def test_junk_is_refused(tok: str) -> None:
    """Tokens outside the plain grammar go to the reference (which parses or names them), alone or in a row."""
    assert kernel.parse(tok.encode(), None) is None
    assert kernel.parse(f"1,2,3,{tok}\n".encode(), 4) is None


# ---------------------------------------------------------------------------------------------------------------
# Whole files


_number = st.one_of(
    st.integers(-100_000, 100_000).map(str),
    st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False).map(repr),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map("%.2f".__mod__),
    st.floats(allow_nan=False, allow_infinity=False).map("%.25e".__mod__),
    st.floats(allow_nan=False, allow_infinity=False).map("%.17g".__mod__),
    st.sampled_from(["-0", "+5", ".5", "5.", "1E+05", "1.e3", "007", "9007199254740993", "4503599627370496.5"]),
)
_junk = st.sampled_from(["nan", "inf", "1e", ".", "-", "1..2", "e5", "#1", "x", "1x", "", "1e5e5", "0x1"])
_token = st.one_of(_number, _number, _number, _number, _number, _number, _junk)


@settings(max_examples=400, deadline=None)
@given(
    rows=st.lists(st.lists(_token, min_size=1, max_size=5), max_size=7),
    sep=st.sampled_from([",", "\t", " ", ", ", " ,", ",,", ";", "\t "]),
    eol=st.sampled_from(["\n", "\r\n", "\r"]),
    tail=st.sampled_from(["", "\n", "\n\n", "  \n", "\r\n", "\r\n\r\n", ",\n"]),
    lead=st.sampled_from(["", "\n", " ", "\n\n"]),
    blank_inside=st.sampled_from(["", " ", "\t", ",", "\r"]) | st.none(),
    ncols=st.sampled_from([4, 2, None]),
)
def test_files_match_the_reference_or_are_refused(
    rows: list[list[str]], sep: str, eol: str, tail: str, lead: str, blank_inside: str | None, ncols: int | None
) -> None:
    """The contract: an array from the kernel is the reference's array; a file the reference rejects gives None."""
    lines = [sep.join(r) for r in rows]
    if blank_inside is not None and len(lines) > 1:
        lines.insert(len(lines) // 2, blank_inside)
    data = (lead + eol.join(lines) + tail).encode()
    got = kernel.parse(data, ncols)
    want = _reference(data, ncols)
    if got is None:
        return  # "cannot vouch": the caller runs the reference
    assert want is not None, f"the kernel accepted what the reference rejects: {data!r}"
    assert got.dtype == np.float64 and got.flags.c_contiguous
    assert got.shape == want.shape and got.tobytes() == want.tobytes(), data


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.lists(
            st.floats(1e-3, 1e4).map(repr) | st.floats(-1e4, -1e-3).map(repr) | st.floats(0, 1e4).map("%.2f".__mod__),
            min_size=4,
            max_size=4,
        ),
        max_size=20,
    ),
    sep=st.sampled_from([",", "\t", " ", ", "]),
    eol=st.sampled_from(["\n", "\r\n"]),
    tail=st.sampled_from(["", "\n", "\r\n\r\n"]),
)
def test_clean_tracker_files_are_accepted(values: list[list[str]], sep: str, eol: str, tail: str) -> None:
    """Well-formed result files in every layout trackers use are parsed, not handed back."""
    data = (eol.join(sep.join(r) for r in values) + tail).encode()
    got = kernel.parse(data, 4)
    assert got is not None, data
    assert got.tobytes() == parse_table(data, Path("f.txt"), 4).tobytes() and got.shape == (len(values), 4)


def test_a_ragged_row_is_refused() -> None:
    """Wrong token counts are the reference's to report (it names the line)."""
    assert kernel.parse(b"1,2,3,4\n5,6,7\n", 4) is None
    assert kernel.parse(b"1,2,3,4\n5,6,7,8,9\n", 4) is None
    assert kernel.parse(b"1,2,3,4\r5,6,7,8\r", 4) is None  # "\r" separates, it does not end a line
    assert kernel.parse(b"1,2,3,4\n", 0) is None


@pytest.mark.parametrize(
    ("data", "ncols", "shape"),
    [
        (b"", 4, (0, 4)),
        (b"", None, (0,)),
        (b" \n\t\r\n,;\n", 4, (0, 4)),
        (b"\n\n", None, (0,)),
        (b"1,2,3,4", 4, (1, 4)),  # no newline at the end
        (b"1,2,3,4\r\n5,6,7,8\r\n", 4, (2, 4)),  # CRLF
        (b"\n1,2,3,4\n\n\n5,6,7,8\n\n", 4, (2, 4)),  # blank lines anywhere
        (b" 1 , 2 ,3,4 ,\n", 4, (1, 4)),  # separator runs, leading and trailing
        (b"1,0,1,1,0", None, (5,)),  # a flag vector on one line
        (b"1\n0\n1\n1\n0\n", None, (5,)),  # one value per line
        (b"1\r0\r1", None, (3,)),
        (b"1.5,2", 2, (1, 2)),
    ],
)
def test_shapes_match_the_reference(data: bytes, ncols: int | None, shape: tuple[int, ...]) -> None:
    """Empty files, missing final newlines, CRLF, flat vectors: same shape as the reference, not just same values."""
    got = kernel.parse(data, ncols)
    want = parse_table(data, Path("f.txt"), ncols)
    assert got is not None and got.shape == want.shape == shape
    assert got.dtype == np.float64 and got.flags.c_contiguous and got.tobytes() == want.tobytes()


def test_negative_zero_keeps_its_sign() -> None:
    """-0.0 == 0.0 as floats, so only the bits show a lost sign."""
    got = kernel.parse(b"-0,0,-0.0,+0\n", 4)
    assert got is not None and [_bits(v) for v in got[0]] == [_bits(v) for v in (-0.0, 0.0, -0.0, 0.0)]


def test_bytes_like_inputs_give_the_same_result() -> None:
    """Callers may hand over bytearrays or memoryviews (mmap'd files)."""
    data = b"1.25,2,3,4\n5,6,7,8"
    want = parse_table(data, Path("f.txt"), 4).tobytes()
    for blob in (data, bytearray(data), memoryview(data)):
        got = kernel.parse(blob, 4)
        assert got is not None and got.tobytes() == want


@pytest.mark.parametrize("layout", ["short_then_long", "long_then_short"])
def test_output_sizing_survives_a_misleading_start(layout: str) -> None:
    """The output is sized from the first KiBs: a file that changes line length grows or trims it correctly."""
    rng = np.random.default_rng(3)
    short = b"1,2,3,4\n" * 2000
    long = "".join(",".join(repr(float(v)) for v in row) + "\n" for row in rng.random((3000, 4)) * 1e4).encode()
    data = short + long if layout == "short_then_long" else long + short
    got = kernel.parse(data, 4)
    want = parse_table(data, Path("f.txt"), 4)
    assert got is not None and got.shape == want.shape == (5000, 4) and got.tobytes() == want.tobytes()
    flat = kernel.parse(long + short * 3, None)
    assert flat is not None and flat.tobytes() == parse_table(long + short * 3, Path("f.txt"), None).tobytes()
