"""Regions and their VOT overlaps, below every layer that reads or scores them.

* :mod:`.region`: the region types (rectangle, polygon, mask, special code), their text codec, rasterising
  and the exact overlap of two regions;
* :mod:`.overlap`: the per-frame overlap under vot-toolkit's bounds rules;
* :mod:`.batch`: a whole trajectory as arrays (masks as row segments); :mod:`.decode` fills one from
  binary or text trajectory files, :mod:`.truth` from a ground-truth file, and :mod:`.batch_overlap`
  computes all its overlaps in one pass.
"""
