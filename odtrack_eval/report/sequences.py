"""The report's per-sequence part: a sortable table of the sequences on the index, and one page per sequence.

Files, all under ``<report>/sequences/`` and named by :func:`sequence_file` (the sequence name with any
character outside ``A-Z a-z 0-9 . _ -`` replaced by ``_``):

* ``<seq>.html``: the sequence's page (its scores and failures per tracker, its timeline);
* ``<seq>_timeline.png``: its timeline (:mod:`.timeline`), for at most ``timelines`` sequences (see below);
* ``<seq>_frames.png``: a frame grid (the report draws one for the first sequences with a timeline when the
  dataset has its frames; ``odtrack-eval show frames`` draws any); the page links it when it is
  there when the report is written (nothing here draws frames).

Drawing a timeline takes ~0.5 s (matplotlib, single-threaded: the drawing holds the GIL, so threads do
not help), so 280 LaSOT sequences would add minutes to a report that takes seconds. The report draws the
``timelines`` most telling sequences (default 30): those where the trackers disagree most (mean per-frame
IoU range), or with one tracker its lowest-AUC ones; ``report --timelines all`` draws every one. Every
sequence still gets its page; a page without a timeline gives the ``show timeline`` command that draws it.
With the cache, a rerun copies unchanged timelines instead of drawing them.

The table sorts on a click on a column header (a few lines of inline JavaScript, its style in
:mod:`.html`'s CSS; nothing is fetched).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from odtrack_eval.evaluation import Evaluation
from odtrack_eval.frame_results import FailureAnalysis, SequenceFrames
from odtrack_eval.metrics.failures import Failure
from odtrack_eval.report import plots
from odtrack_eval.report.files import write_text
from odtrack_eval.report.outputs import DEFAULT_TIMELINES
from odtrack_eval.report.tables import Table
from odtrack_eval.report.timeline import timeline_plot
from odtrack_eval.store import ArrayStore

__all__ = ["SORT_SCRIPT", "sequence_file", "timeline_order", "write_sequence_pages"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")

#: Sorts every ``table.sortable`` on a click on a header: numbers by ``data-v`` (empty last), text otherwise;
#: a second click reverses. Plain DOM, no library.
SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0];
      var up = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
        var c;
        if (x !== null && y !== null) {
          if (x === "" || y === "") { return (x === "") - (y === ""); }
          c = parseFloat(x) - parseFloat(y);
        } else {
          c = a.cells[col].textContent.localeCompare(b.cells[col].textContent);
        }
        return up ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def sequence_file(name: str, suffix: str = ".html") -> str:
    """The file name of a sequence's page (``suffix`` ``.html``) or picture (``_timeline.png``, ``_frames.png``)."""
    return _UNSAFE.sub("_", name) + suffix


def timeline_order(frames: Sequence[SequenceFrames], auc: Mapping[str, np.ndarray], names: Sequence[str]) -> list[str]:
    """Sequences, most telling first: by disagreement (every sequence with two or more trackers, not only the
    analysis' top ones), then by the lowest mean AUC over trackers (``auc``: tracker -> per-sequence AUC in the
    order of ``names``)."""
    from odtrack_eval.metrics.failures import frame_disagreement

    mean_auc = np.nanmean(np.array(list(auc.values())), axis=0) if auc else np.zeros(len(names))
    by_auc = dict(zip(names, mean_auc.tolist(), strict=True))
    spread = {}
    for f in frames:
        t = list(f.trackers.values())
        if len(t) >= 2:
            d = frame_disagreement(np.array([x.measures[0].iou for x in t]), np.array([x.present(f.flags) for x in t]))
            spread[f.name] = float(np.nanmean(d)) if np.isfinite(d).any() else -1.0
    return sorted(names, key=lambda n: (-spread.get(n, -1.0), by_auc.get(n, np.inf), n))


@dataclass(frozen=True)
class _Row:
    name: str
    frames: int
    absent: int
    attributes: str
    cells: dict[str, float]
    timeline: bool = False


def _cell(value: float | None, decimals: int) -> str:
    if value is None or not np.isfinite(value):
        return '<td data-v="">–</td>'
    return f'<td data-v="{value!r}">{value:.{decimals}f}</td>'


