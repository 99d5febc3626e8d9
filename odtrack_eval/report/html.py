"""One self-contained ``index.html`` per report: tables, figures (embedded base64 PNG), protocol and runs.

Self-contained on purpose: the page is mailed, attached to reviews and archived, so it loads no
script, font, stylesheet or image from anywhere. The only JavaScript is inline: the sequence table's
sorting (:data:`odtrack_eval.report.sequences.SORT_SCRIPT`, checked in a real browser by
tests/report/test_sequence_pages.py); the sequence pages beside it link their pictures by relative paths.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from odtrack_eval import __version__
from odtrack_eval.evaluation import Evaluation
from odtrack_eval.report.tables import Table, _fmt, benchmark_label

if TYPE_CHECKING:
    from odtrack_eval.vot.analysis import VotEvaluation

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-variant-numeric:tabular-nums}
th,td{padding:.25em .7em;border-bottom:1px solid #e4e4e4;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{border-bottom:2px solid #999}
td.best{color:#c00000;font-weight:bold}td.second{color:#0040c0;font-weight:bold}
.note{color:#555;font-size:.92em}.spread{color:#666;font-size:.85em}
figure{display:inline-block;margin:.5em 1em .5em 0;vertical-align:top}
figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:.9em;color:#444}
.kv td{text-align:left;vertical-align:top}.kv td:first-child{color:#555;white-space:nowrap}
code{background:#f4f4f4;padding:0 .25em}.warn{color:#8a5a00}.err{color:#c00000}
.flag{color:#c00000;font-weight:bold}
table.sortable thead th{cursor:pointer;user-select:none;position:sticky;top:0;background:#fff}
.scroll{max-height:40em;overflow:auto;display:inline-block;max-width:100%}
table.sortable th[aria-sort="ascending"]::after{content:" \\25B2"}
table.sortable th[aria-sort="descending"]::after{content:" \\25BC"}
"""


@dataclass
class FigureRef:
    """One figure of the report: its PNG (embedded) and other files (linked, relative)."""

    title: str
    png: Path
    others: dict[str, Path] = field(default_factory=dict)
    caption: str = ""
    #: Width on the page in CSS pixels (one-column figures 495; a two-column frame grid wider).
    width: int = 495


def manifest_summary(data: Mapping[str, Any]) -> dict[str, str]:
    """The fields a reader needs to trust a run: code version, tracker, weights, machine, status."""
    out: dict[str, str] = {}

    def put(label: str, value: Any) -> None:
        if value not in (None, "", [], {}):
            out[label] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)

    if "error" in data:
        put("manifest", data["error"])
        return out
    toolkit = data.get("toolkit") or {}
    git = toolkit.get("git") or {}
    put("toolkit", " ".join(str(x) for x in (toolkit.get("name"), toolkit.get("version")) if x))
    if git:
        put("git commit", f"{git.get('commit', '?')}{' (dirty)' if git.get('dirty') else ''}")
    tracker = data.get("tracker") or {}
    if isinstance(tracker, Mapping):
        put("tracker", tracker.get("name"))
        put("implementation", tracker.get("implementation"))
        put("parameters", tracker.get("parameters"))
    else:
        put("tracker", tracker)
    put("checkpoint sha256", data.get("checkpoint_sha256"))
    put("timing protocol", data.get("timing_protocol"))
    sessions = data.get("sessions") or []
    if sessions:
        last = sessions[-1]
        put("sessions", str(len(sessions)))
        put("last session", f"{last.get('status', '?')}, {last.get('started', '?')} → {last.get('ended', '?')}")
        host = last.get("host") or {}
        put("host", " / ".join(str(host[k]) for k in ("hostname", "platform") if host.get(k)))
        put("devices", last.get("devices"))
        libs = last.get("libraries") or {}
        put("libraries", ", ".join(f"{k} {v}" for k, v in libs.items()))
    for key in ("git_commit", "commit", "gpu", "device", "weights", "checkpoint", "seed", "date"):
        if key in data and key not in ("tracker",):
            put(key, data[key])
    return out


def table_html(table: Table) -> str:
    """A table as an HTML fragment (groups, best two marked, spreads, flagged cells, notes)."""
    ranks = table.ranks()
    groups = []
    for c in table.columns:
        if groups and groups[-1][0] == c.group:
            groups[-1][1] += 1
        else:
            groups.append([c.group, 1])
    head = ""
    if any(g for g, _ in groups):
        head += "<tr><th></th>" + "".join(f'<th colspan="{n}" style="text-align:center">{html.escape(g)}</th>'
                                          for g, n in groups) + "</tr>"  # fmt: skip
    head += (f"<tr><th>{html.escape(table.row_label)}</th>"
             + "".join(f"<th>{html.escape(c.label)}</th>" for c in table.columns) + "</tr>")  # fmt: skip
    body = []
    for name, vals in table.rows:
        cells = []
        for c in table.columns:
            r = ranks[name].get(c.key)
            marked = len(table.rows) > 1 or table.rank_across_row
            cls = ' class="best"' if marked and r == 1 else (' class="second"' if marked and r == 2 else "")
            sp = table.spreads.get(name, {}).get(c.key)
            extra = (f' <span class="spread">± {sp.std:.{c.decimals}f} ({sp.low:.{c.decimals}f}–'
                     f'{sp.high:.{c.decimals}f})</span>') if sp else ""  # fmt: skip
            cells.append(f"<td{cls}>{_fmt(vals.get(c.key), c.decimals)}{table.dagger(name, c.key)}{extra}</td>")
        body.append(f"<tr><td>{html.escape(name)}</td>{''.join(cells)}</tr>")
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in table.notes)
    per = "row" if table.rank_across_row else "column"
    ranked = (len(table.rows) > 1 or table.rank_across_row) and any(c.ranked for c in table.columns)
    legend = (f'<p class="note">Best per {per} in <span style="color:#c00000"><b>red</b></span>, second in '
              '<span style="color:#0040c0"><b>blue</b></span>.</p>') if ranked else ""  # fmt: skip
    return (f'<div style="overflow-x:auto"><table><caption class="note" style="text-align:left">'
            f"{html.escape(table.title)}</caption><thead>{head}</thead><tbody>{''.join(body)}</tbody></table></div>"
            f"{legend}{notes}")  # fmt: skip


