"""``odtrack-eval profile``: a tracker's network timed alone, the same way for every tracker that has one.

Model-only latency is what papers' speed columns usually mean and what varies least between machines'
disks and decoders; it is measured here one way: the tracker's :class:`~odtrack_eval.trackers.base.NetworkCall`
(one batch-1 forward pass on inputs prepared once), ``warmup`` untimed calls, then ``iterations`` timed
calls, each timed alone (CUDA events around each call on a GPU, ``time.perf_counter`` on a CPU). Peak memory
is the device allocator's peak during the timed calls on a GPU, the process's peak resident size on a CPU.

Profiles are kept as JSON under :func:`profiles_dir` (one file per tracker and device model), and later
``run``s of the same definition on the same kind of device copy the latest into their run manifest.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.runner.manifest import now
from odtrack_eval.runner.storage import atomic_write
from odtrack_eval.system import device_model
from odtrack_eval.trackers.definition import TrackerDefinition

__all__ = ["profile_tracker", "profiles_dir", "save_profile", "latest_profile"]

ENV_VAR = "ODTRACK_EVAL_PROFILES"


def profiles_dir() -> Path:
    """``$ODTRACK_EVAL_PROFILES``, else ``$XDG_DATA_HOME/odtrack-eval/profiles`` (``~/.local/share/...``)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "odtrack-eval" / "profiles"


def _identity(definition: TrackerDefinition) -> dict[str, Any]:
    """What must agree for a profile to describe a run: implementation and parameters."""
    return {"implementation": definition.implementation, "parameters": dict(definition.parameters)}


def profile_tracker(
    definition: TrackerDefinition, device: str = "cpu", warmup: int = 20, iterations: int = 100,
    random_weights: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Build the tracker on ``device`` and time its network (see the module docstring); returns the record.

    ``random_weights``: build without the checkpoint, from a seed (factories with ``random_init_seed``, e.g.
    ODTrack): the time of a forward pass does not depend on the values of the weights.
    """
    if warmup < 0 or iterations < 1:
        raise OdtrackEvalError(f"--warmup must be >= 0 and --iterations >= 1 (got {warmup} and {iterations})")
    from odtrack_eval.trackers.registry import build_tracker

    built = definition
    if random_weights:
        built = replace(definition, checkpoint=None, parameters={**definition.parameters, "random_init_seed": 0})
    tracker = build_tracker(built, device)
    make_call = getattr(tracker, "network_call", None)
    if not callable(make_call):
        raise OdtrackEvalError(
            f"tracker {definition.name!r} has no network to profile (its tracker offers no network_call()); "
            "its speed is in the _time.txt files of `odtrack-eval run`"
        )
    call = make_call()
    import torch

    cuda = call.device.startswith("cuda")
    for _ in range(warmup):
        call.forward()
    if cuda:
        torch.cuda.synchronize(call.device)
        torch.cuda.reset_peak_memory_stats(call.device)
        pairs = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
                 for _ in range(iterations)]  # fmt: skip
        for start, end in pairs:
            start.record()
            call.forward()
            end.record()
        torch.cuda.synchronize(call.device)
        ms = np.array([s.elapsed_time(e) for s, e in pairs])
        peak = int(torch.cuda.max_memory_allocated(call.device))
        peak_what = "GPU memory allocated by torch (peak during the timed calls)"
    else:
        ms = np.empty(iterations)
        for i in range(iterations):
            t0 = time.perf_counter()
            call.forward()
            ms[i] = (time.perf_counter() - t0) * 1000.0
        import resource

        peak = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # (KiB on Linux)
        peak_what = "resident memory of the process (peak since it started)"
    p50, p95, p99 = (float(v) for v in np.percentile(ms, [50, 95, 99]))
    return {
        "tracker": definition.name,
        "definition": _identity(definition),
        "weights": "random (seeded)" if random_weights else (str(definition.checkpoint) if definition.checkpoint
                                                              else "as built"),  # fmt: skip
        "device": call.device,
        "device_model": device_model(call.device),
        "inputs": call.inputs,
        "warmup": warmup,
        "iterations": iterations,
        "timer": "CUDA events around each call" if cuda else "time.perf_counter around each call",
        "mean_ms": float(ms.mean()),
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
        "fps": 1000.0 / float(ms.mean()),
        "parameters": int(sum(p.numel() for p in call.module.parameters())),
        "flops": call.flops,
        "peak_memory_bytes": peak,
        "peak_memory": peak_what,
        "torch": torch.__version__,
        "measured": now(),
    }


def _file_name(tracker: str, model: str | None) -> str:
    slug = re.sub(r"[^A-Za-z0-9.+-]+", "_", model or "unknown").strip("_")
    return f"{tracker}@{slug}.json"


def save_profile(record: dict[str, Any], folder: Path | None = None) -> Path:
    """Write ``record`` as the latest profile of its tracker on its device model; returns the file."""
    folder = profiles_dir() if folder is None else folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / _file_name(record["tracker"], record.get("device_model"))
        atomic_write(path, json.dumps(record, indent=2) + "\n")
    except OSError as exc:
        raise OdtrackEvalError(f"cannot write the profile to {folder}: {exc.strerror or exc}") from None
    return path


def latest_profile(definition: TrackerDefinition, device: str, folder: Path | None = None) -> dict[str, Any] | None:
    """The saved profile of ``definition`` (same implementation and parameters) on the model of ``device``."""
    folder = profiles_dir() if folder is None else folder
    path = folder / _file_name(definition.name, device_model(device))
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("definition") != _identity(definition):
        return None
    return record
