"""Command-line interface: ``odtrack-eval <command>``.

Each command (or command group) lives in its own module under ``odtrack_eval.cli`` and registers
itself on :data:`app` (the typer application, built in :mod:`odtrack_eval.cli._app`) when imported.

Start-up is kept short because every call pays it: importing all command modules costs ~0.3 s
(numpy alone ~0.1 s) and typer's rich help renderer ~0.1 s more. So the root group imports a
command's module only when that command runs or its own ``--help`` is asked, listing the commands
from :data:`COMMANDS` otherwise; and ``odtrack-eval --help`` (or no arguments) is printed by
:mod:`odtrack_eval.cli._help` with rich alone, without importing typer. This module imports neither.
tests/cli/test_startup.py checks the table against the real commands and the fast help against typer's.

Errors derived from :class:`~odtrack_eval.errors.OdtrackEvalError` print as one clean line and exit
with status 2.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any, NamedTuple

from odtrack_eval.errors import OdtrackEvalError

if TYPE_CHECKING:
    from odtrack_eval.cli._app import app as app


class CommandEntry(NamedTuple):
    """One command of the root group, known without importing its module."""

    name: str
    module: str
    #: What the root ``--help`` shows: the first paragraph of the command's docstring (line breaks kept,
    #: as typer shows them), or a group's ``help``.
    help: str


#: Every command in ``--help`` order (commands, then groups, as typer listed them when all were imported).
#: A new command needs its entry here; tests/cli/test_startup.py fails until it has one.
COMMANDS: tuple[CommandEntry, ...] = (
    CommandEntry("evaluate", "evaluate", "Evaluate raw tracking results under a named protocol (AUC, P, P_norm; "
                 "GOT-10k AO, SR; VOT2020 EAO, A, R)."),
    CommandEntry("inspect", "inspect", "Check raw results before scoring: layout, runs, files matched, missing "
                 "and foreign, number format,\nbox convention (corners, offsets), NaN/inf/negative/zero-size rows, "
                 "time files; and the verdict under\nthe protocol (ok, warn = scored with repairs, refused). "
                 "Never scores."),
    CommandEntry("doctor", "doctor", "Check the environment; with --fix, make cv2 the contrib build again "
                 "(vot-toolkit pulls opencv-python)."),
    CommandEntry("run", "run", "Track every sequence that has no result yet; a killed run resumes where it stopped."),
    CommandEntry("synth", "synth", "Write a synthetic benchmark in the LaSOT layout (load it with --dataset lasot "
                 "--root OUT)."),
    CommandEntry("pack", "pack", "Check a tracker's test-set results for completeness and write the server's "
                 "submission zip."),
    CommandEntry("report", "report", "Write leaderboard/attribute tables (txt, md, csv, tex, json), figures (png, "
                 "pdf) and index.html."),
    CommandEntry("compare", "compare", "Paired per-sequence comparison: mean difference, bootstrap 95% CI, "
                 "Wilcoxon p, wins/ties/losses."),
    CommandEntry("reproduce", "reproduce", "Compare computed scores with the published numbers "
                 "(odtrack_eval/data/published)."),
    CommandEntry("profile", "profile", "Model-only latency of a tracker's network (warm-up, then N timed batch-1 "
                 "calls; CUDA events on a GPU),\nits parameters, FLOPs and peak memory, measured the same way for "
                 "every tracker that has a network."),
    CommandEntry("demo", "demo", "Generate a synthetic LaSOT-layout benchmark, run baseline trackers on it in "
                 "parallel, evaluate them\nwith the ODTrack protocol and write a report (tables, plots, index.html)."),
    CommandEntry("leaderboard", "leaderboard", "Several benchmarks side by side, like the ODTrack paper's Table 2 "
                 "(best two per column marked)."),
    CommandEntry("datasets", "datasets", "List the registered benchmarks and check their layout on disk."),
    CommandEntry("vot", "vot", "VOT2020: run trackers from every anchor, or register them with vot-toolkit."),
    CommandEntry("trackers", "trackers", "List the trackers that can be run and describe one."),
    CommandEntry("cache", "cache", "Show or clear the results cache (evaluations and plots, keyed by content)."),
    CommandEntry("show", "show", "Pictures of results: speed against accuracy, per-frame timelines, frame grids, "
                 "videos, attention."),
)  # fmt: skip

#: Modules that define commands; each does ``from odtrack_eval.cli import app`` and decorates.
COMMAND_MODULES = list(dict.fromkeys(entry.module for entry in COMMANDS))

#: The root group's help and its options' help (shared by the typer app and the fast root help).
ROOT_HELP = (
    "Evaluate single-object trackers on LaSOT, LaSOT_ext, TrackingNet, GOT-10k, TNL2K, OTB100 and VOT2020 "
    "with the official protocols."
)
VERSION_HELP = "Show the version."


def __getattr__(name: str) -> Any:
    """``app`` is built on first use (``from odtrack_eval.cli import app``), so importing this
    package for :func:`main` does not import typer."""
    if name == "app":
        from odtrack_eval.cli._app import app

        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _load_commands() -> None:
    """Import every command module (tests and benchmarks that drive :data:`app` directly use this)."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"odtrack_eval.cli.{name}")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args in ([], ["--help"]):
        from odtrack_eval.cli._help import print_root_help

        if print_root_help(no_args=not args):
            sys.exit(2 if not args else 0)  # typer's codes: no arguments is a usage error
    import warnings

    import typer

    from odtrack_eval.cli._app import app

    def show_warning(message: Warning | str, *_: object, **__: object) -> None:
        """The package's warnings (a damaged cache entry, kernels that do not build, a frame grid not drawn) in
        CLI words: one ``warning:`` line, without Python's file, line and source echo."""
        typer.secho(f"warning: {message}", err=True, fg=typer.colors.YELLOW)

    try:
        with warnings.catch_warnings():  # (restored afterwards: main() may be called from Python)
            warnings.showwarning = show_warning
            app(args=argv, standalone_mode=True)
    except OdtrackEvalError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(2)
