"""Your own videos: ``<root>/<seq>/`` with frames and a ``groundtruth.txt``.

Frames are ``.jpg``/``.jpeg``/``.png`` files directly in the sequence folder or under
``img/``, in natural order (``2.jpg`` before ``10.jpg``; any name, any start index).
``groundtruth.txt`` holds ``x,y,w,h`` per line (comma, tab, semicolon or space; CRLF fine) and
needs at least the first box. With fewer boxes than frames only those frames can be scored;
``extra["num_frames"]`` always holds the frame count and ``extra["first_frame_only"]`` is True
when there is a single box. ``<root>`` may also be one sequence folder itself.
"""

from __future__ import annotations

from pathlib import Path

from odtrack_eval.datasets._layout import collect, list_images, natural_key
from odtrack_eval.errors import FormatError, LayoutError, OdtrackEvalError
from odtrack_eval.sequence import Dataset, FrameSource, Sequence
from odtrack_eval.textio import read_table

GT_NAME = "groundtruth.txt"


def _frame_dir(folder: Path) -> tuple[Path, list[str]]:
    for d in (folder / "img", folder):
        names = list_images(d)
        if names:
            return d, sorted(names, key=natural_key)
    return folder, []


def _lister(folder: Path):
    def lister() -> list[Path]:
        d, names = _frame_dir(folder)
        return [d / n for n in names]

    return lister


def _load_sequence(folder: Path) -> Sequence:
    gt_path = folder / GT_NAME
    gt = read_table(gt_path)
    if len(gt) == 0:
        raise FormatError(gt_path, "no box in the file", None, "at least the first frame's x,y,w,h")
    _, names = _frame_dir(folder)
    extra: dict[str, object] = {"first_frame_only": len(gt) == 1}
    if names:
        if len(gt) > len(names):
            raise FormatError(
                gt_path, f"{len(gt)} boxes but only {len(names)} frames", None, "at most one box per frame"
            )
        extra["num_frames"] = len(names)
    frames = FrameSource(folder, lister=_lister(folder)) if names else None
    return Sequence(folder.name, gt, None, frozenset(), frames, extra)


def load_folder(root: Path, errors: list[OdtrackEvalError] | None = None) -> Dataset:
    """Every sub-folder with frames or a ``groundtruth.txt`` is a sequence (natural name order)."""
    root = Path(root)
    if not root.is_dir():
        raise LayoutError(f"{root}: folder does not exist")
    if (root / GT_NAME).is_file():
        candidates = [root]
    else:
        candidates = sorted(
            (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: natural_key(p.name)
        )
        candidates = [p for p in candidates if (p / GT_NAME).is_file() or _frame_dir(p)[1]]
    if not candidates:
        raise LayoutError(
            f"{root}: no sequence found (expected <root>/<sequence>/{GT_NAME} with frames (.jpg/.png) next to it "
            "or under img/)"
        )
    sequences = []
    for folder in candidates:
        seq = collect(errors, lambda f=folder: _load_sequence(f), folder.name)
        if seq is not None:
            sequences.append(seq)
    return Dataset(root.name or "folder", "folder", sequences, {}, root, "folder")
