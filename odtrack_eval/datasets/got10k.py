"""GOT-10k: ``train/``, ``val/``, ``test/``, each with ``list.txt`` and one folder per sequence.

A sequence folder holds ``00000001.jpg …``, ``groundtruth.txt`` and, for train/val,
``absence.label``, ``cover.label``, ``cut_by_image.label`` (one integer per line) and
``meta_info.ini`` (datasets.md §4). Test ground truth holds **only the first box** (1×4,
``extra["first_frame_only"]``; the length comes from the frame count when frames are present);
test folders need not have label or meta files (got10k-toolkit never reads them for test).

Visibility follows pytracking: ``visible = ~absence & (cover > 0)``. ``extra`` holds
``absence``, ``cover`` (0..8), ``cut_by_image``, ``meta`` (all ``meta_info.ini`` keys) and
``image_size`` = (W, H) from its ``resolution`` key.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from odtrack_eval.datasets._layout import collect, list_images, package_names, package_text, read_names
from odtrack_eval.errors import FormatError, LayoutError, OdtrackEvalError
from odtrack_eval.sequence import Dataset, FrameSource, Sequence
from odtrack_eval.textio import read_table

SPLITS = ("train", "val", "test")
LABELS = ("absence", "cover", "cut_by_image")
_RESOLUTION = re.compile(r"^\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


def read_meta(path: Path) -> dict[str, str]:
    """Parse ``meta_info.ini`` as got10k-toolkit ``_fetch_meta`` does.

    The whole text is stripped, the first line (section header) dropped, and each remaining
    line split on ``': '`` taking pieces 0 and 1 (so a value containing ``': '`` is cut there,
    as in the toolkit). A line without ``': '`` is an error here (the toolkit crashes).
    """
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        raise FormatError(path, "file not found", expected="a [METAINFO] header and 'key: value' lines") from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n")
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:], start=2):
        parts = line.split(": ")
        if len(parts) < 2:
            raise FormatError(path, f"line {line!r} has no ': '", i, "'key: value'")
        meta[parts[0]] = parts[1]
    return meta


def parse_resolution(value: str, path: Path) -> tuple[int, int]:
    m = _RESOLUTION.match(value.strip())
    if not m:
        raise FormatError(path, f"resolution {value!r}", None, "'(width, height)', e.g. '(1280, 720)'")
    return int(m.group(1)), int(m.group(2))


def _read_label(folder: Path, label: str, n: int) -> np.ndarray:
    path = folder / f"{label}.label"
    allowed = "integers 0..8" if label == "cover" else "0/1 flags"
    values = read_table(path, ncols=None, what=f"one value per frame ({allowed})")
    if values.size != n:
        raise FormatError(path, f"{values.size} values for {n} ground-truth rows", None, f"{n} values, one per frame")
    top = 8 if label == "cover" else 1
    bad = (values != np.round(values)) | (values < 0) | (values > top)
    if np.any(bad):
        k = int(np.argmax(bad))
        raise FormatError(path, f"value {float(values[k]):g}", k + 1, allowed)
    return values.astype(np.int8) if label == "cover" else values.astype(bool)


def _load_sequence(split_dir: Path, split: str, name: str) -> Sequence:
    folder = split_dir / name
    if not folder.is_dir():
        raise LayoutError(f"{folder}: sequence folder listed in {split_dir / 'list.txt'} not found")
    gt = read_table(folder / "groundtruth.txt", what="xmin,ymin,width,height")
    if len(gt) == 0:
        raise FormatError(folder / "groundtruth.txt", "no box in the file", None, "at least the first frame's box")
    extra: dict[str, object] = {}
    visible = None
    count = len(gt)
    if split == "test":
        extra["first_frame_only"] = len(gt) == 1
        n_frames = sum(1 for f in list_images(folder, (".jpg",)) if f[:-4].isdigit())
        if n_frames and len(gt) == 1:
            extra["num_frames"] = n_frames
            count = n_frames
        has_frames = n_frames > 0
    else:
        labels = {label: _read_label(folder, label, len(gt)) for label in LABELS}
        extra.update(labels)
        visible = ~labels["absence"] & (labels["cover"] > 0)
        has_frames = (folder / "00000001.jpg").is_file()
    meta_path = folder / "meta_info.ini"
    if meta_path.is_file():
        meta = read_meta(meta_path)
        extra["meta"] = meta
        if "resolution" in meta:
            extra["image_size"] = parse_resolution(meta["resolution"], meta_path)
    frames = FrameSource(folder, "%08d.jpg", 1, count) if has_frames else None
    return Sequence(name, gt, visible, frozenset(), frames, extra)


def _split_dir(root: Path, split: str) -> Path:
    if (root / split / "list.txt").is_file():
        return root / split
    if (root / "list.txt").is_file():
        return root  # pointed at the split folder itself
    if not root.is_dir():
        raise LayoutError(f"{root}: GOT-10k root does not exist or is not a folder")
    raise LayoutError(
        f"{root / split / 'list.txt'}: not found (expected a GOT-10k root holding train/, val/, test/, "
        f"each with list.txt and GOT-10k_<Split>_NNNNNN/ folders, or the {split}/ folder itself)"
    )


def load_got10k(root: Path, split: str = "val", errors: list[OdtrackEvalError] | None = None) -> Dataset:
    """Load one split; sequences in ``list.txt`` order (the index split files depend on it)."""
    split = split.lower()
    if split not in SPLITS:
        raise OdtrackEvalError(f"unknown GOT-10k split {split!r} (expected one of {', '.join(SPLITS)})")
    split_dir = _split_dir(Path(root), split)
    names = read_names(split_dir / "list.txt")
    sequences = []
    for name in names:
        seq = collect(errors, lambda n=name: _load_sequence(split_dir, split, n), name)
        if seq is not None:
            sequences.append(seq)
    return Dataset(f"got10k-{split}", "got10k", sequences, {}, split_dir, f"got10k:{split}")


def expected_names(dataset: Dataset) -> list[str]:
    """Official names of the split (for the layout checker)."""
    split = dataset.layout.partition(":")[2]
    if split == "train":
        return [s.strip() for s in package_text("got10k", "train_list.txt.gz").splitlines() if s.strip()]
    return package_names("got10k", f"{split}_list.txt")
