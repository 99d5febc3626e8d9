"""Which implementation runs the hot loops: the numpy reference or the compiled C kernels.

Every compiled kernel accelerates a numpy definition that sits beside it and gives the same bits
(``textio/reference.py`` and ``textio/kernel.c``, ``results/validation.py`` and
``results/screen_kernel.c``, ``metrics/scoring.py`` and ``metrics/scoring_kernel.c``; each ``.c`` has a
``.py`` of the same name that calls it through :mod:`ctypes`); the tests check each pair. So the choice
changes speed, never numbers. It is made once per piece of work (one evaluation, one dataset load) by
:func:`choose_backend` and passed down as a :class:`Backend`; nothing below reads the environment.

The C sources are compiled together, once, with the machine's C compiler (``$CC``, else ``cc``) into
one shared library named by the digest of the sources, the flags and the platform, so a changed
source is never served by an old build (:func:`kernel_library`). It is kept beside the package in
``_kernels/`` (or, where that is not writable, in ``$XDG_CACHE_HOME/odtrack-eval-kernels``);
``odtrack-eval doctor --fix`` builds it after an install. Loading it costs a few milliseconds (it was
~0.45 s per process with numba, the previous compiler, which is why small inputs then stayed on numpy).
Calls through ctypes release the GIL, so threads run kernels side by side.

By default (``ODTRACK_EVAL_KERNELS`` unset or ``auto``) the kernels run whenever the library is built,
and work from :data:`MIN_BYTES` on builds it (about a second, once); ``=1`` always builds and uses
them, ``=0`` turns them off. Without a C compiler evaluation runs on numpy: slower, same numbers.
"""

from __future__ import annotations

import ctypes
import enum
import importlib
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import ModuleType

import numpy as np

from odtrack_eval.hashing import KeyBuilder, check_unchanged

ENV_VAR = "ODTRACK_EVAL_KERNELS"

#: The kernel modules, each beside the numpy code it must equal; each wraps the ``.c`` of its name.
KERNEL_MODULES = (
    "odtrack_eval.textio.kernel",
    "odtrack_eval.results.screen_kernel",
    "odtrack_eval.metrics.scoring_kernel",
)

_PACKAGE = Path(__file__).resolve().parent
#: The C sources, compiled together into one library.
KERNEL_SOURCES = tuple(_PACKAGE.joinpath(*name.split(".")[1:]).with_suffix(".c") for name in KERNEL_MODULES)

#: Floating point exactly as IEEE and numpy do it: no fused multiply-add, no reassociation. No
#: ``-march=native``: a library kept in a shared home folder may be loaded on another CPU.
CFLAGS = ("-O3", "-std=c99", "-fPIC", "-shared", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno")

#: Work (bytes of text to parse, or of boxes to score) from which building the library (once) pays.
MIN_BYTES = 4 << 20


class Backend(enum.Enum):
    """The implementation of the hot loops; both give the same bits."""

    NUMPY = "numpy"
    COMPILED = "compiled"

    @property
    def compiled(self) -> bool:
        return self is Backend.COMPILED


class KernelsUnavailable(RuntimeError):
    """The kernel library cannot be built or loaded here (no C compiler, a failed build, no writable folder)."""


def _compiler() -> list[str] | None:
    """The C compiler command: ``$CC`` (words split as a shell would), else ``cc``, ``gcc`` or ``clang``; None
    where there is none (a ``$CC`` that names no program counts as none)."""
    if os.environ.get("CC", "").strip():
        words = shlex.split(os.environ["CC"])
        return words if shutil.which(words[0]) else None
    found = next((path for name in ("cc", "gcc", "clang") if (path := shutil.which(name))), None)
    return [found] if found else None


def _sources() -> list[tuple[str, bytes]]:
    """(file name, bytes) of every kernel source, read once for both the library's name and its compilation, so
    a library is named by exactly the bytes it was compiled from (a source saved meanwhile cannot slip in)."""
    try:
        return [(source.name, source.read_bytes()) for source in KERNEL_SOURCES]
    except OSError as exc:
        raise KernelsUnavailable(f"a kernel source is missing or unreadable ({exc})") from None


def library_name(compiler: list[str], sources: list[tuple[str, bytes]] | None = None) -> str:
    """The file name of the library these sources, flags, compiler and platform build."""
    key = KeyBuilder("kernel-library").text(" ".join(compiler)).text(" ".join(CFLAGS))
    key.text(f"{sys.platform}-{platform.machine()}")
    for name, data in _sources() if sources is None else sources:
        key.text(name).raw(data)
    return f"odtrack-eval-kernels-{key.hexdigest()[:24]}.so"


def _library_folders() -> list[Path]:
    """Beside the package, else in the user's cache: beside the results cache, never inside it (the store
    refuses a folder holding files that are not its own)."""
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return [_PACKAGE / "_kernels", cache_home / "odtrack-eval-kernels"]


def _loadable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.R_OK)


