"""Throughput of the ODTrack tracker: fp32 reference vs fast path, cross-sequence batching, peak memory,
and a box-fidelity check of each fast-path setting on the oracle video.

Run: ``.venv/bin/python benchmarks/bench_odtrack.py [--device auto|cpu|cuda] [--checkpoint FILE]``.

On a CUDA device: ODTrack-B 384 at batch 1 (fp32 reference and fast-path settings in the same run), the
fast path with cross-sequence batching K = 1, 8, 32, peak GPU memory, and the oracle-video check (every
setting's boxes vs the fp32 reference; a setting "passes" when it stays within 1 px on every frame).
On a CPU-only machine it says so and runs small sizes: ODTrack-B 384 for a few frames at batch 1, the
tiny ``odtrack-test`` model for the batching sweep, and the oracle check (about a minute on 2 cores).

Weights: ``--checkpoint`` if given; else the oracle pack's generated weights (shared/data/odtrack_oracle,
regenerated into a temporary folder); else seeded random weights. Frames/s counts whole tracker steps
(crop, preprocessing, network, decoding, template memory), i.e. what a benchmark run sees.
Writes nothing in the source tree.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from odtrack_eval.trackers.odtrack.tracker import (
    BatchedODTrack,
    InferenceOptions,
    ODTrackTracker,
    build_engine,
)

REPO = Path(__file__).resolve().parents[1]
#: The oracle pack: $ODTRACK_ORACLE (a copy carried to a GPU machine, see benchmarks/GPU.md) or ../shared.
ORACLE = Path(os.environ.get("ODTRACK_ORACLE") or REPO.parent / "shared" / "data" / "odtrack_oracle")
PACK = ORACLE / "packA"

SETTINGS: dict[str, dict[str, str]] = {
    "fp32 reference": dict(precision="fp32", attention="manual", crop="cv2"),
    "fast fp32": dict(precision="fp32", attention="sdpa", crop="torch"),
    "fast tf32": dict(precision="tf32", attention="sdpa", crop="torch"),
    "fast bf16": dict(precision="bf16", attention="sdpa", crop="torch"),
    "fast fp16": dict(precision="fp16", attention="sdpa", crop="torch"),
    # torch.compile with CUDA graphs (GPU only: on CPU inductor takes minutes for ODTrack-B)
    "fast fp32 graphs": dict(precision="fp32", attention="sdpa", crop="torch", compile="reduce-overhead"),
    "fast bf16 graphs": dict(precision="bf16", attention="sdpa", crop="torch", compile="reduce-overhead"),
}


def synthetic_sequence(n: int, seed: int, h: int = 480, w: int = 640) -> tuple[list[np.ndarray], list[float]]:
    """A textured box drifting over a noise background (640x480, like the oracle video)."""
    rng = np.random.default_rng(seed)
    bg = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    patch = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    frames = []
    for i in range(n):
        img = bg.copy()
        x, y = 100 + 7 * i % 400, 100 + 3 * i % 300
        img[y : y + 60, x : x + 80] = patch
        frames.append(img)
    return frames, [100.0, 100.0, 80.0, 60.0]


def oracle_checkpoint(tmp: Path) -> Path | None:
    if not (ORACLE / "make_weights.py").is_file():
        return None
    spec = importlib.util.spec_from_file_location("odtrack_oracle_make_weights", ORACLE / "make_weights.py")
    mw = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mw)
    keys = json.loads((ORACLE / "keys_b384.json").read_text())["keys"]
    path = tmp / "oracle_w1.pth"
    torch.save({"net": mw.make_state_dict(keys, 1)}, path)
    return path


def engine_for(variant: str, checkpoint: Path | None, device: str, setting: str):
    opts = InferenceOptions(device=device, **SETTINGS[setting])
    engine, _ = build_engine(variant, checkpoint, options=opts, random_init_seed=None if checkpoint else 0)
    return engine


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def throughput(engine, k: int, frames_per_seq: int, warmup: int, device: str) -> tuple[float, float | None]:
    """Frames/s tracking K sequences together (one batched step per frame index), and peak GPU MiB."""
    seqs = [synthetic_sequence(frames_per_seq + warmup + 1, seed) for seed in range(k)]
    batched = BatchedODTrack(engine)
    states = [batched.initialize(frames[0], init) for frames, init in seqs]
    # Warm-up also moves every sequence past the 1..3-template start, to the steady 4-template regime.
    for t in range(1, warmup + 1):
        batched.track([(seqs[i][0][t], states[i]) for i in range(k)])
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    sync(device)
    start = time.perf_counter()
    for t in range(warmup + 1, warmup + 1 + frames_per_seq):
        batched.track([(seqs[i][0][t], states[i]) for i in range(k)])
    sync(device)
    elapsed = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else None
    return k * frames_per_seq / elapsed, peak


def oracle_frames() -> list[np.ndarray]:
    import cv2

    return [cv2.cvtColor(cv2.imread(str(PACK / "frames" / f"{i + 1:08d}.png")), cv2.COLOR_BGR2RGB) for i in range(12)]


def oracle_reference(engine) -> tuple[np.ndarray, list]:
    """Reference boxes on the oracle video and a copy of the reference state before every frame."""
    frames = oracle_frames()
    state = engine.new_state(frames[0], np.loadtxt(PACK / "init_box.txt").tolist())
    boxes, before = [], []
    for f in frames[1:]:
        before.append(copy.deepcopy(state))
        boxes.append(engine.step([(f, state)])[0]["target_bbox"])
    return np.array(boxes), before


def oracle_boxes(engine, ref_states: list) -> tuple[np.ndarray, np.ndarray]:
    """Closed-loop boxes of ``engine`` on the oracle video, and its one-step boxes from the reference states."""
    frames = oracle_frames()
    tracker = ODTrackTracker(engine)
    tracker.initialize(frames[0], {"init_bbox": np.loadtxt(PACK / "init_box.txt").tolist()})
    closed = np.array([tracker.track(f)["target_bbox"] for f in frames[1:]])
    one_step = [
        engine.step([(f, copy.deepcopy(st))])[0]["target_bbox"] for f, st in zip(frames[1:], ref_states, strict=True)
    ]
    return closed, np.array(one_step)


def _mib(peak: float | None) -> str:
    return f"{peak:9.0f}" if peak is not None else f"{'-':>9}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="auto", help="auto (cuda if available), cpu or cuda[:N]")
    ap.add_argument("--checkpoint", type=Path, help="official ODTrack-B 384 checkpoint (default: oracle weights)")
    ap.add_argument("--frames", type=int, help="timed frames per sequence (default 50 on CUDA, 4 on CPU)")
    ap.add_argument("--batches", default="1,8,32", help="cross-sequence batch sizes K")
    ap.add_argument("--skip-oracle", action="store_true", help="skip the oracle-video fidelity check")
    ap.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    args = ap.parse_args(argv)
    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    cuda = device.startswith("cuda")
    batches = [int(k) for k in args.batches.split(",")]
    settings = [s for s in SETTINGS if cuda or (s != "fast tf32" and "graphs" not in s)]
    out: dict[str, object] = {"device": device, "torch": torch.__version__}
    if cuda:
        print(f"device: {torch.cuda.get_device_name(device)} (torch {torch.__version__})")
        frames, warmup = args.frames or 50, 8
    else:
        print(
            f"device: CPU only ({torch.get_num_threads()} threads, torch {torch.__version__}) -> SMALL SIZES: "
            "ODTrack-B 384 for a few frames at batch 1; batching sweep on the tiny odtrack-test model"
        )
        frames, warmup = args.frames or 4, 6

    with tempfile.TemporaryDirectory() as tmp:
        ckpt = args.checkpoint or oracle_checkpoint(Path(tmp))
        print(f"weights: {ckpt if args.checkpoint else ('oracle pack (generated)' if ckpt else 'seeded random')}")

        print("\nODTrack-B 384, batch 1 (steady state, 4 templates)")
        print(f"  {'setting':<16} {'frames/s':>9} {'peak MiB':>9}")
        res_b1 = {}
        for setting in settings:
            fps, peak = throughput(engine_for("odtrack-b384", ckpt, device, setting), 1, frames, warmup, device)
            res_b1[setting] = {"fps": fps, "peak_mib": peak}
            print(f"  {setting:<16} {fps:9.2f} {_mib(peak)}")
        out["b384_batch1"] = res_b1

        variant = "odtrack-b384" if cuda else "odtrack-test"
        for fast in ("fast fp32", "fast bf16", "fast bf16 graphs") if cuda else ("fast fp32",):
            print(f"\ncross-sequence batching, {variant}, {fast}")
            print(f"  {'K':>3} {'frames/s':>9} {'peak MiB':>9}")
            res_k = {}
            for k in batches:
                engine = engine_for(variant, ckpt if cuda else None, device, fast)
                fps, peak = throughput(engine, k, frames, warmup, device)
                res_k[k] = {"fps": fps, "peak_mib": peak}
                print(f"  {k:>3} {fps:9.2f} {_mib(peak)}")
            out[f"batching_{variant}_{fast.replace(' ', '_')}"] = res_k

        if args.skip_oracle or not (PACK / "init_box.txt").is_file():
            print("\noracle check skipped" + ("" if args.skip_oracle else f" ({PACK} not found)"))
        else:
            print("\noracle video (12 frames): max |box - fp32 reference| per setting (pass: <= 1 px, closed loop)")
            print("  closed loop: the setting tracks on its own; one-step: each frame from the reference state.")
            print("  Random oracle weights do not track and their score maps have close competing peaks, so a")
            print("  small numeric change can move the arg-max to another peak and errors are not damped.")
            expected = np.loadtxt(PACK / "expected_boxes.txt")[1:, 1:]
            ref, ref_states = oracle_reference(engine_for("odtrack-b384", ckpt, device, "fp32 reference"))
            res_o = {}
            for setting in settings:
                if setting == "fp32 reference":
                    boxes, one_step = ref, ref
                else:
                    boxes, one_step = oracle_boxes(engine_for("odtrack-b384", ckpt, device, setting), ref_states)
                dev_ref = float(np.abs(boxes - ref).max())
                dev_step = float(np.abs(one_step - ref).max())
                dev_official = float(np.abs(boxes - expected).max()) if args.checkpoint is None else None
                res_o[setting] = {"closed_loop_px": dev_ref, "one_step_px": dev_step, "vs_official_px": dev_official}
                verdict = "PASS" if dev_ref <= 1.0 else "FAIL"
                off = f"{dev_official:9.4g}" if dev_official is not None else "      n/a"
                print(
                    f"  {setting:<16} closed {dev_ref:9.4g} px  one-step {dev_step:9.4g} px  "
                    f"vs official {off} px  {verdict}"
                )
            out["oracle"] = res_o
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
