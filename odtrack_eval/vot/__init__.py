"""VOT2020 short-term (the anchor-based "multistart" experiment of vot-toolkit 0.9.0).

* :mod:`.protocol`: the ``vot2020`` / ``vot2020-legacy`` rule sets (registered in
  :mod:`odtrack_eval.protocols`);
* :mod:`.analysis`: per-frame overlaps, failure detection, accuracy, robustness, EAO, per-tag accuracy;
* :mod:`.workspace`: the toolkit's results layout (text and binary trajectories);
* :mod:`.multistart`: runs one of our trackers from every anchor and writes that layout;
* :mod:`.trax_wrapper` / :mod:`.setup`: let vot-toolkit drive our trackers over TraX.

Nothing here imports torch or vot-toolkit; the toolkit is only the reference in the tests.
"""
