"""The VOT2020 short-term (multistart) protocol as data (protocols.md §9, vot2020.md).

Its own dataclass: the one-pass :class:`~odtrack_eval.protocols.one_pass.Protocol` fields (threshold
grids, box IoU variants) mean nothing here, and the VOT numbers (grace, EAO interval) mean nothing
there. Both derive from :class:`~odtrack_eval.protocols.base.RuleSet` and live in one registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from odtrack_eval.protocols.base import RuleSet

OverlapRule = Literal["current", "legacy"]


@dataclass(frozen=True)
class VotProtocol(RuleSet):
    """Parameters of vot-toolkit's multistart analyses (``vot/analysis/multistart.py``)."""

    kind: ClassVar[str] = "multistart"
    pipeline: ClassVar[str] = "odtrack_eval.vot.analysis:evaluate_results"
    #: Overlap of empty/special regions: "current" = toolkit >= 0.6 (two empty regions -> 1, special codes
    #: are empty regions); "legacy" = toolkit < 0.6, the 2020 challenge (any special code -> 0, two empty -> 0).
    overlap_rule: OverlapRule = "current"
    #: Failure = ``grace`` consecutive frames with overlap <= ``threshold`` on a non-empty ground truth.
    grace: int = 10
    threshold: float = 0.1
    #: EAO score = mean of curve[low : high + 1] over a curve of ``high`` entries (so 115..754).
    eao_low: int = 115
    eao_high: int = 755
    #: Pixels outside the image are ignored (the analyses pass the image size whenever burnin != 0).
    bounded: bool = True
    experiment: str = "baseline"
    #: The per-frame value file whose sign marks forward (>0) / backward (<0) anchors.
    anchor: str = "anchor"
    metrics: tuple[str, ...] = ("eao", "accuracy", "robustness")
    benchmark_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def for_benchmark(self, tag: str) -> VotProtocol:
        """No per-benchmark quirks: the same rules for every VOT-layout dataset."""
        return self


VOT2020 = VotProtocol(
    name="vot2020",
    description="VOT2020 short-term (vot-toolkit >= 0.6, as 0.9.0): anchor runs, pixel IoU on masks/rectangles/"
    "polygons inside the image, failure after 10 frames with overlap <= 0.1, A pooled over tracked frames, R "
    "frame-weighted, EAO = mean of the curve over 115..754 with the toolkit's (j-1) divisor. Two empty regions "
    "overlap 1.",
    reference="vot-toolkit 0.9.0 vot/analysis/multistart.py, vot/region/raster.py, stack vot2020/shortterm",
)

VOT2020_LEGACY = VotProtocol(
    name="vot2020-legacy",
    description="As vot2020 but with the overlap rule of vot-toolkit < 0.6 (used for the 2020 challenge): a "
    "special code on either side gives 0, and two empty regions give 0 instead of 1.",
    reference="vot-toolkit c764ff3 (v0.4.2) vot/region/raster.py; changed by e85a1e6 (2023-04-14)",
    overlap_rule="legacy",
)

VOT_PROTOCOLS = (VOT2020, VOT2020_LEGACY)
