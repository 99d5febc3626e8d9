"""Paper-ready figures: OPE curves, per-attribute bars and radar, VOT EAO curve and A-R plot.

Design choices (why):

* matplotlib with the Agg backend and no ``usetex`` (pysot-toolkit needs a LaTeX install, peers.md B.3);
  imported lazily so evaluation and tables never pay for it.
* One-column figures (3.3 in wide) with every text >= 7 pt, so they stay readable in a paper column.
* Okabe-Ito colours (colour-blind safe); one colour + line style per tracker, assigned from the
  tracker order of the report (:func:`tracker_styles`), so a tracker looks the same in every figure.
* Legends are sorted by the score shown in them, like pytracking/got10k (``[51.4] ATOM``); which score
  a plot shows, its legend label, decimals and axis name come from the score schema.
* Every figure is written as PNG and PDF atomically. Rendering is keyed by the *content* of the
  figure (data, labels, styles): with a cache, an unchanged figure is copied, not redrawn.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from odtrack_eval.hashing import KeyBuilder, source_digest
from odtrack_eval.metrics.schema import Curve as CurveKey
from odtrack_eval.metrics.schema import Score, legend_score, score
from odtrack_eval.report.files import write_bytes
from odtrack_eval.store import ArrayStore

#: Okabe & Ito (2008) colour-blind-safe palette, black moved last (used for the 8th tracker).
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
COLUMN_WIDTH_IN = 3.3
FONT_PT = 7.0
_FIGURE_FORMAT = "figure-v1"


#: The code that draws a figure (this module and the score schema: labels, decimals), hashed at import
#: like every other cached computation: a cached figure is reused only if that code is unchanged.
_SOURCE_KEY = source_digest(("odtrack_eval.report.plots", "odtrack_eval.metrics.schema"))


@cache
def _code_key() -> str:
    """:data:`_SOURCE_KEY` and the matplotlib version (which draws the pixels)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        mpl = version("matplotlib")
    except PackageNotFoundError:  # pragma: no cover
        mpl = "?"
    return KeyBuilder("figure-code").text(_SOURCE_KEY).text(mpl).hexdigest()


_RC = {
    "font.size": FONT_PT,
    "axes.titlesize": FONT_PT + 1,
    "axes.labelsize": FONT_PT + 0.5,
    "xtick.labelsize": FONT_PT,
    "ytick.labelsize": FONT_PT,
    "legend.fontsize": FONT_PT,
    "legend.title_fontsize": FONT_PT,
    "axes.linewidth": 0.6,
    "grid.linewidth": 0.4,
    "grid.alpha": 0.5,
    "lines.linewidth": 1.2,
    "savefig.dpi": 300,
    "pdf.fonttype": 42,  # embed TrueType: text stays selectable/editable in the PDF
    "svg.fonttype": "none",
    "text.usetex": False,
}


@dataclass(frozen=True)
class Style:
    color: str
    linestyle: str
    marker: str


def tracker_order(names: Iterable[str]) -> list[str]:
    """The order that fixes colours: by name (case-insensitive), independent of the scores, so a tracker keeps
    its colour when another tracker is added or the numbers change (every figure of every command)."""
    return sorted(set(names), key=lambda n: (n.lower(), n))


