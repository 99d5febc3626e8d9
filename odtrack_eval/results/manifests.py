"""Run manifests beside result files, read for what they say about how results were made.

The runner writes ``run_manifest.json`` (:mod:`odtrack_eval.runner.manifest`); other tools may leave a
``manifest.json``. Speed figures are only comparable with how their times were taken, so
:func:`timing_of` reads that from a manifest: device and its model, batch size (times shared by the
sequences of a batch), precision, whether image reading was inside the timed span, and a real-time
run's settings. Results without a manifest (downloaded raw results) say nothing of it: "unknown".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["MANIFEST_NAMES", "read_manifest", "Timing", "timing_of"]

#: Manifest file names written next to result files (the runner's, and a generic one).
MANIFEST_NAMES = ("run_manifest.json", "manifest.json")
#: The ``format`` field of manifests written by this toolkit's runner.
RUNNER_FORMAT = "odtrack-eval run manifest"


def read_manifest(folder: Path) -> tuple[Path, dict[str, Any]] | None:
    """The run manifest in ``folder`` (or its parent, for ``<param>/<dataset>/`` layouts), if any."""
    for base in (folder, folder.parent):
        for name in MANIFEST_NAMES:
            path = base / name
            if path.is_file():
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    return path, {"error": "unreadable or invalid JSON"}
                return path, data if isinstance(data, dict) else {"error": "not a JSON object"}
    return None


@dataclass(frozen=True)
class Timing:
    """How a run's times were taken, as far as its manifest says (None: not recorded)."""

    devices: tuple[str, ...] = ()
    #: device -> its model ("cpu": the processor, "cuda:0": the GPU's name)
    device_models: tuple[tuple[str, str], ...] = ()
    batch: int | None = None
    #: Worker processes that tracked side by side (their times include sharing the machine).
    workers: int | None = None
    precision: str | None = None
    #: Whether image reading/decoding was inside the timed span.
    io_included: bool | None = None
    #: A real-time run's settings (``run --realtime``), else None.
    realtime: Mapping[str, Any] | None = None
    #: The tracker definition says it is a baseline (no learned model; never best-marked for speed).
    baseline: bool = False
    #: The network's parameter count from the profile the run recorded (``odtrack-eval profile``), if any.
    parameters: int | None = None
    #: The parameter count of the network the run's definition builds, recorded by the run (``trackers info``'s).
    definition_parameters: int | None = None
    #: Where this was read (None: no manifest).
    source: str | None = None

    def describe(self) -> str:
        """One line for tables: ``cuda:0 (NVIDIA H100), batch 16 (shared times), fp32, image reading excluded``."""
        if self.source is None:
            return "unknown (no run manifest)"
        models = dict(self.device_models)
        parts = [", ".join(f"{d} ({models[d]})" if d in models else d for d in self.devices) or "device unknown"]
        if self.batch is not None:
            parts.append(f"batch {self.batch}" + (" (time of each call shared)" if self.batch > 1 else ""))
        if self.workers is not None and self.workers > 1:
            parts.append(f"{self.workers} workers side by side")
        if self.precision:
            parts.append(self.precision)
        if self.io_included is not None:
            parts.append("image reading " + ("included" if self.io_included else "excluded"))
        if self.realtime:
            latency, fps = self.realtime.get("latency_s"), self.realtime.get("fps")
            text = f"real-time {fps:g} fps" if isinstance(fps, (int, float)) else f"real-time {fps} fps"
            if isinstance(latency, (int, float)):
                text += f", fixed latency {latency * 1000:g} ms (virtual clock)"
            parts.append(text)
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "devices": list(self.devices),
            "device_models": dict(self.device_models),
            "batch": self.batch,
            "workers": self.workers,
            "precision": self.precision,
            "io_included": self.io_included,
            "realtime": dict(self.realtime) if self.realtime else None,
            "manifest": self.source,
        }


def timing_of(folder: Path) -> Timing:
    """How the times in the run folder ``folder`` were taken (its manifest's last complete session)."""
    found = read_manifest(folder)
    if found is None or "error" in found[1]:
        return Timing()
    path, data = found
    tracker = data.get("tracker") if isinstance(data.get("tracker"), Mapping) else {}
    parameters = tracker.get("parameters") if isinstance(tracker.get("parameters"), Mapping) else {}
    sessions = [s for s in data.get("sessions") or [] if isinstance(s, Mapping)]
    session = next((s for s in reversed(sessions) if s.get("status") == "complete"), sessions[-1] if sessions else {})
    ours = str(data.get("format", "")).startswith(RUNNER_FORMAT)
    devices = session.get("devices") or ([data["device"]] if isinstance(data.get("device"), str) else [])
    models = session.get("device_models") if isinstance(session.get("device_models"), Mapping) else {}
    batch = session.get("batch")
    workers = session.get("workers")
    precision = parameters.get("precision")
    profile = session.get("profile") if isinstance(session.get("profile"), Mapping) else {}
    return Timing(
        devices=tuple(str(d) for d in devices),
        device_models=tuple((str(k), str(v)) for k, v in models.items()),
        batch=int(batch) if isinstance(batch, int) else (1 if ours else None),
        workers=int(workers) if isinstance(workers, int) else None,
        precision=str(precision) if precision is not None else None,
        io_included=False if ours else None,  # (the runner times tracker calls only: runner.tasks)
        realtime=session.get("realtime") if isinstance(session.get("realtime"), Mapping) else None,
        baseline=bool(tracker.get("baseline", False)),
        parameters=_count(profile.get("parameters")),
        definition_parameters=_count(session.get("network_parameters")),
        source=str(path),
    )


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
