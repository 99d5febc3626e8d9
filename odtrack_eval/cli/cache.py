"""``odtrack-eval cache info|clear``: where the results cache is, how big it is, and emptying it."""

from __future__ import annotations

from typing import Annotated

import typer

from odtrack_eval.cli import app

cache_app = typer.Typer(help="Show or clear the results cache (evaluations and plots, keyed by content).",
                        no_args_is_help=True)  # fmt: skip
app.add_typer(cache_app, name="cache")


def _size(n: int) -> str:
    """Bytes in decimal units, one decimal above bytes (``1.5 kB``, ``44.5 MB``)."""
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


@cache_app.command("info")
def info() -> None:
    """The cache folder ($ODTRACK_EVAL_CACHE, else ~/.cache/odtrack-eval) and its size per format version."""
    from odtrack_eval.store import FORMAT_VERSION, ArrayStore

    store = ArrayStore()
    typer.echo(f"cache folder: {store.directory}")
    usage = store.usage()
    if not usage:
        typer.echo("empty")
        return
    for folder, files, size in usage:
        state = "current" if folder == FORMAT_VERSION else "stale: written by an older version, never read"
        typer.echo(f"  {folder}: {files} files, {_size(size)} ({state})")
    typer.echo(f"total: {sum(u[1] for u in usage)} files, {_size(sum(u[2] for u in usage))}")


@cache_app.command("clear")
def clear(
    stale: Annotated[
        bool, typer.Option("--stale", help="Only the entries of older format versions (never read again).")
    ] = False,
) -> None:
    """Delete the cached evaluations, annotations and plots. Always safe: they are recomputed when needed.

    Only files the cache wrote are deleted: a folder without the cache's marker file is refused.
    """
    from odtrack_eval.store import ArrayStore

    store = ArrayStore()
    try:
        report = store.clear(stale_only=stale)
    except ValueError as exc:  # not a cache folder: refuse, say why
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    typer.echo(f"removed {report.removed} files ({_size(report.freed_bytes)}) from {store.directory}")
    if report.failed:
        typer.secho(f"error: could not remove {report.failed} files (first: {report.first_error})", err=True,
                    fg=typer.colors.RED)  # fmt: skip
        raise typer.Exit(1)
