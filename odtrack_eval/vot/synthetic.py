"""Synthetic VOT2020-layout datasets and multistart results (for parity tests and the benchmark).

A sequence is a blob that moves and changes size over a small image, annotated with masks (some frames
empty: target absent), per-frame tags and ``anchor.value`` placed as the VOT2020 dataset places them:
every ``spacing`` frames from frame 0, each anchor running in the direction of the longer sub-sequence.
Tracker outputs follow the ground truth with noise and have episodes of drift (failures), empty masks,
special codes and boxes that leave the image, in rectangle, mask or mixed style. No images are written:
the ``sequence`` file gives width and height, which is all the analyses need.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from odtrack_eval.regions import region as rg
from odtrack_eval.results import vot_workspace as ws

TAGS = ("camera_motion", "illum_change", "motion_change", "occlusion", "size_change")


def anchor_values(length: int, spacing: int = 50) -> np.ndarray:
    """1 forward / -1 backward / 0, with anchors at 0, spacing, 2*spacing, ... (direction of the longer run)."""
    v = np.zeros(length)
    for f in range(0, length, spacing):
        v[f] = 1.0 if length - f >= f + 1 else -1.0
    return v


def _blob(size: tuple[int, int], cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
    """Full-frame mask of an ellipse (computed only inside its box)."""
    w, h = size
    out = np.zeros((h, w), bool)
    x0, x1 = max(int(cx - rx) - 1, 0), min(int(cx + rx) + 2, w)
    y0, y1 = max(int(cy - ry) - 1, 0), min(int(cy + ry) + 2, h)
    if x0 < x1 and y0 < y1:
        yy, xx = np.mgrid[y0:y1, x0:x1]
        out[y0:y1, x0:x1] = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0
    return out


def make_dataset(
    root: str | Path, num_sequences: int = 4, lengths: tuple[int, int] = (40, 200), size: tuple[int, int] = (64, 48),
    spacing: int = 50, seed: int = 0, absent_rate: float = 0.05,
) -> list[str]:  # fmt: skip
    """Write ``root/list.txt`` and one folder per sequence; return the sequence names."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    names = [f"seq{i:03d}" for i in range(num_sequences)]
    for name in names:
        length = int(rng.integers(lengths[0], lengths[1] + 1))
        d = root / name
        d.mkdir(parents=True, exist_ok=True)
        w, h = size
        t = np.arange(length)
        phase = rng.uniform(0, 2 * np.pi, 4)
        cx = w / 2 + w * 0.45 * np.sin(t / rng.uniform(15, 40) + phase[0])  # leaves the image at times
        cy = h / 2 + h * 0.35 * np.sin(t / rng.uniform(15, 40) + phase[1])
        rx = np.clip(w * 0.12 * (1 + 0.5 * np.sin(t / 25 + phase[2])), 0.6, None)
        ry = np.clip(h * 0.15 * (1 + 0.5 * np.sin(t / 30 + phase[3])), 0.6, None)
        absent = rng.random(length) < absent_rate
        lines = []
        for i in range(length):
            m = np.zeros((h, w), bool) if absent[i] and i > 0 else _blob(size, cx[i], cy[i], rx[i], ry[i])
            lines.append(rg.format_region(rg.mask_from_full(m)))
        anchors = anchor_values(length, spacing)
        for f in np.flatnonzero(anchors).tolist():  # anchors need a visible target
            if lines[f] == "m0,0,0,0,0":
                m = _blob(size, w / 2, h / 2, 5, 4)
                lines[f] = rg.format_region(rg.mask_from_full(m))
        (d / "groundtruth.txt").write_text("\n".join(lines) + "\n")
        (d / "sequence").write_text(
            f"channels.color=color/%08d.jpg\nformat=default\nfps=30\nheight={h}\nlength={length}\nname={name}\n"
            f"width={w}\n"
        )
        (d / "anchor.value").write_text("".join(f"{v:g}\n" for v in anchors))
        for tag in TAGS:
            flags = np.zeros(length, int)
            for _ in range(int(rng.integers(0, 4))):
                s = int(rng.integers(0, length))
                flags[s : s + int(rng.integers(1, 30))] = 1
            (d / f"{tag}.tag").write_text("".join(f"{v}\n" for v in flags))
    (root / "list.txt").write_text("".join(n + "\n" for n in names))
    return names


def _predict(gt: rg.Region, size: tuple[int, int], rng: np.random.Generator, style: str, lost: bool) -> rg.Region:
    w, h = size
    u = rng.random()
    if u < 0.01:
        return rg.Special(int(rng.choice([0, 2])))
    box = rg.region_to_bbox(gt)
    if not np.all(np.isfinite(box)) or u < 0.03:
        if style == "rect" or (style == "mixed" and u < 0.02):
            return rg.Rectangle(float(rng.uniform(0, w)), float(rng.uniform(0, h)), 0.0, float(rng.uniform(0, 5)))
        return rg.Mask(np.zeros((0, 0), bool), (0, 0))
    x, y, bw, bh = box.tolist()
    if lost:  # drifting somewhere else, sometimes outside the image
        x, y = float(rng.uniform(-bw, w)), float(rng.uniform(-bh, h))
    jitter = rng.normal(0, 1.5, 4)
    kind = style if style != "mixed" else ("rect" if rng.random() < 0.5 else "mask")
    if kind == "rect":
        return rg.Rectangle(x + jitter[0], y + jitter[1], max(bw + jitter[2], 0.5), max(bh + jitter[3], 0.5))
    if isinstance(gt, rg.Mask):
        m, (ox, oy) = gt.mask, gt.offset
        dx, dy = int(round(x - box[0] + jitter[0])), int(round(y - box[1] + jitter[1]))
        m = m.copy()
        if m.size and rng.random() < 0.5:  # erode a column: imperfect masks
            m[:, int(rng.integers(0, m.shape[1]))] = False
        return rg.Mask(m, (int(ox) + dx, int(oy) + dy))
    return rg.Rectangle(x, y, bw, bh)


def make_results(
    sequences_dir: str | Path, results_root: str | Path, tracker: str, style: str = "mixed", seed: int = 0,
    binary: bool = True, failure_rate: float = 0.02, experiment: str = ws.EXPERIMENT,
) -> int:  # fmt: skip
    """Write a complete multistart result set for every sequence of ``sequences_dir``; return the run count."""
    rng = np.random.default_rng(seed)
    base = Path(sequences_dir)
    count = 0
    for name in (base / "list.txt").read_text().split():
        d = base / name
        gt = rg.read_regions(d / "groundtruth.txt")
        props = dict(line.split("=", 1) for line in (d / "sequence").read_text().splitlines() if "=" in line)
        size = (int(props["width"]), int(props["height"]))
        anchors = [float(v) for v in (d / "anchor.value").read_text().split()]
        out = ws.sequence_dir(results_root, tracker, name, experiment)
        for f, v in enumerate(anchors):
            if v == 0:
                continue
            frames = range(f, -1, -1) if v < 0 else range(f, len(gt))
            regions: list[rg.Region] = [rg.Special(rg.INITIALIZE)]
            lost = 0
            for i in list(frames)[1:]:
                if lost == 0 and rng.random() < failure_rate:
                    lost = int(rng.integers(3, 40))
                regions.append(_predict(gt[i], size, rng, style, lost > 0))
                lost = max(lost - 1, 0)
            ext = ".bin" if binary else ".txt"
            ws.write_trajectory(out / (ws.run_name(name, f) + ext), regions)
            ws.write_values(out / (ws.run_name(name, f) + "_time.value"), rng.uniform(0.01, 0.03, len(regions)))
            count += 1
    return count
