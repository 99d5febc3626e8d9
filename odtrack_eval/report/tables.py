"""Leaderboard tables: one data structure, generic writers (text, markdown, CSV, LaTeX, JSON).

Columns declare their label and direction, so the writers can mark the best two per column the
way papers do (console: bold/underline; LaTeX: bold/underline; Markdown: bold/italic). A column may
belong to a header group (the benchmark in a several-benchmark table like the ODTrack paper's
Table 2), and a cell may carry a spread across runs (mean ± std, min–max), shown next to the mean.
Which scores exist, their labels, decimals and direction come from the score schema
(:mod:`odtrack_eval.metrics.schema`), so a new score needs no edit here.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Collection
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from odtrack_eval.evaluation import Evaluation
from odtrack_eval.metrics.aggregation import OPEResult
from odtrack_eval.metrics.schema import SCORES, Score, headline_keys, score, scores_for
from odtrack_eval.protocols import DEFAULT_PROTOCOL, get_protocol


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    higher_is_better: bool = True
    decimals: int = 1
    #: Header group (e.g. the benchmark) for tables with several benchmarks side by side.
    group: str = ""
    #: Whether the best two values are marked (not for e.g. confidence bounds).
    ranked: bool = True

    @classmethod
    def from_score(cls, s: Score, key: str | None = None, label: str | None = None, **kw: Any) -> Column:
        """A column of score ``s``: label, direction and decimals from the schema (``key``/``label``
        override the schema's for derived columns such as ``otb100:auc`` or ``AUC low``)."""
        return cls(key or s.key, s.label if label is None else label, s.higher_is_better, s.decimals, **kw)


@dataclass(frozen=True)
class Spread:
    """Spread of one score over the runs of a tracker (percent)."""

    std: float
    low: float
    high: float
    runs: int


def score_columns(keys: SequenceABC[str]) -> tuple[Column, ...]:
    """Columns of the scores ``keys`` in the schema's (paper) order; an unknown key is an error."""
    for k in keys:
        score(k)
    return tuple(Column.from_score(s) for s in scores_for(keys))


#: Keys of :meth:`OPEResult.scores` under the OPE protocols (the default protocol's, in its order).
SCORE_KEYS = get_protocol(DEFAULT_PROTOCOL).metrics
OPE_COLUMNS = score_columns(SCORE_KEYS)
#: Speed; ranked, except for baselines (:func:`odtrack_eval.report.speed.baseline_trackers`): a tracker that
#: does nothing (``static``) would be the "best".
FPS_COLUMN = Column.from_score(SCORES["fps"])


def protocol_columns(evaluation: Evaluation) -> tuple[Column, ...]:
    """The columns of the scores the evaluation's protocol reports (``Protocol.metrics``)."""
    return score_columns(evaluation.protocol.metrics)


def main_keys(evaluation: Evaluation) -> tuple[str, ...]:
    """The headline scores in the protocol's order, used for per-attribute and per-sequence listings."""
    return headline_keys(evaluation.protocol)


@dataclass
class Table:
    """Rows of ``{column key: value}`` keyed by tracker name, with a title and footnotes."""

    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[str, dict[str, float]]]
    notes: list[str] = field(default_factory=list)
    #: tracker -> column key -> spread over runs (only for trackers with several runs).
    spreads: dict[str, dict[str, Spread]] = field(default_factory=dict)
    #: (row, column key) of cells marked with a dagger (e.g. differing from a paper beyond its rounding).
    flagged: set[tuple[str, str]] = field(default_factory=set)
    #: Rank the values of each row across the columns (columns are trackers, rows e.g. sequences) instead
    #: of each column across the rows.
    rank_across_row: bool = False
    #: What the rows are (the first column's header).
    row_label: str = "Tracker"
    #: (row, column key) of cells left out of the ranking (a baseline's speed).
    unranked: set[tuple[str, str]] = field(default_factory=set)

    def dagger(self, name: str, key: str, mark: str = "†") -> str:
        """``mark`` for a flagged cell, else ""."""
        return mark if (name, key) in self.flagged else ""

    def ranks(self) -> dict[str, dict[str, int]]:
        """Rank (1 = best) of each tracker per column (per row with :attr:`rank_across_row`); ties share a
        rank; NaN is unranked."""
        out: dict[str, dict[str, int]] = {name: {} for name, _ in self.rows}
        if self.rank_across_row:
            ranked = [c for c in self.columns if c.ranked]
            for name, vals in self.rows:
                finite = [(vals[c.key], c) for c in ranked if _finite(vals.get(c.key)) and (name, c.key) not in
                          self.unranked]  # fmt: skip
                if len(finite) < 2:
                    continue
                uniq = sorted({round(v, 6) for v, _ in finite}, reverse=ranked[0].higher_is_better)
                out[name] = {c.key: uniq.index(round(v, 6)) + 1 for v, c in finite}
            return out
        for col in (c for c in self.columns if c.ranked):
            vals = [(v[col.key], n) for n, v in self.rows if _finite(v.get(col.key)) and (n, col.key) not in
                    self.unranked]  # fmt: skip
            uniq = sorted({round(v, 6) for v, _ in vals}, reverse=col.higher_is_better)
            for v, n in vals:
                out[n][col.key] = uniq.index(round(v, 6)) + 1
        return out


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def _fmt(v: Any, decimals: int) -> str:
    return f"{v:.{decimals}f}" if _finite(v) else "–"


