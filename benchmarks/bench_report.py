"""Full report (tables, figures, index.html) for 10 trackers on the 280 LaSOT test sequences.

Run: ``python benchmarks/bench_report.py [--shared PATH] [--trackers 10]``. The 10 trackers are made
from the 2 real ones (ATOM, C-RPN) by copying their result files with small deterministic
perturbations (a per-tracker shift of a few pixels on every box) into a temporary folder, so every
tracker has different bytes and different scores. Timed as the user runs it, in a fresh process:

* cold: empty cache folder (parse, score, draw everything);
* cached rerun: the same command again (content-keyed evaluation and figure caches hit).

Targets: cold < 20 s, cached rerun < 2 s. Note the machine and its load: the numbers are wall-clock.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def make_trackers(real: Path, out: Path, n: int) -> None:
    sources = sorted(p for p in real.iterdir() if p.is_dir())
    for i in range(n):
        src = sources[i % len(sources)]
        dst = out / f"{src.name}-v{i}"
        dst.mkdir(parents=True)
        rng = np.random.default_rng(i)
        shift = rng.integers(-3, 4, size=4).astype(float) * (i // len(sources))
        for f in src.glob("*.txt"):
            boxes = np.loadtxt(f, delimiter=",", ndmin=2)
            boxes[:, :2] += shift[:2]
            boxes[:, 2:] = np.maximum(boxes[:, 2:] + shift[2:], 0)
            np.savetxt(dst / f.name, boxes, fmt="%.2f", delimiter=",")


def run_report(results: Path, root: Path, out: Path, cache: Path) -> float:
    env = {**os.environ, "ODTRACK_EVAL_CACHE": str(cache)}
    cmd = [sys.executable, "-m", "odtrack_eval", "report", "--dataset", "lasot", "--root", str(root),
           "--results", str(results), "--out", str(out)]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"report failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--trackers", type=int, default=10)
    args = parser.parse_args()
    real = args.shared / "data" / "real" / "lasot"
    if not real.is_dir():
        raise SystemExit(f"needs the real LaSOT material at {real}")
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        make_trackers(real / "results", tmp / "results", args.trackers)
        print(f"made {args.trackers} trackers x 280 sequences in {time.perf_counter() - t0:.1f} s (not timed below)")
        cold = run_report(tmp / "results", real / "annotations", tmp / "out", tmp / "cache")
        warm = [run_report(tmp / "results", real / "annotations", tmp / "out", tmp / "cache") for _ in range(3)]
        figures = len(list((tmp / "out" / "figures").iterdir()))
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.2f} (other processes may share the CPU)")  # fmt: skip
        print(f"full report, {args.trackers} trackers on LaSOT (280 sequences), {figures} figure files:")
        print(f"  cold (empty cache)  {cold:6.2f} s   target < 20 s  {'OK' if cold < 20 else 'SLOW'}")
        print(f"  cached rerun (best of 3) {min(warm):6.2f} s   target < 2 s   {'OK' if min(warm) < 2 else 'SLOW'}"
              f"   (all: {', '.join(f'{w:.2f}' for w in warm)})")  # fmt: skip


if __name__ == "__main__":
    main()
