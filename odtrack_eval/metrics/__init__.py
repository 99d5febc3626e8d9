"""Metrics: protocol rules applied to results, and the scores they give.

Stages, in the order data flows: :mod:`.truth` (what a sequence contributes), :mod:`.preparation`
(the protocol's rules → :class:`~.preparation.PreparedRun`), :mod:`.scoring` (per-sequence curves;
:mod:`.scoring_kernel` is its compiled twin), :mod:`.aggregation` (runs and sequences →
:class:`~.aggregation.OPEResult` and its scores, read out as :mod:`.schema` declares).
:mod:`.ope` chains them for one tracker. No file is read here.
"""
