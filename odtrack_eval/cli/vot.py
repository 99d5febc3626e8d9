"""``odtrack-eval vot run`` (multistart runner) and ``odtrack-eval vot setup`` (TraX entry for vot-toolkit)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app

vot_app = typer.Typer(
    name="vot", help="VOT2020: run trackers from every anchor, or register them with vot-toolkit.",
    no_args_is_help=True,
)  # fmt: skip
app.add_typer(vot_app, name="vot")


@vot_app.command("run")
def run(
    tracker: Annotated[str, typer.Argument(help="Tracker name (registry) or path to a .toml definition.")],
    root: Annotated[Path, typer.Option("--root", help="The VOT dataset's sequences/ folder (or a workspace).")],
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Workspace; results go to <workspace>/results.")],
    name: Annotated[str | None, typer.Option("--name", help="Results folder name (default: the tracker name, "
                                             "made a valid vot-toolkit identifier).")] = None,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda or cuda:K.")] = "cpu",
    sequence: Annotated[list[str] | None, typer.Option("--sequence", "-s", help="Only these sequences.")] = None,
    text: Annotated[bool, typer.Option("--text", help="Write .txt trajectories instead of .bin.")] = False,
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Override the definition's checkpoint.")
    ] = None,
    trackers_dir: Annotated[list[Path] | None, typer.Option("--trackers-dir", help="Extra tracker definition "
                                                            "folders.")] = None,
) -> None:  # fmt: skip
    """Track every anchor run that has no result yet (vot-toolkit's multistart experiment, resumable)."""
    from odtrack_eval.datasets import load_dataset
    from odtrack_eval.runner.multistart import run_multistart, select
    from odtrack_eval.trackers.registry import TrackerRegistry, build_tracker
    from odtrack_eval.vot.setup import identifier

    ds = select(load_dataset("vot2020", root), list(sequence or []))
    definition = TrackerRegistry(trackers_dir or []).resolve(tracker).with_checkpoint(checkpoint)
    tr = build_tracker(definition, device=device)
    folder = name or identifier(definition.name)
    report = run_multistart(tr, ds, workspace, folder, binary=not text,
                            progress=lambda s: typer.echo(f"{s}", err=True))  # fmt: skip
    typer.echo(f"{folder}: {len(report.completed)} runs tracked, {len(report.skipped)} already done -> "
               f"{report.results_dir}")  # fmt: skip


@vot_app.command("setup")
def setup(
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="vot-toolkit workspace folder.")],
    tracker: Annotated[str, typer.Option("--tracker", "-t", help="Tracker name (registry) or .toml path.")],
    identifier_: Annotated[str | None, typer.Option("--identifier", help="Section name in trackers.ini "
                                                    "(default: from the tracker name).")] = None,
    device: Annotated[str, typer.Option("--device", help="Device the wrapper builds the tracker on.")] = "cpu",
    stack: Annotated[str | None, typer.Option("--stack", help="Also write config.yaml for a new workspace with "
                                              "this stack (e.g. vot2020/shortterm).")] = None,
    trackers_dir: Annotated[list[Path] | None, typer.Option("--trackers-dir", help="Extra tracker definition "
                                                            "folders the wrapper should search.")] = None,
) -> None:  # fmt: skip
    """Write a trackers.ini entry so vot-toolkit can drive the tracker over TraX."""
    from odtrack_eval.trackers.registry import TrackerRegistry
    from odtrack_eval.vot import setup as vs

    TrackerRegistry(trackers_dir or []).resolve(tracker)  # fail now on an unknown name
    config = vs.write_config(workspace, stack) if stack else None
    path, ident = vs.write_entry(workspace, tracker, identifier_, device,
                                 trackers_dirs=[str(d) for d in trackers_dir or []])  # fmt: skip
    if config is not None:
        typer.echo(f"wrote {config}")
    typer.echo(f"wrote [{ident}] to {path}: vot-toolkit runs it with protocol traxpython")
