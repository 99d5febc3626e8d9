"""Compiled parser of numeric text files (``kernel.c``): :func:`parse` equals ``reference.parse_table`` bit for
bit, or says None.

The grammar and the exactness argument (Clinger's fast path, Eisel-Lemire with a table rounded down, an exact
dyadic fallback, at most 19 significant digits vouched for) are written in the C file. What the C code needs
from Python is made here, once, when this module is imported: the 128-bit table of powers of five (exact
Python integers) and the byte classes of :data:`~odtrack_eval.textio.reference.SEPARATORS`, so the grammar is
the reference's by construction. Importing this module builds or loads the kernel library
(:func:`odtrack_eval.backend.kernel_library`).
"""

from __future__ import annotations

import ctypes

import numpy as np

from odtrack_eval.backend import kernel_library, pointer
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

_library = kernel_library()
_library.odt_parse_init.argtypes = [ctypes.c_void_p] * 3 + [ctypes.c_int64] * 3 + [ctypes.c_void_p]
_library.odt_parse_init.restype = None
# (the C code keeps these pointers: the arrays live as long as this module)
_library.odt_parse_init(pointer(_T_HI), pointer(_T_LO), pointer(_T_EXP2), _Q_MIN, _Q_MAX, _EXACT_Q_MAX,
                        pointer(_CLASS))  # fmt: skip
_parse = _library.odt_parse
_parse.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64]
_parse.restype = ctypes.c_int64


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
    cap = (buf.size + 1) // 2 + 1  # a number takes a byte and is followed by a separator or newline
    out = np.empty(cap, dtype=np.float64)
    count = _parse(pointer(buf), buf.size, 0 if ncols is None else ncols, pointer(out), cap)
    if count < 0:
        return None
    out = out[:count].copy() if 2 * count < cap else out[:count]  # (most files: about 1 number per 4-18 bytes)
    return out if ncols is None else out.reshape(-1, ncols)
