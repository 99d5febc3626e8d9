"""One entry for every protocol: :func:`evaluate` scores a results folder with the pipeline the
protocol names (one-pass: :func:`odtrack_eval.evaluation.evaluate_folder`; multistart, VOT:
:func:`odtrack_eval.vot.analysis.evaluate_results`), so callers never branch on the protocol's type.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from odtrack_eval.protocols import RuleSet
from odtrack_eval.sequence import Dataset

__all__ = ["evaluate"]


def evaluate(
    dataset: Dataset,
    results_dir: str | Path,
    protocol: RuleSet,
    *,
    trackers: list[str] | None = None,
    allow_missing: bool = False,
    cache: bool = True,
    strict: bool = False,
    realtime: float | None = None,
) -> Any:
    """The evaluation of every tracker of ``results_dir`` on ``dataset`` under ``protocol`` (an
    :class:`~odtrack_eval.evaluation.Evaluation` or a :class:`~odtrack_eval.vot.analysis.VotEvaluation`:
    both list ``results``, ``errors`` (refused trackers), ``warnings``, ``missing`` and ``repairs``).
    ``realtime``: the real-time estimate at this frame rate (one-pass protocols only)."""
    if realtime is not None and protocol.kind != "one-pass":
        from odtrack_eval.errors import OdtrackEvalError

        raise OdtrackEvalError(f"--realtime estimates one-pass benchmarks; protocol {protocol.name} is {protocol.kind}")
    options = {"realtime": realtime} if realtime is not None else {}
    module, function = protocol.pipeline.split(":")
    run = getattr(importlib.import_module(module), function)
    return run(dataset, Path(results_dir), protocol, trackers=trackers, allow_missing=allow_missing, cache=cache,
               strict=strict, **options)  # fmt: skip
