"""What a user sees from ``odtrack-eval evaluate`` on bad input: one clear line, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests._shared import SHARED


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "odtrack_eval", *args], capture_output=True, text=True)


@pytest.fixture()
def lasot(tmp_path: Path) -> tuple[Path, Path]:
    """A 3-sequence LaSOT toolkit-annotation root and matching perfect results."""
    annos = tmp_path / "annos"
    (annos / "absent").mkdir(parents=True)
    (annos / "att").mkdir()
    results = tmp_path / "results" / "Perfect"
    results.mkdir(parents=True)
    names = ["airplane-1", "airplane-9", "bear-2"]
    rng = np.random.default_rng(1)
    for n in names:
        gt = np.column_stack([rng.integers(1, 100, (20, 2)), rng.integers(5, 40, (20, 2))])
        np.savetxt(annos / f"{n}.txt", gt, fmt="%d", delimiter=",")
        np.savetxt(annos / "absent" / f"{n}.txt", np.zeros(20, int), fmt="%d")
        np.savetxt(annos / "att" / f"{n}.txt", np.zeros((1, 14), int), fmt="%d", delimiter=",")
        np.savetxt(results / f"{n}.txt", gt, fmt="%d", delimiter="\t")
    return annos, tmp_path / "results"


def test_table_output(lasot) -> None:
    annos, results = lasot
    seqs = [a for n in ("airplane-1", "airplane-9", "bear-2") for a in ("-s", n)]
    out = _run("evaluate", "-d", "lasot", "--root", str(annos), "-r", str(results), *seqs)
    assert out.returncode == 0, out.stderr
    assert "LaSOT (3 sequences)" in out.stdout
    assert "Perfect  95.2" in out.stdout  # a perfect tracker scores 20/21


def test_malformed_result_names_file_and_line(tmp_path: Path) -> None:
    from odtrack_eval.results import discover_trackers  # noqa: F401

    annos = SHARED / "data" / "real" / "otb100" / "annotations"
    if not annos.exists():
        pytest.skip("needs ../shared/data/real/otb100")
    src = annos.parent / "results" / "SiamFC-3s"
    dst = tmp_path / "res" / "T"
    dst.mkdir(parents=True)
    for f in src.glob("*.txt"):
        (dst / f.name).write_bytes(f.read_bytes())
    lines = (dst / "Basketball.txt").read_text().splitlines()
    lines[4] = "12,13,abc,5"
    (dst / "Basketball.txt").write_text("\n".join(lines) + "\n")
    out = _run("evaluate", "-d", "otb100", "--root", str(annos), "-r", str(tmp_path / "res"))
    assert out.returncode == 1
    assert "Basketball.txt:5" in out.stderr and "'abc' is not a number" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-d", "otb10"], "Did you mean 'otb100'"),
        (["-d", "otb100", "-p", "odtrak"], "Did you mean 'odtrack'"),
        (["-d", "otb100", "--root", "/nonexistent/otb"], "does not exist"),
    ],
)
def test_bad_names_and_paths_are_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    if "--root" not in args:
        args = [*args, "--root", str(tmp_path)]
    out = _run("evaluate", *args, "-r", str(tmp_path))
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr


def test_a_protocol_of_the_other_kind_is_refused_before_loading(tmp_path) -> None:
    from odtrack_eval.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["evaluate", "-d", "otb100", "--root", str(tmp_path / "nowhere"), "-r", str(tmp_path), "-p", "vot2020"])
    assert exc.value.code == 2


def test_mismatch_names_the_benchmark_and_the_right_protocols() -> None:
    from odtrack_eval.protocols import get_protocol, mismatch

    text = mismatch(get_protocol("vot2020"), "otb", "otb100")
    assert text is not None and "protocol vot2020 does not apply to otb100" in text and "odtrack" in text
    text = mismatch(get_protocol("odtrack"), "vot2020", "vot2020")
    assert text is not None and "vot2020-legacy" in text
    assert mismatch(get_protocol("odtrack"), "lasot", "lasot") is None
    assert mismatch(get_protocol("vot2020"), "vot2020", "vot2020") is None


def test_missing_things_are_explained_in_cli_words(tmp_path) -> None:
    """A benchmark with sequences missing names --sequence; results missing for a sequence name --allow-missing;
    a --checkpoint that does not exist is not answered with "pass --checkpoint"."""
    import numpy as np

    from odtrack_eval.datasets import load_dataset
    from odtrack_eval.errors import LayoutError
    from odtrack_eval.evaluation import evaluate_folder
    from odtrack_eval.protocols import get_protocol
    from odtrack_eval.trackers.definition import CheckpointError, TrackerDefinition

    annos = tmp_path / "annos"
    (annos / "absent").mkdir(parents=True)
    for name in ("cat-1", "cat-2"):
        np.savetxt(annos / f"{name}.txt", np.ones((5, 4)), fmt="%d", delimiter=",")
        np.savetxt(annos / "absent" / f"{name}.txt", np.zeros(5), fmt="%d")
    (annos / "testing_set.txt").write_text("cat-1\ncat-2\ncat-3\n")
    with pytest.raises(LayoutError) as err:
        load_dataset("lasot", annos, cache=False)
    assert "--sequence NAME" in str(err.value) and "sequences=[" not in str(err.value)
    ds = load_dataset("lasot", annos, cache=False, sequences=["cat-1", "cat-2"])
    (tmp_path / "r" / "trk").mkdir(parents=True)
    (tmp_path / "r" / "trk" / "cat-1.txt").write_text("1,1,1,1\n" * 5)
    ev = evaluate_folder(ds, tmp_path / "r", get_protocol("odtrack"), cache=False)
    assert "no result file for 1 of 2 sequences" in ev.errors["trk"] and "--allow-missing" in ev.errors["trk"]
    given = TrackerDefinition("t", "x:y", source="test").with_checkpoint(tmp_path / "nope.pth")
    with pytest.raises(CheckpointError) as cerr:
        given.check_checkpoint()
    assert "does not exist" in str(cerr.value) and "--checkpoint" not in str(cerr.value)
    from_file = TrackerDefinition("t", "x:y", checkpoint=tmp_path / "nope.pth", source="defs/t.toml")
    with pytest.raises(CheckpointError, match="pass --checkpoint PATH"):
        from_file.check_checkpoint()


def test_warnings_are_one_cli_line_without_python_source(tmp_path: Path, monkeypatch, capsys) -> None:
    """A warning of the package (here a damaged cache entry) reaches the user as one ``warning:`` line, not as
    Python's ``file:line: UserWarning`` with the source line echoed."""
    import warnings

    from odtrack_eval.cli import main
    from odtrack_eval.store import ArrayStore

    def damaged(self, kind, key):  # noqa: ANN001, ANN202
        warnings.warn(f"cache entry {kind}/{key[:8]} fails its checksum: ignored and recomputed", stacklevel=2)

    monkeypatch.setattr(ArrayStore, "get", damaged)
    (tmp_path / "annos" / "absent").mkdir(parents=True)
    (tmp_path / "res" / "T").mkdir(parents=True)
    gt = np.array([[10, 10, 20, 20]] * 8)
    np.savetxt(tmp_path / "annos" / "airplane-1.txt", gt, fmt="%d", delimiter=",")
    np.savetxt(tmp_path / "annos" / "absent" / "airplane-1.txt", np.zeros(8, int), fmt="%d")
    np.savetxt(tmp_path / "res" / "T" / "airplane-1.txt", gt, fmt="%d", delimiter=",")
    with pytest.raises(SystemExit) as exc:
        main(["evaluate", "-d", "lasot", "--root", str(tmp_path / "annos"), "-r", str(tmp_path / "res"),
              "-s", "airplane-1"])  # fmt: skip
    assert exc.value.code in (0, None)
    err = capsys.readouterr().err
    assert "warning: cache entry" in err and "ignored and recomputed" in err
    assert "UserWarning" not in err and "warnings.warn" not in err
