"""Compiled kernels (numba) for the two hot loops of a cold evaluation: text → floats, frames → curves.

Why: a cold LaSOT evaluation spends its time in two places that numpy cannot fuse: parsing 685k
text rows (pandas' C parser: ~45 ms on two threads for 19 MB) and ~60 whole-array passes that turn
boxes into curves. A per-byte and a per-frame loop compiled with numba do each in one pass.

The kernels are an accelerator, never the definition: the numpy code in :mod:`odtrack_eval.results.reader`,
:mod:`odtrack_eval.boxes` and :mod:`odtrack_eval.metrics.ope` stays the reference, and the tests
check the kernels against it bit for bit (same IEEE operations in the same order, no fast-math, no
fused multiply-add). Where numba is missing or ``ODTRACK_EVAL_JIT=0`` is set, everything runs on
the numpy path with identical results.

When: starting numba and loading the compiled code costs ~0.35 s once per process, which pays off
only for large inputs (a LaSOT tracker's 10-19 MB of results; not OTB's ~1.5 MB, where the whole
command would take 0.8 s instead of 0.5 s). So by default (``ODTRACK_EVAL_JIT`` unset or ``auto``)
callers pass the size of their work and the kernels are used from :data:`MIN_BYTES` on, or
whenever this process has loaded them already; ``ODTRACK_EVAL_JIT=1`` uses them always.

numba compiles each kernel on first use (about a second) and keeps the machine code in its on-disk
cache (``__pycache__`` beside this package, or ``$NUMBA_CACHE_DIR``), so later processes only load it.
"""

from __future__ import annotations

import os
import sys
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


#: Work (bytes of result text, or of parsed boxes) from which the kernels pay for numba's start-up.
MIN_BYTES = 8 << 20


def _mode() -> str:
    value = os.environ.get(ENV_VAR, "auto").strip().lower()
    if value in ("0", "false", "no", "off"):
        return "off"
    if value in ("1", "true", "yes", "on"):
        return "on"
    return "auto"


def _loaded() -> bool:
    """Whether this process has imported the kernels already (numba's start-up is paid)."""
    return "odtrack_eval.kernels.ope" in sys.modules


def jit_enabled(work_bytes: int | None = None) -> bool:
    """Whether to use the compiled kernels for a piece of work of ``work_bytes`` (None: unknown, or
    a decision that does not depend on size): never with ``ODTRACK_EVAL_JIT=0``; always with ``1``;
    by default from :data:`MIN_BYTES` on or once loaded. Always False where they do not import."""
    mode = _mode()
    if mode == "off":
        return False
    if mode == "auto" and work_bytes is not None and work_bytes < MIN_BYTES and not _loaded():
        return False
    return _import_error() is None


def jit_status() -> str:
    """One line for ``odtrack-eval doctor``: which path evaluation takes, and why."""
    error = _import_error()
    if error is not None:
        return f"numpy path (the kernels do not import: {error}; same results, cold evaluation ~3x slower)"
    import numba

    mode = _mode()
    if mode == "off":
        return f"numpy path ({ENV_VAR}=0; numba {numba.__version__} is installed)"
    if mode == "on":
        return f"compiled kernels (numba {numba.__version__}, {ENV_VAR}=1: for every input)"
    return f"compiled kernels for inputs from {MIN_BYTES >> 20} MB, numpy below (numba {numba.__version__})"
