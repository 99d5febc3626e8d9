"""The installed set is consistent: one cv2 (the contrib build, with its trackers), vot-toolkit and
got10k import, and evaluation imports without torch."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

from odtrack_eval.doctor import SHADOWING, opencv_check


def test_cv2_is_the_contrib_build_with_its_trackers() -> None:
    import cv2

    for name in ("CSRT", "KCF", "MIL", "MOSSE"):
        assert hasattr(cv2.legacy, f"Tracker{name}_create"), f"cv2.legacy.Tracker{name}_create missing"
    # Another OpenCV wheel may be installed beside it (vot-toolkit pulls opencv-python): harmless as long as
    # the cv2 that imports is the contrib build's, which doctor --fix then leaves alone (no reinstall).
    check = opencv_check()
    assert check.ok, check.detail
    assert cv2.__version__.split("+")[0] in metadata.version("opencv-contrib-python-headless")
    others = [d for d in SHADOWING if _installed(d)]
    assert all(d in check.detail for d in others)  # named, not hidden


def _installed(dist: str) -> bool:
    try:
        metadata.version(dist)
    except metadata.PackageNotFoundError:
        return False
    return True


def test_reference_packages_import() -> None:
    import got10k.utils.metrics  # noqa: F401
    import vot.region.raster  # noqa: F401

    version = tuple(int(x) for x in metadata.version("attributee").split(".")[:3])
    assert version < (0, 1, 10), "vot-toolkit needs attributee<0.1.10 on Python 3.11"


def test_evaluation_imports_without_torch() -> None:
    code = (
        "import sys; sys.modules['torch'] = None\n"  # any `import torch` now raises ImportError
        "import odtrack_eval.cli, odtrack_eval.evaluation, odtrack_eval.metrics.ope, odtrack_eval.report.tables\n"
        "import odtrack_eval.datasets.lasot, odtrack_eval.datasets.otb, odtrack_eval.datasets.tnl2k\n"
        "import odtrack_eval.results\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr


@pytest.mark.parametrize("command", [["--help"], ["evaluate", "--help"], ["doctor", "--help"]])
def test_cli_help_runs(command: list[str]) -> None:
    out = subprocess.run([sys.executable, "-m", "odtrack_eval", *command], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "Usage" in out.stdout


def test_doctor_fix_leaves_a_working_contrib_build_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """No reinstall (a 73 MB download) when cv2 already is the contrib build."""
    import odtrack_eval.cli.doctor as doctor_cli
    from odtrack_eval.cli import main

    assert opencv_check().ok
    monkeypatch.setattr(doctor_cli, "fix_opencv", lambda: pytest.fail("reinstalled a working OpenCV"))
    monkeypatch.setattr(doctor_cli, "compile_kernels", lambda: None)
    with pytest.raises(SystemExit) as exc:
        main(["doctor", "--fix"])
    assert exc.value.code in (0, None)


def test_compile_kernels_builds_the_library_of_the_current_sources() -> None:
    """What `doctor --fix` runs after an install: the library of the current sources, which then loads."""
    from odtrack_eval import backend
    from odtrack_eval.doctor import compile_kernels
    from tests._kernels import require_kernels

    require_kernels()
    path = compile_kernels()
    assert path == backend.built_library() and path.name == backend.library_name(backend._compiler())


def test_unknown_names_list_a_readable_number_of_choices() -> None:
    from odtrack_eval.errors import UnknownNameError

    names = [f"seq-{i:03d}" for i in range(280)]
    message = str(UnknownNameError("sequence of LaSOT", "seq-2001", names))
    assert "Did you mean 'seq-201'" in message and message.endswith("seq-029 and 250 more")
    assert str(UnknownNameError("protocol", "odtrak", ["odtrack", "official"])).endswith("Available: odtrack, official")