def write_sequence_pages(
    evaluation: Evaluation,
    frames: Sequence[SequenceFrames],
    analysis: FailureAnalysis,
    out: Path,
    styles: Mapping[str, plots.Style],
    table_html: Callable[[Table], str],
    page: Callable[[str, str], str],
    *,
    bench: str,
    timelines: int | None = DEFAULT_TIMELINES,
    cache: ArrayStore | None = None,
    grid: Callable[[str, Path], Path | None] | None = None,
    grids: int = 0,
) -> tuple[str, list[Path]]:
    """Write the sequence pages and timelines; returns the index's section (the sortable table) and the files.

    ``timelines``: how many sequences get a timeline (None: all); ``page(title, body)``: the report's page
    around a fragment; ``bench``: the benchmark as titles name it; ``grid(name, path)``: draws a sequence's
    frame grid (None without frames), for the first ``grids`` of the sequences with a timeline.
    """
    from odtrack_eval.report.compare import per_sequence_scores

    folder = out / "sequences"
    names = list(evaluation.sequence_names)
    trackers = [t for t in styles if any(r.tracker == t for r in evaluation.results)]
    results = {r.tracker: r for r in evaluation.results}
    auc = {t: per_sequence_scores(results[t], "auc") for t in trackers}
    by_name = {f.name: f for f in frames}
    order = timeline_order(frames, auc, names)
    drawn = set(order if timelines is None else order[:timelines])
    gridded = set([n for n in order if n in drawn][:grids]) if grid is not None else set()
    written: list[Path] = []
    rows = []
    for i, name in enumerate(names):
        f = by_name.get(name)
        seq = evaluation.dataset[name]
        absent = int(np.count_nonzero(f.flags.absent)) if f is not None and f.flags.absent is not None else 0
        fails = analysis.per_sequence.get(name, {})
        cells = {f"auc:{t}": float(auc[t][i]) for t in trackers}
        cells |= {f"fail:{t}": float(fails[t]) if t in fails else np.nan for t in trackers}
        drawn_here = f is not None and name in drawn and bool(f.trackers)
        rows.append(_Row(name, len(seq), absent, " ".join(sorted(seq.attributes)), cells, drawn_here))
        timeline = None
        if drawn_here:
            base = folder / sequence_file(name, "_timeline")
            paths = timeline_plot(f, base, styles, title=f"{bench}: {name}", threshold=analysis.threshold,
                                  min_frames=analysis.min_frames, cache=cache, formats=("png",))  # fmt: skip
            timeline = paths["png"]
            written.append(timeline)
        frames_png = folder / sequence_file(name, "_frames.png")
        if name in gridded and (drawn_grid := grid(name, frames_png)) is not None:  # type: ignore[misc]
            written.append(drawn_grid)
        body = _page_body(rows[-1], trackers, timeline, frames_png, analysis,
                          analysis.spans.get(name, {}))  # fmt: skip
        written.append(write_text(folder / sequence_file(name), page(f"{bench}: {name}", body)))
    return _index_section(rows, trackers, len(drawn), len(names)), written


def _spans_text(found: list[Failure] | None) -> str:
    """``101–160 (recovered), 200–250``: a tracker's failures on the page, frames numbered from 1."""
    if found is None:
        return "no result file"
    if not found:
        return "none"
    return ", ".join(f"{f.start + 1}–{f.stop}" + (" (recovered)" if f.recovered else "") for f in found)


def _page_body(row: _Row, trackers: list[str], timeline: Path | None, frames_png: Path,
               analysis: FailureAnalysis, spans: Mapping[str, list[Failure]]) -> str:  # fmt: skip
    parts = ['<p class="note"><a href="../index.html">← back to the report</a></p>',
             f'<p class="note">{row.frames} frames, {row.absent} flagged absent'
             + (f"; attributes: {html.escape(row.attributes)}" if row.attributes else "") + ".</p>"]  # fmt: skip
    head = ('<tr><th>Tracker</th><th>AUC</th><th>Failures</th><th style="text-align:left">Failed frames (from 1)'
            "</th></tr>")  # fmt: skip
    body = "".join(f"<tr><td>{html.escape(t)}</td>{_cell(row.cells[f'auc:{t}'], 1)}"
                   f"{_cell(row.cells[f'fail:{t}'], 0)}<td style=\"text-align:left\">"
                   f"{html.escape(_spans_text(spans.get(t)))}</td></tr>" for t in trackers)  # fmt: skip
    parts.append(f"<table><thead>{head}</thead><tbody>{body}</tbody></table>")
    parts.append("<h2>Timeline</h2>")
    if timeline is not None:
        parts.append(f'<figure><img src="{html.escape(timeline.name)}" alt="timeline of {html.escape(row.name)}" '
                     f'width="495"><figcaption>IoU per frame; failures: IoU &lt; {analysis.threshold:g} for at least '
                     f"{analysis.min_frames} frames.</figcaption></figure>")  # fmt: skip
    else:
        parts.append('<p class="note">Not drawn for this report (it draws the sequences where the trackers '
                     "disagree most; <code>report --timelines all</code> draws every one). Draw it with "
                     f"<code>odtrack-eval show timeline -s {html.escape(row.name)} -o OUT.png</code> and the "
                     "report's --dataset, --root and --results.</p>")  # fmt: skip
    if frames_png.is_file():
        parts.append(f'<h2>Frames</h2><figure><img src="{html.escape(frames_png.name)}" '
                     f'alt="frames of {html.escape(row.name)}" width="990"></figure>')  # fmt: skip
    return "".join(parts)


def _index_section(rows: list[_Row], trackers: list[str], drawn: int, total: int) -> str:
    head = ["<th>Sequence</th>", "<th>Frames</th>", "<th>Absent</th>"]
    head += [f"<th>AUC {html.escape(t)}</th>" for t in trackers]
    head += [f"<th>Failures {html.escape(t)}</th>" for t in trackers] + ["<th>Timeline</th>"]
    body = []
    for r in rows:
        link = f'<td><a href="sequences/{html.escape(sequence_file(r.name))}">{html.escape(r.name)}</a></td>'
        cells = [_cell(r.cells[f"auc:{t}"], 1) for t in trackers] + [_cell(r.cells[f"fail:{t}"], 0) for t in trackers]
        cells.append(f'<td data-v="{int(r.timeline)}">{"yes" if r.timeline else ""}</td>')
        body.append(f'<tr>{link}<td data-v="{r.frames}">{r.frames}</td><td data-v="{r.absent}">{r.absent}</td>'
                    f"{''.join(cells)}</tr>")  # fmt: skip
    note = (f'<p class="note">Click a column header to sort. Each sequence links to its page; {drawn} of {total} '
            "pages show a timeline (the sequences where the trackers disagree most).</p>")  # fmt: skip
    table = (f'<div class="scroll"><table class="sortable" id="sequences"><thead><tr>{"".join(head)}</tr>'
             f"</thead><tbody>{''.join(body)}</tbody></table></div>")  # fmt: skip
    return f"{note}{table}<script>{SORT_SCRIPT}</script>"
