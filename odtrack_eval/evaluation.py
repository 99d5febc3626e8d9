"""Evaluate every tracker in a results folder on one dataset under one protocol.

This is the glue of the one-way flow dataset -> results store -> metrics: it finds the
trackers, loads their runs, applies the missing-sequence policy and runs the OPE engine. Errors
of one tracker are collected, never allowed to hide the others' numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from odtrack_eval.errors import OdtrackEvalError, ResultsError
from odtrack_eval.metrics.ope import OPEResult, evaluate_runs
from odtrack_eval.protocols import Protocol
from odtrack_eval.results import discover_trackers, load_tracker, validate_run
from odtrack_eval.sequence import Dataset

#: Findings that are only worth a warning (fatal ones are raised by the protocol in the engine).
WARN_KINDS = ("looks_like_corners", "length_mismatch", "zero_size")


@dataclass
class Evaluation:
    """Results of all trackers of one results folder: scores, warnings, and per-tracker errors."""

    dataset: Dataset
    protocol: Protocol
    results: list[OPEResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def sequence_names(self) -> list[str]:
        return self.results[0].sequence_names if self.results else []


def evaluate_folder(
    dataset: Dataset,
    results_dir: str | Path,
    protocol: Protocol,
    *,
    trackers: list[str] | None = None,
    allow_missing: bool = False,
    cache: bool = True,
) -> Evaluation:
    """Evaluate the trackers in ``results_dir`` (one folder per tracker) on ``dataset``.

    With ``allow_missing`` the sequences missing for any tracker are excluded for all of them
    (pytracking's ``skip_missing_seq``), so every tracker is scored on the same set.
    """
    results_dir = Path(results_dir)
    entries = discover_trackers(results_dir, dataset.tag)
    if trackers:
        wanted = set(trackers)
        unknown = wanted - {e.name for e in entries} - {e.tracker for e in entries}
        if unknown:
            raise ResultsError(
                f"no results for {sorted(unknown)} in {results_dir}; found: {sorted(e.name for e in entries)}"
            )
        entries = [e for e in entries if e.name in wanted or e.tracker in wanted]
    if not entries:
        raise ResultsError(f"{results_dir}: no tracker results found (expected one folder per tracker)")
    out = Evaluation(dataset, protocol)
    loaded = {}
    for entry in entries:
        try:
            runs = load_tracker(entry, dataset, allow_missing=allow_missing, cache=cache)
        except OdtrackEvalError as exc:
            out.errors[entry.name] = str(exc)
            continue
        loaded[entry.name] = runs
        missing = sorted({m for r in runs for m in r.missing})
        if missing:
            out.missing[entry.name] = tuple(missing)
        for run in runs:
            for finding in validate_run(run, dataset):
                if finding.kind in WARN_KINDS:
                    out.warnings.append(f"{entry.name}: {finding}")
    excluded = {m for names in out.missing.values() for m in names}
    evaluated = dataset.subset([s for s in dataset if s.name not in excluded])
    for name, runs in loaded.items():
        try:
            out.results.append(evaluate_runs(name, evaluated, [r.boxes for r in runs], protocol))
        except OdtrackEvalError as exc:
            out.errors[name] = str(exc)
    return out
