"""How sensitive the ODTrack oracle network is to tiny weight changes (why bf16/fp16 fail its 1 px check).

Runs the fp32 reference ODTrack-B 384 on the oracle pack's first tracked frame with the oracle weights as
generated, then with every weight multiplied by (1 + eps * N(0, 1)) for several eps, and with the weights
rounded to bfloat16 (math still fp32). It prints the largest change of the score map (a sigmoid in [0, 1])
and the relative change of the backbone output. Changes that follow eps linearly are ordinary rounding
propagation; a jump far above that line is a discrete event: candidate elimination keeping a different set
of search tokens (their features become zero padding or come back), which moves the score map by tenths.
bf16 and fp16 carry relative errors of ~4e-3 and ~5e-4 in every product.

    python benchmarks/oracle_sensitivity.py   (CPU is fine; ~1 min)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_odtrack as bench  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = bench.oracle_checkpoint(Path(tmp))
        if ckpt is None:
            sys.exit(f"needs the oracle pack at {bench.PACK}")
        frames = bench.oracle_frames()
        init = np.loadtxt(bench.PACK / "init_box.txt").tolist()

        def first_frame(perturb) -> tuple[np.ndarray, np.ndarray, list[set]]:
            engine = bench.engine_for("odtrack-b384", ckpt, "cpu", "fp32 reference")
            with torch.no_grad():
                for p in engine.model.parameters():
                    p.copy_(perturb(p))
            engine.record = True
            state = engine.new_state(frames[0], init)
            engine.step([(frames[1], state)])
            rec = state.record
            removed = [set(np.asarray(r).ravel().tolist()) for r in rec["removed_indexes_s"]]
            return rec["score_map"].reshape(-1), rec["backbone_feat"], removed

        ref_score, ref_feat, ref_removed = first_frame(lambda p: p)
        g = torch.Generator().manual_seed(0)
        cases = [(f"weights x (1 + {eps:g} N(0,1))", lambda p, e=eps: p * (1 + e * torch.randn(p.shape, generator=g)))
                 for eps in (1e-6, 1e-5, 1e-4, 1e-3)]  # fmt: skip
        cases.append(("weights rounded to bf16", lambda p: p.to(torch.bfloat16).float()))
        print("ODTrack-B 384, oracle weights, first tracked frame, fp32 math")
        print(f"  {'perturbation':<34} {'max |score change|':>19} {'backbone rel. change':>21}  CE tokens flipped")
        for name, fn in cases:
            score, feat, removed = first_frame(fn)
            flipped = "/".join(str(len(a ^ b)) for a, b in zip(removed, ref_removed, strict=True))
            d_score = float(np.abs(score - ref_score).max())
            d_feat = float(np.abs(feat - ref_feat).max() / np.abs(ref_feat).max())
            print(f"  {name:<34} {d_score:19.3g} {d_feat:21.3g}  {flipped}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
