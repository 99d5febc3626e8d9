"""``odtrack-eval profile``: a tracker's network timed alone (latency, parameters, FLOPs, peak memory)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli import app


@app.command()
def profile(
    tracker: Annotated[str, typer.Argument(help="Tracker name (see `odtrack-eval trackers list`) or a .toml file.")],
    device: Annotated[str, typer.Option("--device", help="cpu, cuda or cuda:K.")] = "cpu",
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Use this checkpoint instead of the definition's.")
    ] = None,
    random_weights: Annotated[
        bool,
        typer.Option("--random-weights", help="Build without the checkpoint, from a seed (timing does not depend on "
                     "the weights' values; ODTrack variants)."),
    ] = False,
    warmup: Annotated[int, typer.Option("--warmup", min=0, help="Untimed calls first.")] = 20,
    iterations: Annotated[int, typer.Option("--iterations", "-n", min=1, help="Timed calls.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
    save: Annotated[
        bool,
        typer.Option("--save/--no-save", help="Keep the record ($ODTRACK_EVAL_PROFILES, else "
                     "~/.local/share/odtrack-eval/profiles); later runs copy it into their run manifest."),
    ] = True,
    trackers_dir: Annotated[
        list[Path] | None,
        typer.Option("--trackers-dir", help="Extra folder of tracker definition files (searched first)."),
    ] = None,
) -> None:
    """Model-only latency of a tracker's network (warm-up, then N timed batch-1 calls; CUDA events on a GPU),
    its parameters, FLOPs and peak memory, measured the same way for every tracker that has a network."""
    from odtrack_eval.runner.profiling import profile_tracker, save_profile
    from odtrack_eval.runner.runner import validate_device
    from odtrack_eval.trackers.registry import TrackerRegistry

    validate_device(device)
    definition = TrackerRegistry(trackers_dir or []).resolve(tracker).with_checkpoint(checkpoint)
    if not random_weights:
        definition.check_checkpoint()
    record = profile_tracker(definition, device, warmup, iterations, random_weights)
    where = save_profile(record) if save else None
    if as_json:
        typer.echo(json.dumps(record, indent=2))
        return
    flops = record["flops"]
    rows = [
        ("tracker", record["tracker"]),
        ("device", f"{record['device']} ({record['device_model'] or 'model unknown'})"),
        ("weights", record["weights"]),
        ("inputs", record["inputs"]),
        ("latency", f"mean {record['mean_ms']:.2f} ms, p50 {record['p50_ms']:.2f}, p95 {record['p95_ms']:.2f}, "
                    f"p99 {record['p99_ms']:.2f} ms ({record['fps']:.1f} calls/s)"),
        ("timed", f"{record['iterations']} calls after {record['warmup']} warm-up calls; {record['timer']}"),
        ("parameters", f"{record['parameters']:,} ({record['parameters'] / 1e6:.1f}M)"),
        ("FLOPs", "unknown" if flops is None else f"{flops / 1e9:.3g} GFLOPs = {flops / 2e9:.3g} GMACs per call"),
        ("peak memory", f"{record['peak_memory_bytes'] / 2**20:.0f} MiB ({record['peak_memory']})"),
    ]
    if where is not None:
        rows.append(("saved", str(where)))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        typer.echo(f"{label.ljust(width)}  {value}")
