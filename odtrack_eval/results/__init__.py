"""Tracker results: find them, load them, check them.

Typical use::

    from odtrack_eval.results import discover_trackers, load_tracker, validate_run, raise_for_findings

    for entry in discover_trackers(results_dir, dataset.tag):      # one entry per tracker (/param)
        runs = load_tracker(entry, dataset)                          # one RunResults per run id
        for run in runs:
            raise_for_findings(validate_run(run, dataset), fatal={"nan_rows", "negative_size"})

* :func:`discover_trackers` understands the pytracking, ODTrack/OSTrack (dataset subfolder),
  pysot/got10k (flat, ``times/``), MATLAB-toolkit (``<tracker>_tracking_result``) and got10k
  GOT-10k (``<seq>/<seq>_NNN.txt``) layouts. Runs ``<param>_000, _001...`` are the runs of one entry.
* Sequence names match exactly first, then by :func:`~odtrack_eval.sequence.canonical_name`
  (``Jogging_1`` = ``jogging-1`` = ``Jogging.1`` = ``Jogging1``).
* :func:`load_run` / :func:`load_tracker` return float64 N×4 boxes per sequence in dataset order,
  exactly as written; parsed arrays are cached by file *content* (:mod:`.cache`; ``cache=False``
  turns it off, ``$ODTRACK_EVAL_CACHE`` moves it).
* :func:`validate` reports findings (length mismatch, NaN rows, negative/zero sizes, files that
  look like corner boxes); which are fatal is the protocol's decision (:func:`raise_for_findings`).

Known ambiguity: a parameter folder named like ``vitb_256`` is read as run 256 of parameter
``vitb`` (pytracking's ``<param>_<runid:03d>`` naming cannot be told apart from it).
"""

from odtrack_eval.results.cache import ContentCache, default_cache_dir
from odtrack_eval.results.layout import RunFiles, TrackerRuns, discover_trackers
from odtrack_eval.results.reader import (
    Finding,
    RunResults,
    load_run,
    load_tracker,
    raise_for_findings,
    validate,
    validate_run,
)

__all__ = [
    "ContentCache",
    "Finding",
    "RunFiles",
    "RunResults",
    "TrackerRuns",
    "default_cache_dir",
    "discover_trackers",
    "load_run",
    "load_tracker",
    "raise_for_findings",
    "validate",
    "validate_run",
]
