"""The per-frame timeline of one sequence: each tracker's IoU (or centre error) over the frames, with the frames
where the dataset flags the target absent shaded, and failures and recoveries marked.

One column wide (3.3 in) like the curves, colours and line styles from :func:`~.plots.tracker_styles` (the
same tracker has the same colour as in the success plot). Under the axes, one lane per tracker shows its
failures (:mod:`odtrack_eval.metrics.failures`) as bars in its colour, a triangle where it recovered.
Frame numbers are 1-based (LaSOT's ``img/00000001.jpg`` is frame 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence as SequenceABC
from pathlib import Path
from typing import Any

import numpy as np

from odtrack_eval.frame_results import SequenceFrames
from odtrack_eval.hashing import source_digest
from odtrack_eval.metrics.failures import DEFAULT_MIN_FRAMES, DEFAULT_THRESHOLD, find_failures
from odtrack_eval.report.plots import COLUMN_WIDTH_IN, Style, fit_title, save_figure, style_for
from odtrack_eval.store import ArrayStore

__all__ = ["timeline_plot", "MEASURES"]

#: measure -> y-axis label.
MEASURES = {"iou": "IoU", "centre_error": "Centre error (pixels)"}
#: Shades of the target flags: (flag, legend label, colour).
_SHADES = (("absent", "target absent", "#d9d9d9"), ("occluded", "full occlusion", "#bdbdbd"),
           ("out_of_view", "out of view", "#e8e0c8"))  # fmt: skip
_LANE = 0.09  # height of one failure lane, in axes fractions of the IoU range
#: This module's code is part of every cached timeline's key (plots.save_figure keys plots.py's own code):
#: an edited drawing or failure rule redraws.
_CODE = source_digest(("odtrack_eval.report.timeline", "odtrack_eval.metrics.failures"))


def _shades(frames: SequenceFrames) -> list[tuple[str, str, np.ndarray]]:
    """The flags to shade: the two causes where the dataset gives them apart, else the merged flag."""
    f = frames.flags
    split = [(label, colour, getattr(f, name)) for name, label, colour in _SHADES[1:] if getattr(f, name) is not None]
    split = [s for s in split if s[2].any()]
    if split or f.occluded is not None or f.out_of_view is not None:
        return split
    return [(_SHADES[0][1], _SHADES[0][2], f.absent)] if f.absent is not None and f.absent.any() else []


def _values(frames: SequenceFrames, tracker: str, measure: str) -> tuple[np.ndarray, np.ndarray]:
    """(plotted values with gaps on frames not looked at, the present frames) of run 0."""
    t = frames.trackers[tracker]
    present = t.present(frames.flags)
    raw = t.measures[0].iou if measure == "iou" else t.measures[0].centre_error
    values = np.where(present, raw, np.nan)
    return values, present


def timeline_plot(
    frames: SequenceFrames,
    out_base: str | Path,
    styles: Mapping[str, Style] | None = None,
    *,
    title: str,
    measure: str = "iou",
    threshold: float = DEFAULT_THRESHOLD,
    min_frames: int = DEFAULT_MIN_FRAMES,
    cache: ArrayStore | None = None,
    formats: SequenceABC[str] = ("png", "pdf"),
) -> dict[str, Path]:
    """Draw the timeline of ``frames`` (every tracker in it, in ``styles`` order where given) to
    ``out_base.<fmt>``. Failures: runs of >= ``min_frames`` present frames with IoU < ``threshold``."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {sorted(MEASURES)}, got {measure!r}")
    names = list(frames.trackers)
    if styles:
        names.sort(key=lambda n: list(styles).index(n) if n in styles else len(styles))
    n = len(frames.sequence)
    x = np.arange(1, n + 1)
    lines, lanes = [], []
    for name in names:
        values, present = _values(frames, name, measure)
        iou = frames.trackers[name].measures[0].iou
        found = find_failures(iou, present, threshold, min_frames)
        runs = len(frames.trackers[name].measures)
        label = name if runs == 1 else f"{name} (run 1 of {runs})"
        lines.append((label, values[: len(x)]))
        lanes.append([(f.start, f.stop, f.recovered) for f in found])
    shades = [(label, colour, mask[:n]) for label, colour, mask in _shades(frames)]
    if measure == "iou":
        top = 1.0
    else:
        finite = np.concatenate([v[np.isfinite(v)] for _, v in lines]) if lines else np.zeros(0)
        top = float(max(50.0, np.percentile(finite, 98) * 1.1)) if len(finite) else 50.0
    title = fit_title(title)  # (a long benchmark label would be cut off)
    k = len(names)
    legend_rows = (k + len(shades) + 2 + 1) // 2
    height = 1.75 + 0.12 * k + 0.135 * legend_rows + 0.12 * title.count("\n")

    def draw(fig: Any) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        ax = fig.add_subplot(1, 1, 1)
        lane_h = _LANE * top
        bottom = -lane_h * (k + 0.4)
        for _label, colour, mask in shades:
            ax.fill_between(x, 0, 1, where=mask, step="mid", color=colour, linewidth=0,
                            transform=ax.get_xaxis_transform(), zorder=0)  # fmt: skip
        if measure == "iou":
            ax.axhline(threshold, color="#555555", linewidth=0.6, linestyle=(0, (2, 2)), zorder=1)
        for i, ((label, values), name) in enumerate(zip(lines, names, strict=True)):
            st = style_for(name, styles, i)
            ax.plot(x, np.minimum(values, top), color=st.color, linestyle=st.linestyle, linewidth=0.7,
                    label=label, zorder=3)  # fmt: skip
            y = -lane_h * (i + 0.7)
            for start, stop, recovered in lanes[i]:
                ax.plot([start + 1, stop], [y, y], color=st.color, linewidth=2.2, solid_capstyle="butt", zorder=4)
                if recovered:
                    ax.plot([stop + 1], [y], marker="^", markersize=3.2, color=st.color, zorder=5,
                            markeredgewidth=0)  # fmt: skip
        ax.axhline(0, color="#999999", linewidth=0.5, zorder=2)
        ax.set_xlim(1, max(n, 2))
        ax.set_ylim(bottom, top * 1.02)
        ticks = [t for t in ax.get_yticks() if 0 <= t <= top * 1.001]
        ax.set_yticks(ticks)
        ax.set_xlabel("Frame")
        ax.set_ylabel(MEASURES[measure])
        ax.set_title(title)
        ax.grid(True, axis="y")
        handles, labels = ax.get_legend_handles_labels()
        handles += [Patch(color=c, label=lab) for lab, c, _ in shades]
        handles.append(Line2D([], [], color="#444444", linewidth=2.2,
                              label=f"failure: IoU < {threshold:g} for ≥ {min_frames} frames"))  # fmt: skip
        if any(recovered for lane in lanes for _, _, recovered in lane):
            handles.append(Line2D([], [], color="#444444", linestyle="none", marker="^", markersize=3.2,
                                  markeredgewidth=0, label="recovered"))  # fmt: skip
        fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False, handlelength=1.4,
                   columnspacing=1.0, borderaxespad=0.2, labelspacing=0.25)  # fmt: skip
        fig.tight_layout(pad=0.3, rect=(0, (0.06 + 0.135 * legend_rows) / height, 1, 1))

    key = ("timeline", _CODE, title, measure, threshold, min_frames, names, [v for _, v in lines],
           [lab for lab, _ in lines], lanes, [(lab, c, m) for lab, c, m in shades], styles or {})  # fmt: skip
    return save_figure(draw, key, out_base, (COLUMN_WIDTH_IN, height), formats, cache)
