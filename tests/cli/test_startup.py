"""Start-up of ``odtrack-eval``: help imports no heavy library, and the fast root help is typer's.

The root group imports a command's module only when the command runs, and ``odtrack-eval --help`` is
rendered without typer from ``COMMANDS`` (see ``odtrack_eval/cli/__init__.py``); these tests keep that
table equal to the real commands and the fast help equal to typer's. No timings here (the project's rule:
they belong in benchmarks, not in pass/fail tests).
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from odtrack_eval.cli import COMMANDS, _load_commands, app
from odtrack_eval.cli._app import _NotLoaded

#: Libraries that only some commands need: importing one costs 0.1-1 s of start-up.
HEAVY = ("numba", "pandas", "matplotlib", "scipy", "torch")

#: Runs ``main(argv)`` like the console script, then writes which modules it imported to $PROBE_OUT.
_PROBE = """
import json, os, sys
from odtrack_eval.cli import main
sys.argv[0] = "odtrack-eval"
try:
    main(sys.argv[1:])
except SystemExit:
    pass
with open(os.environ["PROBE_OUT"], "w") as f:
    json.dump(sorted(sys.modules), f)
"""

#: The console script: ``main()`` on sys.argv, its exit status the process's.
_MAIN = """
import sys
from odtrack_eval.cli import main
sys.argv[0] = "odtrack-eval"
main()
"""

#: The help as typer prints it with every command module imported and its own group class (the CLI
#: before it was made lazy); argv: PROG [ARGS...].
_TYPER_HELP = """
import sys
from typer.core import TyperGroup
from odtrack_eval.cli import _load_commands, app
_load_commands()
app.info.cls = TyperGroup
app(sys.argv[2:], prog_name=sys.argv[1])
"""


def _python(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env)


def _run(code: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """``python -c CODE ARGS`` in this environment plus ``env``."""
    return _python("-c", code, *args, env={**os.environ, **env})


def _imported(tmp_path: Path, *args: str) -> set[str]:
    """The modules a fresh process imports for ``odtrack-eval ARGS``."""
    out = tmp_path / "modules.json"
    proc = _run(_PROBE, *args, PROBE_OUT=str(out))
    assert out.exists(), proc.stderr
    return set(json.loads(out.read_text()))


def _top_level(modules: set[str]) -> set[str]:
    return {m.partition(".")[0] for m in modules}


@pytest.mark.parametrize("args", [["--help"], [], ["evaluate", "--help"], ["report", "--help"]])
def test_help_imports_no_heavy_library(tmp_path: Path, args: list[str]) -> None:
    imported = _top_level(_imported(tmp_path, *args))
    assert not imported & set(HEAVY), f"`odtrack-eval {' '.join(args)}` imported {sorted(imported & set(HEAVY))}"


def test_root_help_imports_no_command_module(tmp_path: Path) -> None:
    """The root help lists commands from the table: no command module (hence no numpy), not even typer."""
    imported = _imported(tmp_path, "--help")
    assert not {f"odtrack_eval.cli.{e.module}" for e in COMMANDS} & imported
    assert not {"numpy", "typer", "click", "pydantic"} & _top_level(imported)


def test_lazy_group_help_imports_no_command_module(tmp_path: Path) -> None:
    """Where typer prints the root help (here: TYPER_USE_RICH set), it too lists the table's stand-ins."""
    out = tmp_path / "modules.json"
    proc = _run(_PROBE, "--help", PROBE_OUT=str(out), TYPER_USE_RICH="1")
    imported = set(json.loads(out.read_text()))
    assert "typer" in imported and "evaluate" in proc.stdout
    assert not {f"odtrack_eval.cli.{e.module}" for e in COMMANDS} & imported


