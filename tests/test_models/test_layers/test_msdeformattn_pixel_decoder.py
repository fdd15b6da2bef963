"""MSDeformAttnPixelDecoder: mmdet 3.x / MMTracking 1.x state-dict names, output shapes, order."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from mmtrack.models.layers.mask2former_transformer_encoder import MASK2FORMER_1X_REVISE_KEYS
from mmtrack.registry import MODELS
from mmtrack.utils.checkpoint import CheckpointMismatchError, load_checkpoint

KEYS = Path(__file__).parents[2] / "data" / "mask2former_pixel_decoder_keys.txt"


def _expected() -> list[tuple[str, str, tuple[int, ...]]]:
    """(mmdet 3.x name, MMTracking 1.x checkpoint name, shape) rows of the key file."""
    rows = [ln.split() for ln in KEYS.read_text().splitlines() if ln and not ln.startswith("#")]
    return [(a, b, tuple(int(v) for v in s.split(","))) for a, b, s in rows]


def _cfg(c=256, heads=8, ffn=1024, layers=6, groups=32, in_channels=(256, 512, 1024, 2048)):
    """mmdet 3.x layout (the interface of Mask2FormerHead)."""
    return dict(
        type="MSDeformAttnPixelDecoder",
        in_channels=list(in_channels),
        strides=[4, 8, 16, 32],
        feat_channels=c,
        out_channels=c,
        num_outs=3,
        norm_cfg=dict(type="GN", num_groups=groups),
        act_cfg=dict(type="ReLU"),
        encoder=dict(
            num_layers=layers,
            layer_cfg=dict(
                self_attn_cfg=dict(embed_dims=c, num_heads=heads, num_levels=3, num_points=4,
                                   im2col_step=64, dropout=0.0, batch_first=True),
                ffn_cfg=dict(embed_dims=c, feedforward_channels=ffn, num_fcs=2, ffn_drop=0.0,
                             act_cfg=dict(type="ReLU", inplace=True)),
            ),
        ),
        positional_encoding=dict(num_feats=c // 2, normalize=True),
    )


def _cfg_1x():
    """MMTracking 1.x's config layout (configs/vis/mask2former/*_youtubevis2019.py)."""
    cfg = _cfg()
    layer = cfg["encoder"]["layer_cfg"]
    cfg["encoder"] = dict(
        type="mmdet.DetrTransformerEncoder",
        num_layers=6,
        transformerlayers=dict(
            type="BaseTransformerLayer",
            attn_cfgs=dict(type="MultiScaleDeformableAttention", **{
                **layer["self_attn_cfg"], "im2col_step": 128, "batch_first": False}),
            ffn_cfgs=dict(type="FFN", **layer["ffn_cfg"]),
            operation_order=("self_attn", "norm", "ffn", "norm"),
        ),
        init_cfg=None,
    )
    cfg["positional_encoding"] = dict(type="mmdet.SinePositionalEncoding", num_feats=128,
                                      normalize=True)
    return cfg


@pytest.mark.parametrize("cfg", [_cfg, _cfg_1x], ids=["mmdet3", "mmtrack1x"])
def test_state_dict_names_and_1x_checkpoint_loads_strictly(cfg, tmp_path):
    decoder = MODELS.build(cfg())
    rows = _expected()
    got = {k: tuple(v.shape) for k, v in decoder.state_dict().items()}
    assert got == {new: shape for new, _, shape in rows}
    ckpt = tmp_path / "pd.pth"
    # MMTracking 1.x names (attentions.0 / ffns.0) through the revise keys, all ones
    torch.save({"state_dict": {old: torch.ones(shape) for _, old, shape in rows}}, ckpt)
    load_checkpoint(decoder, str(ckpt), strict=True, revise_keys=MASK2FORMER_1X_REVISE_KEYS)
    assert all(bool((v == 1).all()) for v in decoder.state_dict().values())
    # without them the 1.x names are one clear mismatch
    with pytest.raises(CheckpointMismatchError, match="encoder.layers.0.attentions.0"):
        load_checkpoint(decoder, str(ckpt), strict=True)


def test_tiny_forward_shapes_order_and_levels():
    torch.manual_seed(0)
    decoder = MODELS.build(_cfg(c=16, heads=2, ffn=32, layers=2, groups=4,
                                in_channels=(8, 16, 24, 32)))
    decoder.init_weights()
    decoder.eval()
    feats = [torch.randn(2, ch, 64 // s, 96 // s) for ch, s in zip((8, 16, 24, 32), (4, 8, 16, 32))]
    with torch.no_grad():
        mask_feature, multi_scale = decoder(feats)
        assert mask_feature.shape == (2, 16, 16, 24)
        # lowest resolution first: 1/32, 1/16, 1/8
        shapes = [tuple(f.shape) for f in multi_scale]
        assert shapes == [(2, 16, 2, 3), (2, 16, 4, 6), (2, 16, 8, 12)]
        # the 1/4 input only reaches mask_feature (through the FPN level); the three
        # encoder levels come from the 1/8-1/32 inputs
        feats2 = [feats[0] + 1.0] + feats[1:]
        mask_feature2, multi_scale2 = decoder(feats2)
        for a, b in zip(multi_scale, multi_scale2):
            torch.testing.assert_close(a, b)
        assert not torch.allclose(mask_feature, mask_feature2)
        # deformable attention mixes levels: changing the 1/32 input changes the 1/8 output
        feats3 = feats[:3] + [feats[3] + 1.0]
        assert not torch.allclose(decoder(feats3)[1][2], multi_scale[2])
    with pytest.raises(ValueError, match="expected 4 feature maps, got 3"):
        decoder(feats[1:])


def test_encoder_reference_points_are_pixel_centres():
    """Zero sampling offsets on one level: each token reads exactly its own pixel.

    Any shift of the reference grid would mix neighbours through the bilinear
    sampling; without norms across pixels (no GN) the encoder is then per-pixel.
    """
    torch.manual_seed(0)
    cfg = _cfg(c=8, heads=2, ffn=16, layers=2, in_channels=(4, 4, 4, 4))
    cfg["norm_cfg"] = None
    cfg["num_outs"] = 1
    cfg["encoder"]["layer_cfg"]["self_attn_cfg"]["num_levels"] = 1
    decoder = MODELS.build(cfg)
    decoder.init_weights()
    with torch.no_grad():
        for layer in decoder.encoder.layers:
            layer.self_attn.sampling_offsets.bias.zero_()
    decoder.eval()
    feats = [torch.randn(1, 4, 64 // s, 96 // s) for s in (4, 8, 16, 32)]
    feats2 = [f.clone() for f in feats]
    feats2[3][0, :, 1, 1] += 3.0  # one inner pixel of the 1/32 map (2 x 3)
    with torch.no_grad():
        (out,), (out2,) = decoder(feats)[1], decoder(feats2)[1]
    changed = (out - out2).abs().amax(1)[0] > 1e-6
    assert changed.tolist() == [[False, False, False], [False, True, False]]
