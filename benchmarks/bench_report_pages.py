"""What the per-sequence pages, timelines and failure analysis add to ``odtrack-eval report`` (issue 16), on the
real LaSOT test set (280 sequences, the released ATOM and C-RPN results).

Run: ``python benchmarks/bench_report_pages.py [--shared PATH] [--base COMMIT] [--repeat 3] [--all]``.

The code before the change (``--base``, default the commit the issue-16 branch started from) is exported
with ``git archive`` into a temporary folder, this working tree's package copied beside it, and both are
run from there, so both versions are timed on the same machine, alternating, as the whole command a user
types, each in a fresh process:

* cold: an empty cache folder (``ODTRACK_EVAL_CACHE``): evaluation, figures, timelines all computed;
* cached rerun: the same command again on that cache folder;

for the base version and for this one with ``--timelines 0`` and the default 30; ``--all`` also times
``--timelines all`` once (every sequence drawn: minutes).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASE = "05f9f12"


def _export(commit: str, into: Path) -> Path:
    """The package at ``commit``, unpacked under ``into`` (the folder to put on PYTHONPATH)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit, "odtrack_eval"], capture_output=True,
                             check=True).stdout  # fmt: skip
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _report(code: Path, annos: Path, results: Path, out: Path, cache: Path, *extra: str) -> float:
    env = {**os.environ, "ODTRACK_EVAL_CACHE": str(cache), "PYTHONPATH": str(code)}
    cmd = [sys.executable, "-m", "odtrack_eval", "report", "-d", "lasot", "--root", str(annos), "-r", str(results),
           "-o", str(out), *extra]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"report failed ({' '.join(cmd)}):\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--base", default=BASE, help="commit to compare with (before the change)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="also time --timelines all once")
    args = parser.parse_args()
    real = args.shared / "data" / "real" / "lasot"
    if not real.is_dir():
        raise SystemExit(f"needs the real LaSOT material at {real}")
    annos, results = real / "annotations", real / "results"
    variants = {"base": [], "timelines 0": ["--timelines", "0"], "timelines 30": []}
    times: dict[str, dict[str, list[float]]] = {v: {"cold": [], "rerun": []} for v in variants}
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        tmp = Path(tmp)
        base = _export(args.base, tmp / "base")
        new = tmp / "new"  # this working tree's package, copied: edits during the run do not leak in
        shutil.copytree(REPO / "odtrack_eval", new / "odtrack_eval", ignore=shutil.ignore_patterns("__pycache__"))
        for i in range(args.repeat):
            order = list(variants) if i % 2 == 0 else list(variants)[::-1]  # alternate who goes first
            for name in order:
                extra = variants[name]
                code = base if name == "base" else new
                cache, out = tmp / f"cache-{name}-{i}", tmp / f"out-{name}-{i}"
                times[name]["cold"].append(_report(code, annos, results, out, cache, *extra))
                times[name]["rerun"].append(_report(code, annos, results, out, cache, *extra))
        if args.all:
            every = _report(new, annos, results, tmp / "out-all", tmp / "cache-all", "--timelines", "all")
        pages = len(list((tmp / "out-timelines 30-0" / "sequences").glob("*.html")))
        drawn = len(list((tmp / "out-timelines 30-0" / "sequences").glob("*_timeline.png")))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f} (other processes may share the CPU)")  # fmt: skip
    print(f"odtrack-eval report, LaSOT (280 sequences, ATOM + C-RPN); median of {args.repeat} (all runs listed):")
    for name in variants:
        for kind in ("cold", "rerun"):
            values = times[name][kind]
            print(
                f"  {name:13s} {kind:6s} {statistics.median(values):6.2f} s   ({', '.join(f'{v:.2f}' for v in values)})"
            )
    print(f"  (this version writes {pages} sequence pages, {drawn} timelines drawn)")
    if args.all:
        print(f"  timelines all  cold   {every:6.2f} s (once)")
    _stages(annos, results)


def _stages(annos: Path, results: Path) -> None:
    """In-process, this version: what the report's new part costs, stage by stage (no cache)."""
    sys.path.insert(0, str(REPO))
    from odtrack_eval.datasets import load_dataset
    from odtrack_eval.evaluation import evaluate_folder
    from odtrack_eval.frame_results import analyse_failures
    from odtrack_eval.protocols import get_protocol
    from odtrack_eval.report import html, plots
    from odtrack_eval.report.failures import evaluation_frames
    from odtrack_eval.report.sequences import write_sequence_pages

    ev = evaluate_folder(load_dataset("lasot", annos), results, get_protocol("odtrack"), cache=False)
    names = plots.tracker_order(r.tracker for r in ev.results)
    styles = plots.tracker_styles(names)
    with tempfile.TemporaryDirectory(prefix="bench-pages-stages-") as tmp:
        t0 = time.perf_counter()
        frames = evaluation_frames(ev, results)
        t1 = time.perf_counter()
        analysis = analyse_failures(frames, names, 0.1, 10)
        t2 = time.perf_counter()
        write_sequence_pages(ev, frames, analysis, Path(tmp), styles, html.table_html, html.standalone_page,
                             bench="LaSOT", timelines=0)  # fmt: skip
        t3 = time.perf_counter()
        write_sequence_pages(ev, frames, analysis, Path(tmp), styles, html.table_html, html.standalone_page,
                             bench="LaSOT", timelines=30)  # fmt: skip
        t4 = time.perf_counter()
    print("in-process stages of the new part (no cache):")
    print(f"  per-frame IoU of every tracker on every sequence (read, parse, prepare) {t1 - t0:6.2f} s")
    print(f"  failure analysis                                                       {t2 - t1:6.2f} s")
    print(f"  280 sequence pages and the sortable table, no timeline                 {t3 - t2:6.2f} s")
    print(f"  the same with 30 timelines drawn                                       {t4 - t3:6.2f} s "
          f"({(t4 - t3 - (t3 - t2)) / 30:.2f} s per timeline)")  # fmt: skip


if __name__ == "__main__":
    main()
