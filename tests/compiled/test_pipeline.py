"""Whole evaluations are identical on both backends, and the backend choice behaves as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval import backend as backend_module
from odtrack_eval.backend import ENV_VAR, MIN_BYTES, Backend, backend_status, choose_backend
from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.metrics.preparation import METRICS
from odtrack_eval.protocols import get_protocol
from odtrack_eval.sequence import Dataset, Sequence
from tests._kernels import require_kernels
from tests._shared import require_shared
from tests.compiled._equal import assert_same_bits


@pytest.mark.parametrize("name", ["lasot", "otb100"])
def test_real_evaluations_are_identical_on_both_backends(name: str, tmp_path: Path) -> None:
    require_kernels()
    from odtrack_eval.datasets import load_dataset

    root = require_shared("data", "real", name)
    ds = load_dataset(name, root / "annotations", cache=False)
    for protocol in ("odtrack", "pytracking", "official", "got10k"):
        out = {
            b: evaluate_folder(ds, root / "results", get_protocol(protocol), cache=False, backend=b)
            for b in Backend
        }
        compiled, numpy_ = out[Backend.COMPILED], out[Backend.NUMPY]
        assert compiled.backend is Backend.COMPILED and numpy_.backend is Backend.NUMPY
        assert [r.tracker for r in compiled.results] == [r.tracker for r in numpy_.results]
        assert compiled.warnings == numpy_.warnings and compiled.errors == numpy_.errors
        for a, b in zip(compiled.results, numpy_.results, strict=True):
            assert a.scores() == b.scores(), (name, protocol, a.tracker)
            for metric in METRICS:
                assert_same_bits(a.curves[metric], b.curves[metric], f"{name} {protocol} {metric}")


def test_annotations_load_identically_on_both_backends() -> None:
    require_kernels()
    from odtrack_eval.datasets import load_dataset

    root = require_shared("data", "real", "lasot", "annotations")
    a = load_dataset("lasot", root, cache=False, backend=Backend.COMPILED)
    b = load_dataset("lasot", root, cache=False, backend=Backend.NUMPY)
    for sa, sb in zip(a, b, strict=True):
        assert_same_bits(sa.ground_truth, sb.ground_truth, sa.name)
        assert_same_bits(sa.visible, sb.visible, sa.name)


def test_backend_switch_and_status(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {ENV_VAR: "0"}
    assert choose_backend(1 << 30, env) is Backend.NUMPY and "numpy path" in backend_status(env)
    require_kernels()
    assert choose_backend(10, {ENV_VAR: "1"}) is Backend.COMPILED
    assert "ODTRACK_EVAL_KERNELS=1" in backend_status({ENV_VAR: "1"})
    # auto: whenever the library is built (loading it costs milliseconds) ...
    assert choose_backend(10, {}) is Backend.COMPILED and "compiled kernels (" in backend_status({})
    # ... and by size before that (the build, ~1 s once, pays from MIN_BYTES on)
    monkeypatch.setattr(backend_module, "kernels_loaded", lambda: False)
    monkeypatch.setattr(backend_module, "built_library", lambda: None)
    assert "not built yet" in backend_status({})
    assert choose_backend(MIN_BYTES - 1, {}) is Backend.NUMPY
    assert choose_backend(MIN_BYTES, {}) is Backend.COMPILED and choose_backend(None, {}) is Backend.COMPILED
    monkeypatch.setattr(backend_module, "_compiler", lambda: None)
    assert choose_backend(MIN_BYTES, {}) is Backend.NUMPY and "no C compiler" in backend_status({})


@pytest.mark.parametrize(
    ("name", "shipped_list"),
    [("lasot", ("lasot", "testing_set.txt")), ("lasot_all", ("lasot", "all_dataset.txt")),
     ("lasot_train", ("lasot", "training_set.txt")), ("lasot_ext", ("lasot_ext", "sequence_list.txt")),
     ("tnl2k", ("tnl2k", "testing_set.txt")), ("trackingnet", ("trackingnet", "TEST_sequences.txt")),
     ("got10k-val", ("got10k", "val_list.txt")), ("got10k-test", ("got10k", "test_list.txt"))],
)  # fmt: skip
def test_a_subset_is_estimated_by_its_share_of_the_annotations(name: str, shipped_list: tuple[str, str]) -> None:
    """The parser of a first load is chosen by the estimated bytes of the sequences asked for."""
    from odtrack_eval.datasets import get_spec
    from odtrack_eval.datasets._common import read_name_list

    spec = get_spec(name)
    total = len(read_name_list(*shipped_list))
    assert spec.num_sequences == total
    full = spec.annotation_bytes(None)
    assert full is not None and spec.annotation_bytes(total) == full == spec.annotation_bytes(total + 5)
    assert spec.annotation_bytes(10) == full * 10 // total


def test_a_small_evaluation_on_a_fresh_install_does_not_build_the_kernels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building the library (~1 s) would make a small first evaluation slower: it runs on numpy instead."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(backend_module, "_LOADED", {})
    monkeypatch.setattr(backend_module, "built_library", lambda: None)
    monkeypatch.setattr(backend_module, "build_library", lambda: pytest.fail("built the kernels for a small input"))
    (tmp_path / "res" / "trk").mkdir(parents=True)
    (tmp_path / "res" / "trk" / "a.txt").write_text("10,10,20,20\n" * 50)
    ds = Dataset("toy", "otb", [Sequence("a", np.array([[10.0, 10, 20, 20]] * 50))])
    ev = evaluate_folder(ds, tmp_path / "res", get_protocol("odtrack"), cache=tmp_path / "c")
    assert ev.results and not ev.errors and ev.backend is Backend.NUMPY


def _sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str = "") -> Path:
    """Copies of the kernel sources (``extra`` appended to the first) built into a folder of the test's own."""
    folder = tmp_path / "src"
    folder.mkdir(exist_ok=True)
    copies = []
    for i, source in enumerate(backend_module.KERNEL_SOURCES):
        copy = folder / source.name
        copy.write_text(source.read_text() + (extra if i == 0 else ""))
        copies.append(copy)
    monkeypatch.setattr(backend_module, "KERNEL_SOURCES", tuple(copies))
    monkeypatch.setattr(backend_module, "_library_folders", lambda: [tmp_path / "lib"])
    return tmp_path / "lib"


