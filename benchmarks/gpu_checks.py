"""GPU checks that go beyond bench_odtrack.py, run in the same device call (benchmarks/GPU.md):

1. ``odtrack-eval profile`` of ODTrack-B 384 on the GPU for the fp32 reference and each fast setting
   (model-only latency with CUDA events, parameters, FLOPs, peak memory), as a user types it;
2. ``odtrack-eval run odtrack-b384 --batch 16 --device cuda`` on a small synthetic benchmark with the oracle
   weights, against the one-at-a-time GPU run: the boxes must agree (batching changes only summation order).

Run: ``python3 benchmarks/gpu_checks.py --out DIR`` (DIR gets the JSON records and a summary).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

SETTINGS = {
    "fp32-reference": 'precision = "fp32"\nattention = "manual"\ncrop = "cv2"',
    "fast-fp32": 'precision = "fp32"\nattention = "sdpa"\ncrop = "torch"',
    "fast-tf32": 'precision = "tf32"\nattention = "sdpa"\ncrop = "torch"',
    "fast-bf16": 'precision = "bf16"\nattention = "sdpa"\ncrop = "torch"',
    "fast-fp16": 'precision = "fp16"\nattention = "sdpa"\ncrop = "torch"',
}


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "odtrack_eval", *args], capture_output=True, text=True, env=env)
    print(f"$ odtrack-eval {' '.join(args)}  ({time.perf_counter() - started:.1f} s, rc {done.returncode})", flush=True)
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-3000:], flush=True)
    return done


def definition(folder: Path, name: str, parameters: str, checkpoint: Path | None = None) -> Path:
    path = folder / f"{name}.toml"
    ckpt = f'checkpoint = "{checkpoint}"\n' if checkpoint else ""
    path.write_text(f'name = "{name}"\nimplementation = "odtrack_eval.trackers.odtrack:odtrack_b384"\n{ckpt}'
                    f"[parameters]\n{parameters}\n[results]\ntracker = \"{name}\"\n")  # fmt: skip
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--settings", default=",".join(SETTINGS), help="comma-separated subset of the settings")
    ap.add_argument("--sequences", default="8")
    ap.add_argument("--frames", default="60")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "ODTRACK_EVAL_PROFILES": str(tmp / "profiles"), "ODTRACK_EVAL_CACHE": str(tmp / "cache")}
        defs = tmp / "defs"
        defs.mkdir()
        profiles = {}
        for name in args.settings.split(","):
            params = SETTINGS[name]
            path = definition(defs, f"odtrack-b384-{name}", params)
            done = cli("profile", str(path), "--device", args.device, "--random-weights", "--json",
                       "-n", str(args.iterations), env=env)  # fmt: skip
            if done.returncode == 0:
                profiles[name] = json.loads(done.stdout)
                r = profiles[name]
                print(f"  {name:<15} mean {r['mean_ms']:.2f} ms  p50 {r['p50_ms']:.2f}  p99 {r['p99_ms']:.2f}  "
                      f"{r['fps']:.1f}/s  peak {r['peak_memory_bytes'] / 2**20:.0f} MiB  ({r['device_model']})",
                      flush=True)  # fmt: skip
        summary["profiles"] = profiles

        from bench_odtrack import oracle_checkpoint

        ckpt = oracle_checkpoint(tmp)
        if ckpt is None:
            print("no oracle pack: batch check skipped")
        else:
            bench = tmp / "bench"
            cli("synth", "--out", str(bench), "-n", args.sequences, "--frames", args.frames, "--width", "640",
                "--height", "480",
                env=env)  # fmt: skip
            fast = definition(defs, "odtrack-b384-oracle", SETTINGS["fast-fp32"], ckpt)
            runs = {}
            for label, extra in (("one at a time", []), ("batch 16", ["--batch", "16"])):
                results = tmp / label.replace(" ", "_")
                started = time.perf_counter()
                done = cli("run", str(fast), "-d", "lasot", "--root", str(bench), "-r", str(results), "--device",
                           args.device, "--no-progress", *extra, env=env)  # fmt: skip
                runs[label] = {"seconds": time.perf_counter() - started, "rc": done.returncode, "folder": results}
            ok = all(r["rc"] == 0 for r in runs.values())
            if ok:
                one = sorted((runs["one at a time"]["folder"]).rglob("*.txt"))
                boxes = [f for f in one if not f.name.endswith(("_time.txt", "_score.txt"))]
                worst = 0.0
                for f in boxes:
                    other = runs["batch 16"]["folder"] / f.relative_to(runs["one at a time"]["folder"])
                    a = np.loadtxt(f, delimiter="\t")
                    b = np.loadtxt(other, delimiter="\t")
                    worst = max(worst, float(np.abs(a - b).max()))
                print(f"batch 16 vs one at a time: {len(boxes)} sequences, max |box difference| {worst:.3g} px",
                      flush=True)  # fmt: skip
                summary["batch_check"] = {"sequences": len(boxes), "max_px": worst,
                                          "seconds": {k: v["seconds"] for k, v in runs.items()}}  # fmt: skip
                manifest = next(runs["batch 16"]["folder"].rglob("run_manifest.json"))
                session = json.loads(manifest.read_text())["sessions"][-1]
                summary["manifest_devices"] = session.get("device_models")
                print(f"manifest device models: {session.get('device_models')}", flush=True)
                done = cli("evaluate", "-d", "lasot", "--root", str(bench), "-r", str(runs["batch 16"]["folder"]),
                           "--speed", env=env)  # fmt: skip
                print(done.stdout, flush=True)
    (args.out / "gpu_checks.json").write_text(json.dumps(summary, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
