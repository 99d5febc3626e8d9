"""One-pass (OPE) evaluation protocols as data: AUC, precision, normalized precision; GOT-10k's AO, SR.

A :class:`Protocol` is a named, frozen rule set that reproduces one reference tool exactly
(protocols.md is the spec; every field below cites the behaviour it encodes). Metric code reads
fields, never benchmark names: the per-benchmark quirks of a tool (the ``lasot`` tag rule,
LaSOT_ext's normalized-precision quirk, ...) are entries of :attr:`Protocol.benchmark_overrides`
resolved once by :meth:`Protocol.for_benchmark`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal

import numpy as np

from odtrack_eval.protocols.base import RuleSet

Outcome = Literal["score", "fail", "pass", "drop"]


@dataclass(frozen=True)
class FrameRule:
    """What a class of frames (absent target, invalid ground truth) does to each metric.

    ``score``: evaluated normally; ``fail``/``pass``: forced below/above every threshold but kept
    in the denominator; ``drop``: removed from numerator and denominator.
    """

    success: Outcome = "score"
    precision: Outcome = "score"
    norm_precision: Outcome = "score"


SCORE = FrameRule()
FAIL_ALL = FrameRule("fail", "fail", "fail")
#: pytracking/ODTrack on invalid frames: IoU := -1, centre error := +Inf, normalized error := -1.
PYT_INVALID = FrameRule("fail", "fail", "pass")
#: MATLAB toolkits on present frames with a non-positive GT coordinate: IoU := -1, errors := -1.
MATLAB_INVALID = FrameRule("fail", "pass", "pass")


# --- threshold grids -------------------------------------------------------------------------
# The exact float64 values matter: with strict ">" an IoU equal to a threshold fails, and integer
# boxes make such ties common (protocol-findings.md §4).

#: pytracking/ODTrack: ``torch.arange(0.0, 1.05, 0.05, dtype=torch.float64)``. torch fills the range
#: in vector chunks (base + lane * step), so entries 12-19 differ from i*0.05 in the last bit;
#: recorded literally (checked against torch in tests/protocols/test_protocols.py).
SUCCESS_GRID_TORCH = (
    0.0, 0.05, 0.1, 0.15000000000000002, 0.2, 0.25, 0.30000000000000004, 0.35000000000000003, 0.4, 0.45,
    0.5, 0.55, 0.6000000000000001, 0.6500000000000001, 0.7000000000000001, 0.7500000000000001, 0.8,
    0.8500000000000001, 0.9, 0.9500000000000001, 1.0,
)  # fmt: skip


def matlab_colon(start: float, step: float, stop: float) -> np.ndarray:
    """MATLAB's ``start:step:stop`` (first half counted up from start, second half down from stop)."""
    n = int(round((stop - start) / step))
    k = np.arange(n + 1, dtype=np.float64)
    up = start + k * step
    down = stop - (n - k) * step
    return np.where(k < n / 2, up, down)


def _grid(name: str) -> np.ndarray:
    grids = {
        "success_torch": lambda: np.array(SUCCESS_GRID_TORCH),
        "success_linspace21": lambda: np.linspace(0.0, 1.0, 21),
        "success_linspace101": lambda: np.linspace(0.0, 1.0, 101),
        "success_matlab": lambda: matlab_colon(0.0, 0.05, 1.0),
        "pixels_0_50": lambda: np.arange(51, dtype=np.float64),
        "pixels_linspace21": lambda: np.linspace(0.0, 50.0, 21),
        "norm_hundredths": lambda: np.arange(51, dtype=np.float64) / 100.0,
        "norm_linspace51": lambda: np.linspace(0.0, 0.5, 51),
        "norm_linspace21": lambda: np.linspace(0.0, 0.5, 21),
    }
    return grids[name]()


