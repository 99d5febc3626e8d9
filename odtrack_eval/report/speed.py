"""Speed as a result: the speed table, its JSON block, and which trackers are baselines.

The figures come from the time files (:mod:`odtrack_eval.metrics.speed`, one method for every tracker);
how each tracker's times were taken comes from its run manifest (:mod:`odtrack_eval.results.manifests`)
and is printed beside them, since frames per second on a 2080Ti at batch 1 and on an H100 at batch 32 are
different claims. A baseline (``static``, ``opencv-*``: trackers whose definition says ``baseline = true``)
is never marked best for speed: doing nothing is fast.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from pathlib import Path
from typing import Any

from odtrack_eval.evaluation import Evaluation
from odtrack_eval.metrics.schema import score
from odtrack_eval.metrics.speed import SPEED_FIELDS
from odtrack_eval.realtime import entry_name
from odtrack_eval.report.tables import Column, Table, benchmark_label
from odtrack_eval.results.manifests import Timing, timing_of

__all__ = ["SPEED_KEYS", "baseline_trackers", "speed_block", "speed_table", "timings"]

#: The schema's speed scores, in table order.
SPEED_KEYS = ("fps", "init_ms", "p50_ms", "p95_ms", "p99_ms")
_FRAMES = Column("frames", "Frames", decimals=0, ranked=False)


def timings(evaluation: Evaluation, results_dir: str | Path | None) -> dict[str, Timing]:
    """Tracker -> how its times were taken (its first run's manifest; ``Timing()`` where there is none)."""
    out = {r.tracker: Timing() for r in evaluation.results}
    if results_dir is None:
        return out
    from odtrack_eval.results import discover_trackers

    try:
        entries = {e.name: e for e in discover_trackers(Path(results_dir), evaluation.dataset.tag)}
    except Exception:  # (the evaluation succeeded; a listing problem must not lose its numbers)
        return out
    for name in out:
        entry = entries.get(entry_name(name))  # (an `evaluate --realtime` row is named after its entry)
        if entry is not None and entry.runs:
            out[name] = timing_of(entry.runs[0].folder)
    return out


def registry_baselines() -> set[str]:
    """The names, and results-folder names, of the tracker definitions marked ``baseline = true``."""
    try:
        from odtrack_eval.trackers.registry import TrackerRegistry

        definitions = TrackerRegistry().definitions()
    except Exception:  # (a broken user definition must not stop a table)
        return set()
    return {name for d in definitions.values() if d.baseline for name in (d.name, d.results_tracker)}


def baseline_trackers(evaluation: Evaluation, found: dict[str, Timing] | None = None) -> set[str]:
    """The evaluated trackers that are baselines: by their run manifest, or by name (the tracker folder,
    ``static`` or ``static/default``) matching a registry definition marked ``baseline = true``."""
    names = registry_baselines()
    out = set()
    for r in evaluation.results:
        timing = (found or {}).get(r.tracker)
        entry = entry_name(r.tracker)
        if (timing is not None and timing.baseline) or entry in names or entry.split("/")[0] in names:
            out.add(r.tracker)
    return out


def speed_table(evaluation: Evaluation, found: dict[str, Timing], baselines: Collection[str] = ()) -> Table:
    """FPS, initialisation time and latency percentiles per tracker (the leaderboard's order), with how the
    times were taken as notes. Trackers without time files show "–"; baselines are never marked."""
    columns = (*(Column.from_score(score(k)) for k in SPEED_KEYS), _FRAMES)
    first = evaluation.protocol.metrics[0]
    results = sorted(evaluation.results, key=lambda r: score(first).better_first(r.scores()[first]))
    rows = []
    for r in results:
        values = r.speed.as_dict() if r.speed is not None else {}
        rows.append((r.tracker, {c.key: float(values.get(c.key, math.nan)) for c in columns}))
    title = f"{benchmark_label(evaluation)}: speed from the time files ({len(evaluation.sequence_names)} sequences)"
    table = Table(title, columns, rows)
    table.unranked = {(name, c.key) for name in baselines for c in columns}
    table.notes.append("FPS: tracked frames / time spent tracking them (frame 0 excluded), pooled over sequences; "
                       "Init: median over sequences of frame 0's time; p50/p95/p99: per-frame latency.")  # fmt: skip
    for r in results:
        how = "no time files" if r.speed is None else found.get(r.tracker, Timing()).describe()
        table.notes.append(f"{r.tracker}: {how}" + (" (baseline: never marked)" if r.tracker in baselines else ""))
    return table


def speed_block(evaluation: Evaluation, found: dict[str, Timing]) -> dict[str, dict[str, Any]]:
    """Tracker -> its JSON ``"speed"`` block: the figures (null without time files) and ``"measured"``."""
    out = {}
    for r in evaluation.results:
        values: dict[str, Any] = {k: None for k in SPEED_FIELDS}
        if r.speed is not None:
            values.update(r.speed.as_dict())
        out[r.tracker] = {**values, "measured": found.get(r.tracker, Timing()).as_dict()}
    return out
