"""What the frame-grid and video tests share: the CLI as a subprocess, a small synthetic benchmark with frames,
and its ground truth read straight from the files (not by the package)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

FRAMES = 60


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "odtrack_eval", *args], capture_output=True, text=True)


def make_bench(folder: Path) -> Path:
    from odtrack_eval.synth import SynthOptions, generate

    return generate(folder / "bench", SynthOptions(sequences=2, frames=FRAMES, seed=3))


def truth(bench: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Ground truth and visibility as the files say."""
    folder = bench / name.rsplit("-", 1)[0] / name
    gt = np.loadtxt(folder / "groundtruth.txt", delimiter=",")
    hidden = [np.array(p.read_text().strip().split(","), dtype=int) for p in
              (folder / "full_occlusion.txt", folder / "out_of_view.txt")]  # fmt: skip
    return gt, (hidden[0] | hidden[1]) == 0
