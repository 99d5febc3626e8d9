"""``odtrack-eval datasets list|check``: what is registered, where it is, and whether it is intact."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app
from odtrack_eval.errors import OdtrackEvalError

datasets_app = typer.Typer(help="List the registered benchmarks and check their layout on disk.", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")


def _parse_options(items: list[str] | None) -> dict[str, object]:
    out: dict[str, object] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--option")
        out[key.strip()] = value.strip()
    return out


@datasets_app.command("list")
def list_datasets() -> None:
    """Registered datasets, their environment variable and where each is configured."""
    from odtrack_eval.catalog import config_path, locate
    from odtrack_eval.datasets import REGISTRY

    specs = {s.name: s for s in REGISTRY.values()}
    typer.echo(f"catalog file: {config_path()}{'' if config_path().is_file() else ' (not present)'}")
    for name in sorted(specs):
        spec = specs[name]
        aliases = sorted(k for k, s in REGISTRY.items() if s is spec and k != name)
        try:
            found = locate(name)
        except OdtrackEvalError as exc:
            where = f"catalog error: {exc}"
        else:
            if found is None:
                where = "not configured"
            else:
                state = "ok" if found.path.exists() else "MISSING"
                where = f"{found.path} [{state}] (from {found.source})"
        alias_text = f" (aliases: {', '.join(aliases)})" if aliases else ""
        typer.echo(f"{name}{alias_text}\n    {spec.description}\n    ${spec.env_var}: {where}")


@datasets_app.command("check")
def check(
    name: Annotated[str, typer.Argument(help="Dataset name, e.g. lasot, trackingnet, got10k-val, vot2020, folder.")],
    root: Annotated[
        Path | None,
        typer.Option("--root", help="Dataset folder. Default: its environment variable or the user catalog."),
    ] = None,
    frames: Annotated[
        bool, typer.Option("--frames", help="Require the frames (annotation-only layouts become errors).")
    ] = False,
    option: Annotated[
        list[str] | None, typer.Option("--option", "-o", help="Adapter option KEY=VALUE, e.g. chunks=0,1.")
    ] = None,
) -> None:
    """Report missing sequences/frames, count mismatches and malformed lines; exit 1 on problems."""
    from odtrack_eval.catalog import resolve_root
    from odtrack_eval.datasets.check import check_dataset

    try:
        path = resolve_root(name, root)
        report = check_dataset(name, path, frames=frames, options=_parse_options(option))
    except OdtrackEvalError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    for key, value in report.summary.items():
        if isinstance(value, dict):
            typer.echo(f"{key}:")
            for k, v in value.items():
                typer.echo(f"  {k:<20} {v}")
        else:
            typer.echo(f"{key + ':':<27} {value}")
    for note in report.notes:
        typer.echo(f"note: {note}")
    for problem in report.problems:
        typer.secho(f"problem: {problem}", fg=typer.colors.RED)
    if report.ok:
        typer.secho(f"{report.dataset}: OK", fg=typer.colors.GREEN)
    else:
        typer.secho(f"{report.dataset}: {len(report.problems)} problem(s)", fg=typer.colors.RED)
        raise typer.Exit(1)


@datasets_app.command("import-local")
def import_local(
    local_py: Annotated[
        Path, typer.Argument(help="A pytracking/OSTrack/ODTrack lib/test/evaluation/local.py (read, never run).")
    ],
    write: Annotated[
        bool, typer.Option("--write", help="Add the paths to the catalog file (keys already set are kept).")
    ] = False,
) -> None:
    """Turn the dataset paths of an existing local.py into catalog entries (printed, or added with --write)."""
    from odtrack_eval.catalog import config_path, read_config
    from odtrack_eval.local_import import catalog_lines, merge_into_catalog, read_local_py

    found = read_local_py(local_py)
    catalog = config_path()
    for line, name, reason in found.skipped:
        typer.echo(f"skipped {local_py.name}:{line} {name}: {reason}", err=True)
    if not found.entries:
        typer.secho(f"{local_py}: no dataset path that odtrack-eval reads", err=True, fg=typer.colors.YELLOW)
        raise typer.Exit(1)
    if not write:
        typer.echo("[datasets]")
        for line in catalog_lines(found):
            typer.echo(line)
        typer.echo(f"# run again with --write to add these to {catalog}", err=True)
        return
    added, kept = merge_into_catalog(catalog, found)
    for e in added:
        typer.echo(f"added   {e.key} = {e.path}")
    existing = read_config(catalog)
    for e in kept:
        if existing.get(e.key) == Path(os.path.expanduser(e.path)):
            typer.echo(f"same    {e.key} = {e.path}")
        else:
            typer.echo(f"kept    {e.key} = {existing.get(e.key)} (the catalog's; {local_py.name} has {e.path})")
    typer.echo(f"catalog: {catalog}")
