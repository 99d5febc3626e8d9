"""Tables and the JSON document of a VOT evaluation (same shapes as the OPE ones of ``report.tables``)."""

from __future__ import annotations

import json
from typing import Any

from odtrack_eval.report.tables import Column, Table, _json_safe
from odtrack_eval.vot.analysis import VotEvaluation

VOT_COLUMNS = (Column("eao", "EAO", decimals=3), Column("accuracy", "A", decimals=3),
               Column("robustness", "R", decimals=3))  # fmt: skip


def vot_table(ev: VotEvaluation) -> Table:
    rows = [(r.tracker, r.scores()) for r in ev.results]
    notes = [f"protocol {ev.protocol.name}: {len(ev.sequence_names)} sequences; EAO over frames "
             f"{ev.protocol.eao_low}..{ev.protocol.eao_high - 1}, fractions as vot-toolkit reports them"]  # fmt: skip
    return Table(f"{ev.dataset.name}: VOT multistart (EAO, accuracy, robustness)", VOT_COLUMNS, rows, notes)


def tag_table(ev: VotEvaluation) -> Table:
    tags: list[str] = []
    for r in ev.results:
        tags += [t for t in r.tags if t not in tags]
    columns = tuple(Column(t, t, decimals=3) for t in tags)
    rows = [(r.tracker, {t: v["accuracy"] for t, v in r.tags.items()}) for r in ev.results]
    return Table(f"{ev.dataset.name}: accuracy per tag (tracked frames carrying the tag)", columns, rows)


def sequence_table(ev: VotEvaluation) -> Table:
    names = [r.tracker for r in ev.results]
    per = {r.tracker: r.sequence_scores() for r in ev.results}
    columns = tuple(Column(n, n, decimals=3) for n in names)
    rows = [(s, {n: per[n][s]["accuracy"] for n in names}) for s in ev.sequence_names]
    return Table(f"{ev.dataset.name}: accuracy per sequence", columns, rows)


def to_dict(ev: VotEvaluation, tags: bool = False, sequences: bool = False, curve: bool = False) -> dict[str, Any]:
    trackers = []
    for r in ev.results:
        entry: dict[str, Any] = {"name": r.tracker, **r.scores(), "num_runs": r.num_runs,
                                 "failures": sum(run.failed for s in r.sequences for run in s.runs)}  # fmt: skip
        if tags:
            entry["tags"] = r.tags
        if sequences:
            entry["sequences"] = r.sequence_scores()
        if curve:
            entry["eao_curve"] = r.curve.tolist()
        trackers.append(entry)
    return {
        "dataset": ev.dataset.name,
        "protocol": ev.protocol.name,
        "num_sequences": len(ev.sequence_names),
        "trackers": trackers,
    }


def to_json(ev: VotEvaluation, tags: bool = False, sequences: bool = False) -> str:
    return json.dumps(_json_safe(to_dict(ev, tags, sequences)), indent=2, allow_nan=False)
