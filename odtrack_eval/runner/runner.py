"""Run a tracker over a dataset and write pytracking-layout results, resumably.

The runner plans (which sequences still lack a box file), executes through one backend
(in-process, local worker processes, or Ray) and writes every finished sequence atomically from
this process. A failing sequence is recorded with its error and never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.runner.manifest import RunManifest
from odtrack_eval.runner.parallel import run_pool, run_serial
from odtrack_eval.runner.progress import RunProgress
from odtrack_eval.runner.storage import ResultWriter, is_done, remove_stale_temp_files, results_dir
from odtrack_eval.runner.tasks import BATCH_TIMING_PROTOCOL, SequenceFailure, SequenceOutput, SequenceTask, make_task
from odtrack_eval.sequence import Dataset
from odtrack_eval.trackers.definition import TrackerDefinition

BACKENDS = ("local", "ray")


@dataclass(frozen=True)
class RunConfig:
    """How to run: where results go and how work is spread.

    ``devices`` are given to workers round robin (``cpu``, ``cuda``, ``cuda:K``). With one worker
    and one device the tracker runs in this process.
    """

    results_root: Path
    run_id: int | None = None
    workers: int = 1
    devices: tuple[str, ...] = ("cpu",)
    backend: str = "local"
    address: str | None = None
    progress: bool = True
    ray_init: dict[str, Any] = field(default_factory=dict)
    #: sequences stepped together through the tracker's batched() interface (in this process, one device)
    batch: int = 1

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise OdtrackEvalError(f"unknown backend {self.backend!r}; available: {', '.join(BACKENDS)}")
        if self.workers < 1:
            raise OdtrackEvalError(f"--workers must be at least 1, got {self.workers}")
        if not self.devices:
            raise OdtrackEvalError("at least one device is needed (cpu, cuda or cuda:K)")
        for device in self.devices:
            validate_device(device)
        if self.batch < 1:
            raise OdtrackEvalError(f"--batch must be at least 1, got {self.batch}")
        if self.batch > 1 and (self.workers > 1 or len(self.devices) > 1 or self.backend != "local"):
            raise OdtrackEvalError(
                "--batch K steps K sequences together in one process on one device: use it with one worker, "
                "one --device and the local backend"
            )
        if self.run_id is not None and not 0 <= self.run_id <= 999:
            raise OdtrackEvalError(f"--run-id must be between 0 and 999 (pytracking's _NNN), got {self.run_id}")


def validate_device(device: str) -> str:
    head, _, index = device.partition(":")
    if head == "cpu" and not index or head == "cuda" and (not index or index.isdigit()):
        return device
    raise OdtrackEvalError(f"invalid device {device!r}; expected cpu, cuda or cuda:K (K a GPU index)")


@dataclass
class RunReport:
    results_dir: Path
    manifest_path: Path
    completed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[SequenceFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


class _Collector:
    """Receives backend events: writes results, updates progress, records failures."""

    def __init__(self, folder: Path, report: RunReport, progress: RunProgress, frames_of: dict[str, int]):
        self.folder = folder
        self.writer = ResultWriter()
        self.report = report
        self.progress = progress
        self.frames_of = frames_of
        self.executed_on: dict[str, str] = {}

    def frames(self, count: int, tracker_seconds: float) -> None:
        self.progress.frames(count, tracker_seconds)

    def done(self, output: SequenceOutput) -> None:
        self.writer.submit(self.folder, output.name, output.boxes, output.times, output.scores)
        self.executed_on[output.name] = f"{output.host}/{output.device}"
        self.report.completed.append(output.name)
        self.progress.sequence_done(output.name, True)

    def failed(self, failure: SequenceFailure) -> None:
        self.report.failed.append(failure)
        self.progress.sequence_done(failure.name, False)
        self.progress.write(f"FAILED {failure.name}: {failure.error}")


def run_tracker(
    definition: TrackerDefinition,
    dataset: Dataset,
    config: RunConfig,
    sequences: Iterable[str] | None = None,
) -> RunReport:
    """Track every (selected) sequence of ``dataset`` that has no result yet."""
    definition.check_checkpoint()
    batcher = None
    if config.batch > 1:  # built before anything is written, so a tracker without batched() leaves no trace
        from odtrack_eval.runner.batched import build_batch_tracker

        batcher = build_batch_tracker(definition, config.devices[0])
    names = list(sequences or [])
    selected = dataset.select(names) if names else dataset
    folder = results_dir(
        config.results_root, definition.results_tracker, definition.results_param, config.run_id, dataset.name
    )
    folder.mkdir(parents=True, exist_ok=True)
    removed = remove_stale_temp_files(folder)
    report = RunReport(folder, folder / "run_manifest.json")
    pending = []
    for seq in selected:
        if is_done(folder, seq.name):
            report.skipped.append(seq.name)
        else:
            pending.append(seq)
    manifest = RunManifest.open(
        folder,
        definition,
        dataset={
            "name": dataset.name,
            "tag": dataset.tag,
            "root": str(dataset.root) if dataset.root else None,
            "layout": dataset.layout,
            "sequences": len(dataset),
        },
        run={
            "run_id": config.run_id,
            "backend": config.backend,
            "address": config.address,
            "workers": config.workers,
            "devices": list(config.devices),
            "batch": config.batch,
            **({"timing_protocol": BATCH_TIMING_PROTOCOL} if config.batch > 1 else {}),
            "selected_sequences": names or None,
            "skipped_already_done": len(report.skipped),
            "stale_temp_files_removed": len(removed),
        },
    )
    tasks: list[SequenceTask] = []
    for seq in pending:
        try:
            tasks.append(make_task(seq))
        except Exception as exc:  # missing frames etc.: reported like a tracking failure
            report.failed.append(SequenceFailure.from_exception(seq.name, exc))
    frames_of = {t.name: t.num_frames for t in tasks}
    progress = RunProgress(len(pending), sum(frames_of.values()), config.progress, definition.name)
    for failure in report.failed:
        progress.sequence_done(failure.name, False)
    collector = _Collector(folder, report, progress, frames_of)
    status = "interrupted"
    try:
        try:
            _execute(tasks, definition, config, collector, batcher)
        finally:
            collector.writer.close()  # finished sequences are saved even if the run is interrupted
        status = "complete" if all(is_done(folder, s.name) for s in selected) else "incomplete"
    except BaseException as exc:
        status = f"aborted: {type(exc).__name__}: {exc}"
        raise
    finally:
        progress.close()
        manifest.finish(
            status,
            completed=len(report.completed),
            failed=[{"sequence": f.name, "error": f.error, "traceback": f.traceback} for f in report.failed],
            executed_on=collector.executed_on,
        )
    return report


def _execute(
    tasks: Sequence[SequenceTask], definition: TrackerDefinition, config: RunConfig, events: Any, batcher: Any = None
) -> None:
    if not tasks:
        return
    if batcher is not None:
        from odtrack_eval.runner.batched import run_batched

        run_batched(tasks, batcher, config.devices[0], events, config.batch)
    elif config.backend == "ray":
        from odtrack_eval.runner.ray_backend import run_ray

        run_ray(tasks, definition, config.devices, config.workers, events, config.address, config.ray_init)
    elif config.workers == 1 and len(config.devices) == 1:
        run_serial(tasks, definition, config.devices[0], events)
    else:
        run_pool(tasks, definition, config.devices, max(config.workers, len(config.devices)), events)
