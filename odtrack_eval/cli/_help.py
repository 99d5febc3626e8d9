"""``odtrack-eval --help`` without typer: the same bytes as typer's rich help, in half the start-up.

Importing typer and its rich help renderer (``typer.rich_utils``, which imports rich's markdown,
traceback and pretty-printing modules) costs ~0.15 s, more than half of the 0.25 s start-up budget;
rich's console, table and panel alone cost ~0.05 s. So the root help, which needs no command module, is
rendered here with rich alone, from :data:`~odtrack_eval.cli.COMMANDS`. The layout and styles mirror
``typer.rich_utils.rich_format_help`` (typer 0.25) for this one group; tests/cli/test_startup.py
compares the output with typer's own, byte for byte, so a typer upgrade that changes its look fails
there. Anything this renderer does not cover falls back to typer (:func:`print_root_help` says so).
"""

from __future__ import annotations

import os
import shutil
import sys

from odtrack_eval.cli import COMMANDS, ROOT_HELP, VERSION_HELP

#: Root options as typer shows them: name, type, help.
_OPTIONS = (("--version", "", VERSION_HELP), ("--help", "", "Show this message and exit."))

#: typer.rich_utils' theme (STYLE_* constants).
_THEME = {
    "option": "bold cyan",
    "switch": "bold green",
    "negative_option": "bold magenta",
    "negative_switch": "bold red",
    "types": "bold yellow",
    "types_sep": "dim",
    "usage": "yellow",
}


def program_name() -> str:
    """The command's name as click shows it: the script's file name, or ``python -m package``."""
    path = sys.argv[0]
    package = getattr(sys.modules["__main__"], "__package__", None)
    if not package:
        return os.path.basename(path)
    name = os.path.splitext(os.path.basename(path))[0]
    module = package if name == "__main__" else f"{package}.{name}"
    return f"python -m {module.lstrip('.')}"


def _typer_would_differ(usage: str) -> bool:
    """Cases where typer's output is not what :func:`_render` prints (they go to typer)."""
    if "TYPER_USE_RICH" in os.environ:  # typer may use click's plain help
        return True
    if any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):  # a shell-completion request
        return True
    # click wraps the usage line at its help width (at least 50 columns, at most 78)
    return len(usage) > max(min(shutil.get_terminal_size().columns, 80) - 2, 50)


def print_root_help(*, no_args: bool = False) -> bool:
    """Print the root group's help as typer would, for ``--help`` or (``no_args``) no arguments at
    all; False, printing nothing, where typer must do it."""
    usage = f"Usage: {program_name()} [OPTIONS] COMMAND [ARGS]..."
    if _typer_would_differ(usage):
        return False
    try:
        from rich.console import Console  # noqa: F401  (rich missing: typer prints click's help)
    except ImportError:
        return False
    try:
        _render(usage)
        if not no_args:  # click echoes the (empty) rest of the help after typer's panels
            sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `odtrack-eval --help | head`: quiet, status 1, like typer
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    return True


def _render(usage: str) -> None:
    """typer.rich_utils.rich_format_help for the root group: usage, help, Options and Commands panels."""
    from rich.align import Align
    from rich.columns import Columns
    from rich.console import Console
    from rich.highlighter import RegexHighlighter
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text
    from rich.theme import Theme

    class OptionHighlighter(RegexHighlighter):
        highlights = [
            r"(^|\W)(?P<switch>\-\w+)(?![a-zA-Z0-9])",
            r"(^|\W)(?P<option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
            r"(?P<types>\<[^\>]+\>)",
            r"(?P<usage>Usage: )",
        ]

    class NegativeOptionHighlighter(RegexHighlighter):
        highlights = [
            r"(^|\W)(?P<negative_switch>\-\w+)(?![a-zA-Z0-9])",
            r"(^|\W)(?P<negative_option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
        ]

    class TypesHighlighter(RegexHighlighter):
        highlights = [r"^(?P<types_sep>(\[|<))", r"(?P<types_sep>\|)", r"(?P<types_sep>(\]|>))(\.\.\.)?$"]

    highlight, negative, types = OptionHighlighter(), NegativeOptionHighlighter(), TypesHighlighter()
    width = os.getenv("TERMINAL_WIDTH")
    force_terminal = True if os.getenv("GITHUB_ACTIONS") or os.getenv("FORCE_COLOR") or os.getenv("PY_COLORS") else None
    if os.getenv("_TYPER_FORCE_DISABLE_TERMINAL"):
        force_terminal = False
    console = Console(theme=Theme(_THEME), highlighter=highlight, color_system="auto", force_terminal=force_terminal,
                      width=int(width) if width else None)  # fmt: skip

    def table(*, highlight_cells: bool) -> Table:
        return Table(highlight=highlight_cells, show_header=False, expand=True, box=None, show_lines=False, leading=0,
                     border_style=None, row_styles=None, pad_edge=False, padding=(0, 1))  # fmt: skip

    def panel(body: Table, title: str) -> Panel:
        return Panel(body, border_style="dim", title=title, title_align="left")

    console.print(Padding(highlight(usage), 1), style="bold")
    console.print(Padding(Align(highlight(Text.from_markup(ROOT_HELP, style="")), pad=False), (0, 1, 1, 1)))
    options = table(highlight_cells=True)
    for name, type_name, help_text in _OPTIONS:
        type_text = Text(style="bold yellow", overflow="fold")
        type_text.append(type_name)
        help_cell = Columns([highlight(Text.from_markup(help_text, style=""))])
        options.add_row(highlight(name), highlight(""), negative(""), negative(""), types(type_text), help_cell)
    console.print(panel(options, "Options"))
    commands = table(highlight_cells=False)
    commands.add_column(style="bold cyan", no_wrap=True, width=max(len(entry.name) for entry in COMMANDS))
    commands.add_column("Description", justify="left", no_wrap=False, ratio=10)
    for entry in COMMANDS:
        commands.add_row(Text(entry.name), highlight(Text.from_markup(entry.help.strip(), style="")))
    console.print(panel(commands, "Commands"))
