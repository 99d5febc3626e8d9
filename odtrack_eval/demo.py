"""The end-to-end demo: synthetic benchmark -> baselines -> evaluation -> report.

It exercises every stage a researcher uses (the LaSOT adapter on a LaSOT-layout root, the
registry, the parallel runner, the content-keyed evaluation, the report) on data generated
here, so it runs on a fresh machine without downloading anything. Work files (frames,
results) live in ``<out>/work``; a rerun with the same options reuses them (the generator is
deterministic and the runner resumes), so only what is missing is computed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from odtrack_eval.datasets import load_dataset
from odtrack_eval.evaluation import Evaluation, evaluate_folder
from odtrack_eval.protocols import get_protocol
from odtrack_eval.report.build import ReportFiles, build_report
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
    files = build_report(evaluation, options.out, results, inspection=inspection)
    return evaluation, files


def tracker_list(values: Sequence[str] | None) -> tuple[str, ...]:
    names = tuple(n.strip() for v in values or () for n in v.split(",") if n.strip())
    return names or DEFAULT_TRACKERS
