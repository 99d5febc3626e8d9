"""The end-to-end demo: synthetic benchmark -> baselines -> evaluation -> report.

It exercises every stage a researcher uses (the LaSOT adapter on a LaSOT-layout root, the
registry, the parallel runner, the content-keyed evaluation, the report) on data generated
here, so it runs on a fresh machine without downloading anything. Work files (frames,
results) live in ``<out>/work``; a rerun with the same options reuses them (the generator is
deterministic and the runner resumes), so only what is missing is computed.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from odtrack_eval.datasets import load_dataset
from odtrack_eval.datasets.names import dataset_label
from odtrack_eval.evaluation import Evaluation, evaluate_folder
from odtrack_eval.protocols import get_protocol
from odtrack_eval.report.build import ReportFiles, build_report
from odtrack_eval.report.html import FigureRef
from odtrack_eval.results.inspection import inspect_evaluated
from odtrack_eval.runner import RunConfig, run_tracker
from odtrack_eval.synth.generator import MANIFEST, SynthOptions, generate
from odtrack_eval.trackers.registry import resolve_tracker

DEFAULT_TRACKERS = ("static", "opencv-kcf", "opencv-mosse")


@dataclass(frozen=True)
class DemoOptions:
    out: Path = Path("reports/demo")
    sequences: int = 12
    frames: int = 150
    seed: int = 0
    trackers: tuple[str, ...] = DEFAULT_TRACKERS
    workers: int = 2
    progress: bool = True


def _benchmark(work: Path, options: DemoOptions, say: Callable[[str], None]) -> Path:
    bench = work / "benchmark"
    synth = SynthOptions(sequences=options.sequences, frames=options.frames, seed=options.seed)
    manifest = bench / MANIFEST
    if manifest.is_file():
        recorded = json.loads(manifest.read_text(encoding="utf-8")).get("options", {})
        if all(recorded.get(k) == v for k, v in asdict(synth).items()):
            say(f"reusing the synthetic benchmark in {bench}")
            return bench
    say(f"generating {options.sequences} synthetic sequences x {options.frames} frames in {bench}")
    return generate(bench, synth, overwrite=True)


def run_demo(options: DemoOptions, say: Callable[[str], None] = print) -> tuple[Evaluation, ReportFiles]:
    """Run the whole pipeline; returns the evaluation and the report files."""
    work = options.out / "work"
    bench = _benchmark(work, options, say)
    dataset = load_dataset("lasot", bench)
    results = work / "results"
    config = RunConfig(results_root=results, workers=options.workers, progress=options.progress)
    for name in options.trackers:
        report = run_tracker(resolve_tracker(name), dataset, config)
        say(f"{name}: {len(report.completed)} tracked, {len(report.skipped)} already done, {len(report.failed)} failed")
        for failure in report.failed:
            say(f"  {failure.name}: {failure.error}")
    evaluation = evaluate_folder(dataset, results, get_protocol("odtrack"), trackers=list(options.trackers))
    inspection = inspect_evaluated(evaluation, results, trackers=list(options.trackers))
    pictures, sections = _qualitative(evaluation, results, options, say)
    files = build_report(evaluation, options.out, results, inspection=inspection, pictures=pictures,
                         sections=sections)  # fmt: skip
    return evaluation, files


#: What the demo's report shows of the frames: a grid of the sequences where the trackers disagree most,
#: and a video of the first of them (the whole sequence: ``--frames`` frames).
GRID_SEQUENCES = 3
GRID_FRAMES = 4


def _qualitative(
    evaluation: Evaluation, results: Path, options: DemoOptions, say: Callable[[str], None]
) -> tuple[list[FigureRef], list[tuple[str, str]]]:
    """The frame grid (``figures/frames.png``) and the video (``videos/<sequence>.mp4``) of the synthetic
    benchmark, for the report: (figures, page sections). Colours are the report's (its tracker order)."""
    from odtrack_eval.report.build import report_order
    from odtrack_eval.report.frame_grid import GridRow, disagreement, frame_grid, pick_frames
    from odtrack_eval.report.overlay import sequence_layers, styles_of
    from odtrack_eval.report.video import write_video
    from odtrack_eval.results.tracks import load_tracks

    if not evaluation.results:
        return [], []
    dataset = evaluation.dataset.select(evaluation.sequence_names)
    names = report_order(evaluation)
    tracks = load_tracks(results, dataset, names)
    styles = styles_of(tracks, names)
    layers = {seq.name: sequence_layers(seq, tracks, styles) for seq in dataset}
    spread = {seq.name: disagreement(layers[seq.name], seq) for seq in dataset}
    mean = {n: float(v[np.isfinite(v)].mean()) if np.isfinite(v).any() else 0.0 for n, v in spread.items()}
    shown = sorted(dataset, key=lambda s: (-mean[s.name], s.name))[:GRID_SEQUENCES]
    rows = [GridRow(s, s.frame_paths(), pick_frames(spread[s.name], GRID_FRAMES), layers[s.name]) for s in shown]
    grid = frame_grid(rows, options.out / "figures" / "frames.png",
                      f"{dataset_label(dataset)}: frames where the trackers disagree most")  # fmt: skip
    # (timelines of these sequences, issue 16 item 1, belong here too)
    first = shown[0]
    video = options.out / "videos" / f"{first.name}.mp4"
    info = write_video(first, first.frame_paths(), layers[first.name], video, progress=options.progress)
    say(f"wrote {grid.path} and {video} ({info.frames} frames, {info.codec})")
    caption = (
        f"Sequences where the trackers disagree most ({', '.join(s.name for s in shown)}); per row the "
        f"{GRID_FRAMES} frames of largest IoU spread between trackers; ground truth white, outlined in black"
    )
    rel = video.relative_to(options.out).as_posix()
    body = (f'<video controls preload="none" width="{min(info.size[0], 640)}" src="{html.escape(rel)}"></video>'
            f'<p class="note">{html.escape(first.name)}: every frame with each tracker\'s box and the ground truth '
            f"(white, outlined in black), and each tracker's IoU per frame under it; {info.frames} frames, "
            f'{html.escape(info.codec)} — <a href="{html.escape(rel)}">{html.escape(rel)}</a></p>')  # fmt: skip
    return [FigureRef("Frames where the trackers disagree most", grid.path, caption=caption, width=1050)], [
        (f"Video: {first.name}", body)
    ]


def tracker_list(values: Sequence[str] | None) -> tuple[str, ...]:
    names = tuple(n.strip() for v in values or () for n in v.split(",") if n.strip())
    return names or DEFAULT_TRACKERS
