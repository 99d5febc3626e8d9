"""TrackingNet: ``TEST/`` and ``TRAIN_0..11/`` chunks, each ``anno/<seq>.txt`` + ``frames/<seq>/<i>.jpg``.

Quirks handled (datasets.md §3): annotation files have CRLF endings, two decimals and may start
with a space; TEST annotations hold **only the first box** (loaded as 1×4, with
``extra["first_frame_only"] = True``; the evaluable length is the frame count, stored in
``extra["num_frames"]`` when the frames are present and absent otherwise); frames are 0-based
and unpadded, listed and sorted numerically as ODTrack does (a string sort puts ``10.jpg``
before ``2.jpg``); sequence names may start with ``-`` or ``_``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from odtrack_eval.datasets._layout import collect, list_images, package_names, package_text
from odtrack_eval.errors import LayoutError, OdtrackEvalError
from odtrack_eval.sequence import Dataset, FrameSource, Sequence
from odtrack_eval.textio import read_table

TRAIN_CHUNKS = tuple(f"TRAIN_{k}" for k in range(12))
ALL_CHUNKS = ("TEST", *TRAIN_CHUNKS)


def parse_chunks(chunks: str | int | list | tuple | None) -> list[str] | None:
    """``"TEST"``, ``"TRAIN"`` (all train chunks present), ``"all"``, ``"0,3"``, ``[0, 3]``,
    ``"TRAIN_0"``... → chunk folder names; None means "every train chunk present"."""
    if chunks is None:
        return None
    items = (
        chunks.split(",") if isinstance(chunks, str) else list(chunks) if isinstance(chunks, list | tuple) else [chunks]
    )
    out: list[str] = []
    for item in items:
        s = str(item).strip().upper()
        if s in ("TRAIN", "ALL"):
            return None if s == "TRAIN" else list(ALL_CHUNKS)
        if s.isdigit():
            s = f"TRAIN_{int(s)}"
        if s not in ALL_CHUNKS:
            raise OdtrackEvalError(
                f"unknown TrackingNet chunk {item!r} (expected TEST, TRAIN, all, 0..11 or TRAIN_0..TRAIN_11)"
            )
        out.append(s)
    return out


def _chunk_dirs(root: Path) -> dict[str, Path]:
    """Chunk folders under ``root`` by canonical name (the devkit README writes ``Test``/``Train_X``)."""
    found: dict[str, Path] = {}
    try:
        entries = list(root.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        raise LayoutError(f"{root}: TrackingNet root does not exist or is not a folder") from None
    for p in entries:
        if p.is_dir() and p.name.upper() in ALL_CHUNKS:
            found.setdefault(p.name.upper(), p)
    return found


def _find_root(root: Path) -> tuple[Path, dict[str, Path]]:
    dirs = _chunk_dirs(root)
    if not dirs and (root / "anno").is_dir() and root.name.upper() in ALL_CHUNKS:
        root = root.parent  # pointed at one chunk
        dirs = _chunk_dirs(root)
    if not dirs:
        raise LayoutError(
            f"{root}: no TrackingNet chunk folders found (expected TEST/ and/or TRAIN_0/ … TRAIN_11/, "
            "each with anno/<sequence>.txt and frames/<sequence>/0.jpg …)"
        )
    return root, dirs


def _frame_lister(folder: Path):
    def lister() -> list[Path]:
        names = [n for n in list_images(folder, (".jpg",)) if n[:-4].isdigit()]
        return [folder / n for n in sorted(names, key=lambda n: int(n[:-4]))]

    return lister


def _load_sequence(chunk: str, chunk_dir: Path, name: str) -> Sequence:
    anno = chunk_dir / "anno" / f"{name}.txt"
    gt = read_table(anno)
    if len(gt) == 0:
        raise OdtrackEvalError(f"{anno}: no box in the file (expected at least the first frame's x,y,w,h)")
    frame_dir = chunk_dir / "frames" / name
    extra: dict[str, object] = {"chunk": chunk}
    if chunk == "TEST":
        extra["first_frame_only"] = len(gt) == 1
        if extra["first_frame_only"]:
            n = sum(1 for f in list_images(frame_dir, (".jpg",)) if f[:-4].isdigit())
            if n:
                extra["num_frames"] = n
    frames = FrameSource(frame_dir, lister=_frame_lister(frame_dir)) if frame_dir.is_dir() else None
    return Sequence(name, gt, None, frozenset(), frames, extra)


def _order(chunk: str, on_disk: list[str]) -> list[str]:
    """Devkit order for sequences in the official list, then any others sorted."""
    official = expected_sequences(chunk)
    present = set(on_disk)
    first = [n for n in official if n in present]
    known = set(first)
    return first + sorted(n for n in on_disk if n not in known)


def expected_sequences(chunk: str) -> list[str]:
    """Official sequence names of one chunk (devkit CSV lists shipped as package data)."""
    if chunk == "TEST":
        return package_names("trackingnet", "TEST_sequences.txt")
    rows = csv.DictReader(io.StringIO(package_text("trackingnet", "TRAIN_chunks.csv.gz")))
    return [r["sequence"] for r in rows if r["chunk"] == chunk]


def load_trackingnet(
    root: Path, chunks: str | list | tuple | None = "TEST", errors: list[OdtrackEvalError] | None = None
) -> Dataset:
    """Load the given chunks (default TEST; ``"TRAIN"`` = every train chunk present)."""
    root, dirs = _find_root(Path(root))
    wanted = parse_chunks(chunks)
    if wanted is None:
        wanted = [c for c in TRAIN_CHUNKS if c in dirs]
        if not wanted:
            raise LayoutError(f"{root}: no TRAIN_<k>/ chunk folder found (found: {', '.join(sorted(dirs))})")
    missing = [c for c in wanted if c not in dirs]
    if missing:
        raise LayoutError(f"{root}: chunk folder(s) {', '.join(missing)} not found (found: {', '.join(sorted(dirs))})")
    sequences: list[Sequence] = []
    for chunk in wanted:
        anno_dir = dirs[chunk] / "anno"
        if not anno_dir.is_dir():
            raise LayoutError(f"{anno_dir}: folder not found (expected anno/<sequence>.txt files)")
        names = [p.name[:-4] for p in anno_dir.iterdir() if p.name.endswith(".txt")]
        for name in _order(chunk, names):
            seq = collect(errors, lambda c=chunk, n=name: _load_sequence(c, dirs[c], n), name)
            if seq is not None:
                sequences.append(seq)
    name = "trackingnet" if wanted == ["TEST"] else "trackingnet-" + "+".join(c.lower() for c in wanted)
    layout = "trackingnet:" + ",".join(wanted)
    return Dataset(name, "trackingnet", sequences, {}, root, layout)


def expected_names(dataset: Dataset) -> list[str]:
    """Official names of the chunks ``dataset`` was loaded from (for the layout checker)."""
    chunks = dataset.layout.partition(":")[2].split(",")
    return [n for c in chunks if c for n in expected_sequences(c)]
