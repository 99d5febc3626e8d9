"""Centre head of ODTrack (``CenterPredictor`` in ``lib/models/layers/head.py`` of the official code).

Three conv towers (``ctr``, ``offset``, ``size``), each Conv3x3+BN+ReLU four times (C -> 256 -> 128 -> 64
-> 32) and a 1x1 conv. Score and size maps are sigmoids clamped to [1e-4, 1 - 1e-4]; offsets are raw.
Decoding takes the first arg-max of the (windowed) score map; see ``shared/docs/odtrack.md`` section 4.
"""

from __future__ import annotations

import torch
from torch import nn


def _conv_bn_relu(cin: int, cout: int) -> nn.Sequential:
    # Index names 0/1/2 are part of the checkpoint keys (``conv1_ctr.0.weight``, ``conv1_ctr.1.running_mean``).
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel_size=3, stride=1, padding=1, bias=True),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


def _clamped_sigmoid(x: torch.Tensor) -> torch.Tensor:
    return torch.clamp(x.sigmoid(), min=1e-4, max=1 - 1e-4)


class CenterPredictor(nn.Module):
    """Predicts a centre score map, a size map (fraction of the search crop) and sub-cell offsets."""

    def __init__(self, inplanes: int, channel: int, feat_sz: int, stride: int):
        super().__init__()
        self.feat_sz = feat_sz
        self.stride = stride
        widths = (inplanes, channel, channel // 2, channel // 4, channel // 8)
        # Construction order ctr, offset, size = official state-dict order.
        for branch, out_ch in (("ctr", 1), ("offset", 2), ("size", 2)):
            for i in range(4):
                setattr(self, f"conv{i + 1}_{branch}", _conv_bn_relu(widths[i], widths[i + 1]))
            setattr(self, f"conv5_{branch}", nn.Conv2d(widths[4], out_ch, kernel_size=1))
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def _tower(self, branch: str, x: torch.Tensor) -> torch.Tensor:
        for i in range(1, 6):
            x = getattr(self, f"conv{i}_{branch}")(x)
        return x

    def get_score_map(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(score (B,1,H,W), size (B,2,H,W), offset (B,2,H,W)) from the (B, C, H, W) modulated features."""
        score = _clamped_sigmoid(self._tower("ctr", x))
        offset = self._tower("offset", x)
        size = _clamped_sigmoid(self._tower("size", x))
        return score, size, offset

    def cal_bbox(self, score_map: torch.Tensor, size_map: torch.Tensor, offset_map: torch.Tensor) -> torch.Tensor:
        """(B, 4) normalised (cx, cy, w, h) at the first maximum of ``score_map``."""
        _, idx = torch.max(score_map.flatten(1), dim=1, keepdim=True)
        idx_y = torch.div(idx, self.feat_sz, rounding_mode="floor")
        idx_x = idx % self.feat_sz
        gather_idx = idx.unsqueeze(1).expand(idx.shape[0], 2, 1)
        size = size_map.flatten(2).gather(dim=2, index=gather_idx)
        offset = offset_map.flatten(2).gather(dim=2, index=gather_idx).squeeze(-1)
        return torch.cat(
            [
                (idx_x.to(offset.dtype) + offset[:, :1]) / self.feat_sz,
                (idx_y.to(offset.dtype) + offset[:, 1:]) / self.feat_sz,
                size.squeeze(-1),
            ],
            dim=1,
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        score, size, offset = self.get_score_map(x)
        return score, self.cal_bbox(score, size, offset), size, offset
