"""One-pass evaluation (OPE) of one tracker: preparation → scoring → aggregation.

:func:`run_statistics` is the pure scoring step the evaluation pipeline calls (and caches): arrays
in, per-sequence statistics out. :func:`evaluate_runs` is the same for callers holding a dataset
and boxes by sequence name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from odtrack_eval.backend import Backend, choose_backend
from odtrack_eval.metrics.aggregation import OPEResult
from odtrack_eval.metrics.preparation import TruthCache, prepare_run
from odtrack_eval.metrics.scoring import score_run
from odtrack_eval.metrics.truth import SequenceTruth, truths_of
from odtrack_eval.protocols import Protocol
from odtrack_eval.sequence import Dataset
from odtrack_eval.sequence import Sequence as DatasetSequence

__all__ = ["run_statistics", "evaluate_runs", "RUN_KEYS"]

#: The per-run statistics :func:`run_statistics` returns (and :meth:`OPEResult.from_runs` takes).
RUN_KEYS = ("success", "precision", "norm_precision", *OPEResult.RUN_STAT_KEYS)


def run_statistics(
    truths: Sequence[SequenceTruth],
    runs: Sequence[Sequence[np.ndarray]],
    protocol: Protocol,
    backend: Backend = Backend.NUMPY,
    shared: TruthCache | None = None,
) -> list[dict[str, np.ndarray]]:
    """Per run, the per-sequence statistics (:data:`RUN_KEYS`); ``runs[r][i]`` are run r's boxes of
    ``truths[i]``; ``protocol`` already resolved for the benchmark (:meth:`Protocol.for_benchmark`).
    ``shared``: what the trackers of one evaluation derive from the same truths (made here when None)."""
    shared = shared if shared is not None else TruthCache()
    out = []
    for boxes in runs:
        rc = score_run(prepare_run(truths, boxes, protocol, shared), protocol, backend)
        out.append({**rc.curves, "success_counts": rc.counts["success"], "frames": rc.frames["success"],
                    "iou_sum": rc.iou_sum, "iou_count": rc.iou_count})  # fmt: skip
    return out


def evaluate_runs(
    tracker: str,
    dataset: Dataset | Sequence[DatasetSequence],
    runs: Sequence[Mapping[str, np.ndarray]],
    protocol: Protocol,
    backend: Backend | None = None,
) -> OPEResult:
    """Evaluate one tracker (one or more runs, each a mapping sequence name -> boxes).

    Every run must cover the same sequences; the evaluated set is the dataset's sequences (in
    order) that the runs contain. Per-sequence curves are averaged over runs, as pytracking's
    ``merge_results`` does. ``backend``: None chooses by the size of the boxes.
    """
    proto = protocol.for_benchmark(getattr(dataset, "tag", ""))
    sequences = [s for s in dataset if s.name in runs[0]]
    boxes = [[np.asarray(r[s.name]) for s in sequences] for r in runs]
    if backend is None:
        backend = choose_backend(sum(b.nbytes for run in boxes for b in run))
    stats = run_statistics(truths_of(sequences), boxes, proto, backend)
    return OPEResult.from_runs(tracker, proto, [s.name for s in sequences], stats)
