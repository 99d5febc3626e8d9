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


def opencv_check() -> Check:
    others = [d for d in SHADOWING if _version(d)]
    contrib = _version(CONTRIB)
    try:
        cv2 = importlib.import_module("cv2")
        legacy = getattr(cv2, "legacy", None)
        has = legacy is not None and all(
            hasattr(legacy, f"Tracker{n}_create") for n in ("CSRT", "KCF", "MIL", "MOSSE")
        )
        version = cv2.__version__
    except ImportError as exc:
        return Check("opencv", False, f"cv2 does not import: {exc}")
    if not contrib:
        return Check(
            "opencv", False, f"{CONTRIB} is not installed (cv2 {version} comes from {others or 'elsewhere'})"
        )
    if others or not has:
        return Check(
            "opencv",
            False,
            f"cv2 {version} is shadowed by {', '.join(others) or 'another build'}; contrib trackers "
            f"{'missing' if not has else 'present'} — run `odtrack-eval doctor --fix`",
        )
    return Check("opencv", True, f"cv2 {version} from {CONTRIB} {contrib}, contrib trackers present")


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
    checks.append(jit_check())
    return checks


def jit_check() -> Check:
    """Which path evaluation takes: compiled kernels (numba) or numpy; same numbers, cold runs ~3x apart."""
    from odtrack_eval.kernels import jit_enabled, jit_status

    return Check("numba", jit_enabled(), f"evaluation uses {jit_status()}", False)


def fix_opencv() -> int:
    """Remove shadowing OpenCV wheels and reinstall the contrib build (same version). Returns pip's status."""
    installed = [d for d in SHADOWING if _version(d)]
    py = [sys.executable, "-m", "pip"]
    if installed:
        subprocess.run([*py, "uninstall", "-y", *installed], check=False)
    version = _version(CONTRIB)
    spec = f"{CONTRIB}=={version}" if version else CONTRIB
    return subprocess.run([*py, "install", "--force-reinstall", "--no-deps", spec], check=False).returncode


def compile_kernels() -> None:
    """Compile the evaluation kernels (or load them from numba's cache) for the argument types real
    evaluations pass, by running the real code paths on a small generated run under every OPE protocol.

    ``odtrack-eval doctor --fix`` calls this after an install, so that the first evaluation does not
    pay the seconds of compilation (numba compiles one version per layout and read-only flag).
    """
    import tempfile
    from pathlib import Path

    import numpy as np

    from odtrack_eval.metrics import ope
    from odtrack_eval.protocols import PROTOCOLS
    from odtrack_eval.results.reader import read_and_parse
    from odtrack_eval.sequence import Dataset, Sequence

    rng = np.random.default_rng(0)
    gts = [np.column_stack([rng.integers(1, 100, (30, 2)), rng.integers(5, 50, (30, 2))]).astype(float)
           for _ in range(3)]  # fmt: skip
    extra = {"cover": np.ones(30, dtype=int), "image_size": (200.0, 200.0)}
    dataset = Dataset("kernels", "otb", [Sequence(f"s{i}", g, extra=extra) for i, g in enumerate(gts)])
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, gt in enumerate(gts):
            paths.append(Path(tmp) / f"s{i}.txt")
            paths[-1].write_text("\n".join(",".join(f"{v:g}" for v in row) for row in gt + 1.5) + "\n")
        boxes, _, _ = read_and_parse(paths, 4, "x,y,w,h", [s.ground_truth for s in dataset])
    for protocol in PROTOCOLS.values():
        if isinstance(protocol, ope.Protocol):
            for tag in ("otb", "lasot"):
                proto = protocol.for_benchmark(tag)
                ope.score_run_compiled(ope.prepare_run(list(dataset), boxes, proto), proto)
