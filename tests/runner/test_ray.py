"""The Ray backend (optional extra) writes the same results as the local runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from odtrack_eval.runner import RunConfig, run_tracker
from odtrack_eval.synth import SynthOptions, generate, load_synth
from odtrack_eval.trackers.definition import TrackerDefinition
from odtrack_eval.trackers.registry import resolve_tracker

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'odtrack-eval[ray]'")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_matches_local(local_ray, tmp_path: Path) -> None:
    dataset = load_synth(generate(tmp_path / "bench", SynthOptions(sequences=4, frames=20, seed=3)))
    definition = resolve_tracker("opencv-kcf")
    local = run_tracker(definition, dataset, RunConfig(tmp_path / "local", progress=False))
    distributed = run_tracker(
        definition, dataset, RunConfig(tmp_path / "ray", backend="ray", workers=2, progress=False)
    )
    assert distributed.ok and sorted(distributed.completed) == sorted(dataset.names)
    for seq in dataset:
        assert (distributed.results_dir / f"{seq.name}.txt").read_bytes() == (
            local.results_dir / f"{seq.name}.txt"
        ).read_bytes()
        assert len((distributed.results_dir / f"{seq.name}_time.txt").read_text().splitlines()) == len(seq)
    session = json.loads(distributed.manifest_path.read_text())["sessions"][0]
    assert session["backend"] == "ray" and session["status"] == "complete"

    # resumable like the local runner: a missing box file is recomputed, the rest skipped
    (distributed.results_dir / f"{dataset.names[2]}.txt").unlink()
    again = run_tracker(definition, dataset, RunConfig(tmp_path / "ray", backend="ray", workers=2, progress=False))
    assert again.completed == [dataset.names[2]] and len(again.skipped) == 3


def test_ray_reports_failures_and_build_errors(local_ray, tmp_path: Path) -> None:
    dataset = load_synth(generate(tmp_path / "bench", SynthOptions(sequences=2, frames=4, seed=3)))
    (dataset.root / "tile" / "tile-1" / "img" / "00000003.jpg").unlink()
    report = run_tracker(
        resolve_tracker("static"), dataset, RunConfig(tmp_path / "r", backend="ray", workers=2, progress=False)
    )
    assert report.completed == ["card-1"]
    assert report.failed[0].name == "tile-1" and "00000003.jpg" in report.failed[0].error
    broken = TrackerDefinition("broken", "odt_no_such_module:Thing", source="test")
    from odtrack_eval.trackers.registry import TrackerBuildError

    with pytest.raises(TrackerBuildError, match="odt_no_such_module"):
        run_tracker(broken, dataset, RunConfig(tmp_path / "b", backend="ray", progress=False))
