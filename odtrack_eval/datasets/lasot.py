"""LaSOT and LaSOT_ext adapters.

Two layouts are recognised (see shared/docs/datasets.md §1-§2):

* ``distributed`` - the dataset as downloaded:
  ``<root>/<class>/<class>-<n>/{groundtruth.txt, full_occlusion.txt, out_of_view.txt, nlp.txt, img/%08d.jpg}``
  (``root`` may also be the folder holding ``LaSOTBenchmark/``). Visibility is
  ``(full_occlusion == 0) & (out_of_view == 0)`` exactly as ODTrack/pytracking build
  ``target_visible``; both flag files are one comma-separated line.
* ``toolkit-annos`` - the official MATLAB toolkit's annotation-only copy
  (``annos/<seq>.txt``, ``annos/absent/<seq>.txt`` one flag per line, ``annos/att/<seq>.txt``
  14 flags, ``annos/nlp/<seq>.txt``); ``root`` is ``annos/`` or its parent. The toolkit's
  absent flag is the OR of full occlusion and out-of-view, so ``visible = absent == 0`` is the
  same mask. No frames: evaluation never needs them.

The frame count always comes from the ground truth, never from the image folder (LaSOT
``monkey-17`` keeps only its first 2260 frames; the video is longer). A ``testing_set.txt`` (or
``training_set.txt`` / ``all_dataset.txt``) in a distributed root replaces the official list, and
``att/<seq>.txt`` files beside the data replace the shipped attribute table: that is how a
LaSOT-layout benchmark of one's own (``odtrack-eval synth``) loads. Attributes come from the
``att/`` files when present, else from the table shipped with the package (identical for all
1400 sequences). ``extra["language"]`` holds the first line of ``nlp.txt`` as written (ODTrack
lower-cases it); ``extra["class"]`` the object class (folder name); in the distributed layout
``extra["full_occlusion"]`` and ``extra["out_of_view"]`` keep the two flags apart (bool per frame).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from odtrack_eval.datasets._common import (
    LayoutCandidate,
    ShippedAttributes,
    child_dirs,
    detect_layout,
    drop_missing,
    files_in,
    fit_flags,
    read_attribute_flags,
    read_attribute_names,
    read_boxes,
    read_first_line,
    read_name_list,
    select_names,
)
from odtrack_eval.errors import FormatError, UnknownNameError
from odtrack_eval.sequence import Dataset, FrameSource, Sequence
from odtrack_eval.textio import read_flags

_SPLIT_LISTS = {"test": "testing_set.txt", "train": "training_set.txt", "all": "all_dataset.txt"}
_FRAME_PATTERN = "%08d.jpg"
_ABSENT_WHAT = "absent flags (0/1, one per frame, 1 = target absent)"


def load_lasot(
    root: Path,
    split: str = "test",
    sequences: Iterable[str] | None = None,
    allow_missing: bool = False,
) -> Dataset:
    """LaSOT (``split``: ``test`` = the 280-video protocol-II test set, ``train`` 1120, ``all`` 1400).

    ``sequences`` restricts to some names (official order kept); ``allow_missing`` drops
    sequences absent from ``root`` with a warning instead of raising :class:`LayoutError`.
    """
    try:
        list_file = _SPLIT_LISTS[split]
    except KeyError:
        raise UnknownNameError("LaSOT split", split, list(_SPLIT_LISTS)) from None
    attr_names = read_attribute_names("lasot")
    table = ShippedAttributes("lasot", "attributes.csv", key="sequence", codes=attr_names)
    official = read_name_list("lasot", list_file)
    local_list = Path(root) / _SPLIT_LISTS[split]
    note = ""
    if local_list.is_file():
        # A LaSOT-layout benchmark of one's own (e.g. `odtrack-eval synth`): the sequence list and the
        # att/<seq>.txt flags beside the data replace the official ones.
        local = [n.strip() for n in local_list.read_text(encoding="utf-8").splitlines() if n.strip()]
        if (Path(root) / "synth.json").is_file():
            note = "synthetic, written by odtrack-eval synth"
        elif local != official:
            note = f"its own {_SPLIT_LISTS[split]}"
        official = local
    return _load(
        Path(root),
        label="LaSOT" if split == "test" else f"LaSOT ({split})",
        name="lasot" if split == "test" else f"lasot_{split}",
        tag="lasot",
        official=official,
        attr_names=attr_names,
        table=table,
        sequences=sequences,
        allow_missing=allow_missing,
        note=note,
    )


def load_lasot_ext(
    root: Path, sequences: Iterable[str] | None = None, allow_missing: bool = False
) -> Dataset:
    """LaSOT extension subset (150 videos, ODTrack/pytracking list order).

    No attribute table for LaSOT_ext exists in any source we could find, so sequences carry
    no attributes and ``attribute_names`` is empty - unless a toolkit-style ``att/`` folder is
    present, which is then read with LaSOT's 14 codes.
    """
    return _load(
        Path(root),
        label="LaSOT_ext",
        name="lasot_ext",
        tag="lasot_ext",
        official=read_name_list("lasot_ext", "sequence_list.txt"),
        attr_names=read_attribute_names("lasot"),
        table=None,
        sequences=sequences,
        allow_missing=allow_missing,
    )


def _class_of(name: str) -> str:
    # LaSOT class names contain no dash; ``rsplit`` equals ODTrack's ``split('-')[0]`` there.
    return name.rsplit("-", 1)[0]


def _load(
    root: Path,
    *,
    label: str,
    name: str,
    tag: str,
    official: list[str],
    attr_names: dict[str, str],
    table: ShippedAttributes | None,
    sequences: Iterable[str] | None,
    allow_missing: bool,
    note: str = "",
) -> Dataset:
    names = select_names(official, sequences, label)

    def probe_toolkit(r: Path) -> Path | None:
        return next(
            (
                b
                for b in child_dirs(r, ["annos", "annotations"])
                if any((b / f"{n}.txt").is_file() for n in names)
            ),
            None,
        )

    def probe_distributed(r: Path) -> Path | None:
        return next(
            (
                b
                for b in child_dirs(r, ["LaSOTBenchmark"])
                if any((b / _class_of(n) / n / "groundtruth.txt").is_file() for n in names)
            ),
            None,
        )

    layout, base = detect_layout(
        root,
        label,
        [
            LayoutCandidate(
                "toolkit-annos",
                "evaluation-toolkit annos/ folder with <seq>.txt, absent/<seq>.txt, att/<seq>.txt, "
                "nlp/<seq>.txt (root = annos/ or the folder holding annos/ or annotations/)",
                probe_toolkit,
            ),
            LayoutCandidate(
                "distributed",
                "<class>/<class>-<n>/groundtruth.txt with full_occlusion.txt, out_of_view.txt, nlp.txt, img/ "
                "(root = the dataset folder or the folder holding LaSOTBenchmark/)",
                probe_distributed,
            ),
        ],
    )
    codes = list(attr_names)
    seqs: list[Sequence] = []
    used_att_files = False
    if layout == "toolkit-annos":
        # One listing per folder instead of a stat per file (280 sequences x 4 files).
        listed = {sub: files_in(base / sub) for sub in ("", "absent", "att")}
        names = drop_missing(names, lambda n: f"{n}.txt" in listed[""], base, label, "<seq>.txt", allow_missing)
        for n in names:
            seq, from_file = _read_toolkit(base, n, codes, table, listed)
            used_att_files |= from_file
            seqs.append(seq)
    else:
        names = drop_missing(
            names,
            lambda n: (base / _class_of(n) / n / "groundtruth.txt").is_file(),
            base,
            label,
            "<class>/<seq>/groundtruth.txt",
            allow_missing,
        )
        seqs = [_read_distributed(base, n, table, codes) for n in names]
        used_att_files = (base / "att").is_dir()
    keep_names = table is not None or used_att_files
    return Dataset(name, tag, seqs, dict(attr_names) if keep_names else {}, root=base, layout=layout, note=note)


def _read_distributed(base: Path, name: str, table: ShippedAttributes | None, codes: list[str]) -> Sequence:
    cls = _class_of(name)
    folder = base / cls / name
    gt = read_boxes(folder / "groundtruth.txt")
    n = len(gt)
    occluded = fit_flags(
        read_flags(folder / "full_occlusion.txt", "full-occlusion flags (0/1, one comma-separated line)"),
        n,
        folder / "full_occlusion.txt",
        "full-occlusion flags",
    )
    out_of_view = fit_flags(
        read_flags(folder / "out_of_view.txt", "out-of-view flags (0/1, one comma-separated line)"),
        n,
        folder / "out_of_view.txt",
        "out-of-view flags",
    )
    # (the two causes kept apart for pictures: timelines shade them differently; visibility merges them)
    extra: dict[str, object] = {"class": cls, "full_occlusion": occluded, "out_of_view": out_of_view}
    language = read_first_line(folder / "nlp.txt")
    if language is not None:
        extra["language"] = language
    return Sequence(
        name,
        gt,
        visible=~(occluded | out_of_view),
        attributes=_distributed_attributes(base, name, table, codes),
        frames=FrameSource(folder / "img", _FRAME_PATTERN, 1, n),
        extra=extra,
    )


def _distributed_attributes(
    base: Path, name: str, table: ShippedAttributes | None, codes: list[str]
) -> frozenset[str]:
    """Toolkit-style ``<root>/att/<seq>.txt`` flags when present beside the data, else the shipped table."""
    att = base / "att" / f"{name}.txt"
    if att.is_file():
        return read_attribute_flags(att, codes)
    return (table or {}).get(name, frozenset())


def _read_toolkit(
    base: Path, name: str, codes: list[str], table: ShippedAttributes | None, listed: dict[str, set[str]]
) -> tuple[Sequence, bool]:
    """One sequence of the toolkit layout; ``listed``: the files of ``base``, ``absent/`` and ``att/``.

    Paths are plain strings here: 280 sequences x 4 files of pathlib objects cost more than the reads.
    """
    file = f"{name}.txt"
    folder = str(base)
    gt = read_boxes(os.path.join(folder, file))
    absent_path = os.path.join(folder, "absent", file)
    if file not in listed["absent"]:
        raise FormatError(
            Path(absent_path), "absent-flag file missing", expected=f"{_ABSENT_WHAT}, as in toolkit annos/absent/"
        )
    absent = fit_flags(read_flags(absent_path, _ABSENT_WHAT), len(gt), absent_path, "absent flags")
    from_file = file in listed["att"]
    if from_file:
        attributes = read_attribute_flags(os.path.join(folder, "att", file), codes)
    else:
        attributes = (table or {}).get(name, frozenset())
    extra: dict[str, object] = {"class": _class_of(name)}
    language = read_first_line(os.path.join(folder, "nlp", file))
    if language is not None:
        extra["language"] = language
    return Sequence(name, gt, visible=~absent, attributes=attributes, frames=None, extra=extra), from_file
