"""JSON documents: a table (values unrounded, with ranks, spreads and flags) and an evaluation (the
``evaluate --format json`` document); NaN and infinities become null."""

from __future__ import annotations

import json
import math
from typing import Any

from odtrack_eval.evaluation import Evaluation
from odtrack_eval.frame_results import FailureAnalysis
from odtrack_eval.report.failures import failures_dict
from odtrack_eval.report.tables import Table, main_keys

__all__ = ["evaluation_to_dict", "json_safe", "outcomes", "refused", "table_to_dict", "table_to_json", "to_json"]


def table_to_dict(table: Table) -> dict[str, Any]:
    """A table as JSON-ready data (unrounded values, ranks and spreads included)."""
    ranks = table.ranks()
    return {
        "title": table.title,
        "columns": [
            {"key": c.key, "label": c.label, "group": c.group, "higher_is_better": c.higher_is_better}
            for c in table.columns
        ],  # fmt: skip
        "rows": [
            {
                "tracker": name,
                "values": {c.key: vals.get(c.key) for c in table.columns},
                "ranks": ranks[name],
                **({"flagged": sorted(k for n, k in table.flagged if n == name)}
                   if any(n == name for n, _ in table.flagged) else {}),
                **(
                    {
                        "spread": {
                            k: {"std": sp.std, "min": sp.low, "max": sp.high, "runs": sp.runs}
                            for k, sp in table.spreads[name].items()
                        }
                    }
                    if name in table.spreads
                    else {}
                ),
            }
            for name, vals in table.rows
        ],
        "notes": table.notes,
    }


def table_to_json(table: Table) -> str:
    return json.dumps(json_safe(table_to_dict(table)), indent=2, allow_nan=False)


def evaluation_to_dict(
    evaluation: Evaluation,
    attributes: bool = False,
    sequences: bool = False,
    cis: dict[str, dict[str, tuple[float, float]]] | None = None,
    ci_settings: dict[str, Any] | None = None,
    speed: dict[str, dict[str, Any]] | None = None,
    failures: FailureAnalysis | None = None,
) -> dict[str, Any]:
    """The CLI's JSON document: values in percent, unrounded (``ci95``: tracker -> metric -> [low, high];
    ``ci_settings``: how they were made, e.g. resamples and seed, under ``"ci"``; ``speed``: tracker -> its
    ``"speed"`` block, :func:`odtrack_eval.report.speed.speed_block`; ``failures``: the failure analysis,
    under ``"failures"``)."""
    trackers = []
    keys = main_keys(evaluation)
    for r in evaluation.results:
        entry: dict[str, Any] = {"name": r.tracker, **r.scores()}
        if cis is not None and r.tracker in cis:
            entry["ci95"] = {m: list(v) for m, v in cis[r.tracker].items()}
        if speed is not None and r.tracker in speed:
            entry["speed"] = speed[r.tracker]
        if attributes:
            entry["attributes"] = {
                code: {k: v[k] for k in (*keys, "num_sequences")}
                for code, v in r.attribute_scores(evaluation.dataset).items()
            }
        if sequences:
            entry["sequences"] = {name: {k: v[k] for k in keys} for name, v in r.sequence_scores().items()}
        trackers.append(entry)
    return {
        "dataset": evaluation.dataset.name,
        "protocol": evaluation.protocol.name,
        "num_sequences": len(evaluation.sequence_names),
        **({"ci": ci_settings} if ci_settings else {}),
        "trackers": trackers,
        **({"failures": failures_dict(failures)} if failures is not None else {}),
        **outcomes(evaluation),
    }


def outcomes(evaluation: Any) -> dict[str, list[dict[str, Any]]]:
    """What every JSON document says besides the scores: ``"refused"`` and ``"repaired"`` trackers."""
    repairs = getattr(evaluation, "repairs", {})
    return {"refused": refused(evaluation.errors),
            "repaired": [{"name": name, "notes": notes} for name, notes in repairs.items()]}  # fmt: skip


def refused(errors: dict[str, str]) -> list[dict[str, str]]:
    """Refused trackers as JSON: ``[{"name", "reason"}]``."""
    return [{"name": name, "reason": reason} for name, reason in errors.items()]


def json_safe(obj: Any) -> Any:
    """NaN/inf are not JSON: they become null."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def to_json(evaluation: Evaluation, **options: Any) -> str:
    """:func:`evaluation_to_dict`'s document (the same options) as JSON text."""
    return json.dumps(json_safe(evaluation_to_dict(evaluation, **options)), indent=2, allow_nan=False)
