"""Published paper numbers (``odtrack_eval/data/published``) and computed-vs-published comparison.

A published number carries the decimals it was printed with; a computed score differs "beyond
rounding" when ``|computed - published| > 0.5 * 10**-decimals`` (0.05 for one decimal), because a
correctly rounded value is never further than half a unit of its last digit from the true one.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass
from importlib import resources
from typing import Any

from odtrack_eval.errors import FormatError
from odtrack_eval.evaluation import Evaluation
from odtrack_eval.metrics.schema import SCORES
from odtrack_eval.report.tables import Table
from odtrack_eval.sequence import canonical_name

_COLUMNS = ["tracker", "benchmark", "metric", "value", "decimals", "source", "note"]
#: Published metric -> key of :meth:`OPEResult.scores` for the metrics we recompute: the scores read from
#: sequence-mean one-pass curves (schema: a curve and ``sequence_mean``). Published frame-pooled GOT-10k
#: scores (AO, SR) come from the test server and VOT's EAO from its own analysis: never compared here.
COMPUTABLE = {k: k for k, s in SCORES.items() if s.curve is not None and s.sequence_mean}
#: Metric key -> printed label (the schema's).
METRIC_LABELS = {k: s.label for k, s in SCORES.items()}


@dataclass(frozen=True)
class PublishedScore:
    tracker: str
    benchmark: str
    metric: str
    value: float
    decimals: int
    source: str
    note: str = ""
    #: The tracker's name as the source prints it (``SiamPRN++``), when ``tracker`` is its usual name
    #: through ``aliases.csv``; else the same as ``tracker``.
    printed: str = ""

    @property
    def ablation(self) -> bool:
        """A variant of a paper's own model in an ablation study (not a leaderboard row)."""
        return "ablation" in self.note.lower()

    @property
    def tolerance(self) -> float:
        """Largest difference explained by the rounding of the published value."""
        return 0.5 * 10.0 ** (-self.decimals)


@dataclass(frozen=True)
class Source:
    id: str
    kind: str
    citation: str
    location: str


def _read(name: str) -> tuple[str, str]:
    ref = resources.files("odtrack_eval").joinpath("data", "published", name)
    return str(ref), ref.read_text(encoding="utf-8")


