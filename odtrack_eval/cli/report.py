"""``odtrack-eval report``: every table and figure of one evaluation plus a self-contained index.html."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app
from odtrack_eval.cli._options import DatasetOption, ResultsOption
from odtrack_eval.cli.evaluate import PROTOCOL_HELP, STRICT_HELP, _finish, load_for_protocol
from odtrack_eval.results.selection import TRACKER_HELP
from odtrack_eval.store import resolve_store


def parse_mapping(items: list[str] | None, option: str = "--tracker") -> dict[str, str]:
    """``NAME=PAPER_NAME`` pairs -> dict (a clear error for anything else)."""
    out = {}
    for item in items or []:
        name, sep, paper = item.partition("=")
        if not sep or not name.strip() or not paper.strip():
            raise typer.BadParameter(f"{item!r}: expected NAME=PAPER_NAME", param_hint=option)
        out[name.strip()] = paper.strip()
    return out


@app.command()
def report(
    dataset: DatasetOption,
    results: ResultsOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder (created), e.g. reports/lasot/.")],
    root: Annotated[Path | None, typer.Option("--root", help="Dataset folder (default: catalog).")] = None,
    protocol: Annotated[str | None, typer.Option("--protocol", "-p", help=PROTOCOL_HELP)] = None,
    tracker: Annotated[list[str] | None, typer.Option("--tracker", "-t", help=TRACKER_HELP)] = None,
    paper_name: Annotated[
        list[str] | None,
        typer.Option("--paper-name", help="NAME=PAPER_NAME: match a tracker to its published numbers."),
    ] = None,
    allow_missing: Annotated[
        bool, typer.Option("--allow-missing", help="Evaluate on the sequences every tracker has.")
    ] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the content cache.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
    timelines: Annotated[
        str,
        typer.Option(
            "--timelines",
            help="How many sequence pages get a timeline (the sequences where the trackers disagree most first): "
            "a number, or 'all'. Each takes ~0.5 s to draw the first time.",
        ),
    ] = "30",
) -> None:
    """Write leaderboard/attribute tables (txt, md, csv, tex, json), figures (png, pdf) and index.html.

    Refused trackers are listed under the leaderboard with their reasons. Exit status: 0 every tracker
    scored, 1 some refused, 2 nothing could run (usage, configuration).
    """
    from odtrack_eval.pipelines import evaluate as run_evaluation
    from odtrack_eval.report.outputs import write_report

    start = time.perf_counter()
    how_many = _timelines(timelines)
    ds, proto = load_for_protocol(dataset, root, protocol, cache=not no_cache)
    ev = run_evaluation(ds, results, proto, trackers=tracker, allow_missing=allow_missing, cache=not no_cache,
                        strict=strict)  # fmt: skip
    if not ev.results:
        _finish(ev.errors)
    _, summary = write_report(ev, out, results, cache=resolve_store(not no_cache),
                              paper_names=parse_mapping(paper_name), trackers=tracker, allow_missing=allow_missing,
                              strict=strict, timelines=how_many)  # fmt: skip
    typer.echo(f"{summary} in {time.perf_counter() - start:.1f} s")
    _finish(ev.errors, listed=True)


def _timelines(value: str) -> int | None:
    """``--timelines``: a count (0 or more) or ``all`` (None)."""
    if value.strip().lower() == "all":
        return None
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 0:
        raise typer.BadParameter(f"{value!r}: expected a number of sequences (0 or more) or 'all'",
                                 param_hint="--timelines")  # fmt: skip
    return count
