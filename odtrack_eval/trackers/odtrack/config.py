"""Variant configurations of ODTrack (torch-free, so the registry can list them without torch).

Values follow the official experiment files (GXNU-ZhongLab/ODTrack @88c0a8e,
``experiments/odtrack/*.yaml`` over ``lib/config/odtrack/config.py``; summarised in
``shared/docs/odtrack.md`` section 1). Every released config shares the 384/192 search/template sizes,
crop factors 5.0/2.0, CE at blocks 3/6/9 with keep ratio 0.7 and a 256-channel centre head; they differ
in backbone size and in ``TEST.TEMPLATE_NUMBER`` (3, or 4 for the GOT-10k-only models).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from odtrack_eval.errors import OdtrackEvalError, UnknownNameError

AttnType = Literal["concat", "separate"]
CeTemplateRange = Literal["CTR_POINT", "ALL"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class OdtrackConfigError(OdtrackEvalError):
    """An ODTrack variant or option is inconsistent or unknown."""


@dataclass(frozen=True)
class OdtrackConfig:
    """Architecture plus inference settings of one ODTrack variant.

    ``attn_type="separate"`` is the paper's Fig. 3c variant; the official code only has it in the
    backbone without candidate elimination (``lib/models/odtrack/vit.py``), so it requires ``ce_loc=()``
    (template queries do not look at search keys there, so there is no CE score to rank by).
    """

    name: str
    description: str
    embed_dim: int
    depth: int
    num_heads: int
    mlp_ratio: float = 4.0
    qkv_bias: bool = True
    patch_size: int = 16
    #: Image size of the pretrained ViT whose ``pos_embed`` (1, 1 + (size/16)^2, C) stays in the checkpoint.
    pretrain_img_size: int = 224
    ce_loc: tuple[int, ...] = (3, 6, 9)
    ce_keep_ratio: tuple[float, ...] = (0.7, 0.7, 0.7)
    ce_template_range: CeTemplateRange = "CTR_POINT"
    attn_type: AttnType = "concat"
    token_len: int = 1
    head_channels: int = 256
    template_size: int = 192
    search_size: int = 384
    template_factor: float = 2.0
    search_factor: float = 5.0
    #: ``TEST.TEMPLATE_NUMBER``: how many history segments the template memory is split into.
    template_number: int = 3
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    #: Stochastic depth used in training (identity at inference).
    drop_path_rate: float = 0.1
    #: ``clip_box`` margin in pixels applied to every output box.
    clip_margin: int = 10
    #: Name of the released checkpoint file this variant loads.
    checkpoint_filename: str = ""

    def __post_init__(self) -> None:
        problems = []
        if self.embed_dim % self.num_heads:
            problems.append(f"embed_dim {self.embed_dim} is not divisible by num_heads {self.num_heads}")
        if len(self.ce_loc) != len(self.ce_keep_ratio):
            problems.append("ce_loc and ce_keep_ratio must have the same length")
        if any(not 0 <= i < self.depth for i in self.ce_loc):
            problems.append(f"ce_loc {self.ce_loc} must index blocks 0..{self.depth - 1}")
        if any(not 0.0 < r <= 1.0 for r in self.ce_keep_ratio):
            problems.append("ce_keep_ratio values must be in (0, 1]")
        for what in ("template_size", "search_size"):
            if getattr(self, what) % self.patch_size:
                problems.append(f"{what} {getattr(self, what)} is not a multiple of patch_size {self.patch_size}")
        if self.pretrain_img_size % self.patch_size:
            problems.append("pretrain_img_size must be a multiple of patch_size")
        if self.attn_type not in ("concat", "separate"):
            problems.append(f"attn_type must be 'concat' or 'separate', got {self.attn_type!r}")
        if self.attn_type == "separate" and self.ce_loc:
            problems.append(
                "attn_type 'separate' exists only without candidate elimination in the official code "
                "(lib/models/odtrack/vit.py); set ce_loc=() and ce_keep_ratio=()"
            )
        if self.ce_template_range not in ("CTR_POINT", "ALL"):
            problems.append(f"ce_template_range must be 'CTR_POINT' or 'ALL', got {self.ce_template_range!r}")
        if self.token_len != 1:
            problems.append("only token_len=1 is supported (the value every released config uses)")
        if self.template_number < 1:
            problems.append("template_number must be >= 1")
        if self.head_channels % 8:
            problems.append("head_channels must be a multiple of 8 (the head halves it three times)")
        if problems:
            raise OdtrackConfigError(f"invalid ODTrack config {self.name!r}: " + "; ".join(problems))

    @property
    def head_dim(self) -> int:
        return self.embed_dim // self.num_heads

    @property
    def feat_size_t(self) -> int:
        """Template token grid side (12 for 192 px)."""
        return self.template_size // self.patch_size

    @property
    def feat_size_s(self) -> int:
        """Search token grid side and score-map side (24 for 384 px)."""
        return self.search_size // self.patch_size

    def replace(self, **changes: Any) -> OdtrackConfig:
        """A copy with some fields changed (unknown names raise, they are not silently accepted)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise OdtrackConfigError(f"unknown ODTrack config field(s) {unknown}; known: {sorted(known)}")
        # TOML/JSON give lists; the config stores tuples (hashable, immutable).
        changes = {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}
        return dataclasses.replace(self, **changes)