def _spread_text(table: Table, name: str, col: Column, plus: str = "±", dash: str = "–") -> str:
    """`` ± std (min–max)`` for a cell with several runs, else empty."""
    sp = table.spreads.get(name, {}).get(col.key)
    if sp is None:
        return ""
    d = col.decimals
    return f" {plus} {sp.std:.{d}f} ({sp.low:.{d}f}{dash}{sp.high:.{d}f})"


def run_spreads(result: OPEResult, keys: SequenceABC[str] | None = None) -> dict[str, Spread]:
    """Spread of each score (default: the protocol's) over the runs of ``result`` (empty with a single run).

    Each run is scored like the merged result (same protocol read-outs), from
    :attr:`OPEResult.run_curves`, so the numbers come from the content-keyed evaluation.
    """
    if result.num_runs < 2 or len(result.run_curves) < 2:
        return {}
    per_run = [r.scores() for r in result.per_run()]
    keys = result.protocol.metrics if keys is None else keys
    out = {}
    for k in keys:
        vals = np.array([s[k] for s in per_run], dtype=np.float64)
        vals = vals[np.isfinite(vals)]
        if len(vals) > 1:
            out[k] = Spread(float(np.std(vals, ddof=1)), float(vals.min()), float(vals.max()), len(vals))
    return out


def ope_table(
    evaluation: Evaluation,
    columns: SequenceABC[Column] | None = None,
    fps: bool = False,
    spread: bool = True,
    baselines: Collection[str] | None = None,
) -> Table:
    """Leaderboard sorted by the protocol's first score (AUC, or AO). ``columns`` default to the
    protocol's scores; ``fps`` adds the speed column (from the ``_time.txt`` files) when at least one
    tracker has times, never marked for ``baselines`` (default: those the tracker registry marks);
    ``spread`` shows mean ± std (min–max) over runs for multi-run trackers."""
    columns = protocol_columns(evaluation) if columns is None else tuple(columns)
    first = evaluation.protocol.metrics[0]
    rows = [(r.tracker, r.scores()) for r in evaluation.results]
    cols = list(columns)
    if fps and any(r.fps is not None for r in evaluation.results):
        cols.append(FPS_COLUMN)
        speeds = {r.tracker: r.fps for r in evaluation.results}
        rows = [(n, {**v, FPS_COLUMN.key: math.nan if speeds[n] is None else speeds[n]}) for n, v in rows]
    rows.sort(key=lambda nv: score(first).better_first(nv[1][first]))
    title = (f"{benchmark_label(evaluation)} ({len(evaluation.sequence_names)} sequences), protocol "
             f"{evaluation.protocol.name}")  # fmt: skip
    table = Table(title, tuple(cols), rows)
    if FPS_COLUMN in cols:
        if baselines is None:
            from odtrack_eval.report.speed import baseline_trackers

            baselines = baseline_trackers(evaluation)
        table.unranked = {(name, FPS_COLUMN.key) for name in baselines}
    if spread:
        table.spreads = {r.tracker: sp for r in evaluation.results if (sp := run_spreads(r, [c.key for c in columns]))}
        if table.spreads:
            runs = ", ".join(f"{r.tracker}: {r.num_runs}" for r in evaluation.results if r.tracker in table.spreads)
            table.notes.append(f"Runs per tracker ({runs}): score of all runs together ± std over runs "
                               "(min–max over runs).")  # fmt: skip
    table.notes += outcome_notes(evaluation)
    return table


