"""pipelines.evaluate: one entry for every protocol; the protocol's data pick the pipeline (no caller
branches on its type), and both kinds of evaluation answer the same questions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from odtrack_eval.datasets import load_dataset
from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.evaluation import Evaluation, evaluate_folder
from odtrack_eval.pipelines import evaluate
from odtrack_eval.protocols import PROTOCOLS, get_protocol
from odtrack_eval.sequence import Dataset, Sequence
from odtrack_eval.vot import synthetic
from odtrack_eval.vot.analysis import VotEvaluation, evaluate_results


def test_every_protocol_names_a_pipeline_of_its_kind() -> None:
    kinds = {p.kind: p.pipeline for p in PROTOCOLS.values()}
    assert kinds == {"one-pass": "odtrack_eval.evaluation:evaluate_folder",
                     "multistart": "odtrack_eval.vot.analysis:evaluate_results"}  # fmt: skip


def test_one_pass_protocols_go_to_the_one_pass_pipeline(tmp_path: Path) -> None:
    gt = np.array([[10.0, 10, 20, 20]] * 5)
    ds = Dataset("toy", "otb", [Sequence("a", gt)])
    (tmp_path / "trk").mkdir()
    (tmp_path / "trk" / "a.txt").write_text("10,10,20,20\n" * 5)
    ev = evaluate(ds, tmp_path, get_protocol("odtrack"), cache=False)
    assert isinstance(ev, Evaluation)
    direct = evaluate_folder(ds, tmp_path, get_protocol("odtrack"), cache=False)
    assert ev.results[0].scores() == direct.results[0].scores()
    assert ev.errors == {} and ev.missing == {} and ev.repairs == {}


def test_multistart_protocols_go_to_the_vot_pipeline(tmp_path: Path) -> None:
    synthetic.make_dataset(tmp_path / "sequences", num_sequences=2, lengths=(30, 40), spacing=15, seed=3)
    synthetic.make_results(tmp_path / "sequences", tmp_path / "results", "a", style="rect", seed=1)
    ds = load_dataset("vot2020", tmp_path / "sequences", cache=False)
    ev = evaluate(ds, tmp_path / "results", get_protocol("vot2020"))
    assert isinstance(ev, VotEvaluation)
    direct = evaluate_results(ds, tmp_path / "results", get_protocol("vot2020"))
    assert ev.results[0].eao == direct.results[0].eao
    assert ev.errors == {} and ev.missing == {} and ev.repairs == {}
    with pytest.raises(OdtrackEvalError, match="--allow-missing"):
        evaluate(ds, tmp_path / "results", get_protocol("vot2020"), allow_missing=True)
