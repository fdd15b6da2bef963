"""Mask2Former model built from the tiny synthetic config: loss on T-frame clips,
one video decoded the same whether its frames come as one clip or as one item
per frame (EntireVideoBatchSampler), state-dict prefixes, bad inputs."""

import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules
from tests.helpers.tools import REPO_ROOT

CONFIG = osp.join(REPO_ROOT, "configs", "vis", "mask2former", "mask2former_r18-tiny_synthetic.py")
H, W = 64, 96


@pytest.fixture(scope="module")
def model():
    register_all_modules()
    torch.manual_seed(0)
    m = MODELS.build(Config.fromfile(CONFIG).model)
    m.init_weights()
    return m


def _frame(i, objects=()):
    masks = torch.zeros(len(objects), H, W, dtype=torch.bool)
    for k, (_, _, (x1, y1, x2, y2)) in enumerate(objects):
        masks[k, y1:y2, x1:x2] = True
    gt = InstanceData(
        labels=torch.tensor([o[1] for o in objects], dtype=torch.long),
        instances_id=torch.tensor([o[0] for o in objects], dtype=torch.long),
        masks=masks,
    )
    return DetDataSample(
        gt_instances=gt,
        metainfo=dict(
            video_id=1, frame_id=i, img_shape=(H, W), ori_shape=(H, W), batch_input_shape=(H, W)
        ),
    )


def test_loss_on_two_frame_clips(model):
    model.train()
    clips = [
        TrackDataSample(
            video_data_samples=[
                _frame(0, [(3, 1, (10, 10, 40, 50))]),
                _frame(1, [(3, 1, (12, 10, 42, 50)), (4, 0, (60, 5, 90, 30))]),
            ]
        )
        for _ in range(2)
    ]
    losses = model.loss(torch.randn(2, 2, 3, H, W), clips)
    assert {"loss_cls", "loss_mask", "loss_dice", "d0.loss_cls", "d2.loss_dice"} <= set(losses)
    total = sum(losses.values())
    assert torch.isfinite(total)
    total.backward()
    assert model.backbone.conv1.weight.grad.abs().sum() > 0
    # clips of T = 3 frames (num_ref_imgs=2) go through the same head
    three = TrackDataSample(
        video_data_samples=[_frame(0, [(3, 1, (10, 10, 40, 50))]), _frame(1), _frame(2)]
    )
    assert torch.isfinite(sum(model.loss(torch.randn(1, 3, 3, H, W), [three]).values()))
    with pytest.raises(ValueError, match="clip 0 has 2 frames"):
        model.loss(torch.randn(2, 3, 3, H, W), clips)


def test_whole_video_equals_one_item_per_frame(model):
    model.eval()
    torch.manual_seed(1)
    imgs = torch.randn(3, 3, H, W)
    with torch.no_grad():
        clip = model.predict(
            imgs[None], [TrackDataSample(video_data_samples=[_frame(i) for i in range(3)])]
        )[0]
        items = model.predict(
            imgs[:, None], [TrackDataSample(video_data_samples=[_frame(i)]) for i in range(3)]
        )
    for t in range(3):
        a, b = clip[t].pred_track_instances, items[t][0].pred_track_instances
        assert len(a) == 10
        assert torch.equal(a.instances_id, b.instances_id) and torch.equal(a.masks, b.masks)
        assert torch.allclose(a.scores, b.scores)
        assert a.masks.shape == (10, H, W) and a.bboxes.shape == (10, 4)
    mixed = [
        TrackDataSample(video_data_samples=[_frame(0)]),
        TrackDataSample(video_data_samples=[_frame(1)]),
    ]
    mixed[1][0].set_metainfo(dict(video_id=2))
    with pytest.raises(ValueError, match="one video"):
        model.predict(imgs[:2, None], mixed)


def test_state_dict_prefixes(model):
    keys = list(model.state_dict())
    assert {k.split(".")[0] for k in keys} == {"backbone", "track_head"}
    for k in (
        "track_head.transformer_decoder.layers.2.cross_attn.attn.in_proj_weight",
        "track_head.transformer_decoder.layers.0.self_attn.attn.out_proj.weight",
        "track_head.transformer_decoder.layers.1.ffn.layers.0.0.weight",
        "track_head.transformer_decoder.layers.1.norms.2.bias",
        "track_head.transformer_decoder.post_norm.weight",
        "track_head.query_embed.weight",
        "track_head.query_feat.weight",
        "track_head.level_embed.weight",
        "track_head.cls_embed.weight",
        "track_head.mask_embed.4.weight",
        "track_head.pixel_decoder.mask_feature.weight",
    ):
        assert k in keys, k
    assert model.state_dict()["track_head.cls_embed.weight"].shape == (3 + 1, 32)
