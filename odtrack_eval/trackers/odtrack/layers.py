"""Transformer building blocks of the ODTrack ViT (timm-style, written for this project).

Checked against the official ODTrack code (GXNU-ZhongLab/ODTrack @88c0a8e, ``lib/models/layers/attn.py``,
``lib/models/odtrack/vit.py``, ``lib/models/layers/patch_embed.py``) through the oracle pack in
``shared/data/odtrack_oracle``. Parameter names equal the official ones so checkpoints load strictly.

:class:`Attention` has two paths with the same math: ``fused=False`` evaluates
``softmax(q k^T * scale) v`` explicitly like the official code (the reference path: candidate elimination
ranks tokens by these probabilities, so near-ties resolve as in the official tracker), ``fused=True`` uses
``torch.nn.functional.scaled_dot_product_attention`` and recomputes explicitly only the few probability
rows candidate elimination needs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from odtrack_eval.trackers.odtrack.config import AttnType


class DropPath(nn.Module):
    """Stochastic depth per sample (training only; identity in eval)."""

    def __init__(self, drop_prob: float = 0.0):
        super().__init__()
        self.drop_prob = float(drop_prob)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.drop_prob == 0.0 or not self.training:
            return x
        keep = 1.0 - self.drop_prob
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep

    def extra_repr(self) -> str:
        return f"drop_prob={self.drop_prob}"


class Mlp(nn.Module):
    """fc1 -> GELU (exact erf) -> fc2, as timm's ``Mlp`` (names ``fc1``/``fc2``)."""

    def __init__(self, dim: int, hidden: int, drop: float = 0.0):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.drop1 = nn.Dropout(drop)
        self.fc2 = nn.Linear(hidden, dim)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop2(self.fc2(self.drop1(self.act(self.fc1(x)))))


class PatchEmbed(nn.Module):
    """Non-overlapping patch projection: (B, 3, H, W) -> (B, H/p * W/p, C), row-major tokens, no norm."""

    def __init__(self, patch_size: int, in_chans: int, embed_dim: int):
        super().__init__()
        self.patch_size = patch_size
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    """Multi-head self-attention over ``[temporal token(s), template tokens, search tokens]``.

    ``attn_type="concat"``: every token attends to every token (what all released checkpoints use).
    ``attn_type="separate"`` (paper Fig. 3c, official ``vit.py``): template queries attend to template keys,
    search queries to template+search keys, the temporal-token queries to all keys.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        qkv_bias: bool = True,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        attn_type: AttnType = "concat",
        fused: bool = False,
    ):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim**-0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)
        self.attn_type = attn_type
        self.fused = fused

    def _attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """``softmax(q k^T * scale) v`` for (B, H, N, D) tensors; returns (B, N, H*D)."""
        if self.fused:
            p = self.attn_drop.p if self.training else 0.0
            out = F.scaled_dot_product_attention(q, k, v, dropout_p=p, scale=self.scale)
        else:
            attn = (q @ k.transpose(-2, -1)) * self.scale
            attn = self.attn_drop(attn.softmax(dim=-1))
            out = attn @ v
        b, h, n, d = out.shape
        return out.transpose(1, 2).reshape(b, n, h * d)

    def forward(
        self,
        x: torch.Tensor,
        segments: tuple[int, int, int] | None = None,
        prob_rows: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Attend; optionally return attention probabilities of some query rows.

        Args:
            x: (B, N, C) normed tokens.
            segments: (query_len, lens_t, lens_s) token counts; required for ``attn_type="separate"``.
            prob_rows: (B, R) int64 query positions whose probability rows over all N keys are returned
                as (B, heads, R, N) (candidate elimination needs the template-centre rows only).
        """
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        probs = None
        if self.attn_type == "separate":
            if segments is None:
                raise ValueError("separate attention needs the (query, template, search) token counts")
            if prob_rows is not None:
                raise ValueError("separate attention has no template->search probabilities to rank by")
            out = self._separate(q, k, v, segments)
        elif self.fused:
            out = self._attend(q, k, v)
            if prob_rows is not None:
                idx = prob_rows[:, None, :, None].expand(b, self.num_heads, prob_rows.shape[1], self.head_dim)
                q_rows = q.gather(2, idx)
                probs = ((q_rows @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        else:
            attn = (q @ k.transpose(-2, -1)) * self.scale
            attn = attn.softmax(dim=-1)
            # (The official block ranks by the probabilities after attention dropout; its rate is 0 in every
            # ODTrack config, so taking them before dropout is the same and also works for the fused path.)
            if prob_rows is not None:
                idx = prob_rows[:, None, :, None].expand(b, self.num_heads, prob_rows.shape[1], n)
                probs = attn.gather(2, idx)
            attn = self.attn_drop(attn)
            out = (attn @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj_drop(self.proj(out)), probs

    def _separate(
        self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, segments: tuple[int, int, int]
    ) -> torch.Tensor:
        nq, nt, ns = segments
        q_q, q_t, q_s = torch.split(q, [nq, nt, ns], dim=2)
        k_t, v_t = k[:, :, nq : nq + nt], v[:, :, nq : nq + nt]
        k_ts, v_ts = k[:, :, nq:], v[:, :, nq:]
        x_t = self._attend(q_t, k_t, v_t)
        x_s = self._attend(q_s, k_ts, v_ts)
        x_q = self._attend(q_q, k, v)
        return torch.cat([x_q, x_t, x_s], dim=1)
