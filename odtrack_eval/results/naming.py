"""The pytracking layout's names, read and written by the same rules: run folders ``<param>[_NNN]``, box
files ``<seq>.txt`` and the side files beside them (``<seq>_time.txt``, ``<seq>_score.txt``, ...).

The runner writes with these (:mod:`odtrack_eval.runner.storage`) and discovery reads with them
(:mod:`odtrack_eval.results.layout`), so a file the runner writes is always read as what it is.
"""

from __future__ import annotations

import re

__all__ = ["RUN_FOLDER", "SCORE_SUFFIX", "SIDE_SUFFIXES", "TIME_SUFFIX", "box_name", "is_box_file",
           "parse_run_folder", "run_folder", "score_name", "time_name"]  # fmt: skip

#: ``<param>_NNN``: run NNN of a parameter set (pytracking's ``{param}_{runid:03d}``).
RUN_FOLDER = re.compile(r"^(?P<param>.+)_(?P<run>\d{3})$")
TIME_SUFFIX = "_time"
SCORE_SUFFIX = "_score"
#: Suffixes (before ``.txt``) of files beside box files that are not boxes: ours, and those other
#: trackers write (pytracking's all-boxes/all-scores, confidence files).
SIDE_SUFFIXES = (TIME_SUFFIX, SCORE_SUFFIX, "_all_boxes", "_all_scores", "_object_presence_scores", "_confidence")


def run_folder(param: str, run_id: int | None) -> str:
    """``param`` or ``param_NNN``."""
    return param if run_id is None else f"{param}_{run_id:03d}"


def parse_run_folder(name: str) -> tuple[str, int] | None:
    """``("baseline", 3)`` for ``baseline_003``; None for a folder name without a run number."""
    m = RUN_FOLDER.match(name)
    return (m.group("param"), int(m.group("run"))) if m else None


def box_name(sequence: str) -> str:
    return f"{sequence}.txt"


def time_name(sequence: str) -> str:
    return f"{sequence}{TIME_SUFFIX}.txt"


def score_name(sequence: str) -> str:
    return f"{sequence}{SCORE_SUFFIX}.txt"


def is_box_file(name: str) -> bool:
    """Whether a file name is a box file: ``.txt`` (any case), not hidden, not a side file."""
    if name.startswith(".") or name[-4:].lower() != ".txt":
        return False
    stem = name[:-4]
    return bool(stem) and not stem.lower().endswith(SIDE_SUFFIXES)
