"""Evaluate the 280 real LaSOT test sequences end to end: odtrack-eval vs the got10k toolkit's way.

Run: ``python benchmarks/bench_metrics.py [--shared PATH]``. Both sides start from the same
loaded ground truth and read the result files themselves (the reading is included in every
time). The got10k path is what ExperimentOTB/LaSOT.report() does per tracker: ``np.loadtxt`` per
file, ``rect_iou`` and ``center_error`` per sequence, ``_calc_curves``, the mean over sequences.

odtrack-eval is timed cold (empty cache folder: parse everything) and warm (the same files again:
content-hash lookups only), with its compiled kernels (the default where numba is installed) and,
for comparison, cold on the numpy path (``ODTRACK_EVAL_JIT=0``). It prints the times, the ratios,
and checks that the AUCs agree. The kernels are compiled (or loaded from numba's cache) before
timing: the per-process cost of that is printed separately.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def got10k_path(dataset, tracker_dir: Path) -> float:
    from got10k.experiments.otb import ExperimentOTB
    from got10k.utils.metrics import center_error, rect_iou

    class Cfg:
        nbins_iou, nbins_ce = 21, 51

    succ = []
    for seq in dataset:
        boxes = np.loadtxt(tracker_dir / f"{seq.name}.txt", delimiter=",")
        anno = seq.ground_truth
        boxes[0] = anno[0]
        ious, ces = rect_iou(boxes, anno.copy()), center_error(boxes, anno)
        s, _ = ExperimentOTB._calc_curves(Cfg(), ious, ces)
        succ.append(s)
    return 100 * float(np.mean(np.mean(succ, axis=0)))


def ours(dataset, results_root: Path, tracker: str, cache_dir: Path) -> float:
    from odtrack_eval.evaluation import evaluate_folder
    from odtrack_eval.protocols import get_protocol

    ev = evaluate_folder(dataset, results_root, get_protocol("got10k"), trackers=[tracker], cache=cache_dir)
    return ev.results[0].scores()["auc"]


def main() -> None:
    default = Path(__file__).resolve().parents[2] / "shared"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=default, help="path of the shared material (../shared)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    real = args.shared / "data" / "real" / "lasot"
    if not real.exists():
        sys.exit(f"needs {real}")
    from odtrack_eval.datasets import load_dataset

    t0 = time.perf_counter()
    dataset = load_dataset("lasot", real / "annotations")
    t_load = time.perf_counter() - t0
    cpu = platform.processor() or platform.machine()
    print(f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}")
    print(
        f"LaSOT test annotations: {len(dataset)} sequences, {dataset.num_frames} frames, loaded in {t_load:.3f} s"
    )
    from odtrack_eval.kernels import ENV_VAR, jit_enabled, jit_status

    print(f"odtrack-eval path: {jit_status()}")
    if jit_enabled():
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:  # numba import + kernel load (once per process)
            ours(dataset, real / "results", "ATOM", Path(tmp))
        print(f"first evaluation in this process (numba import, kernels loaded or compiled): "
              f"{time.perf_counter() - t0:.2f} s, not counted below")  # fmt: skip
    for tracker in sorted(p.name for p in (real / "results").iterdir()):
        ref_times, cold_times, warm_times, numpy_times = [], [], [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            ref_auc = got10k_path(dataset, real / "results" / tracker)
            ref_times.append(time.perf_counter() - t)
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                cold_auc = ours(dataset, real / "results", tracker, Path(tmp))
                cold_times.append(time.perf_counter() - t)
                t = time.perf_counter()
                warm_auc = ours(dataset, real / "results", tracker, Path(tmp))
                warm_times.append(time.perf_counter() - t)
            if jit_enabled():
                with tempfile.TemporaryDirectory() as tmp:
                    os.environ[ENV_VAR] = "0"
                    try:
                        t = time.perf_counter()
                        numpy_auc = ours(dataset, real / "results", tracker, Path(tmp))
                        numpy_times.append(time.perf_counter() - t)
                    finally:
                        del os.environ[ENV_VAR]
                assert numpy_auc == cold_auc, (numpy_auc, cold_auc)
        ref, cold, warm = (statistics.median(x) for x in (ref_times, cold_times, warm_times))
        assert abs(ref_auc - cold_auc) < 1e-9 and abs(cold_auc - warm_auc) < 1e-12, (
            ref_auc,
            cold_auc,
            warm_auc,
        )
        numpy_part = ""
        if numpy_times:
            numpy_cold = statistics.median(numpy_times)
            numpy_part = f" | numpy-path cold {numpy_cold:.3f} s ({ref / numpy_cold:.1f}x)"
        print(
            f"{tracker:6s} AUC {cold_auc:.4f} (got10k {ref_auc:.4f}) | got10k path {ref:.3f} s | "
            f"odtrack-eval cold {cold:.3f} s ({ref / cold:.1f}x) | warm {warm:.4f} s ({ref / warm:.1f}x)"
            + numpy_part
        )


if __name__ == "__main__":
    main()
