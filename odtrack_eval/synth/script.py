"""The "script" of one synthetic video: per-frame geometry and events, decided before drawing.

Ground truth, visibility and attribute flags are computed from this script and from the
geometry actually drawn, never from what an event was *meant* to do (an out-of-view event
that did not fit in a short video gives no OV flag).

Attribute rules (LaSOT's 14 codes, thresholds after the LaSOT/OTB attribute definitions):

* IV  the global illumination gain varies by a factor >= 1.5 over the video;
* POC some frame has its visible target box partly (0 < fraction < 1) covered by an occluder;
* DEF, ROT, VC never (not simulated: targets are rigid, planar and face the camera);
* MB  some frame drew the target with motion blur (applied when it moves > 12 px/frame);
* CM  the camera (background crop) moved by >= 5 px;
* BC  a similar-looking distractor's centre came within 2 x max(w, h) of the visible target's;
* SV  sqrt(area_t / area_1) of some whole ground-truth box is outside [0.5, 2];
* FOC some frame is fully occluded (``full_occlusion.txt``);
* FM  the ground-truth centre moves > 20 px between two consecutive valid frames;
* OV  some frame has the target entirely outside the image (``out_of_view.txt``);
* LR  some whole ground-truth box has an area < 1000 px;
* ARC (w_t/h_t) / (w_1/h_1) of some whole box is outside [0.5, 2].

"Valid" frames are those whose ground truth is a real box (not absent); "whole" boxes are valid
boxes not cut by the image border (so their size is the object's size, not the clipped part).
The first frame always shows the whole, unoccluded target. Absent frames (fully
occluded or out of view) get the ground-truth row ``0,0,0,0``, as most absent frames in LaSOT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

LASOT_CODES = ("IV", "POC", "DEF", "MB", "CM", "ROT", "BC", "VC", "SV", "FOC", "FM", "OV", "LR", "ARC")
EVENTS = ("scale", "aspect", "fast", "occlusion", "out_of_view", "illumination", "camera", "distractors", "low_res")
CLASSES = {
    "card": ("rect", "blotchy"),
    "tile": ("rect", "spotted"),
    "disc": ("ellipse", "spotted"),
    "puck": ("ellipse", "blotchy"),
}
FM_PIXELS = 20.0
BLUR_SPEED = 12.0
CAMERA_PAD = 32


@dataclass
class Distractor:
    cx: np.ndarray
    cy: np.ndarray
    w: np.ndarray
    h: np.ndarray
    color: tuple[int, int, int]


@dataclass
class Script:
    """Per-frame state of one video (positions in image pixels, top-left origin)."""

    width: int
    height: int
    shape: str
    texture: str
    color_name: str
    color: tuple[int, int, int]
    events: dict[str, bool | str]
    cx: np.ndarray
    cy: np.ndarray
    w: np.ndarray  # int sizes actually drawn
    h: np.ndarray
    gain: np.ndarray
    camera: np.ndarray  # (N, 2) crop offset into the background
    occluder: np.ndarray  # (N, 4) x, y, w, h; w = 0 where there is none
    blur: np.ndarray  # (N, 2) kernel length (0 = none), angle in degrees
    distractors: list[Distractor] = field(default_factory=list)

    @property
    def num_frames(self) -> int:
        return len(self.cx)

    def target_rects(self) -> np.ndarray:
        """Integer (x, y, w, h) of the drawn target patch, possibly outside the image."""
        x = np.round(self.cx - self.w / 2)
        y = np.round(self.cy - self.h / 2)
        return np.stack([x, y, self.w, self.h], axis=1).astype(np.int64)


def _clip(rects: np.ndarray, width: int, height: int) -> np.ndarray:
    x0 = np.clip(rects[:, 0], 0, width)
    y0 = np.clip(rects[:, 1], 0, height)
    x1 = np.clip(rects[:, 0] + rects[:, 2], 0, width)
    y1 = np.clip(rects[:, 1] + rects[:, 3], 0, height)
    return np.stack([x0, y0, x1 - x0, y1 - y0], axis=1)


def _intersection_area(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    iw = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    ih = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    return np.clip(iw, 0, None) * np.clip(ih, 0, None)


@dataclass
class Annotation:
    ground_truth: np.ndarray  # (N, 4) int
    full_occlusion: np.ndarray  # (N,) bool
    out_of_view: np.ndarray
    partial_occlusion: np.ndarray
    attributes: dict[str, bool]


def annotate(script: Script) -> Annotation:
    """Ground truth, visibility and the 14 LaSOT attribute flags of what the script draws."""
    visible = _clip(script.target_rects(), script.width, script.height)
    vis_area = visible[:, 2] * visible[:, 3]
    out_of_view = vis_area <= 0
    covered = _intersection_area(visible, script.occluder)
    full = ~out_of_view & (covered >= vis_area)
    partial = ~out_of_view & (covered > 0) & (covered < vis_area)
    absent = out_of_view | full
    gt = np.where(absent[:, None], 0, visible)
    valid = ~absent
    # size-based flags only on frames where the box is not cut by the image border (true size)
    rects = script.target_rects()
    whole = valid & (rects[:, 0] >= 0) & (rects[:, 1] >= 0) & (rects[:, 0] + rects[:, 2] <= script.width)
    whole &= rects[:, 1] + rects[:, 3] <= script.height
    area = (gt[:, 2] * gt[:, 3]).astype(np.float64)
    aspect = np.where(valid, gt[:, 2] / np.maximum(gt[:, 3], 1), np.nan)
    scale = np.sqrt(area / area[0])
    ratio = aspect / aspect[0]
    centre = gt[:, :2] + gt[:, 2:] / 2.0
    both = valid[1:] & valid[:-1]
    motion = np.hypot(*(centre[1:] - centre[:-1]).T)
    tc = centre
    near = np.zeros(len(gt), dtype=bool)
    for d in script.distractors:
        drect = np.stack([np.round(d.cx - d.w / 2), np.round(d.cy - d.h / 2), d.w, d.h], axis=1)
        dvis = _clip(drect, script.width, script.height)
        shown = dvis[:, 2] * dvis[:, 3] > 0
        dist = np.hypot(d.cx - tc[:, 0], d.cy - tc[:, 1])
        near |= valid & shown & (dist < 2 * np.maximum(gt[:, 2], gt[:, 3]))
    cam = script.camera
    attributes = {
        "IV": bool(script.gain.max() / script.gain.min() >= 1.5),
        "POC": bool(partial.any()),
        "DEF": False,
        "MB": bool((script.blur[:, 0] > 0).any()),
        "CM": bool(np.ptp(cam[:, 0]) >= 5 or np.ptp(cam[:, 1]) >= 5),
        "ROT": False,
        "BC": bool(near.any()),
        "VC": False,
        "SV": bool(((scale[whole] < 0.5) | (scale[whole] > 2)).any()),
        "FOC": bool(full.any()),
        "FM": bool((motion[both] > FM_PIXELS).any()),
        "OV": bool(out_of_view.any()),
        "LR": bool((area[whole] < 1000).any()),
        "ARC": bool(((ratio[whole] < 0.5) | (ratio[whole] > 2)).any()),
    }
    return Annotation(gt.astype(np.int64), full, out_of_view, partial, attributes)


# ------------------------------------------------------------------------------------------
# Building a script
# ------------------------------------------------------------------------------------------


def assign_events(rng: np.random.Generator, count: int) -> list[dict[str, bool]]:
    """Enable each event in about half of the videos (balanced, so every flag varies)."""
    table = [dict.fromkeys(EVENTS, False) for _ in range(count)]
    half = math.ceil(count / 2)
    for event in EVENTS:
        order = rng.permutation(count)
        for i in range(count):
            table[i][event] = bool(order[i] < half)
    return table


def _bump(n: int, start: float, length: float) -> np.ndarray:
    """0 outside [start, start+length], a smooth 0->1->0 hump inside."""
    t = (np.arange(n) - start) / max(length, 1.0)
    return np.where((t > 0) & (t < 1), np.sin(np.pi * np.clip(t, 0, 1)) ** 2, 0.0)


def _sizes(rng: np.random.Generator, n: int, events: dict, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    s0 = rng.uniform(18, 26) if events["low_res"] else rng.uniform(34, 48)
    a0 = rng.uniform(0.7, 1.4)
    phase = rng.uniform(0, 2 * np.pi)
    t = np.arange(n)
    wobble = 1 + 0.1 * np.sin(2 * np.pi * t / max(n, 1) * 1.5 + phase)
    if events["scale"]:
        factor = 2.6 if events["low_res"] or rng.random() < 0.5 else 0.38
        sf = factor ** _bump(n, n * rng.uniform(0.1, 0.3), n * 0.6)
    else:
        sf = wobble
    if events["aspect"]:
        factor = 2.7 if rng.random() < 0.5 else 0.37
        af = factor ** _bump(n, n * rng.uniform(0.15, 0.35), n * 0.55)
    else:
        af = 1 + 0.08 * np.sin(2 * np.pi * t / max(n, 1) + phase * 0.7)
    w = np.clip(np.round(s0 * sf * np.sqrt(a0 * af)), 6, 0.7 * width)
    h = np.clip(np.round(s0 * sf / np.sqrt(a0 * af)), 6, 0.7 * height)
    return w.astype(np.int64), h.astype(np.int64)


def _windows(rng: np.random.Generator, n: int, wanted: list[tuple[str, int]]) -> dict[str, tuple[int, int]]:
    """Place event windows (name, length) one after another in random order, skipping misfits."""
    order = list(rng.permutation(len(wanted)))
    placed: dict[str, tuple[int, int]] = {}
    t = 8
    for k in order:
        name, length = wanted[k]
        start = t + int(rng.integers(2, 10))
        if start + length <= n - 4:
            placed[name] = (start, start + length)
            t = start + length
    return placed


def _inside(c: float, half: float, size: int) -> float:
    lo, hi = half + 2, size - half - 2
    return float(np.clip(c, lo, hi)) if lo < hi else size / 2


def build_script(
    rng: np.random.Generator, cls: str, events: dict[str, bool], n: int, width: int, height: int, colors: tuple
) -> Script:
    shape, texture = CLASSES[cls]
    color_name, color = colors[int(rng.integers(len(colors)))]
    w, h = _sizes(rng, n, events, width, height)
    occlusion_kind = ("full" if rng.random() < 0.6 else "partial") if events["occlusion"] else None
    wanted = []
    if events["out_of_view"]:
        wanted.append(("out_of_view", 0))  # length decided from the geometry below
    if occlusion_kind:
        wanted.append(("occlusion", 24))
    if events["fast"]:
        wanted.append(("fast", 4))
    # out-of-view length depends on distance to the border: reserve a generous window
    wanted = [(name, 48 if name == "out_of_view" else length) for name, length in wanted]
    windows = _windows(rng, n, wanted)

    cx = np.empty(n)
    cy = np.empty(n)
    occluder = np.zeros((n, 4))
    x, y = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
    speed = rng.uniform(1.0, 2.5)
    angle = rng.uniform(0, 2 * np.pi)
    vx, vy = speed * np.cos(angle), speed * np.sin(angle)
    plan: dict[int, tuple[float, float]] = {}  # frame -> forced centre
    slow = np.zeros(n, dtype=bool)
    for t in range(n):
        if t in plan:
            x, y = plan.pop(t)
        else:
            damp = 0.05 if slow[t] else 1.0
            vx = float(np.clip(vx + rng.normal(0, 0.35), -3.5, 3.5))
            vy = float(np.clip(vy + rng.normal(0, 0.35), -3.5, 3.5))
            nx, ny = x + vx * damp, y + vy * damp
            cxs, cys = _inside(nx, w[t] / 2, width), _inside(ny, h[t] / 2, height)
            if cxs != nx:
                vx = -vx
            if cys != ny:
                vy = -vy
            x, y = cxs, cys
        cx[t], cy[t] = x, y
        for name, (start, end) in windows.items():
            if t != start:
                continue
            if name == "fast":
                _plan_fast(rng, plan, x, y, start, end, w, h, width, height)
            elif name == "out_of_view":
                _plan_out_of_view(plan, x, y, start, end, w, h, width, height)
            elif name == "occlusion":
                slow[start:end] = True
                _plan_occluder(rng, occluder, occlusion_kind, x, y, start, end, w, h, width, height)

    gain = np.ones(n)
    if events["illumination"]:
        factor = 0.42 if rng.random() < 0.5 else 1.75
        gain = factor ** _bump(n, n * rng.uniform(0.05, 0.3), n * rng.uniform(0.4, 0.6))
    camera = np.full((n, 2), float(CAMERA_PAD))
    if events["camera"]:
        t = np.arange(n)
        ph = rng.uniform(0, 2 * np.pi, size=2)
        camera[:, 0] += (CAMERA_PAD - 2) * np.sin(2 * np.pi * t / max(n, 1) + ph[0]) - (CAMERA_PAD - 2) * np.sin(ph[0])
        camera[:, 1] += (CAMERA_PAD - 2) * 0.6 * (np.sin(np.pi * t / max(n, 1) + ph[1]) - np.sin(ph[1]))
        camera = np.clip(np.round(camera), 0, 2 * CAMERA_PAD)
    speed_px = np.r_[0.0, np.hypot(np.diff(cx), np.diff(cy))]
    blur = np.zeros((n, 2))
    fast = speed_px > BLUR_SPEED
    blur[fast, 0] = np.minimum(np.round(speed_px[fast] * 0.5), 15)
    blur[fast, 1] = np.degrees(np.arctan2(np.r_[0.0, np.diff(cy)], np.r_[0.0, np.diff(cx)]))[fast]
    distractors = _distractors(rng, events, cx, cy, w, h, color, width, height)
    return Script(
        width,
        height,
        shape,
        texture,
        color_name,
        color,
        {**events, "occlusion": occlusion_kind or False, "windows": {k: list(v) for k, v in windows.items()}},
        cx,
        cy,
        w,
        h,
        gain,
        camera,
        occluder,
        blur,
        distractors,
    )


def _plan_fast(rng, plan, x, y, start, end, w, h, width, height) -> None:
    steps = end - start
    for _ in range(16):
        angle = rng.uniform(0, 2 * np.pi)
        step = rng.uniform(26, 34)
        ex, ey = x + steps * step * np.cos(angle), y + steps * step * np.sin(angle)
        half_w, half_h = w[end] / 2 + 2, h[end] / 2 + 2
        if half_w < ex < width - half_w and half_h < ey < height - half_h:
            for k in range(1, steps + 1):
                plan[start + k] = (x + k * step * np.cos(angle), y + k * step * np.sin(angle))
            return


def _plan_out_of_view(plan, x, y, start, end, w, h, width, height) -> None:
    """Leave through the nearest border at 10 px/frame, stay out 8 frames, come back the same way."""
    gaps = {"left": x, "right": width - x, "top": y, "bottom": height - y}
    side = min(gaps, key=gaps.get)
    margin = (w[start:end].max() if side in ("left", "right") else h[start:end].max()) / 2 + 4
    target = {"left": (-margin, y), "right": (width + margin, y), "top": (x, -margin), "bottom": (x, height + margin)}
    tx, ty = target[side]
    steps = max(2, math.ceil(math.hypot(tx - x, ty - y) / 10.0))
    hold = 8
    if 2 * steps + hold > end - start:
        return
    path = [(x + (tx - x) * k / steps, y + (ty - y) * k / steps) for k in range(1, steps + 1)]
    path += [(tx, ty)] * hold + path[::-1][1:] + [(x, y)]
    for k, point in enumerate(path, start=1):
        plan[start + k] = point


def _plan_occluder(rng, occluder, kind, x, y, start, end, w, h, width, height) -> None:
    """A bar that sweeps horizontally across the (nearly still) target."""
    tw, th = float(w[start:end].max()), float(h[start:end].max())
    if kind == "full":
        ow, oh, oy = tw + 34, th * 1.4 + 10, y - (th * 1.4 + 10) / 2
    else:
        ow, oh = tw * 0.8, th * 0.45
        oy = y - th / 2 - oh * 0.4 if rng.random() < 0.5 else y + th / 2 - oh * 0.6
    left_to_right = rng.random() < 0.5
    x_from, x_to = x - tw / 2 - ow - 4, x + tw / 2 + 4
    if not left_to_right:
        x_from, x_to = x_to, x_from
    length = end - start
    for k in range(length):
        ox = x_from + (x_to - x_from) * k / max(length - 1, 1)
        occluder[start + k] = (round(ox), round(oy), min(round(ow), width), min(round(oh), height))


def _distractors(rng, events, cx, cy, w, h, color, width, height) -> list[Distractor]:
    if not events["distractors"]:
        return []
    n = len(cx)
    t = np.arange(n)
    out = []
    # one orbits the target (background clutter near it), one wanders across the image
    radius = 1.3 * np.maximum(w, h) + 6
    phase = rng.uniform(0, 2 * np.pi)
    ang = phase + 0.06 * t
    for k in range(2):
        jitter = rng.integers(-25, 26, size=3)
        dcolor = tuple(int(np.clip(c + j, 0, 255)) for c, j in zip(color, jitter, strict=True))
        scale = rng.uniform(0.8, 1.15)
        dw = np.maximum(np.round(w * scale), 6).astype(np.int64)
        dh = np.maximum(np.round(h * scale), 6).astype(np.int64)
        if k == 0:
            dx, dy = cx + radius * np.cos(ang), cy + radius * np.sin(ang)
        else:
            ph = rng.uniform(0, 2 * np.pi, size=2)
            dx = width / 2 + width * 0.35 * np.sin(2 * np.pi * t / max(n, 1) * 0.8 + ph[0])
            dy = height / 2 + height * 0.3 * np.sin(2 * np.pi * t / max(n, 1) * 1.1 + ph[1])
        out.append(Distractor(dx, dy, dw, dh, dcolor))
    return out
