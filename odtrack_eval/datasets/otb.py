"""OTB-100 (OTB2015 / TB-100) adapter.

All per-sequence special cases are data in the shipped ``data/otb100/sequences.csv``
(pytracking's table): frame range (David 300-770, BlurCar1 247-988, BlurCar3 3-359,
BlurCar4 18-397), zero padding (Board 5 digits), ``init_omit`` (Tiger1: the first 5 frames and
the first 5 ground-truth rows are dropped, so it is evaluated on frames 6-354) and the
multi-target folders (Jogging, Skating2, Human4 -> ``groundtruth_rect.<k>.txt``; 100
sequences from 98 folders). Sequence names and order are the table's (pytracking's), e.g.
``Jogging_1``, ``Human4_2``; other spellings (``jogging-1``, ``Human4.2``) resolve canonically.

Layouts (shared/docs/datasets.md §6):

* ``distributed`` - ``<root>/<Folder>/groundtruth_rect[.k].txt`` and ``<img_dir>/%04d.jpg``.
* ``toolkit-anno`` - the OTB MATLAB toolkit's ``anno/`` folder: one ``<name>.txt`` per
  sequence with the toolkit's names (``tiger1.txt``, ``jogging-1.txt``, ``Human4.2.txt``,
  ``Skating2.1.txt``; case and separators vary) holding the same rows as the distributed file
  (Tiger1: 354 rows, of which the first 5 are dropped). ``root`` is ``anno/`` or its parent.
  No frames.

Ground-truth delimiters vary (comma, tab, spaces, mixed within one file, CRLF); the parser
accepts them all. The row count must equal the table's ``num_frames``: a mismatch means the
file does not belong to that frame range, and scoring it would silently misalign frames.

Attributes always come from the shipped table (pytracking's, identical to vot-toolkit's and
jwlim's tb_100 lists), never from a toolkit ``att/`` folder: the MATLAB toolkit's
``att/Human4.txt`` is all zeros (a known bug; the other sources give IV, SV, OCC, DEF), and the
``anno_TB100/att`` copy we have uses two different column orders (the OTB-2013 files
IV,OPR,SV,OCC,..., most TB-100 additions IV,OCC,SV,OPR,...), so its flags cannot be read with
one order. No visibility flags exist for OTB (``visible`` is None).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from odtrack_eval.datasets._common import (
    LayoutCandidate,
    child_dirs,
    detect_layout,
    drop_missing,
    read_attribute_names,
    read_attribute_table,
    read_boxes,
    read_csv_rows,
    select_names,
)
from odtrack_eval.errors import FormatError, LayoutError
from odtrack_eval.sequence import Dataset, FrameSource, Sequence, canonical_name

_LABEL = "OTB100"


@dataclass(frozen=True)
class OtbEntry:
    """One row of ``sequences.csv``: where a sequence's frames and ground truth are."""

    name: str
    folder: str
    img_dir: str
    anno_path: str
    start_frame: int
    end_frame: int
    init_omit: int
    zero_pad: int
    ext: str
    object_class: str

    @property
    def num_rows(self) -> int:
        """Ground-truth rows in the file (before ``init_omit`` is dropped)."""
        return self.end_frame - self.start_frame + 1


@lru_cache(maxsize=1)
def otb_table() -> dict[str, OtbEntry]:
    """The shipped sequence table, in its (pytracking) order."""
    entries: dict[str, OtbEntry] = {}
    for row in read_csv_rows("otb100", "sequences.csv"):
        entry = OtbEntry(
            name=row["name"],
            folder=row["folder"],
            img_dir=row["img_dir"],
            anno_path=row["anno_path"],
            start_frame=int(row["start_frame"]),
            end_frame=int(row["end_frame"]),
            init_omit=int(row["init_omit"]),
            zero_pad=int(row["zero_pad"]),
            ext=row["ext"],
            object_class=row["object_class"],
        )
        if entry.num_rows != int(row["num_frames"]):  # pragma: no cover - guards the shipped table
            raise FormatError("odtrack_eval/data/otb100/sequences.csv", f"inconsistent row for {entry.name}")
        entries[entry.name] = entry
    return entries


