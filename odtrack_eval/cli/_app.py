"""The typer application :data:`app` whose root group imports command modules lazily.

Typer builds the root click group from the commands registered on :data:`app` so far; the
:class:`LazyGroup` it builds adds a stand-in for every other command of
:data:`~odtrack_eval.cli.COMMANDS` and imports that command's module when the command is resolved.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from odtrack_eval.cli import COMMANDS, ROOT_HELP, VERSION_HELP

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter  # typer's bundled click

_BY_NAME = {entry.name: entry for entry in COMMANDS}


class _NotLoaded(TyperCommand):
    """Stands in for a command whose module is not imported yet: enough for the root help's list."""


class LazyGroup(TyperGroup):
    """The root group: lists every command of :data:`~odtrack_eval.cli.COMMANDS`, importing a
    command's module on first use.

    The help listing (:meth:`format_help`) keeps the stand-ins, so the group's help imports no
    command module; :meth:`get_command` replaces a stand-in by the real command otherwise.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        registered = dict(self.commands)
        commands: dict[str, Command] = {}
        for entry in COMMANDS:
            commands[entry.name] = registered.pop(entry.name, None) or _NotLoaded(entry.name, help=entry.help)
        self.commands = {**commands, **registered}
        self._listing = False

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        """The command ``cmd_name``, importing its module first (a stand-in only while listing)."""
        command = self.commands.get(cmd_name)
        if isinstance(command, _NotLoaded) and not self._listing:
            command = self.commands[cmd_name] = _load_command(cmd_name)
        return command

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        """Typer's help, listing the commands by their table entries (no module imported)."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def _load_command(name: str) -> Command:
    """Import the module of command ``name`` and build its click command from what it registered."""
    module = f"odtrack_eval.cli.{_BY_NAME[name].module}"
    importlib.import_module(module)
    command = typer.main.get_group(app).commands.get(name)
    if command is None or isinstance(command, _NotLoaded):
        raise RuntimeError(f"{module} does not define the command {name!r} (see odtrack_eval.cli.COMMANDS)")
    return command


app = typer.Typer(
    name="odtrack-eval",
    help=ROOT_HELP,
    cls=LazyGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    """``--version``: print it and stop before any command runs."""
    if value:
        from odtrack_eval import __version__

        typer.echo(f"odtrack-eval {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help=VERSION_HELP),
) -> None:
    """Evaluate single-object trackers with the official protocols (see `odtrack-eval COMMAND --help`)."""
