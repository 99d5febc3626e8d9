"""Leaderboard tables: one data structure, generic writers (text, markdown, CSV, LaTeX, JSON).

Columns declare their label and direction, so the writers can mark the best two per column the
way papers do (console: bold/underline; LaTeX: bold/underline; Markdown: bold/italic).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from typing import Any

from odtrack_eval.evaluation import Evaluation


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    higher_is_better: bool = True
    decimals: int = 1


OPE_COLUMNS = (
    Column("auc", "AUC"),
    Column("norm_precision", "P_norm"),
    Column("precision", "P"),
    Column("op50", "OP50"),
    Column("op75", "OP75"),
)


@dataclass
class Table:
    """Rows of ``{column key: value}`` keyed by tracker name, with a title and footnotes."""

    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[str, dict[str, float]]]
    notes: list[str] = field(default_factory=list)

    def ranks(self) -> dict[str, dict[str, int]]:
        """Rank (1 = best) of each tracker per column; ties share a rank; NaN is unranked."""
        out: dict[str, dict[str, int]] = {name: {} for name, _ in self.rows}
        for col in self.columns:
            vals = [(v[col.key], n) for n, v in self.rows if _finite(v.get(col.key))]
            uniq = sorted({round(v, 6) for v, _ in vals}, reverse=col.higher_is_better)
            for v, n in vals:
                out[n][col.key] = uniq.index(round(v, 6)) + 1
        return out


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def _fmt(v: Any, decimals: int) -> str:
    return f"{v:.{decimals}f}" if _finite(v) else "–"


def ope_table(evaluation: Evaluation, columns: SequenceABC[Column] = OPE_COLUMNS) -> Table:
    rows = [(r.tracker, r.scores()) for r in evaluation.results]
    rows.sort(key=lambda nv: -nv[1]["auc"] if _finite(nv[1]["auc"]) else math.inf)
    ds = evaluation.dataset
    title = f"{ds.name} ({len(evaluation.sequence_names)} sequences), protocol {evaluation.protocol.name}"
    return Table(title, tuple(columns), rows)


def to_text(table: Table, color: bool = False) -> str:
    """Aligned plain-text table (one decimal like papers); best two per column marked * and ' when
    not coloured, bold and underlined on a terminal."""
    ranks = table.ranks()
    headers = ["Tracker", *(c.label for c in table.columns)]
    body = []
    for name, vals in table.rows:
        cells = [name]
        for c in table.columns:
            s = _fmt(vals.get(c.key), c.decimals)
            r = ranks[name].get(c.key)
            if len(table.rows) > 1 and r in (1, 2):
                s = (
                    (f"\x1b[1m{s}\x1b[0m" if r == 1 else f"\x1b[4m{s}\x1b[0m")
                    if color
                    else s + ("*" if r == 1 else "'")
                )
            cells.append(s)
        body.append(cells)
    visible = [[_strip_ansi(c) for c in row] for row in body]
    widths = [
        max(len(h), *(len(r[i]) for r in visible)) if visible else len(h) for i, h in enumerate(headers)
    ]
    lines = [
        table.title,
        "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths))),
    ]
    lines.append("  ".join("-" * w for w in widths))
    for row, vis in zip(body, visible):
        lines.append("  ".join(
            (c + " " * (w - len(v))) if i == 0 else (" " * (w - len(v)) + c)
            for i, (c, v, w) in enumerate(zip(row, vis, widths))
        ))  # fmt: skip
    if len(table.rows) > 1:
        lines.append("(* best, ' second best)" if not color else "(bold best, underlined second best)")
    lines.extend(table.notes)
    return "\n".join(lines)


def _strip_ansi(s: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", s)


def to_markdown(table: Table) -> str:
    ranks = table.ranks()
    lines = [f"**{table.title}**", "", "| Tracker | " + " | ".join(c.label for c in table.columns) + " |"]
    lines.append("|---|" + "---:|" * len(table.columns))
    for name, vals in table.rows:
        cells = []
        for c in table.columns:
            s = _fmt(vals.get(c.key), c.decimals)
            r = ranks[name].get(c.key)
            if len(table.rows) > 1 and r == 1:
                s = f"**{s}**"
            elif len(table.rows) > 1 and r == 2:
                s = f"_{s}_"
            cells.append(s)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.extend(["", *table.notes] if table.notes else [])
    return "\n".join(lines)


def _latex_escape(s: str) -> str:
    for a, b in (
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("_", r"\_"),
        ("#", r"\#"),
        ("$", r"\$"),
    ):
        s = s.replace(a, b)
    return s


def to_latex(table: Table) -> str:
    """booktabs tabular; best in bold, second underlined."""
    ranks = table.ranks()
    lines = [
        f"% {table.title}",
        r"\begin{tabular}{l" + "c" * len(table.columns) + "}",
        r"\toprule",
        "Tracker & " + " & ".join(_latex_escape(c.label) for c in table.columns) + r" \\",
        r"\midrule",
    ]
    for name, vals in table.rows:
        cells = []
        for c in table.columns:
            s = _fmt(vals.get(c.key), c.decimals)
            r = ranks[name].get(c.key)
            if len(table.rows) > 1 and r == 1:
                s = rf"\textbf{{{s}}}"
            elif len(table.rows) > 1 and r == 2:
                s = rf"\underline{{{s}}}"
            cells.append(s)
        lines.append(_latex_escape(name) + " & " + " & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines)


def to_csv(table: Table) -> str:
    """Full-precision CSV (machines read it; no rounding)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["tracker", *(c.key for c in table.columns)])
    for name, vals in table.rows:
        w.writerow(
            [name, *(repr(float(vals[c.key])) if _finite(vals.get(c.key)) else "" for c in table.columns)]
        )
    return buf.getvalue()