def tracker_styles(names: SequenceABC[str]) -> dict[str, Style]:
    """Colour, line style and marker per tracker, by position in ``names`` (the report's order).

    The first 8 trackers get solid lines in the 8 palette colours; the next 8 reuse the colours
    with dashed lines, and so on, so up to 32 trackers stay distinguishable without colour alone.
    """
    out = {}
    for i, name in enumerate(names):
        out[name] = Style(OKABE_ITO[i % len(OKABE_ITO)], LINESTYLES[(i // len(OKABE_ITO)) % len(LINESTYLES)],
                          MARKERS[(i + i // len(OKABE_ITO)) % len(MARKERS)])  # fmt: skip
    return out


def style_for(name: str, styles: Mapping[str, Style] | None, index: int) -> Style:
    if styles and name in styles:
        return styles[name]
    return tracker_styles([f"#{i}" for i in range(index + 1)])[f"#{index}"]


# --- writing (content-keyed) -----------------------------------------------------------------------


def _digest(parts: Any) -> bytes:
    """Stable bytes of nested plot inputs (arrays by value, floats by repr)."""
    h = hashlib.sha256()

    def feed(x: Any) -> None:
        if isinstance(x, np.ndarray):
            a = np.ascontiguousarray(x)
            h.update(f"nd{a.dtype.str}{a.shape}".encode())
            h.update(a.tobytes())
        elif isinstance(x, Mapping):
            h.update(b"{")
            for k in x:
                feed(k)
                feed(x[k])
            h.update(b"}")
        elif isinstance(x, (list, tuple)):
            h.update(b"[")
            for v in x:
                feed(v)
            h.update(b"]")
        elif isinstance(x, Style):
            feed((x.color, x.linestyle, x.marker))
        else:
            h.update(repr(x).encode() + b"\0")

    feed(parts)
    return h.digest()


def _render(draw: Callable[[Any], None], size: tuple[float, float], formats: SequenceABC[str]) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    with plt.rc_context(_RC):
        fig = plt.figure(figsize=size)
        try:
            draw(fig)
            out = {}
            for fmt in formats:
                buf = io.BytesIO()
                meta = {"CreationDate": None} if fmt == "pdf" else {}
                fig.savefig(buf, format=fmt, dpi=300 if fmt == "png" else None, metadata=meta)
                out[fmt] = buf.getvalue()
        finally:
            plt.close(fig)
    return out


def save_figure(
    draw: Callable[[Any], None],
    key_parts: Any,
    out_base: str | Path,
    size: tuple[float, float],
    formats: SequenceABC[str] = ("png", "pdf"),
    cache: ArrayStore | None = None,
) -> dict[str, Path]:
    """Draw (``draw(fig)``) and write ``out_base.<fmt>`` for each format; returns the paths.

    ``key_parts`` must contain everything the drawing depends on: with a ``cache``, the rendered
    bytes are stored under the hash of it (never under a name), so a rerun on the same numbers
    copies the files instead of drawing them again.
    """
    out_base = Path(out_base)
    key = None
    data: dict[str, bytes] | None = None
    if cache is not None:
        key = KeyBuilder("figure").raw(_digest((_FIGURE_FORMAT, _code_key(), key_parts, size, tuple(formats))))
        key = key.hexdigest()
        hit = cache.get("figures", key)
        if hit is not None and len(hit) == len(formats):
            data = {fmt: arr.tobytes() for fmt, arr in zip(formats, hit, strict=True)}
    if data is None:
        data = _render(draw, size, formats)
        if cache is not None and key is not None:
            cache.put("figures", key, [np.frombuffer(data[f], dtype=np.uint8) for f in formats])
    paths = {}
    for fmt in formats:
        path = out_base.with_name(f"{out_base.name}.{fmt}")
        write_bytes(path, data[fmt])
        paths[fmt] = path
    return paths


# --- legends ------------------------------------------------------------------------------------------

#: Up to this many entries the legend sits inside the axes; more go under them (never over the data).
INSIDE_LEGEND_MAX = 6
_ROW_IN = 0.125  # height of one legend row at 7 pt


def fig_height(base: float, n: int, ncol: int = 2) -> float:
    """Figure height: the axes part plus the rows of a legend placed under the axes."""
    return base if n <= INSIDE_LEGEND_MAX else base - 0.1 + _ROW_IN * ((n + ncol - 1) // ncol)


def place_legend(fig: Any, ax: Any, loc: str, ncol: int = 2, **kw: Any) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if len(labels) <= INSIDE_LEGEND_MAX:
        ax.legend(handles, labels, loc=loc, frameon=True, framealpha=0.85, borderpad=0.3, labelspacing=0.25, **kw)
        fig.tight_layout(pad=0.3)
        return
    rows = (len(labels) + ncol - 1) // ncol
    fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False, labelspacing=0.25,
               columnspacing=1.0, borderaxespad=0.2, **kw)  # fmt: skip
    fig.tight_layout(pad=0.3, rect=(0, (0.12 + _ROW_IN * rows) / fig.get_figheight(), 1, 1))


# --- OPE curves ---------------------------------------------------------------------------------------


def _curve_score(metric: CurveKey) -> Score:
    """The score a ``metric`` plot is about (its legend label and y axis): AUC, P, P_norm."""
    s = legend_score(metric)
    if s is None:  # pragma: no cover - the schema gives every curve a legend score (tests/metrics/test_schema.py)
        raise KeyError(f"no score with a legend on the {metric} plot")
    return s


#: metric -> (x label, title, legend score label, x scale factor, x limits); the score label is the schema's.
CURVE_INFO: dict[str, tuple[str, str, str, float, tuple[float, float]]] = {
    "success": ("Overlap threshold", "Success plot", _curve_score("success").legend, 1.0, (0.0, 1.0)),
    "precision": ("Location error threshold (pixels)", "Precision plot", _curve_score("precision").legend, 1.0,
                  (0.0, 50.0)),
    "norm_precision": ("Normalized location error threshold", "Normalized precision plot",
                       _curve_score("norm_precision").legend, 1.0, (0.0, 0.5)),
}  # fmt: skip


@dataclass(frozen=True)
class Curve:
    """One tracker's curve: x (thresholds), y (fraction, 0..1) and the score for the legend (percent)."""

    name: str
    x: np.ndarray
    y: np.ndarray
    score: float


def legend_entries(curves: SequenceABC[Curve]) -> list[Curve]:
    return sorted(curves, key=lambda c: (-c.score if np.isfinite(c.score) else np.inf, c.name))


def draw_curves(
    fig: Any,
    curves: SequenceABC[Curve],
    styles: Mapping[str, Style] | None,
    xlabel: str,
    ylabel: str,
    title: str,
    xlim: tuple[float, float],
    score_decimals: int = 1,
    legend_loc: str = "lower left",
) -> None:
    ax = fig.add_subplot(1, 1, 1)
    order = legend_entries(curves)
    for i, c in enumerate(order):
        st = style_for(c.name, styles, i)
        ax.plot(c.x, 100 * c.y, color=st.color, linestyle=st.linestyle,
                label=f"[{c.score:.{score_decimals}f}] {c.name}")  # fmt: skip
    ax.set_xlim(*xlim)
    ax.set_ylim(0, 100)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True)
    place_legend(fig, ax, legend_loc, handlelength=1.8)


def _legend_score(results: SequenceABC[Any], metric: CurveKey) -> Score:
    """The score in the legend of a ``metric`` plot of ``results``: the protocol's (GOT-10k's pooled success
    curve shows AO, the protocol's success-plot score), else the curve's own score (AUC, P, P_norm)."""
    if results and results[0].protocol.aggregation == "frame_pooled":
        s = legend_score("success", results[0].protocol)
        if s is not None:
            return s
    return _curve_score(metric)


def ope_curves(results: SequenceABC[Any], metric: CurveKey) -> list[Curve]:
    """The sequence-mean curve of ``metric`` per tracker (OPEResult list), with its score."""
    out = []
    for r in results:
        key = _legend_score([r], metric).key
        # GOT-10k: the curve over pooled frames, scored by AO
        y = r.pooled_curve() if r.protocol.aggregation == "frame_pooled" else r.average_curve(metric)
        out.append(Curve(r.tracker, np.asarray(r.grids[metric]), y, r.scores()[key]))
    return out


def curve_plot(
    results: SequenceABC[Any],
    metric: str,
    out_base: str | Path,
    styles: Mapping[str, Style] | None = None,
    title: str | None = None,
    cache: ArrayStore | None = None,
    formats: SequenceABC[str] = ("png", "pdf"),
) -> dict[str, Path]:
    """Success / precision / normalized-precision plot of OPE results (legend sorted by score)."""
    xlabel, default_title, _, _, xlim = CURVE_INFO[metric]
    shown = _legend_score(results, metric)
    curves = ope_curves(results, metric)
    ylabel = _curve_score(metric).axis_title()
    title = title or default_title
    legend_loc = "lower left" if metric == "success" else "lower right"
    n = len(curves)
    size = (COLUMN_WIDTH_IN, fig_height(2.6, n))

    def draw(fig: Any) -> None:
        draw_curves(fig, curves, styles, xlabel, ylabel, f"{title} ({shown.legend})", xlim, shown.decimals,
                    legend_loc=legend_loc)  # fmt: skip

    key = ("curve", metric, title, [(c.name, c.x, c.y, c.score) for c in curves], styles or {})
    return save_figure(draw, key, out_base, size, formats, cache)


# --- attributes -------------------------------------------------------------------------------------


def attribute_bars(
    values: Mapping[str, Mapping[str, float]],
    attributes: SequenceABC[str],
    out_base: str | Path,
    styles: Mapping[str, Style] | None = None,
    title: str = f"{score('auc').label} per attribute",
    value_label: str = f"{score('auc').label} ({score('auc').unit})",
    counts: Mapping[str, int] | None = None,
    cache: ArrayStore | None = None,
    formats: SequenceABC[str] = ("png", "pdf"),
) -> dict[str, Path]:
    """Grouped horizontal bars: one group per attribute (official order, top to bottom), one bar per
    tracker, in the order of ``values`` (pass the leaderboard's order: the legend reads like the curves').
    Horizontal so 14+ attribute names stay readable at column width. Bars start at 0: a bar's length is
    its value, so an axis starting at 30 would multiply the gaps."""
    names = list(values)
    attrs = list(attributes)
    n_t, n_a = max(1, len(names)), max(1, len(attrs))
    finite = [v for t in names for a in attrs if np.isfinite(v := values[t].get(a, np.nan))]
    lo = 0.0
    hi = min(100.0, 5 * np.ceil((max(finite) + 2) / 5)) if finite else 100.0
    # Up to ~60 bars fit one column as horizontal bars; more go to a double-column (7 in) figure.
    wide = n_t * n_a > 60
    ncol = min(5 if wide else 3, n_t)
    legend_rows = (n_t + ncol - 1) // ncol
    if wide:
        width, height = 2 * COLUMN_WIDTH_IN + 0.3, 2.4 + 0.14 * legend_rows
    else:
        width, height = COLUMN_WIDTH_IN, min(9.5, 0.75 + 0.14 * legend_rows + n_a * (0.1 + 0.045 * n_t))
    sep = "\n" if wide else " "  # counts under the name when attributes are side by side
    labels = [f"{a}{sep}({counts[a]})" if counts and a in counts else a for a in attrs]

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        bar = 0.8 / n_t
        pos = np.arange(n_a).astype(float) if wide else np.arange(n_a)[::-1].astype(float)
        for i, t in enumerate(names):
            st = style_for(t, styles, i)
            vals = np.array([values[t].get(a, np.nan) for a in attrs], dtype=float)
            # Bars cannot show line styles: trackers past the 8th colour get a hatch instead.
            hatch = ("", "////", "....", "xxxx")[(i // len(OKABE_ITO)) % 4]
            kw = {"color": st.color, "label": t, "hatch": hatch, "edgecolor": "white", "linewidth": 0}
            if wide:
                ax.bar(pos - 0.4 + (i + 0.5) * bar, vals, width=bar, **kw)
            else:
                ax.barh(pos + 0.4 - (i + 0.5) * bar, vals, height=bar, **kw)
        if wide:
            ax.set_xticks(pos, labels)
            ax.set_ylim(lo, hi)
            ax.set_xlim(-0.6, n_a - 0.4)
            ax.set_ylabel(value_label)
            ax.grid(True, axis="y")
        else:
            ax.set_yticks(pos, labels)
            ax.set_xlim(lo, hi)
            ax.set_ylim(-0.6, n_a - 0.4)
            ax.set_xlabel(value_label)
            ax.grid(True, axis="x")
        ax.set_title(title)
        ax.set_axisbelow(True)
        fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=ncol, frameon=False,
                   handlelength=1.0, columnspacing=0.8, borderaxespad=0.2)  # fmt: skip
        fig.tight_layout(pad=0.3, rect=(0, (0.1 + 0.14 * legend_rows) / height, 1, 1))

    key = ("bars", title, value_label, names, attrs, [[values[t].get(a, np.nan) for a in attrs] for t in names],
           dict(counts or {}), styles or {})  # fmt: skip
    return save_figure(draw, key, out_base, (width, height), formats, cache)


def attribute_radar(
    values: Mapping[str, Mapping[str, float]],
    attributes: SequenceABC[str],
    out_base: str | Path,
    styles: Mapping[str, Style] | None = None,
    title: str = f"{score('auc').label} per attribute",
    cache: ArrayStore | None = None,
    formats: SequenceABC[str] = ("png", "pdf"),
) -> dict[str, Path]:
    """Radar chart of per-attribute scores (like ODTrack's Fig. 4): one polygon per tracker on a
    common radial scale, stated under the title (the centre is not 0 when every score is far above it;
    rings unlabelled, so no scale text sits on the curves); the best score of each attribute is printed
    at its vertex; the legend in the order of ``values``."""
    names = list(values)
    attrs = list(attributes)
    finite = [v for t in names for a in attrs if np.isfinite(v := values[t].get(a, np.nan))]
    lo = max(0.0, 10 * np.floor((min(finite) - 5) / 10)) if finite else 0.0
    hi = min(100.0, 10 * np.ceil((max(finite) + 1) / 10)) if finite else 100.0
    n_t = len(names)
    height = 3.8 + 0.14 * ((n_t + 1) // 2)

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1, projection="polar")
        angles = np.linspace(0, 2 * np.pi, len(attrs), endpoint=False)
        closed = np.concatenate([angles, angles[:1]])
        for i, t in enumerate(names):
            st = style_for(t, styles, i)
            v = np.array([values[t].get(a, np.nan) for a in attrs], dtype=float)
            ax.plot(closed, np.concatenate([v, v[:1]]), color=st.color, linestyle=st.linestyle, linewidth=1.0,
                    label=t)  # fmt: skip
        ax.set_theta_offset(np.pi / 2)
        ax.set_theta_direction(-1)
        labels = []
        for a in attrs:  # attribute name with the best score on it underneath (as in ODTrack's Fig. 4)
            col = np.array([values[t].get(a, np.nan) for t in names], dtype=float)
            labels.append(f"{a}\n({np.nanmax(col):.1f})" if np.isfinite(col).any() else a)
        ax.set_xticks(angles, labels)
        ax.set_ylim(lo, hi)
        step = 10.0 if hi - lo <= 50 else 20.0
        ticks = np.arange(lo + step, hi - 1e-9, step)
        ax.set_yticks(ticks, [""] * len(ticks))
        ax.tick_params(axis="x", pad=4)
        # A suptitle, and room kept for it: tight_layout ignores the polar labels above the circle.
        scale = f"centre {lo:.0f}, outer ring {hi:.0f}, rings every {step:.0f}"
        fig.suptitle(f"{title}\n{scale}", fontsize=FONT_PT + 1, y=1 - 0.05 / height, va="top")
        ncol = 2 if n_t > 1 else 1
        fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=ncol, frameon=False,
                   handlelength=1.6, columnspacing=0.8, borderaxespad=0.2)  # fmt: skip
        legend_h = 0.5 + 0.14 * ((n_t + ncol - 1) // ncol)  # + room for the bottom attribute label
        fig.tight_layout(pad=0.3, rect=(0, legend_h / height, 1, 1 - 0.5 / height))

    key = ("radar", title, names, attrs, [[values[t].get(a, np.nan) for a in attrs] for t in names], styles or {})
    return save_figure(draw, key, out_base, (COLUMN_WIDTH_IN, height), formats, cache)
