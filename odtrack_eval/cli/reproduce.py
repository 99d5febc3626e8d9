"""``odtrack-eval reproduce``: computed scores next to the published ones, flagging real differences."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app
from odtrack_eval.cli._options import DatasetOption, ResultsOption
from odtrack_eval.cli.evaluate import PROTOCOL_HELP, STRICT_HELP, _finish, load_for_protocol
from odtrack_eval.cli.report import parse_mapping
from odtrack_eval.evaluation import evaluate_folder
from odtrack_eval.report import documents, tables


class ReproFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    latex = "latex"
    html = "html"


@app.command()
def reproduce(
    dataset: DatasetOption,
    results: ResultsOption,
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
    table: Annotated[
        int | None,
        typer.Option("--table", help="Lay out the ODTrack paper's Table 2, 3 or 5 (its columns and row order) with "
                     "computed rows beside the paper's; † marks differences beyond rounding."),
    ] = None,
    fmt: Annotated[ReproFormat, typer.Option("--format", "-f", help="Output format.")] = ReproFormat.table,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the content cache.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
) -> None:
    """Compare computed scores with the published numbers (odtrack_eval/data/published).

    Refused trackers are listed after the comparison (JSON: "refused"). Exit status: 0 every tracker
    scored, 1 some refused, 2 nothing could run (usage, configuration)."""
    from odtrack_eval.report.published import (
        PAPER_TABLES,
        load_published,
        merge_published,
        paper_table,
        reproduce_rows,
        reproduce_text,
    )

    mapping = parse_mapping(tracker)
    if table is not None and table not in PAPER_TABLES:
        raise typer.BadParameter(f"{table}: the paper's tables with scores are {', '.join(map(str, PAPER_TABLES))}",
                                 param_hint="--table")  # fmt: skip
    if table is None and fmt in (ReproFormat.markdown, ReproFormat.latex, ReproFormat.html):
        raise typer.BadParameter(f"--format {fmt.value} needs --table 2, 3 or 5", param_hint="--format")
    ds, proto = load_for_protocol(dataset, root, protocol, command="reproduce", cache=not no_cache)
    ev = evaluate_folder(ds, results, proto, cache=not no_cache, strict=strict)
    published = load_published(ds.tag, source)
    unknown = sorted(set(mapping.values()) - {p.tracker for p in published})
    if unknown:
        names = sorted({p.tracker for p in published})
        raise typer.BadParameter(f"no published {ds.tag} numbers for {unknown}; known: {', '.join(names) or 'none'}",
                                 param_hint="--tracker")  # fmt: skip
    if table is not None:
        laid_out = paper_table(table, load_published(), ev, mapping)
        laid_out.notes += tables.outcome_notes(ev)
        _print_paper_table(laid_out, fmt, ev)
        _finish(ev.errors, listed=True)
        return
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
               "refused": documents.refused(ev.errors)}  # fmt: skip
        if board is not None:
            doc["leaderboard"] = documents.table_to_dict(board)
        typer.echo(json.dumps(documents.json_safe(doc), indent=2, allow_nan=False))
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


def _print_paper_table(table: tables.Table, fmt: ReproFormat, ev) -> None:
    """The paper's table in the asked format (HTML: a standalone page; JSON with "refused" and "repaired")."""
    if fmt is ReproFormat.json:
        doc = documents.table_to_dict(table)
        doc.update(documents.outcomes(ev))
        typer.echo(json.dumps(documents.json_safe(doc), indent=2, allow_nan=False))
    elif fmt is ReproFormat.html:
        from odtrack_eval.report.html import standalone_page, table_html

        typer.echo(standalone_page(table.title, table_html(table)))
    else:
        writer = {ReproFormat.table: lambda t: tables.to_text(t, color=sys.stdout.isatty()),
                  ReproFormat.markdown: tables.to_markdown, ReproFormat.latex: tables.to_latex}[fmt]  # fmt: skip
        typer.echo(writer(table))