def outcome_notes(evaluation: Evaluation) -> list[str]:
    """Footnotes for what is not in the rows: repairs the protocol made, and trackers it refused."""
    notes = [note for notes in evaluation.repairs.values() for note in notes]  # ("Repaired: ..." or "Suspect: ...")
    return notes + [f"Refused: {name}: {reason}" for name, reason in evaluation.errors.items()]


def benchmark_columns(evaluation: Evaluation) -> tuple[Column, ...]:
    """The scores a paper prints for this benchmark (the schema's headline scores, paper order): AUC,
    P_norm, P for one-pass protocols, AO, SR0.5, SR0.75 for GOT-10k (the ODTrack paper's Table 2)."""
    return score_columns(headline_keys(evaluation.protocol))


def benchmarks_table(
    evaluations: SequenceABC[Evaluation],
    columns: SequenceABC[Column] | None = None,
    title: str = "",
) -> Table:
    """Several benchmarks side by side (the ODTrack paper's Table 2): one row per tracker, one group
    of columns per evaluation (``columns``, or each benchmark's own, :func:`benchmark_columns`); a
    tracker missing from a benchmark shows "–". Rows follow the order in which trackers first appear;
    the caller may sort ``table.rows``."""
    rows: dict[str, dict[str, float]] = {}
    cols: list[Column] = []
    spreads: dict[str, dict[str, Spread]] = {}
    for ev in evaluations:
        group = ev.dataset.name
        own = tuple(columns) if columns is not None else benchmark_columns(ev)
        for c in own:
            cols.append(replace(c, key=f"{group}:{c.key}", group=benchmark_label(ev)))
        for r in ev.results:
            scores = r.scores()
            row = rows.setdefault(r.tracker, {})
            for c in own:
                if c.key in scores:
                    row[f"{group}:{c.key}"] = scores[c.key]
            for k, sp in run_spreads(r, [c.key for c in own if c.key in scores]).items():
                spreads.setdefault(r.tracker, {})[f"{group}:{k}"] = sp
    protocols = sorted({ev.protocol.name for ev in evaluations})
    title = title or f"{', '.join(benchmark_label(ev) for ev in evaluations)}; protocol {', '.join(protocols)}"
    return Table(title, tuple(cols), list(rows.items()), spreads=spreads)


def _groups(table: Table) -> list[tuple[str, int]]:
    """Consecutive header groups as (name, number of columns); empty when no column has a group."""
    if not any(c.group for c in table.columns):
        return []
    out: list[tuple[str, int]] = []
    for c in table.columns:
        if out and out[-1][0] == c.group:
            out[-1] = (c.group, out[-1][1] + 1)
        else:
            out.append((c.group, 1))
    return out


