"""MultiScaleDeformableAttention: mmcv's parameters and init, forward by hand."""

from __future__ import annotations

import pytest
import torch

from mmtrack.models.layers.multi_scale_deformable_attention import MultiScaleDeformableAttention


def test_parameter_names_and_ring_init():
    attn = MultiScaleDeformableAttention(embed_dims=16, num_heads=8, num_levels=2, num_points=3)
    assert sorted(attn.state_dict()) == sorted(
        f"{m}.{p}"
        for m in ("sampling_offsets", "attention_weights", "value_proj", "output_proj")
        for p in ("weight", "bias")
    )
    assert attn.sampling_offsets.weight.shape == (8 * 2 * 3 * 2, 16)
    assert attn.attention_weights.weight.shape == (8 * 2 * 3, 16)
    assert not attn.sampling_offsets.weight.any() and not attn.attention_weights.weight.any()
    assert not attn.attention_weights.bias.any()
    bias = attn.sampling_offsets.bias.view(8, 2, 3, 2)
    # head m points along angle 2 pi m / 8, larger component 1, point k at distance k + 1
    direction = {0: (1, 0), 1: (1, 1), 2: (0, 1), 3: (-1, 1), 4: (-1, 0), 6: (0, -1), 7: (1, -1)}
    for m, (dx, dy) in direction.items():
        for k in range(3):
            for lv in range(2):
                torch.testing.assert_close(
                    bias[m, lv, k], torch.tensor([dx * (k + 1.0), dy * (k + 1.0)]), atol=1e-5,
                    rtol=0,
                )


def test_zero_offsets_average_value_proj_at_reference_pixels():
    torch.manual_seed(0)
    c, heads = 8, 2
    attn = MultiScaleDeformableAttention(
        embed_dims=c, num_heads=heads, num_levels=2, num_points=2, dropout=0.0, batch_first=True
    ).eval()
    with torch.no_grad():
        attn.sampling_offsets.bias.zero_()  # every point at its reference
    shapes = torch.tensor([[3, 4], [2, 2]])
    maps = [torch.randn(1, c, 3, 4), torch.randn(1, c, 2, 2)]
    value = torch.cat([m.flatten(2).transpose(1, 2) for m in maps], 1)  # (1, 16, c)
    query = torch.randn(1, 2, c)
    # query 0 at pixel (row 1, col 2) of level 0 and (0, 1) of level 1; query 1 at (2, 0) / (1, 1)
    pix = [[(1, 2), (0, 1)], [(2, 0), (1, 1)]]
    ref = torch.tensor(
        [[[(col + 0.5) / w, (row + 0.5) / h] for (row, col), (h, w) in zip(q, [(3, 4), (2, 2)])]
         for q in pix]
    )[None]
    out = attn(query, value=value, reference_points=ref, spatial_shapes=shapes)
    with torch.no_grad():
        expected = []
        for q, cells in enumerate(pix):
            # attention_weights are zero -> uniform over levels and points
            sampled = [attn.value_proj(maps[lv][0, :, r, cc]) for lv, (r, cc) in enumerate(cells)]
            expected.append(query[0, q] + attn.output_proj(sum(sampled) / 2))
    torch.testing.assert_close(out[0], torch.stack(expected), atol=1e-5, rtol=1e-5)
    # sequence-first gives the same
    attn.batch_first = False
    out_sf = attn(query.transpose(0, 1), value=value.transpose(0, 1), reference_points=ref,
                  spatial_shapes=shapes)
    torch.testing.assert_close(out_sf.transpose(0, 1), out)


def test_bad_spatial_shapes_is_value_error():
    attn = MultiScaleDeformableAttention(embed_dims=8, num_heads=2, num_levels=1, batch_first=True)
    with pytest.raises(ValueError, match=r"sum\(h \* w\) = 12, but value has length 10"):
        attn(torch.zeros(1, 10, 8), reference_points=torch.zeros(1, 10, 1, 2),
             spatial_shapes=torch.tensor([[3, 4]]))
