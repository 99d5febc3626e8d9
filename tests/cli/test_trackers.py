"""``odtrack-eval trackers list|info`` and the architecture figures it prints.

Expected values: the official ODTrack-B parameter count (92,826,501: the released model, also checked
against the real build in test_odtrack_variants.py) and FLOPs from the ViT arithmetic written out by hand
below (multiply-adds of the linear layers and of the two attention products, 2 FLOPs each), with the
search-token counts candidate elimination keeps on ODTrack-B (404, 283, 199; test_odtrack_variants.py).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("torch")

from odtrack_eval.trackers.odtrack.config import get_config  # noqa: E402
from odtrack_eval.trackers.odtrack.model import flop_counts  # noqa: E402


def _vit_flops(cfg, search_tokens_after_ce: list[int]) -> int:
    """Backbone FLOPs: patch embedding, then per block qkv+proj (4 d^2 N), QK^T and AV (2 N^2 d) on the
    tokens entering it and the MLP (8 d^2 N) on the tokens left after its elimination."""
    d = cfg.embed_dim
    n_t = (cfg.template_number + 1) * cfg.feat_size_t**2  # steady state: the first + TEMPLATE_NUMBER templates
    n_s = cfg.feat_size_s**2
    macs = (n_t + n_s) * 3 * cfg.patch_size**2 * d
    kept = dict(zip(cfg.ce_loc, search_tokens_after_ce, strict=True))
    tokens = 1 + n_t + n_s
    for block in range(cfg.depth):
        macs += 4 * d * d * tokens + 2 * tokens * tokens * d
        if block in kept:
            tokens = 1 + n_t + kept[block]
        macs += 8 * d * d * tokens
    return 2 * macs


def test_flop_counts_equal_the_vit_arithmetic() -> None:
    tiny = get_config("odtrack-test", ce_loc=(), ce_keep_ratio=())
    assert flop_counts(tiny)["backbone"] == _vit_flops(tiny, [])
    b384 = get_config("odtrack-b384")
    counts = flop_counts(b384)
    assert counts["backbone"] == _vit_flops(b384, [404, 283, 199])
    assert counts["modulation"] == 2 * b384.feat_size_s**2 * b384.embed_dim  # (Ns, d) x (d, 1)
    assert counts["total"] == counts["backbone"] + counts["head"] + counts["modulation"] and counts["head"] > 0


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "odtrack_eval", *args], capture_output=True, text=True)


def test_trackers_info_prints_the_official_parameter_count() -> None:
    out = _cli("trackers", "info", "odtrack-b384")
    assert out.returncode == 0, out.stderr
    lines = {line.split("  ", 1)[0].strip(): line.split("  ", 1)[-1].strip() for line in out.stdout.splitlines()}
    assert lines["parameter count"] == "92,826,501 (92.8M)"
    assert lines["candidate elimination"].startswith("CE_LOC [3, 6, 9]")
    assert lines["templates"].startswith("192 px (factor 2); TEMPLATE_NUMBER 3: up to 4 per frame")
    assert lines["results folder"] == "<results>/odtrack/baseline[_NNN]/<dataset>/"
    got = _cli("trackers", "info", "odtrack-l384-got")
    assert "TEMPLATE_NUMBER 4: up to 5 per frame" in got.stdout and "312,283,525" in got.stdout


def test_trackers_list_and_unknown_name() -> None:
    out = _cli("trackers", "list")
    assert out.returncode == 0
    for name in ("odtrack-b384", "odtrack-l384-got", "opencv-csrt", "static"):
        assert f"\n{name}\n" in "\n" + out.stdout
    bad = _cli("trackers", "info", "odtrack-b999")
    assert bad.returncode == 2 and "unknown tracker 'odtrack-b999'" in bad.stderr and "odtrack-b384" in bad.stderr


def test_trackers_info_checks_the_checkpoint_content_like_run(tmp_path) -> None:
    """Not only that the file exists: a text file, another variant's weights, or a missing tensor are
    reported as run would report them, and a good checkpoint says how many tensors matched."""
    import torch

    from odtrack_eval.trackers.odtrack.model import build_model

    torch.manual_seed(0)
    state = build_model(get_config("odtrack-test")).state_dict()
    good = tmp_path / "good.pth.tar"
    torch.save({"net": state, "epoch": 7}, good)
    out = _cli("trackers", "info", "odtrack-test", "--checkpoint", str(good))
    assert out.returncode == 0, out.stderr
    assert "usable" in out.stdout and f"{len(state)} (every key and shape matches odtrack-test)" in out.stdout
    text = tmp_path / "notes.txt"
    text.write_text("these are not weights\n")
    out = _cli("trackers", "info", "odtrack-test", "--checkpoint", str(text))
    assert "NOT USABLE" in out.stdout and "not a torch checkpoint" in out.stdout
    assert "weights_only=False" not in out.stdout + out.stderr  # never the advice to unpickle anything
    partial = tmp_path / "partial.pth"
    torch.save({"net": {k: v for i, (k, v) in enumerate(state.items()) if i != 3}}, partial)
    out = _cli("trackers", "info", "odtrack-test", "--checkpoint", str(partial))
    assert "NOT USABLE" in out.stdout and list(state)[3] in out.stdout
