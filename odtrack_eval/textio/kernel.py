"""Compiled parser of numeric text files: :func:`parse` equals ``reference.parse_table`` bit for bit, or says None.

Grammar: the reference's. Any run of :data:`~odtrack_eval.textio.reference.SEPARATORS` bytes splits numbers,
``\\n`` ends a line, blank lines anywhere are skipped, every non-blank line has ``ncols`` numbers (``ncols=None``:
any count, flat result). A number is ``[+-]?(digits[.digits?]|.digits)([eE][+-]?digits)?``. Anything else (``nan``,
``inf``, ``1e``, ``1..2``, non-ASCII, a ragged row) makes :func:`parse` return None; the caller then runs the
reference parser, which also writes the error message. None is always correct, just slower.

Exactness, i.e. the double nearest ``w * 10**q`` with ties to even (what ``float()`` and ``np.fromstring`` return):

* Clinger's fast path: ``w <= 2**53`` and ``|q| <= 22`` make ``w`` and ``10**|q|`` exact doubles, so one IEEE
  multiplication or division rounds once, correctly. Covers integers, ``%.2f``, ``%.4f`` and 16-digit reprs.
* Otherwise Eisel-Lemire (Lemire, "Number Parsing at a Gigabyte per Second", 2021), re-derived here with the table
  rounded *down* (see :func:`_power_table`): ``w`` shifted to 64 bits times a 128-bit ``T <= 5**q * 2**s < T + 1``.
  The exact product ``X`` then lies in ``[Z, Z + 2**64)`` for the 192-bit ``Z = w' * T`` (``[Z1, Z1 + 2**128)`` for
  the first 128 bits ``Z1 = w' * T_hi``), ``X == Z`` when ``5**q`` fits 128 bits (``0 <= q <= 55``) and ``X > Z``
  otherwise. The 54 leading bits of ``X`` (53 + round bit) are read off ``Z`` unless the bits below them are all
  ones (adding the error could carry into them): then the second half of ``T`` is multiplied in, and if they are
  still all ones down to bit 64 the parse gives up. A tie (round bit 1, exact zeros below) can only be proven where
  ``X == Z``; elsewhere ``X > Z`` means "above half". Values that are exactly a double or a midpoint with ``q < 0``
  (``4503599627370496.5``, ``7.3177701707893310e+15``) do look like all-ones: there ``5**-q`` divides ``w`` and
  :func:`_dyadic` rounds ``w / 5**-q * 2**q`` exactly. What is left to give up on is (by the Mushtak-Lemire bound)
  nothing for inputs of <= 19 digits; the code does not rely on that, it just returns None.
* More than 19 significant digits: the first 19 give ``w`` and the value lies in ``[w, w + 1] * 10**q``; rounding
  is monotone, so where ``w`` and ``w + 1`` give the same double that is the answer.
* Gives up on results that are subnormal or overflow, and on exponents outside the table ([-342, 308]).
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from odtrack_eval.textio.reference import SEPARATORS

_Q_MIN, _Q_MAX = -342, 308  # outside, w * 10**q (w < 2**64) is 0, subnormal or inf: never vouched for
_MASK64 = (1 << 64) - 1


def _power_table() -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """128-bit mantissas of 5**q for q in [_Q_MIN, _Q_MAX], computed exactly with Python integers.

    Entry q is ``T = floor(P)`` where ``P = 5**q * 2**-f`` is scaled into [2**127, 2**128): rounded *down* (truncated)
    for every q, so ``T <= P < T + 1``, with ``T == P`` exactly when 5**q has at most 128 bits (0 <= q <= 55, the
    last value returned). Returned as high and low uint64 halves and ``e = f + q``, so ``10**q == P * 2**e``.
    """
    hi, lo, exp2 = [], [], []
    exact_max = 0
    for q in range(_Q_MIN, _Q_MAX + 1):
        if q >= 0:
            p = 5**q
            bits = p.bit_length()
            t = p << (128 - bits) if bits <= 128 else p >> (bits - 128)  # >> is floor
            f = bits - 128
            if bits <= 128:
                exact_max = q
        else:
            p = 5**-q
            k = 127 + p.bit_length()  # 2**k / 5**-q lies in (2**127, 2**128), never an integer
            t = (1 << k) // p
            f = -k
        assert 1 << 127 <= t < 1 << 128
        hi.append(t >> 64)
        lo.append(t & _MASK64)
        exp2.append(f + q)
    return np.array(hi, np.uint64), np.array(lo, np.uint64), np.array(exp2, np.int64), exact_max


_T_HI, _T_LO, _T_EXP2, _EXACT_Q_MAX = _power_table()

# Byte classes: 0 = part of a token, 1 = separator, 2 = newline (what the reference splits on).
_TOKEN, _SEP, _EOL = 0, 1, 2
_CLASS = np.zeros(256, np.uint8)
_CLASS[np.frombuffer(SEPARATORS, np.uint8)] = _SEP
_CLASS[ord("\n")] = _EOL

_POW10 = np.array([10.0**i for i in range(23)])  # each exactly representable
_POW5 = np.array([5**i for i in range(28)], np.uint64)  # 5**27 < 2**63
_TWO53 = np.uint64(1 << 53)
_U0, _U1, _U10 = np.uint64(0), np.uint64(1), np.uint64(10)
_LOW9 = np.uint64(0x1FF)
_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_ALL = np.uint64(_MASK64)
_MANT52 = np.uint64((1 << 52) - 1)
_SIGN = np.uint64(1 << 63)
_FAIL = np.uint64(_MASK64)  # no finite positive double has these bits (a NaN pattern)
_MINUS, _PLUS, _DOT, _LOWER_E, _UPPER_E, _ZERO = 45, 43, 46, 101, 69, 48
_EXP_CAP = 100_000_000  # larger exponents give up (float() says 0 or inf there anyway)


@intrinsic
def _clz(typingctx: object, x: types.Type) -> tuple:  # pragma: no cover - compiled
    """Leading zero bits of a non-zero uint64 (LLVM's ctlz: one instruction, numba has no public one)."""
    sig = types.uint64(types.uint64)

    def codegen(context: object, builder: ir.IRBuilder, signature: object, args: list) -> ir.Value:
        return builder.ctlz(args[0], ir.Constant(ir.IntType(1), 0))

    return sig, codegen


@numba.njit(nogil=True, cache=True, inline="always")
def _mul128(a: np.uint64, b: np.uint64) -> tuple[np.uint64, np.uint64]:  # pragma: no cover - compiled
    """(high, low) 64-bit halves of a * b, from 32-bit halves (numba has no 128-bit integer)."""
    a_lo = a & _M32
    a_hi = a >> _S32
    b_lo = b & _M32
    b_hi = b >> _S32
    p0 = a_lo * b_lo
    p1 = a_lo * b_hi
    p2 = a_hi * b_lo
    p3 = a_hi * b_hi
    mid = (p0 >> _S32) + (p1 & _M32) + (p2 & _M32)  # < 3 * 2**32: no overflow
    return p3 + (p1 >> _S32) + (p2 >> _S32) + (mid >> _S32), (mid << _S32) | (p0 & _M32)


@numba.njit(nogil=True, cache=True)
def _dyadic(w: np.uint64, e: int) -> np.uint64:  # pragma: no cover - compiled
    """Bits of the double nearest ``w * 2**e`` (w > 0), rounded with exact integer arithmetic, or _FAIL."""
    nbits = np.int64(64) - np.int64(_clz(w))
    if nbits <= 53:
        m = w << np.uint64(53 - nbits)  # exact
        e2 = e - (53 - nbits)
    else:
        drop = np.uint64(nbits - 53)
        m = w >> drop
        rest = w & ((_U1 << drop) - _U1)
        half = _U1 << (drop - _U1)
        e2 = e + np.int64(drop)
        if rest > half or (rest == half and (m & _U1) == _U1):
            m += _U1
            if m == _TWO53:
                m >>= _U1
                e2 += 1
    if e2 + 1075 < 1 or e2 + 1075 > 2046:
        return _FAIL
    return (np.uint64(e2 + 1075) << np.uint64(52)) | (m & _MANT52)


@numba.njit(nogil=True, cache=True)
def _eisel_lemire(w: np.uint64, q: int) -> np.uint64:  # pragma: no cover - compiled
    """Bits of the double nearest ``w * 10**q`` (w > 0), or _FAIL where the 128-bit table cannot decide."""
    if q < _Q_MIN or q > _Q_MAX:
        return _FAIL
    idx = np.uint64(q - _Q_MIN)  # unsigned: numba adds no negative-index code
    lz = _clz(w)
    wn = w << lz  # in [2**63, 2**64)
    hi, mid = _mul128(wn, _T_HI[idx])  # Z1 = w' * T_hi; exact product X in [Z1 * 2**64, Z1 * 2**64 + 2**128)
    exact = q >= 0 and q <= _EXACT_Q_MAX  # T == 5**q * 2**-f, so X == Z
    sh = np.uint64(9) + (hi >> np.uint64(63))  # bits below the 54 (53 + round bit) we keep
    low_mask = (_U1 << sh) - _U1
    round_bit = (hi >> sh) & _U1
    below = hi & low_mask
    tie = False
    if (hi & _LOW9) == _LOW9 or (round_bit == _U1 and below == _U0 and mid == _U0):
        # The error might carry into the kept bits, or sticky is unknown: multiply in T's low half.
        carry_hi, low = _mul128(wn, _T_LO[idx])  # now X in [Z, Z + 2**64), Z = (hi, mid, low)
        mid2 = mid + carry_hi
        if mid2 < mid:
            hi += _U1
        mid = mid2
        sh = np.uint64(9) + (hi >> np.uint64(63))
        low_mask = (_U1 << sh) - _U1
        round_bit = (hi >> sh) & _U1
        below = hi & low_mask
        if not exact and (hi & _LOW9) == _LOW9 and mid == _ALL:
            # X - Z (< 2**64) could carry into the round bit. Where w * 10**q is a dyadic rational (exactly a double
            # or a midpoint, e.g. "7.3177701707893310e+15", "4503599627370496.5") it does: compute that exactly.
            if q < 0 and q >= -27 and w % _POW5[-q] == _U0:
                return _dyadic(w // _POW5[-q], q)
            return _FAIL
        tie = exact and round_bit == _U1 and below == _U0 and mid == _U0 and low == _U0
    m = hi >> sh  # 54 bits: 2**53 <= m < 2**54
    e2 = np.int64(129) + np.int64(sh) + _T_EXP2[idx] - np.int64(lz)  # value ~ (m / 2) * 2**e2
    if e2 + 1075 < 1:
        return _FAIL  # subnormal (or zero): rounded at another bit position
    m >>= _U1
    if round_bit == _U1 and (not tie or (m & _U1) == _U1):
        m += _U1
        if m == _TWO53:
            m >>= _U1
            e2 += 1
    if e2 + 1075 > 2046:
        return _FAIL  # overflows to inf
    return (np.uint64(e2 + 1075) << np.uint64(52)) | (m & _MANT52)


@numba.njit(nogil=True, cache=True)
def _estimate_values(buf: np.ndarray, sample: int) -> int:  # pragma: no cover - compiled
    """Numbers expected in ``buf``, extrapolated from the tokens per byte of its first ``sample`` bytes, 1/16 spare.

    Sizing the output this way reads a few KiB; counting the lines first cost a whole memory pass (10% of the
    parse). A short guess grows in the parse loop, a long one is cut in :func:`parse`.
    """
    tokens = 0
    prev = _SEP
    for j in range(sample):
        c = _CLASS[buf[np.uint64(j)]]
        tokens += c == _TOKEN and prev != _TOKEN
        prev = c
    guess = buf.size * tokens // max(sample, 1)
    return guess + guess // 16 + 16


@numba.njit(nogil=True, cache=True)
def _scan(buf: np.ndarray, i: int, out: np.ndarray, k: int, line_start: int, ncols: int) -> tuple[int, int, int]:
    """Parse numbers from ``buf[i:]`` into ``out[k:]`` until the buffer ends or ``out`` is full.

    Returns (i, k, line_start) to go on from, k = -1 to give up. ``line_start`` is the k of the current line's first
    number (``ncols == 0``: any count per line). ``buf`` must end with a separator or newline: then no scan inside
    a number can run past the end, and only the outer loop checks the bound. Arrays are indexed with unsigned
    integers, so numba leaves out its negative-index wraparound (~30% of the time). The number scan is written out
    inline, and ``out`` never changes inside (reallocating it in this loop cost 30%): this loop is the whole cost.
    """
    n = buf.size
    cap = out.size
    cls = _CLASS
    out_bits = out.view(np.uint64)
    pow10 = _POW10
    while i < n:
        c = buf[np.uint64(i)]
        kind = cls[c]
        if kind == _SEP:
            i += 1
            continue
        if kind == _EOL:
            if ncols > 0 and k != line_start and k - line_start != ncols:
                return i, -1, line_start
            line_start = k
            i += 1
            continue
        if ncols > 0 and k - line_start >= ncols:
            return i, -1, line_start  # more than ncols on this line
        if k >= cap:
            return i, k, line_start
        negative = c == _MINUS
        if negative or c == _PLUS:
            i += 1
        start = i
        w = _U0
        while True:
            d = np.int64(buf[np.uint64(i)]) - _ZERO
            if d < 0 or d > 9:
                break
            w = w * _U10 + np.uint64(d)
            i += 1
        int_end = i
        decimals = 0
        if buf[np.uint64(i)] == _DOT:
            i += 1
            frac_start = i
            while True:
                d = np.int64(buf[np.uint64(i)]) - _ZERO
                if d < 0 or d > 9:
                    break
                w = w * _U10 + np.uint64(d)
                i += 1
            decimals = i - frac_start
        digits = (int_end - start) + decimals
        if digits == 0:
            return i, -1, line_start  # "", ".", "-", "e5", "nan", ...
        mant_end = i
        exponent = 0
        c = buf[np.uint64(i)]
        if c == _LOWER_E or c == _UPPER_E:
            i += 1
            c = buf[np.uint64(i)]
            exp_negative = c == _MINUS
            if exp_negative or c == _PLUS:
                i += 1
            exp_start = i
            while True:
                d = np.int64(buf[np.uint64(i)]) - _ZERO
                if d < 0 or d > 9:
                    break
                exponent = exponent * 10 + d
                if exponent > _EXP_CAP:
                    return i, -1, line_start
                i += 1
            if i == exp_start:
                return i, -1, line_start  # "1e", "1e+"
            if exp_negative:
                exponent = -exponent
        if cls[buf[np.uint64(i)]] == _TOKEN:
            return i, -1, line_start  # "1x", "1..2", "1-2", "1e5.5"
        q = exponent - decimals
        truncated = False
        if digits > 19:
            # w may have wrapped: keep the first 19 significant digits, count the dropped ones into q.
            w = _U0
            significant = 0
            for j in range(start, mant_end):
                d = np.int64(buf[np.uint64(j)]) - _ZERO
                if d < 0:  # the '.'
                    continue
                if significant < 19:
                    if significant > 0 or d != 0:
                        significant += 1
                        w = w * _U10 + np.uint64(d)
                else:
                    q += 1
                    truncated = truncated or d != 0
        if w == _U0:
            out_bits[np.uint64(k)] = _SIGN if negative else _U0
        elif w <= _TWO53 and q >= -22 and q <= 22:
            value = np.float64(w) * pow10[np.uint64(q)] if q >= 0 else np.float64(w) / pow10[np.uint64(-q)]
            out[np.uint64(k)] = -value if negative else value
        else:
            bits = _eisel_lemire(w, q)
            if bits == _FAIL:
                return i, -1, line_start
            if truncated and _eisel_lemire(w + _U1, q) != bits:
                return i, -1, line_start  # the dropped digits could change the rounding
            out_bits[np.uint64(k)] = (bits | _SIGN) if negative else bits
        k += 1
    return i, k, line_start


@numba.njit(nogil=True, cache=True)
def _parse_buffer(buf: np.ndarray, ncols: int) -> tuple[np.ndarray, int]:  # pragma: no cover - compiled
    """Parse ``buf`` (uint8, ending in a separator or newline) into a flat float64 array: (array, count), count -1
    to give up. The array is sized by an estimate and grown (>= 1.5x) when the scan fills it."""
    n = buf.size
    if n > 0 and _CLASS[buf[np.uint64(n - 1)]] == _TOKEN:
        return np.empty(0, np.float64), -1
    out = np.empty(_estimate_values(buf, min(n, 4096)), np.float64)
    i = k = line_start = np.int64(0)
    while True:  # one call site: numba compiles and LLVM inlines _scan once
        i, k, line_start = _scan(buf, i, out, k, line_start, ncols)
        if k < 0 or i >= n:
            break
        # out is full: grow by what the rest promises at the density so far
        rest = (n - i) * k // max(i, 1)
        grown = np.empty(k + max(k // 2, rest + rest // 16 + 16), np.float64)
        for j in range(k):
            grown[np.uint64(j)] = out[np.uint64(j)]
        out = grown
    if k < 0 or (ncols > 0 and k != line_start and k - line_start != ncols):
        return out, -1
    return out, k


def parse(data: bytes, ncols: int | None) -> np.ndarray | None:
    """The reference parser's result for ``data``, bit for bit, or None where this parser cannot vouch for it.

    ``ncols=None`` gives a flat vector; otherwise a (rows, ncols) array. Runs without the GIL (threads can parse
    several files at once). None also for every malformed file: the reference then names the bad line.
    """
    if ncols is not None and ncols <= 0:
        return None
    buf = np.frombuffer(data, dtype=np.uint8)
    if buf.size and _CLASS[buf[-1]] == _TOKEN:  # no newline at the end: the scan wants one (copies the file)
        buf = np.frombuffer(bytes(data) + b"\n", dtype=np.uint8)
    if buf.flags.writeable:  # bytearray, memoryview: one compiled specialization (read-only) serves all
        buf = buf.view()
        buf.flags.writeable = False
    out, count = _parse_buffer(buf, 0 if ncols is None else ncols)
    if count < 0:
        return None
    if count != out.size:  # the size was an estimate: a view wastes < 1/8, a far-off guess is copied
        out = out[:count].copy() if 8 * count < 7 * out.size else out[:count]
    return out if ncols is None else out.reshape(-1, ncols)
