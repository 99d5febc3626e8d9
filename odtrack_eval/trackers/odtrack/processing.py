"""Pre- and post-processing of the official ODTrack tracker (everything around the network).

Reproduces, from GXNU-ZhongLab/ODTrack @88c0a8e (``shared/docs/odtrack.md`` section 5):
``lib/train/data/processing_utils.py::sample_target`` (square crop, Python ``round``, the +1 right/bottom
padding quirk, zero padding, ``cv2.resize`` bilinear), ``lib/test/tracker/data_utils.py::Preprocessor``
(/255, ImageNet mean/std), ``lib/test/utils/hann.py::hann2d`` (centred, denominator size+1),
``ODTrack.map_box_back``, ``lib/utils/box_ops.py::clip_box`` and ``ODTrack.select_memory_frames``.

:func:`crop_resize_torch` is the fast path's on-device crop: the same window and OpenCV's fixed-point
bilinear kernel reimplemented with integer tensor ops, so it gives the same pixels as the OpenCV crop.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import cv2
import numpy as np
import torch

from odtrack_eval.trackers.odtrack.errors import TrackerInputError


def crop_window(box: Sequence[float], factor: float) -> tuple[int, int, int]:
    """(x1, y1, crop_sz) of the square crop around ``box`` (x, y, w, h) with side ``ceil(sqrt(wh) * factor)``."""
    x, y, w, h = (float(v) for v in box)
    crop_sz = math.ceil(math.sqrt(w * h) * factor)
    if crop_sz < 1:
        raise TrackerInputError(f"box {list(box)} is too small to crop (needs width*height > 0)")
    x1 = round(x + 0.5 * w - crop_sz * 0.5)  # Python round: half to even, as the official code
    y1 = round(y + 0.5 * h - crop_sz * 0.5)
    return x1, y1, crop_sz


def _pads(x1: int, y1: int, crop_sz: int, height: int, width: int) -> tuple[int, int, int, int]:
    x2, y2 = x1 + crop_sz, y1 + crop_sz
    # The "+ 1" is the official quirk: a crop ending exactly at the border loses the last column/row.
    return max(0, -x1), max(x2 - width + 1, 0), max(0, -y1), max(y2 - height + 1, 0)


def sample_target(image: np.ndarray, box: Sequence[float], factor: float, output_sz: int) -> tuple[np.ndarray, float]:
    """Crop, zero-pad and resize like the official ``sample_target``; returns (uint8 crop, resize factor)."""
    x1, y1, crop_sz = crop_window(box, factor)
    x2, y2 = x1 + crop_sz, y1 + crop_sz
    x1_pad, x2_pad, y1_pad, y2_pad = _pads(x1, y1, crop_sz, image.shape[0], image.shape[1])
    # Same slice expressions as the official code (including Python's negative-index semantics).
    im_crop = image[y1 + y1_pad : y2 - y2_pad, x1 + x1_pad : x2 - x2_pad, :]
    if im_crop.size == 0:
        # The official code fails inside OpenCV here (crop entirely outside the image); we return black.
        padded = np.zeros((crop_sz, crop_sz, image.shape[2]), dtype=image.dtype)
    else:
        padded = cv2.copyMakeBorder(im_crop, y1_pad, y2_pad, x1_pad, x2_pad, cv2.BORDER_CONSTANT)
    resized = cv2.resize(padded, (output_sz, output_sz))
    return resized, output_sz / crop_sz


def crop_resize_torch(
    image: torch.Tensor, box: Sequence[float], factor: float, output_sz: int
) -> tuple[torch.Tensor, float]:
    """On-device :func:`sample_target` for an (H, W, 3) uint8 tensor; returns the same uint8 pixels.

    Same window and zero padding as the official crop, then :func:`resize_linear_cv2` (OpenCV's
    fixed-point bilinear), so the crop equals the OpenCV one bit for bit without leaving the device.
    """
    x1, y1, crop_sz = crop_window(box, factor)
    x2, y2 = x1 + crop_sz, y1 + crop_sz
    height, width = image.shape[0], image.shape[1]
    x1_pad, x2_pad, y1_pad, y2_pad = _pads(x1, y1, crop_sz, height, width)
    ys, ye = _resolve(y1 + y1_pad, y2 - y2_pad, height)
    xs, xe = _resolve(x1 + x1_pad, x2 - x2_pad, width)
    if ye <= ys or xe <= xs:  # see sample_target
        padded = image.new_zeros((crop_sz, crop_sz, image.shape[2]))
    else:
        padded = image.new_zeros((ye - ys + y1_pad + y2_pad, xe - xs + x1_pad + x2_pad, image.shape[2]))
        padded[y1_pad : y1_pad + ye - ys, x1_pad : x1_pad + xe - xs] = image[ys:ye, xs:xe]
    return resize_linear_cv2(padded, output_sz), output_sz / crop_sz


def _resolve(start: int, stop: int, n: int) -> tuple[int, int]:
    """Python slice bounds -> absolute [start, stop) (mirrors numpy's handling of negative indices)."""
    s, e, _ = slice(start, stop).indices(n)
    return s, e


@functools.lru_cache(maxsize=256)
def _linear_coeffs(src: int, dst: int, clamp: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """OpenCV ``INTER_LINEAR`` source indices and 11-bit fixed-point weights for one axis.

    ``f = float32((d + 0.5) * src/dst - 0.5)``, ``s = floor(f)``, weights ``round(2048 * (1 - f))`` and
    ``round(2048 * f)`` rounded separately (they may not sum to 2048). Columns (``clamp``) move out-of-range
    positions to the border with weight (2048, 0); rows only clip the row index.
    """
    scale = 1.0 / (dst / src)
    f = ((np.arange(dst, dtype=np.float64) + 0.5) * scale - 0.5).astype(np.float32)
    s = np.floor(f).astype(np.int64)
    f = (f - s.astype(np.float32)).astype(np.float32)
    if clamp:
        low, high = s < 0, s >= src - 1
        f[low | high] = 0
        s[low] = 0
        s[high] = src - 1
    w0 = np.rint((np.float32(1) - f) * np.float32(2048)).astype(np.int32)
    w1 = np.rint(f * np.float32(2048)).astype(np.int32)
    return np.clip(s, 0, src - 1), np.clip(s + 1, 0, src - 1), w0, w1


def resize_linear_cv2(image: torch.Tensor, output_sz: int) -> torch.Tensor:
    """``cv2.resize(image, (n, n))`` (INTER_LINEAR, uint8, HWC) reimplemented with integer tensor ops.

    OpenCV's 8-bit path: horizontal pass ``D = S0*w0 + S1*w1`` (integers), vertical pass
    ``(((D0 >> 4) * v0) >> 16) + (((D1 >> 4) * v1) >> 16) + 2 >> 2`` saturated to uint8 (its SIMD kernel,
    which handles every row width that is a multiple of 32 elements; all ODTrack crops are). Checked
    bit-exact against cv2 on random images (tests/trackers/odtrack/test_processing.py).
    """
    dev = image.device
    x0, x1, w0, w1 = (torch.from_numpy(a).to(dev) for a in _linear_coeffs(image.shape[1], output_sz, True))
    y0, y1, v0, v1 = (torch.from_numpy(a).to(dev) for a in _linear_coeffs(image.shape[0], output_sz, False))
    img = image.to(torch.int32)

    def horizontal(rows: torch.Tensor) -> torch.Tensor:
        r = img.index_select(0, rows)
        return r.index_select(1, x0) * w0[None, :, None] + r.index_select(1, x1) * w1[None, :, None]

    top = ((horizontal(y0) >> 4) * v0[:, None, None]) >> 16
    bottom = ((horizontal(y1) >> 4) * v1[:, None, None]) >> 16
    return ((top + bottom + 2) >> 2).clamp_(0, 255).to(torch.uint8)


class Normalizer:
    """``((uint8 HWC -> float CHW) / 255 - mean) / std`` on a device, for one crop or a stack of crops."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], device: torch.device | str = "cpu"):
        self.mean = torch.tensor(list(mean)).view(1, 3, 1, 1).to(device)
        self.std = torch.tensor(list(std)).view(1, 3, 1, 1).to(device)
        self.device = torch.device(device)

    def __call__(self, crops: np.ndarray | torch.Tensor) -> torch.Tensor:
        """(H, W, 3) or (N, H, W, 3) uint8 -> (1 or N, 3, H, W) float32."""
        t = torch.as_tensor(crops).to(self.device, non_blocking=True)
        if t.ndim == 3:
            t = t.unsqueeze(0)
        t = t.float().permute(0, 3, 1, 2)
        return ((t / 255.0) - self.mean) / self.std

    def into(self, out: torch.Tensor, crops: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Normalise (N, H, W, 3) uint8 crops into the preallocated (N, 3, H, W) float tensor ``out``.

        Same operations in the same order as ``__call__`` (so the same bits), without temporaries.
        """
        t = torch.as_tensor(crops).to(self.device, non_blocking=True)
        out.copy_(t.permute(0, 3, 1, 2))
        return out.div_(255.0).sub_(self.mean).div_(self.std)


def hann1d(size: int, centered: bool = True) -> torch.Tensor:
    """1-D Hann window; ``centered``: ``0.5 * (1 - cos(2 pi k / (size + 1)))`` for k = 1..size."""
    if centered:
        return 0.5 * (1 - torch.cos((2 * math.pi / (size + 1)) * torch.arange(1, size + 1).float()))
    w = 0.5 * (1 + torch.cos((2 * math.pi / (size + 2)) * torch.arange(0, size // 2 + 1).float()))
    return torch.cat([w, w[1 : size - size // 2].flip((0,))])


def hann2d(size: int, centered: bool = True) -> torch.Tensor:
    """(1, 1, size, size) outer product of :func:`hann1d` (the official motion window)."""
    w = hann1d(size, centered)
    return w.reshape(1, 1, -1, 1) * w.reshape(1, 1, 1, -1)


def map_box_back(
    pred_box: Sequence[float], prev_state: Sequence[float], search_size: int, resize_factor: float
) -> list[float]:
    """Crop-pixel (cx, cy, w, h) -> image (x, y, w, h), relative to the previous state's centre."""
    cx_prev = prev_state[0] + 0.5 * prev_state[2]
    cy_prev = prev_state[1] + 0.5 * prev_state[3]
    cx, cy, w, h = pred_box
    half_side = 0.5 * search_size / resize_factor
    cx_real = cx + (cx_prev - half_side)
    cy_real = cy + (cy_prev - half_side)
    return [cx_real - 0.5 * w, cy_real - 0.5 * h, w, h]


def clip_box(box: Sequence[float], height: int, width: int, margin: int = 0) -> list[float]:
    """Official ``clip_box``: keep at least ``margin`` pixels inside the image (x2 uses the unclipped x1)."""
    x1, y1, w, h = box
    x2, y2 = x1 + w, y1 + h
    x1 = min(max(0, x1), width - margin)
    x2 = min(max(margin, x2), width)
    y1 = min(max(0, y1), height - margin)
    y2 = min(max(margin, y2), height)
    w = max(margin, x2 - x1)
    h = max(margin, y2 - y1)
    return [float(x1), float(y1), float(w), float(h)]


def select_memory_indices(frame_id: int, template_number: int) -> list[int]:
    """Memory frames used at search frame ``frame_id`` (1-based; memory holds frames 0..frame_id-1).

    Up to ``template_number`` frames: all of them; later: ``{0} U {k*dur + dur//2}``, ``dur = frame_id // N``,
    sorted and de-duplicated (``np.unique`` in the official code).
    """
    if frame_id <= template_number:
        return list(range(frame_id))
    if template_number == 1:
        return [0]
    dur = frame_id // template_number
    return sorted({0} | {k * dur + dur // 2 for k in range(template_number)})
