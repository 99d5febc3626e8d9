"""``odtrack-eval show frames``: the ODTrack paper's Fig. 5 grid (one row per sequence, K frames, every box)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli._options import DatasetOption, ResultsOption
from odtrack_eval.cli.show import show_app
from odtrack_eval.results.selection import TRACKER_HELP

DEFAULT_AUTO = 6


@show_app.command("frames")
def frames(
    dataset: DatasetOption,
    results: ResultsOption,
    sequence: Annotated[
        list[str], typer.Option("--sequence", "-s", help="A sequence to show, one row each (repeatable).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Picture to write: .png or .pdf.")],
    root: Annotated[
        Path | None,
        typer.Option("--root", help="Dataset folder with the frames (as distributed). Default: the catalog."),
    ] = None,
    tracker: Annotated[list[str] | None, typer.Option("--tracker", "-t", help=TRACKER_HELP)] = None,
    frame_list: Annotated[
        str | None,
        typer.Option("--frames", help="Frame numbers to show in every row, e.g. 120,340,560 (counting from 1)."),
    ] = None,
    auto: Annotated[
        int | None,
        typer.Option(
            "--auto",
            min=1,
            help=f"Show the K frames where the trackers disagree most (spread of their IoU with the ground truth; "
            f"1 - IoU for one tracker), at least len/(2K) frames apart. Default: {DEFAULT_AUTO}.",
        ),
    ] = None,
) -> None:
    """Frame grid like the ODTrack paper's Fig. 5: one row per sequence, K frames, every tracker's box.

    The ground truth is white, outlined in black; each tracker has its colour in the report of the whole
    results folder; the frame number is in a corner. Needs the frames (--root as distributed)."""
    from odtrack_eval.cli._pictures import load_shown, output_suffix
    from odtrack_eval.datasets.names import dataset_label
    from odtrack_eval.errors import OdtrackEvalError
    from odtrack_eval.report.frame_grid import GridRow, disagreement, frame_grid, pick_frames
    from odtrack_eval.report.overlay import frame_count, sequence_layers, styles_of

    output_suffix(out, ("png", "pdf"))
    if frame_list is not None and auto is not None:
        raise OdtrackEvalError("give either --frames or --auto, not both")
    numbers = _frame_numbers(frame_list) if frame_list is not None else None
    shown = load_shown(dataset, root, results, sequence, tracker, "frames")
    styles = styles_of(shown.tracks)
    rows = []
    for seq in shown.dataset:
        layers = sequence_layers(seq, shown.tracks, styles)
        paths = seq.frame_paths()
        n = min(frame_count(seq), len(paths))
        if numbers is not None:
            beyond = [f for f in numbers if f > n]
            if beyond:
                raise OdtrackEvalError(f"--frames {frame_list}: sequence {seq.name!r} has {n} frames, no frame "
                                       f"{', '.join(map(str, beyond))}")  # fmt: skip
            picked = [f - 1 for f in numbers]
        else:
            if (auto or DEFAULT_AUTO) > n:
                raise OdtrackEvalError(f"--auto {auto}: sequence {seq.name!r} has {n} frames; ask for at most {n}")
            picked = pick_frames(disagreement(layers, seq)[:n], auto or DEFAULT_AUTO)
        rows.append(GridRow(seq, paths, picked, layers))
    single = len(shown.tracks.trackers) == 1
    what = "frames" if numbers is not None else (
        f"frames where {shown.tracks.trackers[0]} is furthest from the ground truth" if single
        else "frames where the trackers disagree most")  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    frame_grid(rows, out, f"{dataset_label(shown.dataset)}: {what}")
    listed = "; ".join(f"{row.sequence.name} {', '.join(str(f + 1) for f in row.frames)}" for row in rows)
    typer.echo(f"wrote {out} (frames {listed})")


def _frame_numbers(text: str) -> list[int]:
    """``120,340`` -> [120, 340]; anything else is an error in CLI words."""
    from odtrack_eval.errors import OdtrackEvalError

    try:
        numbers = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        numbers = []
    if not numbers or min(numbers) < 1:
        raise OdtrackEvalError(f"--frames {text!r}: expected frame numbers from 1, comma-separated (e.g. 120,340)")
    return list(dict.fromkeys(numbers))  # (a frame asked twice is drawn once)
