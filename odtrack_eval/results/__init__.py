"""Tracker results: find them, list them for a dataset, read, parse and check them.

The stages, in the order data flows (each a module with a public function):

* :mod:`.layout` ``discover_trackers`` finds every tracker folder's runs in the pytracking,
  ODTrack/OSTrack (dataset subfolder), pysot/got10k (flat, ``times/``), MATLAB-toolkit
  (``<tracker>_tracking_result``) and got10k GOT-10k (``<seq>/<seq>_NNN.txt``) layouts;
  :mod:`.selection` picks entries by ``--tracker``;
* :mod:`.listing` ``list_run`` matches a run's files to a dataset's sequence names (exactly first,
  then by :func:`~odtrack_eval.sequence.canonical_name`: ``Jogging_1`` = ``jogging-1``);
* :mod:`.reading` ``read_files`` reads and hashes the files, and :mod:`.reader` ``file_parser``
  parses each one in its reading thread with :func:`odtrack_eval.textio.parse_table` (the one parser);
* :mod:`.validation` ``validate_run`` reports findings (length mismatch, NaN rows, negative/zero
  sizes, files that look like corner boxes); which are fatal is the protocol's decision.

:mod:`.reader` ``load_run`` / ``load_tracker`` chain listing, reading and parsing for one run.

Known ambiguity: a parameter folder named like ``vitb_256`` is read as run 256 of parameter
``vitb`` (pytracking's ``<param>_<runid:03d>`` naming cannot be told apart from it).
"""

from odtrack_eval.results.layout import RunFiles, TrackerRuns, discover_trackers
from odtrack_eval.results.listing import RunListing, list_run
from odtrack_eval.results.reader import RunResults, load_run, load_tracker
from odtrack_eval.results.validation import Finding, raise_for_findings, validate, validate_run

__all__ = [
    "Finding",
    "RunFiles",
    "RunListing",
    "RunResults",
    "TrackerRuns",
    "discover_trackers",
    "list_run",
    "load_run",
    "load_tracker",
    "raise_for_findings",
    "validate",
    "validate_run",
]
