"""Layout checker behind ``odtrack-eval datasets check``: works for every registered dataset.

It loads the dataset through its adapter (adapters that accept ``errors=`` report every bad
sequence instead of stopping at the first), compares the names with the adapter's official
list when it has one (``expected_names(dataset)`` in the adapter module), and runs generic
checks on each :class:`~odtrack_eval.sequence.Sequence`: finite first box, finite boxes on
visible frames, frames present and as many as the evaluated length. Missing frame folders are
reported as "annotation-only" (a valid way to evaluate) unless ``frames=True``.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from odtrack_eval.datasets import get_spec, load_dataset
from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.sequence import Dataset, Sequence

_SHOW = 5  # names listed per problem before "…"


@dataclass
class CheckReport:
    """Outcome of a check: ``problems`` make the command fail, ``notes`` do not."""

    dataset: str
    root: Path
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _listing(folder: Path, cache: dict[Path, set[str] | None]) -> set[str] | None:
    if folder not in cache:
        try:
            cache[folder] = set(os.listdir(folder))
        except (FileNotFoundError, NotADirectoryError):
            cache[folder] = None
    return cache[folder]


def _few(items: list[str]) -> str:
    head = ", ".join(items[:_SHOW])
    return head + (f", … ({len(items)} in all)" if len(items) > _SHOW else "")


def _check_frames(seq: Sequence, want_frames: bool, report: CheckReport) -> str:
    """Return "ok", "annotation-only" or "problem"."""
    if seq.frames is None or (seq.frames.pattern is not None and not seq.frames.root.is_dir()):
        if want_frames:
            report.problems.append(f"{seq.name}: no frames found (annotation-only layout)")
            return "problem"
        return "annotation-only"
    cache: dict[Path, set[str] | None] = {}
    paths = seq.frame_paths()
    n_eval = seq.num_frames
    if seq.frames.pattern is not None:
        missing = [p for p in paths if p.name not in (_listing(p.parent, cache) or ())]
        if len(missing) == len(paths) and not want_frames:
            names = _listing(seq.frames.root, cache) or set()
            if not any(n.lower().endswith((".jpg", ".jpeg", ".png")) for n in names):
                return "annotation-only"
        if missing:
            report.problems.append(
                f"{seq.name}: {len(missing)} of {len(paths)} frames missing in {missing[0].parent}: "
                + _few([p.name for p in missing])
            )
            return "problem"
        return "ok"
    if not paths:
        if want_frames:
            report.problems.append(f"{seq.name}: no frames found in {seq.frames.root}")
            return "problem"
        return "annotation-only"
    if seq.extra.get("first_frame_only") or len(paths) == n_eval:
        return "ok"
    if len(paths) < n_eval:
        report.problems.append(f"{seq.name}: {len(paths)} frames in {seq.frames.root} but {n_eval} ground-truth rows")
        return "problem"
    report.notes.append(f"{seq.name}: {len(paths)} frames for {n_eval} ground-truth rows (extra frames are not used)")
    return "ok"


def _check_boxes(seq: Sequence, report: CheckReport) -> None:
    gt = seq.ground_truth
    first = gt[0]
    if not (np.all(np.isfinite(first)) and first[2] > 0 and first[3] > 0):
        report.problems.append(f"{seq.name}: first box {first.tolist()} cannot initialise a tracker")
    bad = ~np.isfinite(gt).all(axis=1)
    if seq.visible is not None:
        bad &= seq.visible
    if bad.any():
        rows = (np.flatnonzero(bad) + 1).tolist()
        report.problems.append(f"{seq.name}: non-finite box on visible frame(s) {_few([str(r) for r in rows])}")


def _load(name: str, root: Path, options: dict[str, object], report: CheckReport) -> Dataset | None:
    spec = get_spec(name)
    module_name, func_name = spec.loader.split(":")
    try:
        module = importlib.import_module(f"odtrack_eval.datasets.{module_name}")
    except ModuleNotFoundError as exc:
        report.problems.append(f"the adapter for {spec.name!r} is not available ({exc})")
        return None
    errors: list[OdtrackEvalError] = []
    kwargs = dict(options)
    if "errors" in inspect.signature(getattr(module, func_name)).parameters:
        kwargs["errors"] = errors
    try:
        dataset = load_dataset(name, root, **kwargs)
    except OdtrackEvalError as exc:
        report.problems.append(str(exc))
        return None
    report.problems.extend(str(e) for e in errors)
    expected_fn = getattr(module, "expected_names", None)
    if expected_fn is not None:
        failed = {getattr(e, "sequence_name", None) for e in errors}
        expected = expected_fn(dataset)
        missing = [n for n in expected if n not in dataset and n not in failed]
        if missing:
            report.problems.append(f"{len(missing)} of {len(expected)} sequences missing: {_few(missing)}")
        extra = sorted(set(dataset.names) - set(expected))
        if extra:
            report.notes.append(f"{len(extra)} sequences not in the official list: {_few(extra)}")
    return dataset


def check_dataset(
    name: str, root: str | Path, *, frames: bool = False, options: dict[str, object] | None = None
) -> CheckReport:
    """Check benchmark ``name`` at ``root``; see the module docstring."""
    report = CheckReport(get_spec(name).name, Path(root))
    dataset = _load(name, Path(root), options or {}, report)
    if dataset is None:
        return report
    status: Counter[str] = Counter()
    attrs: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    for seq in dataset:
        _check_boxes(seq, report)
        status[_check_frames(seq, frames, report)] += 1
        attrs.update(seq.attributes)
        for t, flags in seq.extra.get("tags", {}).items():
            tags[t] += int(np.count_nonzero(flags))
    if status["annotation-only"]:
        report.notes.append(f"{status['annotation-only']} of {len(dataset)} sequences are annotation-only (no frames)")
    visible = [s.visible for s in dataset if s.visible is not None]
    report.summary = {
        "dataset": dataset.name,
        "tag": dataset.tag,
        "root": str(dataset.root or root),
        "layout": dataset.layout,
        "sequences": len(dataset),
        "ground-truth rows": dataset.num_frames,
        "evaluated frames": sum(s.num_frames for s in dataset),
        "first-box-only sequences": sum(1 for s in dataset if s.extra.get("first_frame_only")),
        "sequences with frames": status["ok"] + status["problem"],
        "annotation-only sequences": status["annotation-only"],
    }
    if visible:
        total = sum(v.size for v in visible)
        report.summary["absent frames"] = int(total - sum(int(v.sum()) for v in visible))
    if dataset.attribute_names:
        report.summary["attributes"] = {code: attrs.get(code, 0) for code in dataset.attribute_names}
    elif attrs:
        report.summary["attributes"] = dict(sorted(attrs.items()))
    if tags:
        report.summary["tagged frames"] = dict(sorted(tags.items()))
    return report
