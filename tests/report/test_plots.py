"""Figures: every file is produced, non-trivial (size, not one colour, the tracker colours drawn), styles
are deterministic and distinct, VOT helpers take plain arrays, and rendering is cached by content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.report import plots, vot_plots
from odtrack_eval.store import ArrayStore
from tests._report_data import real_evaluation


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0


def assert_nontrivial_png(path: Path, colours: list[str] = ()) -> None:
    import matplotlib.image as mpimg

    assert path.stat().st_size > 10_000, path
    img = mpimg.imread(path)[..., :3]
    assert img.shape[1] >= 900  # 3.3 in at 300 dpi
    flat = img.reshape(-1, 3)
    assert len(np.unique((flat * 255).astype(np.uint8), axis=0)) > 20, f"{path} is (nearly) one colour"
    for c in colours:  # each tracker's colour is really drawn
        assert (np.abs(flat - _rgb(c)).max(axis=1) < 0.02).sum() > 50, f"{c} not drawn in {path}"


def assert_pdf(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5_000 and b"CreationDate" not in data


def test_tracker_styles_deterministic_and_distinct() -> None:
    names = [f"T{i}" for i in range(20)]
    a, b = plots.tracker_styles(names), plots.tracker_styles(list(names))
    assert a == b
    assert len({(s.color, s.linestyle) for s in a.values()}) == 20
    assert len({(s.color, s.marker) for s in a.values()}) == 20
    assert a["T0"].color == plots.OKABE_ITO[0] and a["T8"].linestyle != a["T0"].linestyle


@pytest.mark.parametrize("metric", ["success", "precision", "norm_precision"])
def test_curve_plots_on_real_results(tmp_path: Path, metric: str) -> None:
    ev = real_evaluation("otb100")
    styles = plots.tracker_styles(sorted(r.tracker for r in ev.results))
    paths = plots.curve_plot(ev.results, metric, tmp_path / metric, styles)
    assert_nontrivial_png(paths["png"], [s.color for s in styles.values()])
    assert_pdf(paths["pdf"])
    curves = plots.ope_curves(ev.results, metric)
    assert [c.name for c in plots.legend_entries(curves)][0] == "SiamFC-3s"  # PUBLISHED.md: higher AUC and P


def test_attribute_figures_on_real_results(tmp_path: Path) -> None:
    ev = real_evaluation("lasot")
    names = sorted(r.tracker for r in ev.results)
    styles = plots.tracker_styles(names)
    values = {r.tracker: {a: v["auc"] for a, v in r.attribute_scores(ev.dataset).items()} for r in ev.results}
    codes = list(ev.dataset.attribute_names)
    for fn, name in ((plots.attribute_bars, "bars"), (plots.attribute_radar, "radar")):
        paths = fn(values, codes, tmp_path / name, styles)
        assert_nontrivial_png(paths["png"], [s.color for s in styles.values()])
        assert_pdf(paths["pdf"])


def test_many_trackers_use_double_column_bars(tmp_path: Path) -> None:
    import matplotlib.image as mpimg

    values = {f"T{i}": {a: 40.0 + i + j for j, a in enumerate("ABCDEFGHIJKLMN")} for i in range(10)}
    paths = plots.attribute_bars(values, list("ABCDEFGHIJKLMN"), tmp_path / "bars", formats=("png",))
    h, w = mpimg.imread(paths["png"]).shape[:2]
    assert w > 2000 and h < w  # 7 in wide, landscape


def test_eao_and_ar_take_plain_arrays(tmp_path: Path) -> None:
    curves = {"const": np.full(500, 0.4), "ramp": np.linspace(1.0, 0.0, 500)}
    eao = vot_plots.eao_curve(curves, 100, 300)
    assert eao["const"] == pytest.approx(0.4)
    assert eao["ramp"] == pytest.approx(np.linspace(1.0, 0.0, 500)[99:300].mean())
    paths = vot_plots.eao_curve(curves, 100, 300, tmp_path / "eao")
    assert_nontrivial_png(paths["png"], [plots.OKABE_ITO[0], plots.OKABE_ITO[1]])
    assert_pdf(paths["pdf"])
    paths = vot_plots.ar_plot({"A": (0.7, 0.8), "B": (0.6, 0.9), "C": (0.5, 0.5)}, tmp_path / "ar")
    assert_nontrivial_png(paths["png"], [plots.OKABE_ITO[0]])
    assert_pdf(paths["pdf"])


def test_figures_are_cached_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ArrayStore(tmp_path / "cache")
    curves = {"A": np.linspace(0.9, 0.1, 300)}
    first = vot_plots.eao_curve(curves, 10, 200, tmp_path / "a", cache=cache)
    monkeypatch.setattr(plots, "_render", lambda *a, **k: pytest.fail("unchanged figure was redrawn"))
    second = vot_plots.eao_curve(curves, 10, 200, tmp_path / "b", cache=cache)
    assert first["png"].read_bytes() == second["png"].read_bytes()
    calls = []
    monkeypatch.setattr(plots, "_render", lambda *a, **k: calls.append(1) or {"png": b"x", "pdf": b"y"})
    vot_plots.eao_curve({"A": np.linspace(0.9, 0.2, 300)}, 10, 200, tmp_path / "c", cache=cache)  # new data
    assert calls == [1]


def test_long_titles_are_wrapped_to_the_column_and_short_ones_kept() -> None:
    """The demo's "LaSOT layout (synthetic, written by odtrack-eval synth): Success plot (AUC)" was cut off
    at both sides of a one-column figure."""
    from odtrack_eval.report.plots import TITLE_CHARS, fit_title

    assert fit_title("OTB100: Success plot (AUC)") == "OTB100: Success plot (AUC)"
    assert fit_title("A much longer benchmark label here: Success plot (AUC)") == (
        "A much longer benchmark label here:\nSuccess plot (AUC)")  # fmt: skip
    long = "LaSOT layout (synthetic, written by odtrack-eval synth): Success plot (AUC)"
    lines = fit_title(long).split("\n")
    assert len(lines) == 2 and all(len(line) <= TITLE_CHARS for line in lines)
    assert " ".join(lines) == long
