"""Runner overhead: frames/s of ``run_tracker`` with a trivial tracker vs a bare decode loop.

Both read the very same JPEG files of a synthetic benchmark with the same decoder
(:func:`odtrack_eval.imageio.read_rgb`), in the same process, in alternating order. Reported:
the best frames/s of each over ``--repeats`` runs and the median of the paired ratios (robust
to other load on the machine, which shifts single measurements by +-20 % on a shared 2-core box).
The runner's number includes everything it does besides tracking: prefetch thread hand-off,
timing, result formatting and atomic writes, manifest. Target: runner >= 90 % of the bare loop
(per worker).

    .venv/bin/python benchmarks/bench_runner.py [--sequences 8] [--frames 200] [--repeats 3] [--workers 1]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from odtrack_eval.imageio import read_rgb
from odtrack_eval.runner import RunConfig, run_tracker
from odtrack_eval.synth import SynthOptions, generate, load_synth
from odtrack_eval.trackers.definition import TrackerDefinition

TRIVIAL = TrackerDefinition("trivial", "odtrack_eval.trackers.baselines:StaticTracker", source="benchmark")


def bare_loop(paths: list[list[str]]) -> float:
    start = time.perf_counter()
    for seq in paths:
        for p in seq:
            read_rgb(p)
    return time.perf_counter() - start


def runner(dataset, results: Path, workers: int) -> float:
    shutil.rmtree(results, ignore_errors=True)
    start = time.perf_counter()
    report = run_tracker(TRIVIAL, dataset, RunConfig(results, workers=workers, progress=False))
    elapsed = time.perf_counter() - start
    assert report.ok and len(report.completed) == len(dataset)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=8)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        t0 = time.perf_counter()
        root = generate(tmp_path / "synth", SynthOptions(args.sequences, args.frames, seed=0))
        gen = time.perf_counter() - t0
        dataset = load_synth(root)
        paths = [[str(p) for p in s.frame_paths()] for s in dataset]
        frames = sum(len(p) for p in paths)
        print(f"synthetic benchmark: {args.sequences} x {args.frames} frames (320x240 JPEG) generated in {gen:.2f} s")
        bare_loop(paths)  # warm the page cache
        bare, run = [], []
        for i in range(args.repeats):
            if i % 2:
                run.append(runner(dataset, tmp_path / "results", args.workers))
                bare.append(bare_loop(paths))
            else:
                bare.append(bare_loop(paths))
                run.append(runner(dataset, tmp_path / "results", args.workers))
        bare_fps = frames / min(bare)
        run_fps = frames / min(run) / args.workers
        paired = sorted(b / (r * args.workers) for b, r in zip(bare, run, strict=True))
        label = f"runner ({args.workers} worker{'s' if args.workers > 1 else ''})"
        print(f"{'bare decode loop':22}: {bare_fps:8.0f} frames/s (best of {args.repeats})")
        print(f"{label:22}: {run_fps:8.0f} frames/s per worker (best of {args.repeats})")
        print(f"{'ratio of best':22}: {100 * run_fps / bare_fps:6.1f} %")
        print(f"{'median paired ratio':22}: {100 * statistics.median(paired):6.1f} %  (target >= 90 %)")


if __name__ == "__main__":
    main()
