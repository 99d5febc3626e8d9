"""``odtrack-eval run``: run a tracker over a benchmark and write pytracking-layout results."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app
from odtrack_eval.cli._options import DatasetOption
from odtrack_eval.errors import OdtrackEvalError

DEFAULT_RESULTS = "tracking_results"


def _split_names(values: list[str] | None) -> list[str]:
    """Accept ``--sequence a --sequence b`` and ``--sequence a,b``."""
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()]


def _load(dataset: str, root: Path | None):
    from odtrack_eval.catalog import resolve_root
    from odtrack_eval.datasets import load_dataset

    path = resolve_root(dataset, root)
    try:
        return load_dataset(dataset, path)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("odtrack_eval.datasets"):
            raise OdtrackEvalError(f"the adapter for dataset {dataset!r} is not installed ({exc.name})") from None
        raise


@app.command()
def run(
    tracker: Annotated[
        str,
        typer.Argument(
            help="Tracker name (definition file in trackers/ or an entry point), or a path to a .toml definition."
        ),
    ],
    dataset: DatasetOption,
    root: Annotated[
        Path | None, typer.Option("--root", help="Dataset folder (default: $<DATASET>_ROOT or the user catalog).")
    ] = None,
    sequence: Annotated[
        list[str] | None, typer.Option("--sequence", "-s", help="Only these sequences (repeatable or comma-separated).")
    ] = None,
    run_id: Annotated[int | None, typer.Option("--run-id", help="Write to <param>_NNN (pytracking run id).")] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-j", min=1, help="Parallel worker processes (at least one per --device).")
    ] = 1,
    device: Annotated[
        list[str] | None,
        typer.Option("--device", help="cpu, cuda or cuda:K; repeat to spread workers round robin over GPUs."),
    ] = None,
    results: Annotated[
        Path,
        typer.Option("--results", "-r", help=f"Results root (default: $ODTRACK_EVAL_RESULTS or ./{DEFAULT_RESULTS})."),
    ] = None,  # type: ignore[assignment]
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Use this checkpoint instead of the definition's.")
    ] = None,
    trackers_dir: Annotated[
        list[Path] | None,
        typer.Option("--trackers-dir", help="Extra folder of tracker definition files (searched first)."),
    ] = None,
    backend: Annotated[str, typer.Option("--backend", help="local (processes on this machine) or ray.")] = "local",
    address: Annotated[
        str | None,
        typer.Option("--address", help="Ray cluster address (ray backend; default: start a local Ray instance)."),
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show progress bars.")] = True,
    batch: Annotated[
        int,
        typer.Option(
            "--batch",
            "-b",
            min=1,
            help="Track K sequences together, one batched network call per step (trackers with batched(), e.g. "
            "ODTrack; one worker, one device). Times are then throughput: each call's time is shared.",
        ),
    ] = 1,
    realtime: Annotated[
        float | None,
        typer.Option(
            "--realtime",
            help="Track against a stream of FPS frames per second on a virtual clock: the tracker takes the newest "
            "frame when it is free, skips older ones, and each frame shows the last finished box. Results go to "
            "<param>-rt<FPS>fps.",
        ),
    ] = None,
    latency: Annotated[
        float | None,
        typer.Option(
            "--latency",
            help="With --realtime: every frame takes this many seconds of the virtual clock instead of the measured "
            "time (deterministic, the same on every machine).",
        ),
    ] = None,
) -> None:
    """Track every sequence that has no result yet; a killed run resumes where it stopped."""
    from odtrack_eval.runner import RunConfig, RunInterrupted, exit_status, run_tracker
    from odtrack_eval.trackers.registry import TrackerRegistry

    config = RunConfig(
        results_root=Path(results or os.environ.get("ODTRACK_EVAL_RESULTS") or DEFAULT_RESULTS).expanduser(),
        run_id=run_id,
        workers=workers,
        devices=tuple(device or ["cpu"]),
        backend=backend,
        address=address,
        progress=progress,
        batch=batch,
        realtime_fps=realtime,
        latency=latency,
    )
    definition = TrackerRegistry(trackers_dir or []).resolve(tracker).with_checkpoint(checkpoint)
    definition.check_checkpoint()
    data = _load(dataset, root)
    try:
        report = run_tracker(definition, data, config, _split_names(sequence) or None)
    except RunInterrupted as exc:
        typer.secho(
            f"interrupted: {exc.report.done} sequences done, {exc.report.left} left; "
            "run the same command again to resume",
            err=True,
            fg=typer.colors.YELLOW,
        )
        raise typer.Exit(exit_status(exc)) from None
    if report.elsewhere:
        typer.echo(f"{len(report.elsewhere)} sequence(s) were tracked by another run on the same folder")
    typer.echo(
        f"{definition.name} on {data.name}: {len(report.completed)} tracked, {len(report.skipped)} already done, "
        f"{len(report.failed)} failed -> {report.results_dir}"
    )
    if report.failed:
        typer.secho(f"{len(report.failed)} sequence(s) failed:", err=True, fg=typer.colors.RED)
        for failure in report.failed:
            typer.secho(f"  {failure.name}: {failure.error}", err=True)
        typer.secho(f"(tracebacks in {report.manifest_path}; re-run the same command to retry them)", err=True)
        raise typer.Exit(1)
