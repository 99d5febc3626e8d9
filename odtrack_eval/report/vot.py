"""Tables and the JSON document of a VOT evaluation (same shapes as the OPE ones of ``report.tables``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from odtrack_eval.metrics.schema import score
from odtrack_eval.protocols.multistart import VOT_PROTOCOLS
from odtrack_eval.report.documents import json_safe, refused
from odtrack_eval.report.tables import Column, Table, benchmark_label, outcome_notes, score_columns
from odtrack_eval.store import ArrayStore
from odtrack_eval.vot.analysis import VotEvaluation

#: EAO, A, R as the schema declares them (the VOT protocols' scores).
VOT_COLUMNS = score_columns(VOT_PROTOCOLS[0].metrics)


def vot_table(ev: VotEvaluation) -> Table:
    """The EAO / A / R leaderboard (the protocol's scores), best first by its first score, EAO (as the
    one-pass leaderboards sort by AUC)."""
    columns = score_columns(ev.protocol.metrics)
    first = score(ev.protocol.metrics[0])
    rows = sorted(((r.tracker, r.scores()) for r in ev.results), key=lambda row: first.better_first(row[1][first.key]))
    notes = [f"protocol {ev.protocol.name}: {len(ev.sequence_names)} sequences; EAO over frames "
             f"{ev.protocol.eao_low}..{ev.protocol.eao_high - 1}, fractions as vot-toolkit reports them"]  # fmt: skip
    notes += outcome_notes(ev)  # (refused trackers: format, missing runs)
    return Table(f"{benchmark_label(ev)}: VOT multistart (EAO, accuracy, robustness)", columns, rows, notes)


def tag_table(ev: VotEvaluation) -> Table:
    tags: list[str] = []
    for r in ev.results:
        tags += [t for t in r.tags if t not in tags]
    columns = tuple(Column.from_score(score("accuracy"), t, t) for t in tags)
    rows = [(r.tracker, {t: v["accuracy"] for t, v in r.tags.items()}) for r in ev.results]
    return Table(f"{ev.dataset.name}: accuracy per tag (tracked frames carrying the tag)", columns, rows)


def sequence_table(ev: VotEvaluation) -> Table:
    names = [r.tracker for r in ev.results]
    per = {r.tracker: r.sequence_scores() for r in ev.results}
    columns = tuple(Column.from_score(score("accuracy"), n, n) for n in names)
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
        "refused": refused(ev.errors),  # (nothing is repaired in multistart analyses)
    }


def to_json(ev: VotEvaluation, tags: bool = False, sequences: bool = False) -> str:
    return json.dumps(json_safe(to_dict(ev, tags, sequences)), indent=2, allow_nan=False)


def build_vot_report(ev: VotEvaluation, out_dir: str | Path, cache: ArrayStore | None = None) -> Path:
    """Write a VOT2020 report folder: the EAO/A/R leaderboard, per-tag and per-sequence accuracy (txt, md,
    csv, tex, json), the EAO curve and the A-R plot (png, pdf), ``evaluation.json`` and a self-contained
    ``index.html``, as ``odtrack-eval report`` does for one-pass benchmarks. Returns the index path."""
    from odtrack_eval.report import html as html_report
    from odtrack_eval.report import plots, vot_plots
    from odtrack_eval.report.build import write_table
    from odtrack_eval.report.files import write_text

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = sorted((r.tracker for r in ev.results), key=lambda n: (n.lower(), n))  # colours independent of scores
    styles = plots.tracker_styles(names)
    results = sorted(ev.results, key=lambda r: names.index(r.tracker))
    page_tables = [("Leaderboard", vot_table(ev))]
    written = write_table(page_tables[0][1], out / "leaderboard")
    tags = tag_table(ev)
    if tags.columns:
        page_tables.append(("Accuracy per tag", tags))
        written += write_table(tags, out / "accuracy_per_tag")
    written += write_table(sequence_table(ev), out / "accuracy_per_sequence")
    doc = json.dumps(json_safe(to_dict(ev, tags=True, sequences=True, curve=True)), indent=2, allow_nan=False)
    written.append(write_text(out / "evaluation.json", doc + "\n"))
    p = ev.protocol
    # curve[j] is the expected overlap for sequence length j (j = 0 unused): the plot takes lengths 1..
    curves = {r.tracker: r.curve[1:] for r in results}
    eao = vot_plots.eao_curve(curves, p.eao_low, p.eao_high - 1, out / "figures" / "eao_curve", styles, cache=cache)
    points = {r.tracker: (r.accuracy, r.robustness) for r in results}
    ar = vot_plots.ar_plot(points, out / "figures" / "ar_plot", styles, cache=cache)
    figs = [
        html_report.FigureRef("Expected average overlap curve (EAO interval shaded)", eao["png"], {"pdf": eao["pdf"]}),
        html_report.FigureRef("Accuracy-robustness", ar["png"], {"pdf": ar["pdf"]}),
    ]
    written += [*eao.values(), *ar.values()]
    index = out / "index.html"
    write_text(index, html_report.render_index(ev, page_tables, figs, out, files=sorted(written)))
    return index
