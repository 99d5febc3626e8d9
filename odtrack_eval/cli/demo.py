"""``odtrack-eval demo``: the whole pipeline on built-in synthetic data, in a few minutes on a laptop."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder (work files go to <out>/work).")] = Path(
        "reports/demo"
    ),
    sequences: Annotated[int, typer.Option("--sequences", min=1, help="Synthetic sequences.")] = 12,
    frames: Annotated[int, typer.Option("--frames", min=2, help="Frames per sequence.")] = 150,
    seed: Annotated[int, typer.Option("--seed", help="Generator seed.")] = 0,
    tracker: Annotated[
        list[str] | None,
        typer.Option(
            "--tracker", "-t", help="Trackers to run (repeatable; default: static, opencv-kcf, opencv-mosse)."
        ),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", "-j", min=1, help="Parallel worker processes.")] = 2,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show progress bars.")] = True,
) -> None:
    """Generate a synthetic LaSOT-layout benchmark, run baseline trackers on it in parallel, evaluate them
    with the ODTrack protocol and write a report (tables, plots, index.html)."""
    from odtrack_eval.demo import DemoOptions, run_demo, tracker_list
    from odtrack_eval.report import tables

    start = time.perf_counter()
    options = DemoOptions(out, sequences, frames, seed, tracker_list(tracker), workers, progress)
    evaluation, files = run_demo(options, say=typer.echo)
    typer.echo("")
    typer.echo(tables.to_text(tables.ope_table(evaluation, fps=True)))
    for name, err in evaluation.errors.items():
        typer.secho(f"error: {name}: {err}", err=True, fg=typer.colors.RED)
    typer.echo(f"\nreport: {files.index} ({time.perf_counter() - start:.0f} s)")
    if evaluation.errors:
        raise typer.Exit(1)
