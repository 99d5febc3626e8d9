"""How a run's times were taken, read from its run manifest (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

from odtrack_eval.results.manifests import Timing, timing_of


def _manifest(folder: Path, **session) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "format": "odtrack-eval run manifest 1",
        "tracker": {"name": "odtrack-b384", "parameters": {"precision": "bf16"}, "baseline": False},
        "sessions": [
            {"status": "aborted: SIGTERM", "devices": ["cpu"], "batch": 1},
            {"status": "complete", **session},
        ],
    }
    (folder / "run_manifest.json").write_text(json.dumps(data))


def test_the_last_complete_session_says_device_model_batch_precision(tmp_path: Path) -> None:
    _manifest(tmp_path / "r", devices=["cuda:0"], device_models={"cuda:0": "NVIDIA H100 80GB HBM3"}, batch=16)
    t = timing_of(tmp_path / "r")
    assert t.devices == ("cuda:0",) and dict(t.device_models) == {"cuda:0": "NVIDIA H100 80GB HBM3"}
    assert (t.batch, t.precision, t.io_included, t.baseline) == (16, "bf16", False, False)
    assert t.describe() == ("cuda:0 (NVIDIA H100 80GB HBM3), batch 16 (time of each call shared), bf16, "
                            "image reading excluded")  # fmt: skip


def test_the_manifest_of_a_param_folder_is_found_from_its_dataset_folder(tmp_path: Path) -> None:
    _manifest(tmp_path / "odtrack" / "baseline", devices=["cpu"], batch=1)
    (tmp_path / "odtrack" / "baseline" / "lasot").mkdir()
    assert timing_of(tmp_path / "odtrack" / "baseline" / "lasot").devices == ("cpu",)


def test_no_or_a_broken_manifest_is_unknown(tmp_path: Path) -> None:
    assert timing_of(tmp_path) == Timing() and Timing().describe() == "unknown (no run manifest)"
    (tmp_path / "run_manifest.json").write_text("{not json")
    assert timing_of(tmp_path).source is None
    (tmp_path / "run_manifest.json").write_text("[1, 2]")
    assert timing_of(tmp_path).source is None


def test_another_tools_manifest_says_nothing_of_io(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"device": "RTX 2080Ti", "tracker": "OSTrack"}))
    t = timing_of(tmp_path)
    assert t.devices == ("RTX 2080Ti",) and t.io_included is None and t.batch is None
    assert t.describe() == "RTX 2080Ti"


def test_a_realtime_run_says_its_rate_and_a_fixed_latency(tmp_path: Path) -> None:
    _manifest(tmp_path / "r", devices=["cpu"], batch=1, realtime={"fps": 30.0, "latency_s": 0.05, "rule": "..."})
    assert timing_of(tmp_path / "r").describe().endswith(
        "image reading excluded, real-time 30 fps, fixed latency 50 ms (virtual clock)")
    _manifest(tmp_path / "m", devices=["cpu"], batch=1, realtime={"fps": 25.0, "latency_s": None})
    assert timing_of(tmp_path / "m").describe().endswith("real-time 25 fps")


def test_parallel_workers_are_said(tmp_path: Path) -> None:
    """Times measured by several workers on one machine include their sharing it (review of issue 17)."""
    _manifest(tmp_path / "w", devices=["cpu"], batch=1, workers=4)
    t = timing_of(tmp_path / "w")
    assert t.workers == 4 and "4 workers side by side" in t.describe() and t.as_dict()["workers"] == 4
    _manifest(tmp_path / "one", devices=["cpu"], batch=1, workers=1)
    assert "workers" not in timing_of(tmp_path / "one").describe()
