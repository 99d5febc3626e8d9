"""Run a tracker from every anchor of a VOT2020 sequence and write vot-toolkit's results layout.

This stands in for ``vot evaluate``, which cannot run the multistart experiment in vot-toolkit 0.9.0
(vot2020.md, "Known breakage"). The result files are exactly what the toolkit's experiment is meant to
store, so stock ``vot analysis`` scores them:

* anchor runs in the toolkit's order (forward anchors ascending, then backward ones); a forward run
  covers frames f..L-1, a backward run f..0 (fed to the tracker in that order);
* the tracker is initialised on the anchor frame with the bounding box of the ground-truth region
  (``info["init_bbox"]``; the region itself is in ``info["init_region"]``, as vot-toolkit would send a
  mask to a tracker that accepts masks); no re-initialisation after a failure;
* ``<workspace>/results/<tracker>/baseline/<seq>/<seq>_<anchor:08d>.bin`` (or ``.txt``): entry 0 the
  initialisation code 1, then one region per tracked frame (a rectangle from ``target_bbox``, or a mask
  when the tracker returns a full-frame ``target_mask``); ``..._time.value``: seconds per frame,
  initialisation first;
* each run is written atomically (times first, trajectory last): a run whose trajectory file exists is
  complete and skipped, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from odtrack_eval.datasets.vot import runs_of
from odtrack_eval.errors import OdtrackEvalError
from odtrack_eval.protocols.multistart import VOT2020, VotProtocol
from odtrack_eval.regions import region as rg
from odtrack_eval.results import vot_workspace as ws
from odtrack_eval.sequence import Dataset, Sequence


@dataclass
class MultistartReport:
    results_dir: Path
    completed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def output_region(output: dict[str, Any] | None, sequence: str, frame: int) -> rg.Region:
    """The region a tracker output stands for: ``target_mask`` (full frame) or ``target_bbox``."""
    if not isinstance(output, dict):
        raise OdtrackEvalError(f"sequence {sequence!r}, frame {frame}: tracker returned {type(output).__name__}, "
                               "expected a dict with 'target_bbox'")  # fmt: skip
    mask = output.get("target_mask")
    if mask is not None:
        return rg.mask_from_full(np.asarray(mask) != 0)
    box = output.get("target_bbox")
    if box is None or len(box) != 4:
        raise OdtrackEvalError(f"sequence {sequence!r}, frame {frame}: tracker output has no 4-value 'target_bbox'")
    vals = [float(v) for v in box]
    if not all(math.isfinite(v) for v in vals):
        raise OdtrackEvalError(f"sequence {sequence!r}, frame {frame}: tracker returned a non-finite box {vals}")
    return rg.Rectangle(*vals)


def _init_info(sequence: Sequence, anchor: int) -> dict[str, Any]:
    region = sequence.extra["regions"][anchor]
    bbox = rg.region_to_bbox(rg.toolkit_read(region))
    if not np.all(np.isfinite(bbox)):
        raise OdtrackEvalError(
            f"sequence {sequence.name!r}: anchor frame {anchor} has an empty ground-truth region; cannot initialise"
        )
    return {"init_bbox": bbox.tolist(), "init_region": region, "sequence_name": sequence.name, "anchor": anchor}


def run_sequence(
    tracker: Any, sequence: Sequence, out_dir: Path, protocol: VotProtocol = VOT2020, binary: bool = True,
    read_image: Callable[[Path], np.ndarray] | None = None, report: MultistartReport | None = None,
) -> MultistartReport:  # fmt: skip
    """All anchor runs of one sequence (skipping finished ones)."""
    report = report or MultistartReport(out_dir)
    if sequence.frames is None:
        raise OdtrackEvalError(f"sequence {sequence.name!r}: no frames to track (annotation-only copy?)")
    if read_image is None:
        from odtrack_eval.imageio import read_rgb as read_image  # type: ignore[assignment]
    paths = sequence.frames.paths()
    ext = ".bin" if binary else ".txt"
    for anchor, backward, n in runs_of(sequence, protocol):
        name = ws.run_name(sequence.name, anchor)
        if ws.find_trajectory(out_dir, name) is not None:
            report.skipped.append(name)
            continue
        frames = range(anchor, anchor - n, -1) if backward else range(anchor, anchor + n)
        info = _init_info(sequence, anchor)
        regions: list[rg.Region] = [rg.Special(rg.INITIALIZE)]
        times: list[float] = []
        for k, f in enumerate(frames):
            image = read_image(paths[f])  # type: ignore[misc]
            t0 = time.perf_counter()
            if k == 0:
                tracker.initialize(image, info)
            else:
                out = tracker.track(image, {"frame": f})
            times.append(time.perf_counter() - t0)
            if k > 0:
                regions.append(output_region(out, sequence.name, f))
        ws.write_values(out_dir / f"{name}_time.value", times)
        ws.write_trajectory(out_dir / (name + ext), regions)
        report.completed.append(name)
    return report


def select(dataset: Dataset, names: list[str] | None) -> Dataset:
    """The dataset restricted to ``names`` (in dataset order); unknown names raise."""
    if not names:
        return dataset
    from dataclasses import replace

    from odtrack_eval.errors import UnknownNameError

    known = [s.name for s in dataset.sequences]
    for n in names:
        if n not in known:
            raise UnknownNameError("sequence", n, known)
    return replace(dataset, sequences=[s for s in dataset.sequences if s.name in set(names)])


def run_multistart(
    tracker: Any, dataset: Dataset, workspace: str | Path, tracker_name: str, protocol: VotProtocol = VOT2020,
    binary: bool = True, progress: Callable[[str], None] | None = None,
) -> MultistartReport:  # fmt: skip
    """Run ``tracker`` (the Tracker contract) on every sequence; results go to ``<workspace>/results``."""
    if not tracker_name or any(c in tracker_name for c in "/\\@") or tracker_name.startswith("."):
        raise OdtrackEvalError(f"tracker name {tracker_name!r} cannot be a results folder name")
    root = Path(workspace) / "results" / tracker_name / protocol.experiment
    report = MultistartReport(root.parent)
    for seq in dataset.sequences:
        if progress is not None:
            progress(seq.name)
        run_sequence(tracker, seq, root / seq.name, protocol, binary, report=report)
    return report
