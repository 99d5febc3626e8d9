"""TNL2K (test set, 700 videos) adapter.

Layouts (shared/docs/datasets.md §5):

* ``distributed`` - ``<root>/test/<seq>/{imgs/, groundtruth.txt, language.txt}`` or the
  two-level variant ``<root>/test/<part>/<seq>/...`` (the test set ships in parts); ``root`` may
  also be the ``test`` folder itself. Frames are whatever image files ``imgs/`` holds (.jpg and
  .png are mixed), sorted by name as ODTrack does; the folder is listed only when frames are
  requested. No visibility flags exist in this layout (``visible`` is None).
* ``toolkit-annos`` - the official MATLAB toolkit's ``annos/`` folder: ``gt_rect/<seq>.txt``,
  ``absent/<seq>.txt`` (one ``"0 "``/``"1 "`` per line) and ``att/<seq>_attribute.txt`` (17
  lines); ``root`` is ``annos/`` or its parent. No frames, no language.

One- vs two-level detection: ODTrack counts the sub-folders of ``test/`` (more than 9 = one
level). We decide per sub-folder instead - a folder holding ``groundtruth.txt`` is a sequence,
any other folder is a part whose sub-folders are sequences - which agrees with ODTrack on the
real layouts and also works for small subsets (where ODTrack's count would misfire).
Sequence names are always the bare ``<seq>``; ``extra["part"]`` keeps the part folder.

Visibility: the toolkit's absent flags become ``visible = absent == 0``. **Protocols decide per
benchmark tag whether to use it**: the official MATLAB toolkit drops absent frames, while the
ODTrack/pytracking protocol has no visibility for TNL2K and must ignore it (tag ``tnl2k``).

Attributes come from the ``att/`` files when present, else from the shipped table (same
data). ``extra["language"]`` is the first line of ``language.txt`` as written (may be empty;
ODTrack lower-cases and cleans it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from odtrack_eval.datasets._common import (
    LayoutCandidate,
    ShippedAttributes,
    child_dirs,
    detect_layout,
    drop_missing,
    fit_flags,
    read_attribute_flags,
    read_attribute_names,
    read_boxes,
    read_first_line,
    read_name_list,
    select_names,
)
from odtrack_eval.errors import FormatError
from odtrack_eval.sequence import Dataset, FrameSource, Sequence
from odtrack_eval.textio import read_flags

_LABEL = "TNL2K"
_IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")
_ABSENT_WHAT = "absent flags (0/1, one per line, 1 = target absent)"


def load_tnl2k(root: Path, sequences: Iterable[str] | None = None, allow_missing: bool = False) -> Dataset:
    """TNL2K test set in official (``TNL2K_testing_set.txt``) order.

    ``sequences`` restricts to some names; ``allow_missing`` drops sequences absent from
    ``root`` with a warning instead of raising :class:`LayoutError`.
    """
    root = Path(root)
    official = read_name_list("tnl2k", "testing_set.txt")
    names = select_names(official, sequences, _LABEL)
    attr_names = read_attribute_names("tnl2k")
    table = ShippedAttributes("tnl2k", "test_attributes.csv", key="sequence", codes=attr_names)

    def probe_toolkit(r: Path) -> Path | None:
        return next((b for b in child_dirs(r, ["annos", "annotations"]) if (b / "gt_rect").is_dir()), None)

    def probe_distributed(r: Path) -> Path | None:
        for test_dir in [r / "test", r]:
            if test_dir.is_dir() and any(n in _index_test_dir(test_dir) for n in names):
                return test_dir
        return None

    layout, base = detect_layout(
        root,
        _LABEL,
        [
            LayoutCandidate(
                "toolkit-annos",
                "evaluation-toolkit annos/ folder with gt_rect/, absent/, att/ "
                "(root = annos/ or the folder holding annos/ or annotations/)",
                probe_toolkit,
            ),
            LayoutCandidate(
                "distributed",
                "test/<seq>/groundtruth.txt or test/<part>/<seq>/groundtruth.txt with imgs/ and language.txt "
                "(root = the dataset folder or its test/ folder)",
                probe_distributed,
            ),
        ],
    )
    codes = list(attr_names)
    if layout == "toolkit-annos":
        names = drop_missing(
            names,
            lambda n: (base / "gt_rect" / f"{n}.txt").is_file(),
            base,
            _LABEL,
            "gt_rect/<seq>.txt",
            allow_missing,
        )
        seqs = [_read_toolkit(base, n, codes, table) for n in names]
    else:
        index = _index_test_dir(base)
        names = drop_missing(
            names, index.__contains__, base, _LABEL, "[<part>/]<seq>/groundtruth.txt", allow_missing
        )
        seqs = [_read_distributed(index[n], n, base, table) for n in names]
    return Dataset("tnl2k", "tnl2k", seqs, attr_names, root=base, layout=layout)


def _index_test_dir(test_dir: Path) -> dict[str, Path]:
    """``{sequence name: folder}`` for one- and two-level layouts (lists sequence folders only)."""
    index: dict[str, Path] = {}
    for child in _subdirs(test_dir):
        if (child / "groundtruth.txt").is_file():
            index[child.name] = child
        else:
            for seq in _subdirs(child):
                if (seq / "groundtruth.txt").is_file():
                    index.setdefault(seq.name, seq)
    return index


def _subdirs(folder: Path) -> list[Path]:
    try:
        return sorted(Path(e.path) for e in os.scandir(folder) if e.is_dir())
    except OSError:
        return []


def list_frames(imgs: Path) -> list[Path]:
    """Image files of ``imgs/`` sorted by name (ODTrack sorts ``os.listdir`` as strings).

    ODTrack takes every file; we keep image extensions only, so stray files (``Thumbs.db``)
    cannot become frames. Names are zero-padded, so the string order is the frame order.
    """
    try:
        names = [e.name for e in os.scandir(imgs) if e.name.lower().endswith(_IMAGE_EXTS) and e.is_file()]
    except FileNotFoundError:
        raise FileNotFoundError(f"TNL2K frame folder {imgs} does not exist") from None
    return [imgs / n for n in sorted(names)]


def _read_distributed(folder: Path, name: str, base: Path, table: ShippedAttributes) -> Sequence:
    gt = read_boxes(folder / "groundtruth.txt")
    extra: dict[str, object] = {}
    if folder.parent != base:
        extra["part"] = folder.parent.name
    language = read_first_line(folder / "language.txt")
    if language is not None:
        extra["language"] = language
    imgs = folder / "imgs"
    frames = FrameSource(imgs, lister=partial(list_frames, imgs))
    return Sequence(name, gt, None, table.get(name, frozenset()), frames, extra)


def _read_toolkit(base: Path, name: str, codes: list[str], table: ShippedAttributes) -> Sequence:
    gt = read_boxes(base / "gt_rect" / f"{name}.txt")
    absent_path = base / "absent" / f"{name}.txt"
    if not absent_path.is_file():
        raise FormatError(
            absent_path, "absent-flag file missing", expected=f"{_ABSENT_WHAT}, as in toolkit annos/absent/"
        )
    # advSamp_monitor_bikeyellow has 930 absent flags for 929 boxes: fit_flags cuts the excess.
    absent = fit_flags(read_flags(absent_path, _ABSENT_WHAT), len(gt), absent_path, "absent flags")
    att_path = base / "att" / f"{name}_attribute.txt"
    attributes = read_attribute_flags(att_path, codes) if att_path.is_file() else table.get(name, frozenset())
    return Sequence(name, gt, visible=~absent, attributes=attributes, frames=None)
