"""ViT backbone of ODTrack with candidate elimination and the temporal ("track query") token.

Reimplements ``VisionTransformerCE`` + ``BaseBackbone.finetune_track`` of GXNU-ZhongLab/ODTrack @88c0a8e
(``lib/models/odtrack/vit_ce.py``, ``base_backbone.py``) for ``CAT_MODE='direct'``, ``SEP_SEG=False``,
``token_type='add'`` (every released config); see ``shared/docs/odtrack.md`` section 2.

Token sequence: ``[cls_token (+ previous normed output token) + cls_pos_embed, templates + pos_embed_z
(the same embedding for every template), search + pos_embed_x]``. After the final LayerNorm the search
tokens are scattered back to their original positions and the eliminated ones are exactly zero.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from odtrack_eval.trackers.odtrack.blocks import CEBlock
from odtrack_eval.trackers.odtrack.config import OdtrackConfig
from odtrack_eval.trackers.odtrack.layers import PatchEmbed


class VisionTransformerCE(nn.Module):
    """ViT-B/L with CE blocks; ``forward`` takes a template list, one search image and the previous token."""

    def __init__(self, cfg: OdtrackConfig, fused_attn: bool = False):
        super().__init__()
        c = cfg.embed_dim
        self.cfg = cfg
        self.embed_dim = c
        self.patch_embed = PatchEmbed(cfg.patch_size, 3, c)
        n_pretrain = (cfg.pretrain_img_size // cfg.patch_size) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, c))
        # The pretrained 224-px position embedding: unused at inference but part of every checkpoint.
        self.pos_embed = nn.Parameter(torch.zeros(1, n_pretrain + 1, c))
        self.pos_embed_z = nn.Parameter(torch.zeros(1, cfg.feat_size_t**2, c))
        self.pos_embed_x = nn.Parameter(torch.zeros(1, cfg.feat_size_s**2, c))
        self.cls_pos_embed = nn.Parameter(torch.zeros(1, 1, c))
        self.pos_drop = nn.Dropout(0.0)
        # Stochastic-depth decay rule (torch.linspace(0, rate, depth) in the official code), in Python so
        # the model can be built on the meta device.
        n = cfg.depth
        dpr = [cfg.drop_path_rate * i / (n - 1) if n > 1 else 0.0 for i in range(n)]
        keep = dict(zip(cfg.ce_loc, cfg.ce_keep_ratio, strict=True))
        self.blocks = nn.Sequential(
            *(
                CEBlock(
                    c,
                    cfg.num_heads,
                    cfg.mlp_ratio,
                    cfg.qkv_bias,
                    drop_path=dpr[i],
                    keep_ratio_search=keep.get(i, 1.0),
                    attn_type=cfg.attn_type,
                    fused_attn=fused_attn,
                )
                for i in range(cfg.depth)
            )
        )
        self.norm = nn.LayerNorm(c, eps=1e-6)

    # ------------------------------------------------------------------ initialisation (training)
    def init_weights(self) -> None:
        """timm ViT init (trunc-normal 0.02 linears/tokens, unit LayerNorms); then derive track embeddings."""
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        self.init_track_pos_embeds()

    @torch.no_grad()
    def init_track_pos_embeds(self) -> None:
        """``finetune_track``: bicubic-resize the pretrained patch grid to the template/search grids.

        Only needed when starting from ImageNet/MAE weights; tracking checkpoints store the results.
        """
        c = self.embed_dim
        side = self.cfg.pretrain_img_size // self.cfg.patch_size
        grid = self.pos_embed[:, 1:].transpose(1, 2).reshape(1, c, side, side)
        for target, n in ((self.pos_embed_z, self.cfg.feat_size_t), (self.pos_embed_x, self.cfg.feat_size_s)):
            resized = F.interpolate(grid, size=(n, n), mode="bicubic", align_corners=False)
            target.copy_(resized.flatten(2).transpose(1, 2))
        self.cls_pos_embed.copy_(self.pos_embed[:, :1])

    # ------------------------------------------------------------------ forward
    def embed(
        self, templates: list[torch.Tensor] | torch.Tensor, search: torch.Tensor, track_query: torch.Tensor | None
    ) -> tuple[torch.Tensor, int, int]:
        """Token sequence (B, 1 + T*Nt + Ns, C) and the template/search token counts."""
        b = search.shape[0]
        x = self.patch_embed(search)
        z = torch.stack(list(templates), dim=1) if not torch.is_tensor(templates) else templates
        n_t = z.shape[1]
        z = self.patch_embed(z.flatten(0, 1))
        query = self.cls_token.expand(b, self.cfg.token_len, -1)
        if track_query is not None:
            query = track_query + query
        query = query + self.cls_pos_embed
        z = z + self.pos_embed_z
        x = x + self.pos_embed_x
        z = z.reshape(b, n_t * z.shape[1], z.shape[2])
        lens_t, lens_s = z.shape[1], x.shape[1]
        return self.pos_drop(torch.cat([query, z, x], dim=1)), lens_t, lens_s

    def forward(
        self,
        templates: list[torch.Tensor] | torch.Tensor,
        search: torch.Tensor,
        track_query: torch.Tensor | None = None,
        ce_rows: torch.Tensor | None = None,
        ce_keep_rate: float | None = None,
    ) -> tuple[torch.Tensor, dict]:
        """Encode templates + one search image.

        Args:
            templates: list of T (B, 3, h, w) normalised crops, or a (B, T, 3, h, w) tensor.
            search: (B, 3, H, W) normalised search crop.
            track_query: (B, 1, C) normed output token of the previous frame, or ``None`` on the first frame.
            ce_rows: (B, R) template-token positions used to score search tokens (``None``: all templates).
            ce_keep_rate: optional override of the blocks' keep ratios (training schedules).

        Returns:
            ``(B, 1 + L_t + L_s, C)`` features ``[normed token, normed templates, normed search with eliminated
            positions zero]`` and ``{"removed_indexes_s": [...], "keep_index_s": ...}``.
        """
        q_len = self.cfg.token_len
        x, lens_t, lens_s = self.embed(templates, search, track_query)
        b = x.shape[0]
        global_index_s = torch.arange(lens_s, device=x.device).expand(b, lens_s)
        removed_indexes_s = []
        for blk in self.blocks:
            x, global_index_s, removed = blk(x, lens_t, global_index_s, ce_rows, q_len, ce_keep_rate)
            if removed is not None:
                removed_indexes_s.append(removed)
        x = self.norm(x)
        head, x_s = x[:, : q_len + lens_t], x[:, q_len + lens_t :]
        if x_s.shape[1] != lens_s:
            index = global_index_s.unsqueeze(-1).expand(-1, -1, x_s.shape[2])
            x_s = x_s.new_zeros(b, lens_s, x_s.shape[2]).scatter(1, index, x_s)
        return torch.cat([head, x_s], dim=1), {"removed_indexes_s": removed_indexes_s, "keep_index_s": global_index_s}
