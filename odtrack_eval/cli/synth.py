"""``odtrack-eval synth``: write a procedural benchmark in the LaSOT layout."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to create (must be empty or absent).")],
    sequences: Annotated[int, typer.Option("--sequences", "-n", min=1, help="Number of videos.")] = 12,
    frames: Annotated[int, typer.Option("--frames", min=2, help="Frames per video.")] = 150,
    seed: Annotated[int, typer.Option("--seed", help="Same seed and options give identical bytes.")] = 0,
    width: Annotated[int, typer.Option("--width", min=64, help="Frame width.")] = 320,
    height: Annotated[int, typer.Option("--height", min=64, help="Frame height.")] = 240,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an earlier synth output in OUT.")] = False,
) -> None:
    """Write a synthetic benchmark in the LaSOT layout (load it with --dataset lasot --root OUT).

    Textured targets on textured backgrounds with scale change, fast motion, occlusion, illumination
    change, out-of-view frames and similar distractors; ground truth, visibility and attribute flags
    follow what was drawn. Seeded and deterministic."""
    from odtrack_eval.synth import SynthOptions, generate

    start = time.perf_counter()
    root = generate(out, SynthOptions(sequences, frames, seed, width, height), overwrite=overwrite)
    typer.echo(f"wrote {sequences} sequences x {frames} frames to {root} in {time.perf_counter() - start:.1f} s")
