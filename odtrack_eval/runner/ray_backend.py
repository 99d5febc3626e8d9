"""Distribute sequences over a Ray cluster (optional extra: ``pip install 'odtrack-eval[ray]'``).

One Ray actor per worker builds the tracker once and tracks the sequences it is handed, one at
a time; the driver (this process) writes every result file, atomically, exactly as the local
backends do, so results are resumable and identical in layout. Frame paths are sent as they
are resolved on the driver: on a multi-machine cluster the dataset must be mounted at the same
path on every node (results only need to be writable by the driver). An actor that dies fails
the sequence it held; the others continue on the remaining actors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Sized
from typing import Any

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.runner.parallel import Events
from odtrack_eval.runner.tasks import SequenceFailure, SequenceTask, track_sequence
from odtrack_eval.trackers.definition import TrackerDefinition
from odtrack_eval.trackers.registry import TrackerBuildError, build_tracker


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise OdtrackEvalError("the Ray backend needs the 'ray' package: pip install 'odtrack-eval[ray]'") from exc
    return ray


class _TrackerActor:
    """Body of the Ray actor (wrapped with ``ray.remote`` at run time so Ray stays optional)."""

    def __init__(self, definition: TrackerDefinition, device: str):
        self.device = device
        self.error: str | None = None
        try:
            self.tracker = build_tracker(definition, device)
        except Exception as exc:  # reported on the first task so the driver can stop cleanly
            self.tracker = None
            self.error = f"{type(exc).__name__}: {exc}"

    def run(self, task: SequenceTask) -> tuple[str, Any]:
        if self.tracker is None:
            return "fatal", self.error
        try:
            return "done", track_sequence(self.tracker, task, self.device)
        except Exception as exc:
            return "failed", SequenceFailure.from_exception(task.name, exc)


def run_ray(
    tasks: Iterable[SequenceTask],
    definition: TrackerDefinition,
    devices: Sequence[str],
    workers: int,
    events: Events,
    address: str | None = None,
    init_options: dict[str, Any] | None = None,
) -> None:
    """Track ``tasks`` on ``workers`` Ray actors (each asks for one GPU if a CUDA device was given)."""
    source = iter(tasks)
    first = next(source, None)
    if first is None:
        return
    planned = len(tasks) if isinstance(tasks, Sized) else workers
    ray = _import_ray()
    started_here = not ray.is_initialized()
    actors: list[Any] = []
    if started_here:
        options = {"include_dashboard": False, "log_to_driver": False, **(init_options or {})}
        ray.init(address=address, **options)
    try:
        use_gpu = any(d.startswith("cuda") for d in devices)
        actor_cls = ray.remote(num_cpus=1, num_gpus=1 if use_gpu else 0, max_restarts=0)(_TrackerActor)
        # Ray restricts each GPU actor to its own device through CUDA_VISIBLE_DEVICES.
        device = "cuda:0" if use_gpu else "cpu"
        actors = [actor_cls.remote(definition, device) for _ in range(max(1, min(workers, planned)))]
        pending = [first]  # tasks are taken one at a time (a claiming source hands out only what this process claimed)
        in_flight: dict[Any, tuple[Any, SequenceTask]] = {}

        def submit(actor: Any) -> None:
            task = pending.pop() if pending else next(source, None)
            if task is not None:
                in_flight[actor.run.remote(task)] = (actor, task)

        for actor in actors:
            submit(actor)
        while in_flight:
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            actor, task = in_flight.pop(ready[0])
            try:
                kind, payload = ray.get(ready[0])
            except Exception as exc:  # actor died (RayActorError) or the task could not run
                events.failed(SequenceFailure.from_exception(task.name, exc))
                if not in_flight:
                    left = next(source, None)
                    if left is not None:
                        raise OdtrackEvalError("all Ray actors failed with sequences left") from exc
                continue
            if kind == "fatal":
                raise TrackerBuildError(f"Ray actor could not build the tracker: {payload}")
            if kind == "done":
                events.frames(len(payload.times), float(payload.times.sum()))
                events.done(payload)
            else:
                events.failed(payload)
            submit(actor)
    finally:
        for actor in actors:  # free their resources (and GPUs) even on a shared cluster
            ray.kill(actor)
        if started_here:
            ray.shutdown()
