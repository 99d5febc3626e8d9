"""Result files in the pytracking/ODTrack layout, written so that a killed run never leaves a
partial file.

Layout: ``<results>/<tracker>/<param>[_NNN]/<dataset>/<seq>.txt`` (one ``x\ty\tw\th`` row per
frame) plus ``<seq>_time.txt`` (seconds per frame, frame 0 = ``initialize``) and, when the
tracker reports scores, ``<seq>_score.txt``.

Protocol difference: pytracking writes boxes as integers (``astype(int)``, truncation) and times
with ``%f``; we write every value as Python's ``repr`` of the float64 (shortest text that reads
back to the identical double), so nothing is lost and integer truncation, when a protocol wants
it, is an explicit evaluation option rather than an accident of the writer. Readers that accept
pytracking files (tab or comma, float64) read these unchanged.

Each file is written to a hidden temp file in the same folder and renamed over the final name
(``os.replace`` is atomic on POSIX). The box file is written last: a sequence is done if and only
if its box file exists, which is how a resumed run knows what to skip.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from odtrack_eval.results.naming import box_name, is_box_file, run_folder, score_name, time_name

_HOST = socket.gethostname().replace(".", "_")
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<host>[^.]+)\.(?P<pid>\d+)\.tmp$")


def results_dir(root: str | Path, tracker: str, param: str, run_id: int | None, dataset: str) -> Path:
    return Path(root) / tracker / run_folder(param, run_id) / dataset


def box_path(folder: Path, sequence: str) -> Path:
    return folder / box_name(sequence)


def time_path(folder: Path, sequence: str) -> Path:
    return folder / time_name(sequence)


def score_path(folder: Path, sequence: str) -> Path:
    return folder / score_name(sequence)


def is_done(folder: Path, sequence: str) -> bool:
    """A sequence is complete iff its box file exists (it is always the last file written)."""
    return box_path(folder, sequence).is_file()


def has_results(folder: Path) -> bool:
    """Whether ``folder`` holds any sequence's box file."""
    try:
        with os.scandir(folder) as entries:
            return any(is_box_file(e.name) and e.is_file() for e in entries)
    except OSError:
        return False


def format_rows(values: np.ndarray) -> str:
    """Tab-separated rows of repr-exact floats (a 1-D array gives one value per line)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    rows = arr.tolist()  # Python floats: repr is the shortest round-trip text
    return "".join("\t".join(map(repr, row)) + "\n" for row in rows)


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file + fsync + ``os.replace``."""
    tmp = path.with_name(f".{path.name}.{_HOST}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_sequence(
    folder: Path, sequence: str, boxes: np.ndarray, times: np.ndarray, scores: np.ndarray | None = None
) -> None:
    """Write one sequence's files: time (and score) first, box file last."""
    boxes = np.asarray(boxes, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 4 or len(times) != len(boxes):
        raise ValueError(f"{sequence}: boxes {boxes.shape} and times {times.shape} do not match")
    atomic_write(time_path(folder, sequence), format_rows(times))
    if scores is not None:
        atomic_write(score_path(folder, sequence), format_rows(scores))
    atomic_write(box_path(folder, sequence), format_rows(boxes))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_temp_files(folder: Path) -> Iterable[Path]:
    """Temp files left by a killed writer on this host (their process no longer exists)."""
    if not folder.is_dir():
        return []
    stale = []
    for path in folder.iterdir():
        match = _TEMP.match(path.name)
        if match and match["host"] == _HOST and not _pid_alive(int(match["pid"])):
            stale.append(path)
    return stale


def remove_stale_temp_files(folder: Path) -> list[Path]:
    removed = []
    for path in stale_temp_files(folder):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


class ResultWriter:
    """Writes finished sequences on a background thread, in submission order.

    Formatting and ``fsync`` of a long sequence take milliseconds; doing them while the next
    sequence is tracked keeps them out of the run's wall time. Each sequence is still written
    time file first, box file last, each atomically. :meth:`close` waits for every pending write
    and re-raises the first error (a full disk must stop the run, not be skipped).
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="result-writer")
        self._pending: list[Future] = []

    def submit(
        self,
        folder: Path,
        sequence: str,
        boxes: np.ndarray,
        times: np.ndarray,
        scores: np.ndarray | None,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Write one sequence's files in the background; ``then()`` runs after the write (done or failed)."""
        self._raise_finished_errors()
        future = self._pool.submit(write_sequence, folder, sequence, boxes, times, scores)
        if then is not None:
            future.add_done_callback(lambda _: then())
        self._pending.append(future)

    def _raise_finished_errors(self) -> None:
        """Forget the finished writes, then raise the first error among them (once: it is not kept)."""
        finished, still = [], []
        for future in self._pending:  # (one pass: a write finishing meanwhile is in exactly one list)
            (finished if future.done() else still).append(future)
        self._pending = still
        for future in finished:
            future.result()

    def close(self) -> None:
        try:
            for future in self._pending:
                future.result()
        finally:
            self._pending = []
            self._pool.shutdown(wait=True)
