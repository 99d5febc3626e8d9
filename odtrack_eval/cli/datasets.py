"""``odtrack-eval datasets list|check``: what is registered, where it is, and whether it is intact."""

from __future__ import annotations

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
