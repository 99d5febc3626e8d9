"""The speed-accuracy plot: the protocol's first score (AUC, AO) against FPS on a log axis, one labelled point
per tracker, marker area by parameter count where it is known.

Parameter counts come, in this order, from the tracker's run manifest (the ``profile`` a run recorded), then
from the count the run recorded for its definition's network (the number ``trackers info`` prints, where the
implementation offers one: ODTrack; recorded when the run starts, so plotting never builds a model), then
from the published efficiency table (the ODTrack paper's Table 1, ``params_m``), matched by the tracker's exact
name (folder, or the part before ``/``). Trackers without a finite speed (no
time files, or every time 0) are left out (the caller says which).
Colours are the report's per-tracker colours, so a tracker looks the same as in the curves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odtrack_eval.evaluation import Evaluation
from odtrack_eval.metrics.schema import score
from odtrack_eval.report import plots
from odtrack_eval.results.manifests import Timing
from odtrack_eval.store import ArrayStore

__all__ = ["SpeedPoint", "speed_points", "speed_accuracy_plot", "published_parameters"]


@dataclass(frozen=True)
class SpeedPoint:
    tracker: str
    fps: float
    accuracy: float
    #: Parameters in millions, None when unknown; and where the count comes from.
    params_m: float | None = None
    params_source: str = ""
    baseline: bool = False


def published_parameters() -> dict[str, float]:
    """Canonical tracker name -> parameters in millions, from the published efficiency rows (paper Table 1)."""
    from odtrack_eval.report.published import load_published

    out = {}
    for row in load_published("efficiency"):
        if row.metric == "params_m":
            out[_canonical(row.tracker)] = row.value
    return out


def _canonical(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def speed_points(
    evaluation: Evaluation, timings: Mapping[str, Timing], baselines: set[str]
) -> tuple[list[SpeedPoint], list[str]]:
    """The points to draw and the trackers left out (no time files, or no finite FPS)."""
    key = evaluation.protocol.metrics[0]
    published = published_parameters()
    points, left_out = [], []
    for r in evaluation.results:
        if r.speed is None or not math.isfinite(r.speed.fps) or r.speed.fps <= 0:
            left_out.append(r.tracker)
            continue
        timing = timings.get(r.tracker, Timing())
        params, source = None, ""
        if timing.parameters is not None:
            params, source = timing.parameters / 1e6, "profile"
        elif timing.definition_parameters is not None:
            params, source = timing.definition_parameters / 1e6, "definition"
        else:
            for name in (r.tracker, r.tracker.split("/")[0]):
                if _canonical(name) in published:
                    params, source = published[_canonical(name)], "published"
                    break
        points.append(SpeedPoint(r.tracker, r.speed.fps, r.scores()[key], params, source, r.tracker in baselines))
    return points, left_out


def _area(params_m: float | None) -> float:
    """Marker area in pt^2: proportional to the parameters (100M -> 150 pt^2), unknown -> a small fixed marker."""
    return 12.0 if params_m is None else max(6.0, 1.5 * params_m)


#: Where a label may go relative to its point (points), tried in order until it overlaps no earlier label.
_OFFSETS = ((5, 3, "left"), (5, -9, "left"), (-5, 3, "right"), (-5, -9, "right"), (5, 11, "left"), (5, -17, "left"))


def _place_labels(fig: Any, ax: Any, points: list[SpeedPoint]) -> None:
    """Label every point beside it, moving a label that would overlap an earlier one (close trackers) or leave
    the axes."""
    canvas = fig.canvas
    if not hasattr(canvas, "get_renderer"):  # (a bare Figure: measure the text with the Agg canvas that saves PNGs)
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed: list[Any] = []
    for p in sorted(points, key=lambda q: -q.accuracy):
        for dx, dy, ha in _OFFSETS:
            text = ax.annotate(p.tracker, (p.fps, p.accuracy), xytext=(dx, dy), textcoords="offset points", ha=ha,
                               fontsize=plots.FONT_PT - 0.5, color="#222222")  # fmt: skip
            box = text.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1
            if (inside and not any(box.overlaps(other) for other in placed)) or (dx, dy, ha) == _OFFSETS[-1]:
                placed.append(box)
                break
            text.remove()


def speed_accuracy_plot(
    points: list[SpeedPoint],
    out_base: str | Path,
    styles: Mapping[str, plots.Style] | None,
    title: str,
    accuracy_key: str = "auc",
    cache: ArrayStore | None = None,
    formats: tuple[str, ...] = ("png", "pdf"),
) -> dict[str, Path]:
    """Write the plot (PNG and PDF); ``accuracy_key`` names the score on the y axis."""
    accuracy = score(accuracy_key)
    size = (plots.COLUMN_WIDTH_IN, 2.6)

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(111)
        for i, p in enumerate(points):
            style = plots.style_for(p.tracker, styles, i)
            face = "none" if p.baseline else style.color
            ax.scatter([p.fps], [p.accuracy], s=_area(p.params_m), marker=style.marker, facecolors=face,
                       edgecolors=style.color, linewidths=0.8, zorder=3)  # fmt: skip
        ax.set_xscale("log")
        ax.set_xlabel("Speed (tracked frames/s, log scale)")
        ax.set_ylabel(f"{accuracy.label} ({accuracy.unit})" if accuracy.unit else accuracy.label)
        ax.set_title(plots.fit_title(title))
        ax.grid(True, which="both")
        if points:
            fps = [p.fps for p in points]
            ax.set_xlim(min(fps) / 1.6, max(fps) * 2.5)  # room for the labels on the right
            acc = [p.accuracy for p in points]
            pad = max(2.0, 0.1 * (max(acc) - min(acc)))
            ax.set_ylim(min(acc) - pad, max(acc) + pad)
        known = [p.params_m for p in points if p.params_m is not None]
        if known:  # size key: the largest and a tenth of it
            for m in sorted({round(max(known)), max(1, round(max(known) / 10))}):
                ax.scatter([], [], s=_area(m), facecolors="none", edgecolors="#555555", label=f"{m:g}M params")
            ax.legend(loc="lower right", frameon=True, framealpha=0.85, borderpad=0.3, labelspacing=0.6,
                      scatterpoints=1)  # fmt: skip
        fig.tight_layout(pad=0.3)
        _place_labels(fig, ax, points)

    key = ("speed", title, accuracy_key, [(p.tracker, p.fps, p.accuracy, p.params_m, p.baseline) for p in points],
           styles or {})  # fmt: skip
    return plots.save_figure(draw, key, out_base, size, formats, cache)
