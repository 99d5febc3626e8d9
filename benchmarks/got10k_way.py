"""The got10k toolkit's way of scoring LaSOT results, as a whole process (the reference of bench_cli.py).

Run: ``python benchmarks/got10k_way.py ANNOS RESULTS``: for every tracker folder in RESULTS and every
sequence of ``ANNOS/testing_set.txt``, what ``ExperimentLaSOT.report()`` does per tracker:
``np.loadtxt`` of the ground truth and of the result file, frame 0 set to the ground truth,
``rect_iou`` and ``center_error``, ``_calc_curves``, the mean over sequences. Prints one JSON object
``{tracker: AUC}``. got10k reads results with ``delimiter=','``; files without commas (tab- or
space-separated) are read with ``delimiter=None`` here, as a user of the toolkit would have to.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from got10k.experiments.otb import ExperimentOTB
from got10k.utils.metrics import center_error, rect_iou


class _Cfg:
    nbins_iou, nbins_ce = 21, 51


def _load(path: Path) -> np.ndarray:
    with open(path, "rb") as f:
        comma = b"," in f.readline()
    return np.loadtxt(path, delimiter="," if comma else None)


def main(annos: Path, results: Path) -> dict[str, float]:
    names = (annos / "testing_set.txt").read_text().split()
    gts = {n: np.loadtxt(annos / f"{n}.txt", delimiter=",") for n in names}
    out = {}
    for tracker in sorted(p for p in results.iterdir() if p.is_dir()):
        succ = []
        for name in names:
            boxes = _load(tracker / f"{name}.txt")
            anno = gts[name]
            boxes[0] = anno[0]
            ious, ces = rect_iou(boxes, anno.copy()), center_error(boxes, anno)
            s, _ = ExperimentOTB._calc_curves(_Cfg(), ious, ces)
            succ.append(s)
        out[tracker.name] = 100 * float(np.mean(np.mean(succ, axis=0)))
    return out


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]))))