def load_otb100(root: Path, sequences: Iterable[str] | None = None, allow_missing: bool = False) -> Dataset:
    """OTB-100 from the distributed folders or the MATLAB toolkit's ``anno/`` folder.

    ``sequences`` restricts to some names (any spelling; table order kept); ``allow_missing``
    drops sequences absent from ``root`` with a warning instead of raising :class:`LayoutError`.
    """
    root = Path(root)
    table = otb_table()
    names = select_names(list(table), sequences, _LABEL)
    attr_names = read_attribute_names("otb100")
    attributes = read_attribute_table("otb100", "attributes.csv", key="name", codes=attr_names)

    def probe_toolkit(r: Path) -> Path | None:
        for base in child_dirs(r, ["anno", "annotations"]):
            index = _anno_index(base)
            if any(canonical_name(n) in index for n in names):
                return base
        return None

    def probe_distributed(r: Path) -> Path | None:
        return r if any((r / table[n].anno_path).is_file() for n in names) else None

    layout, base = detect_layout(
        root,
        _LABEL,
        [
            LayoutCandidate(
                "toolkit-anno",
                "MATLAB toolkit anno/ folder with <name>.txt per sequence (tiger1.txt, jogging-1.txt, "
                "Human4.2.txt, ...; root = anno/ or the folder holding anno/ or annotations/)",
                probe_toolkit,
            ),
            LayoutCandidate(
                "distributed",
                "<Folder>/groundtruth_rect.txt (or groundtruth_rect.<k>.txt) and <Folder>/img/",
                probe_distributed,
            ),
        ],
    )
    seqs: list[Sequence] = []
    if layout == "toolkit-anno":
        index = _anno_index(base)
        names = drop_missing(
            names,
            lambda n: canonical_name(n) in index,
            base,
            _LABEL,
            "<name>.txt, any case/separator",
            allow_missing,
        )
        for n in names:
            files = index[canonical_name(n)]
            if len(files) > 1:
                raise LayoutError(f"{_LABEL}: several files in {base} match sequence {n}: {', '.join(files)}")
            seqs.append(_make_sequence(table[n], base / files[0], None, attributes))
    else:
        names = drop_missing(
            names,
            lambda n: (base / table[n].anno_path).is_file(),
            base,
            _LABEL,
            "<Folder>/<anno file>",
            allow_missing,
        )
        seqs = [_make_sequence(table[n], base / table[n].anno_path, base, attributes) for n in names]
    return Dataset("otb100", "otb", seqs, attr_names, root=base, layout=layout)


def _anno_index(folder: Path) -> dict[str, list[str]]:
    """``{canonical name: [file names]}`` of the ``*.txt`` files directly in ``folder``."""
    index: dict[str, list[str]] = {}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return index
    for entry in entries:
        if entry.name.lower().endswith(".txt") and entry.is_file():
            index.setdefault(canonical_name(entry.name[:-4]), []).append(entry.name)
    return index


def _make_sequence(
    entry: OtbEntry, anno: Path, frames_root: Path | None, attributes: dict[str, frozenset[str]]
) -> Sequence:
    gt = read_boxes(anno)
    if len(gt) != entry.num_rows:
        raise FormatError(
            anno,
            f"{len(gt)} ground-truth rows for {entry.name}",
            expected=f"{entry.num_rows} rows, one per frame {entry.start_frame}-{entry.end_frame} "
            "(sequences.csv)",
        )
    omit = entry.init_omit
    first = entry.start_frame + omit
    frames = None
    if frames_root is not None:
        pattern = f"%0{entry.zero_pad}d.{entry.ext}"
        frames = FrameSource(frames_root / entry.img_dir, pattern, first, entry.num_rows - omit)
    extra = {
        "object_class": entry.object_class,
        "folder": entry.folder,
        "first_frame": first,  # image number of ground-truth row 0 (after init_omit)
        "init_omit": omit,
    }
    return Sequence(entry.name, gt[omit:], None, attributes.get(entry.name, frozenset()), frames, extra)
