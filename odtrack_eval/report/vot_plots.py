"""VOT figures: the expected-average-overlap curves and the accuracy-robustness plot (same styles and
content-keyed caching as :mod:`odtrack_eval.report.plots`)."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence as SequenceABC
from pathlib import Path
from typing import Any

import numpy as np

from odtrack_eval.metrics.schema import score
from odtrack_eval.report.plots import (
    COLUMN_WIDTH_IN,
    Curve,
    Style,
    fig_height,
    fit_title,
    legend_entries,
    place_legend,
    save_figure,
    style_for,
)
from odtrack_eval.store import ArrayStore


def eao_curve(
    curves: Mapping[str, np.ndarray],
    low: int,
    high: int,
    out_base: str | Path | None = None,
    styles: Mapping[str, Style] | None = None,
    title: str = "Expected average overlap",
    cache: ArrayStore | None = None,
    formats: SequenceABC[str] = ("png", "pdf"),
) -> dict[str, Path] | float:
    """Expected-average-overlap curves (``curves[name][k]`` = expected overlap for sequence length
    ``k + 1``), with the interval ``[low, high]`` shaded; the legend shows EAO = the mean of the curve
    over that interval (VOT's definition), sorted by it. Without ``out_base`` nothing is drawn."""
    spec = score("eao")
    eao = {n: float(np.mean(np.asarray(c, dtype=float)[low - 1 : high])) for n, c in curves.items()}
    entries = [Curve(n, np.arange(1, len(c) + 1, dtype=float), np.asarray(c, dtype=float), eao[n])
               for n, c in curves.items()]  # fmt: skip
    xmax = max((len(c) for c in curves.values()), default=high)

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        ax.axvspan(low, high, color="#dddddd", zorder=0, lw=0)
        for i, c in enumerate(legend_entries(entries)):
            st = style_for(c.name, styles, i)
            ax.plot(c.x, c.y, color=st.color, linestyle=st.linestyle,
                    label=f"[{c.score:.{spec.decimals}f}] {c.name}")  # fmt: skip
        ax.set_xlim(1, xmax)
        ax.set_ylim(0, 1)
        ax.set_xlabel("Sequence length (frames)")
        ax.set_ylabel("Expected overlap")
        ax.set_title(fit_title(f"{title} ({spec.label})"))
        ax.grid(True)
        place_legend(fig, ax, "upper right", handlelength=1.8)

    key = ("eao", title, low, high, [(c.name, c.y) for c in entries], styles or {})
    size = (COLUMN_WIDTH_IN, fig_height(2.6, len(entries)))
    return save_figure(draw, key, out_base, size, formats, cache) if out_base else eao


def ar_plot(
    points: Mapping[str, tuple[float, float]],
    out_base: str | Path,
    styles: Mapping[str, Style] | None = None,
    title: str = "Accuracy-robustness",
    cache: ArrayStore | None = None,
    formats: SequenceABC[str] = ("png", "pdf"),
) -> dict[str, Path]:
    """A-R plot: robustness (x, 0..1, higher is better as in VOT2020) against accuracy (y, 0..1)."""
    names = list(points)

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        for i, n in enumerate(names):
            st = style_for(n, styles, i)
            acc, rob = points[n]
            ax.scatter([rob], [acc], color=st.color, marker=st.marker, s=22, label=n, zorder=3)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel(score("robustness").axis_title())
        ax.set_ylabel(score("accuracy").axis_title())
        ax.set_title(fit_title(title))
        ax.set_aspect("equal")
        ax.grid(True)
        place_legend(fig, ax, "lower left", handletextpad=0.3)

    key = ("ar", title, [(n, float(points[n][0]), float(points[n][1])) for n in names], styles or {})
    size = (COLUMN_WIDTH_IN, fig_height(COLUMN_WIDTH_IN, len(names)))
    return save_figure(draw, key, out_base, size, formats, cache)
