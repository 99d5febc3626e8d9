"""``odtrack-eval show video``: a sequence with every tracker's box, the ground truth and a running IoU strip."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli._options import DatasetOption, ResultsOption
from odtrack_eval.cli.show import show_app
from odtrack_eval.results.selection import TRACKER_HELP


@show_app.command("video")
def video(
    dataset: DatasetOption,
    results: ResultsOption,
    sequence: Annotated[str, typer.Option("--sequence", "-s", help="The sequence to show.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Video to write (.mp4).")],
    root: Annotated[
        Path | None,
        typer.Option("--root", help="Dataset folder with the frames (as distributed). Default: the catalog."),
    ] = None,
    tracker: Annotated[list[str] | None, typer.Option("--tracker", "-t", help=TRACKER_HELP)] = None,
    fps: Annotated[float, typer.Option("--fps", min=1, help="Frames per second of the video.")] = 30.0,
    encoder: Annotated[
        str | None,
        typer.Option(
            "--encoder",
            help="ffmpeg (H.264 through imageio-ffmpeg) or opencv (OpenCV's writer: H.264 where the build has it, "
            "else MPEG-4). Default: ffmpeg if installed, else opencv.",
        ),
    ] = None,
    preset: Annotated[
        str,
        typer.Option(
            "--preset",
            help="H.264 speed preset of the ffmpeg encoder: ultrafast (fastest), superfast, veryfast (files about "
            "4x smaller), faster, fast, medium.",
        ),
    ] = "ultrafast",
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
) -> None:
    """Video of a sequence: every frame with each tracker's box and the ground truth, and a running IoU strip.

    The ground truth is white, outlined in black; each tracker has its colour in the report of the whole
    results folder; under the frame, each tracker's IoU per frame with a cursor at the current one. One video
    frame per sequence frame. Needs the frames (--root as distributed)."""
    from odtrack_eval.cli._pictures import load_shown, output_suffix
    from odtrack_eval.report.overlay import sequence_layers, styles_of
    from odtrack_eval.report.video import write_video

    output_suffix(out, ("mp4",))
    shown = load_shown(dataset, root, results, [sequence], tracker, "video")
    seq = shown.dataset[0]
    layers = sequence_layers(seq, shown.tracks, styles_of(shown.tracks))
    info = write_video(seq, seq.frame_paths(), layers, out, fps=fps, progress=progress, encoder=encoder,
                       preset=preset)  # fmt: skip
    typer.echo(f"wrote {info.path}: {info.frames} frames, {info.size[0]}x{info.size[1]}, {info.fps:g} fps, "
               f"{info.codec}")  # fmt: skip
