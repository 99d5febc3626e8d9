"""Which implementation runs the hot loops: the numpy reference or the compiled (numba) kernels.

Every compiled kernel accelerates a numpy definition that sits beside it (``textio/reference.py``
and ``textio/kernel.py``, ``results/validation.py`` and ``results/screen_kernel.py``,
``metrics/scoring.py`` and ``metrics/scoring_kernel.py``) and gives the same bits; the tests check
each pair. So the choice changes speed, never numbers. It is made once per piece of work (one
evaluation, one dataset load) by :func:`choose_backend` and passed down as a :class:`Backend`;
nothing below reads the environment.

Why not always compiled: importing numba and loading the compiled code costs ~0.35 s once per
process, which only pays off for large inputs: numpy's text parser reads ~12 MB/s, so from a few
MB (a LaSOT tracker's 10-50 MB of results, not one OTB tracker's ~1.5 MB). By default
(``ODTRACK_EVAL_JIT`` unset or ``auto``) the kernels run from :data:`MIN_BYTES` of work on, or
whenever this process has loaded them already; ``ODTRACK_EVAL_JIT=1`` forces them and ``=0`` turns
them off.

numba compiles each kernel on first use (about a second) and keeps the machine code in its
on-disk cache (``__pycache__`` beside the kernel, or ``$NUMBA_CACHE_DIR``), so later processes
only load it (``odtrack-eval doctor --fix`` compiles them after an install).
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
import os
import sys
import threading
import warnings
from collections.abc import Mapping
from functools import cache
from types import ModuleType

from odtrack_eval.hashing import check_unchanged
from odtrack_eval.system import gc_paused

ENV_VAR = "ODTRACK_EVAL_JIT"

#: The kernel modules, each beside the numpy code it must equal.
KERNEL_MODULES = (
    "odtrack_eval.textio.kernel",
    "odtrack_eval.results.screen_kernel",
    "odtrack_eval.metrics.scoring_kernel",
)

#: Work (bytes of text to parse, or of boxes to score) from which the kernels pay for numba's start-up.
MIN_BYTES = 4 << 20


class Backend(enum.Enum):
    """The implementation of the hot loops; both give the same bits."""

    NUMPY = "numpy"
    COMPILED = "compiled"

    @property
    def compiled(self) -> bool:
        return self is Backend.COMPILED


def _import_numba() -> None:
    """Import numba without its BLAS probe: ``numba.np.arraymath`` imports ``scipy.linalg`` at import
    time (~0.17 s of a ~0.26 s import) only to know whether ``np.dot`` & co. can be compiled. The
    kernels use no BLAS, so the probe is made to fail (numba then compiles everything but BLAS calls);
    ``scipy.linalg`` stays importable afterwards. Where scipy.linalg is loaded already, nothing is saved
    and numba is imported as usual."""
    if "numba" in sys.modules or "scipy.linalg" in sys.modules:
        return
    sys.modules["scipy.linalg"] = None  # type: ignore[assignment]  # `import scipy.linalg...` raises ImportError
    try:
        import numba  # noqa: F401
        import numba.np.arraymath  # noqa: F401  (the probe runs here, at the first compile otherwise)
    finally:
        del sys.modules["scipy.linalg"]


@cache
def kernels_import_error() -> str | None:
    """Why the kernels cannot be used (None when numba and every kernel module import; their
    decorators also need a writable cache location)."""
    try:
        _import_numba()
        import numba  # noqa: F401

        for name in KERNEL_MODULES:
            importlib.import_module(name)
    except Exception as exc:  # ImportError, a numba that does not support this numpy/Python, no cache locator
        return f"{exc.__class__.__name__}: {exc}"
    return None


def _mode(environ: Mapping[str, str]) -> str:
    value = environ.get(ENV_VAR, "auto").strip().lower()
    if value in ("0", "false", "no", "off"):
        return "off"
    if value in ("1", "true", "yes", "on"):
        return "on"
    return "auto"


def kernels_loaded() -> bool:
    """Whether this process has imported the kernels already (numba's start-up is paid)."""
    return any(name in sys.modules for name in KERNEL_MODULES)


def choose_backend(work_bytes: int | None = None, environ: Mapping[str, str] | None = None) -> Backend:
    """The backend for a piece of work of ``work_bytes`` (None: size unknown or irrelevant).

    Never compiled with ``ODTRACK_EVAL_JIT=0``; always with ``1`` (where the kernels import); by
    default from :data:`MIN_BYTES` on or once loaded.
    """
    mode = _mode(os.environ if environ is None else environ)
    if mode == "off":
        return Backend.NUMPY
    if mode == "auto" and work_bytes is not None and work_bytes < MIN_BYTES and not kernels_loaded():
        return Backend.NUMPY
    # Only whether numba is installed: importing it here would cost a run that parses nothing ~0.3 s.
    return Backend.COMPILED if importlib.util.find_spec("numba") is not None else Backend.NUMPY


def load_kernel(module: str) -> ModuleType | None:
    """Import a kernel module of :data:`KERNEL_MODULES`; None (and one warning) where it cannot be
    imported, e.g. a numba that does not support this numpy, or no writable cache location. Callers
    then run the numpy definition: slower, same numbers."""
    kernel = _LOADED.get(module)
    if kernel is not None:
        return kernel
    # One thread imports; the parsing threads that ask meanwhile wait for the whole module (sys.modules
    # holds it from the start of its import, half initialized).
    with _LOADING, gc_paused():  # importing numba creates ~10^5 lasting objects: no collection scans them
        if module in _LOADED:
            return _LOADED[module]
        error = kernels_import_error()
        if error is not None:
            _warn_once(error)
            return None
        kernel = importlib.import_module(module)
        check_unchanged(kernel.__file__)  # the code the cache keys of this process name (hashing.source_digest)
        _LOADED[module] = kernel
    return kernel


_LOADED: dict[str, ModuleType] = {}
_LOADING = threading.Lock()


@cache
def _warn_once(error: str) -> None:
    warnings.warn(f"compiled kernels unavailable ({error}); using the numpy path (same numbers, slower)",
                  stacklevel=3)  # fmt: skip


def backend_status(environ: Mapping[str, str] | None = None) -> str:
    """One line for ``odtrack-eval doctor``: which path evaluation takes, and why."""
    error = kernels_import_error()
    if error is not None:
        return f"numpy path (the kernels do not import: {error}; same results, cold evaluation ~3x slower)"
    import numba

    mode = _mode(os.environ if environ is None else environ)
    if mode == "off":
        return f"numpy path ({ENV_VAR}=0; numba {numba.__version__} is installed)"
    if mode == "on":
        return f"compiled kernels (numba {numba.__version__}, {ENV_VAR}=1: for every input)"
    return f"compiled kernels for inputs from {MIN_BYTES >> 20} MB, numpy below (numba {numba.__version__})"