def to_text(table: Table, color: bool = False) -> str:
    """Aligned plain-text table (one decimal like papers); best two per column marked * and ' when
    not coloured, bold and underlined on a terminal."""
    ranks = table.ranks()
    headers = [table.row_label, *(c.label for c in table.columns)]
    body = []
    for name, vals in table.rows:
        cells = [name]
        for c in table.columns:
            s = _fmt(vals.get(c.key), c.decimals) + table.dagger(name, c.key)
            r = ranks[name].get(c.key)
            if (len(table.rows) > 1 or table.rank_across_row) and r in (1, 2):
                s = (
                    (f"\x1b[1m{s}\x1b[0m" if r == 1 else f"\x1b[4m{s}\x1b[0m")
                    if color
                    else s + ("*" if r == 1 else "'")
                )
            cells.append(s + _spread_text(table, name, c))
        body.append(cells)
    visible = [[_strip_ansi(c) for c in row] for row in body]
    widths = [max(len(h), *(len(r[i]) for r in visible)) if visible else len(h) for i, h in enumerate(headers)]
    groups = _groups(table)
    if groups:  # widen the last column of a group if its name is longer than the columns under it
        i = 1
        for g, n in groups:
            span = sum(widths[i : i + n]) + 2 * (n - 1)
            if len(g) > span:
                widths[i + n - 1] += len(g) - span
            i += n
    lines = [table.title]
    if groups:
        parts, i = [" " * widths[0]], 1
        for g, n in groups:
            parts.append(g.center(sum(widths[i : i + n]) + 2 * (n - 1)))
            i += n
        lines.append("  ".join(parts).rstrip())
    lines.append(
        "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))
    )
    lines.append("  ".join("-" * w for w in widths))
    for row, vis in zip(body, visible, strict=True):
        lines.append("  ".join(
            (c + " " * (w - len(v))) if i == 0 else (" " * (w - len(v)) + c)
            for i, (c, v, w) in enumerate(zip(row, vis, widths, strict=True))
        ))  # fmt: skip
    if (len(table.rows) > 1 or table.rank_across_row) and any(c.ranked for c in table.columns):
        lines.append("(* best, ' second best)" if not color else "(bold best, underlined second best)")
    lines.extend(table.notes)
    return "\n".join(lines)