def built_library() -> Path | None:
    """The library file for the current sources, if it has been built (nothing is compiled here)."""
    compiler = _compiler()
    if compiler is None:
        return None
    try:
        name = library_name(compiler)
    except KernelsUnavailable:
        return None
    return next((folder / name for folder in _library_folders() if _loadable(folder / name)), None)


def _drop_superseded(folder: Path, keep: str) -> None:
    """Remove the libraries of earlier sources from the package's own folder (one package, one source set: they
    can never be loaded again; a process that has one loaded keeps its mapping). The shared user-cache folder
    is left alone: installs of other versions may use its libraries."""
    for old in folder.glob("odtrack-eval-kernels-*.so"):
        if old.name != keep:
            try:
                old.unlink()
            except OSError:
                pass


#: Why this process's last build failed (shown by ``doctor``), or None.
_build_error: str | None = None


def build_library() -> Path:
    """Compile the kernels unless built already; the file appears whole (compiled in a folder of its own, then
    renamed), so processes building at once never load half a library. Raises :class:`KernelsUnavailable`."""
    global _build_error
    compiler = _compiler()
    if compiler is None:
        raise KernelsUnavailable("no C compiler found (set CC, or install cc/gcc/clang)")
    sources = _sources()
    name = library_name(compiler, sources)
    for folder in _library_folders():
        if _loadable(folder / name):
            return folder / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=folder))
        except OSError:
            continue
        try:
            for source, data in sources:
                (work / source).write_bytes(data)
            command = [*compiler, *CFLAGS, "-o", str(work / name), *(str(work / s) for s, _ in sources), "-lm"]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=300)
            except OSError as exc:
                raise KernelsUnavailable(f"cannot run the C compiler {compiler[0]!r}: {exc}") from None
            except subprocess.TimeoutExpired:
                raise KernelsUnavailable(f"the C compiler ran for more than 300 s ({' '.join(compiler)})") from None
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip().splitlines()[-12:]
                raise KernelsUnavailable(f"the C compiler failed ({' '.join(compiler)}):\n" + "\n".join(tail))
            os.chmod(work / name, 0o755)  # loadable by every user, as installed files are
            os.replace(work / name, folder / name)
            if folder == _PACKAGE / "_kernels":
                _drop_superseded(folder, keep=name)
        except KernelsUnavailable as exc:
            _build_error = str(exc)
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)  # (the build's own temporary folder)
        return folder / name
    raise KernelsUnavailable("no writable folder for the kernel library: " +
                             ", ".join(str(f) for f in _library_folders()))  # fmt: skip


@cache
def kernel_library() -> ctypes.CDLL:
    """The loaded kernel library (built first where needed). Raises :class:`KernelsUnavailable`."""
    path = build_library()
    try:
        return ctypes.CDLL(str(path))
    except OSError as exc:
        raise KernelsUnavailable(f"cannot load {path}: {exc}") from None


@cache
def kernels_import_error() -> str | None:
    """Why the kernels cannot be used (None when the library builds or is built, and every kernel module imports)."""
    try:
        for name in KERNEL_MODULES:
            importlib.import_module(name)
    except (KernelsUnavailable, ImportError, AttributeError) as exc:  # AttributeError: a symbol missing
        return str(exc) if isinstance(exc, KernelsUnavailable) else f"{exc.__class__.__name__}: {exc}"
    return None


