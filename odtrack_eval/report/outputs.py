"""What an evaluation shows, whatever its protocol's kind: its tables, its JSON document and its report
folder. One-pass evaluations use :mod:`.tables`, :mod:`.documents` and :mod:`.build`; multistart (VOT)
ones :mod:`.vot`. The choice is read from the protocol's ``kind`` here, so commands never branch on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from odtrack_eval.report.tables import Table
from odtrack_eval.store import ArrayStore

#: How many sequences of a one-pass report get a timeline (the ones where the trackers disagree most).
DEFAULT_TIMELINES = 30

__all__ = ["evaluation_json", "evaluation_tables", "write_report"]


def evaluation_tables(
    evaluation: Any, *, attributes: bool = False, per_sequence: bool = False, extra: list[Table] | None = None
) -> list[Table]:
    """The leaderboard (with its footnotes), then ``extra`` (e.g. confidence intervals), then the per-attribute
    (per-tag) and per-sequence tables when asked."""
    if evaluation.protocol.kind == "multistart":
        from odtrack_eval.report import vot

        parts = [vot.vot_table(evaluation), *(extra or [])]
        parts += [vot.tag_table(evaluation)] if attributes else []
        return parts + ([vot.sequence_table(evaluation)] if per_sequence else [])
    from odtrack_eval.report import tables

    parts = [tables.ope_table(evaluation), *(extra or [])]
    parts += [tables.attribute_table(evaluation)] if attributes else []
    return parts + ([tables.sequence_table(evaluation)] if per_sequence else [])


def evaluation_json(evaluation: Any, *, attributes: bool = False, per_sequence: bool = False, **parts: Any) -> str:
    """The ``evaluate --format json`` document (``"refused"`` lists refused trackers in both kinds). ``parts``:
    the one-pass document's optional blocks (``cis``, ``ci_settings``, ``speed``, ``failures``: see
    :func:`odtrack_eval.report.documents.evaluation_to_dict`)."""
    if evaluation.protocol.kind == "multistart":
        from odtrack_eval.report import vot

        return vot.to_json(evaluation, tags=attributes, sequences=per_sequence)
    from odtrack_eval.report import documents

    return documents.to_json(evaluation, attributes=attributes, sequences=per_sequence, **parts)


def write_report(
    evaluation: Any,
    out_dir: Path,
    results_dir: Path,
    *,
    cache: ArrayStore | None,
    paper_names: Mapping[str, str] | None = None,
    trackers: list[str] | None = None,
    allow_missing: bool = False,
    strict: bool = False,
    timelines: int | None = DEFAULT_TIMELINES,
) -> tuple[Path, str]:
    """Write the report folder; returns its ``index.html`` and a one-line summary of what was written.

    One-pass reports include the inspection of the results folder (``odtrack-eval inspect``), the failure
    analysis and the sequence pages (``timelines``: how many sequences get a timeline, None all).
    """
    if evaluation.protocol.kind == "multistart":
        from odtrack_eval.report.vot import build_vot_report

        index = build_vot_report(evaluation, out_dir, cache=cache)
        return index, f"wrote {index}"
    from odtrack_eval.report.build import build_report
    from odtrack_eval.results.inspection import inspect_evaluated

    inspection = inspect_evaluated(evaluation, results_dir, trackers=trackers, allow_missing=allow_missing,
                                   strict=strict, store=cache)  # fmt: skip
    files = build_report(evaluation, out_dir, results_dir, cache=cache, paper_names=paper_names, inspection=inspection,
                         trackers=trackers, timelines=timelines)  # fmt: skip
    n_tables = sum(len(v) for v in files.tables.values())
    n_figs = sum(len(v) for v in files.figures.values())
    pages = len(files.sequence_pages)
    return files.index, f"wrote {files.index} ({n_tables} table files, {n_figs} figure files, {pages} sequence files)"