def test_the_library_is_named_by_its_sources_and_built_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed source is never served by an old build; a build leaves one finished file and nothing else."""
    require_kernels()
    lib = _sources(tmp_path, monkeypatch)
    assert backend_module.built_library() is None
    first = backend_module.build_library()
    assert first.parent == lib and [p.name for p in lib.iterdir()] == [first.name]
    assert backend_module.built_library() == first and backend_module.build_library() == first  # built once
    _sources(tmp_path, monkeypatch, extra="\n/* changed */\n")
    assert backend_module.built_library() is None
    second = backend_module.build_library()
    assert second != first and sorted(p.name for p in lib.iterdir()) == sorted([first.name, second.name])
    # in the package's own folder a new build removes the libraries of earlier sources (and nothing else)
    monkeypatch.setattr(backend_module, "_PACKAGE", tmp_path)
    (tmp_path / "_kernels").mkdir()
    (tmp_path / "_kernels" / first.name).write_bytes(first.read_bytes())
    (tmp_path / "_kernels" / "notes.txt").write_text("not ours to remove")
    monkeypatch.setattr(backend_module, "_library_folders", lambda: [tmp_path / "_kernels"])
    third = backend_module.build_library()
    assert sorted(p.name for p in third.parent.iterdir()) == sorted([second.name, "notes.txt"])


def test_a_failing_build_says_why_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_kernels()
    lib = _sources(tmp_path, monkeypatch, extra="\nthis is not C;\n")
    with pytest.raises(backend_module.KernelsUnavailable, match="the C compiler failed"):
        backend_module.build_library()
    assert list(lib.iterdir()) == []
    broken = tmp_path / "broken-cc"  # a program that cannot be started
    broken.write_text("#!/no/such/interpreter\n")
    broken.chmod(0o755)
    monkeypatch.setenv("CC", str(broken))
    with pytest.raises(backend_module.KernelsUnavailable, match="cannot run the C compiler"):
        backend_module.build_library()
    assert list(lib.iterdir()) == []
    monkeypatch.setenv("CC", f"{tmp_path / 'no-such-compiler'} -O1")
    with pytest.raises(backend_module.KernelsUnavailable, match="no C compiler found"):
        backend_module.build_library()


def test_threads_asking_for_the_kernels_while_they_import_wait_for_them() -> None:
    """The reading threads parse as files arrive: one that asks while another imports the kernels must
    get the whole module, not the half-initialized one sys.modules holds during the import."""
    require_kernels()
    code = (
        "import threading, time\n"
        "from odtrack_eval.backend import Backend\n"
        "from odtrack_eval.textio import parse_table\n"
        "errors = []\n"
        "def work(i):\n"
        "    time.sleep(i * 0.01)\n"
        "    try:\n"
        "        parse_table(b'1,2,3,4\\n5,6,7,8\\n', f'f{i}.txt', 4, 'x,y,w,h', Backend.COMPILED)\n"
        "    except Exception as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=work, args=(i,)) for i in range(100)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
        "print(len(errors), errors[:1])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0 []", out.stdout + out.stderr


def test_kernels_that_do_not_import_fall_back_to_numpy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Kernels that cannot be built or loaded (no compiler, a failed build) must leave evaluation working, on numpy."""
    for name in backend_module.KERNEL_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(backend_module, "_LOADED", {})
    monkeypatch.setattr(backend_module, "kernels_import_error", lambda: "the C compiler failed")
    monkeypatch.setattr(backend_module, "_warn_once", lambda error: None)
    monkeypatch.setattr(backend_module, "built_library", lambda: Path("k.so"))
    assert "do not load: the C compiler failed" in backend_status({})
    gt = np.array([[10.0, 10, 20, 20]] * 5)
    (tmp_path / "r" / "trk").mkdir(parents=True)
    (tmp_path / "r" / "trk" / "a.txt").write_text("10,10,20,20\n" * 4 + "12,10,20,20\n")
    ds = Dataset("toy", "otb", [Sequence("a", gt)])
    ev = evaluate_folder(ds, tmp_path / "r", get_protocol("odtrack"), backend=Backend.COMPILED, cache=False)
    assert ev.errors == {} and ev.results[0].scores()["auc"] > 90