@dataclass(frozen=True)
class Protocol(RuleSet):
    """One reference tool's complete one-pass evaluation rules. See protocols.md for each behaviour."""

    kind: ClassVar[str] = "one-pass"
    pipeline: ClassVar[str] = "odtrack_eval.evaluation:evaluate_folder"
    #: Who applies these rules, as table footnotes name it ("padded ..., as in the ODTrack evaluator").
    tool: str = ""
    #: IoU primitive (boxes.IOU_FUNCTIONS key) and normalized-error variant (boxes.norm_center_error).
    iou: Literal["cont", "g10k", "pysot", "tnet"] = "cont"
    norm_error: Literal["pyt", "g10k", "pysot", "tnet"] = "pyt"
    #: Round every coordinate half-to-even before anything else (TrackingNet server).
    round_boxes: bool = False
    #: Which GT rows are "valid": w,h > 0 (ODTrack) / x,y,w,h > 0 (pytracking >= 2022, MATLAB) / all.
    valid_gt: Literal["wh_positive", "all_positive", "any"] = "wh_positive"
    invalid_gt: FrameRule = PYT_INVALID
    #: Use per-frame visibility when the dataset provides it; what absent frames do.
    use_visibility: bool = True
    absent: FrameRule = PYT_INVALID
    #: GT rows with NaN: error (pytracking) or drop (got10k LaSOT experiment).
    nan_gt: Literal["error", "drop"] = "error"
    #: Predictions with NaN or negative size: error (pytracking/ODTrack), or leave them (they fail).
    reject_invalid_predictions: bool = True
    #: With reject_invalid_predictions: negative sizes count as invalid too (pytracking), or are left to
    #: the IoU's clipping (GOT-10k, which only cannot digest NaN).
    reject_negative_size: bool = True
    #: Forward-fill bad prediction rows from the previous row (before the first-frame substitution):
    #: "zero_size" = w==0 or h==0 (pytracking), "invalid" = NaN or w<=0 or h<=0 (MATLAB), "none".
    repair_predictions: Literal["zero_size", "invalid", "none"] = "zero_size"
    #: Frame 0: overwritten with GT (everyone), kept as predicted (pysot), or excluded (GOT-10k).
    first_frame: Literal["gt", "keep", "exclude"] = "gt"
    #: Results longer than GT are truncated by every tool; shorter ones:
    shorter_results: Literal["error", "zero_pad", "nan_pad", "truncate_both"] = "zero_pad"
    #: Keep only frames whose ``cover`` label is > 0 (GOT-10k: the target is at least partly visible).
    frame_mask: Literal["none", "cover_positive"] = "none"
    #: Clip both boxes to the image (``Sequence.extra["image_size"]``) before the IoU (GOT-10k).
    clip_to_image: bool = False
    #: A scored frame whose IoU is NaN (0/0): error (pytracking) or failure.
    nan_iou: Literal["error", "fail"] = "error"
    success_grid: str = "success_torch"
    success_op: Literal[">", ">="] = ">"
    precision_grid: str = "pixels_0_50"
    norm_precision_grid: str = "norm_hundredths"
    #: Read-outs: AUC = mean of the curve ("mean") or trapezoid over x in [0, 1] ("trapz").
    auc_readout: Literal["mean", "trapz"] = "mean"
    precision_readout: Literal["at", "trapz", "mean"] = "at"
    precision_at: float = 20.0
    norm_precision_readout: Literal["at", "trapz", "mean"] = "at"
    norm_precision_at: float = 0.2
    #: Average per-sequence curves with equal weight, or pool frames over sequences and runs (GOT-10k AO).
    aggregation: Literal["sequence_mean", "frame_pooled"] = "sequence_mean"
    #: The scores this protocol reports, in table order (OPE family or GOT-10k family).
    metrics: tuple[str, ...] = ("auc", "precision", "norm_precision", "op50", "op75")
    #: MATLAB plot_draw_save: sequences whose whole curve sums to <= eps are dropped before averaging.
    drop_zero_curves: bool = False
    #: Attributes with fewer sequences are not reported (MATLAB needs >= 2).
    min_attribute_sequences: int = 1
    #: Per-benchmark-tag field overrides (the tool's own dataset-name branches, as data).
    benchmark_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def for_benchmark(self, tag: str) -> Protocol:
        """This protocol with the overrides for benchmark ``tag`` applied."""
        overrides = self.benchmark_overrides.get(tag, {})
        return replace(self, benchmark_overrides={}, **overrides) if overrides else self

    def grid(self, metric: Literal["success", "precision", "norm_precision"]) -> np.ndarray:
        return _grid({"success": self.success_grid, "precision": self.precision_grid,
                      "norm_precision": self.norm_precision_grid}[metric])  # fmt: skip


_ODTRACK = Protocol(
    name="odtrack",
    description="ODTrack/OSTrack evaluator (lib/test/analysis): produced the paper's LaSOT, LaSOT_ext, "
    "TNL2K and OTB numbers. Valid GT = w,h>0 and visible.",
    reference="GXNU-ZhongLab/ODTrack@88c0a8e lib/test/analysis/extract_results.py",
    tool="the ODTrack evaluator",
    benchmark_overrides={
        # `if dataset == 'lasot'`: absent frames also get centre and normalized error +Inf.
        "lasot": {"absent": FAIL_ALL, "shorter_results": "error"},
        # LaSOT_ext is tagged lasot_extension_subset, so that branch does not fire: absent frames
        # PASS normalized precision (they keep error -1). Reproduced on purpose.
        "lasot_ext": {"absent": PYT_INVALID},
        # tnl2kdataset.py provides no target_visible.
        "tnl2k": {"use_visibility": False},
        # got10k/trackingnet datasets of pytracking also provide no visibility to the evaluator.
        "trackingnet": {"use_visibility": False},
    },
)

