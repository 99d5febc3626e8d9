"""Command-line interface: ``odtrack-eval <command>``.

Each command group lives in its own module under ``odtrack_eval.cli`` and registers itself on
:data:`app` when imported by :func:`_load_commands`. Errors derived from
:class:`~odtrack_eval.errors.OdtrackEvalError` print as one clean line and exit with status 2.
"""

from __future__ import annotations

import importlib
import sys

import typer

from odtrack_eval.errors import OdtrackEvalError

app = typer.Typer(
    name="odtrack-eval",
    help="Evaluate single-object trackers on LaSOT, LaSOT_ext, TrackingNet, GOT-10k, TNL2K, OTB100 and VOT2020 "
    "with the official protocols.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from odtrack_eval import __version__

        typer.echo(f"odtrack-eval {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Evaluate single-object trackers with the official protocols (see `odtrack-eval COMMAND --help`)."""


#: Modules that define commands; each does ``from odtrack_eval.cli import app`` and decorates.
COMMAND_MODULES = [
    "evaluate",
    "doctor",
    "datasets",
    "run",
    "synth",
    "pack",
    "report",
    "compare",
    "reproduce",
    "demo",
    "vot",
    "trackers",
    "leaderboard",
    "cache",
]


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        try:
            importlib.import_module(f"odtrack_eval.cli.{name}")
        except ModuleNotFoundError as exc:  # a command module not written yet must not break the others
            if exc.name != f"odtrack_eval.cli.{name}":
                raise


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    _load_commands()
    try:
        app(args=argv, standalone_mode=True)
    except OdtrackEvalError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(2)
