"""``odtrack-eval evaluate``: scores of every tracker in a results folder."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app
from odtrack_eval.cli._options import DatasetOption, ResultsOption
from odtrack_eval.datasets import get_spec, load_dataset
from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.metrics.failures import DEFAULT_MIN_FRAMES, DEFAULT_THRESHOLD
from odtrack_eval.protocols import DEFAULT_PROTOCOL, PROTOCOLS, default_protocol, get_protocol, mismatch
from odtrack_eval.report import tables
from odtrack_eval.results.selection import TRACKER_HELP


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    latex = "latex"


def resolve_dataset_root(dataset: str, root: Path | None) -> Path:
    """--root, else the catalog (environment variable or user config)."""
    try:
        from odtrack_eval.catalog import resolve_root
    except ImportError:  # pragma: no cover - catalog module always ships
        if root is None:
            raise typer.BadParameter("--root is required") from None
        return root
    return resolve_root(dataset, root)


#: The --protocol option every evaluating command shares (None = the benchmark's leaderboard protocol).
PROTOCOL_HELP = (
    f"Rule set: {', '.join(PROTOCOLS)}. Default: the benchmark's leaderboard rules "
    f"({DEFAULT_PROTOCOL} for LaSOT, LaSOT_ext, TNL2K, OTB100; got10k-val; trackingnet; vot2020)."
)


def load_for_protocol(
    dataset: str,
    root: Path | None,
    protocol: str | None,
    *,
    command: str | None = None,
    cache: bool = True,
    **options: object,
):
    """Check the protocol name, load the dataset, and resolve the protocol (default: by benchmark).

    ``command`` names a command that handles one-pass (OPE-family) protocols only; a VOT protocol
    then gets a clear error instead of a failure deep inside.
    """
    check_protocol(dataset, protocol)
    ds = load_dataset(dataset, resolve_dataset_root(dataset, root), cache=cache, **options)
    return ds, resolve_protocol(ds.tag, protocol, command)


def check_protocol(dataset: str, protocol: str | None) -> None:
    """A typo or a protocol of the other kind fails before anything is loaded."""
    if protocol is not None:
        problem = mismatch(get_protocol(protocol), get_spec(dataset).tag, dataset)
        if problem is not None:
            raise OdtrackEvalError(problem)


def resolve_protocol(tag: str, protocol: str | None, command: str | None = None):
    """The named protocol, or the benchmark's leaderboard one; ``command``: one that handles one-pass
    protocols only (a VOT protocol then gets a clear error)."""
    proto = get_protocol(protocol or default_protocol(tag))
    if command is not None and proto.kind != "one-pass":
        raise OdtrackEvalError(
            f"`odtrack-eval {command}` works with the one-pass protocols; for {proto.name} use "
            "`odtrack-eval evaluate` (scores, JSON) or vot-toolkit's `vot report` on the workspace"
        )
    return proto


@app.command()
def evaluate(
    dataset: DatasetOption,
    results: ResultsOption,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="Dataset folder (as distributed, or the toolkit's annotation-only copy). "
            "Default: the dataset's environment variable or user catalog.",
        ),
    ] = None,
    protocol: Annotated[str | None, typer.Option("--protocol", "-p", help=PROTOCOL_HELP)] = None,
    attributes: Annotated[bool, typer.Option("--attributes", help="Also report per-attribute scores.")] = False,
    per_sequence: Annotated[bool, typer.Option("--per-sequence", help="Also report per-sequence scores.")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    tracker: Annotated[list[str] | None, typer.Option("--tracker", "-t", help=TRACKER_HELP)] = None,
    sequence: Annotated[
        list[str] | None,
        typer.Option(
            "--sequence",
            "-s",
            help="Evaluate only these sequences (repeatable; a partial dataset root is fine).",
        ),
    ] = None,
    allow_missing: Annotated[
        bool,
        typer.Option("--allow-missing", help="Evaluate on the sequences every tracker has, instead of failing."),
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Compute everything from the files (no cached evaluations, annotations).")
    ] = False,
    ci: Annotated[
        bool,
        typer.Option(
            "--ci",
            help="Add a 95% bootstrap confidence interval of AUC, P and P_norm over the benchmark's sequences "
            "(10,000 resamples, --seed).",
        ),
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the --ci bootstrap.")] = 0,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
    speed: Annotated[
        bool,
        typer.Option(
            "--speed",
            help="Also report speed from the _time.txt files: FPS (frame 0 excluded), initialisation time, latency "
            "p50/p95/p99, and how the times were taken (run manifest: device, batch, precision).",
        ),
    ] = False,
    realtime: Annotated[
        float | None,
        typer.Option(
            "--realtime",
            help="Estimate real-time scores at FPS frames per second from the offline results and their _time.txt "
            "files (the run --realtime rule, offline boxes reused; every output says 'estimate').",
        ),
    ] = None,
    failures: Annotated[
        bool,
        typer.Option(
            "--failures",
            help="Add the failure analysis: per tracker the failures (IoU below --failure-threshold for at least "
            "--failure-frames frames), frames to the first one, recovery rate, frames lost; and the sequences "
            "where the trackers disagree most.",
        ),
    ] = False,
    failure_threshold: Annotated[
        float, typer.Option("--failure-threshold", min=0.0, max=1.0, help="IoU under which a frame is lost.")
    ] = DEFAULT_THRESHOLD,
    failure_frames: Annotated[
        int, typer.Option("--failure-frames", min=1, help="Shortest failure, in frames where the target is present.")
    ] = DEFAULT_MIN_FRAMES,
) -> None:
    """Evaluate raw tracking results under a named protocol (AUC, P, P_norm; GOT-10k AO, SR; VOT2020 EAO, A, R).

    Every tracker that can be scored is scored; each refused one (format, missing files, a protocol
    rule, --strict) is listed with its reason under the table and in the JSON's "refused".
    Exit status: 0 every tracker scored, 1 some refused, 2 nothing could run (usage, configuration).
    """
    from odtrack_eval.pipelines import evaluate as run_evaluation
    from odtrack_eval.report.compare import CI_RESAMPLES
    from odtrack_eval.report.outputs import evaluation_json, evaluation_tables

    options = {"sequences": list(sequence)} if sequence else {}
    ds, proto = load_for_protocol(dataset, root, protocol, cache=not no_cache, **options)
    ev = run_evaluation(ds, results, proto, trackers=tracker, allow_missing=allow_missing, cache=not no_cache,
                        strict=strict, realtime=realtime)  # fmt: skip
    for w in ev.warnings[:20]:
        typer.secho(f"warning: {w}", err=True, fg=typer.colors.YELLOW)
    if len(ev.warnings) > 20:
        typer.secho(f"warning: ... and {len(ev.warnings) - 20} more", err=True, fg=typer.colors.YELLOW)
    for name, missing in ev.missing.items():
        typer.secho(
            f"warning: {name} lacks {len(missing)} sequences ({', '.join(missing[:5])}...); they are excluded "
            "for every tracker",
            err=True,
            fg=typer.colors.YELLOW,
        )
    if speed and proto.kind != "one-pass":
        raise OdtrackEvalError(f"--speed works with the one-pass protocols, not {proto.name}")
    cis = None
    if ci:
        from odtrack_eval.metrics.schema import ci_keys
        from odtrack_eval.report.compare import score_cis

        keys = list(ci_keys(proto)) if getattr(proto, "aggregation", None) == "sequence_mean" else []
        if not keys:
            raise OdtrackEvalError(
                f"--ci resamples sequences, so it needs scores that are means over sequences; protocol "
                f"{proto.name!r} ({getattr(proto, 'aggregation', proto.kind)}) has none"
            )
        cis = {r.tracker: score_cis(r, keys, seed=seed) for r in ev.results}
    timings = None
    if speed:
        from odtrack_eval.report import speed as speed_report

        timings = speed_report.timings(ev, results)
    analysis = None
    if failures:
        from odtrack_eval.report.failures import evaluation_failures

        if proto.kind != "one-pass":
            raise OdtrackEvalError(f"--failures works with the one-pass protocols, not {proto.name}")
        analysis = evaluation_failures(ev, results, failure_threshold, failure_frames, trackers=tracker)
    if fmt is OutputFormat.json:
        settings = {"level": 0.95, "method": "percentile bootstrap over sequences", "resamples": CI_RESAMPLES,
                    "seed": seed} if cis else None  # fmt: skip
        blocks = speed_report.speed_block(ev, timings) if timings is not None else None
        typer.echo(evaluation_json(ev, attributes=attributes, per_sequence=per_sequence, cis=cis,
                                   ci_settings=settings, speed=blocks, failures=analysis))  # fmt: skip
    else:
        extra = []
        if timings is not None:
            extra.append(speed_report.speed_table(ev, timings, speed_report.baseline_trackers(ev, timings)))
        if cis:
            title = (f"95% confidence intervals over the {len(ev.sequence_names)} sequences (bootstrap, "
                     f"{CI_RESAMPLES:,} resamples, seed {seed})")  # fmt: skip
            extra.append(tables.ci_table(ev, cis, title))
        if analysis is not None:
            from odtrack_eval.report.failures import disagreement_table, failure_table

            extra += [failure_table(analysis), disagreement_table(analysis)]
        _print_tables(evaluation_tables(ev, attributes=attributes, per_sequence=per_sequence, extra=extra), fmt)
    # (a table without rows is not printed: then standard error gives every reason)
    _finish(ev.errors, listed=fmt is OutputFormat.json or (fmt is not OutputFormat.csv and bool(ev.results)))


def _print_tables(parts: list, fmt: OutputFormat) -> None:
    """Write tables in a text format (one blank line between them; nothing for empty tables)."""
    writer = {
        OutputFormat.table: lambda t: tables.to_text(t, color=sys.stdout.isatty()),
        OutputFormat.markdown: tables.to_markdown,
        OutputFormat.latex: tables.to_latex,
        OutputFormat.csv: tables.to_csv,
    }[fmt]
    text = "\n\n".join(writer(t) for t in parts if t.rows)
    if text:
        typer.echo(text)


#: The --strict option every evaluating command shares.
STRICT_HELP = (
    "Refuse trackers whose results the protocol would repair (short or long files, NaN, inf or zero-size rows) "
    "or that look wrong (x1,y1,x2,y2 corners, files of another benchmark), instead of scoring them with a footnote."
)


def _finish(errors: dict[str, str], listed: bool = False) -> None:
    """Report refused trackers after the others' numbers and exit 1 if there were any.

    ``listed``: the output already lists them with their reasons (table notes, JSON "refused"), so
    standard error gets one line; otherwise one line per tracker.
    """
    if listed and errors:
        names = ", ".join(errors)
        typer.secho(f"error: {len(errors)} tracker(s) refused ({names}); the reasons are listed with the output",
                    err=True, fg=typer.colors.RED)  # fmt: skip
    else:
        for name, err in errors.items():
            typer.secho(f"error: {name}: {err}", err=True, fg=typer.colors.RED)
    if errors:
        raise typer.Exit(1)