def evaluation_to_dict(
    evaluation: Evaluation, attributes: bool = False, sequences: bool = False
) -> dict[str, Any]:
    """The CLI's JSON document: values in percent, unrounded."""
    trackers = []
    for r in evaluation.results:
        entry: dict[str, Any] = {"name": r.tracker, **r.scores()}
        if attributes:
            entry["attributes"] = {
                code: {k: v[k] for k in ("auc", "precision", "norm_precision", "num_sequences")}
                for code, v in r.attribute_scores(evaluation.dataset).items()
            }
        if sequences:
            entry["sequences"] = {
                name: {k: v[k] for k in ("auc", "precision", "norm_precision")}
                for name, v in r.sequence_scores().items()
            }
        trackers.append(entry)
    return {
        "dataset": evaluation.dataset.name,
        "protocol": evaluation.protocol.name,
        "num_sequences": len(evaluation.sequence_names),
        "trackers": trackers,
    }


def _json_safe(obj: Any) -> Any:
    """NaN/inf are not JSON: they become null."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj


def to_json(evaluation: Evaluation, attributes: bool = False, sequences: bool = False) -> str:
    return json.dumps(
        _json_safe(evaluation_to_dict(evaluation, attributes, sequences)), indent=2, allow_nan=False
    )


def attribute_table(evaluation: Evaluation, metric: str = "auc") -> Table:
    """Trackers x attributes table of one metric (official attribute order)."""
    per = {r.tracker: r.attribute_scores(evaluation.dataset) for r in evaluation.results}
    codes = [c for c in evaluation.dataset.attribute_names if any(c in v for v in per.values())]
    counts = {c: next((v[c]["num_sequences"] for v in per.values() if c in v), 0) for c in codes}
    columns = tuple(Column(c, f"{c}({counts[c]})") for c in codes)
    rows = [(name, {c: v[c][metric] for c in codes if c in v}) for name, v in per.items()]
    return Table(f"{evaluation.dataset.name}: {metric} per attribute (number of sequences)", columns, rows)


def sequence_table(evaluation: Evaluation) -> Table:
    """Sequences x trackers AUC table (columns are trackers)."""
    names = [r.tracker for r in evaluation.results]
    per = {r.tracker: r.sequence_scores() for r in evaluation.results}
    columns = tuple(Column(n, n) for n in names)
    rows = [(seq, {n: per[n][seq]["auc"] for n in names}) for seq in evaluation.sequence_names]
    return Table(f"{evaluation.dataset.name}: AUC per sequence", columns, rows)