def load_sources() -> dict[str, Source]:
    path, text = _read("sources.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    return {r["id"]: Source(r["id"], r["kind"], r["citation"], r["location"]) for r in rows}


def load_aliases() -> dict[str, str]:
    """Spellings of tracker names in sources -> the usual name (only the unambiguous ones: typos, case,
    one model under two names). Judgments (is a paper's "DiMP" DiMP50?) stay with the user: ``-t A=B``."""
    _, text = _read("aliases.csv")
    return {r["spelling"]: r["name"] for r in csv.DictReader(io.StringIO(text))}


def load_published(benchmark: str | None = None, sources: SequenceABC[str] | None = None) -> list[PublishedScore]:
    """Every published score (optionally of one benchmark tag and/or some source ids), file order.

    The file is checked strictly: a value must be a number whose printed decimals match the
    ``decimals`` column and whose source is listed in ``sources.csv``.
    """
    path, text = _read("published.csv")
    known = load_sources()
    aliases = load_aliases()
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != _COLUMNS:
        raise FormatError(path, f"header is {header}", 1, ",".join(_COLUMNS))
    out = []
    for line_no, row in enumerate(reader, start=2):
        if len(row) != len(_COLUMNS):
            raise FormatError(path, f"{len(row)} fields", line_no, f"{len(_COLUMNS)} fields")
        tracker, bench, metric, value, decimals, source, note = row
        try:
            v, d = float(value), int(decimals)
        except ValueError:
            raise FormatError(path, f"value {value!r} / decimals {decimals!r}", line_no, "a number") from None
        printed = len(value.split(".")[1]) if "." in value else 0
        if printed != d:
            raise FormatError(path, f"{value} has {printed} decimals, column says {d}", line_no, "matching decimals")
        if source not in known:
            raise FormatError(path, f"unknown source {source!r}", line_no, f"one of {sorted(known)}")
        if benchmark is not None and bench != benchmark:
            continue
        if sources is not None and source not in sources:
            continue
        out.append(PublishedScore(aliases.get(tracker, tracker), bench, metric, v, d, source, note, tracker))
    return out


@dataclass(frozen=True)
class ReproRow:
    tracker: str
    paper_name: str
    metric: str
    computed: float | None
    published: float
    decimals: int
    source: str

    @property
    def diff(self) -> float | None:
        return None if self.computed is None else self.computed - self.published

    @property
    def beyond_rounding(self) -> bool:
        d = self.diff
        return d is not None and abs(d) > 0.5 * 10.0 ** (-self.decimals) + 1e-9

    def to_dict(self) -> dict[str, Any]:
        return {"tracker": self.tracker, "paper_name": self.paper_name, "metric": self.metric,
                "computed": self.computed, "published": self.published, "diff": self.diff,
                "tolerance": 0.5 * 10.0 ** (-self.decimals), "beyond_rounding": self.beyond_rounding,
                "source": self.source}  # fmt: skip


def match_names(trackers: SequenceABC[str], published: SequenceABC[PublishedScore],
                mapping: Mapping[str, str] | None = None) -> dict[str, str]:  # fmt: skip
    """Result tracker -> paper tracker name: explicit ``mapping`` first, else the same name up to
    case and separators (``cfnet-conv2`` = ``CFNet-conv2``)."""
    paper = {canonical_name(p.tracker): p.tracker for p in published}
    out = {}
    for t in trackers:
        if mapping and t in mapping:
            out[t] = mapping[t]
        elif canonical_name(t) in paper:
            out[t] = paper[canonical_name(t)]
    return out


def reproduce_rows(
    evaluation: Evaluation, published: SequenceABC[PublishedScore], mapping: Mapping[str, str] | None = None
) -> list[ReproRow]:
    """Computed vs published for every published number of a matched tracker (``computed`` is None
    for metrics this evaluation does not produce, e.g. GOT-10k AO or VOT EAO)."""
    names = match_names([r.tracker for r in evaluation.results], published, mapping)
    rows = []
    for r in evaluation.results:
        paper = names.get(r.tracker)
        if paper is None:
            continue
        scores = r.scores()
        for p in published:
            if p.tracker != paper:
                continue
            key = COMPUTABLE.get(p.metric)
            value = scores[key] if key is not None and math.isfinite(scores[key]) else None
            rows.append(ReproRow(r.tracker, paper, p.metric, value, p.value, p.decimals, p.source))
    return rows


def reproduce_text(rows: SequenceABC[ReproRow], title: str) -> str:
    if not rows:
        return f"{title}\n(no published number for these trackers; use --tracker NAME=PAPER_NAME)"
    head = ["Tracker", "Paper name", "Metric", "Computed", "Published", "Diff", "Source", ""]
    body = []
    for r in rows:
        comp = "n/a" if r.computed is None else f"{r.computed:.{r.decimals + 2}f}"
        diff = "" if r.diff is None else f"{r.diff:+.{r.decimals + 2}f}"
        flag = "BEYOND ROUNDING" if r.beyond_rounding else ("" if r.computed is not None else "not computed here")
        body.append([r.tracker, r.paper_name, METRIC_LABELS.get(r.metric, r.metric), comp,
                     f"{r.published:.{r.decimals}f}", diff, r.source, flag])  # fmt: skip
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths[:-1]))
    for b in body:
        lines.append("  ".join(c.ljust(w) if i in (0, 1, 2, 6, 7) else c.rjust(w)
                               for i, (c, w) in enumerate(zip(b, widths, strict=True))).rstrip())  # fmt: skip
    flagged = sum(r.beyond_rounding for r in rows)
    lines.append(f"{flagged} of {sum(r.computed is not None for r in rows)} comparable numbers differ beyond the "
                 "rounding of the published value (|diff| > half a unit of its last printed digit).")  # fmt: skip
    known = load_sources()
    lines.append("Sources:")
    lines += [f"  {sid}: {known[sid].citation}" for sid in dict.fromkeys(r.source for r in rows) if sid in known]
    return "\n".join(lines)


def merge_published(
    table: Table,
    published: SequenceABC[PublishedScore],
    exclude: SequenceABC[str] = (),
    key_of: Callable[[PublishedScore], str | None] | None = None,
) -> Table:
    """Leaderboard with the published rows added (one row per paper tracker and source, values of the
    table's columns where published, "–" elsewhere), re-sorted by the first column. Ablation rows
    (variants of a paper's model) are left out.

    ``key_of``: the table column a published number belongs to (default: its metric's, for a table of
    one benchmark); None leaves it out.
    """
    keys = {c.key for c in table.columns}
    key_of = key_of or (lambda p: COMPUTABLE.get(p.metric))
    extra: dict[str, dict[str, float]] = {}
    for p in published:
        key = key_of(p)
        if p.tracker in exclude or p.ablation or key not in keys:
            continue
        name = f"{p.tracker} (paper: {p.source})"
        extra.setdefault(name, {c.key: math.nan for c in table.columns})[key] = p.value
    first = table.columns[0].key
    rows = [*table.rows, *extra.items()]
    rows.sort(key=lambda nv: -nv[1][first] if math.isfinite(nv[1].get(first, math.nan)) else math.inf)
    sources = sorted({p.source for p in published})
    notes = [*table.notes, f"Rows marked (paper: ...) are published numbers (sources: {', '.join(sources)}; see "
             "odtrack_eval/data/published/PROVENANCE.md)."]  # fmt: skip
    return Table(table.title, table.columns, rows, notes, dict(table.spreads))


