"""``odtrack-eval trackers list|info``: which trackers can be run, and what one of them is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app

trackers_app = typer.Typer(help="List the trackers that can be run and describe one.", no_args_is_help=True)
app.add_typer(trackers_app, name="trackers")

_DIRS_HELP = "Extra folder of tracker definition files (searched first)."


@trackers_app.command("list")
def list_trackers(
    trackers_dir: Annotated[list[Path] | None, typer.Option("--trackers-dir", help=_DIRS_HELP)] = None,
) -> None:
    """Every tracker name, where it is defined and its description (nothing is imported or built)."""
    from odtrack_eval.trackers.registry import TrackerRegistry

    registry = TrackerRegistry(trackers_dir or [])
    definitions = registry.definitions()
    for name, where in registry.available().items():
        description = definitions[name].description if name in definitions else ""
        typer.echo(f"{name}\n    {description or '(no description)'}\n    {where}")


@trackers_app.command("info")
def info(
    name: Annotated[str, typer.Argument(help="Tracker name (see `odtrack-eval trackers list`) or a .toml file.")],
    trackers_dir: Annotated[list[Path] | None, typer.Option("--trackers-dir", help=_DIRS_HELP)] = None,
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Check this checkpoint path instead of the definition's.")
    ] = None,
) -> None:
    """The definition of one tracker, whether its checkpoint is in place, and what its implementation
    reports (for ODTrack: architecture and parameter count, from a weightless meta-device build)."""
    from odtrack_eval.errors import OdtrackEvalError
    from odtrack_eval.trackers.registry import TrackerRegistry, check_tracker_checkpoint, describe_tracker

    d = TrackerRegistry(trackers_dir or []).resolve(name).with_checkpoint(checkpoint)
    rows = [
        ("name", d.name),
        ("description", d.description or "-"),
        ("defined in", d.source or "-"),
        ("implementation", d.implementation),
        ("factory arguments", ", ".join(f"{k}={v!r}" for k, v in d.parameters.items()) or "-"),
        ("results folder", f"<results>/{d.results_tracker}/{d.results_param}[_NNN]/<dataset>/"),
    ]
    if d.checkpoint is None:
        rows.append(("checkpoint", "none"))
    else:
        rows.append(("checkpoint", str(d.checkpoint)))
        try:
            checked = check_tracker_checkpoint(d)
            rows.append(("", "usable" if checked else "present"))
            rows += checked
        except OdtrackEvalError as exc:
            rows.append(("", f"NOT USABLE: {str(exc).split(': ', 1)[-1]}"))
    rows += describe_tracker(d)
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        typer.echo(f"{label.ljust(width)}  {value}")