_PYTRACKING = replace(
    _ODTRACK,
    name="pytracking",
    description="Current pytracking evaluator (since da789d1, Aug 2022): valid GT needs all of x,y,w,h > 0.",
    reference="visionml/pytracking@7eb9e74 pytracking/analysis/extract_results.py",
    tool="pytracking",
    valid_gt="all_positive",
)

_OFFICIAL = Protocol(
    name="official",
    description="The benchmarks' MATLAB toolkits (LaSOT, TNL2K, OTB): absent frames removed but counted in "
    "the denominator, GT with any coordinate <= 0 fails success and passes precision, invalid predictions "
    "repaired from the previous frame, MATLAB 0:0.05:1 thresholds, all-zero sequences dropped.",
    reference="HengLan/LaSOT_Evaluation_Toolkit@95bf38a utils/calc_seq_err_robust.m, plot_draw_save.m",
    tool="the MATLAB toolkits",
    valid_gt="all_positive",
    invalid_gt=MATLAB_INVALID,
    absent=FAIL_ALL,
    reject_invalid_predictions=False,
    repair_predictions="invalid",
    shorter_results="error",
    nan_iou="fail",
    success_grid="success_matlab",
    drop_zero_curves=True,
    min_attribute_sequences=2,
)

_GOT10K = Protocol(
    name="got10k",
    description="got10k toolkit OTB/LaSOT experiments: no absent or invalid-GT handling, NaN GT rows "
    "dropped, continuous IoU with eps, results truncated to the shorter length (GitHub HEAD; PyPI 0.1.3 "
    "asserts equal lengths). Normalized precision read at 0.20 (got10k's own score is the 51-point mean).",
    reference="got-10k/toolkit@956e728 got10k/experiments/{otb,lasot}.py, got10k/utils/metrics.py",
    tool="the got10k toolkit",
    iou="g10k",
    norm_error="g10k",
    valid_gt="any",
    invalid_gt=SCORE,
    use_visibility=False,
    absent=SCORE,
    nan_gt="drop",
    reject_invalid_predictions=False,
    repair_predictions="none",
    shorter_results="truncate_both",
    nan_iou="fail",
    success_grid="success_linspace21",
    norm_precision_grid="norm_linspace51",
)

_GOT10K_VAL = replace(
    _GOT10K,
    name="got10k-val",
    description="GOT-10k validation protocol of the got10k toolkit: frame 0 dropped, frames with cover label 0 "
    "dropped, both boxes clipped to the image size of meta_info.ini, IoU pooled over the frames of all "
    "sequences and repetitions; AO, SR0.5, SR0.75 and the 101-point success curve (strict >). Difference: "
    "results with NaN rows are rejected (the toolkit would report AO = NaN).",
    reference="got-10k/toolkit@956e728 got10k/experiments/got10k.py ExperimentGOT10k.report/_evaluate",
    nan_gt="error",
    reject_invalid_predictions=True,
    reject_negative_size=False,
    first_frame="exclude",
    shorter_results="error",
    frame_mask="cover_positive",
    clip_to_image=True,
    success_grid="success_linspace101",
    aggregation="frame_pooled",
    metrics=("ao", "sr50", "sr75"),
)

_TRACKINGNET = Protocol(
    name="trackingnet",
    description="TrackingNet server metrics (TrackingNet-devkit metrics.py): all coordinates rounded half-to-even, "
    "IoU >= t on linspace(0,1,21), precision on linspace(0,50,21) px, normalized precision on linspace(0,0.5,21); "
    "Success, Precision and Normalized Precision are all trapezoid areas over x in [0,1] (not values at 20 px / "
    "0.2). Missing rows count as failures; no invalid-GT rule. Note: another stored version of metrics.py "
    "(commit 6337d03) tests IoU > t instead of >=; the maintainers' statement (issue #22) and the "
    "protocol spec follow 967661d (>=), as we do.",
    reference="SilvioGiancola/TrackingNet-devkit@79783f2 metrics.py (unchanged since 967661d)",
    tool="the TrackingNet server",
    iou="tnet",
    norm_error="tnet",
    round_boxes=True,
    valid_gt="any",
    invalid_gt=SCORE,
    use_visibility=False,
    absent=SCORE,
    reject_invalid_predictions=False,
    repair_predictions="none",
    shorter_results="nan_pad",
    nan_iou="fail",
    success_grid="success_linspace21",
    success_op=">=",
    precision_grid="pixels_linspace21",
    norm_precision_grid="norm_linspace21",
    auc_readout="trapz",
    precision_readout="trapz",
    norm_precision_readout="trapz",
)

#: The one-pass protocols, in the order `--help` lists them.
ONE_PASS_PROTOCOLS = (_ODTRACK, _PYTRACKING, _OFFICIAL, _GOT10K, _GOT10K_VAL, _TRACKINGNET)
