"""``odtrack-eval show ...``: one picture each, from result files (and frames, where a picture needs them).

The group only registers its subcommands; each lives in its own module ``odtrack_eval.cli.show_<name>``
(listed in :data:`SUBCOMMANDS`) and imports its plotting code only when it runs, so ``show --help`` stays light.
"""

from __future__ import annotations

import importlib

import typer

from odtrack_eval.cli import app

show_app = typer.Typer(
    help="Pictures of results: speed against accuracy, per-frame timelines, frame grids, videos, attention.",
    no_args_is_help=True,
)
app.add_typer(show_app, name="show")

#: The modules that register ``show`` subcommands, in ``show --help`` order.
SUBCOMMANDS: tuple[str, ...] = ("show_speed", "show_timeline", "show_frames", "show_video", "show_attention")

for _name in SUBCOMMANDS:
    importlib.import_module(f"odtrack_eval.cli.{_name}")
