"""``odtrack-eval show attention``: ODTrack's temporal-token attention over the search crops (paper Fig. 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from odtrack_eval.cli._options import DatasetOption
from odtrack_eval.cli.show import show_app
from odtrack_eval.errors import OdtrackEvalError

FORMATS = (".png", ".pdf")


def parse_frames(values: list[str]) -> list[int]:
    """``--frames 10,50 --frames 80`` -> [10, 50, 80]; a clear error for anything else."""
    frames = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                frames.append(int(part))
            except ValueError:
                raise OdtrackEvalError(f"--frames {value}: expected frame numbers such as 10,50,120") from None
    if not frames:
        raise OdtrackEvalError("--frames: expected at least one frame number")
    return frames


@show_app.command("attention")
def attention(
    tracker: Annotated[
        str,
        typer.Argument(help="An ODTrack tracker (odtrack-b384, odtrack-l384, ...) or a path to its .toml definition."),
    ],
    dataset: DatasetOption,
    sequence: Annotated[str, typer.Option("--sequence", "-s", help="The sequence (its frames must be present).")],
    frames: Annotated[
        list[str],
        typer.Option(
            "--frames",
            help="Frame numbers to show, comma-separated or repeated: 1 is the sequence's first frame (its first "
            "ground-truth row), which initialises the tracker, so 2 or later. The tracker runs from frame 1 to the "
            "last one asked.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Picture to write: .png or .pdf.")],
    root: Annotated[
        Path | None, typer.Option("--root", help="Dataset folder (default: $<DATASET>_ROOT or the user catalog).")
    ] = None,
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Use this checkpoint instead of the definition's.")
    ] = None,
    layer: Annotated[
        int | None,
        typer.Option(
            "--layer",
            help="Transformer layer whose attention is shown, 1-based (ODTrack-B: 1..12, ODTrack-L: 1..24). "
            "Default: the last layer.",
        ),
    ] = None,
    device: Annotated[str, typer.Option("--device", help="cpu or cuda (cuda:K).")] = "cpu",
    trackers_dir: Annotated[
        list[Path] | None,
        typer.Option("--trackers-dir", help="Extra folder of tracker definition files (searched first)."),
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
) -> None:
    """Where ODTrack's temporal token looks: its attention over the search region, one panel per frame.

    The map: the layer's own attention of the temporal token over the search tokens, averaged over heads.

    It is normalised to sum to 1 over the search grid; the share that went to the search region is printed.

    Search tokens removed by candidate elimination before the layer are 0 and drawn grey.

    Each token is drawn over its 16x16 px square of the search crop the network saw; colours are min-max per panel.
    """
    from odtrack_eval.cli._pictures import output_suffix

    output_suffix(out, tuple(f.lstrip(".") for f in FORMATS))
    wanted = parse_frames(frames)
    from odtrack_eval.cli.run import _load

    data = _load(dataset, root)
    seq = data[sequence]
    paths = _frame_paths(seq, data.tag)
    bad = sorted({f for f in wanted if not 2 <= f <= len(paths)})
    if bad:
        raise OdtrackEvalError(
            f"--frames {','.join(map(str, bad))}: sequence {seq.name} has frames 1..{len(paths)}; frame 1 initialises"
            " the tracker, so choose frames 2.."
            f"{len(paths)}"
        )
    engine, definition = _engine(tracker, checkpoint, device, trackers_dir)
    layer = engine.cfg.depth if layer is None else layer
    traced = _trace(engine, seq, paths, wanted, layer, progress)

    from odtrack_eval.datasets.names import dataset_label
    from odtrack_eval.report.attention import AttentionPanel, attention_figure

    title = (
        f"{definition.name} on {dataset_label(data)}\n"
        f"{seq.name}: temporal token's attention, layer {layer} of {engine.cfg.depth}"
    )
    panels = [AttentionPanel(f.frame, f.crop, f.attention, f.present) for f in traced]
    out.parent.mkdir(parents=True, exist_ok=True)
    attention_figure(panels, title, out.with_suffix(""), formats=(out.suffix.lower()[1:],))
    for f in traced:
        typer.echo(
            f"frame {f.frame}: {100 * f.search_share:.1f}% of the token's attention on the search region,"
            f" {f.kept} of {f.attention.size} search tokens present in layer {layer}"
        )
    typer.echo(f"wrote {out}")


def _frame_paths(seq, tag: str) -> list[Path]:
    from odtrack_eval.datasets.names import display_name

    try:
        return seq.frame_paths()
    except FileNotFoundError:
        raise OdtrackEvalError(
            f"sequence {seq.name} of {display_name(tag)} has annotations only: show attention needs its frames "
            "(--root must be the folder with the images)"
        ) from None


def _engine(tracker: str, checkpoint: Path | None, device: str, trackers_dir: list[Path] | None):
    """The tracker's ODTrack engine, on the explicit-softmax path and without torch.compile."""
    from dataclasses import replace

    from odtrack_eval.trackers.odtrack.tracker import OdtrackEngine, ODTrackTracker
    from odtrack_eval.trackers.registry import TrackerRegistry, build_tracker

    definition = TrackerRegistry(trackers_dir or []).resolve(tracker).with_checkpoint(checkpoint)
    built = build_tracker(definition, device=device)
    if not isinstance(built, ODTrackTracker):
        raise OdtrackEvalError(
            f"show attention needs an ODTrack tracker (odtrack-b384, odtrack-l384, ...); {definition.name} is not one"
        )
    engine = built.engine
    options = replace(engine.options, attention="manual", compile="none")
    return OdtrackEngine(engine.cfg, engine.model, options), definition


def _trace(engine, seq, paths: list[Path], wanted: list[int], layer: int, progress: bool):
    from tqdm.auto import tqdm

    from odtrack_eval.imageio import read_rgb
    from odtrack_eval.trackers.odtrack.attention import check_layer, trace_attention

    check_layer(engine, layer)  # before reading any frame
    last = max(wanted)
    with tqdm(total=last, desc=seq.name, unit="fr", disable=None if progress else True, leave=False) as bar:
        images = (read_rgb(p) for p in paths[:last])
        return trace_attention(engine, images, seq.init_box, wanted, layer, on_frame=lambda _: bar.update(1))
