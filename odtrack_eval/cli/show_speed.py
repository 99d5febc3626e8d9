"""``odtrack-eval show speed``: accuracy against speed, one point per tracker (marker area: parameters)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli._options import DatasetOption, ResultsOption
from odtrack_eval.cli.show import show_app
from odtrack_eval.errors import OdtrackEvalError


@show_app.command("speed")
def speed(
    dataset: DatasetOption,
    results: ResultsOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="The figure to write (.png or .pdf).")],
    root: Annotated[
        Path | None,
        typer.Option("--root", help="Dataset folder (default: the dataset's environment variable or catalog)."),
    ] = None,
    protocol: Annotated[
        str | None, typer.Option("--protocol", "-p", help="Rule set (default: the benchmark's).")
    ] = None,
    tracker: Annotated[
        list[str] | None, typer.Option("--tracker", "-t", help="Only these trackers (repeatable).")
    ] = None,
    allow_missing: Annotated[
        bool, typer.Option("--allow-missing", help="Evaluate on the sequences every tracker has.")
    ] = False,
) -> None:
    """Accuracy against speed: one labelled point per tracker (AUC or AO against FPS, log axis).

    FPS comes from the _time.txt files (frame 0 excluded); the marker area is the parameter count where it is
    known (a run's profile or recorded definition, else the paper's Table 1); baselines are hollow."""
    from odtrack_eval.cli._pictures import output_suffix
    from odtrack_eval.cli.evaluate import load_for_protocol
    from odtrack_eval.metrics.schema import score
    from odtrack_eval.pipelines import evaluate
    from odtrack_eval.report import plots
    from odtrack_eval.report import speed as speed_report
    from odtrack_eval.report.build import report_order
    from odtrack_eval.report.speed_plot import speed_accuracy_plot, speed_points
    from odtrack_eval.report.tables import benchmark_label

    output_suffix(out, ("png", "pdf"))
    ds, proto = load_for_protocol(dataset, root, protocol, command="show speed")
    ev = evaluate(ds, results, proto, trackers=tracker, allow_missing=allow_missing)
    for name, reason in ev.errors.items():
        typer.secho(f"warning: {name} refused: {reason}", err=True, fg=typer.colors.YELLOW)
    timings = speed_report.timings(ev, results)
    points, left_out = speed_points(ev, timings, speed_report.baseline_trackers(ev, timings))
    if left_out:
        typer.secho(f"left out (no time files, or no finite FPS): {', '.join(left_out)}", err=True,
                    fg=typer.colors.YELLOW)  # fmt: skip
    if not points:
        raise OdtrackEvalError(f"no tracker in {results} has _time.txt files: there is no speed to plot")
    first = proto.metrics[0]
    styles = plots.tracker_styles(report_order(ev))
    title = f"{benchmark_label(ev)}: {score(first).label} vs speed"
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = speed_accuracy_plot(points, out.with_suffix(""), styles, title, first, formats=(out.suffix[1:].lower(),))
    typer.echo(f"wrote {paths[out.suffix[1:].lower()]} ({len(points)} trackers)")