def test_the_user_cache_fallback_is_not_inside_the_results_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the package folder cannot be written, the library goes to the user cache, beside the results
    store: inside it, the store would take it for a foreign file and stop caching."""
    require_kernels()
    import warnings

    from odtrack_eval.store import ArrayStore, default_store_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("ODTRACK_EVAL_CACHE")
    package, user = backend_module._library_folders()
    assert package.parent == backend_module._PACKAGE and user.parent == tmp_path / "xdg"
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the package folder would be")
    monkeypatch.setattr(backend_module, "_library_folders", lambda: [blocked, user])
    built = backend_module.build_library()
    assert built.parent == user and built.stat().st_mode & 0o755 == 0o755  # loadable by other users too
    assert not built.is_relative_to(default_store_dir())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ArrayStore(default_store_dir()).put("test", "ab" * 32, [np.arange(3)])
    assert ArrayStore(default_store_dir()).get("test", "ab" * 32)[0].tolist() == [0, 1, 2]


def test_missing_sources_a_timeout_or_no_compiler_leave_evaluation_on_numpy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_kernels()
    lib = _sources(tmp_path, monkeypatch)
    monkeypatch.setattr(backend_module, "_build_error", None)

    def too_slow(*args: object, **kwargs: object) -> None:
        raise subprocess.TimeoutExpired("cc", 300)

    monkeypatch.setattr(subprocess, "run", too_slow)
    with pytest.raises(backend_module.KernelsUnavailable, match="more than 300 s"):
        backend_module.build_library()
    assert list(lib.iterdir()) == [] and "could not be built: the C compiler ran for" in backend_status({})
    monkeypatch.undo()
    monkeypatch.setattr(backend_module, "KERNEL_SOURCES", (tmp_path / "gone.c",))
    assert backend_module.built_library() is None  # (not an exception: every default run asks)
    with pytest.raises(backend_module.KernelsUnavailable, match="missing or unreadable"):
        backend_module.build_library()
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    monkeypatch.setattr(backend_module, "kernels_loaded", lambda: False)  # (this test process has loaded them)
    assert backend_module._compiler() is None and choose_backend(MIN_BYTES, {}) is Backend.NUMPY
    assert choose_backend(MIN_BYTES, {"ODTRACK_EVAL_JIT": "0"}) is Backend.NUMPY  # (the variable's old name)


def test_misaligned_and_strided_inputs_give_the_aligned_results() -> None:
    """Views the kernels cannot read in place (misaligned, odd strides) are copied, never read as they are."""
    require_kernels()
    from odtrack_eval.metrics import scoring_kernel
    from odtrack_eval.results import screen_kernel

    rng = np.random.default_rng(3)
    gt = np.column_stack([rng.integers(0, 100, (50, 2)), rng.integers(5, 40, (50, 2))]).astype(float)
    boxes = gt + rng.normal(0, 3, gt.shape)
    boxes[7, 2] = -1.0
    raw = np.zeros(boxes.size * 8 + 1, dtype=np.uint8)
    misaligned = np.frombuffer(raw.data, dtype=np.float64, count=boxes.size, offset=1).reshape(boxes.shape)
    assert not misaligned.flags.aligned
    misaligned[...] = boxes
    assert screen_kernel.screen_file(misaligned, gt, 50) == screen_kernel.screen_file(boxes, gt, 50)
    assert screen_kernel.screen_file(misaligned, gt, 50)[:2] == (True, 50)

    def score(pred: np.ndarray) -> tuple[int, list[int]]:
        grid = np.array([0.0, 0.25, 0.5, 0.75, 1.0, np.nan, np.nan])
        hists = [np.zeros((1, 7), dtype=np.int64) for _ in range(3)]
        codes = np.full(50, -1, dtype=np.int8)
        first = scoring_kernel.score_frames(
            pred, gt, np.zeros((0, 2)), np.zeros(50, dtype=np.int64), codes, codes, codes, 0, 0,
            grid, 0, 1.0, True, grid, 0, 1.0, grid, 0, 1.0, 0, 50, *hists, np.zeros(1), np.zeros(1, dtype=np.int64),
        )  # fmt: skip
        return first, [int(v) for h in hists for v in h.ravel()]

    assert score(misaligned) == score(boxes) == score(np.asfortranarray(boxes)) == score(boxes[::-1][::-1])
