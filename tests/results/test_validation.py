"""results/validation.py: the screened ``validate_run`` finds exactly what one ``validate`` per file finds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from odtrack_eval.backend import Backend
from odtrack_eval.results.validation import validate, validate_run
from odtrack_eval.sequence import Sequence


def test_validate_run_finds_exactly_what_per_file_validate_finds(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    seqs, boxes = [], {}
    for i in range(40):
        n = int(rng.integers(3, 60))
        gt = np.column_stack([rng.random((n, 2)) * 100 + 5, rng.random((n, 2)) * 40 + 2])
        if i % 9 == 4:
            gt[n // 2] = np.nan
        seqs.append(Sequence(f"s{i}", gt))
        b = gt + rng.normal(0, 2, gt.shape)
        kind = i % 8
        if kind == 1:
            b[n // 3, 1] = np.nan
        elif kind == 2:
            b[0, 3] = -1.0
        elif kind == 3:
            b[-1, 2] = 0.0
        elif kind == 4:
            b = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1)  # corners
        elif kind == 5:
            b = b[: max(1, n - 2)]
        elif kind == 6:
            b = np.concatenate([b, [[1.0, 2.0, np.nan, 4.0], [1.0, 1.0, -3.0, 1.0]]])
        elif kind == 7:
            b[2, 0] = np.inf
        boxes[seqs[-1].name] = b
    gts = [s.ground_truth for s in seqs]
    paths = [tmp_path / f"{n}.txt" for n in boxes]
    files = list(boxes.values())
    want = [str(f) + f.kind for b, g, p in zip(files, gts, paths, strict=True) for f in validate(b, g, p)]
    assert want  # the toy run does have findings of several kinds
    for backend in Backend:
        assert [str(f) + f.kind for f in validate_run(files, gts, paths, backend)] == want
    clean = [g + 0.5 for g in gts]
    assert validate_run(clean, gts, paths) == [f for b, g, p in zip(clean, gts, paths, strict=True)
                                               for f in validate(b, g, p)]  # fmt: skip
