"""VisionTransformerCE: token counts, candidate elimination, attention, pos-embed loading."""

import logging

import pytest
import torch
from mmengine.logging import MMLogger

from mmtrack.models.backbones.vit_ce import CEBlock, candidate_elimination, interpolate_pos_embed
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()
MMLogger.get_current_instance().setLevel(logging.WARNING)


def _tiny(**kw):
    cfg = dict(type="VisionTransformerCE", embed_dims=16, depth=10, num_heads=2, drop_path_rate=0.0)
    cfg.update(kw)
    m = MODELS.build(cfg)
    m.init_weights()
    return m.eval()


@pytest.mark.parametrize(
    "template,search,counts",
    [
        # OSTrack paper / sot-frameworks.md: 256 -> 180 -> 126 -> 89 and 576 -> 404 -> 283 -> 199
        (128, 256, [256, 180, 126, 89]),
        (192, 384, [576, 404, 283, 199]),
    ],
)
def test_candidate_elimination_token_counts(template, search, counts):
    m = _tiny(template_size=template, search_size=search)
    with torch.no_grad():
        tokens, aux = m(torch.randn(1, 3, template, template), torch.randn(1, 3, search, search))
    n = aux["num_search_tokens"]
    # blocks 0-2 keep all, 3-5 after the first CE, 6-8 after the second, 9 after the third
    assert [n[0], n[3], n[6], n[9]] == counts
    lt = (template // 16) ** 2
    assert tokens.shape == (1, lt + counts[0], 16)
    removed = torch.cat(aux["removed_indexes_s"], dim=1)[0]
    assert removed.numel() == counts[0] - counts[-1]
    search_tokens = tokens[0, lt:]
    # eliminated tokens come back as zeros at their grid position, the others are not zero
    assert torch.all(search_tokens[removed] == 0)
    kept = torch.ones(counts[0], dtype=torch.bool)
    kept[removed] = False
    assert torch.all(search_tokens[kept].abs().sum(-1) > 0)


def test_keep_rate_one_disables_elimination():
    m = _tiny()
    with torch.no_grad():
        _, aux = m(torch.randn(2, 3, 128, 128), torch.randn(2, 3, 256, 256), ce_keep_rate=1.0)
    assert aux["removed_indexes_s"] == []
    assert aux["num_search_tokens"] == [256] * 10


def test_candidate_elimination_hand_example():
    # 1 head, 2 template tokens, 4 search tokens; rows 0-1 are the template queries
    attn = torch.zeros(1, 1, 6, 6)
    attn[0, 0, 0, 2:] = torch.tensor([0.1, 0.4, 0.3, 0.2])
    attn[0, 0, 1, 2:] = torch.tensor([0.5, 0.0, 0.1, 0.4])
    tokens = torch.arange(6, dtype=torch.float32).view(1, 6, 1)
    index = torch.tensor([[10, 11, 12, 13]])
    # mean over both template rows: [0.3, 0.2, 0.2, 0.3] -> ties; use the first row only
    mask = torch.tensor([[True, False]])
    out, keep, removed = candidate_elimination(attn, tokens, 2, 0.5, index, mask)
    assert keep.tolist() == [[11, 12]]  # 0.4, 0.3 are the two highest
    assert sorted(removed.tolist()[0]) == [10, 13]
    assert out[0, :, 0].tolist() == [0.0, 1.0, 3.0, 4.0]
    # second row only: 0.5 (index 10) and 0.4 (index 13)
    _, keep, _ = candidate_elimination(attn, tokens, 2, 0.5, index, torch.tensor([[False, True]]))
    assert keep.tolist() == [[10, 13]]
    # ceil(0.7 * 4) = 3 kept
    _, keep, removed = candidate_elimination(attn, tokens, 2, 0.7, index, mask)
    assert keep.shape == (1, 3) and removed.tolist() == [[10]]


def test_block_attention_matches_torch_multihead_attention():
    torch.manual_seed(0)
    blk = CEBlock(dim=8, num_heads=2).eval()
    ref = torch.nn.MultiheadAttention(8, 2, batch_first=True).eval()
    with torch.no_grad():
        ref.in_proj_weight.copy_(blk.attn.qkv.weight)
        ref.in_proj_bias.copy_(blk.attn.qkv.bias)
        ref.out_proj.weight.copy_(blk.attn.proj.weight)
        ref.out_proj.bias.copy_(blk.attn.proj.bias)
        x = torch.randn(2, 5, 8)
        y = blk.norm1(x)
        expected_out, expected_w = ref(y, y, y, need_weights=True, average_attn_weights=False)
        for need in (False, True):
            out, w = blk.attn(y, need_weights=need)
            torch.testing.assert_close(out, expected_out, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(w, expected_w, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("template,index", [(128, 3 * 8 + 3), (192, 5 * 12 + 5)])
def test_ctr_point_template_mask(template, index):
    # OSTrack's generate_mask_cond: slice(3, 4) on 8x8, slice(5, 6) on 12x12
    m = _tiny(template_size=template, search_size=2 * template)
    mask = m.template_mask(2, torch.device("cpu"))
    assert mask.shape == (2, (template // 16) ** 2)
    assert mask.sum(1).tolist() == [1, 1] and mask[0, index]
    assert _tiny(ce_template_range="ALL").template_mask(1, torch.device("cpu")) is None


def test_interpolate_pos_embed():
    const = torch.full((1, 1 + 14 * 14, 4), 0.5)
    const[:, 0] = 9.0  # the cls position is dropped
    out = interpolate_pos_embed(const, 8)
    assert out.shape == (1, 64, 4)
    torch.testing.assert_close(out, torch.full((1, 64, 4), 0.5))
    grid = torch.randn(1, 1 + 16, 3)
    torch.testing.assert_close(interpolate_pos_embed(grid, 4), grid[:, 1:])


def test_pretrained_mae_checkpoint_gives_track_pos_embeds(tmp_path):
    src = _tiny()
    state = {k: v for k, v in src.state_dict().items() if not k.startswith("pos_embed_")}
    state["decoder_embed.weight"] = torch.zeros(2, 2)  # MAE decoder: ignored
    path = tmp_path / "mae.pth"
    torch.save({"model": state}, path)
    m = _tiny(init_cfg=dict(type="Pretrained", checkpoint=str(path)))
    torch.testing.assert_close(m.blocks[3].attn.qkv.weight, src.blocks[3].attn.qkv.weight)
    torch.testing.assert_close(m.pos_embed_x, interpolate_pos_embed(src.pos_embed, 16))
    torch.testing.assert_close(m.pos_embed_z, interpolate_pos_embed(src.pos_embed, 8))


@pytest.mark.parametrize(
    "kw,match",
    [
        (dict(search_size=250), "multiple of patch_size"),
        (dict(ce_loc=[3, 6], ce_keep_ratio=[0.7]), "one keep ratio"),
        (dict(ce_loc=[12], ce_keep_ratio=[0.7]), "outside"),
        (dict(ce_template_range="GT"), "ce_template_range"),
    ],
)
def test_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        _tiny(**kw)


def test_wrong_input_size():
    with pytest.raises(ValueError, match="expects template 128x128"):
        _tiny()(torch.zeros(1, 3, 64, 64), torch.zeros(1, 3, 256, 256))
