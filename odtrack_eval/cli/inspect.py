"""``odtrack-eval inspect``: what each downloaded results folder holds, and the verdict, before scoring."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app
from odtrack_eval.cli._options import DatasetOption, ResultsOption
from odtrack_eval.cli.evaluate import PROTOCOL_HELP, STRICT_HELP
from odtrack_eval.results.selection import TRACKER_HELP


class InspectFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
def inspect(
    dataset: DatasetOption,
    results: ResultsOption,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="Dataset folder (default: catalog). Without one, files are matched against the shipped sequence "
            "list only: no length, corner or offset evidence.",
        ),
    ] = None,
    protocol: Annotated[str | None, typer.Option("--protocol", "-p", help=PROTOCOL_HELP)] = None,
    tracker: Annotated[list[str] | None, typer.Option("--tracker", "-t", help=TRACKER_HELP)] = None,
    fmt: Annotated[InspectFormat, typer.Option("--format", "-f", help="Output format.")] = InspectFormat.table,
    allow_missing: Annotated[
        bool, typer.Option("--allow-missing", help="Missing files make a warning, not a refusal (as in evaluate).")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
) -> None:
    """Check raw results before scoring: layout, runs, files matched, missing and foreign, number format,
    box convention (corners, offsets), NaN/inf/negative/zero-size rows, time files; and the verdict under
    the protocol (ok, warn = scored with repairs, refused). Never scores.

    Exit status: 0 no tracker refused, 1 some refused, 2 nothing could run (usage, configuration).
    """
    from odtrack_eval.catalog import locate
    from odtrack_eval.cli.evaluate import check_protocol, load_for_protocol, resolve_protocol
    from odtrack_eval.datasets import get_spec
    from odtrack_eval.errors import OdtrackEvalError
    from odtrack_eval.report.inspection import inspection_text
    from odtrack_eval.results.inspection import ground_truths, inspect_folder

    spec = get_spec(dataset)
    if root is not None or locate(dataset, None) is not None:
        ds, proto = load_for_protocol(dataset, root, protocol, command="inspect")
        names, truths, tag, label = ds.names, ground_truths(ds), ds.tag, ds.name
    else:  # names only: the shipped sequence list
        official = spec.official_names()
        if official is None:
            raise OdtrackEvalError(f"{spec.name} has no shipped sequence list: give its folder with --root")
        check_protocol(dataset, protocol)
        proto = resolve_protocol(spec.tag, protocol, command="inspect")
        names, truths, tag, label = official, None, spec.tag, spec.name
    report = inspect_folder(results, names, truths, tag, label, proto.for_benchmark(tag), trackers=tracker,
                            allow_missing=allow_missing, strict=strict)  # fmt: skip
    if fmt is InspectFormat.json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        typer.echo(inspection_text(report))
    refused = [t.name for t in report.trackers if t.verdict == "refused"]
    if refused:
        typer.secho(f"error: {len(refused)} tracker(s) would be refused ({', '.join(refused)})", err=True,
                    fg=typer.colors.RED)  # fmt: skip
        raise typer.Exit(1)
