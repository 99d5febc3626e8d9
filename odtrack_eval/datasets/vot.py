"""VOT2020 short-term: a vot-toolkit ``sequences/`` folder (or a workspace that holds one).

Layout (datasets.md §7, vot2020.md; semantics of vot-toolkit 0.9.0 ``vot/dataset/common.py``)::

    list.txt                      sequence names, one per line
    <seq>/sequence                key=value metadata (CRLF; unmatched lines ignored)
    <seq>/color/00000001.jpg …    or the ``channels.color`` pattern; default color/%08d.jpg
    <seq>/groundtruth.txt         one region per line (masks, rectangles, polygons, codes)
    <seq>/*.tag, *.label          per-frame flags ("1" = true), short files padded with false
    <seq>/*.value                 per-frame floats, short files padded with 0 (anchor.value)

A folder without a ``sequence`` file is read as the toolkit's legacy layout (frames
``%08d.jpg`` next to ``groundtruth.txt``).

What a :class:`Sequence` holds:

* ``ground_truth``: the bounding box of each region (:func:`odtrack_eval.regions.region.region_to_bbox`);
  frames whose region is a special code or an empty mask get a **NaN row** and
  ``visible=False`` (there is no box to evaluate; the VOT analyses use the raw regions).
* ``extra["regions"]``: the regions exactly as written (apply ``region.toolkit_read`` for the
  toolkit's in-memory view), each parsed on first access; a ground truth shorter than the
  sequence is padded with ``Special(0)`` (unknown), as the toolkit does.
* ``extra["ground_truth"]``: the same file as the VOT analyses use it
  (:class:`odtrack_eval.regions.truth.GroundTruthFile`: the toolkit's view as arrays and mask row
  segments, and its ``is_empty`` flags), read in one vectorised pass.
* ``extra["tags"]``: {tag name: bool array}; ``extra["anchors"]``: ``anchor.value`` as float
  array (None if absent); ``extra["values"]``: the other ``*.value`` files.
* ``extra["image_size"]``: (W, H) from ``width``/``height`` in ``sequence``; if missing it is
  None and :func:`image_size` reads the first frame's header on demand (never at load time,
  so annotation-only evaluation never opens an image).
* ``attributes``: the tags that are true on at least one frame.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from odtrack_eval.datasets._layout import collect, package_names, read_names
from odtrack_eval.errors import FormatError, LayoutError, OdtrackEvalError, ResultsError
from odtrack_eval.protocols.multistart import VOT2020, VotProtocol
from odtrack_eval.regions.truth import read_ground_truth
from odtrack_eval.sequence import Dataset, FrameSource, Sequence

#: The per-frame tags shipped with VOT short-term datasets (pysot-toolkit ``vot.py`` names).
TAG_NAMES = {
    "camera_motion": "Camera motion",
    "illum_change": "Illumination change",
    "motion_change": "Motion change",
    "occlusion": "Occlusion",
    "size_change": "Size change",
}
DEFAULT_CHANNEL = "color/%08d.jpg"
_PROPERTY = re.compile(r"^([a-zA-Z0-9_\-.]+) *= *(.*)$")


def read_properties(path: Path) -> dict[str, str]:
    """``key=value`` lines as the toolkit's ``read_properties`` reads them (lines stripped, CRLF
    fine, lines that do not match ``key = value`` skipped)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise FormatError(path, f"not UTF-8 text ({exc.reason})", expected="key=value lines") from None
    props: dict[str, str] = {}
    for line in text.splitlines():
        m = _PROPERTY.match(line.strip())
        if m:
            props[m.group(1)] = m.group(2)
    return props


def _int_property(props: dict[str, str], key: str, path: Path) -> int | None:
    value = props.get(key)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        # The toolkit silently treats a non-integer as missing; say so instead.
        raise FormatError(path, f"{key}={value!r} is not an integer", None, f"{key}=<integer>") from None


def _channel_pattern(props: dict[str, str]) -> str:
    pattern = props.get("channels.color", DEFAULT_CHANNEL).replace("\\", "/")
    if not Path(pattern).suffix:
        pattern = pattern.rstrip("/") + "/%08d.jpg"
    return pattern


def _count_frames(folder: Path, pattern: str) -> int:
    """Consecutive files ``pattern % 1, % 2, …`` that exist (the toolkit's channel scan)."""
    n = 0
    while (folder / (pattern % (n + 1))).is_file():
        n += 1
    return n


def _read_flags_lenient(path: Path, length: int) -> np.ndarray:
    """A tag file as the toolkit reads it: a line is true iff it is exactly ``1`` after strip."""
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    flags = np.zeros(max(length, len(lines)), dtype=bool)
    flags[: len(lines)] = [s.strip() == "1" for s in lines]
    return flags[:length]


def _read_values(path: Path, length: int) -> np.ndarray:
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    if len(lines) > length:
        raise FormatError(path, f"{len(lines)} values for a {length}-frame sequence", None, f"at most {length} lines")
    out = np.zeros(length, dtype=np.float64)
    for i, s in enumerate(lines):
        try:
            out[i] = float(s.strip())
        except ValueError:
            raise FormatError(path, f"{s.strip()!r} is not a number", i + 1, "one number per line") from None
    return out


