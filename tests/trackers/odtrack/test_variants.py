"""Released ODTrack variants: configs, parameter counts, state-dict layout (built on the meta device).

Expected numbers come from shared/docs/odtrack.md (measured by building the official model:
section 1 table and section 6 "Parameter counts") and from keys_b384.json in the oracle pack.
"""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from odtrack_eval.errors import UnknownNameError  # noqa: E402
from odtrack_eval.trackers.odtrack.config import (  # noqa: E402
    VARIANTS,
    OdtrackConfigError,
    ctr_point_index,
    get_config,
)
from odtrack_eval.trackers.odtrack.model import ODTrackNet, parameter_counts  # noqa: E402
from tests._shared import SHARED  # noqa: E402

KEYS_B384 = SHARED / "data" / "odtrack_oracle" / "keys_b384.json"


@pytest.mark.parametrize(
    ("variant", "total", "backbone", "head", "pos_embed"),
    [
        ("odtrack-b384", 92_826_501, 86_352_384, 6_474_117, 151_296),
        ("odtrack-b384-got", 92_826_501, 86_352_384, 6_474_117, 151_296),
        ("odtrack-l384", 312_283_525, 304_039_936, 8_243_589, 201_728),
        ("odtrack-l384-got", 312_283_525, 304_039_936, 8_243_589, 201_728),
    ],
)
def test_parameter_counts_match_the_official_models(variant, total, backbone, head, pos_embed):
    counts = parameter_counts(get_config(variant))
    assert counts["total"] == total
    assert counts["backbone"] == backbone and counts["head"] == head
    assert counts["unused_pos_embed"] == pos_embed
    assert counts["buffers"] == 2892  # BN running mean/var + counters of the 12 head BatchNorms
    assert round(counts["total"] / 1e6, 1) in (92.8, 312.3)


def test_b384_state_dict_keys_shapes_and_order_match_the_official_model():
    if not KEYS_B384.is_file():
        pytest.skip(f"oracle key list not found at {KEYS_B384}")
    keys = json.loads(KEYS_B384.read_text())["keys"]
    with torch.device("meta"):
        sd = ODTrackNet(get_config("odtrack-b384")).state_dict()
    assert list(sd) == [r["key"] for r in keys]
    for r in keys:
        assert list(sd[r["key"]].shape) == r["shape"], r["key"]
        assert str(sd[r["key"]].dtype).removeprefix("torch.") == r["dtype"], r["key"]


def test_large_state_dict_has_387_entries_like_the_official_one():
    with torch.device("meta"):
        sd = ODTrackNet(get_config("odtrack-l384")).state_dict()
    assert len(sd) == 387
    assert sd["backbone.blocks.23.attn.qkv.weight"].shape == (3072, 1024)
    assert sd["box_head.conv1_ctr.0.weight"].shape == (256, 1024, 3, 3)


@pytest.mark.parametrize("variant", ["odtrack-b384", "odtrack-l384", "odtrack-b384-got", "odtrack-l384-got"])
def test_released_configs_follow_the_official_yaml(variant):
    cfg = get_config(variant)
    assert (cfg.search_size, cfg.template_size, cfg.search_factor, cfg.template_factor) == (384, 192, 5.0, 2.0)
    assert cfg.ce_loc == (3, 6, 9) and cfg.ce_keep_ratio == (0.7, 0.7, 0.7)  # also for ViT-L (24 blocks)
    assert cfg.ce_template_range == "CTR_POINT" and cfg.attn_type == "concat" and cfg.head_channels == 256
    assert cfg.template_number == (4 if variant.endswith("got") else 3)
    assert (cfg.embed_dim, cfg.depth, cfg.num_heads) == ((1024, 24, 16) if "-l" in variant else (768, 12, 12))
    assert cfg.head_dim == 64 and cfg.feat_size_s == 24 and cfg.feat_size_t == 12


def test_ce_keeps_404_283_199_search_tokens_on_b384():
    import math

    n, kept = 576, []
    for r in get_config("odtrack-b384").ce_keep_ratio:
        n = math.ceil(r * n)
        kept.append(n)
    assert kept == [404, 283, 199]


def test_ctr_point_index_reproduces_the_official_table():
    # lib/utils/ce_utils.py::generate_mask_cond: 8->3, 12->5, 16->7, 24->11, 7->3, 14->6
    assert {s: ctr_point_index(s) for s in (8, 12, 16, 24, 7, 14)} == {8: 3, 12: 5, 16: 7, 24: 11, 7: 3, 14: 6}
    assert ctr_point_index(12) * 12 + ctr_point_index(12) == 65  # flat index 65 in the 144 template tokens


def test_config_validation_and_unknown_names():
    with pytest.raises(UnknownNameError, match="odtrack-b384"):
        get_config("odtrack-b385")
    with pytest.raises(OdtrackConfigError, match="divisible"):
        get_config("odtrack-b384", num_heads=7)
    with pytest.raises(OdtrackConfigError, match="ce_loc"):
        get_config("odtrack-b384", ce_loc=(3, 6, 12))
    with pytest.raises(OdtrackConfigError, match="unknown ODTrack config field"):
        get_config("odtrack-b384", num_templates=4)
    assert get_config("odtrack-b384", ce_loc=[3, 6], ce_keep_ratio=[0.7, 0.7]).ce_loc == (3, 6)
    assert set(VARIANTS) == {"odtrack-b384", "odtrack-l384", "odtrack-b384-got", "odtrack-l384-got", "odtrack-test"}


def test_b384_built_for_real_on_cpu_has_92_8m_parameters():
    from odtrack_eval.trackers.odtrack.model import build_model, count_parameters

    model = build_model(get_config("odtrack-b384"), init=False)
    assert count_parameters(model) == 92_826_501
    assert next(model.parameters()).device.type == "cpu"
