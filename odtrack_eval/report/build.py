"""Write a complete report folder for one evaluation: tables in every format, figures, index.html.

Everything is derived from the :class:`Evaluation` (whose per-sequence curves are cached by the
content of the result files) and the figures are cached by the content of what they plot, so a rerun
on unchanged results redraws nothing. No cache entry is ever keyed by a tracker or file name.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from pathlib import Path

from odtrack_eval.evaluation import Evaluation
from odtrack_eval.metrics.schema import ci_keys, score
from odtrack_eval.report import documents, plots, tables
from odtrack_eval.report import html as html_report
from odtrack_eval.report.compare import CI_RESAMPLES
from odtrack_eval.report.files import write_text
from odtrack_eval.report.inspection import inspection_markdown, inspection_text
from odtrack_eval.report.outputs import DEFAULT_TIMELINES
from odtrack_eval.report.published import (
    PAPER_TABLES,
    load_published,
    paper_rows,
    paper_table,
    reproduce_rows,
    reproduce_text,
)
from odtrack_eval.results import discover_trackers
from odtrack_eval.results.inspection import Inspection
from odtrack_eval.results.manifests import read_manifest
from odtrack_eval.store import ArrayStore

TABLE_FORMATS = {
    "txt": lambda t: tables.to_text(t) + "\n",
    "md": lambda t: tables.to_markdown(t) + "\n",
    "csv": tables.to_csv,
    "tex": lambda t: tables.to_latex(t) + "\n",
    "json": lambda t: documents.table_to_json(t) + "\n",
}
#: (curve, figure title) of the OPE plots, in report order (plots.CURVE_INFO holds the curves' metadata).
CURVES = tuple((metric, info[1]) for metric, info in plots.CURVE_INFO.items())
#: The score of the per-attribute table and figures (its key names the files, its label the titles).
ATTRIBUTE_SCORE = "auc"


@dataclass
class ReportFiles:
    out_dir: Path
    index: Path
    tables: dict[str, list[Path]] = field(default_factory=dict)
    figures: dict[str, dict[str, Path]] = field(default_factory=dict)
    #: ``sequences/``: one page per sequence and the timelines drawn (not listed on the index one by one).
    sequence_pages: list[Path] = field(default_factory=list)


def report_order(evaluation: Evaluation) -> list[str]:
    """Tracker order that fixes colours (:func:`~odtrack_eval.report.plots.tracker_order`: by name)."""
    return plots.tracker_order(r.tracker for r in evaluation.results)


def write_table(table: tables.Table, base: Path) -> list[Path]:
    """``table`` as ``base.{txt,md,csv,tex,json}`` (every report writes its tables this way)."""
    return [write_text(base.with_name(f"{base.name}.{ext}"), fn(table)) for ext, fn in TABLE_FORMATS.items()]


def _runs_info(evaluation: Evaluation, results_dir: Path | None) -> list[dict]:
    if results_dir is None:
        return []
    try:
        entries = {e.name: e for e in discover_trackers(results_dir, evaluation.dataset.tag)}
    except Exception:  # the evaluation already succeeded; a listing problem must not lose the report
        return []
    out = []
    for r in evaluation.results:
        e = entries.get(r.tracker)
        if e is None:
            continue
        manifests = []
        for run in e.runs:
            found = read_manifest(run.folder)
            if found is not None and all(str(found[0]) != m[0] for m in manifests):
                manifests.append((str(found[0]), html_report.manifest_summary(found[1])))
        out.append({"tracker": r.tracker, "folder": str(e.folder), "layout": e.layout, "num_runs": r.num_runs,
                    "fps": r.fps, "manifests": manifests})  # fmt: skip
    return out


def build_report(
    evaluation: Evaluation,
    out_dir: str | Path,
    results_dir: str | Path | None = None,
    cache: ArrayStore | None = None,
    paper_names: Mapping[str, str] | None = None,
    inspection: Inspection | None = None,
    pictures: SequenceABC[html_report.FigureRef] = (),
    sections: SequenceABC[tuple[str, str]] = (),
    trackers: list[str] | None = None,
    timelines: int | None = DEFAULT_TIMELINES,
) -> ReportFiles:
    """Write every table and figure of ``evaluation`` plus ``index.html`` into ``out_dir``.

    ``inspection``: the results folder's inspection (``odtrack-eval inspect``), written as
    ``inspection.{txt,md,json}`` and shown on the page. ``pictures``: figures drawn elsewhere (frame
    grids...), already in ``out_dir``, shown after the report's own; ``sections``: more (title, HTML) parts
    of the page (videos...), whose files the caller wrote into ``out_dir``. With ``results_dir``, also the
    failure analysis and the per-sequence pages (:mod:`.sequences`; ``timelines``: how many sequences get a
    timeline, None all; ``trackers``: the ``--tracker`` values the evaluation was run with).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ds = evaluation.dataset
    files = ReportFiles(out, out / "index.html")
    names = report_order(evaluation)
    styles = plots.tracker_styles(names)
    results = sorted(evaluation.results, key=lambda r: names.index(r.tracker))

    leaderboard = tables.ope_table(evaluation, fps=True)
    page_tables = [("Leaderboard", leaderboard)]
    files.tables["leaderboard"] = write_table(leaderboard, out / "leaderboard")
    cis = _confidence_intervals(evaluation)
    if cis:
        title = (f"95% confidence intervals over the {len(evaluation.sequence_names)} sequences (bootstrap, "
                 f"{CI_RESAMPLES:,} resamples, seed 0)")  # fmt: skip
        ci_table = tables.ci_table(evaluation, cis, title)
        page_tables.append(("Confidence intervals (which sequences the benchmark contains)", ci_table))
        files.tables["leaderboard_ci"] = write_table(ci_table, out / "leaderboard_ci")

    attr_scores = {r.tracker: r.attribute_scores(ds) for r in results}
    codes = [c for c in (list(ds.attribute_names) or []) if any(c in v for v in attr_scores.values())]
    attr = score(ATTRIBUTE_SCORE)
    attr_name = f"attributes_{attr.key}"
    if codes:
        attr_table = tables.attribute_table(evaluation, attr.key)
        page_tables.append((f"{attr.label} per attribute", attr_table))
        files.tables[attr_name] = write_table(attr_table, out / attr_name)
    files.tables["sequences"] = [write_text(out / "sequences.csv", _sequences_csv(evaluation, names))]
    # The `evaluate --format json --attributes` document (per-sequence scores are in sequences.csv).
    document = documents.to_json(evaluation, attributes=True)
    files.tables["evaluation"] = [write_text(out / "evaluation.json", document + "\n")]

    figs: list[html_report.FigureRef] = []
    fig_dir = out / "figures"
    pooled = evaluation.protocol.aggregation == "frame_pooled"  # GOT-10k reports the success curve only
    bench = tables.benchmark_label(evaluation)
    for metric, title in CURVES[:1] if pooled else CURVES:
        paths = plots.curve_plot(results, metric, fig_dir / metric, styles, title=f"{bench}: {title}", cache=cache)
        files.figures[metric] = paths
        figs.append(html_report.FigureRef(title, paths["png"], {"pdf": paths["pdf"]}))
    if codes:
        by_score = [name for name, _ in tables.ope_table(evaluation, spread=False).rows]  # the leaderboard's order
        values = {t: {c: attr_scores[t][c][attr.key] for c in codes if c in attr_scores[t]} for t in by_score}
        counts = {c: next(v[c]["num_sequences"] for v in attr_scores.values() if c in v) for c in codes}
        paths = plots.attribute_bars(values, codes, fig_dir / f"{attr_name}_bars", styles,
                                     title=f"{bench}: {attr.label} per attribute",
                                     value_label=f"{attr.label} ({attr.unit})", counts=counts, cache=cache)  # fmt: skip
        files.figures[f"{attr_name}_bars"] = paths
        figs.append(html_report.FigureRef(f"{attr.label} per attribute (number of sequences)", paths["png"],
                                          {"pdf": paths["pdf"]}))  # fmt: skip
        if len(codes) >= 3:
            paths = plots.attribute_radar(values, codes, fig_dir / f"{attr_name}_radar", styles,
                                          title=f"{bench}: {attr.label} per attribute", cache=cache)  # fmt: skip
            files.figures[f"{attr_name}_radar"] = paths
            figs.append(html_report.FigureRef(f"{attr.label} per attribute (radar; best value under each name)",
                                              paths["png"], {"pdf": paths["pdf"]}))  # fmt: skip

    if any(r.speed is not None for r in results):  # speed: the table and the speed-accuracy plot
        from odtrack_eval.report import speed as speed_report
        from odtrack_eval.report.speed_plot import speed_accuracy_plot, speed_points

        timings = speed_report.timings(evaluation, results_dir)
        baselines = speed_report.baseline_trackers(evaluation, timings)
        speed_table = speed_report.speed_table(evaluation, timings, baselines)
        page_tables.append(("Speed (from the _time.txt files)", speed_table))
        files.tables["speed"] = write_table(speed_table, out / "speed")
        points, _ = speed_points(evaluation, timings, baselines)
        first = evaluation.protocol.metrics[0]
        paths = speed_accuracy_plot(points, fig_dir / "speed_accuracy", styles,
                                    f"{bench}: {score(first).label} vs speed", first, cache=cache)  # fmt: skip
        files.figures["speed_accuracy"] = paths
        figs.append(html_report.FigureRef(f"{score(first).label} against speed (marker area: parameters, where known;"
                                          " hollow: baselines)", paths["png"], {"pdf": paths["pdf"]}))  # fmt: skip

    figs += pictures
    extra = list(sections)
    if results_dir is not None and evaluation.results:
        analysis_html, sequences_html = _per_frame_sections(evaluation, Path(results_dir), out, styles, bench, files,
                                                            trackers, timelines, cache)  # fmt: skip
        extra += [("Failures (where the trackers lose the target)", analysis_html), ("Sequences", sequences_html)]
    if inspection is not None:
        text = inspection_text(inspection)
        files.tables["inspection"] = [
            write_text(out / "inspection.txt", text + "\n"),
            write_text(out / "inspection.md", inspection_markdown(inspection) + "\n"),
            write_text(out / "inspection.json", json.dumps(inspection.to_dict(), indent=2) + "\n"),
        ]
        extra.append(("Inspection of the raw results (layout, format, repairs, refusals)",
                      f"<pre>{html.escape(text)}</pre>"))  # fmt: skip
    everything = load_published()
    for number in PAPER_TABLES:  # the ODTrack paper's tables that have this benchmark, in their layout
        if not ds.note and any(p.benchmark == ds.tag for p in paper_rows(number, everything)):
            laid_out = paper_table(number, everything, evaluation, paper_names)
            files.tables[f"paper_table{number}"] = write_table(laid_out, out / f"paper_table{number}")
            extra.append((f"Paper reproduction: the ODTrack paper's Table {number}", html_report.table_html(laid_out)))
    published = load_published(ds.tag)
    rows = reproduce_rows(evaluation, published, paper_names)
    if rows:
        text = reproduce_text(rows, f"{ds.name}: computed vs published")
        write_text(out / "reproduce.txt", text + "\n")
        extra.append(("Computed vs published", _repro_html(rows)))

    written = [p for group in files.tables.values() for p in group]
    written += [p for group in files.figures.values() for p in group.values()]
    written += [p for pic in pictures for p in (pic.png, *pic.others.values())]
    page = html_report.render_index(evaluation, page_tables, figs, out, _runs_info(evaluation, results_dir), extra,
                                    sorted(written))  # fmt: skip
    write_text(files.index, page)
    return files


