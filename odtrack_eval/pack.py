"""Server submission packages for the benchmarks whose test ground truth is withheld.

* GOT-10k: a zip whose root holds ``<seq>/<seq>_001.txt`` (``_002``, ``_003`` for repeated runs of a
  stochastic tracker; comma-separated x,y,w,h) and ``<seq>/<seq>_time.txt`` (seconds per frame, one
  column per repetition), for the 180 ``GOT-10k_Test_*`` sequences (got10k toolkit layout).
* TrackingNet: a zip of 511 ``<seq>.txt`` files, comma-separated x,y,w,h, one row per frame.

Everything is checked before anything is written (every test sequence present, lengths equal to the
frame counts where the dataset root is given, no NaN, same length across repetitions); on any
problem nothing is written and the whole list of problems is reported. The zip is written to a
temporary file and renamed, so a partial package never exists.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from odtrack_eval.datasets._common import read_name_list
from odtrack_eval.errors import ResultsError
from odtrack_eval.results import RunResults, TrackerRuns
from odtrack_eval.results.reader import load_run
from odtrack_eval.sequence import Dataset, Sequence


@dataclass(frozen=True)
class Benchmark:
    """What a server expects: its test sequence list and how each file is named in the zip."""

    name: str
    list_data: tuple[str, str]  # (package data folder, file)
    max_runs: int
    box_name: Callable[[str, int], str]
    time_name: Callable[[str], str] | None


BENCHMARKS = {
    "got10k": Benchmark(
        "GOT-10k test",
        ("got10k", "test_list.txt"),
        3,
        lambda seq, rep: f"{seq}/{seq}_{rep:03d}.txt",
        lambda seq: f"{seq}/{seq}_time.txt",
    ),
    "trackingnet": Benchmark(
        "TrackingNet TEST", ("trackingnet", "TEST_sequences.txt"), 1, lambda seq, rep: f"{seq}.txt", None
    ),
}


def _fmt_boxes(boxes: np.ndarray) -> bytes:
    """Comma-separated rows; integers stay integers, other values keep full precision."""
    out = io.StringIO()
    for row in boxes:
        out.write(",".join(str(int(v)) if float(v).is_integer() else repr(float(v)) for v in row) + "\n")
    return out.getvalue().encode()


def _fmt_times(columns: list[np.ndarray]) -> bytes:
    n = max(len(c) for c in columns)
    table = np.full((n, len(columns)), np.nan)
    for j, c in enumerate(columns):
        table[: len(c), j] = c
    return "".join(",".join(f"{v:.8f}" for v in row) + "\n" for row in table).encode()


def _placeholder_dataset(names: list[str], tag: str) -> Dataset:
    """Sequences with only a name (for matching files when no dataset root is given)."""
    return Dataset(tag, tag, [Sequence(n, np.zeros((1, 4)), extra={"first_frame_only": True}) for n in names])


def check_and_collect(
    benchmark: str, entry: TrackerRuns, dataset: Dataset | None = None
) -> tuple[list[str], list[tuple[str, bytes]], list[str]]:
    """All problems of ``entry`` as a submission, the files to write when there are none, and notes.

    Time files are packed wherever they are found, with or without ``dataset`` (which only adds the
    frame-count checks): pytracking's ``<seq>_time.txt`` per run, or the got10k layout's
    ``<seq>/<seq>_time.txt`` (one column per repetition). Sequences without one are noted: the
    server's speed column needs them.
    """
    spec = BENCHMARKS[benchmark]
    names = read_name_list(*spec.list_data)
    ds = dataset if dataset is not None else _placeholder_dataset(names, benchmark)
    problems: list[str] = []
    if len(entry.runs) > spec.max_runs:
        problems.append(f"{entry.name}: {len(entry.runs)} runs; {spec.name} accepts at most {spec.max_runs}")
    if dataset is not None:
        missing_in_root = [n for n in names if n not in dataset]
        if missing_in_root:
            problems.append(f"dataset root lacks {len(missing_in_root)} test sequences, e.g. {missing_in_root[:3]}")
    runs: list[RunResults] = []
    for run in entry.runs[: spec.max_runs]:
        runs.append(load_run(run, ds, allow_missing=True))
    files: list[tuple[str, bytes]] = []
    untimed: list[str] = []
    unreadable: list[str] = []  # time files that cannot be packed (their boxes still are)
    for name in names:
        seq = ds.find(name)
        expected = seq.extra.get("num_frames") if (seq is not None and dataset is not None) else None
        lengths = set()
        for rep, run in enumerate(runs, start=1):
            boxes = run.boxes.get(seq.name if seq is not None else name)
            if boxes is None:
                problems.append(f"{name}: no result file (run {rep})")
                continue
            lengths.add(len(boxes))
            if len(boxes) == 0:
                problems.append(f"{run.paths[seq.name]}: empty")
            nan = np.isnan(boxes).any(axis=1)
            if nan.any():
                problems.append(f"{run.paths[seq.name]}:{int(np.argmax(nan)) + 1}: NaN in {int(nan.sum())} rows")
            if expected is not None and len(boxes) != expected:
                problems.append(f"{run.paths[seq.name]}: {len(boxes)} rows but the sequence has {expected} frames")
            files.append((spec.box_name(name, rep), _fmt_boxes(boxes)))
        if len(lengths) > 1:
            problems.append(f"{name}: runs have different lengths {sorted(lengths)}")
        if spec.time_name is not None and seq is not None:
            times = [run.times[seq.name] for run in runs if seq.name in run.times] or _shared_times(
                runs, seq.name, unreadable
            )
            if times:
                files.append((spec.time_name(name), _fmt_times(times)))
            else:
                untimed.append(name)
    notes = [f"{problem}: not packed (the boxes are)" for problem in unreadable[:5]]
    if untimed:
        notes.append(f"no time file for {len(untimed)} of {len(names)} sequences (e.g. {', '.join(untimed[:3])}): "
                     f"{spec.name}'s speed column needs <seq>_time.txt beside the boxes")  # fmt: skip
    return problems, files, notes


def _shared_times(runs: list[RunResults], name: str, problems: list[str]) -> list[np.ndarray]:
    """The columns of the got10k layout's ``<seq>/<seq>_time.txt`` (one per repetition), if there is one."""
    from odtrack_eval.errors import FormatError
    from odtrack_eval.textio import read_table

    box_file = next((run.paths[name] for run in runs if name in run.paths), None)
    if box_file is None:
        return []
    path = box_file.parent / f"{name}_time.txt"
    if not path.is_file():
        return []
    try:
        table = read_table(path, ncols=len(runs), what=f"{len(runs)} comma-separated seconds per frame (one per run)")
    except FormatError as exc:
        problems.append(str(exc))
        return []
    return [table[:, j] for j in range(table.shape[1])] if table.ndim == 2 else [table]


def write_package(
    benchmark: str, entry: TrackerRuns, out: str | Path, dataset: Dataset | None = None
) -> tuple[int, list[str]]:
    """Check, then write the zip atomically; returns the number of files and the notes (time files
    missing). Raises listing every problem."""
    problems, files, notes = check_and_collect(benchmark, entry, dataset)
    if problems:
        shown = "\n  ".join(problems[:40])
        more = f"\n  ... and {len(problems) - 40} more" if len(problems) > 40 else ""
        raise ResultsError(
            f"not packing {entry.name} for {BENCHMARKS[benchmark].name}: {len(problems)} problems\n  {shown}{more}"
        )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for arcname, data in files:
                zf.writestr(arcname, data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(files), notes
