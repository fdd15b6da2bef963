"""FCNMaskHead: mask targets, paste-back and loss on hand-made masks."""

import math

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from mmtrack.models.roi_heads import mask_target, paste_masks_in_image
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules

register_all_modules()


def test_mask_target_crops_and_resizes():
    gt = torch.zeros(2, 8, 8, dtype=torch.bool)
    gt[0, :, :4] = True  # left half of the image
    gt[1, 2:6, 2:6] = True  # a 4x4 square
    proposals = torch.tensor([[0.0, 0.0, 8.0, 8.0], [2.0, 2.0, 6.0, 6.0], [-4, -4, 12, 12]])
    targets = mask_target([proposals], [torch.tensor([0, 1, 1])], [gt], 4)
    assert targets.shape == (3, 4, 4)
    assert targets[0].tolist() == [[1, 1, 0, 0]] * 4  # left half
    assert targets[1].tolist() == [[1.0] * 4] * 4  # proposal == square
    # proposal clipped to the image, so the square covers the middle half
    assert targets[2].tolist() == [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
    assert mask_target([torch.zeros(0, 4)], [torch.zeros(0, dtype=torch.long)], [gt], 4).shape == (
        0,
        4,
        4,
    )


def test_paste_mask_covers_box_pixels():
    masks = torch.ones(1, 1, 2, 2)
    boxes = torch.tensor([[2.0, 2.0, 6.0, 6.0]])
    for skip in (True, False):
        pasted, region = paste_masks_in_image(masks, boxes, 10, 10, skip_empty=skip)
        full = torch.zeros(1, 10, 10)
        full[(slice(None),) + region] = pasted
        # pixel centres 2.5 .. 5.5 sample the mask at 0.75..1 -> >= 0.5; 1.5 and 6.5 at 0.25
        binary = full >= 0.5
        expect = torch.zeros(1, 10, 10, dtype=torch.bool)
        expect[:, 2:6, 2:6] = True
        assert torch.equal(binary, expect)
        assert full[0, 1, 3].item() == pytest.approx(0.25)


def test_fcn_mask_head_keys_loss_and_predict():
    head = MODELS.build(dict(type="FCNMaskHead", num_convs=4, in_channels=256, num_classes=80))
    shapes = {k: tuple(v.shape) for k, v in head.state_dict().items()}
    assert shapes["convs.0.conv.weight"] == (256, 256, 3, 3)
    assert shapes["upsample.weight"] == (256, 256, 2, 2)
    assert shapes["conv_logits.weight"] == (80, 256, 1, 1)
    assert len(shapes) == 4 * 2 + 2 + 2

    head = MODELS.build(
        dict(
            type="FCNMaskHead",
            num_convs=1,
            in_channels=2,
            conv_out_channels=2,
            num_classes=2,
            roi_feat_size=2,
        )
    )
    out = head(torch.randn(3, 2, 2, 2))
    assert out.shape == (3, 2, 4, 4)
    # loss: per-class BCE of each RoI's own class channel
    preds = torch.zeros(1, 2, 4, 4)
    preds[0, 1] = 2.0

    class _Res:
        pos_priors = torch.tensor([[0.0, 0.0, 8.0, 8.0]])
        pos_assigned_gt_inds = torch.tensor([0])
        pos_gt_labels = torch.tensor([1])

    gt = torch.zeros(1, 8, 8, dtype=torch.bool)
    gt[0, :, :4] = True
    out = head.loss_and_target(preds, [_Res()], [InstanceData(masks=gt)], ConfigDict(mask_size=4))
    s = 1 / (1 + math.exp(-2.0))
    expect = (8 * -math.log(s) + 8 * -math.log(1 - s)) / 16
    assert out["loss_mask"]["loss_mask"].item() == pytest.approx(expect, rel=1e-5)

    # predict: a box in resized-input pixels pasted at ori_shape (rescale) or input size
    logits = torch.full((1, 2, 4, 4), -10.0)
    logits[0, 0] = 10.0  # class 0 mask is all foreground
    res = InstanceData(
        bboxes=torch.tensor([[2.0, 2.0, 6.0, 6.0]]),
        labels=torch.tensor([0]),
        scores=torch.tensor([0.9]),
    )
    meta = dict(ori_shape=(10, 10), scale_factor=(2.0, 2.0), img_shape=(20, 20))
    (out,) = head.predict_by_feat(
        [logits], [res], [meta], ConfigDict(mask_thr_binary=0.5), rescale=True
    )
    assert out.masks.shape == (1, 10, 10) and out.masks.dtype == torch.bool
    assert out.masks[0, 2:6, 2:6].all() and out.masks.sum() == 16
    res2 = InstanceData(bboxes=torch.tensor([[4.0, 4.0, 12.0, 12.0]]), labels=torch.tensor([0]))
    (out,) = head.predict_by_feat([logits], [res2], [meta], ConfigDict(mask_thr_binary=0.5))
    assert out.masks.shape == (1, 20, 20) and out.masks.sum() == 64
    empty = InstanceData(bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long))
    (out,) = head.predict_by_feat([logits[:0]], [empty], [meta], ConfigDict(mask_thr_binary=0.5))
    assert out.masks.shape == (0, 10, 10)