def _per_frame_sections(evaluation: Evaluation, results_dir: Path, out: Path, styles: Mapping[str, plots.Style],
                        bench: str, files: ReportFiles, trackers: list[str] | None, timelines: int | None,
                        cache: ArrayStore | None) -> tuple[str, str]:  # fmt: skip
    """The failure section and the sequence table of the index (sequence pages and timelines written)."""
    from odtrack_eval.frame_results import analyse_failures
    from odtrack_eval.metrics.failures import DEFAULT_MIN_FRAMES, DEFAULT_THRESHOLD
    from odtrack_eval.report.failures import disagreement_table, evaluation_frames, failure_table, failures_html
    from odtrack_eval.report.sequences import sequence_file, write_sequence_pages

    frames = evaluation_frames(evaluation, results_dir, trackers, cache)
    names = [t for t in styles if any(r.tracker == t for r in evaluation.results)]
    analysis = analyse_failures(frames, names, DEFAULT_THRESHOLD, DEFAULT_MIN_FRAMES)
    files.tables["failures"] = write_table(failure_table(analysis), out / "failures")
    files.tables["disagreement"] = write_table(disagreement_table(analysis), out / "disagreement")
    grid = None
    if any(s.frames is not None for s in evaluation.dataset):  # frame grids on the pages (frames needed)
        from odtrack_eval.report.frame_grid import PAGE_GRIDS, page_grid_writer

        dataset = evaluation.dataset.select(evaluation.sequence_names)
        grid = page_grid_writer(dataset, results_dir, [r.tracker for r in evaluation.results], list(styles), bench)
    section, written = write_sequence_pages(evaluation, frames, analysis, out, styles, html_report.table_html,
                                            html_report.standalone_page, bench=bench, timelines=timelines,
                                            cache=cache, grid=grid, grids=PAGE_GRIDS if grid else 0)  # fmt: skip
    files.sequence_pages = written

    def link(name: str) -> str:
        return f"sequences/{sequence_file(name)}"

    return failures_html(analysis, html_report.table_html, link), section


