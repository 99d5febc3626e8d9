"""Compiled kernels (numba) for the two hot loops of a cold evaluation: text → floats, frames → curves.

Why: a cold LaSOT evaluation spends its time in two places that numpy cannot fuse: parsing 685k
text rows (pandas' C parser: ~45 ms on two threads for 19 MB) and ~60 whole-array passes that turn
boxes into curves. A per-byte and a per-frame loop compiled with numba do each in one pass.

The kernels are an accelerator, never the definition: the numpy code in :mod:`odtrack_eval.results.reader`,
:mod:`odtrack_eval.boxes` and :mod:`odtrack_eval.metrics.ope` stays the reference, and the tests
check the kernels against it bit for bit (same IEEE operations in the same order, no fast-math, no
fused multiply-add). Where numba is missing or ``ODTRACK_EVAL_JIT=0`` is set, everything runs on
the numpy path with identical results.

numba compiles each kernel on first use (about a second) and keeps the machine code in its on-disk
cache (``__pycache__`` beside this package, or ``$NUMBA_CACHE_DIR``), so later processes only load it.
"""

from __future__ import annotations

import os
from functools import cache

ENV_VAR = "ODTRACK_EVAL_JIT"


@cache
def _import_error() -> str | None:
    """Why the kernels cannot be used (None when numba and the kernel modules import; their
    decorators also need a writable cache location)."""
    try:
        import numba  # noqa: F401

        from odtrack_eval.kernels import ope, parse, screen  # noqa: F401
    except Exception as exc:  # ImportError, a numba that does not support this numpy/Python, no cache locator
        return f"{exc.__class__.__name__}: {exc}"
    return None


def jit_enabled() -> bool:
    """True when the compiled kernels are used: they import and ``ODTRACK_EVAL_JIT`` is not ``0``."""
    if os.environ.get(ENV_VAR, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    return _import_error() is None


def jit_status() -> str:
    """One line for ``odtrack-eval doctor``: which path evaluation takes, and why."""
    error = _import_error()
    if error is not None:
        return f"numpy path (the kernels do not import: {error}; same results, cold evaluation ~3x slower)"
    import numba

    if not jit_enabled():
        return f"numpy path ({ENV_VAR}=0; numba {numba.__version__} is installed)"
    return f"compiled kernels (numba {numba.__version__})"
