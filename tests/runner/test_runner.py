"""The runner: pytracking layout, exact floats, resume, failures, manifest, workers, timing."""

from __future__ import annotations

import hashlib
import json
import socket
import sys
import textwrap
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from odtrack_eval.errors import FormatError, OdtrackEvalError, ResultsError
from odtrack_eval.imageio import image_size, read_rgb
from odtrack_eval.runner import RunConfig, run_tracker
from odtrack_eval.runner.parallel import worker_devices
from odtrack_eval.runner.prefetch import Prefetcher
from odtrack_eval.runner.storage import format_rows
from odtrack_eval.runner.tasks import SequenceTask, track_sequence
from odtrack_eval.synth import SynthOptions, generate, load_synth
from odtrack_eval.trackers.definition import TrackerDefinition
from odtrack_eval.trackers.registry import TrackerBuildError, resolve_tracker

TRACKER_MODULE = textwrap.dedent(
    '''
    import time

    class Drift:
        """Deterministic test tracker: the box moves by (dx, dy) each frame."""

        def __init__(self, dx=1.5, dy=-0.1, sleep=0.0, fail_on=None, fail_frame=5, checkpoint=None):
            self.dx, self.dy, self.sleep = dx, dy, sleep
            self.fail_on, self.fail_frame = fail_on, fail_frame
            self.checkpoint = checkpoint

        def initialize(self, image, info):
            assert image.dtype.name == "uint8" and image.ndim == 3 and image.shape[2] == 3
            self.name = info["sequence_name"]
            self.box = [float(v) for v in info["init_bbox"]]
            self.frame = 0

        def track(self, image, info):
            self.frame += 1
            if self.name == self.fail_on and self.frame == self.fail_frame:
                raise RuntimeError(f"boom in {self.name} at frame {self.frame}")
            if self.sleep:
                time.sleep(self.sleep)
            self.box = [self.box[0] + self.dx, self.box[1] + self.dy, self.box[2] / 3, self.box[3] + 0.1]
            return {"target_bbox": self.box, "score": 1 / (self.frame + 2)}
    '''
)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory):
    root = generate(tmp_path_factory.mktemp("bench") / "synth", SynthOptions(sequences=3, frames=15, seed=2))
    return load_synth(root)


def install_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> Path:
    """Write ``source`` as module ``name`` in a folder put on sys.path (importable here and in spawned workers)."""
    folder = tmp_path / "plugin"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(folder))
    return folder


