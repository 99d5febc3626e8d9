"""``run --batch K``: K sequences stepped together through a tracker's batched() interface.

Expected boxes are the deterministic test tracker's arithmetic (``expected_boxes`` of test_runner.py), and
for ODTrack the boxes of the one-sequence-at-a-time run; failures must stay with their sequence.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.runner import RunConfig, run_tracker
from odtrack_eval.synth import SynthOptions, generate, load_synth
from odtrack_eval.trackers.definition import TrackerDefinition
from tests.runner.test_runner import TRACKER_MODULE, expected_boxes, install_module, read_rows

BATCH_MODULE = TRACKER_MODULE + textwrap.dedent(
    '''

    class BatchDrift(Drift):
        """Drift with a batched() interface; records the batch sizes it was called with."""

        calls = []
        armed = True  # the failure of fail_on only happens while armed (same definition for the resume run)

        def batched(self):
            return _Batcher(self)


    class _Batcher:
        def __init__(self, single):
            self.s = single

        def initialize(self, image, info):
            return {"name": info["sequence_name"], "box": [float(v) for v in info["init_bbox"]], "frame": 0}

        def track(self, pairs):
            BatchDrift.calls.append(len(pairs))
            for image, st in pairs:  # check everything first: a raising call changes no state
                assert image.dtype.name == "uint8" and image.ndim == 3
                if BatchDrift.armed and st["name"] == self.s.fail_on and st["frame"] + 1 == self.s.fail_frame:
                    raise RuntimeError(f"boom in {st['name']} at frame {st['frame'] + 1}")
            out = []
            for image, st in pairs:
                st["frame"] += 1
                b = st["box"]
                st["box"] = [b[0] + self.s.dx, b[1] + self.s.dy, b[2] / 3, b[3] + 0.1]
                out.append({"target_bbox": st["box"]})
            return out
    '''
)


@pytest.fixture()
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return install_module(tmp_path, monkeypatch, "odt_test_batch", BATCH_MODULE)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory):
    root = generate(tmp_path_factory.mktemp("bench") / "synth", SynthOptions(sequences=5, frames=12, seed=4))
    return load_synth(root)


def batch_drift(**parameters) -> TrackerDefinition:
    return TrackerDefinition("bdrift", "odt_test_batch:BatchDrift", parameters, source="test")


def config(tmp_path: Path, **kw) -> RunConfig:
    return RunConfig(results_root=tmp_path / "results", progress=False, **kw)


def test_batched_run_writes_the_single_run_boxes(dataset, plugin, tmp_path: Path) -> None:
    import odt_test_batch

    odt_test_batch.BatchDrift.calls.clear()
    report = run_tracker(batch_drift(), dataset, config(tmp_path, batch=2))
    assert sorted(report.completed) == sorted(s.name for s in dataset) and not report.failed
    for seq in dataset:
        assert read_rows(report.results_dir / f"{seq.name}.txt") == expected_boxes(seq)
        times = np.loadtxt(report.results_dir / f"{seq.name}_time.txt")
        assert times.shape == (len(seq),) and (times >= 0).all()
    calls = odt_test_batch.BatchDrift.calls
    assert max(calls) == 2 and sum(calls) == sum(len(s) - 1 for s in dataset)  # every frame stepped once
    session = json.loads(report.manifest_path.read_text())["sessions"][-1]
    assert session["batch"] == 2 and "divided equally" in session["timing_protocol"]


def test_a_failing_sequence_is_isolated_and_resume_works(dataset, plugin, tmp_path: Path) -> None:
    import odt_test_batch

    victim = dataset.sequences[1].name
    odt_test_batch.BatchDrift.armed = True
    report = run_tracker(batch_drift(fail_on=victim, fail_frame=5), dataset, config(tmp_path, batch=3))
    assert [f.name for f in report.failed] == [victim] and "boom" in report.failed[0].error
    assert sorted(report.completed) == sorted(s.name for s in dataset if s.name != victim)
    for seq in dataset:  # the retried step gave the others exactly their boxes
        if seq.name != victim:
            assert read_rows(report.results_dir / f"{seq.name}.txt") == expected_boxes(seq)
    odt_test_batch.BatchDrift.armed = False
    again = run_tracker(batch_drift(fail_on=victim, fail_frame=5), dataset, config(tmp_path, batch=3))
    assert again.completed == [victim] and len(again.skipped) == len(dataset) - 1


def test_unreadable_frame_fails_that_sequence_only(tmp_path: Path, plugin) -> None:
    root = generate(tmp_path / "synth", SynthOptions(sequences=3, frames=8, seed=1))
    ds = load_synth(root)
    bad = ds.sequences[0]
    frame = Path(bad.frame_paths()[4])
    frame.write_bytes(b"not an image")
    report = run_tracker(batch_drift(), ds, config(tmp_path, batch=3))
    assert [f.name for f in report.failed] == [bad.name] and frame.name in report.failed[0].error
    assert sorted(report.completed) == sorted(s.name for s in ds.sequences[1:])


def test_batch_needs_a_batched_tracker_and_one_process(dataset, tmp_path: Path, plugin) -> None:
    plain = TrackerDefinition("drift", "odt_test_batch:Drift", {}, source="test")
    with pytest.raises(OdtrackEvalError, match=r"cannot track sequences in batches .*without --batch"):
        run_tracker(plain, dataset, config(tmp_path, batch=2))
    assert not (tmp_path / "results").exists()  # refused before any folder or manifest was written
    with pytest.raises(OdtrackEvalError, match="one worker"):
        config(tmp_path, batch=2, workers=2)
    with pytest.raises(OdtrackEvalError, match="at least 1"):
        config(tmp_path, batch=0)


def test_odtrack_batched_run_equals_the_single_run(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from odtrack_eval.trackers.registry import resolve_tracker

    ds = load_synth(generate(tmp_path / "synth", SynthOptions(sequences=4, frames=9, seed=3)))
    definition = resolve_tracker("odtrack-test")
    one = run_tracker(definition, ds, RunConfig(results_root=tmp_path / "one", progress=False))
    three = run_tracker(definition, ds, RunConfig(results_root=tmp_path / "three", progress=False, batch=3))
    assert not one.failed and not three.failed
    for seq in ds:
        a = np.array(read_rows(one.results_dir / f"{seq.name}.txt"))
        b = np.array(read_rows(three.results_dir / f"{seq.name}.txt"))
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-3)  # float32 summation order in batched matmuls


def test_odtrack_step_restores_states_when_it_raises() -> None:
    pytest.importorskip("torch")
    from odtrack_eval.trackers.odtrack.tracker import build_engine

    engine, _ = build_engine("odtrack-test", random_init_seed=0)
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (90, 120, 3), dtype=np.uint8) for _ in range(3)]
    states = [engine.new_state(img, [30.0, 20.0, 24.0, 18.0]) for img in images]
    engine.step([(images[0], states[0]), (images[1], states[1])])
    before = [(s.frame_id, list(s.box), len(s.memory), s.track_query.clone()) for s in states[:2]]
    with pytest.raises(Exception):  # noqa: B017 - any error: a 2-D "image" cannot be cropped
        engine.step([(images[2], states[0]), (np.zeros((90, 120), np.uint8), states[1])])
    for s, (frame_id, box, memory, token) in zip(states[:2], before, strict=True):
        assert (s.frame_id, list(s.box), len(s.memory)) == (frame_id, box, memory)
        assert bool((s.track_query == token).all())
