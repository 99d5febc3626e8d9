"""Run a tracker over a dataset and write pytracking-layout results, resumably.

The runner plans (which sequences still lack a box file), executes through one backend
(in-process, local worker processes, or Ray) and writes every finished sequence atomically from
this process. A failing sequence is recorded with its error and never stops the others.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.realtime import check_rate, decimal
from odtrack_eval.runner.claims import ClaimingTasks, Claims
from odtrack_eval.runner.manifest import RunManifest
from odtrack_eval.runner.parallel import run_pool, run_serial
from odtrack_eval.runner.profiling import latest_profile
from odtrack_eval.runner.progress import RunProgress
from odtrack_eval.runner.realtime import RULE as REALTIME_RULE
from odtrack_eval.runner.storage import ResultWriter, is_done, remove_stale_temp_files, results_dir
from odtrack_eval.runner.tasks import BATCH_TIMING_PROTOCOL, SequenceFailure, SequenceOutput, SequenceTask, make_task
from odtrack_eval.sequence import Dataset
from odtrack_eval.system import device_model
from odtrack_eval.trackers.definition import TrackerDefinition
from odtrack_eval.trackers.registry import network_parameters

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
    #: ``--realtime FPS``: track against a stream of this many frames per second (:mod:`.realtime`)
    realtime_fps: float | None = None
    #: ``--latency S``: with ``realtime_fps``, every frame's processing time is S seconds (deterministic)
    latency: float | None = None

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
        if self.realtime_fps is not None:
            check_rate(self.realtime_fps)
        if self.latency is not None and self.realtime_fps is None:
            raise OdtrackEvalError("--latency (seconds, >= 0) goes with --realtime FPS")
        if self.latency is not None and not 0 <= self.latency < 3600:
            raise OdtrackEvalError(f"--latency must be from 0 to below 3600 s, got {self.latency}")
        if self.realtime_fps is not None and self.batch > 1:
            raise OdtrackEvalError("--realtime tracks each sequence on its own clock: it does not go with --batch")
        if self.run_id is not None and not 0 <= self.run_id <= 999:
            raise OdtrackEvalError(f"--run-id must be between 0 and 999 (pytracking's _NNN), got {self.run_id}")

    @property
    def realtime(self) -> tuple[float, float | None] | None:
        """(frames per second, fixed latency or None) of a real-time run, else None."""
        return None if self.realtime_fps is None else (self.realtime_fps, self.latency)

    def results_param(self, param: str) -> str:
        """The parameter folder: a real-time run's results never mix with offline ones
        (``baseline-rt30fps``, ``baseline-rt30fps-lat40ms``)."""
        if self.realtime_fps is None:
            return param
        latency = "" if self.latency is None else f"-lat{decimal(self.latency * 1000)}ms"
        return f"{param}-rt{decimal(self.realtime_fps)}fps{latency}"


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
    #: Sequences another run on the same folder was tracking (or finished) while this one ran.
    elsewhere: list[str] = field(default_factory=list)
    #: Of the selected sequences: how many have results now, and how many do not.
    done: int = 0
    left: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


class RunInterrupted(KeyboardInterrupt):
    """The run was stopped (Ctrl-C, SIGTERM, SIGHUP); finished sequences are saved. Carries the report."""

    def __init__(self, report: RunReport, cause: str):
        super().__init__(cause)
        self.report = report
        self.cause = cause


class ResultsWriteError(OdtrackEvalError):
    """The results folder cannot be written (not a folder, read-only, disk full)."""


def _write_error(folder: Path, exc: OSError) -> ResultsWriteError:
    where = exc.filename or folder
    return ResultsWriteError(f"cannot write results to {where}: {exc.strerror or exc}")


class _Collector:
    """Receives backend events: writes results, updates progress, records failures, releases claims."""

    def __init__(self, folder: Path, report: RunReport, progress: RunProgress, claims: Claims):
        self.folder = folder
        self.writer = ResultWriter()
        self.report = report
        self.progress = progress
        self.claims = claims
        self.executed_on: dict[str, str] = {}

    def frames(self, count: int, tracker_seconds: float) -> None:
        self.progress.frames(count, tracker_seconds)

    def done(self, output: SequenceOutput) -> None:
        # The claim is released once the files are written (another run must then see the sequence as done).
        self.writer.submit(self.folder, output.name, output.boxes, output.times, output.scores,
                           then=lambda name=output.name: self.claims.release(name))  # fmt: skip
        self.executed_on[output.name] = f"{output.host}/{output.device}"
        self.report.completed.append(output.name)
        self.progress.sequence_done(output.name, True)

    def failed(self, failure: SequenceFailure) -> None:
        self.claims.release(failure.name)
        self.report.failed.append(failure)
        self.progress.sequence_done(failure.name, False)
        self.progress.write(f"FAILED {failure.name}: {failure.error}")


def run_tracker(
    definition: TrackerDefinition,
    dataset: Dataset,
    config: RunConfig,
    sequences: Iterable[str] | None = None,
) -> RunReport:
    """Track every (selected) sequence of ``dataset`` that has no result yet.

    Several runs on one results folder split the work (:mod:`.claims`). An interruption (Ctrl-C,
    or SIGTERM/SIGHUP where the caller turned them into :class:`KeyboardInterrupt`) saves what is
    finished, records the session as aborted and raises :class:`RunInterrupted` with the report.
    """
    definition.check_checkpoint()
    batcher = None
    if config.batch > 1:  # built before anything is written, so a tracker without batched() leaves no trace
        from odtrack_eval.runner.batched import build_batch_tracker

        batcher = build_batch_tracker(definition, config.devices[0])
    names = list(sequences or [])
    selected = dataset.select(names) if names else dataset
    if len(selected) and all(seq.frames is None for seq in selected):
        where = f" at {dataset.root}" if dataset.root else ""
        raise OdtrackEvalError(
            f"{dataset.name}{where} was loaded from annotations only ({dataset.layout or 'no frames'}): "
            "tracking needs the frames; give --root the dataset as distributed (with its image folders)"
        )
    folder = results_dir(config.results_root, definition.results_tracker,
                         config.results_param(definition.results_param), config.run_id, dataset.name)  # fmt: skip
    try:
        folder.mkdir(parents=True, exist_ok=True)
        claims = Claims(folder)
        removed = remove_stale_temp_files(folder)
    except OSError as exc:
        raise _write_error(folder, exc) from None
    report = RunReport(folder, folder / "run_manifest.json")
    pending = []
    for seq in selected:
        if is_done(folder, seq.name):
            report.skipped.append(seq.name)
        else:
            pending.append(seq)
    try:
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
                "device_models": {d: device_model(d) for d in dict.fromkeys(config.devices)},
                "network_parameters": network_parameters(definition),
                "batch": config.batch,
                **({"timing_protocol": BATCH_TIMING_PROTOCOL} if config.batch > 1 else {}),
                **({"realtime": {"fps": config.realtime_fps, "latency_s": config.latency, "rule": REALTIME_RULE}}
                   if config.realtime is not None else {}),  # fmt: skip
                "selected_sequences": names or None,
                "skipped_already_done": len(report.skipped),
                "stale_temp_files_removed": len(removed),
                **({"profile": profile} if (profile := latest_profile(definition, config.devices[0])) else {}),
            },
        )
    except OSError as exc:
        raise _write_error(folder, exc) from None
    tasks: list[SequenceTask] = []
    for seq in pending:
        try:
            tasks.append(make_task(seq, config.realtime))
        except Exception as exc:  # missing frames etc.: reported like a tracking failure
            report.failed.append(SequenceFailure.from_exception(seq.name, exc))
    progress = RunProgress(len(pending), sum(t.num_frames for t in tasks), config.progress, definition.name)
    for failure in report.failed:
        progress.sequence_done(failure.name, False)
    collector = _Collector(folder, report, progress, claims)
    source = ClaimingTasks(tasks, claims, lambda t: t.name, lambda name: is_done(folder, name))
    status = "interrupted"
    try:
        try:
            with _signals_interrupt():
                _execute(source, definition, config, collector, batcher)
        finally:
            try:
                collector.writer.close()  # finished sequences are saved even if the run is interrupted
            finally:
                claims.release_all()
        status = "complete" if all(is_done(folder, s.name) for s in selected) else "incomplete"
    except KeyboardInterrupt as exc:
        status = f"aborted: {type(exc).__name__}: {exc}" if str(exc) else "aborted: interrupted"
        raise RunInterrupted(report, str(exc) or "interrupted") from exc
    except OSError as exc:
        status = f"aborted: {type(exc).__name__}: {exc}"
        raise _write_error(folder, exc) from None
    except BaseException as exc:
        status = f"aborted: {type(exc).__name__}: {exc}"
        raise
    finally:
        progress.close()
        report.elsewhere = list(source.elsewhere)
        report.done = sum(is_done(folder, s.name) for s in selected)
        report.left = len(selected) - report.done
        try:
            manifest.finish(
                status,
                completed=len(report.completed),
                failed=[{"sequence": f.name, "error": f.error, "traceback": f.traceback} for f in report.failed],
                executed_on=collector.executed_on,
                tracked_elsewhere=report.elsewhere,
            )
        except OSError:
            pass  # (a full disk: the session stays "running"; the results written are intact)
    return report


class _Signalled(KeyboardInterrupt):
    """SIGTERM or SIGHUP, turned into an interruption so the run ends like on Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """While tracking, SIGTERM and SIGHUP interrupt the run like Ctrl-C (finished sequences saved, the session
    recorded as aborted). Only from the main thread, and only where the default handler is in place."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def interrupt(signum: int, _frame: object) -> None:
        raise _Signalled(signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is signal.SIG_DFL:
            previous[sig] = signal.signal(sig, interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def exit_status(exc: KeyboardInterrupt) -> int:
    """The shell's status for an interruption: 128 + the signal number (130 for Ctrl-C)."""
    cause = exc.__cause__ if isinstance(exc, RunInterrupted) else exc
    return 128 + (cause.signum if isinstance(cause, _Signalled) else signal.SIGINT)


def _execute(
    tasks: ClaimingTasks[SequenceTask], definition: TrackerDefinition, config: RunConfig, events: Any,
    batcher: Any = None,
) -> None:  # fmt: skip
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