def _confidence_intervals(evaluation: Evaluation) -> dict[str, dict[str, tuple[float, float]]]:
    """Bootstrap CIs per tracker of the scores that are means over sequences (schema ``ci_keys``: AUC,
    P_norm, P; none for frame-pooled GOT-10k)."""
    from odtrack_eval.report.compare import score_cis

    keys = list(ci_keys(evaluation.protocol))
    if not keys:
        return {}
    return {r.tracker: score_cis(r, keys, seed=0, resamples=CI_RESAMPLES) for r in evaluation.results}


def _sequences_csv(evaluation: Evaluation, names: list[str]) -> str:
    """Per-sequence AUC, P and P_norm of every tracker (full precision; vectorized read-outs, equal to
    :meth:`OPEResult.sequence_scores` to 1e-9, see tests/report/test_compare.py)."""
    import csv
    import io

    from odtrack_eval.report.compare import METRICS, per_sequence_scores

    by_name = {r.tracker: r for r in evaluation.results}
    cols = {(t, m): dict(zip(by_name[t].sequence_names, per_sequence_scores(by_name[t], m), strict=True))
            for t in names for m in METRICS}  # fmt: skip
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["sequence", *(f"{t}:{m}" for t in names for m in METRICS)])
    for seq in evaluation.sequence_names:
        w.writerow([seq, *(repr(float(cols[t, m][seq])) for t in names for m in METRICS)])
    return buf.getvalue()