def _mode(environ: Mapping[str, str]) -> str:
    # (ODTRACK_EVAL_JIT: its name while the kernels were numba's, still honoured)
    value = (environ.get(ENV_VAR) or environ.get("ODTRACK_EVAL_JIT") or "auto").strip().lower()
    if value in ("0", "false", "no", "off"):
        return "off"
    if value in ("1", "true", "yes", "on"):
        return "on"
    return "auto"


def kernels_loaded() -> bool:
    """Whether this process has loaded the kernels already."""
    return bool(_LOADED)


def choose_backend(work_bytes: int | None = None, environ: Mapping[str, str] | None = None) -> Backend:
    """The backend for a piece of work of ``work_bytes`` (None: size unknown or irrelevant).

    Never compiled with ``ODTRACK_EVAL_KERNELS=0``; always with ``1`` (where the library builds); by
    default whenever the library is built, and from :data:`MIN_BYTES` on (building it) otherwise.
    """
    mode = _mode(os.environ if environ is None else environ)
    if mode == "off":
        return Backend.NUMPY
    if mode == "on" or kernels_loaded() or built_library() is not None:
        return Backend.COMPILED
    if work_bytes is not None and work_bytes < MIN_BYTES:
        return Backend.NUMPY
    return Backend.COMPILED if _compiler() is not None else Backend.NUMPY


def load_kernel(module: str) -> ModuleType | None:
    """Import a kernel module of :data:`KERNEL_MODULES`; None (and one warning) where it cannot be
    imported, e.g. no C compiler or a failed build. Callers then run the numpy definition: slower,
    same numbers."""
    kernel = _LOADED.get(module)
    if kernel is not None:
        return kernel
    with _LOADING:  # one thread builds and imports; the others wait for the whole module
        if module in _LOADED:
            return _LOADED[module]
        error = kernels_import_error()
        if error is not None:
            _warn_once(error)
            return None
        kernel = importlib.import_module(module)
        check_unchanged(kernel.__file__)  # the code the cache keys of this process name (hashing.source_digest)
        check_unchanged(Path(kernel.__file__).with_suffix(".c"))
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
    mode = _mode(os.environ if environ is None else environ)
    if mode == "off":
        return f"numpy path ({ENV_VAR}=0)"
    built = built_library()
    if built is None:
        compiler = _compiler()
        if _build_error is not None:
            return f"numpy path (the kernels could not be built: {_build_error})"
        if compiler is None:
            return "numpy path (no C compiler: set CC or install cc; same results, a cold LaSOT evaluation ~10x slower)"
        return (f"compiled kernels, not built yet ({' '.join(compiler)} builds them at the first large "
                "evaluation, or run `odtrack-eval doctor --fix`)")  # fmt: skip
    error = kernels_import_error()
    if error is not None:
        return f"numpy path (the kernels do not load: {error}; same results, a cold LaSOT evaluation ~10x slower)"
    return f"compiled kernels ({built})" + (f", {ENV_VAR}=1" if mode == "on" else "")


def pointer(array: np.ndarray) -> int:
    """The address of an array's first element, for a kernel's pointer argument (the caller keeps the array alive
    and C-contiguous for the call)."""
    return array.__array_interface__["data"][0]


def c_array(array: np.ndarray, dtype: type) -> np.ndarray:
    """``array`` as a C-contiguous, aligned array of ``dtype``, as the kernels read it (copied only where it is
    not one already: a misaligned view would be undefined behaviour in C)."""
    return np.require(array, dtype, ["C_CONTIGUOUS", "ALIGNED"])


def float64_table(array: np.ndarray, ncols: int) -> np.ndarray:
    """``array`` as a C-contiguous, aligned float64 ``(rows, ncols)`` table, as the kernels read it (copied only
    where it is not one already)."""
    table = c_array(array, np.float64)
    if table.ndim != 2 or table.shape[1] != ncols:
        raise ValueError(f"expected a (rows, {ncols}) table, got shape {table.shape}")
    return table