def _kv(rows: Mapping[str, str]) -> str:
    return (
        '<table class="kv">'
        + "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in rows.items())
        + "</table>"
    )


def standalone_page(title: str, body: str) -> str:
    """A self-contained page around an HTML fragment (the report's style, nothing fetched)."""
    return "".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        body,
        "</body></html>",
    ])  # fmt: skip


def render_index(
    evaluation: Evaluation | VotEvaluation,
    tables: SequenceABC[tuple[str, Table]],
    figures: SequenceABC[FigureRef],
    out_dir: Path,
    runs: SequenceABC[dict[str, Any]] = (),
    extra_sections: SequenceABC[tuple[str, str]] = (),
    files: SequenceABC[Path] = (),
) -> str:
    """The whole page as a string (written by the caller). ``extra_sections`` are (title, HTML).
    ``evaluation`` is a one-pass :class:`Evaluation` or a VOT multistart evaluation."""
    ds, proto = evaluation.dataset, evaluation.protocol
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(benchmark_label(evaluation))} — odtrack-eval report</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(benchmark_label(evaluation))}: tracking evaluation</h1>",
        f'<p class="note">Generated by odtrack-eval {html.escape(__version__)}. '
        f"{len(evaluation.results)} trackers, {len(evaluation.sequence_names)} sequences.</p>",
        "<h2>Protocol</h2>",
        _kv(
            {
                "name": proto.name,
                "description": proto.description,
                "reference": proto.reference,
                "dataset": f"{ds.name} (tag {ds.tag}), {len(ds)} sequences"
                + (
                    f", {len(evaluation.sequence_names)} evaluated" if len(evaluation.sequence_names) != len(ds) else ""
                ),
                "dataset root": str(ds.root) if ds.root else "",
            }
        ),  # fmt: skip
    ]
    for title, table in tables:
        parts += [f"<h2>{html.escape(title)}</h2>", table_html(table)]
    if figures:
        parts.append("<h2>Figures</h2>")
        for fig in figures:
            data = base64.b64encode(fig.png.read_bytes()).decode("ascii")
            links = " ".join(f'<a href="{html.escape(p.relative_to(out_dir).as_posix())}">{html.escape(k.upper())}</a>'
                             for k, p in fig.others.items())  # fmt: skip
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(fig.title)}" width="{fig.width}">'
                f"<figcaption>{html.escape(fig.title)}{'. ' + html.escape(fig.caption) if fig.caption else ''}"
                f"{' — ' + links if links else ''}</figcaption></figure>"
            )
    for title, body in extra_sections:
        parts += [f"<h2>{html.escape(title)}</h2>", body]
    if runs:
        parts.append("<h2>Runs</h2>")
        for run in runs:
            parts.append(f"<h3>{html.escape(run['tracker'])}</h3>")
            info = {"folder": run["folder"], "layout": run["layout"], "runs": str(run["num_runs"])}
            if run.get("fps") is not None:
                info["speed (from _time.txt)"] = f"{run['fps']:.1f} FPS"
            parts.append(_kv(info))
            for path, summary in run.get("manifests", []):
                parts.append(f'<p class="note">Manifest <code>{html.escape(path)}</code></p>' + _kv(summary))
            if not run.get("manifests"):
                parts.append('<p class="note">No run manifest (run_manifest.json / manifest.json) in this folder.</p>')
    missing = getattr(evaluation, "missing", {})  # VOT evaluations have no excluded sequences
    if evaluation.warnings or evaluation.errors or missing:
        parts.append("<h2>Warnings</h2><ul>")
        parts += [f'<li class="warn">{html.escape(w)}</li>' for w in evaluation.warnings[:200]]
        if len(evaluation.warnings) > 200:
            parts.append(f'<li class="warn">… and {len(evaluation.warnings) - 200} more</li>')
        parts += [f'<li class="warn">{html.escape(n)} lacks {len(m)} sequences (excluded for every tracker)</li>'
                  for n, m in missing.items()]  # fmt: skip
        parts += [f'<li class="err">{html.escape(n)}: {html.escape(e)}</li>' for n, e in evaluation.errors.items()]
        parts.append("</ul>")
    if files:
        parts.append("<h2>Files</h2><ul>")
        parts += [f'<li><a href="{html.escape(p.relative_to(out_dir).as_posix())}">'
                  f"{html.escape(p.relative_to(out_dir).as_posix())}</a></li>" for p in files]  # fmt: skip
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