#: The ODTrack paper's source id, and its tables that ``reproduce --table`` lays out.
PAPER_SOURCE = "odtrack_aaai2024"
PAPER_TABLES = (2, 3, 5)


def paper_rows(number: int, published: SequenceABC[PublishedScore]) -> list[PublishedScore]:
    """The published numbers of the paper's Table ``number``, in the paper's row and column order."""
    label = f"Table {number}"
    return [p for p in published if p.source == PAPER_SOURCE and p.note.split(";")[0].split(" (")[0] == label]


def paper_table(
    number: int,
    published: SequenceABC[PublishedScore],
    evaluation: Evaluation | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Table:
    """The paper's Table ``number`` in its own layout (columns, row order, spellings), with a
    ``computed`` row under each tracker this ``evaluation`` has, filled in for the evaluated
    benchmark's columns; cells beyond the rounding of the printed value are flagged (dagger).
    """
    from dataclasses import replace

    from odtrack_eval.datasets.names import display_name
    from odtrack_eval.metrics.schema import score
    from odtrack_eval.report.tables import Column

    rows = paper_rows(number, published)
    if not rows:
        raise FormatError("odtrack_eval/data/published/published.csv", f"no rows of the paper's Table {number}")
    columns: dict[str, Column] = {}
    for p in rows:
        key = f"{p.benchmark}:{p.metric}"
        if key not in columns:
            s = score(p.metric)
            column = Column.from_score(s, key=key, group=display_name(p.benchmark), ranked=False)
            columns[key] = replace(column, decimals=p.decimals)
    by_tracker: dict[str, dict[str, PublishedScore]] = {}
    for p in rows:
        by_tracker.setdefault(p.tracker, {})[f"{p.benchmark}:{p.metric}"] = p
    tag = evaluation.dataset.tag if evaluation is not None else None
    matched = {}
    if evaluation is not None:
        here = [p for p in rows if p.benchmark == tag]
        matched = {paper: ours for ours, paper in match_names([r.tracker for r in evaluation.results], here,
                                                               mapping).items()}  # fmt: skip
    results = {r.tracker: r for r in evaluation.results} if evaluation is not None else {}
    table_rows: list[tuple[str, dict[str, float]]] = []
    flagged: set[tuple[str, str]] = set()
    for tracker, cells in by_tracker.items():
        printed = next(iter(cells.values())).printed or tracker
        table_rows.append((printed, {k: p.value for k, p in cells.items()}))
        ours = matched.get(tracker)
        if ours is None:
            continue
        scores = results[ours].scores()
        name = f"{ours}: computed"
        values = {}
        for key, p in cells.items():
            metric_key = COMPUTABLE.get(p.metric)
            if p.benchmark != tag or metric_key is None or not math.isfinite(scores.get(metric_key, math.nan)):
                continue
            values[key] = scores[metric_key]
            if abs(values[key] - p.value) > p.tolerance + 1e-9:
                flagged.add((name, key))
        table_rows.append((name, values))
    notes = [f"Published: Zheng et al., ODTrack (AAAI 2024), Table {number}, as printed (source {PAPER_SOURCE})."]
    if evaluation is not None and matched:
        notes.append(f"Rows 'computed': this evaluation of {evaluation.dataset.name} under protocol "
                     f"{evaluation.protocol.name}; † marks a value that differs from the paper's by more than its "
                     "rounding (half a unit of the last printed digit).")  # fmt: skip
    if evaluation is not None:
        absent = [r.tracker for r in evaluation.results if r.tracker not in matched.values()]
        if absent:
            names = ", ".join(absent)
            why = (f"not in the paper's table: {names}" if any(p.benchmark == tag for p in rows)
                   else f"not shown, the table has no {display_name(tag)} column: {names}")  # fmt: skip
            notes.append(f"Computed but {why}; `odtrack-eval reproduce` without --table compares every published "
                         "number.")  # fmt: skip
    notes += sorted({p.note.split("; ", 1)[1] for p in rows if "; " in p.note})
    return Table(f"ODTrack paper, Table {number}", tuple(columns.values()), table_rows, notes, flagged=flagged)
