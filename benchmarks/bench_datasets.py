"""Time dataset loading: LaSOT's 280 real test annotation sets (target < 1 s) and the
TrackingNet, GOT-10k, VOT2020 and folder adapters on generated layouts of realistic size.

Run: ``.venv/bin/python benchmarks/bench_datasets.py`` (prints a table; writes nothing in the
source tree — generated layouts live in a temporary folder).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from odtrack_eval.datasets import load_dataset

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def gen_trackingnet(root: Path, n: int = 511) -> None:
    rng = np.random.default_rng(0)
    from odtrack_eval.datasets.trackingnet import expected_sequences

    anno = root / "TEST" / "anno"
    anno.mkdir(parents=True)
    for name in expected_sequences("TEST")[:n]:
        x, y, w, h = rng.uniform(1, 500, 4)
        (anno / f"{name}.txt").write_bytes(f" {x:.2f},{y:.2f},{w:.2f},{h:.2f}\r\n".encode())


def gen_got10k(root: Path, n: int = 180, length: int = 150) -> None:
    rng = np.random.default_rng(1)
    val = root / "val"
    val.mkdir(parents=True)
    names = [f"GOT-10k_Val_{i:06d}" for i in range(1, n + 1)]
    (val / "list.txt").write_text("\n".join(names) + "\n")
    for name in names:
        d = val / name
        d.mkdir()
        gt = rng.uniform(1, 500, (length, 4))
        (d / "groundtruth.txt").write_text("".join(f"{a:.4f},{b:.4f},{c:.4f},{e:.4f}\n" for a, b, c, e in gt))
        for label, hi in (("absence", 1), ("cover", 8), ("cut_by_image", 1)):
            (d / f"{label}.label").write_text("".join(f"{v}\n" for v in rng.integers(0, hi + 1, length)))
        (d / "meta_info.ini").write_text("[METAINFO]\nobject_class: cat\nresolution: (1280, 720)\n")


def gen_vot(root: Path, n: int = 60, length: int = 300, size: tuple[int, int] = (1280, 720)) -> None:
    from odtrack_eval.regions.region import format_region, mask_from_full

    rng = np.random.default_rng(2)
    root.mkdir(parents=True)
    (root / "list.txt").write_text("\n".join(f"seq{i}" for i in range(n)) + "\n")
    w, h = size
    for i in range(n):
        d = root / f"seq{i}"
        d.mkdir(parents=True)
        d.joinpath("sequence").write_bytes(f"channels.color=color/%08d.jpg\r\nheight={h}\r\nwidth={w}\r\n".encode())
        lines = []
        for _ in range(length):
            full = np.zeros((h, w), bool)
            x, y = rng.integers(0, w - 200), rng.integers(0, h - 200)
            yy, xx = np.ogrid[:200, :200]
            full[y : y + 200, x : x + 200] = (yy - 100) ** 2 + (xx - 100) ** 2 < 90**2
            lines.append(format_region(mask_from_full(full)))
        (d / "groundtruth.txt").write_text("\n".join(lines) + "\n")
        (d / "occlusion.tag").write_text("0\n1\n" * (length // 2))
        (d / "anchor.value").write_text("1\n" + "0\n" * (length - 1))


def gen_folder(root: Path, n: int = 50, length: int = 200) -> None:
    for i in range(n):
        d = root / f"video{i}"
        d.mkdir(parents=True)
        (d / "groundtruth.txt").write_text("10,10,50,50\n")
        for k in range(length):
            (d / f"{k}.jpg").write_bytes(b"")


def main() -> None:
    rows: list[tuple[str, str, float]] = []
    lasot = SHARED / "data" / "real" / "lasot" / "annotations"
    if lasot.is_dir():
        ds = load_dataset("lasot", lasot)
        t = best_of(lambda: load_dataset("lasot", lasot))
        rows.append(("lasot (real toolkit annos)", f"{len(ds)} seq, {ds.num_frames} rows", t))
    else:
        print(f"skipping LaSOT: {lasot} not found")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cases = [
            ("trackingnet", tmp / "tn", gen_trackingnet),
            ("got10k-val", tmp / "got", gen_got10k),
            ("vot2020", tmp / "vot", gen_vot),
            ("folder", tmp / "folder", gen_folder),
        ]
        for name, root, gen in cases:
            gen(root)
            ds = load_dataset(name, root)
            t = best_of(lambda n=name, r=root: load_dataset(n, r))
            rows.append((f"{name} (generated)", f"{len(ds)} seq, {ds.num_frames} rows", t))
    width = max(len(r[0]) for r in rows)
    print(f"{'dataset':<{width}}  {'size':<24}  best of 3")
    for name, size, t in rows:
        print(f"{name:<{width}}  {size:<24}  {t * 1000:8.1f} ms")
    if lasot.is_dir():
        t_lasot = rows[0][2]
        print(f"LaSOT target < 1 s: {'met' if t_lasot < 1 else 'MISSED'} ({t_lasot:.3f} s)")


if __name__ == "__main__":
    main()
