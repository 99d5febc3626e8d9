"""ODTrack network pieces: attention paths, candidate elimination, backbone output layout, training."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from odtrack_eval.trackers.odtrack.blocks import candidate_elimination  # noqa: E402
from odtrack_eval.trackers.odtrack.config import get_config  # noqa: E402
from odtrack_eval.trackers.odtrack.layers import Attention  # noqa: E402
from odtrack_eval.trackers.odtrack.model import ODTrackNet, build_model, mask_to_rows  # noqa: E402

TINY = get_config("odtrack-test")


def _tiny_inputs(b: int = 2, n_templates: int = 2, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    z = [torch.randn(b, 3, TINY.template_size, TINY.template_size, generator=g) for _ in range(n_templates)]
    x = torch.randn(b, 3, TINY.search_size, TINY.search_size, generator=g)
    return z, x


def _model(seed: int = 0, **cfg_changes) -> ODTrackNet:
    torch.manual_seed(seed)
    return build_model(TINY.replace(**cfg_changes) if cfg_changes else TINY).eval()


def test_attention_fused_and_manual_paths_agree_in_fp32():
    torch.manual_seed(0)
    attn = Attention(64, 4).eval()
    x = torch.randn(3, 37, 64)
    rows = torch.tensor([[2, 5], [2, 5], [7, 1]])
    out_m, p_m = attn(x, prob_rows=rows)
    attn.fused = True
    out_f, p_f = attn(x, prob_rows=rows)
    torch.testing.assert_close(out_f, out_m, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(p_f, p_m, rtol=1e-5, atol=1e-7)
    # The probability rows are the softmax of q.k * head_dim^-0.5 computed independently here.
    qkv = attn.qkv(x).reshape(3, 37, 3, 4, 16).permute(2, 0, 3, 1, 4)
    q, k = qkv[0], qkv[1]
    logits = torch.einsum("bhqd,bhkd->bhqk", q, k) * (16**-0.5)
    expected = torch.stack([logits[i, :, rows[i]] for i in range(3)]).softmax(-1)
    torch.testing.assert_close(p_m, expected, rtol=1e-5, atol=1e-7)
    assert torch.allclose(p_m.sum(-1), torch.ones(3, 4, 2))


def test_separate_attention_restricts_what_each_segment_sees():
    """Paper Fig. 3c: templates see templates; search sees templates+search; the token sees everything."""
    torch.manual_seed(1)
    for fused in (False, True):
        attn = Attention(32, 2, attn_type="separate", fused=fused).eval()
        nq, nt, ns = 1, 6, 10
        x = torch.randn(1, nq + nt + ns, 32)
        out, _ = attn(x, (nq, nt, ns))
        y = x.clone()
        y[:, nq + nt :] += torch.randn(1, ns, 32)  # change search tokens
        out_y, _ = attn(y, (nq, nt, ns))
        assert torch.equal(out[:, nq : nq + nt], out_y[:, nq : nq + nt])  # templates unaffected
        assert not torch.allclose(out[:, :nq], out_y[:, :nq])  # token attends to search
        w = x.clone()
        w[:, :nq] += 5.0  # change the temporal token
        out_w, _ = attn(w, (nq, nt, ns))
        assert torch.equal(out[:, nq:], out_w[:, nq:])  # nobody but the token itself attends to it


def test_separate_attention_equals_masked_joint_attention():
    """Independent formulation: one joint softmax with a block mask gives the same output."""
    torch.manual_seed(2)
    nq, nt, ns, c, h = 1, 5, 7, 32, 4
    attn = Attention(c, h, attn_type="separate").eval()
    x = torch.randn(2, nq + nt + ns, c)
    out, _ = attn(x, (nq, nt, ns))
    n = nq + nt + ns
    allowed = torch.zeros(n, n, dtype=torch.bool)
    allowed[:nq] = True  # token query -> everything
    allowed[nq : nq + nt, nq : nq + nt] = True  # templates -> templates
    allowed[nq + nt :, nq:] = True  # search -> templates + search
    qkv = attn.qkv(x).reshape(2, n, 3, h, c // h).permute(2, 0, 3, 1, 4)
    logits = (qkv[0] @ qkv[1].transpose(-1, -2)) * (c // h) ** -0.5
    probs = logits.masked_fill(~allowed, float("-inf")).softmax(-1)
    expected = attn.proj((probs @ qkv[2]).transpose(1, 2).reshape(2, n, c))
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)


def test_candidate_elimination_keeps_top_scores_in_sorted_order():
    # 1 batch, 2 heads, 1 template row, 5 search tokens; mean over heads gives scores [0.25, .5, .1, .4, .3].
    probs = torch.tensor([[[[0.2, 0.6, 0.1, 0.5, 0.3]], [[0.3, 0.4, 0.1, 0.3, 0.3]]]])
    tokens = torch.arange(7, dtype=torch.float32).view(1, 7, 1).expand(1, 7, 2)  # 2 template + 5 search
    gidx = torch.tensor([[10, 11, 12, 13, 14]])
    new, keep, removed = candidate_elimination(probs, tokens, 2, 0.5, gidx)
    assert math.ceil(0.5 * 5) == 3
    assert keep.tolist() == [[11, 13, 14]]  # scores 0.5, 0.4, 0.3 in descending order
    assert removed.tolist() == [[10, 12]]
    assert new[0, :, 0].tolist() == [0, 1, 3, 5, 6]  # templates first, then kept search tokens in score order


def test_candidate_elimination_no_op_when_nothing_to_remove():
    probs = torch.rand(1, 1, 1, 3)
    tokens = torch.rand(1, 4, 2)
    gidx = torch.arange(3).view(1, 3)
    new, keep, removed = candidate_elimination(probs, tokens, 1, 0.99, gidx)
    assert removed is None and new is tokens and keep is gidx


def test_backbone_output_layout_and_eliminated_positions_are_zero():
    model = _model()
    z, x = _tiny_inputs(b=2, n_templates=2)
    rows = torch.tensor([[5, 21], [5, 21]])
    with torch.no_grad():
        feat, aux = model.backbone(z, x, None, rows)
    n_t, n_s = 2 * TINY.feat_size_t**2, TINY.feat_size_s**2
    assert feat.shape == (2, 1 + n_t + n_s, TINY.embed_dim)
    # CE at blocks 0 and 1 with keep 0.7: 64 -> 45 -> 32 search tokens kept.
    assert [r.shape[1] for r in aux["removed_indexes_s"]] == [64 - 45, 45 - 32]
    search = feat[:, 1 + n_t :]
    for b in range(2):
        removed = torch.cat([r[b] for r in aux["removed_indexes_s"]])
        kept = aux["keep_index_s"][b]
        assert sorted(removed.tolist() + kept.tolist()) == list(range(n_s))
        assert torch.count_nonzero(search[b, removed]) == 0
        assert bool((search[b, kept].abs().sum(-1) > 0).all())


def test_temporal_token_is_cls_plus_previous_token():
    """First frame: cls_token + cls_pos_embed; later: previous normed token + cls_token + cls_pos_embed."""
    model = _model()
    z, x = _tiny_inputs(b=1, n_templates=1)
    prev = torch.randn(1, 1, TINY.embed_dim)
    bb = model.backbone
    with torch.no_grad():
        seq0, _, _ = bb.embed(z, x, None)
        seq1, _, _ = bb.embed(z, x, prev)
    torch.testing.assert_close(seq0[:, :1], bb.cls_token + bb.cls_pos_embed, rtol=0, atol=0)
    torch.testing.assert_close(seq1[:, :1], prev + bb.cls_token + bb.cls_pos_embed, rtol=0, atol=1e-7)
    # Every template gets the same pos_embed_z.
    n = TINY.feat_size_t**2
    z2 = [z[0], z[0]]
    with torch.no_grad():
        seq2, _, _ = bb.embed(z2, x, None)
    assert torch.equal(seq2[:, 1 : 1 + n], seq2[:, 1 + n : 1 + 2 * n])


def test_head_input_is_search_tokens_scaled_by_token_dot_product():
    model = _model()
    z, x = _tiny_inputs(b=1, n_templates=1)
    captured = {}

    def hook(module, inputs, output):
        captured["x"] = inputs[0]

    model.box_head.conv1_ctr.register_forward_hook(hook)
    with torch.no_grad():
        out = model.forward_frame(z, x)
    feat = out["backbone_feat"]
    enc = feat[:, -(TINY.feat_size_s**2) :]
    expected = (enc * (enc * feat[:, :1]).sum(-1, keepdim=True)).transpose(1, 2).reshape(1, TINY.embed_dim, 8, 8)
    torch.testing.assert_close(captured["x"], expected, rtol=1e-5, atol=1e-6)
    assert torch.equal(out["track_query"], feat[:, :1])


def test_official_style_forward_carries_the_token_between_search_frames():
    model = _model()
    z, x = _tiny_inputs(b=1, n_templates=2)
    x2 = torch.flip(x, dims=[-1])
    mask = torch.zeros(1, 2 * 16, dtype=torch.bool)
    mask[0, [5, 21]] = True
    with torch.no_grad():
        outs = model(z, [x, x2], ce_template_mask=mask)
        first = model.forward_frame(z, x, None, mask_to_rows(mask))
        second = model.forward_frame(z, x2, first["track_query"], mask_to_rows(mask))
    torch.testing.assert_close(outs[1]["pred_boxes"], second["pred_boxes"], rtol=0, atol=0)


def test_fused_attention_model_matches_manual_model():
    model = _model()
    z, x = _tiny_inputs(b=2, n_templates=3)
    rows = torch.tensor([[5, 21, 37]] * 2)
    with torch.no_grad():
        ref = model.forward_frame(z, x, None, rows)
        model.set_fused_attention(True)
        fused = model.forward_frame(z, x, None, rows)
    for key in ("score_map", "size_map", "offset_map", "backbone_feat"):
        torch.testing.assert_close(fused[key], ref[key], rtol=1e-4, atol=1e-5)


def test_training_step_runs_and_reaches_every_used_parameter():
    """No inference-only shortcut: gradients flow through CE, the token modulation and the head."""
    model = _model(drop_path_rate=0.1).train()
    z, x = _tiny_inputs(b=2, n_templates=2)
    mask = torch.zeros(2, 32, dtype=torch.bool)
    mask[:, [5, 21]] = True
    outs = model(z, [x, x], ce_template_mask=mask)
    loss = sum(o["score_map"].mean() + o["size_map"].mean() + o["offset_map"].abs().mean() for o in outs)
    loss.backward()
    no_grad = [n for n, p in model.named_parameters() if p.grad is None]
    # pos_embed is only the pretrained 224-px table kept for checkpoint compatibility (unused in forward).
    assert no_grad == ["backbone.pos_embed"]


def test_separate_attention_needs_ce_disabled_and_runs_without_it():
    from odtrack_eval.trackers.odtrack.config import OdtrackConfigError

    with pytest.raises(OdtrackConfigError, match="separate"):
        TINY.replace(attn_type="separate")
    model = _model(attn_type="separate", ce_loc=(), ce_keep_ratio=())
    z, x = _tiny_inputs(b=1, n_templates=2)
    with torch.no_grad():
        out = model.forward_frame(z, x)
    assert out["removed_indexes_s"] == []
    assert bool((out["backbone_feat"][:, -64:].abs().sum(-1) > 0).all())


def test_init_track_pos_embeds_resizes_the_pretrained_grid():
    model = _model()
    bb = model.backbone
    with torch.no_grad():
        bb.pos_embed.copy_(torch.arange(bb.pos_embed.numel(), dtype=torch.float32).view_as(bb.pos_embed))
        bb.init_track_pos_embeds()
    assert torch.equal(bb.cls_pos_embed, bb.pos_embed[:, :1])
    # Same grid size (64 px pretrain / 64 px template): bicubic resize to the same size is the identity.
    torch.testing.assert_close(bb.pos_embed_z, bb.pos_embed[:, 1:], rtol=0, atol=1e-3)
    assert bb.pos_embed_x.shape == (1, 64, TINY.embed_dim)
