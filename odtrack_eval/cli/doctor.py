"""``odtrack-eval doctor``: is the installed set consistent (OpenCV, vot-toolkit, got10k, torch, the kernels)?"""

from __future__ import annotations

from typing import Annotated

import typer

from odtrack_eval.backend import KernelsUnavailable
from odtrack_eval.cli import app
from odtrack_eval.doctor import compile_kernels, fix_opencv, opencv_check, run_checks


@app.command()
def doctor(
    fix: Annotated[
        bool,
        typer.Option("--fix", help="Repair the OpenCV installation if it is shadowed; compile the evaluation kernels."),
    ] = False,
) -> None:
    """Check the environment; with --fix, make cv2 the contrib build again (vot-toolkit pulls opencv-python)."""
    if fix and not opencv_check().ok:
        typer.echo("repairing OpenCV: removing shadowing wheels, reinstalling opencv-contrib-python-headless")
        if fix_opencv() != 0:
            typer.secho("pip failed; see its output above", fg=typer.colors.RED, err=True)
            raise typer.Exit(1)
    if fix:
        try:
            typer.echo(f"evaluation kernels: {compile_kernels()}")
        except KernelsUnavailable as exc:  # evaluation still works, on numpy: a warning below, not a failure
            typer.secho(f"could not build the evaluation kernels: {exc}", fg=typer.colors.YELLOW, err=True)
    failed = False
    for c in run_checks():
        mark = "ok  " if c.ok else ("FAIL" if c.required else "warn")
        typer.echo(f"[{mark}] {c.name}: {c.detail}")
        failed |= c.required and not c.ok
    if failed:
        raise typer.Exit(1)
