"""VOT ground-truth files read once into arrays: the toolkit's view of every region (a batch) for the
analyses, and boxes for the one-pass side; region objects are built only on access."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from odtrack_eval.errors import FormatError
from odtrack_eval.regions import region as rg
from odtrack_eval.regions.batch import MASK, Batch, assemble, ground_truth
from odtrack_eval.regions.decode import parse_text_lines, text_lines


class RegionList(Sequence):
    """Region objects of text lines, each parsed (exactly, as written) on first access: the analyses use
    the batch, so only the few regions a runner or a test asks for are ever built."""

    def __init__(self, lines: list[bytes], path: Path):
        self.text_lines, self._path = lines, path
        self._done: dict[int, rg.Region] = {}

    def __len__(self) -> int:
        return len(self.text_lines)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = range(len(self))[i]
        if i not in self._done:
            self._done[i] = rg.parse_region(self.text_lines[i].decode("utf-8"), self._path, i + 1)
        return self._done[i]


@dataclass
class GroundTruthFile:
    """A VOT ground-truth file read once: the toolkit's view for the analyses, boxes for the OPE side."""

    batch: Batch  # toolkit-read regions (mask_optimize_read applied)
    empty: np.ndarray  # the toolkit's is_empty of each read region
    boxes: np.ndarray  # (n, 4) float64 region_to_bbox of each region as written (NaN: no box)
    regions: Sequence  # the regions as written (padding: Special(0)), built on access


def read_ground_truth(path: str | Path, length: int | None = None, at_least: bool = False) -> GroundTruthFile:
    """Read ``groundtruth.txt``, padded with the unknown code to ``length`` frames as the toolkit does
    (more lines than ``length`` is an error, unless ``at_least``: then the longer of the two counts).

    Clean files (integers and plain decimals: every file the toolkit writes) take the vectorised path;
    anything else goes through :func:`odtrack_eval.regions.region.read_regions`, which gives exact errors.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(path, "file not found") from None
    lines = text_lines(data)
    if length is not None and len(lines) > length and not at_least:
        raise FormatError(path, f"{len(lines)} regions for a {length}-frame sequence", None, f"{length} lines")
    if not lines:
        raise FormatError(path, "no region in the file", None, "one region per frame")
    if length is not None and length > len(lines):
        lines += [b"0"] * (length - len(lines))
    parsed = None
    try:
        data.decode("utf-8")
        parsed = parse_text_lines(lines)
    except UnicodeDecodeError:
        pass
    if parsed is None:
        regions = rg.parse_regions(data, path)
        regions += [rg.Special(rg.UNKNOWN)] * (len(lines) - len(regions))
        b, empty = ground_truth(regions)
        boxes = np.array([rg.region_to_bbox(r) for r in regions], dtype=np.float64).reshape(-1, 4)
        return GroundTruthFile(b, empty, boxes, regions)
    b, written = assemble(parsed, True, path, ordered=True)
    n = len(lines)
    boxes = np.full((n, 4), np.nan)
    empty = np.zeros(n, bool)
    k = parsed.kinds
    ri = np.flatnonzero(k == 1)
    boxes[ri] = parsed.rect_vals
    w32, h32 = parsed.rect_vals[:, 2].astype(np.float32), parsed.rect_vals[:, 3].astype(np.float32)
    empty[ri] = ~((w32 > 0) & (h32 > 0))
    mi = np.flatnonzero(k == 2)
    px = written[:, 2] >= written[:, 0]
    boxes[mi[px]] = np.stack([written[px, 0], written[px, 1], written[px, 2] - written[px, 0] + 1,
                              written[px, 3] - written[px, 1] + 1], axis=1)  # fmt: skip
    mb = b.box[mi]
    empty[mi] = (b.kind[mi] != MASK) | (mb[:, 2] == mb[:, 0]) | (mb[:, 3] == mb[:, 1])
    empty[k == 0] = True
    for i, poly in parsed.polys.items():
        boxes[i] = rg.region_to_bbox(poly)
        empty[i] = rg.is_empty(poly)
    return GroundTruthFile(b, empty, boxes, RegionList(lines, path))


# ------------------------------------------------------------------------------------- overlaps

