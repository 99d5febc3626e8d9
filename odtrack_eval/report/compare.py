"""Paired comparison of two trackers (or two variants of one) on the same sequences.

No peer toolkit tests whether a difference between two trackers is more than noise (peers.md, gaps 1
and 2). Sequences are the natural unit: both trackers ran on the same ones, so the comparison is
paired. For each metric we report

* the mean per-sequence difference ``delta = B - A`` (positive: B is better),
* a bootstrap 95% confidence interval of that mean (percentile method, resampling sequences with
  replacement; seeded and vectorized),
* the two-sided Wilcoxon signed-rank p-value (``scipy.stats.wilcoxon`` with its defaults; zero
  differences are discarded as in Wilcoxon's original test; all differences zero -> p = 1),
* win / tie / loss counts (B better / equal / worse on a sequence), the sequences that differ most,
  per-attribute mean differences, and the spread of each tracker's score over its runs.

All numbers are derived from the (content-cached) per-sequence curves of :class:`OPEResult`, read out
as the score schema (:mod:`odtrack_eval.metrics.schema`) says; "better" follows its ``higher_is_better``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.metrics.aggregation import OPEResult
from odtrack_eval.metrics.schema import SCORES, score
from odtrack_eval.protocols import DEFAULT_PROTOCOL, get_protocol
from odtrack_eval.sequence import Dataset

#: Scores compared by default: the headline scores that are means over sequences (so a paired, per-sequence
#: comparison applies), in the one-pass protocols' order (AUC, P, P_norm).
METRICS = tuple(k for k in get_protocol(DEFAULT_PROTOCOL).metrics if score(k).headline and score(k).sequence_mean)
#: Score key -> printed label (from the schema).
LABELS = {k: s.label for k, s in SCORES.items()}
#: Differences smaller than this (percent points) count as ties (float noise, not a win).
TIE_TOL = 1e-9


def per_sequence_scores(result: OPEResult, metric: str) -> np.ndarray:
    """Per-sequence score (percent) of ``metric`` for every sequence, vectorized over sequences.

    Same read-outs as :meth:`OPEResult.scores` on a single sequence (the schema's ``readout(protocol)``):
    NaN where the protocol drops the sequence's curve (all-zero curve with ``drop_zero_curves``) or the
    curve is undefined. A score not read from a curve (AO, EAO) has no per-sequence curve value: error.
    """
    s = score(metric)
    if s.curve is None:
        raise OdtrackEvalError(f"{s.label} is not read from a per-sequence curve")
    proto = result.protocol
    c = np.asarray(result.curves[s.curve], dtype=np.float64)
    grid = np.asarray(result.grids[s.curve])
    how, at = s.readout(proto)
    if how == "mean":
        v = c.mean(axis=1)
    elif how == "trapz":
        v = np.trapezoid(c, x=np.linspace(0.0, 1.0, c.shape[1]), axis=1)
    else:
        v = c[:, int(np.argmin(np.abs(grid - at)))].copy()
    bad = np.isnan(c).any(axis=1)
    if proto.drop_zero_curves:
        bad |= c.sum(axis=1) <= np.finfo(np.float64).eps
    v[bad] = np.nan
    return 100.0 * v


def _draw_indices(rng: np.random.Generator, n: int, resamples: int, chunk: int) -> Iterator[np.ndarray]:
    """The resampled index matrices, one chunk of resamples at a time (bounded memory for large benchmarks)."""
    for start in range(0, resamples, chunk):
        yield rng.integers(0, n, size=(min(resamples, start + chunk) - start, n))


@functools.lru_cache(maxsize=4)  # (11 MB each for 280 sequences)
def _resample_indices(n: int, seed: int, resamples: int, chunk: int) -> list[np.ndarray]:
    """:func:`_draw_indices` of an integer seed, drawn once per process: every score of every tracker with
    ``n`` sequences resamples the same sequences (drawing them was ~70% of a report's CI time). Kept as
    int32 where ``n`` allows (the same indices, half the memory)."""
    small = n < 2**31
    chunks = [idx.astype(np.int32) if small else idx for idx in
              _draw_indices(np.random.default_rng(seed), n, resamples, chunk)]  # fmt: skip
    for idx in chunks:
        idx.flags.writeable = False
    return chunks


def bootstrap_mean_ci(
    d: np.ndarray, seed: int | None = 0, resamples: int = 10_000, level: float = 0.95, chunk: int = 2_000
) -> tuple[float, float]:
    """Percentile bootstrap CI of ``mean(d)`` (resampling the entries of ``d`` with replacement).

    Vectorized in chunks of resamples (one index matrix per chunk) to bound memory for large benchmarks.
    """
    d = np.asarray(d, dtype=np.float64)
    n = len(d)
    if n == 0:
        return (math.nan, math.nan)
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        chunks: Iterable[np.ndarray] = _resample_indices(n, int(seed), resamples, chunk)
    else:  # None (fresh randomness), a Generator, a SeedSequence, ...: drawn anew, as numpy takes them
        chunks = _draw_indices(np.random.default_rng(seed), n, resamples, chunk)
    means = np.empty(resamples)
    for start, idx in zip(range(0, resamples, chunk), chunks, strict=True):
        means[start : start + len(idx)] = d[idx].mean(axis=1)
    alpha = (1.0 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return (float(lo), float(hi))


#: Bootstrap resamples of every confidence interval the package prints (evaluate --ci, report, compare):
#: one number, so one seed gives one interval everywhere (percentile bounds stable to ~0.05 point).
CI_RESAMPLES = 10_000


def score_cis(
    result: OPEResult, metrics: SequenceABC[str] = METRICS, seed: int | None = 0, resamples: int = CI_RESAMPLES,
    level: float = 0.95,
) -> dict[str, tuple[float, float]]:  # fmt: skip
    """Percentile bootstrap CI of each score, resampling the benchmark's sequences.

    What it measures: how much the score depends on which sequences the benchmark happens to contain (the
    uncertainty a reader should attach to a leaderboard gap), not tracker randomness (that is the spread
    over runs). Only for scores that are means over sequences (schema ``sequence_mean``, and checked on the
    numbers); refused (:class:`OdtrackEvalError`), e.g. for GOT-10k's frame-pooled AO. ``schema.ci_keys`` says
    which scores of a protocol qualify.
    """
    out = {}
    for m in metrics:
        d = per_sequence_scores(result, m) if score(m).sequence_mean else np.empty(0)
        d = d[np.isfinite(d)]
        value = result.scores()[m]
        if d.size == 0 or not math.isclose(float(d.mean()), value, rel_tol=0, abs_tol=1e-9):
            raise OdtrackEvalError(
                f"{result.tracker}: {m} under protocol {result.protocol.name!r} is not a mean over sequences, so a "
                "bootstrap over sequences does not apply"
            )
        out[m] = bootstrap_mean_ci(d, seed, resamples, level)
    return out


def wilcoxon_p(d: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value of the paired differences ``d`` (scipy's defaults).

    All-zero differences (identical trackers) have no evidence of a difference: p = 1. With fewer
    than one non-zero difference the test is undefined: NaN.
    """
    from scipy.stats import wilcoxon

    d = np.asarray(d, dtype=np.float64)
    nonzero = np.count_nonzero(d)
    if len(d) == 0:
        return math.nan
    if nonzero == 0:
        return 1.0
    return float(wilcoxon(d).pvalue)


@dataclass(frozen=True)
class RunSpread:
    mean: float
    std: float
    low: float
    high: float
    runs: int


@dataclass
class MetricComparison:
    metric: str
    a: str
    b: str
    mean_a: float
    mean_b: float
    delta: float
    ci95: tuple[float, float]
    p_value: float
    wins: int
    ties: int
    losses: int
    num_sequences: int
    #: (sequence, score A, score B, B - A), largest |B - A| first.
    top_sequences: list[tuple[str, float, float, float]] = field(default_factory=list)
    #: attribute -> (mean B - A over its sequences, number of sequences, wins, losses).
    attributes: dict[str, tuple[float, int, int, int]] = field(default_factory=dict)
    spread_a: RunSpread | None = None
    spread_b: RunSpread | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``odtrack-eval compare --format json`` (one object per metric)."""
        return {
            "metric": self.metric,
            "a": self.a,
            "b": self.b,
            "mean_a": _none_if_nan(self.mean_a),
            "mean_b": _none_if_nan(self.mean_b),
            "delta": _none_if_nan(self.delta),
            "ci95": [_none_if_nan(self.ci95[0]), _none_if_nan(self.ci95[1])],
            "p_value": _none_if_nan(self.p_value),
            "wins": self.wins,
            "ties": self.ties,
            "losses": self.losses,
            "num_sequences": self.num_sequences,
        }


def _none_if_nan(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def run_spread(result: OPEResult, metric: str) -> RunSpread | None:
    """Mean ± std and range of the tracker's overall score over its runs (None with one run)."""
    if result.num_runs < 2 or len(result.run_curves) < 2:
        return None
    vals = np.array([r.scores()[metric] for r in result.per_run()])
    return RunSpread(float(np.mean(vals)), float(np.std(vals, ddof=1)), float(vals.min()), float(vals.max()),
                     len(vals))  # fmt: skip


def compare_results(
    a: OPEResult,
    b: OPEResult,
    dataset: Dataset | None = None,
    metrics: SequenceABC[str] = METRICS,
    seed: int | None = 0,
    resamples: int = 10_000,
    top: int = 10,
) -> list[MetricComparison]:
    """Paired comparison of ``b`` against ``a`` on the sequences both were evaluated on.

    Sequences where either score is undefined (NaN) are left out of that metric's statistics;
    ``num_sequences`` says how many pairs were used. Wins/losses follow the score's direction
    (``higher_is_better``); ``delta`` is always B - A.
    """
    common = [n for n in a.sequence_names if n in set(b.sequence_names)]
    if not common:
        raise OdtrackEvalError(f"{a.tracker} and {b.tracker} have no evaluated sequence in common")
    ia = {n: i for i, n in enumerate(a.sequence_names)}
    ib = {n: i for i, n in enumerate(b.sequence_names)}
    sel_a = np.array([ia[n] for n in common])
    sel_b = np.array([ib[n] for n in common])
    names = np.array(common, dtype=object)
    attrs: dict[str, np.ndarray] = {}
    if dataset is not None:
        by_name = {s.name: s for s in dataset}
        codes = list(dataset.attribute_names) or sorted({x for s in dataset for x in s.attributes})
        for code in codes:
            attrs[code] = np.array([code in by_name[n].attributes if n in by_name else False for n in common])
    out = []
    for k, metric in enumerate(metrics):
        sa = per_sequence_scores(a, metric)[sel_a]
        sb = per_sequence_scores(b, metric)[sel_b]
        ok = np.isfinite(sa) & np.isfinite(sb)
        va, vb = sa[ok], sb[ok]
        d = vb - va
        n = len(d)
        better = d if score(metric).higher_is_better else -d  # > 0: B better on that sequence
        wins = int(np.sum(better > TIE_TOL))
        losses = int(np.sum(better < -TIE_TOL))
        dz = np.where(np.abs(d) <= TIE_TOL, 0.0, d)
        order = np.argsort(-np.abs(d), kind="stable")[:top]
        top_rows = [(str(names[ok][i]), float(va[i]), float(vb[i]), float(d[i])) for i in order]
        per_attr = {}
        for code, mask in attrs.items():
            m = mask[ok]
            if m.any():
                per_attr[code] = (float(d[m].mean()), int(m.sum()), int(np.sum(better[m] > TIE_TOL)),
                                  int(np.sum(better[m] < -TIE_TOL)))  # fmt: skip
        out.append(
            MetricComparison(
                metric=metric,
                a=a.tracker,
                b=b.tracker,
                mean_a=float(va.mean()) if n else math.nan,
                mean_b=float(vb.mean()) if n else math.nan,
                delta=float(d.mean()) if n else math.nan,
                ci95=bootstrap_mean_ci(d, None if seed is None else seed + k, resamples),
                p_value=wilcoxon_p(dz),
                wins=wins,
                ties=n - wins - losses,
                losses=losses,
                num_sequences=n,
                top_sequences=top_rows,
                attributes=per_attr,
                spread_a=run_spread(a, metric),
                spread_b=run_spread(b, metric),
            )
        )
    return out


def _spread_text(sp: RunSpread | None) -> str:
    if sp is None:
        return "1 run"
    return f"{sp.runs} runs: {sp.mean:.2f} ± {sp.std:.2f} ({sp.low:.2f}–{sp.high:.2f})"


def comparison_text(comparisons: SequenceABC[MetricComparison], attributes: bool = True) -> str:
    """Console report: summary per metric, then the most different sequences and attributes."""
    if not comparisons:
        return ""
    a, b = comparisons[0].a, comparisons[0].b
    lines = [f"{b} (B) vs {a} (A): per-sequence paired differences, delta = B - A (percent points)", ""]
    head = f"{'metric':<8} {'mean A':>7} {'mean B':>7} {'delta':>7} {'95% CI (bootstrap)':>20} {'p (Wilcoxon)':>12}"
    lines += [head + f" {'W/T/L':>11} {'n':>4}", "-" * (len(head) + 17)]
    for c in comparisons:
        ci = f"[{c.ci95[0]:+.2f}, {c.ci95[1]:+.2f}]"
        p = "–" if not math.isfinite(c.p_value) else (f"{c.p_value:.2g}" if c.p_value < 0.001 else f"{c.p_value:.3f}")
        wtl = f"{c.wins}/{c.ties}/{c.losses}"
        lines.append(f"{LABELS.get(c.metric, c.metric):<8} {c.mean_a:7.2f} {c.mean_b:7.2f} {c.delta:+7.2f} "
                     f"{ci:>20} {p:>12} {wtl:>11} {c.num_sequences:>4}")  # fmt: skip
    lines.append("W/T/L: sequences where B is better / equal / worse than A.")
    if any(c.spread_a or c.spread_b for c in comparisons):
        lines += ["", "Spread over runs (overall score; mean ± std (min–max)):"]
        for c in comparisons:
            lines.append(
                f"  {LABELS.get(c.metric, c.metric):<7} A {_spread_text(c.spread_a)};  B {_spread_text(c.spread_b)}"
            )
    first = comparisons[0]
    if first.top_sequences:
        lines += ["", f"Sequences where they differ most ({LABELS.get(first.metric, first.metric)}):"]
        width = max(len(s) for s, *_ in first.top_sequences)
        lines.append(f"  {'sequence':<{width}} {'A':>6} {'B':>6} {'B - A':>7}")
        for seq, va, vb, d in first.top_sequences:
            lines.append(f"  {seq:<{width}} {va:6.1f} {vb:6.1f} {d:+7.1f}")
    if attributes and first.attributes:
        lines += ["", "Per attribute (mean B - A over its sequences; W/L):"]
        codes = list(first.attributes)
        lines.append("  " + f"{'attribute':<10} {'n':>4} " + " ".join(f"{LABELS.get(c.metric, c.metric):>16}"
                                                                      for c in comparisons))  # fmt: skip
        for code in codes:
            cells = []
            for c in comparisons:
                v = c.attributes.get(code)
                cells.append(f"{v[0]:+6.2f} ({v[2]}/{v[3]})".rjust(16) if v else "–".rjust(16))
            lines.append(f"  {code:<10} {first.attributes[code][1]:>4} " + " ".join(cells))
    return "\n".join(lines)
