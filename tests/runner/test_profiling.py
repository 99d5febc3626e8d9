"""`odtrack-eval profile` (issue 17): model-only latency, parameters, FLOPs, peak memory, kept for later runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from odtrack_eval.cli import _load_commands, app
from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.runner import RunConfig, run_tracker
from odtrack_eval.runner.profiling import latest_profile, profile_tracker, save_profile
from odtrack_eval.synth import SynthOptions, generate, load_synth
from odtrack_eval.trackers.registry import resolve_tracker

pytest.importorskip("torch")


@pytest.fixture()
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "profiles"
    monkeypatch.setenv("ODTRACK_EVAL_PROFILES", str(folder))
    return folder


def test_profile_of_the_tiny_odtrack_counts_its_own_network(profiles: Path) -> None:
    from odtrack_eval.trackers.odtrack.config import get_config
    from odtrack_eval.trackers.odtrack.model import flop_counts, parameter_counts

    record = profile_tracker(resolve_tracker("odtrack-test"), "cpu", warmup=1, iterations=5)
    cfg = get_config("odtrack-test")
    assert record["parameters"] == parameter_counts(cfg)["total"]  # (counted on a meta-device build)
    assert record["flops"] == flop_counts(cfg)["total"]
    assert record["iterations"] == 5 and record["device"] == "cpu" and record["peak_memory_bytes"] > 0
    assert record["p50_ms"] <= record["p95_ms"] <= record["p99_ms"]
    assert record["fps"] == pytest.approx(1000.0 / record["mean_ms"])


def test_a_saved_profile_goes_into_the_manifest_of_a_later_run(profiles: Path, tmp_path: Path) -> None:
    definition = resolve_tracker("odtrack-test")
    record = profile_tracker(definition, "cpu", warmup=0, iterations=2)
    path = save_profile(record)
    assert path.parent == profiles and latest_profile(definition, "cpu") == record
    ds = load_synth(generate(tmp_path / "synth", SynthOptions(sequences=1, frames=4, seed=3)))
    report = run_tracker(definition, ds, RunConfig(tmp_path / "results", progress=False))
    session = json.loads(report.manifest_path.read_text())["sessions"][-1]
    assert session["profile"] == record
    from odtrack_eval.trackers.odtrack.config import get_config
    from odtrack_eval.trackers.odtrack.model import parameter_counts

    assert session["network_parameters"] == parameter_counts(get_config("odtrack-test"))["total"]
    assert session["device_models"]["cpu"]  # the processor's name


def test_a_profile_of_other_parameters_is_not_taken(profiles: Path) -> None:
    definition = resolve_tracker("odtrack-test")
    save_profile({**profile_tracker(definition, "cpu", warmup=0, iterations=1),
                  "definition": {"implementation": definition.implementation, "parameters": {"x": 1}}})  # fmt: skip
    assert latest_profile(definition, "cpu") is None


def test_a_tracker_without_a_network_is_told_so(profiles: Path) -> None:
    with pytest.raises(OdtrackEvalError, match="no network to profile"):
        profile_tracker(resolve_tracker("static"), "cpu", iterations=1)
    _load_commands()
    out = CliRunner().invoke(app, ["profile", "static", "-n", "1"])
    assert out.exit_code != 0


def test_profile_command_prints_and_saves(profiles: Path) -> None:
    _load_commands()
    out = CliRunner().invoke(app, ["profile", "odtrack-test", "--warmup", "0", "-n", "2"])
    assert out.exit_code == 0, out.output
    assert "parameters" in out.stdout and "GFLOPs" in out.stdout and "saved" in out.stdout
    assert len(list(profiles.glob("odtrack-test@*.json"))) == 1


def test_on_a_gpu_each_call_is_timed_by_cuda_events(profiles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The GPU branch (no GPU here): events recorded around every timed call, read after one synchronize, peak
    memory from the allocator. A fake clock stands in for the device: call i takes i + 1 ms."""
    import torch

    from odtrack_eval.runner import profiling
    from odtrack_eval.trackers.base import NetworkCall

    clock = {"now": 0.0, "synced": 0, "reset": 0}

    class Event:
        def __init__(self, enable_timing: bool = False) -> None:
            assert enable_timing
            self.at: float | None = None

        def record(self) -> None:
            self.at = clock["now"]

        def elapsed_time(self, end: Event) -> float:
            assert clock["synced"] >= 2, "read before synchronising"
            return end.at - self.at

    calls = []

    def forward() -> None:
        calls.append(1)
        clock["now"] += max(0, len(calls) - 2)  # 2 warm-up calls, then 1, 2, 3, ... ms

    class Fake:
        def network_call(self) -> NetworkCall:
            return NetworkCall(torch.nn.Linear(3, 2), forward, "cuda:0", 1234, "fake")

    monkeypatch.setattr(torch.cuda, "Event", Event)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: clock.__setitem__("synced", clock["synced"] + 1))
    monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats", lambda device=None: clock.__setitem__("reset", 1))
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device=None: 5 * 2**20)
    monkeypatch.setattr("odtrack_eval.trackers.registry.build_tracker", lambda definition, device: Fake())
    monkeypatch.setattr(profiling, "device_model", lambda device: "Fake GPU")
    record = profile_tracker(resolve_tracker("static"), "cuda:0", warmup=2, iterations=4)
    assert len(calls) == 6 and clock["reset"] == 1
    assert record["mean_ms"] == pytest.approx(2.5) and record["p50_ms"] == pytest.approx(2.5)  # 1, 2, 3, 4 ms
    assert record["timer"] == "CUDA events around each call" and record["peak_memory_bytes"] == 5 * 2**20
    assert record["parameters"] == 3 * 2 + 2 and record["flops"] == 1234 and record["device_model"] == "Fake GPU"
