"""``odtrack-eval pack got10k|trackingnet``: the zip the evaluation server accepts."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app
from odtrack_eval.cli._options import ResultsOption
from odtrack_eval.errors import ResultsError
from odtrack_eval.results import discover_trackers


class Server(str, Enum):
    got10k = "got10k"
    trackingnet = "trackingnet"


_DATASET = {Server.got10k: "got10k-test", Server.trackingnet: "trackingnet"}
_TAG = {Server.got10k: "got10k", Server.trackingnet: "trackingnet"}


@app.command()
def pack(
    benchmark: Annotated[Server, typer.Argument(help="Which server: got10k (test set) or trackingnet (TEST).")],
    results: ResultsOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="The zip file to write.")],
    tracker: Annotated[str | None, typer.Option("--tracker", "-t", help="Tracker to pack (if several).")] = None,
    root: Annotated[
        Path | None,
        typer.Option("--root", help="Dataset root: enables the per-sequence frame-count check (recommended)."),
    ] = None,
) -> None:
    """Check a tracker's test-set results for completeness and write the server's submission zip."""
    from odtrack_eval.pack import write_package

    entries = discover_trackers(results, _TAG[benchmark])
    if tracker:
        entries = [e for e in entries if tracker in (e.name, e.tracker)]
    if len(entries) != 1:
        names = ", ".join(e.name for e in discover_trackers(results, _TAG[benchmark]))
        raise ResultsError(f"{results}: choose one tracker with --tracker (found: {names or 'none'})")
    dataset = None
    if root is not None:
        from odtrack_eval.datasets import load_dataset

        dataset = load_dataset(_DATASET[benchmark], root)
    count, notes = write_package(benchmark.value, entries[0], out, dataset)
    for note in notes:
        typer.secho(f"warning: {note}", err=True, fg=typer.colors.YELLOW)
    typer.echo(f"wrote {out} ({count} files) for {entries[0].name}")
