"""Run vot-toolkit's own multistart analyses on a workspace (the reference for parity checks).

Builds nothing in the source tree: :func:`prepare_workspace` writes ``config.yaml``, a stack file
with the ``baseline`` experiment of ``vot2020/shortterm`` (same analyses and parameters, no dataset
URL, no realtime/unsupervised experiments that would need other results) and a ``trackers.ini``
naming the result folders, inside the workspace folder given. :func:`toolkit_scores` then runs the
toolkit's analysis processor in-process (one worker thread, in-memory cache) — what ``vot analysis``
does — and returns EAO, A, R and the EAO curve per tracker. Needs vot-toolkit installed (tests and
benchmarks only; the package itself never imports it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

STACK = """title: VOT2020 short-term baseline (analyses of vot2020/shortterm)
experiments:
  baseline:
    type: multistart
    analyses:
      - type: multistart_eao_score
        name: eaoscore
        low: {low}
        high: {high}
      - type: multistart_eao_curve
        name: eaocurve
        high: {high}
      - type: multistart_average_ar
        name: ar
"""


def prepare_workspace(
    workspace: str | Path, trackers: list[str], sequences: str | Path | None = None, low: int = 115, high: int = 755
) -> Path:
    """Write the workspace files the toolkit needs around ``<workspace>/results`` and a sequences folder."""
    w = Path(workspace)
    w.mkdir(parents=True, exist_ok=True)
    seq = Path(sequences) if sequences is not None else w / "sequences"
    (w / "stack.yaml").write_text(STACK.format(low=low, high=high))
    (w / "config.yaml").write_text(f"registry:\n- ./trackers.ini\nstack: stack.yaml\nsequences: {seq.resolve()}\n")
    ini = w / "trackers.ini"
    text = ini.read_text() if ini.is_file() else ""
    for t in trackers:
        if f"[{t}]" not in text:
            text += f"\n[{t}]\nlabel = {t}\nprotocol = traxpython\ncommand = odtrack_eval.vot.trax_wrapper\n"
    ini.write_text(text)
    return w


def toolkit_scores(workspace: str | Path, trackers: list[str]) -> dict[str, dict[str, Any]]:
    """{tracker: {"eao", "accuracy", "robustness", "curve"}} from vot-toolkit's analysis of ``workspace``."""
    os.environ.setdefault("VOT_PERSISTENT_CACHE", "false")
    from cachetools import LRUCache
    from vot.analysis import AnalysisProcessor, process_stack_analyses
    from vot.utilities import ThreadPoolExecutor
    from vot.workspace import Workspace

    ws = Workspace.load(str(Path(workspace).resolve()))
    resolved = ws.registry.resolve(*trackers, storage=ws.storage.substorage("results"), skip_unknown=False)
    executor = ThreadPoolExecutor(1)
    try:
        with AnalysisProcessor(executor, LRUCache(1000)):
            results = process_stack_analyses(ws, resolved)
    finally:
        executor.shutdown(wait=True)
    if results is None:
        raise RuntimeError("vot-toolkit analysis returned no results")
    ((experiment, analyses),) = results.items()
    by_name = {a.name: grid for a, grid in analyses.items()}
    out: dict[str, dict[str, Any]] = {}
    for i, t in enumerate(resolved):
        ar = by_name["ar"][i, 0]
        out[t.identifier] = {
            "eao": float(by_name["eaoscore"][i, 0][0]),
            "curve": list(by_name["eaocurve"][i, 0][0]),
            "accuracy": float(ar[0]),
            "robustness": float(ar[1]),
        }
    return out
