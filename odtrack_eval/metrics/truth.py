"""What the metrics know about a sequence: its ground truth and the facts the protocols read.

Preparation (:mod:`.preparation`) takes :class:`SequenceTruth` objects, never a
:class:`~odtrack_eval.sequence.Sequence`: so everything a score can depend on is in these fields,
and :func:`truth_digest` (which hashes every field, whatever fields there are) is a complete key of
the dataset side of an evaluation. A new protocol rule that needs another fact adds a field here,
and the cache key follows by itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from odtrack_eval.hashing import KeyBuilder
from odtrack_eval.sequence import Sequence as DatasetSequence

__all__ = ["SequenceTruth", "truth_of", "truths_of", "truth_digest"]


@dataclass(frozen=True, eq=False)
class SequenceTruth:
    """One sequence as the metrics see it.

    ``boxes``: N x 4 ground truth; ``visible``: per-frame target presence (None: the benchmark has
    none); ``cover``: GOT-10k cover labels 0..8 (None elsewhere); ``image_size``: (W, H) for
    protocols that clip boxes to the image; ``withheld``: a test split whose ground truth beyond the
    first box is not public (scoring it is refused).
    """

    name: str
    boxes: np.ndarray
    visible: np.ndarray | None = None
    cover: np.ndarray | None = None
    image_size: np.ndarray | None = None
    withheld: bool = False


def truth_of(seq: DatasetSequence) -> SequenceTruth:
    """The metric-relevant part of an adapter's sequence."""
    extra = seq.extra
    cover = extra.get("cover")
    size = extra.get("image_size")
    return SequenceTruth(
        name=seq.name,
        boxes=seq.ground_truth,
        visible=seq.visible,
        cover=None if cover is None else np.asarray(cover),
        image_size=None if size is None else np.asarray(size, dtype=np.float64),
        withheld=bool(extra.get("first_frame_only")) and len(seq.ground_truth) == 1,
    )


def truths_of(sequences: Iterable[DatasetSequence]) -> list[SequenceTruth]:
    return [truth_of(s) for s in sequences]


def truth_digest(truths: Sequence[SequenceTruth]) -> str:
    """Hash of every field of every truth, in order (the fields are enumerated, not listed by hand)."""
    key = KeyBuilder("truths").text(str(len(truths)))
    for truth in truths:
        for f in dataclasses.fields(truth):
            value = getattr(truth, f.name)
            key.text(f.name)
            if isinstance(value, np.ndarray) or value is None:
                key.array(value)
            else:
                key.text(repr(value))
    return key.hexdigest()
