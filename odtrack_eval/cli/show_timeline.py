"""``odtrack-eval show timeline``: one sequence's per-frame IoU (or centre error) for every tracker, from result
files and annotations alone (no frames needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli._options import DatasetOption, ResultsOption
from odtrack_eval.cli.evaluate import PROTOCOL_HELP, load_for_protocol
from odtrack_eval.cli.show import show_app
from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.metrics.failures import DEFAULT_MIN_FRAMES, DEFAULT_THRESHOLD
from odtrack_eval.results.selection import TRACKER_HELP

#: The picture formats, by the suffix of --out.
FORMATS = ("png", "pdf", "svg")


def output_base(out: Path) -> tuple[Path, str]:
    """``--out`` as (path without suffix, format); a suffix other than :data:`FORMATS` is refused."""
    from odtrack_eval.cli._pictures import output_suffix

    return out.with_suffix(""), output_suffix(out, FORMATS)


@show_app.command("timeline")
def timeline(
    dataset: DatasetOption,
    results: ResultsOption,
    sequence: Annotated[str, typer.Option("--sequence", "-s", help="The sequence to draw, e.g. airplane-1.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Picture to write: OUT.png, OUT.pdf or OUT.svg.")],
    root: Annotated[
        Path | None,
        typer.Option("--root", help="Dataset folder (annotations are enough). Default: the catalog."),
    ] = None,
    tracker: Annotated[list[str] | None, typer.Option("--tracker", "-t", help=TRACKER_HELP)] = None,
    protocol: Annotated[str | None, typer.Option("--protocol", "-p", help=PROTOCOL_HELP)] = None,
    centre_error: Annotated[
        bool, typer.Option("--centre-error", help="Plot the centre error (pixels) instead of the IoU.")
    ] = False,
    threshold: Annotated[
        float,
        typer.Option("--threshold", min=0.0, max=1.0, help="A failure: IoU below this for --min-frames frames."),
    ] = DEFAULT_THRESHOLD,
    min_frames: Annotated[
        int, typer.Option("--min-frames", min=1, help="Shortest failure, in frames where the target is present.")
    ] = DEFAULT_MIN_FRAMES,
) -> None:
    """Per-frame IoU of each tracker on one sequence, absent frames shaded, failures and recoveries marked.

    Colours match the report's curves (trackers in name order). Frames are numbered from 1. The IoU is
    the one the protocol's success plot counts; frames where the dataset flags the target absent are
    shaded and left out of failures. Works on annotation-only roots.
    """
    from odtrack_eval.datasets.names import dataset_label
    from odtrack_eval.frame_results import load_frame_results
    from odtrack_eval.report import plots
    from odtrack_eval.report.timeline import timeline_plot
    from odtrack_eval.results.selection import find_entries

    base, fmt = output_base(out)
    ds, proto = load_for_protocol(dataset, root, protocol, command="show timeline", sequences=[sequence])
    if sequence not in ds:
        raise OdtrackEvalError(f"--sequence {sequence}: not a sequence of {ds.name}")
    (frames,) = load_frame_results(ds, results, proto, trackers=tracker, sequences=[sequence], allow_missing=True)
    entries = [e.name for e in find_entries(results, ds.tag, tracker)]
    lacking = [name for name in entries if name not in frames.trackers]
    if not frames.trackers:
        raise OdtrackEvalError(f"{results}: no tracker has a result file for --sequence {sequence}")
    if lacking and tracker:
        raise OdtrackEvalError(f"{', '.join(lacking)}: no result file for --sequence {sequence} in {results}")
    for name in lacking:
        typer.secho(f"warning: {name} has no result file for {sequence}; left out", err=True, fg=typer.colors.YELLOW)
    shown = list(frames.trackers)
    found = [e.name for e in find_entries(results, ds.tag, None)]
    # The report's colours: every tracker of the folder in name order (labels of --tracker TRACKER:PARAM::LABEL
    # are not folder names: then the trackers shown, in name order).
    styles = plots.tracker_styles(plots.tracker_order(found if set(shown) <= set(found) else shown))
    title = f"{dataset_label(ds)}: {frames.name}"
    paths = timeline_plot(frames, base, styles, title=title, measure="centre_error" if centre_error else "iou",
                          threshold=threshold, min_frames=min_frames, formats=(fmt,))  # fmt: skip
    typer.echo(f"wrote {paths[fmt]}")
