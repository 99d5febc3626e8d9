"""Checks (and repairs) the installed environment.

The one known conflict: vot-toolkit depends on ``opencv-python``, whose ``cv2`` overwrites the
``cv2`` of ``opencv-contrib-python-headless`` (whichever installs last wins), and the plain build
lacks the contrib trackers (CSRT, KCF, MOSSE...). ``fix_opencv`` removes the other OpenCV wheels and
reinstalls the contrib one so that exactly one consistent ``cv2`` is present.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

CONTRIB = "opencv-contrib-python-headless"
SHADOWING = ("opencv-python", "opencv-python-headless", "opencv-contrib-python")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


_CV2_PROBE = (
    "import json, cv2\n"
    "legacy = getattr(cv2, 'legacy', None)\n"
    "has = legacy is not None and all(hasattr(legacy, f'Tracker{n}_create') for n in ('CSRT', 'KCF', 'MIL', 'MOSSE'))\n"
    "print(json.dumps([cv2.__version__, has]))\n"
)


def _probe_cv2() -> tuple[str, bool]:
    """(version, contrib trackers present) of the cv2 a fresh process imports: this process may hold a cv2
    imported before a repair changed the files. Raises ImportError if cv2 does not import."""
    import json

    out = subprocess.run([sys.executable, "-c", _CV2_PROBE], capture_output=True, text=True)
    if out.returncode != 0:
        lines = out.stderr.strip().splitlines()
        raise ImportError(lines[-1] if lines else "cv2 does not import")
    version, has = json.loads(out.stdout.strip().splitlines()[-1])
    return str(version), bool(has)


def opencv_check() -> Check:
    others = [d for d in SHADOWING if _version(d)]
    contrib = _version(CONTRIB)
    try:
        version, has = _probe_cv2()
    except ImportError as exc:
        return Check("opencv", False, f"cv2 does not import: {exc}")
    if not contrib:
        return Check(
            "opencv", False, f"{CONTRIB} is not installed (cv2 {version} comes from {others or 'elsewhere'})"
        )
    if not has:
        return Check(
            "opencv",
            False,
            f"cv2 {version} is shadowed by {', '.join(others) or 'another build'}; contrib trackers missing "
            "— run `odtrack-eval doctor --fix`",
        )
    # The contrib build's cv2 is the one that imports: nothing to repair (reinstalling it would only
    # download it again). Another OpenCV wheel beside it shares the cv2 folder; it is named, not removed.
    also = f"; also installed: {', '.join(others)} (harmless while cv2 is the contrib build)" if others else ""
    return Check("opencv", True, f"cv2 {version} from {CONTRIB} {contrib}, contrib trackers present{also}")


def _import_check(module: str, dist: str, required: bool, why: str) -> Check:
    try:
        importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - any import failure is the finding
        return Check(
            dist, False, f"{module} does not import ({exc.__class__.__name__}: {exc}); {why}", required
        )
    return Check(dist, True, f"{dist} {_version(dist)}", required)


def run_checks() -> list[Check]:
    checks = [opencv_check()]
    checks.append(_import_check("got10k.utils.metrics", "got10k", False, "needed for parity tests only"))
    vot = _import_check(
        "vot.region.raster", "vot-toolkit", False, "needed for VOT parity and TraX integration"
    )
    att = _version("attributee")
    if vot.ok and att and tuple(int(x) for x in att.split(".")[:3]) >= (0, 1, 10):
        vot = Check(
            "vot-toolkit", False, f"attributee {att} breaks vot-toolkit on Python 3.11; need <0.1.10", False
        )
    checks.append(vot)
    checks.append(_import_check("torch", "torch", False, "needed only by trackers that use it (ODTrack)"))
    checks.append(kernels_check())
    return checks


def kernels_check() -> Check:
    """Which path evaluation takes: the compiled C kernels or numpy; same numbers, cold runs ~10x apart."""
    from odtrack_eval.backend import backend_status, built_library, kernels_import_error

    ok = built_library() is not None and kernels_import_error() is None
    return Check("kernels", ok, f"evaluation uses {backend_status()}", False)


def fix_opencv() -> int:
    """Remove shadowing OpenCV wheels and reinstall the contrib build (same version). Returns pip's status."""
    installed = [d for d in SHADOWING if _version(d)]
    py = [sys.executable, "-m", "pip"]
    if installed:
        subprocess.run([*py, "uninstall", "-y", *installed], check=False)
    version = _version(CONTRIB)
    spec = f"{CONTRIB}=={version}" if version else CONTRIB
    return subprocess.run([*py, "install", "--force-reinstall", "--no-deps", spec], check=False).returncode


def compile_kernels() -> Path:
    """Build the evaluation kernels' library for the current sources (nothing to do where it is built) and
    load it, so the first evaluation after an install does not pay the compilation (~1 s).

    Raises :class:`~odtrack_eval.backend.KernelsUnavailable` where it cannot be built or loaded.
    """
    from odtrack_eval.backend import KernelsUnavailable, build_library, kernels_import_error

    path = build_library()
    error = kernels_import_error()
    if error is not None:
        raise KernelsUnavailable(error)
    return path