@pytest.mark.parametrize(
    "kernels", ["0", "auto", "1"]  # the numpy path, the default, the compiled kernels: none imports a heavy package
)
def test_evaluate_imports_only_what_it_needs(tmp_path: Path, kernels: str) -> None:
    """A plain evaluation: numpy, and no plotting, data-frame or torch library."""
    import numpy as np

    annos, results = tmp_path / "annos", tmp_path / "results" / "T"
    (annos / "absent").mkdir(parents=True)
    results.mkdir(parents=True)
    gt = np.array([[10, 10, 20, 20]] * 8)
    np.savetxt(annos / "airplane-1.txt", gt, fmt="%d", delimiter=",")
    np.savetxt(annos / "absent" / "airplane-1.txt", np.zeros(8, int), fmt="%d")
    np.savetxt(results / "airplane-1.txt", gt, fmt="%d", delimiter=",")
    out = tmp_path / "modules.json"
    args = ["evaluate", "-d", "lasot", "--root", str(annos), "-r", str(results.parent), "-s", "airplane-1"]
    proc = _run(_PROBE, *args, PROBE_OUT=str(out), ODTRACK_EVAL_KERNELS=kernels)
    assert "T  " in proc.stdout, proc.stderr
    imported = _top_level(set(json.loads(out.read_text())))
    assert "numpy" in imported
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


def _first_paragraph(text: str) -> str:
    """What typer's root help shows of a command's help: its first paragraph."""
    return inspect.cleandoc(text).split("\n\n")[0].strip()


def test_command_table_matches_the_real_commands() -> None:
    _load_commands()
    group = typer.main.get_group(app)
    assert [name for name in group.commands] == [e.name for e in COMMANDS], "a command is missing from COMMANDS"
    for entry in COMMANDS:
        command = group.commands[entry.name]
        assert not isinstance(command, _NotLoaded), f"odtrack_eval.cli.{entry.module} does not define {entry.name}"
        assert entry.help == _first_paragraph(command.short_help or command.help or ""), entry.name


_ENVIRONMENTS = [
    {"TERMINAL_WIDTH": "100"},
    {"TERMINAL_WIDTH": "60"},
    {"COLUMNS": "52"},  # `python -m odtrack_eval`'s usage line wraps: typer prints it
    {"FORCE_COLOR": "1", "TERMINAL_WIDTH": "120"},
]


@pytest.mark.parametrize("env", _ENVIRONMENTS, ids=lambda env: ",".join(f"{k}={v}" for k, v in env.items()))
@pytest.mark.parametrize("args", [["--help"], []], ids=["--help", "no-args"])
@pytest.mark.parametrize("module", [False, True], ids=["script", "python-m"])
def test_root_help_is_typers(env: dict[str, str], args: list[str], module: bool) -> None:
    """The fast root help prints typer's bytes (order, wrapping, colours, every command's one-line help)
    and exits with typer's status."""
    environ = {k: v for k, v in os.environ.items() if k not in ("TERMINAL_WIDTH", "COLUMNS", "FORCE_COLOR")}
    environ.update(env)
    fast = _python("-m", "odtrack_eval", *args, env=environ) if module else _python("-c", _MAIN, *args, env=environ)
    prog = "python -m odtrack_eval" if module else "odtrack-eval"
    typer_ = _python("-c", _TYPER_HELP, prog, *args, env=environ)
    assert (fast.returncode, fast.stderr) == (typer_.returncode, typer_.stderr) == (2 if not args else 0, "")
    assert fast.stdout == typer_.stdout
    if "FORCE_COLOR" not in env:
        assert all(f" {entry.name} " in fast.stdout for entry in COMMANDS)


def test_unknown_command_still_suggests() -> None:
    proc = _run(_MAIN, "evalute")
    assert proc.returncode == 2
    assert "No such command 'evalute'. Did you mean 'evaluate'?" in proc.stderr


def test_flags_show_no_type_in_help() -> None:
    """typer 0.26+ printed `<bool>` after every flag, which made users type `--attributes true`."""
    import os
    import subprocess
    import sys

    for args in (["--help"], ["evaluate", "--help"], ["run", "--help"]):
        out = subprocess.run([sys.executable, "-m", "odtrack_eval", *args], capture_output=True, text=True,
                             env={**os.environ, "COLUMNS": "120"})  # fmt: skip
        assert out.returncode == 0 and "<bool>" not in out.stdout, out.stdout
    assert "--attributes" in subprocess.run([sys.executable, "-m", "odtrack_eval", "evaluate", "--help"],
                                            capture_output=True, text=True).stdout  # fmt: skip
