"""``show frames --auto 6`` and ``show video`` on a 2,000-frame 640x480 sequence, timed as a user runs them.

Run: ``python benchmarks/bench_show.py [--frames 2000] [--repeats 3] [--preset ultrafast]``. A one-sequence
synthetic benchmark (``odtrack-eval synth``'s generator, 640x480 JPEG frames) and results of 3 made-up
trackers (the ground truth with seeded random-walk drift, and a static box) are written to a temporary
folder; each command then runs in a fresh process, ``--repeats`` times, and the wall-clock times are printed
with the machine's CPU and load average (the numbers are wall-clock: other work on the machine counts).

Targets (issue 16): ``show frames --auto 6`` under 3 s; ``show video`` at least 100 frames/s (the sequence's
frames divided by the whole command's time, start-up included).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def make_results(bench: Path, results: Path) -> str:
    """Three trackers' result files for every sequence of ``bench``; returns the first sequence's name."""
    names = []
    for gt_file in sorted(bench.glob("*/*/groundtruth.txt")):
        gt = np.loadtxt(gt_file, delimiter=",")
        rng = np.random.default_rng(len(names))
        for k, tracker in enumerate(("ODTrack", "KCF", "static")):
            boxes = np.tile(gt[0], (len(gt), 1)) if tracker == "static" else gt.copy()
            if tracker != "static":
                boxes[:, :2] += np.cumsum(rng.normal(0, 0.6 * (k + 1), (len(gt), 2)), axis=0)
            (results / tracker).mkdir(parents=True, exist_ok=True)
            np.savetxt(results / tracker / f"{gt_file.parent.name}.txt", boxes, fmt="%.2f", delimiter=",")
        names.append(gt_file.parent.name)
    return names[0]


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "odtrack_eval", *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration):
        return platform.processor() or "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--preset", default="ultrafast", help="show video --preset")
    args = parser.parse_args()
    from odtrack_eval.synth import SynthOptions, generate

    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        start = time.perf_counter()
        bench = generate(tmp_path / "bench", SynthOptions(sequences=1, frames=args.frames, width=640, height=480))
        name = make_results(bench, tmp_path / "results")
        print(f"synthetic sequence {name}: {args.frames} frames 640x480 ({time.perf_counter() - start:.1f} s to make)")
        common = ["-d", "lasot", "--root", str(bench), "-r", str(tmp_path / "results"), "-s", name]
        grid, video = [], []
        for _ in range(args.repeats):
            load = os.getloadavg()[0]
            grid.append(timed(["show", "frames", *common, "--auto", "6", "-o", str(tmp_path / "grid.png")]))
            video.append(timed(["show", "video", *common, "-o", str(tmp_path / "v.mp4"), "--no-progress",
                                "--preset", args.preset]))  # fmt: skip
            print(f"  show frames --auto 6: {grid[-1]:.2f} s   show video: {video[-1]:.1f} s = "
                  f"{args.frames / video[-1]:.0f} frames/s   (load average before: {load:.1f})")  # fmt: skip
        size = (tmp_path / "v.mp4").stat().st_size / 1e6
    best_grid, med_grid = min(grid), statistics.median(grid)
    best_fps, med_fps = args.frames / min(video), args.frames / statistics.median(video)
    print(f"show frames --auto 6: best {best_grid:.2f} s, median {med_grid:.2f} s (target < 3 s: "
          f"{'met' if med_grid < 3 else 'NOT met'})")  # fmt: skip
    print(f"show video ({args.preset}, {size:.1f} MB): best {best_fps:.0f} frames/s, median {med_fps:.0f} frames/s "
          f"(target >= 100: {'met' if med_fps >= 100 else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
