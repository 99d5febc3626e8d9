"""The ODTrack network: ViT-CE backbone, temporal-token modulation and centre head.

Reimplements ``ODTrack`` / ``build_odtrack`` (``lib/models/odtrack/odtrack.py``, GXNU-ZhongLab/ODTrack
@88c0a8e); ``shared/docs/odtrack.md`` section 3. Unlike the official module, the temporal token is not kept
on the network object: it is passed in and returned, so one network can serve many sequences (and batches
of sequences) without hidden state. Training remains possible: no inference-only shortcut is taken, the
carried token is detached as in the official code, and dropout / drop-path act in ``train()`` mode.
"""

from __future__ import annotations

import torch
from torch import nn

from odtrack_eval.trackers.odtrack.config import OdtrackConfig
from odtrack_eval.trackers.odtrack.head import CenterPredictor
from odtrack_eval.trackers.odtrack.vit_ce import VisionTransformerCE


class ODTrackNet(nn.Module):
    """Backbone + head. State-dict keys: ``backbone.*``, ``box_head.*`` (as the official checkpoints)."""

    def __init__(self, cfg: OdtrackConfig, fused_attn: bool = False):
        super().__init__()
        self.cfg = cfg
        self.backbone = VisionTransformerCE(cfg, fused_attn=fused_attn)
        self.box_head = CenterPredictor(cfg.embed_dim, cfg.head_channels, cfg.feat_size_s, cfg.patch_size)
        #: Under autocast, run the token modulation and the head in float32 (mixed-precision fast path).
        self.head_fp32 = False

    def set_fused_attention(self, fused: bool) -> None:
        """Switch every block between the SDPA path and the explicit-softmax path (same weights)."""
        for blk in self.backbone.blocks:
            blk.attn.fused = fused

    def forward_frame(
        self,
        templates: list[torch.Tensor] | torch.Tensor,
        search: torch.Tensor,
        track_query: torch.Tensor | None = None,
        ce_rows: torch.Tensor | None = None,
        ce_keep_rate: float | None = None,
    ) -> dict[str, torch.Tensor | list[torch.Tensor]]:
        """One search frame. Returns the head maps, the un-windowed box and the token to carry."""
        feat, aux = self.backbone(templates, search, track_query, ce_rows, ce_keep_rate)
        if self.head_fp32 and torch.is_autocast_enabled(feat.device.type):
            with torch.autocast(feat.device.type, enabled=False):
                return self._head(feat.float(), aux)
        return self._head(feat, aux)

    def _head(self, feat: torch.Tensor, aux: dict) -> dict[str, torch.Tensor | list[torch.Tensor]]:
        n_s = self.cfg.feat_size_s**2
        enc = feat[:, -n_s:]  # (B, Ns, C) search tokens in original order
        token = feat[:, : self.cfg.token_len]
        # Modulation: each search token scaled by its dot product with the (normed) temporal token.
        att = torch.matmul(enc, feat[:, :1].transpose(1, 2))  # (B, Ns, 1)
        opt = enc * att
        b, _, c = opt.shape
        fs = self.cfg.feat_size_s
        opt_feat = opt.transpose(1, 2).contiguous().view(b, c, fs, fs)
        score_map, bbox, size_map, offset_map = self.box_head(opt_feat)
        return {
            "pred_boxes": bbox.view(b, 1, 4),
            "score_map": score_map,
            "size_map": size_map,
            "offset_map": offset_map,
            "track_query": token.detach(),
            "backbone_feat": feat,
            "removed_indexes_s": aux["removed_indexes_s"],
        }

    def forward(
        self,
        template: list[torch.Tensor],
        search: list[torch.Tensor],
        ce_template_mask: torch.Tensor | None = None,
        ce_keep_rate: float | None = None,
        track_query: torch.Tensor | None = None,
    ) -> list[dict]:
        """Official-style call: templates, a list of search frames, a bool (B, L_t) CE template mask.

        The temporal token is carried (detached) from one search frame to the next, starting from
        ``track_query`` (``None`` = a new sequence).
        """
        ce_rows = mask_to_rows(ce_template_mask) if ce_template_mask is not None else None
        outs = []
        for x in search:
            out = self.forward_frame(template, x, track_query, ce_rows, ce_keep_rate)
            track_query = out["track_query"]
            outs.append(out)
        return outs


def mask_to_rows(mask: torch.Tensor) -> torch.Tensor:
    """(B, L_t) bool CE template mask -> (B, R) int64 positions (same count R per batch element)."""
    counts = mask.sum(dim=1)
    if bool((counts != counts[0]).any()):
        raise ValueError("every batch element must select the same number of template tokens")
    return mask.nonzero()[:, 1].reshape(mask.shape[0], -1)


def build_model(cfg: OdtrackConfig, fused_attn: bool = False, init: bool = True) -> ODTrackNet:
    """Build the network; ``init`` applies the training initialisation (skip it before loading weights)."""
    model = ODTrackNet(cfg, fused_attn=fused_attn)
    if init:
        model.backbone.init_weights()
    return model


def count_parameters(model: nn.Module) -> int:
    """Number of parameter values (buffers such as BN running statistics not included)."""
    return sum(p.numel() for p in model.parameters())


def parameter_counts(cfg: OdtrackConfig) -> dict[str, int]:
    """Parameter counts of a variant, built on the meta device (no memory, no time).

    Keys: ``total``, ``backbone``, ``head``, ``unused_pos_embed`` (the 224-px ``pos_embed`` kept only for
    checkpoint compatibility), ``buffers``.
    """
    with torch.device("meta"):
        model = ODTrackNet(cfg)
    return {
        "total": count_parameters(model),
        "backbone": count_parameters(model.backbone),
        "head": count_parameters(model.box_head),
        "unused_pos_embed": model.backbone.pos_embed.numel(),
        "buffers": sum(b.numel() for b in model.buffers()),
    }


def flop_counts(cfg: OdtrackConfig, templates: int | None = None) -> dict[str, int]:
    """Floating-point operations of one search frame at batch 1 with ``templates`` templates (default: the
    steady state from frame 2N on, the first template plus ``template_number`` = N spread over the
    history) and candidate elimination as configured, counted by ``torch.utils.flop_counter`` on the meta device (no
    weights, no memory). A multiply-add counts as 2, so GMACs (what tracking papers usually call
    "FLOPs") are half of these. Keys: ``total``, ``backbone``, ``head`` and ``modulation`` (the search tokens'
    product with the temporal token between the two)."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        model = ODTrackNet(cfg).eval()
        n = cfg.template_number + 1 if templates is None else templates
        crops = [torch.zeros(1, 3, cfg.template_size, cfg.template_size) for _ in range(n)]
        search = torch.zeros(1, 3, cfg.search_size, cfg.search_size)
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            model.forward_frame(crops, search)
    per_module = counter.get_flop_counts()
    backbone = type(model.backbone).__name__
    head = type(model.box_head).__name__
    out = {
        "total": int(counter.get_total_flops()),
        "backbone": int(sum(per_module.get(backbone, {}).values())),
        "head": int(sum(per_module.get(head, {}).values())),
    }
    out["modulation"] = out["total"] - out["backbone"] - out["head"]
    return out