def _repro_html(rows: list) -> str:
    import html

    from odtrack_eval.report.published import METRIC_LABELS

    body = []
    for r in rows:
        comp = "n/a" if r.computed is None else f"{r.computed:.{r.decimals + 2}f}"
        diff = "" if r.diff is None else f"{r.diff:+.{r.decimals + 2}f}"
        flag = '<span class="flag">beyond rounding</span>' if r.beyond_rounding else ""
        body.append(f"<tr><td>{html.escape(r.tracker)}</td><td>{html.escape(r.paper_name)}</td>"
                    f"<td>{METRIC_LABELS.get(r.metric, r.metric)}</td><td>{comp}</td>"
                    f"<td>{r.published:.{r.decimals}f}</td><td>{diff}</td><td>{html.escape(r.source)}</td>"
                    f"<td>{flag}</td></tr>")  # fmt: skip
    return ("<table><thead><tr><th>Tracker</th><th>Paper name</th><th>Metric</th><th>Computed</th>"
            "<th>Published</th><th>Diff</th><th>Source</th><th></th></tr></thead><tbody>" + "".join(body)
            + '</tbody></table><p class="note">A difference is flagged when it exceeds half a unit of the last '
            "printed digit of the published number (0.05 for one decimal).</p>")  # fmt: skip
