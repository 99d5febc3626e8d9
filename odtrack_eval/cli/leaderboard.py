"""``odtrack-eval leaderboard``: several benchmarks side by side, like the ODTrack paper's Table 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app
from odtrack_eval.cli.evaluate import STRICT_HELP, OutputFormat, _finish, _print_tables, load_for_protocol
from odtrack_eval.cli.report import parse_mapping
from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.report import documents, tables
from odtrack_eval.results.selection import TRACKER_HELP


@app.command()
def leaderboard(
    dataset: Annotated[
        list[str], typer.Option("--dataset", "-d", help="Benchmarks, in column order (repeat: -d lasot -d tnl2k).")
    ],
    results: Annotated[
        list[str],
        typer.Option(
            "--results",
            "-r",
            help="Results folder for every benchmark (ODTrack layout: <tracker>/<param>/<dataset>/), and/or "
            "DATASET=FOLDER for one benchmark.",
        ),
    ],
    root: Annotated[
        list[str] | None, typer.Option("--root", help="DATASET=FOLDER (default: each dataset's catalog entry).")
    ] = None,
    tracker: Annotated[list[str] | None, typer.Option("--tracker", "-t", help=TRACKER_HELP)] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    allow_missing: Annotated[
        bool, typer.Option("--allow-missing", help="Per benchmark, score the sequences every tracker has.")
    ] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the content cache.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
    with_published: Annotated[
        list[str] | None,
        typer.Option("--with-published", help="Add the published rows of this source id (repeatable), marked "
                     "'(paper: SOURCE)', e.g. odtrack_aaai2024; `odtrack-eval reproduce --help` names the sources."),
    ] = None,
) -> None:
    """Several benchmarks side by side, like the ODTrack paper's Table 2 (best two per column marked).

    AUC, P_norm, P for one-pass benchmarks and AO, SR0.5, SR0.75 for GOT-10k, each under its leaderboard
    protocol. A tracker refused on one benchmark keeps its other columns; the refusals are listed under
    the table (JSON: "refused"). Exit status: 0 every tracker scored, 1 some refused, 2 nothing could run
    (usage, configuration)."""
    per_dataset = parse_mapping([r for r in results if "=" in r], "--results")
    shared = [r for r in results if "=" not in r]
    if len(shared) > 1:
        raise typer.BadParameter("give one shared results folder, and DATASET=FOLDER for the others", param_hint="-r")
    roots = parse_mapping(root, "--root")
    unknown = sorted((set(per_dataset) | set(roots)) - set(dataset))
    if unknown:
        raise typer.BadParameter(f"{', '.join(unknown)} not among the --dataset values", param_hint="-r/--root")
    folders = {name: per_dataset.get(name) or (shared[0] if shared else None) for name in dataset}
    lacking = [name for name, folder in folders.items() if folder is None]
    if lacking:
        raise typer.BadParameter(f"no results folder for {', '.join(lacking)} (give -r FOLDER or -r DATASET=FOLDER)")
    evaluations, errors = [], {}
    for name in dataset:
        folder = folders[name]
        root = Path(roots[name]) if name in roots else None
        ds, proto = load_for_protocol(name, root, None, command="leaderboard", cache=not no_cache)
        ev = evaluate_folder(ds, Path(folder), proto, trackers=tracker, allow_missing=allow_missing,
                             cache=not no_cache, strict=strict)  # fmt: skip
        for w in ev.warnings[:5]:
            typer.secho(f"warning: {ds.name}: {w}", err=True, fg=typer.colors.YELLOW)
        errors.update({f"{ds.name}: {k}": v for k, v in ev.errors.items()})
        evaluations.append(ev)
    table = tables.benchmarks_table(evaluations)
    first = table.columns[0].key if table.columns else None  # sorted by the first benchmark's first score
    table.rows.sort(key=lambda row: -row[1].get(first, float("-inf")) if first else 0.0)
    if with_published:
        from odtrack_eval.report.published import load_published, load_sources, merge_published

        unknown = sorted(set(with_published) - set(load_sources()))
        if unknown:
            raise typer.BadParameter(f"unknown source {', '.join(unknown)}; known: {', '.join(load_sources())}",
                                     param_hint="--with-published")  # fmt: skip
        column_of = {ev.dataset.tag: ev.dataset.name for ev in evaluations}
        table = merge_published(table, load_published(sources=with_published),
                                key_of=lambda p: f"{column_of[p.benchmark]}:{p.metric}" if p.benchmark in column_of
                                else None)  # fmt: skip
    table.notes += [f"{ev.dataset.name}: {note}" for ev in evaluations for note in tables.outcome_notes(ev)]
    if fmt is OutputFormat.json:
        doc = documents.table_to_dict(table)
        doc["refused"] = documents.refused(errors)
        typer.echo(json.dumps(documents.json_safe(doc), indent=2, allow_nan=False))
    else:
        _print_tables([table], fmt)
    _finish(errors, listed=fmt is OutputFormat.json or (fmt is not OutputFormat.csv and bool(table.rows)))
