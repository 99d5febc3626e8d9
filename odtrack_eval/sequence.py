"""The data model every adapter produces and every other stage consumes.

A :class:`Sequence` is pure annotation: ground truth, optional visibility, attributes and a
*lazy* description of where its frames are. Evaluation never touches frames; only the runner
resolves :class:`FrameSource` paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from odtrack_eval.errors import UnknownNameError


@dataclass(frozen=True)
class FrameSource:
    """Where the frames of a sequence are, without listing or opening them.

    Either a printf-style ``pattern`` (``"img/%08d.jpg"``) with ``start`` and ``count`` (the
    LaSOT/OTB/GOT-10k/VOT way: names are computed, never listed), or an explicit ``files`` list
    produced by ``lister`` on first use (TNL2K's mixed extensions, user folders).
    """

    root: Path
    pattern: str | None = None
    start: int = 1
    count: int = 0
    lister: Callable[[], list[Path]] | None = field(default=None, compare=False, repr=False)

    def paths(self) -> list[Path]:
        """Resolve all frame paths (cheap for patterns; one directory listing for listers)."""
        if self.pattern is not None:
            return [self.root / (self.pattern % i) for i in range(self.start, self.start + self.count)]
        if self.lister is not None:
            return self.lister()
        return []

    def __len__(self) -> int:
        return self.count if self.pattern is not None else len(self.paths())


@dataclass(eq=False)
class Sequence:
    """One annotated video.

    ``ground_truth`` is N×4 float64 ``x, y, w, h`` (top-left, as the benchmark ships it; no
    pixel-convention change). ``visible`` is None when the benchmark has no per-frame
    visibility; otherwise a bool vector of length N (False = target absent). ``attributes`` are
    the benchmark's official short codes. ``extra`` holds benchmark-specific metadata
    (language description, image size, cover labels, tags...).
    """

    name: str
    ground_truth: np.ndarray
    visible: np.ndarray | None = None
    attributes: frozenset[str] = frozenset()
    frames: FrameSource | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        gt = np.asarray(self.ground_truth, dtype=np.float64)
        if gt.ndim == 1:
            gt = gt.reshape(-1, 4)
        if gt.ndim != 2 or gt.shape[1] != 4:
            raise ValueError(f"sequence {self.name!r}: ground truth must be N x 4, got shape {gt.shape}")
        self.ground_truth = gt
        if self.visible is not None:
            vis = np.asarray(self.visible, dtype=bool)
            if vis.shape != (len(gt),):
                raise ValueError(
                    f"sequence {self.name!r}: visibility has {vis.size} flags for {len(gt)} ground-truth rows"
                )
            self.visible = vis
        self.attributes = frozenset(self.attributes)

    def __len__(self) -> int:
        return len(self.ground_truth)

    @property
    def num_frames(self) -> int:
        """Number of evaluated frames (= ground-truth rows, except test splits with only the first box)."""
        return int(self.extra.get("num_frames", len(self.ground_truth)))

    @property
    def init_box(self) -> np.ndarray:
        return self.ground_truth[0]

    def frame_paths(self) -> list[Path]:
        if self.frames is None:
            raise FileNotFoundError(
                f"sequence {self.name!r} was loaded from annotations only; it has no frames"
            )
        return self.frames.paths()

    def __repr__(self) -> str:
        return f"Sequence({self.name!r}, frames={len(self)}, attributes={sorted(self.attributes)})"


_NAME_NORMALIZE = re.compile(r"[-_.\s]+")


def canonical_name(name: str) -> str:
    """Key under which sequence names from different tools match.

    ``Jogging_1``, ``Jogging-1``, ``jogging-1``, ``Jogging.1`` and ``Jogging1`` all map to
    ``jogging1``; case and separators are the only differences seen in the wild.
    """
    return _NAME_NORMALIZE.sub("", name).lower()


@dataclass(eq=False)
class Dataset(SequenceABC):
    """An ordered collection of sequences, indexable by position or name.

    ``tag`` is the benchmark identifier protocols key their per-benchmark rules on
    (``lasot``, ``lasot_ext``, ``otb``, ``tnl2k``...). ``attribute_names`` maps each short
    code to its long name, in the benchmark's official order.
    """

    name: str
    tag: str
    sequences: list[Sequence]
    attribute_names: dict[str, str] = field(default_factory=dict)
    root: Path | None = None
    layout: str = ""
    #: What the set is when it is not the benchmark as published, for titles (e.g. "synthetic, written by
    #: odtrack-eval synth" or "its own sequence list"); "" for the benchmark itself.
    note: str = ""

    def __post_init__(self) -> None:
        self._by_name = {s.name: s for s in self.sequences}
        if len(self._by_name) != len(self.sequences):
            seen: set[str] = set()
            dups = [s.name for s in self.sequences if s.name in seen or seen.add(s.name)]
            raise ValueError(f"dataset {self.name!r} has duplicate sequence names: {dups[:5]}")
        self._by_canonical: dict[str, Sequence] = {}
        for s in self.sequences:
            self._by_canonical.setdefault(canonical_name(s.name), s)

    def __len__(self) -> int:
        return len(self.sequences)

    def __iter__(self) -> Iterator[Sequence]:
        return iter(self.sequences)

    def __getitem__(self, key: int | str | slice) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            try:
                return self._by_name[key]
            except KeyError:
                seq = self._by_canonical.get(canonical_name(key))
                if seq is None:
                    raise UnknownNameError(f"sequence of {self.name}", key, list(self._by_name)) from None
                return seq
        if isinstance(key, slice):
            return self.subset(self.sequences[key])
        return self.sequences[key]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self._by_name or canonical_name(key) in self._by_canonical)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sequences]

    def find(self, name: str) -> Sequence | None:
        """Look a sequence up by exact or canonical name; None if absent."""
        return self._by_name.get(name) or self._by_canonical.get(canonical_name(name))

    def subset(self, sequences: Iterable[Sequence], name: str | None = None) -> Dataset:
        return Dataset(
            name or self.name, self.tag, list(sequences), dict(self.attribute_names), self.root, self.layout, self.note
        )

    def select(self, names: Iterable[str]) -> Dataset:
        """The sequences with these names (exact or canonical), in the given order."""
        return self.subset([self[n] for n in names])

    def filter(self, attribute: str) -> Dataset:
        """The sequences that have ``attribute`` (a short code such as ``FOC``)."""
        if self.attribute_names and attribute not in self.attribute_names:
            raise UnknownNameError(f"attribute of {self.name}", attribute, list(self.attribute_names))
        return self.subset(
            [s for s in self.sequences if attribute in s.attributes], f"{self.name}[{attribute}]"
        )

    @property
    def num_frames(self) -> int:
        return sum(len(s) for s in self.sequences)

    def __repr__(self) -> str:
        return f"Dataset({self.name!r}, tag={self.tag!r}, sequences={len(self)}, layout={self.layout!r})"
