"""Paired comparison statistics: bootstrap CI coverage on data with a known effect, Wilcoxon p equal to
scipy's on independently computed vectors, identical trackers, and the CLI's JSON shape."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from odtrack_eval.cli import _load_commands, app
from odtrack_eval.metrics.aggregation import OPEResult
from odtrack_eval.metrics.preparation import METRICS
from odtrack_eval.protocols import get_protocol
from odtrack_eval.report.compare import bootstrap_mean_ci, compare_results, per_sequence_scores, wilcoxon_p
from tests._report_data import RESULTS, ROOTS, real_evaluation


def test_bootstrap_ci_covers_known_effect_at_about_95_percent() -> None:
    """Over 300 generated data sets with true mean difference 1.5, the 95% CI covers 1.5 about 95% of
    the time (binomial 99.9% band for 300 trials: 0.90-0.985)."""
    rng = np.random.default_rng(12345)
    covered = 0
    for trial in range(300):
        d = 1.5 + rng.normal(0.0, 4.0, size=120)
        lo, hi = bootstrap_mean_ci(d, seed=trial, resamples=2000)
        covered += lo <= 1.5 <= hi
    assert 0.90 <= covered / 300 <= 0.985


def test_bootstrap_is_seeded_and_centred() -> None:
    d = np.random.default_rng(0).normal(2.0, 3.0, size=200)
    assert bootstrap_mean_ci(d, seed=7) == bootstrap_mean_ci(d, seed=7)
    lo, hi = bootstrap_mean_ci(d, seed=7)
    assert lo < d.mean() < hi and abs((lo + hi) / 2 - d.mean()) < 0.1
    assert hi - lo == pytest.approx(2 * 1.96 * d.std(ddof=1) / np.sqrt(len(d)), rel=0.1)  # normal theory


def _result(name: str, success: np.ndarray) -> OPEResult:
    proto = get_protocol("odtrack").for_benchmark("otb")
    n, k = success.shape
    curves = {"success": success, "precision": success.copy(), "norm_precision": success.copy()}
    grids = {m: proto.grid(m) for m in METRICS}
    assert grids["success"].shape == (k,)
    return OPEResult(name, proto, [f"s{i}" for i in range(n)], curves, grids, np.full(n, 10), 1, [curves])


def test_compare_known_effect_and_identical_trackers() -> None:
    rng = np.random.default_rng(5)
    base = np.sort(rng.uniform(0.1, 0.8, size=(60, 21)), axis=1)[:, ::-1]
    shift = rng.normal(0.02, 0.05, size=(60, 1))  # per-sequence AUC effect = 100 * shift (mean read-out)
    a, b = _result("A", base), _result("B", np.clip(base + shift, 0, 1))
    true_d = 100 * (np.clip(base + shift, 0, 1).mean(axis=1) - base.mean(axis=1))
    auc = compare_results(a, b, seed=1)[0]
    assert auc.metric == "auc" and auc.num_sequences == 60
    assert auc.delta == pytest.approx(true_d.mean())
    assert auc.ci95[0] <= true_d.mean() <= auc.ci95[1]
    assert auc.wins == int((true_d > 0).sum()) and auc.losses == int((true_d < 0).sum())
    same = compare_results(a, _result("A2", base.copy()), seed=1)
    for c in same:
        assert c.delta == 0.0 and c.ci95 == (0.0, 0.0) and c.p_value == 1.0
        assert (c.wins, c.ties, c.losses) == (0, 60, 0)


def test_wilcoxon_all_zero_and_scipy() -> None:
    assert wilcoxon_p(np.zeros(10)) == 1.0
    d = np.array([1.0, -2.0, 3.5, 0.0, 4.0, 2.0, -0.5, 6.0])
    assert wilcoxon_p(d) == pytest.approx(stats.wilcoxon(d).pvalue)


@pytest.mark.parametrize("bench", ["otb100", "lasot"])
def test_wilcoxon_equals_scipy_on_real_per_sequence_scores(bench: str) -> None:
    ev = real_evaluation(bench)
    a, b = ev.results
    comps = compare_results(a, b, ev.dataset, seed=0, resamples=1000)
    sa, sb = a.sequence_scores(), b.sequence_scores()  # independent path: one scores() call per sequence
    for c in comps:
        va = np.array([sa[n][c.metric] for n in a.sequence_names])
        vb = np.array([sb[n][c.metric] for n in a.sequence_names])
        ok = np.isfinite(va) & np.isfinite(vb)
        d = vb[ok] - va[ok]
        assert c.num_sequences == ok.sum()
        assert c.delta == pytest.approx(d.mean(), abs=1e-9)
        # Documented tie rule: |d| <= 1e-9 points is float noise (LaSOT has a 4e-16 "difference" between two
        # equal AUCs) and counts as a zero difference, which Wilcoxon's test discards.
        d[np.abs(d) <= 1e-9] = 0.0
        assert c.p_value == pytest.approx(stats.wilcoxon(d).pvalue, rel=1e-9)
        assert c.wins + c.ties + c.losses == c.num_sequences
        assert c.wins == (d > 1e-9).sum()


@pytest.mark.parametrize("protocol", ["odtrack", "official", "got10k"])
def test_vectorized_per_sequence_scores_equal_scores_per_sequence(protocol: str) -> None:
    ev = real_evaluation("otb100", protocol)
    r = ev.results[0]
    slow = r.sequence_scores()
    for metric in ("auc", "precision", "norm_precision"):
        fast = per_sequence_scores(r, metric)
        ref = np.array([slow[n][metric] for n in r.sequence_names])
        np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-9, equal_nan=True)


def test_compare_cli_json_shape() -> None:
    real_evaluation("otb100")
    _load_commands()
    res = CliRunner().invoke(app, ["compare", "SiamFC-3s", "cfnet-conv2", "--dataset", "otb100", "--root",
                                   str(ROOTS["otb100"]), "--results", str(RESULTS["otb100"]), "--format", "json",
                                   "--seed", "3"])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [d["metric"] for d in doc] == ["auc", "precision", "norm_precision"]
    keys = {"metric", "a", "b", "mean_a", "mean_b", "delta", "ci95", "p_value", "wins", "ties", "losses",
            "num_sequences"}  # fmt: skip
    for d in doc:
        assert set(d) == keys
        assert d["a"] == "SiamFC-3s" and d["b"] == "cfnet-conv2" and d["num_sequences"] == 100
        assert d["ci95"][0] <= d["delta"] <= d["ci95"][1]
        assert d["wins"] + d["ties"] + d["losses"] == 100
    # PUBLISHED.md: SiamFC-3s 58.2388, cfnet-conv2 56.7879 AUC (odtrack protocol) -> delta = -1.4509
    assert doc[0]["mean_a"] == pytest.approx(58.2388, abs=1e-3)
    assert doc[0]["delta"] == pytest.approx(56.7879 - 58.2388, abs=2e-3)
    table = CliRunner().invoke(app, ["compare", "SiamFC-3s", "cfnet-conv2", "--dataset", "otb100", "--root",
                                     str(ROOTS["otb100"]), "--results", str(RESULTS["otb100"])])  # fmt: skip
    assert table.exit_code == 0 and "Wilcoxon" in table.stdout and "Per attribute" in table.stdout


def test_compare_cli_selectors_pick_runs_of_one_parameter_set(tmp_path) -> None:
    """Two checkpoints of one tracker in the ODTrack layout (baseline_100, baseline_300): selecting each by
    TRACKER:PARAM:RUN must give exactly the comparison of the two trackers whose files they are."""
    import shutil

    real_evaluation("otb100")
    _load_commands()
    for run, source in (("baseline_100", "SiamFC-3s"), ("baseline_300", "cfnet-conv2")):
        shutil.copytree(RESULTS["otb100"] / source, tmp_path / "odtrack" / run / "otb")
    common = ["--dataset", "otb100", "--root", str(ROOTS["otb100"]), "--format", "json", "--seed", "3"]
    direct = CliRunner().invoke(app, ["compare", "SiamFC-3s", "cfnet-conv2", "--results", str(RESULTS["otb100"]),
                                      *common])  # fmt: skip
    picked = CliRunner().invoke(app, ["compare", "odtrack:baseline:100:epoch 100", "odtrack:baseline:300",
                                      "--results", str(tmp_path), *common])  # fmt: skip
    assert direct.exit_code == 0 and picked.exit_code == 0, picked.output
    want, got = json.loads(direct.stdout), json.loads(picked.stdout)
    for w, g in zip(want, got, strict=True):
        assert (g["a"], g["b"]) == ("epoch 100", "odtrack/baseline:300")
        assert {k: g[k] for k in g if k not in ("a", "b")} == {k: w[k] for k in w if k not in ("a", "b")}


@pytest.mark.parametrize("protocol", ["odtrack", "official", "pytracking", "got10k"])
def test_score_cis_bracket_the_scores_and_are_seeded(protocol: str) -> None:
    from odtrack_eval.report.compare import score_cis

    for bench in ("otb100", "lasot"):
        for r in real_evaluation(bench, protocol).results:
            cis = score_cis(r, seed=5, resamples=2_000)
            assert cis == score_cis(r, seed=5, resamples=2_000)
            for m, (lo, hi) in cis.items():
                assert lo < r.scores()[m] < hi and hi - lo < 15, (bench, r.tracker, m)


def test_score_ci_of_identical_sequences_collapses() -> None:
    import dataclasses

    from odtrack_eval.report.compare import score_cis

    r = real_evaluation("otb100").results[0]
    curves = {k: np.repeat(np.asarray(v)[:1], len(r.sequence_names), axis=0) for k, v in r.curves.items()}
    same = dataclasses.replace(r, curves=curves)  # every sequence scored like the first one
    lo, hi = score_cis(same, ["auc"], resamples=500)["auc"]
    first = 100 * float(np.asarray(r.curves["success"])[0].mean())
    assert lo == pytest.approx(first, abs=1e-9) and hi == pytest.approx(first, abs=1e-9)


def test_evaluate_ci_cli() -> None:
    real_evaluation("otb100")
    _load_commands()
    args = ["evaluate", "-d", "otb100", "--root", str(ROOTS["otb100"]), "-r", str(RESULTS["otb100"]), "--ci"]
    res = CliRunner().invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    for t in json.loads(res.stdout)["trackers"]:
        assert set(t["ci95"]) == {"auc", "norm_precision", "precision"}
        for m, (lo, hi) in t["ci95"].items():
            assert lo < t[m] < hi
    text = CliRunner().invoke(app, args)
    assert "95% confidence intervals over the 100 sequences" in text.stdout and "AUC low" in text.stdout


@pytest.mark.parametrize(("n", "resamples", "chunk"), [(37, 4_500, 2_000), (2, 1, 2_000), (280, 10_000, 2_000),
                                                   (36, 999, 7), (5, 10, 20_000)])  # fmt: skip
def test_a_seeded_interval_is_the_plain_bootstrap_whether_or_not_its_draws_were_made_before(
    n: int, resamples: int, chunk: int
) -> None:
    """The resampled indices of a seed are drawn once per process and shared by every score: each interval
    must still be exactly the textbook percentile bootstrap of its own data."""

    def plain(d: np.ndarray, seed: int, resamples: int, chunk: int = 2_000) -> tuple[float, float]:
        rng = np.random.default_rng(seed)
        means = np.concatenate([d[rng.integers(0, len(d), size=(min(chunk, resamples - s), len(d)))].mean(axis=1)
                                for s in range(0, resamples, chunk)])  # fmt: skip
        alpha = (1.0 - 0.95) / 2  # (as the level is given: not exactly 0.025)
        lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
        return float(lo), float(hi)

    rng = np.random.default_rng(n)
    first, second = rng.random(n) * 100, rng.random(n) * 50  # same length: the second reuses the draws
    for d in (first, second, first):
        assert bootstrap_mean_ci(d, seed=13, resamples=resamples, chunk=chunk) == plain(d, 13, resamples, chunk)
    assert bootstrap_mean_ci(first, seed=np.int64(13), resamples=resamples, chunk=chunk) == plain(first, 13, resamples,
                                                                                                  chunk)  # fmt: skip
    generator = np.random.default_rng(13)  # a Generator is drawn from, as numpy does: a fresh interval per call
    assert bootstrap_mean_ci(first, seed=generator, resamples=resamples, chunk=chunk) == plain(first, 13, resamples,
                                                                                               chunk)  # fmt: skip