def _strip_ansi(s: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", s)


def _marked(
    table: Table, ranks: dict[str, dict[str, int]], name: str, vals: dict, column: Column, best: str, second: str
) -> str:
    """The formatted value, wrapped in ``best``/``second`` (format strings) when it ranks first/second."""
    s = _fmt(vals.get(column.key), column.decimals) + table.dagger(name, column.key)
    rank = ranks[name].get(column.key) if len(table.rows) > 1 or table.rank_across_row else None
    return best.format(s) if rank == 1 else second.format(s) if rank == 2 else s


def to_markdown(table: Table) -> str:
    ranks = table.ranks()
    labels = [f"{c.group} {c.label}" if c.group else c.label for c in table.columns]
    lines = [f"**{table.title}**", "", f"| {table.row_label} | " + " | ".join(labels) + " |"]
    lines.append("|---|" + "---:|" * len(table.columns))
    for name, vals in table.rows:
        cells = [
            _marked(table, ranks, name, vals, c, "**{}**", "_{}_") + _spread_text(table, name, c) for c in table.columns
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.extend(["", *table.notes] if table.notes else [])
    return "\n".join(lines)


def _latex_escape(s: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#"), ("$", r"\$")):
        s = s.replace(a, b)
    return s


def to_latex(table: Table) -> str:
    """booktabs tabular; best in bold, second underlined; groups as \\multicolumn headers with
    \\cmidrule; spreads as ``$\\pm$std``."""
    ranks = table.ranks()
    groups = _groups(table)
    lines = [
        f"% {table.title}",
        r"\begin{tabular}{l" + "c" * len(table.columns) + "}",
        r"\toprule",
    ]
    if groups:
        heads, rules, i = [""], [], 2
        for g, n in groups:
            heads.append(rf"\multicolumn{{{n}}}{{c}}{{{_latex_escape(g)}}}" if n > 1 else _latex_escape(g))
            rules.append(rf"\cmidrule(lr){{{i}-{i + n - 1}}}")
            i += n
        lines.append(" & ".join(heads) + r" \\")
        lines.append(" ".join(rules))
    lines += [f"{table.row_label} & " + " & ".join(_latex_escape(c.label) for c in table.columns) + r" \\",
              r"\midrule"]
    for name, vals in table.rows:
        cells = []
        for c in table.columns:
            s = _marked(table, ranks, name, vals, c, r"\textbf{{{}}}", r"\underline{{{}}}")
            s = s.replace("†", r"$^\dagger$")
            sp = table.spreads.get(name, {}).get(c.key)
            if sp is not None:
                s += rf"$\pm${sp.std:.{c.decimals}f}"
            cells.append(s)
        lines.append(_latex_escape(name) + " & " + " & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    lines += ["% " + note.replace("\n", "\n% ") for note in table.notes]
    return "\n".join(lines)


def to_csv(table: Table) -> str:
    """Full-precision CSV (machines read it; no rounding). Spreads add ``<key>_std/_min/_max``
    columns when any tracker has several runs."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    spread_keys = [c.key for c in table.columns if any(c.key in sp for sp in table.spreads.values())]
    extra = [f"{k}_{s}" for k in spread_keys for s in ("std", "min", "max")]
    w.writerow([table.row_label.lower(), *(c.key for c in table.columns), *extra])
    for name, vals in table.rows:
        row = [name, *(repr(float(vals[c.key])) if _finite(vals.get(c.key)) else "" for c in table.columns)]
        for k in spread_keys:
            sp = table.spreads.get(name, {}).get(k)
            row += [repr(sp.std), repr(sp.low), repr(sp.high)] if sp else ["", "", ""]
        w.writerow(row)
    return buf.getvalue()


def ci_table(evaluation: Evaluation, cis: dict[str, dict[str, tuple[float, float]]], title: str) -> Table:
    """Low and high bound of each score's confidence interval per tracker (bounds are not ranked)."""
    metrics = [m for m in next(iter(cis.values()), {})]
    columns = tuple(
        Column.from_score(score(m), f"{m}:{end}", f"{score(m).label} {end}", ranked=False)
        for m in metrics
        for end in ("low", "high")
    )
    results = sorted(
        (r for r in evaluation.results if r.tracker in cis),
        key=lambda r: score(metrics[0]).better_first(r.scores()[metrics[0]]) if metrics else 0.0,
    )  # the leaderboard's order
    rows = [(r.tracker, {f"{m}:{end}": cis[r.tracker][m][i] for m in metrics for i, end in enumerate(("low", "high"))})
            for r in results]  # fmt: skip
    return Table(title, columns, rows)


def attribute_table(evaluation: Evaluation, metric: str = "auc") -> Table:
    """Trackers x attributes table of one metric (official attribute order); cells are printed and ranked
    as the metric's schema entry says."""
    s = score(metric)
    per = {r.tracker: r.attribute_scores(evaluation.dataset) for r in evaluation.results}
    codes = [c for c in evaluation.dataset.attribute_names if any(c in v for v in per.values())]
    counts = {c: next((v[c]["num_sequences"] for v in per.values() if c in v), 0) for c in codes}
    columns = tuple(Column.from_score(s, c, f"{c}({counts[c]})") for c in codes)
    rows = [(name, {c: v[c][metric] for c in codes if c in v}) for name, v in per.items()]
    overall = {r.tracker: r.scores().get(metric, math.nan) for r in evaluation.results}
    rows.sort(key=lambda nv: s.better_first(overall[nv[0]]))  # the leaderboard's order
    return Table(f"{benchmark_label(evaluation)}: {s.label} per attribute (number of sequences)", columns, rows)


def sequence_table(evaluation: Evaluation, metric: str = "auc") -> Table:
    """Sequences x trackers table of one metric (columns are trackers)."""
    s = score(metric)
    names = [r.tracker for r in evaluation.results]
    per = {r.tracker: r.sequence_scores() for r in evaluation.results}
    columns = tuple(Column.from_score(s, n, n) for n in names)
    rows = [(seq, {n: per[n][seq][metric] for n in names}) for seq in evaluation.sequence_names]
    return Table(f"{benchmark_label(evaluation)}: {s.label} per sequence (best two trackers of each sequence marked)",
                 columns, rows, rank_across_row=True, row_label="Sequence")  # fmt: skip


def benchmark_label(evaluation: Evaluation) -> str:
    """How titles name the evaluated benchmark: its display name (``LaSOT``), with the split where the
    dataset is not the benchmark's standard set (``GOT-10k (got10k-val)``), or what it is when it is not
    the benchmark at all (``LaSOT layout (synthetic, written by odtrack-eval synth)``)."""
    from odtrack_eval.datasets.names import dataset_label

    return dataset_label(evaluation.dataset)
