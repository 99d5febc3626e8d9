"""The whole ``odtrack-eval evaluate`` command on a LaSOT result set in the formats of the wild, against
the got10k toolkit's way, as processes, alternating, in one run.

Run: ``python benchmarks/bench_cli.py [--shared PATH] [--repeat 5] [--keep DIR]``.

The result set (built in a temporary folder from the real ATOM and C-RPN results in ../shared) has
seven trackers, 280 sequences each:

* ``ATOM``, ``C-RPN``: the authors' files (comma-separated, 2-4 decimals);
* ``ATOM-repr``, ``C-RPN-repr``, ``ATOM-repr-b``: boxes perturbed by ~1e-7 relative and written
  with Python's float repr (17 significant digits), as every pysot-family tracker writes them
  (SiamRPN++, SiamBAN, Ocean);
* ``ATOM-int``: boxes rounded to integers (DiMP50's released files);
* ``C-RPN-tab``: tab-separated ``%.4f``.

Timed, each as a whole process (what a user types), in alternation:

* got10k: ``python benchmarks/got10k_way.py ANNOS RESULTS`` (np.loadtxt + rect_iou per sequence);
* cold: ``odtrack-eval evaluate -d lasot --root ANNOS -r RESULTS -f json`` with an empty cache folder
  (no cached evaluations, no cached annotations; the kernel library is built, as after
  ``make install``);
* rerun: the same command again on the same cache folder.

Then one in-process run of each kind gives the per-stage breakdown, and the AUCs are checked:
odtrack-eval's ``-p got10k`` against the got10k way (1e-9), the rerun against the cold run (equal).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _write(path: Path, rows: np.ndarray, fmt: Callable[[float], str], sep: str) -> None:
    path.write_text("".join(sep.join(fmt(v) for v in row) + "\n" for row in rows.tolist()))  # (Python floats)


def build_results(real: Path, out: Path) -> dict[str, int]:
    """The seven trackers (see the module docstring) under ``out``; returns bytes per tracker."""
    rng = np.random.default_rng(0)
    sources = {"ATOM": real / "results" / "ATOM", "C-RPN": real / "results" / "C-RPN"}
    variants = {
        "ATOM": ("ATOM", None),
        "C-RPN": ("C-RPN", None),
        "ATOM-repr": ("ATOM", "repr"),
        "C-RPN-repr": ("C-RPN", "repr"),
        "ATOM-repr-b": ("ATOM", "repr"),
        "ATOM-int": ("ATOM", "int"),
        "C-RPN-tab": ("C-RPN", "tab"),
    }
    sizes = {}
    for name, (source, kind) in variants.items():
        folder = out / name
        folder.mkdir(parents=True)
        for src in sorted(sources[source].glob("*.txt")):
            if kind is None:
                shutil.copyfile(src, folder / src.name)
                continue
            boxes = np.loadtxt(src, delimiter=",", ndmin=2)
            if kind == "repr":
                boxes = boxes * (1 + 1e-7 * rng.standard_normal(boxes.shape))
                _write(folder / src.name, boxes, repr, ",")
            elif kind == "int":
                _write(folder / src.name, np.round(boxes), lambda v: str(int(v)), ",")
            else:
                _write(folder / src.name, boxes, lambda v: f"{v:.4f}", "\t")
        sizes[name] = sum(p.stat().st_size for p in folder.iterdir())
    return sizes


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def _ours(annos: Path, results: Path, *extra: str) -> list[str]:
    exe = Path(sys.executable).with_name("odtrack-eval")
    return [str(exe), "evaluate", "-d", "lasot", "--root", str(annos), "-r", str(results), "-f", "json", *extra]


STAGES = {
    "dataset load (annotations)": ("odtrack_eval.cli.evaluate", "load_dataset"),
    "cache key: ground truth + code": ("odtrack_eval.evaluation", "_base_key"),
    "listing (discover, match)": ("odtrack_eval.evaluation", "find_entries"),
    "reading + hashing (cache lookup)": ("odtrack_eval.evaluation", "digest_files"),
    "reading + parsing": ("odtrack_eval.evaluation", "read_files"),
    "cache lookup / store": ("odtrack_eval.store", "ArrayStore.get"),
    "cache write": ("odtrack_eval.store", "ArrayStore.put"),
    "validation": ("odtrack_eval.evaluation", "validate_run"),
    "preparation + scoring": ("odtrack_eval.evaluation", "run_statistics"),
    "JSON output": ("odtrack_eval.report.documents", "to_json"),
}


def _breakdown(annos: Path, results: Path, cache: Path) -> dict[str, float]:
    """One in-process CLI run with a timer around each stage's function (seconds per stage)."""
    import importlib

    spent: dict[str, float] = defaultdict(float)
    t0 = time.perf_counter()
    from odtrack_eval import cli

    cli._load_commands()
    spent["imports + CLI set-up"] = time.perf_counter() - t0
    for stage, (module_name, attr) in STAGES.items():
        module = importlib.import_module(module_name)
        owner, name = (getattr(module, attr.split(".")[0]), attr.split(".")[1]) if "." in attr else (module, attr)
        real = getattr(owner, name)

        def timed(*a, __real=real, __stage=stage, **k):  # noqa: ANN002, ANN003, ANN202
            t = time.perf_counter()
            try:
                return __real(*a, **k)
            finally:
                spent[__stage] += time.perf_counter() - t

        setattr(owner, name, timed)  # (a process of its own: nothing to restore)
    os.environ["ODTRACK_EVAL_CACHE"] = str(cache)
    t = time.perf_counter()
    stdout = sys.stdout
    try:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the command's JSON is not wanted here
        cli.main(_ours(annos, results)[1:])
    except SystemExit:
        pass
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    spent["whole command (in process)"] = time.perf_counter() - t + spent["imports + CLI set-up"]
    return dict(spent)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared material (../shared)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="build the result set here and keep it")
    ap.add_argument("--stages", nargs=3, type=Path, metavar=("ANNOS", "RESULTS", "CACHE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stages:  # one in-process run in a fresh process, for the breakdown
        print(json.dumps(_breakdown(*args.stages)))
        return
    real = args.shared / "data" / "real" / "lasot"
    if not real.is_dir():
        sys.exit(f"needs {real}")
    annos = real / "annotations"
    work = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    results = args.keep or work / "results"
    if not results.exists():
        sizes = build_results(real, results)
    else:
        sizes = {p.name: sum(f.stat().st_size for f in p.iterdir()) for p in sorted(results.iterdir())}
    total = sum(sizes.values())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}")  # fmt: skip
    print(f"result set: {len(sizes)} trackers x 280 LaSOT sequences, {total / 1e6:.0f} MB "
          + ", ".join(f"{k} {v / 1e6:.0f} MB" for k, v in sizes.items()))  # fmt: skip
    env = {**os.environ}
    env.pop("ODTRACK_EVAL_KERNELS", None)
    # Python's bytecode cache as a user has it (some sandboxes set PYTHONDONTWRITEBYTECODE, which makes every
    # run compile the package's sources again).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # Warm-up (not timed): the kernel library is built once (where it is not yet), as `doctor --fix` does.
    env["ODTRACK_EVAL_CACHE"] = str(work / "warmup")
    _run(_ours(annos, results), env)
    got10k_cmd = [sys.executable, str(HERE / "got10k_way.py"), str(annos), str(results)]
    times: dict[str, list[float]] = defaultdict(list)
    outputs = {}
    for rep in range(args.repeat):
        cache = work / f"cache-{rep}"
        elapsed, outputs["got10k"] = _run(got10k_cmd, env)
        times["got10k way"].append(elapsed)
        env["ODTRACK_EVAL_CACHE"] = str(cache)
        elapsed, outputs["cold"] = _run(_ours(annos, results), env)
        times["odtrack-eval, empty cache"].append(elapsed)
        elapsed, outputs["rerun"] = _run(_ours(annos, results), env)
        times["odtrack-eval, rerun"].append(elapsed)
        shutil.rmtree(cache)
    ref = statistics.median(times["got10k way"])
    print(f"\nwhole command, median of {args.repeat} alternating runs (min-max):")
    for label, values in times.items():
        med = statistics.median(values)
        ratio = "" if label == "got10k way" else f"  {ref / med:.1f}x the got10k way"
        print(f"  {label:28s} {med:6.3f} s ({min(values):.3f}-{max(values):.3f}){ratio}")
    for what in ("--help",):
        help_times = [_run([str(Path(sys.executable).with_name("odtrack-eval")), what], env)[0] for _ in range(5)]
        print(f"  odtrack-eval {what:15s} {min(help_times):6.3f} s (min of 5)")

    cold, rerun = json.loads(outputs["cold"]), json.loads(outputs["rerun"])
    assert cold == rerun, "the rerun must print exactly what the cold run printed"
    reference = json.loads(outputs["got10k"])
    env["ODTRACK_EVAL_CACHE"] = str(work / "parity")
    ours_g10k = json.loads(_run(_ours(annos, results, "-p", "got10k"), env)[1])
    for tracker in ours_g10k["trackers"]:
        diff = abs(tracker["auc"] - reference[tracker["name"]])
        assert diff < 1e-9, (tracker["name"], tracker["auc"], reference[tracker["name"]])
    print(f"AUC check: -p got10k equals the got10k way for all {len(reference)} trackers (|diff| < 1e-9); "
          "the rerun printed the cold run's JSON")  # fmt: skip

    print("\nper-stage breakdown (one run each in a fresh process, timers around each stage; seconds):")
    stage_cmd = [sys.executable, __file__, "--stages", str(annos), str(results), str(work / "stages")]
    for label in ("empty cache", "rerun"):
        spent = json.loads(_run(stage_cmd, env)[1].strip().splitlines()[-1])
        print(f"  {label}: " + ", ".join(f"{k} {v:.3f}" for k, v in spent.items() if v >= 0.0005))
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
