"""Pre-norm transformer block with candidate elimination (CE, from OSTrack, as used by ODTrack).

Official reference: ``lib/models/layers/attn_blocks.py`` (``CEBlock``, ``candidate_elimination``) of
GXNU-ZhongLab/ODTrack @88c0a8e; see ``shared/docs/odtrack.md`` section 2.3 for the rules reproduced here:
scores come from the attention probabilities of the selected template rows (temporal token row/column
excluded, not renormalised) over the current search columns, mean over rows then heads; the search tokens
are sorted descending with ``torch.sort`` and the first ``ceil(keep_ratio * L_s)`` are kept, in sorted order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from odtrack_eval.trackers.odtrack.config import AttnType
from odtrack_eval.trackers.odtrack.layers import Attention, DropPath, Mlp


def candidate_elimination(
    probs_ts: torch.Tensor,
    tokens: torch.Tensor,
    lens_t: int,
    keep_ratio: float,
    global_index: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Drop the search tokens the template centre attends to least.

    Args:
        probs_ts: (B, heads, R, L_s) attention probabilities from the R selected template rows to the search
            tokens still present.
        tokens: (B, L_t + L_s, C) template and search tokens (temporal token excluded).
        lens_t: number of template tokens.
        keep_ratio: fraction of search tokens to keep (rounded up).
        global_index: (B, L_s) int64 original positions of the present search tokens.

    Returns:
        New tokens (B, L_t + L_keep, C), kept original positions (B, L_keep) in descending-score order, and the
        removed original positions (B, L_s - L_keep) or ``None`` when nothing is removed.
    """
    lens_s = probs_ts.shape[-1]
    lens_keep = math.ceil(keep_ratio * lens_s)
    if lens_keep == lens_s:
        return tokens, global_index, None
    scores = probs_ts.mean(dim=2).mean(dim=1)  # (B, L_s): rows first, then heads, as the official code
    _, order = torch.sort(scores, dim=1, descending=True)
    keep_idx, drop_idx = order[:, :lens_keep], order[:, lens_keep:]
    keep_index = global_index.gather(1, keep_idx)
    removed_index = global_index.gather(1, drop_idx)
    b, _, c = tokens.shape
    tokens_s = tokens[:, lens_t:].gather(1, keep_idx.unsqueeze(-1).expand(b, lens_keep, c))
    return torch.cat([tokens[:, :lens_t], tokens_s], dim=1), keep_index, removed_index


@dataclass(frozen=True)
class CapturedAttention:
    """What one block's attention did for the temporal token(s), kept when the block's ``capture`` is on.

    Attributes:
        probs: (B, heads, query_len, N) the block's own attention probabilities of the temporal-token rows
            over all N = query_len + lens_t + L_s keys (before this block's candidate elimination).
        search_index: (B, L_s) original grid positions (row-major) of the search tokens present in this block,
            in the order of their key columns.
        lens_t: number of template tokens (the key columns between the token(s) and the search tokens).
    """

    probs: torch.Tensor
    search_index: torch.Tensor
    lens_t: int


class CEBlock(nn.Module):
    """``x += Attn(LN1(x))``; candidate elimination (if this block has keep ratio < 1); ``x += MLP(LN2(x))``.

    Setting ``capture = True`` makes the next forward store the temporal token's attention probabilities in
    ``captured`` (:class:`CapturedAttention`; ``odtrack-eval show attention``). It asks the attention for the
    token's probability rows through the same ``prob_rows`` mechanism candidate elimination uses, so the
    values are the block's own; with ``capture`` off (the default) the block runs exactly as without it.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        drop: float = 0.0,
        attn_drop: float = 0.0,
        drop_path: float = 0.0,
        keep_ratio_search: float = 1.0,
        attn_type: AttnType = "concat",
        fused_attn: bool = False,
    ):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads, qkv_bias, attn_drop, drop, attn_type=attn_type, fused=fused_attn)
        self.drop_path = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop)
        self.keep_ratio_search = keep_ratio_search
        self.capture = False
        self.captured: CapturedAttention | None = None

    def effective_keep_ratio(self, override: float | None) -> float | None:
        """The keep ratio used, or ``None`` for no elimination (official rule for ``ce_keep_rate``)."""
        if self.keep_ratio_search < 1 and (override is None or override < 1):
            return self.keep_ratio_search if override is None else override
        return None

    def forward(
        self,
        x: torch.Tensor,
        lens_t: int,
        global_index_s: torch.Tensor,
        ce_rows: torch.Tensor | None,
        query_len: int = 1,
        keep_ratio_override: float | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Run the block on ``[temporal (query_len), template (lens_t), search]`` tokens.

        ``ce_rows`` (B, R) are template-token positions (0-based within the template part) whose attention
        ranks the search tokens; ``None`` means all template rows (``CE_TEMPLATE_RANGE='ALL'``).
        Returns the new tokens, the original positions of the search tokens kept, and the removed positions.
        """
        keep = self.effective_keep_ratio(keep_ratio_override)
        lens_s = x.shape[1] - query_len - lens_t
        prob_rows = None
        if keep is not None:
            if ce_rows is None:
                ce_rows = torch.arange(lens_t, device=x.device).expand(x.shape[0], lens_t)
            prob_rows = ce_rows + query_len
        if self.capture:
            x_attn, probs = self._attend_capturing(x, lens_t, lens_s, query_len, prob_rows, global_index_s)
        else:
            x_attn, probs = self.attn(self.norm1(x), (query_len, lens_t, lens_s), prob_rows)
        x = x + self.drop_path(x_attn)
        removed = None
        if keep is not None:
            probs_ts = probs[..., query_len + lens_t :]
            rest, global_index_s, removed = candidate_elimination(
                probs_ts, x[:, query_len:], lens_t, keep, global_index_s
            )
            x = torch.cat([x[:, :query_len], rest], dim=1)
        x = x + self.drop_path(self.mlp(self.norm2(x)))
        return x, global_index_s, removed

    def _attend_capturing(
        self,
        x: torch.Tensor,
        lens_t: int,
        lens_s: int,
        query_len: int,
        prob_rows: torch.Tensor | None,
        global_index_s: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The attention call of :meth:`forward` with the temporal-token rows appended to ``prob_rows``.

        On the explicit-softmax path (``attention="manual"``, what ``show attention`` runs) the rows are
        gathered from the one probability matrix, so candidate elimination ranks by bit-identical values
        with or without the appended rows (the capture tests check the boxes stay identical). On the SDPA
        path the rows are recomputed explicitly in one matmul of R + 1 rows, which may round differently.
        """
        token_rows = torch.arange(query_len, device=x.device).expand(x.shape[0], query_len)
        rows = token_rows if prob_rows is None else torch.cat([prob_rows, token_rows], dim=1)
        x_attn, probs = self.attn(self.norm1(x), (query_len, lens_t, lens_s), rows)
        assert probs is not None  # prob_rows given: the attention returns them
        self.captured = CapturedAttention(probs[:, :, -query_len:].clone(), global_index_s, lens_t)
        return x_attn, (probs[:, :, :-query_len].contiguous() if prob_rows is not None else None)
