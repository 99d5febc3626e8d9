"""Shared helpers of the report tests: real evaluations (memoized per process) and expected values."""

from __future__ import annotations

import functools
import re

from odtrack_eval.datasets import load_dataset
from odtrack_eval.evaluation import Evaluation, evaluate_folder
from odtrack_eval.protocols import get_protocol
from tests._shared import REAL, require_shared

ROOTS = {"otb100": REAL / "otb100" / "annotations", "lasot": REAL / "lasot" / "annotations"}
RESULTS = {"otb100": REAL / "otb100" / "results", "lasot": REAL / "lasot" / "results"}
KEYS = ("auc", "precision", "norm_precision", "op50", "op75")


@functools.cache
def _evaluate(bench: str, protocol: str) -> Evaluation:
    ds = load_dataset(bench, ROOTS[bench])
    return evaluate_folder(ds, RESULTS[bench], get_protocol(protocol), cache=False)


def real_evaluation(bench: str, protocol: str = "odtrack") -> Evaluation:
    require_shared("data", "real", bench, "annotations")
    return _evaluate(bench, protocol)


def published_scores(bench: str, protocol: str = "odtrack") -> dict[str, dict[str, float]]:
    """Reference-tool scores from PUBLISHED.md (its first table of the section), tracker -> key -> value."""
    text = require_shared("data", "real", "PUBLISHED.md").read_text()
    section = {"otb100": "## OTB100", "lasot": "## LaSOT test"}[bench]
    block = text.split(section, 1)[1].split("\n## ", 1)[0]
    out: dict[str, dict[str, float]] = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and re.match(r"^\d", cells[2]) and protocol in cells[1]:
            out[cells[0]] = {k: float(v) for k, v in zip(KEYS, cells[2:], strict=True) if v not in ("–", "-")}
    return out
