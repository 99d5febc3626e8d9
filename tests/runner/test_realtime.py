"""Real-time runs (issue 17): the schedule follows the rule, computed independently here; a tracker faster
than the stream processes every frame; --latency runs are byte-identical across repetitions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.realtime import schedule
from odtrack_eval.runner import RunConfig, run_tracker
from odtrack_eval.synth import SynthOptions, generate, load_synth
from tests.runner.test_runner import TRACKER_MODULE, drift, install_module  # noqa: F401


def rule_by_hand(n: int, fps: float, latency_us: list[int], per_frame: bool = False) -> tuple[list[int], list[int]]:
    """The rule of the issue, written plainly (scans, no bisection): processed frames and shown frames.
    ``latency_us[k]`` is the processing time of the k-th processed frame (``per_frame``: of frame k)."""
    arrival = [round(j * 1e6 / fps) for j in range(n)]
    processed, finish = [0], [latency_us[0]]
    while processed[-1] < n - 1:
        free = finish[-1]
        arrived = [j for j in range(processed[-1] + 1, n) if arrival[j] <= free]
        if arrived:
            j, start = max(arrived), free
        else:
            j = processed[-1] + 1
            start = arrival[j]
        processed.append(j)
        finish.append(start + latency_us[j if per_frame else len(processed) - 1])
    shown = []
    for i in range(n):
        done = [(f, p) for p, f in zip(processed, finish, strict=True) if f <= arrival[i]]
        shown.append(max(done)[1] if done else 0)
    return processed, shown


def test_a_worked_example() -> None:
    """10 fps, init 50 ms, then 250 ms per frame: frames 0, 1, 3, 6, 8, 9 are processed."""
    times = iter([0.05] + [0.25] * 9)
    plan = schedule(10, 10.0, lambda j: next(times))
    assert plan.processed == [0, 1, 3, 6, 8, 9]
    assert plan.finish_us == [50_000, 350_000, 600_000, 850_000, 1_100_000, 1_350_000]
    assert plan.shown.tolist() == [0, 0, 0, 0, 1, 1, 3, 3, 3, 6]


@pytest.mark.parametrize("seed", range(20))
def test_the_schedule_equals_the_rule_on_random_latencies(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, fps = int(rng.integers(2, 80)), float(rng.choice([7.5, 24, 29.97, 30, 60, 240]))
    latencies = [int(v) for v in rng.integers(0, 200_000, n)]
    calls = []
    plan = schedule(n, fps, lambda j: calls.append(j) or latencies[len(calls) - 1] / 1e6)
    processed, shown = rule_by_hand(n, fps, latencies)
    assert plan.processed == processed == calls
    assert plan.shown.tolist() == shown


@pytest.fixture()
def dataset(tmp_path_factory: pytest.TempPathFactory):
    root = generate(tmp_path_factory.mktemp("bench") / "synth", SynthOptions(sequences=2, frames=20, seed=5))
    return load_synth(root)


@pytest.fixture()
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return install_module(tmp_path, monkeypatch, "odt_test_drift", TRACKER_MODULE)


def _boxes(path: Path) -> np.ndarray:
    return np.loadtxt(path, delimiter="\t")


def test_a_fixed_latency_run_shows_the_rules_boxes_and_is_byte_identical(dataset, plugin, tmp_path: Path) -> None:
    offline = run_tracker(drift(), dataset, RunConfig(tmp_path / "offline", progress=False))
    runs = [run_tracker(drift(), dataset, RunConfig(tmp_path / f"rt{i}", progress=False, realtime_fps=30.0,
                                                    latency=0.075)) for i in range(2)]  # fmt: skip
    assert runs[0].results_dir.parent.name == "default-rt30fps-lat75ms"
    for seq in dataset:
        n = len(seq)
        processed, shown = rule_by_hand(n, 30.0, [75_000] * n)
        assert len(processed) < n  # 75 ms per frame at 30 fps: frames are skipped
        # Drift moves one step per track call: the k-th processed frame's box is offline row k
        rows = _boxes(offline.results_dir / f"{seq.name}.txt")
        expected = rows[[processed.index(s) for s in shown]]
        got = _boxes(runs[0].results_dir / f"{seq.name}.txt")
        assert np.array_equal(got, expected)
        times = np.loadtxt(runs[0].results_dir / f"{seq.name}_time.txt")
        assert np.flatnonzero(~np.isnan(times)).tolist() == processed and np.all(times[processed] == 0.075)
        for suffix in (".txt", "_time.txt", "_score.txt"):
            a, b = (r.results_dir / f"{seq.name}{suffix}" for r in runs)
            assert a.read_bytes() == b.read_bytes()
    manifest = json.loads(runs[0].manifest_path.read_text())["sessions"][-1]["realtime"]
    assert manifest["fps"] == 30.0 and manifest["latency_s"] == 0.075 and "newest" in manifest["rule"]


def test_a_tracker_faster_than_the_stream_processes_every_frame(dataset, plugin, tmp_path: Path) -> None:
    offline = run_tracker(drift(), dataset, RunConfig(tmp_path / "offline", progress=False))
    fast = run_tracker(drift(), dataset, RunConfig(tmp_path / "fast", progress=False, realtime_fps=30.0,
                                                   latency=0.01))  # fmt: skip
    instant = run_tracker(drift(), dataset, RunConfig(tmp_path / "instant", progress=False, realtime_fps=30.0,
                                                      latency=0.0))  # fmt: skip
    for seq in dataset:
        rows = _boxes(offline.results_dir / f"{seq.name}.txt")
        times = np.loadtxt(fast.results_dir / f"{seq.name}_time.txt")
        assert not np.isnan(times).any()  # every frame processed
        # each frame shows the previous frame's box (its own is not finished when it arrives)
        assert np.array_equal(_boxes(fast.results_dir / f"{seq.name}.txt"), rows[[0, *range(len(seq) - 1)]])
        # with no processing time it equals the offline run, byte for byte
        a = (offline.results_dir / f"{seq.name}.txt").read_bytes()
        assert (instant.results_dir / f"{seq.name}.txt").read_bytes() == a


def test_measured_latency_run_completes_and_records_measured_times(dataset, plugin, tmp_path: Path) -> None:
    report = run_tracker(drift(sleep=0.02), dataset.select([dataset.names[0]]),
                         RunConfig(tmp_path / "rt", progress=False, realtime_fps=100.0))  # fmt: skip
    assert report.ok and report.results_dir.parent.name == "default-rt100fps"
    times = np.loadtxt(report.results_dir / f"{dataset.names[0]}_time.txt")
    kept = times[~np.isnan(times)]
    assert np.all(kept[1:] >= 0.02) and np.isnan(times).any()  # 20+ ms per frame at 100 fps: frames skipped


@pytest.mark.parametrize(
    ("kw", "message"),
    [({"realtime_fps": 0.0}, "frame rate from"), ({"realtime_fps": float("inf")}, "frame rate from"),
     ({"realtime_fps": 2e6}, "below 1e\\+06"), ({"latency": 0.1}, "goes with --realtime"),
     ({"realtime_fps": 30.0, "latency": -1.0}, "from 0 to below 3600"),
     ({"realtime_fps": 30.0, "latency": 5000.0}, "from 0 to below 3600"),
     ({"realtime_fps": 30.0, "batch": 4}, "--batch")],
)  # fmt: skip
def test_bad_realtime_options_are_refused(tmp_path: Path, kw: dict, message: str) -> None:
    with pytest.raises(OdtrackEvalError, match=message):
        RunConfig(tmp_path, **kw)


def test_evaluate_realtime_equals_offline_scores_of_the_rules_boxes(tmp_path: Path) -> None:
    """`evaluate --realtime 30` on offline results = plain evaluation of the boxes the rule shows, written
    here from the hand schedule; names say "estimate"; a tracker without times is refused."""
    from odtrack_eval.evaluation import evaluate_folder
    from odtrack_eval.protocols import get_protocol
    from odtrack_eval.sequence import Dataset, Sequence

    rng = np.random.default_rng(7)
    seqs = []
    for i in range(4):
        n = 40
        xy = np.cumsum(rng.normal(0, 4, (n, 2)), axis=0) + 100
        seqs.append(Sequence(f"seq-{i}", np.hstack([xy, np.full((n, 2), 30.0)])))
    ds = Dataset("toy", "otb", seqs)
    offline, replayed = tmp_path / "offline" / "trk", tmp_path / "replayed" / "trk"
    offline.mkdir(parents=True)
    replayed.mkdir(parents=True)
    (tmp_path / "offline" / "untimed").mkdir()
    for s in seqs:
        boxes = s.ground_truth + rng.normal(0, 2, s.ground_truth.shape)
        times = rng.uniform(0.01, 0.08, len(s))
        np.savetxt(offline / f"{s.name}.txt", boxes, delimiter=",")
        np.savetxt(offline / f"{s.name}_time.txt", times)
        np.savetxt(tmp_path / "offline" / "untimed" / f"{s.name}.txt", boxes, delimiter=",")
        read_back = np.loadtxt(offline / f"{s.name}_time.txt")
        _, shown = rule_by_hand(len(s), 30.0, [round(t * 1e6) for t in read_back], per_frame=True)
        np.savetxt(replayed / f"{s.name}.txt", np.loadtxt(offline / f"{s.name}.txt", delimiter=",")[shown],
                   delimiter=",")  # fmt: skip
    proto = get_protocol("odtrack")
    estimate = evaluate_folder(ds, tmp_path / "offline", proto, cache=False, realtime=30.0)
    plain = evaluate_folder(ds, tmp_path / "replayed", proto, cache=False)
    assert [r.tracker for r in estimate.results] == ["trk (real-time 30 fps, estimate)"]
    assert estimate.results[0].scores() == pytest.approx(plain.results[0].scores(), abs=1e-12)
    assert "no time file" in estimate.errors["untimed"]
    offline_scores = evaluate_folder(ds, tmp_path / "offline", proto, cache=False, trackers=["trk"]).results[0]
    assert offline_scores.scores()["auc"] != estimate.results[0].scores()["auc"]
    # the cache keeps the real-time rate apart
    cache = tmp_path / "cache"
    evaluate_folder(ds, tmp_path / "offline", proto, cache=cache, trackers=["trk"])
    again = evaluate_folder(ds, tmp_path / "offline", proto, cache=cache, trackers=["trk"], realtime=30.0)
    assert again.results[0].scores() == pytest.approx(plain.results[0].scores(), abs=1e-12)


def test_evaluate_realtime_refuses_times_that_cannot_drive_the_clock(tmp_path: Path) -> None:
    from odtrack_eval.evaluation import evaluate_folder
    from odtrack_eval.protocols import get_protocol
    from odtrack_eval.sequence import Dataset, Sequence

    gt = np.tile([10.0, 10.0, 20.0, 20.0], (5, 1))
    ds = Dataset("toy", "otb", [Sequence("a", gt)])
    trk = tmp_path / "res" / "trk"
    trk.mkdir(parents=True)
    np.savetxt(trk / "a.txt", gt, delimiter=",")
    (trk / "a_time.txt").write_text("0.1\n0.1\nnan\n0.1\n0.1\n")
    ev = evaluate_folder(ds, tmp_path / "res", get_protocol("odtrack"), cache=False, realtime=25.0)
    assert "a_time.txt: line 3: nan is not a processing time" in ev.errors["trk"]


def test_a_realtime_folder_is_named_with_its_param_even_alone(dataset, plugin, tmp_path: Path) -> None:
    from odtrack_eval.results import discover_trackers

    run_tracker(drift(), dataset, RunConfig(tmp_path / "res", progress=False, realtime_fps=29.97, latency=0.04))
    names = [e.name for e in discover_trackers(tmp_path / "res", "lasot")]
    assert names == ["drift/default-rt29.97fps-lat40ms"]


def test_folder_names_are_plain_decimals(tmp_path: Path) -> None:
    assert RunConfig(tmp_path, realtime_fps=1e-3, latency=0.05).results_param("p") == "p-rt0.001fps-lat50ms"
    assert RunConfig(tmp_path, realtime_fps=29.97).results_param("p") == "p-rt29.97fps"


def test_evaluate_realtime_checks_the_rate_and_skips_realtime_runs(dataset, plugin, tmp_path: Path) -> None:
    from odtrack_eval.evaluation import evaluate_folder
    from odtrack_eval.protocols import get_protocol

    run_tracker(drift(), dataset, RunConfig(tmp_path / "res", progress=False))
    run_tracker(drift(), dataset, RunConfig(tmp_path / "res", progress=False, realtime_fps=30.0, latency=0.05))
    proto = get_protocol("odtrack")
    with pytest.raises(OdtrackEvalError, match="--realtime must be a frame rate"):
        evaluate_folder(dataset, tmp_path / "res", proto, cache=False, realtime=0.0)
    ev = evaluate_folder(dataset, tmp_path / "res", proto, cache=False, realtime=30.0)
    assert [r.tracker for r in ev.results] == ["drift/default (real-time 30 fps, estimate)"]
    assert "a real-time run already" in ev.errors["drift/default-rt30fps-lat50ms"]
