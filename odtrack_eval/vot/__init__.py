"""VOT2020 short-term (the anchor-based "multistart" experiment of vot-toolkit 0.9.0): what is specific
to it and has no place in the shared layers.

* :mod:`.analysis`: the multistart pipeline (reads every anchor run, computes overlaps, hands them to
  :mod:`odtrack_eval.metrics.multistart`);
* :mod:`.trax_wrapper` / :mod:`.setup`: let vot-toolkit drive our trackers over TraX;
* :mod:`.synthetic`: VOT-layout test data; :mod:`.reference`: vot-toolkit's own analysis, for parity checks.

The rest sits in its layer: the rule sets in :mod:`odtrack_eval.protocols.multistart`, regions and their
overlaps in :mod:`odtrack_eval.regions`, the dataset adapter and anchor plan in
:mod:`odtrack_eval.datasets.vot`, the workspace layout in :mod:`odtrack_eval.results.vot_workspace`, the
anchor runner in :mod:`odtrack_eval.runner.multistart`, the report in :mod:`odtrack_eval.report.vot`.
Nothing here imports torch or vot-toolkit; the toolkit is only the reference in the tests.
"""
