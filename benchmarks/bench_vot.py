"""VOT2020 EAO/A/R speed: odtrack-eval vs vot-toolkit 0.9.0's analysis of the same workspace.

Generates (once, in a temporary folder) a VOT2020-sized synthetic set: 60 sequences of 150-520 frames,
640x360 frames, mask ground truth, anchors every 50 frames (~450 anchor runs, ~130k run frames), and
a complete multistart result set per tracker style. Times, in the same process:

* ours: loading the dataset (the vot adapter) + the analysis (reading every result file, overlaps,
  failures, A, R, EAO);
* vot-toolkit: ``process_stack_analyses`` on a workspace with the vot2020/shortterm baseline analyses
  (in-memory cache, one worker; its own dataset loading included).

Prints both, the ratio, and checks the scores agree to 1e-6.

    .venv/bin/python benchmarks/bench_vot.py [--style rect|mask|mixed] [--skip-toolkit]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--style",
        choices=["rect", "mask", "mixed"],
        default="rect",
        help="tracker output: rectangles (what odtrack-eval vot run writes), masks, or both",
    )
    ap.add_argument("--sequences", type=int, default=60)
    ap.add_argument("--skip-toolkit", action="store_true")
    ap.add_argument("--workdir", type=Path, default=None, help="reuse/keep the generated workspace here")
    args = ap.parse_args()

    from odtrack_eval.datasets import load_dataset
    from odtrack_eval.protocols import get_protocol
    from odtrack_eval.vot import reference, synthetic
    from odtrack_eval.vot.analysis import evaluate_results

    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench_vot_")
        w = Path(tmp.name)
    else:
        w = args.workdir
    tracker = f"bench_{args.style}"
    if not (w / "sequences" / "list.txt").is_file():
        t0 = time.perf_counter()
        synthetic.make_dataset(w / "sequences", num_sequences=args.sequences, lengths=(150, 520), size=(640, 360),
                               spacing=50, seed=1)  # fmt: skip
        print(f"generated dataset in {time.perf_counter() - t0:.1f} s")
    if not (w / "results" / tracker).is_dir():
        t0 = time.perf_counter()
        runs = synthetic.make_results(w / "sequences", w / "results", tracker, style=args.style, seed=2)
        print(f"generated {runs} anchor runs ({args.style}) in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    ds = load_dataset("vot2020", w / "sequences")
    t1 = time.perf_counter()
    ev = evaluate_results(ds, w / "results", get_protocol("vot2020"), trackers=[tracker])
    t2 = time.perf_counter()
    assert not ev.errors, ev.errors
    r = ev.results[0]
    frames = sum(s.run_frames for s in r.sequences)
    ours = t2 - t0
    print(f"odtrack-eval: {len(ds.sequences)} sequences, {r.num_runs} runs, {frames} run frames: "
          f"load {t1 - t0:.3f} s + analysis {t2 - t1:.3f} s = {ours:.3f} s "
          f"(EAO {r.eao:.6f}, A {r.accuracy:.6f}, R {r.robustness:.6f})")  # fmt: skip
    if args.skip_toolkit:
        return
    reference.prepare_workspace(w, [tracker])
    t0 = time.perf_counter()
    ref = reference.toolkit_scores(w, [tracker])[tracker]
    theirs = time.perf_counter() - t0
    print(f"vot-toolkit 0.9.0: {theirs:.3f} s (EAO {ref['eao']:.6f}, A {ref['accuracy']:.6f}, "
          f"R {ref['robustness']:.6f})")  # fmt: skip
    diff = max(abs(r.eao - ref["eao"]), abs(r.accuracy - ref["accuracy"]), abs(r.robustness - ref["robustness"]))
    print(f"speed-up: {theirs / ours:.1f}x   max |difference|: {diff:.2e}")
    if diff > 1e-6:
        raise SystemExit("scores differ from vot-toolkit by more than 1e-6")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