@pytest.fixture()
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A module with the test tracker."""
    return install_module(tmp_path, monkeypatch, "odt_test_drift", TRACKER_MODULE)


def drift(**parameters) -> TrackerDefinition:
    return TrackerDefinition("drift", "odt_test_drift:Drift", parameters, source="test")


def config(tmp_path: Path, **kw) -> RunConfig:
    return RunConfig(results_root=tmp_path / "results", progress=False, **kw)


def expected_boxes(seq, dx=1.5, dy=-0.1) -> list[list[float]]:
    """What Drift must write, computed here with the same float operations."""
    box = [float(v) for v in seq.ground_truth[0]]
    rows = [list(box)]
    for _ in range(1, len(seq)):
        box = [box[0] + dx, box[1] + dy, box[2] / 3, box[3] + 0.1]
        rows.append(box)
    return rows


def read_rows(path: Path) -> list[list[float]]:
    return [[float(v) for v in line.split("\t")] for line in path.read_text().splitlines()]


def test_pytracking_layout_and_exact_floats(dataset, plugin, tmp_path: Path) -> None:
    report = run_tracker(drift(), dataset, config(tmp_path, run_id=7))
    folder = tmp_path / "results" / "drift" / "default_007" / "lasot"
    assert report.results_dir == folder and report.ok
    assert sorted(report.completed) == sorted(dataset.names)
    for seq in dataset:
        # repr-exact: reading the text back gives the very same doubles
        assert read_rows(folder / f"{seq.name}.txt") == expected_boxes(seq)
        times = np.loadtxt(folder / f"{seq.name}_time.txt")
        assert times.shape == (len(seq),) and np.all(times >= 0) and np.all(times < 1)
        scores = read_rows(folder / f"{seq.name}_score.txt")
        assert np.isnan(scores[0][0]) and scores[1:] == [[1 / (i + 2)] for i in range(1, len(seq))]
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(
        [f"{n}{suffix}" for n in dataset.names for suffix in (".txt", "_time.txt", "_score.txt")]
        + ["run_manifest.json"]
    )
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == [".claims"]  # hidden lock files


def test_format_rows_round_trips_awkward_floats() -> None:
    values = np.array([[0.1 + 0.2, 1 / 3, 1e-300, -2.5e17], [np.nextafter(1.0, 2.0), 0.0, -0.0, 123456789.123]])
    text = format_rows(values)
    assert "\t" in text and text.count("\n") == 2
    back = np.array([[float(v) for v in line.split("\t")] for line in text.splitlines()])
    assert back.tobytes() == values.tobytes()


def test_resume_skips_done_sequences(dataset, plugin, tmp_path: Path) -> None:
    first = run_tracker(drift(), dataset, config(tmp_path))
    a, b, c = (first.results_dir / f"{n}.txt" for n in dataset.names)
    a.write_text("sentinel\n")  # a finished sequence is never recomputed
    b.unlink()  # box file missing = not done (even with its time file present)
    second = run_tracker(drift(), dataset, config(tmp_path))
    assert second.completed == [dataset.names[1]]
    assert sorted(second.skipped) == sorted([dataset.names[0], dataset.names[2]])
    assert a.read_text() == "sentinel\n"
    assert read_rows(b) == expected_boxes(dataset[1])
    manifest = json.loads(second.manifest_path.read_text())
    assert [s["status"] for s in manifest["sessions"]] == ["complete", "complete"]
    assert manifest["sessions"][1]["skipped_already_done"] == 2


def test_failing_sequence_does_not_stop_the_others(dataset, plugin, tmp_path: Path) -> None:
    bad = dataset.names[1]
    report = run_tracker(drift(fail_on=bad), dataset, config(tmp_path))
    assert not report.ok
    assert [f.name for f in report.failed] == [bad]
    assert f"boom in {bad} at frame 5" in report.failed[0].error
    assert "RuntimeError" in report.failed[0].traceback
    for name in dataset.names:
        done = (report.results_dir / f"{name}.txt").exists()
        assert done == (name != bad)
        assert (report.results_dir / f"{name}_time.txt").exists() == (name != bad)
    manifest = json.loads(report.manifest_path.read_text())
    session = manifest["sessions"][-1]
    assert session["status"] == "incomplete" and session["failed"][0]["sequence"] == bad


def test_manifest_contents(dataset, plugin, tmp_path: Path) -> None:
    ckpt = tmp_path / "weights.pth"
    ckpt.write_bytes(b"not really a checkpoint" * 1000)
    definition = TrackerDefinition("drift", "odt_test_drift:Drift", {"dx": 2.0}, checkpoint=ckpt, source="test")
    report = run_tracker(definition, dataset, config(tmp_path, run_id=0))
    data = json.loads(report.manifest_path.read_text())
    assert data["toolkit"]["name"] == "odtrack-eval" and data["toolkit"]["version"]
    git = data["toolkit"]["git"]
    assert git is None or len(git["commit"]) == 40
    assert data["tracker"]["implementation"] == "odt_test_drift:Drift"
    assert data["tracker"]["parameters"] == {"dx": 2.0}
    assert data["checkpoint_sha256"] == hashlib.sha256(ckpt.read_bytes()).hexdigest()
    assert "perf_counter" in data["timing_protocol"] and "decoding" in data["timing_protocol"]
    assert data["dataset"]["name"] == "lasot" and data["dataset"]["sequences"] == 3
    session = data["sessions"][0]
    assert session["devices"] == ["cpu"] and session["status"] == "complete"
    assert session["started"] <= session["ended"]
    assert session["libraries"]["numpy"] == np.__version__
    assert session["host"]["hostname"] == socket.gethostname()
    assert session["executed_on"] == {n: f"{socket.gethostname()}/cpu" for n in dataset.names}


def test_refuses_to_mix_definitions_in_one_folder(dataset, plugin, tmp_path: Path) -> None:
    run_tracker(drift(), dataset, config(tmp_path))
    with pytest.raises(ResultsError, match="different tracker definition"):
        run_tracker(drift(dx=3.0), dataset, config(tmp_path))
    run_tracker(drift(dx=3.0), dataset, config(tmp_path, run_id=1))  # another run id is fine


def test_stale_temp_files_are_removed(dataset, plugin, tmp_path: Path) -> None:
    folder = tmp_path / "results" / "drift" / "default" / "lasot"
    folder.mkdir(parents=True)
    host = socket.gethostname().replace(".", "_")
    stale = folder / f".{dataset.names[0]}.txt.{host}.99999999.tmp"
    stale.write_text("1\t2\t")  # what a killed writer leaves
    report = run_tracker(drift(), dataset, config(tmp_path))
    assert not stale.exists() and report.completed and report.ok
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == [".claims"]  # only the lock files


def test_missing_frames_fail_that_sequence_only(tmp_path: Path, plugin) -> None:
    root = generate(tmp_path / "synth", SynthOptions(sequences=2, frames=6, seed=1))
    (root / "tile" / "tile-1" / "img" / "00000004.jpg").unlink()
    report = run_tracker(drift(), load_synth(root), config(tmp_path))
    assert report.completed == ["card-1"]
    assert report.failed[0].name == "tile-1" and "00000004.jpg" in report.failed[0].error


def test_workers_give_the_same_results(dataset, plugin, tmp_path: Path) -> None:
    serial = run_tracker(drift(), dataset, config(tmp_path / "a"))
    pooled = run_tracker(drift(), dataset, config(tmp_path / "b", workers=2))
    assert pooled.ok and sorted(pooled.completed) == sorted(dataset.names)
    for name in dataset.names:
        assert (pooled.results_dir / f"{name}.txt").read_bytes() == (serial.results_dir / f"{name}.txt").read_bytes()
    manifest = json.loads(pooled.manifest_path.read_text())
    assert manifest["sessions"][0]["workers"] == 2


def test_worker_failure_and_build_errors(dataset, plugin, tmp_path: Path) -> None:
    bad = dataset.names[0]
    report = run_tracker(drift(fail_on=bad), dataset, config(tmp_path, workers=2))
    assert [f.name for f in report.failed] == [bad] and len(report.completed) == 2
    broken = TrackerDefinition("broken", "odt_no_such_module:Thing", source="test")
    with pytest.raises(TrackerBuildError, match="cannot import 'odt_no_such_module'"):
        run_tracker(broken, dataset, config(tmp_path / "x"))
    with pytest.raises(TrackerBuildError, match="odt_no_such_module"):
        run_tracker(broken, dataset, config(tmp_path / "y", workers=2))


def test_devices_are_assigned_round_robin(dataset, plugin, tmp_path: Path) -> None:
    # two "devices" on CPU: the factory sees the device it was given
    source = (plugin / "odt_test_drift.py").read_text()
    source += textwrap.dedent(
        """
        class DeviceEcho(Drift):
            def __init__(self, device="cpu"):
                super().__init__()
                self.dx = 100.0 if device == "cuda:1" else 0.0
        """
    )
    (plugin / "odt_test_drift.py").write_text(source)
    sys.modules.pop("odt_test_drift", None)
    definition = TrackerDefinition("echo", "odt_test_drift:DeviceEcho", source="test")
    with pytest.raises(OdtrackEvalError, match="invalid device"):
        config(tmp_path, devices=("gpu0",))
    assert worker_devices(["cuda:0", "cuda:1"], 5) == ["cuda:0", "cuda:1", "cuda:0", "cuda:1", "cuda:0"]
    report = run_tracker(definition, dataset, config(tmp_path, devices=("cuda:0", "cuda:1")))
    assert report.ok
    executed_on = json.loads(report.manifest_path.read_text())["sessions"][0]["executed_on"]
    assert sorted(executed_on) == sorted(dataset.names)
    for seq in dataset:  # each sequence's boxes come from a tracker built for the device recorded
        device = executed_on[seq.name].rsplit("/", 1)[1]
        assert device in ("cuda:0", "cuda:1")
        dx = read_rows(report.results_dir / f"{seq.name}.txt")[1][0] - seq.ground_truth[0, 0]
        assert dx == (100.0 if device == "cuda:1" else 0.0)


def test_decoding_is_excluded_from_recorded_time(tmp_path: Path) -> None:
    paths = []
    for i in range(6):
        p = tmp_path / f"{i}.png"
        cv2.imwrite(str(p), np.full((8, 8, 3), i, np.uint8))
        paths.append(str(p))

    def slow_reader(path):
        time.sleep(0.03)
        return read_rgb(path)

    class Instant:
        def initialize(self, image, info):
            self.box = info["init_bbox"]

        def track(self, image, info):
            return {"target_bbox": self.box}

    start = time.perf_counter()
    out = track_sequence(Instant(), SequenceTask("s", tuple(paths), (1.0, 1.0, 2.0, 2.0)), reader=slow_reader)
    assert time.perf_counter() - start >= 6 * 0.03
    assert out.times.max() < 0.01 and out.scores is None
    assert out.boxes.tolist() == [[1.0, 1.0, 2.0, 2.0]] * 6


def test_prefetcher_order_errors_and_early_exit(tmp_path: Path) -> None:
    items = list(range(20))
    with Prefetcher(items, lambda i: np.array([i]), depth=3) as frames:
        assert [int(f[0]) for f in frames] == items

    def failing(i):
        if i == 4:
            raise FormatError("frame4.jpg", "cannot decode the image")
        return np.array([i])

    got = []
    with pytest.raises(FormatError, match="frame4.jpg"), Prefetcher(items, failing, depth=2) as frames:
        for f in frames:
            got.append(int(f[0]))
    assert got == [0, 1, 2, 3]
    before = threading.active_count()
    with Prefetcher(items, lambda i: np.array([i]), depth=2) as frames:
        next(iter(frames))
    time.sleep(0.05)
    assert threading.active_count() <= before


def test_image_reading(tmp_path: Path) -> None:
    bgr = np.zeros((5, 7, 3), np.uint8)
    bgr[..., 2] = 255  # pure red in OpenCV's BGR order
    for ext in ("png", "jpg", "bmp"):
        path = tmp_path / f"red.{ext}"
        cv2.imwrite(str(path), bgr)
        rgb = read_rgb(path)
        assert rgb.shape == (5, 7, 3) and rgb.dtype == np.uint8
        assert rgb[2, 3, 0] > 240 and rgb[2, 3, 2] < 15
        assert image_size(path) == (7, 5)
    progressive = tmp_path / "big.jpg"
    cv2.imwrite(str(progressive), np.zeros((300, 401, 3), np.uint8), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    assert image_size(progressive) == (401, 300)
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    with pytest.raises(FormatError, match="bad.jpg"):
        read_rgb(tmp_path / "bad.jpg")
    with pytest.raises(FormatError, match="bad.jpg"):
        image_size(tmp_path / "bad.jpg")
    with pytest.raises(FormatError, match="file not found"):
        read_rgb(tmp_path / "missing.jpg")


def test_run_config_validation(tmp_path: Path) -> None:
    with pytest.raises(OdtrackEvalError, match="--workers"):
        config(tmp_path, workers=0)
    with pytest.raises(OdtrackEvalError, match="unknown backend"):
        config(tmp_path, backend="slurm")
    with pytest.raises(OdtrackEvalError, match="--run-id"):
        config(tmp_path, run_id=1000)


def test_shipped_static_tracker_through_the_runner(dataset, tmp_path: Path) -> None:
    report = run_tracker(resolve_tracker("static"), dataset, config(tmp_path))
    for seq in dataset:
        rows = np.array(read_rows(report.results_dir / f"{seq.name}.txt"))
        assert np.array_equal(rows, np.repeat(seq.ground_truth[:1], len(seq), axis=0))
