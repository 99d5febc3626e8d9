"""``odtrack-eval compare A B``: is B better than A beyond noise? (paired per-sequence statistics)"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app
from odtrack_eval.cli._options import DatasetOption, ResultsOption
from odtrack_eval.cli.evaluate import PROTOCOL_HELP, STRICT_HELP, _finish, load_for_protocol
from odtrack_eval.errors import ResultsError
from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.results.selection import display_name


class CompareFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
def compare(
    a: Annotated[
        str,
        typer.Argument(
            help="Baseline tracker (A): a name as found, or TRACKER:PARAM[:RUNS[:LABEL]], e.g. odtrack:baseline:100."
        ),
    ],
    b: Annotated[str, typer.Argument(help="Tracker compared with it (B); delta = B - A.")],
    dataset: DatasetOption,
    results: ResultsOption,
    root: Annotated[Path | None, typer.Option("--root", help="Dataset folder (default: catalog).")] = None,
    protocol: Annotated[str | None, typer.Option("--protocol", "-p", help=PROTOCOL_HELP)] = None,
    fmt: Annotated[CompareFormat, typer.Option("--format", "-f", help="Output format.")] = CompareFormat.table,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap resampling.")] = 0,
    resamples: Annotated[int, typer.Option("--resamples", help="Bootstrap resamples.", min=100)] = 10_000,
    top: Annotated[int, typer.Option("--top", help="How many most-different sequences to list.")] = 10,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the content cache.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
) -> None:
    """Paired per-sequence comparison: mean difference, bootstrap 95% CI, Wilcoxon p, wins/ties/losses.

    Exit status: 0 both trackers scored, 1 one of them refused (the reason is printed), 2 nothing could
    run (usage, configuration)."""
    from odtrack_eval.report.compare import compare_results, comparison_text

    if a == b:
        raise typer.BadParameter("A and B are the same tracker", param_hint="A B")
    ds, proto = load_for_protocol(dataset, root, protocol, command="compare", cache=not no_cache)
    ev = evaluate_folder(ds, results, proto, trackers=[a, b], cache=not no_cache, strict=strict)
    found = {r.tracker: r for r in ev.results}
    name_a, name_b = display_name(a), display_name(b)
    for name in (name_a, name_b):
        if name not in found and name not in ev.errors:
            raise ResultsError(f"{name}: not evaluated")
    if ev.errors:
        _finish(ev.errors)
    comps = compare_results(found[name_a], found[name_b], ds, seed=seed, resamples=resamples, top=top)
    if fmt is CompareFormat.json:
        typer.echo(json.dumps([c.to_dict() for c in comps], indent=2, allow_nan=False))
    else:
        typer.echo(f"{ds.name}, protocol {proto.name}, bootstrap {resamples} resamples (seed {seed})")
        typer.echo(comparison_text(comps))
