"""``odtrack-eval reproduce``: computed scores next to the published ones, flagging real differences."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app
from odtrack_eval.cli.evaluate import PROTOCOL_HELP, STRICT_HELP, _finish, load_for_protocol
from odtrack_eval.cli.report import parse_mapping
from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.report import tables


class ReproFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
def reproduce(
    dataset: Annotated[str, typer.Option("--dataset", "-d", help="Benchmark name.")],
    results: Annotated[Path, typer.Option("--results", "-r", help="Folder with one sub-folder per tracker.")],
    root: Annotated[Path | None, typer.Option("--root", help="Dataset folder (default: catalog).")] = None,
    protocol: Annotated[str | None, typer.Option("--protocol", "-p", help=PROTOCOL_HELP)] = None,
    tracker: Annotated[
        list[str] | None,
        typer.Option("--tracker", "-t", help="NAME=PAPER_NAME (repeatable); default: same name up to case."),
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only published numbers of these source ids.")
    ] = None,
    merge: Annotated[bool, typer.Option("--merge", help="Also print the leaderboard with published rows.")] = False,
    fmt: Annotated[ReproFormat, typer.Option("--format", "-f", help="Output format.")] = ReproFormat.table,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the content cache.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
) -> None:
    """Compare computed scores with the published numbers (odtrack_eval/data/published).

    Refused trackers are listed after the comparison (JSON: "refused"). Exit status: 0 every tracker
    scored, 1 some refused, 2 nothing could run (usage, configuration)."""
    from odtrack_eval.report.published import load_published, merge_published, reproduce_rows, reproduce_text

    mapping = parse_mapping(tracker)
    ds, proto = load_for_protocol(dataset, root, protocol, command="reproduce", cache=not no_cache)
    ev = evaluate_folder(ds, results, proto, cache=not no_cache, strict=strict)
    published = load_published(ds.tag, source)
    unknown = sorted(set(mapping.values()) - {p.tracker for p in published})
    if unknown:
        names = sorted({p.tracker for p in published})
        raise typer.BadParameter(f"no published {ds.tag} numbers for {unknown}; known: {', '.join(names) or 'none'}",
                                 param_hint="--tracker")  # fmt: skip
    rows = reproduce_rows(ev, published, mapping)
    board = None
    if merge:
        matched = {r.paper_name for r in rows}
        board = merge_published(tables.ope_table(ev, fps=True), published)
        if matched:
            board.notes.append(f"Published rows of matched trackers ({', '.join(sorted(matched))}) are included "
                               "for comparison with the computed rows.")  # fmt: skip
    if fmt is ReproFormat.json:
        doc = {"dataset": ds.name, "benchmark": ds.tag, "protocol": proto.name,
               "rows": [r.to_dict() for r in rows],
               "refused": [{"name": name, "reason": reason} for name, reason in ev.errors.items()]}  # fmt: skip
        if board is not None:
            doc["leaderboard"] = tables.table_to_dict(board)
        typer.echo(json.dumps(tables._json_safe(doc), indent=2, allow_nan=False))
    else:
        typer.echo(reproduce_text(rows, f"{ds.name} ({len(ev.sequence_names)} sequences), protocol {proto.name}: "
                                        "computed vs published"))  # fmt: skip
        if board is not None:
            typer.echo("")
            typer.echo(tables.to_text(board, color=sys.stdout.isatty()))
        notes = tables.outcome_notes(ev)
        if notes and board is None:
            typer.echo("\n".join(["", *notes]))
    _finish(ev.errors, listed=fmt is ReproFormat.json or bool(ev.results))