def _load_sequence(base: Path, name: str) -> Sequence:
    folder = base / name
    if not folder.is_dir():
        raise LayoutError(f"{folder}: sequence folder listed in {base / 'list.txt'} not found")
    meta_path = folder / "sequence"
    legacy = not meta_path.is_file()
    props = {} if legacy else read_properties(meta_path)
    gt_path = folder / props.get("groundtruth", "groundtruth.txt")
    pattern = "%08d.jpg" if legacy else _channel_pattern(props)
    length = None if legacy else _int_property(props, "length", meta_path)
    has_frames = (folder / (pattern % 1)).is_file()
    if length is None:
        gt = read_ground_truth(gt_path, _count_frames(folder, pattern) if has_frames else 0, at_least=True)
        length = len(gt.regions)
    else:
        gt = read_ground_truth(gt_path, length)
    boxes = gt.boxes
    visible = ~np.isnan(boxes).any(axis=1)

    tags: dict[str, np.ndarray] = {}
    for p in sorted(folder.glob("*.tag")) + sorted(folder.glob("*.label")):
        tags[p.stem] = _read_flags_lenient(p, length)
    values = {p.stem: _read_values(p, length) for p in sorted(folder.glob("*.value"))}
    anchors = values.pop("anchor", None)

    width = None if legacy else _int_property(props, "width", meta_path)
    height = None if legacy else _int_property(props, "height", meta_path)
    extra = {
        "regions": gt.regions,
        "ground_truth": gt,
        "tags": tags,
        "anchors": anchors,
        "values": values,
        "image_size": (width, height) if width is not None and height is not None else None,
        "properties": props,
    }
    frames = FrameSource(folder, pattern, 1, length) if has_frames else None
    attributes = frozenset(t for t, f in tags.items() if f.any())
    return Sequence(name, boxes, visible, attributes, frames, extra)


def image_size(sequence: Sequence) -> tuple[int, int]:
    """(W, H) of a VOT sequence: from its ``sequence`` file, else from the first frame's header
    (read once, then cached in ``extra``). Raises if neither is available."""
    size = sequence.extra.get("image_size")
    if size is not None:
        return size
    if sequence.frames is None:
        raise OdtrackEvalError(
            f"sequence {sequence.name!r}: image size unknown (no width/height in its 'sequence' file and no frames)"
        )
    from odtrack_eval.imageio import image_size as header_size

    first = sequence.frames.root / (sequence.frames.pattern % sequence.frames.start)  # type: ignore[operator]
    size = header_size(first)
    sequence.extra["image_size"] = size
    return size


def _base(root: Path) -> Path:
    if (root / "list.txt").is_file():
        return root
    if (root / "sequences" / "list.txt").is_file():
        return root / "sequences"  # a vot workspace
    if not root.is_dir():
        raise LayoutError(f"{root}: VOT root does not exist or is not a folder")
    raise LayoutError(
        f"{root / 'list.txt'}: not found (expected a VOT sequences folder with list.txt and one folder per "
        "sequence, or a vot workspace holding sequences/)"
    )


def load_vot(root: Path, errors: list[OdtrackEvalError] | None = None, name: str = "vot2020") -> Dataset:
    """Load every sequence of ``list.txt`` in order."""
    base = _base(Path(root))
    sequences = []
    for seq_name in read_names(base / "list.txt"):
        seq = collect(errors, lambda n=seq_name: _load_sequence(base, n), seq_name)
        if seq is not None:
            sequences.append(seq)
    names = dict(TAG_NAMES)
    for s in sequences:
        for t in s.extra["tags"]:
            names.setdefault(t, t.replace("_", " ").capitalize())
    return Dataset(name, "vot2020", sequences, names, base, "vot:sequences")


def expected_names(dataset: Dataset) -> list[str]:
    """The 60 VOT2020 sequences (ODTrack's list) for the layout checker."""
    return package_names("vot2020", "list.txt")


# --- the multistart plan: which anchor runs a sequence has ------------------------------------------


def find_anchors(sequence: Sequence, protocol: VotProtocol = VOT2020) -> tuple[list[int], list[int]]:
    """Forward (value > 0) and backward (value < 0) anchor frames, ascending (``find_anchors``)."""
    values = sequence.extra.get("anchors") if protocol.anchor == "anchor" else None
    if values is None:
        values = (sequence.extra.get("values") or {}).get(protocol.anchor)
    if values is None:
        raise ResultsError(
            f"sequence {sequence.name!r}: no {protocol.anchor}.value file, so no anchors (the multistart "
            "experiment needs one value per frame: >0 forward anchor, <0 backward anchor, 0 none)"
        )
    v = np.asarray(values, dtype=np.float64)
    forward = np.flatnonzero(v > 0).tolist()
    backward = np.flatnonzero(v < 0).tolist()
    if not forward and not backward:
        raise ResultsError(f"sequence {sequence.name!r}: {protocol.anchor}.value marks no anchor frame")
    return forward, backward


def runs_of(sequence: Sequence, protocol: VotProtocol = VOT2020) -> list[tuple[int, bool, int]]:
    """(anchor, backward, run length) in the toolkit's order: forward anchors, then backward ones."""
    forward, backward = find_anchors(sequence, protocol)
    n = len(sequence)
    return [(f, False, n - f) for f in forward] + [(f, True, f + 1) for f in backward]


# ------------------------------------------------------------------------------------------ per run
