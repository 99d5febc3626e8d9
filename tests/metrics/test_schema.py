"""The score schema is the one place scores are declared: every protocol's scores are in it, its labels are
unambiguous, its read-outs exist in each protocol, and the reports (tables, compare, plots, published)
take their columns, order, labels and direction from it."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from odtrack_eval.metrics.aggregation import OPEResult
from odtrack_eval.metrics.preparation import METRICS as CURVES
from odtrack_eval.metrics.schema import SCORES, ci_keys, headline_keys, legend_score, readout, score, scores_for
from odtrack_eval.protocols import PROTOCOLS, Protocol, get_protocol
from odtrack_eval.report import compare, documents, plots, published, tables

OPE_PROTOCOLS = [name for name, p in PROTOCOLS.items() if isinstance(p, Protocol)]


def _evaluation(protocol: str) -> SimpleNamespace:
    """What the column functions read of an Evaluation: its protocol."""
    return SimpleNamespace(protocol=get_protocol(protocol))


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_every_protocol_score_is_in_the_schema(name: str) -> None:
    metrics = PROTOCOLS[name].metrics
    assert metrics, name
    for key in metrics:
        assert key in SCORES, f"protocol {name} reports {key!r}, which the schema does not declare"
    assert len(set(metrics)) == len(metrics)


def test_unknown_key_is_an_error() -> None:
    with pytest.raises(KeyError, match="unknown score 'iou'"):
        score("iou")
    with pytest.raises(KeyError):
        tables.score_columns(["auc", "iou"])


def test_labels_and_legends_are_unique() -> None:
    labels = [s.label for s in SCORES.values()]
    assert len(set(labels)) == len(labels), labels
    legends = [s.legend for s in SCORES.values() if s.legend]
    assert len(set(legends)) == len(legends), legends
    assert all(k == s.key for k, s in SCORES.items())


@pytest.mark.parametrize("name", OPE_PROTOCOLS)
def test_curve_readouts_are_defined_by_the_protocol(name: str) -> None:
    """Each curve score of the schema (not only the protocol's own: a table or compare may ask for any) reads
    a curve the protocol has a grid for, with a read-out it knows, at a point on that grid."""
    p = get_protocol(name)
    for s in SCORES.values():
        if s.curve is None:
            continue
        assert s.curve in CURVES
        how, at = s.readout(p)
        assert readout(s.key, p) == (s.curve, how, at)
        assert how in ("mean", "trapz", "at"), (name, s.key, how)
        if how == "at":
            grid = p.grid(s.curve)
            assert at is not None and grid[0] <= at <= grid[-1], (name, s.key, at)
            nearest = grid[int(np.argmin(np.abs(grid - at)))]
            assert nearest == pytest.approx(at, rel=1e-9, abs=1e-12), (name, s.key, at, nearest)


def test_protocol_readout_fields_decide() -> None:
    """Read-outs that are the protocol's choice follow it: AUC is a mean for ODTrack, a trapezoid for TrackingNet."""
    assert score("auc").readout(get_protocol("odtrack")) == ("mean", None)
    assert score("auc").readout(get_protocol("trackingnet")) == ("trapz", None)
    assert score("precision").readout(get_protocol("odtrack")) == ("at", 20.0)
    assert score("op50").readout(get_protocol("trackingnet")) == ("at", 0.5)


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_table_columns_come_in_schema_order(name: str) -> None:
    p = get_protocol(name)
    cols = tables.protocol_columns(_evaluation(name))
    assert [c.key for c in cols] == [k for k in SCORES if k in p.metrics]
    for c in cols:
        s = SCORES[c.key]
        assert (c.label, c.decimals, c.higher_is_better) == (s.label, s.decimals, s.higher_is_better)
    bench = tables.benchmark_columns(_evaluation(name))
    assert [c.key for c in bench] == [c.key for c in cols if SCORES[c.key].headline]


def test_table_columns_pinned() -> None:
    """The paper order differs from the protocols' own order (AUC, P, P_norm): tables use the paper's."""
    assert get_protocol("odtrack").metrics[:3] == ("auc", "precision", "norm_precision")
    assert [c.label for c in tables.protocol_columns(_evaluation("odtrack"))] == ["AUC", "P_norm", "P", "OP50", "OP75"]
    assert [c.label for c in tables.benchmark_columns(_evaluation("odtrack"))] == ["AUC", "P_norm", "P"]
    assert [c.label for c in tables.benchmark_columns(_evaluation("got10k-val"))] == ["AO", "SR0.5", "SR0.75"]
    assert tables.main_keys(_evaluation("odtrack")) == ("auc", "precision", "norm_precision")
    assert tables.main_keys(_evaluation("got10k-val")) == ("ao", "sr50", "sr75")
    assert [(c.key, c.label, c.decimals) for c in tables.OPE_COLUMNS] == [
        ("auc", "AUC", 1), ("norm_precision", "P_norm", 1), ("precision", "P", 1), ("op50", "OP50", 1),
        ("op75", "OP75", 1),
    ]  # fmt: skip
    assert (tables.FPS_COLUMN.label, tables.FPS_COLUMN.decimals) == ("FPS", 1)
    from odtrack_eval.report.vot import VOT_COLUMNS

    assert [(c.key, c.label, c.decimals) for c in VOT_COLUMNS] == [("eao", "EAO", 3), ("accuracy", "A", 3),
                                                                    ("robustness", "R", 3)]  # fmt: skip


def _table(column: tables.Column) -> tables.Table:
    rows = [(name, {column.key: value}) for name, value in (("A", 10.0), ("B", 20.0), ("C", 30.0))]
    return tables.Table("t", (column,), rows)


def test_lower_is_better_flips_best_marking() -> None:
    up = tables.Column.from_score(score("auc"))
    down = tables.Column.from_score(replace(score("auc"), higher_is_better=False))
    assert up.higher_is_better and not down.higher_is_better
    assert _table(up).ranks() == {"A": {"auc": 3}, "B": {"auc": 2}, "C": {"auc": 1}}
    assert _table(down).ranks() == {"A": {"auc": 1}, "B": {"auc": 2}, "C": {"auc": 3}}
    text_up, text_down = tables.to_text(_table(up)), tables.to_text(_table(down))
    assert "30.0*" in text_up and "20.0'" in text_up and "10.0*" not in text_up
    assert "10.0*" in text_down and "20.0'" in text_down and "30.0*" not in text_down
    assert "**10.0**" in tables.to_markdown(_table(down))
    assert documents.table_to_dict(_table(down))["columns"][0]["higher_is_better"] is False
    assert sorted([10.0, 30.0, 20.0], key=replace(score("auc"), higher_is_better=False).better_first) == [10, 20, 30]
    assert sorted([10.0, 30.0, 20.0], key=score("auc").better_first) == [30, 20, 10]


def test_every_ranking_puts_nan_and_missing_scores_last() -> None:
    """Leaderboard, CI table and VOT table all sort by Score.better_first: NaN must not scramble them."""
    for s in (score("auc"), score("eao"), replace(score("auc"), higher_is_better=False)):
        ranked = sorted([float("nan"), 20.0, None, np.float32(10.0), 30.0, float("inf")], key=s.better_first)
        best = [30.0, 20.0, 10.0] if s.higher_is_better else [10.0, 20.0, 30.0]
        assert ranked[:3] == best, (s.key, ranked)


def test_column_from_score_takes_label_and_decimals() -> None:
    eao = tables.Column.from_score(score("eao"), "vot:eao", group="vot")
    assert (eao.key, eao.label, eao.decimals, eao.group) == ("vot:eao", "EAO", 3, "vot")
    assert tables.to_text(tables.Table("t", (eao,), [("x", {"vot:eao": 0.12345})])).count("0.123") == 1


def test_confidence_intervals_only_for_sequence_means() -> None:
    assert ci_keys(get_protocol("odtrack")) == ("auc", "norm_precision", "precision")
    assert ci_keys(get_protocol("trackingnet")) == ("auc", "norm_precision", "precision")
    assert ci_keys(get_protocol("got10k-val")) == ()
    assert ci_keys(get_protocol("vot2020")) == ()
    assert ci_keys(replace(get_protocol("odtrack"), aggregation="frame_pooled")) == ()
    for name in OPE_PROTOCOLS:
        assert all(SCORES[k].sequence_mean and k in PROTOCOLS[name].metrics for k in ci_keys(PROTOCOLS[name]))
    assert headline_keys(get_protocol("vot2020")) == ("eao", "accuracy", "robustness")


def test_compare_and_published_read_the_schema() -> None:
    assert compare.METRICS == ("auc", "precision", "norm_precision")  # the order of `compare`'s output
    assert all(compare.LABELS[k] == SCORES[k].label for k in compare.METRICS)
    assert set(published.COMPUTABLE) == {"auc", "norm_precision", "precision", "op50", "op75"}
    assert "ao" not in published.COMPUTABLE and "eao" not in published.COMPUTABLE
    assert published.METRIC_LABELS["sr50"] == "SR0.5" and published.METRIC_LABELS["eao"] == "EAO"


def test_plot_labels_come_from_the_schema() -> None:
    assert {m: info[2] for m, info in plots.CURVE_INFO.items()} == {
        "success": "AUC", "precision": "P@20", "norm_precision": "P_norm@0.2"}  # fmt: skip
    for metric in CURVES:
        s = legend_score(metric)
        assert s is not None and s.curve == metric and plots.CURVE_INFO[metric][2] == s.legend
    assert legend_score("success", get_protocol("got10k-val")) == score("ao")
    assert legend_score("precision", get_protocol("got10k-val")) is None
    assert legend_score("success", get_protocol("trackingnet")) == score("auc")
    assert [legend_score(m).axis_title() for m in CURVES] == ["Success rate (%)", "Precision (%)",
                                                             "Normalized precision (%)"]  # fmt: skip
    assert (score("accuracy").axis_title(), score("robustness").axis_title()) == ("Accuracy", "Robustness")


def _result(protocol: str, seed: int = 0) -> OPEResult:
    """A hand-made result with decreasing curves on the protocol's own grids (5 sequences, 1 run)."""
    p = get_protocol(protocol)
    rng = np.random.default_rng(seed)
    curves = {m: np.sort(rng.uniform(0, 1, (5, len(p.grid(m)))), axis=1)[:, ::-1].copy() for m in CURVES}
    grids = {m: p.grid(m) for m in CURVES}
    return OPEResult("t", p, [f"s{i}" for i in range(5)], curves, grids, np.full(5, 10), 1, [curves])


@pytest.mark.parametrize("protocol", ["odtrack", "trackingnet", "official"])
def test_per_sequence_scores_follow_schema_readouts(protocol: str) -> None:
    """compare's vectorized read-out equals OPEResult.scores per sequence for every curve score of the
    protocol, OP50/OP75 included (they had no read-out in compare before the schema)."""
    r = _result(protocol)
    slow = r.sequence_scores()
    for s in scores_for(r.protocol.metrics):
        ref = np.array([slow[n][s.key] for n in r.sequence_names])
        np.testing.assert_allclose(compare.per_sequence_scores(r, s.key), ref, rtol=0, atol=1e-9)


def test_compare_wins_follow_direction(monkeypatch: pytest.MonkeyPatch) -> None:
    a = _result("odtrack", 1)
    b = replace(a, tracker="b", curves={m: np.clip(c + 0.1, 0, 1) for m, c in a.curves.items()})
    first = compare.compare_results(a, b, metrics=["auc"], resamples=200)[0]
    assert (first.wins, first.losses) == (5, 0) and first.delta > 0
    monkeypatch.setitem(SCORES, "auc", replace(SCORES["auc"], higher_is_better=False))
    flipped = compare.compare_results(a, b, metrics=["auc"], resamples=200)[0]
    assert (flipped.wins, flipped.losses) == (0, 5) and flipped.delta == first.delta