_B = dict(embed_dim=768, depth=12, num_heads=12)
_L = dict(embed_dim=1024, depth=24, num_heads=16)

VARIANTS: dict[str, OdtrackConfig] = {
    c.name: c
    for c in (
        OdtrackConfig(
            "odtrack-b384",
            "ODTrack-B 384 (experiments/odtrack/baseline.yaml, vit_base_patch16_224_ce, 3 templates)",
            **_B,
            checkpoint_filename="ODTrack_ep0300.pth.tar",
        ),
        OdtrackConfig(
            "odtrack-l384",
            "ODTrack-L 384 (experiments/odtrack/baseline_large.yaml, vit_large_patch16_224_ce, 3 templates)",
            **_L,
            checkpoint_filename="ODTrack_ep0300.pth.tar",
        ),
        OdtrackConfig(
            "odtrack-b384-got",
            "ODTrack-B 384 trained on GOT-10k only (experiments/odtrack/baseline_got.yaml, 4 templates)",
            **_B,
            template_number=4,
            checkpoint_filename="ODTrack_ep0100.pth.tar",
        ),
        OdtrackConfig(
            "odtrack-l384-got",
            "ODTrack-L 384 trained on GOT-10k only (experiments/odtrack/baseline_large_got.yaml, 4 templates)",
            **_L,
            template_number=4,
            checkpoint_filename="ODTrack_ep0100.pth.tar",
        ),
        OdtrackConfig(
            "odtrack-test",
            "Tiny ODTrack for tests (not a released model): width 64, depth 2, CE at both blocks, 128/64 px",
            embed_dim=64,
            depth=2,
            num_heads=4,
            ce_loc=(0, 1),
            ce_keep_ratio=(0.7, 0.7),
            head_channels=32,
            template_size=64,
            search_size=128,
            pretrain_img_size=64,
        ),
    )
}


def get_config(name: str, **overrides: Any) -> OdtrackConfig:
    """The config of variant ``name`` with optional field overrides (e.g. ``template_number=4``)."""
    try:
        cfg = VARIANTS[name]
    except KeyError:
        raise UnknownNameError("ODTrack variant", name, sorted(VARIANTS)) from None
    return cfg.replace(**overrides) if overrides else cfg


def ctr_point_index(feat_size: int) -> int:
    """Row/column of the template token used by ``CE_TEMPLATE_RANGE='CTR_POINT'``.

    The official ``generate_mask_cond`` has a lookup table (8->3, 12->5, 16->7, 24->11, 7->3, 14->6):
    the token just above/left of the centre for even grids, the centre for odd ones. We use that rule,
    which reproduces every table entry and extends it to the tiny test grids.
    """
    return feat_size // 2 - 1 if feat_size % 2 == 0 else feat_size // 2
