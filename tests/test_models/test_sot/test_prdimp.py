"""PrDiMP model: a tiny network trains one step, initialises, tracks and updates."""

import copy

import pytest
import torch
from mmengine.structures import InstanceData

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample

TINY = dict(
    type="PrDiMP",
    backbone=dict(
        type="ResNet", depth=18, base_channels=8, num_stages=3, strides=(1, 2, 2),
        dilations=(1, 1, 1), out_indices=(1, 2), norm_eval=False,
    ),
    cls_head=dict(
        type="PrDiMPClsHead", in_dim=32, out_dim=16,
        filter_initializer=dict(
            type="FilterInitializer", filter_size=4, feature_dim=16, feature_stride=16
        ),
        filter_optimizer=dict(
            type="PrDiMPFilterOptimizer", num_iters=3, feat_stride=16, init_step_length=1.0,
            init_filter_regular=0.05, gauss_sigma=0.9, alpha_eps=0.05, min_filter_regular=0.05,
        ),
        loss_cls=dict(type="KLGridLoss"),
        locate_cfg=dict(
            no_target_min_score=0.04, distractor_thres=0.8, hard_neg_thres=0.5,
            target_neighborhood_scale=2.2, dispalcement_scale=0.8,
        ),
        update_cfg=dict(
            sample_memory_size=20, normal_lr=0.01, hard_neg_lr=0.02,
            init_samples_min_weight=0.25, train_skipping=2,
        ),
        optimizer_cfg=dict(init_update_iters=3, update_iters=2, hard_neg_iters=1),
        train_cfg=dict(
            feat_size=(8, 8), img_size=(128, 128), sigma_factor=0.05, end_pad_if_even=True,
            gauss_label_bias=0.0, use_gauss_density=True, label_density_norm=True,
            label_density_threshold=0.0, label_density_shrink=0,
            loss_weights=dict(cls_init=0.25, cls_iter=1.0, cls_final=0.25),
        ),
    ),
    bbox_head=dict(
        type="IouNetHead", in_dim=(16, 32), pred_in_dim=(16, 16), pred_inter_dim=(16, 16),
        loss_bbox=dict(type="KLMCLoss"),
        bbox_cfg=dict(
            num_init_random_boxes=3, box_jitter_pos=0.1, box_jitter_sz=0.5, iounet_topk=3,
            box_refine_step_length=2.5e-3, box_refine_iter=2, max_aspect_ratio=6,
            box_refine_step_decay=1,
        ),
        train_cfg=dict(
            proposals_sigma=[(0.05, 0.05), (0.5, 0.5)], gt_bboxes_sigma=(0.05, 0.05),
            num_samples=8, add_first_bbox=False, loss_weights=dict(bbox=0.0025),
        ),
    ),
    test_cfg=dict(
        img_sample_size=128, feature_stride=16, search_scale_factor=4,
        patch_max_scale_change=1.5, border_mode="inside_major", bbox_inside_ratio=0.2,
        init_aug_cfg=dict(
            augmentation=dict(
                fliplr=True, rotate=[10], blur=[(2, 1)], relativeshift=[(0.6, 0.6)],
                dropout=[0.2, 0.2],
            ),
            aug_expansion_factor=2, random_shift_factor=1 / 3,
        ),
    ),
)  # fmt: skip


def _model():
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(TINY))
    model.init_weights()
    return model


def test_loss_step_gives_all_losses_and_gradients():
    model = _model().train()
    n, t_z, t_x = 2, 2, 1
    inputs = dict(img=torch.randn(n, t_z, 3, 128, 128), search_img=torch.randn(n, t_x, 3, 128, 128))
    samples = []
    for _ in range(n):
        frames = []
        for _ in range(t_z + t_x):
            f = DetDataSample()
            f.gt_instances = InstanceData(bboxes=torch.tensor([[44.0, 40.0, 84.0, 90.0]]))
            frames.append(f)
        s = TrackDataSample()
        s.video_data_samples = frames
        samples.append(s)
    losses = model(inputs, samples, mode="loss")
    assert set(losses) == {"loss_cls_init", "loss_cls_iter", "loss_cls_final", "loss_bbox"}
    total = sum(losses.values())
    assert torch.isfinite(total)
    total.backward()
    assert model.classifier.filter_optimizer.log_step_length.grad is not None
    assert model.bbox_regressor.iou_predictor.weight.grad is not None
    assert model.backbone.conv1.weight.grad is not None


def test_state_dict_prefixes_are_mmtracking_1x():
    prefixes = {k.split(".")[0] for k in _model().state_dict()}
    assert prefixes == {"backbone", "classifier", "bbox_regressor"}


def test_init_and_track_a_static_blob():
    model = _model().eval()
    img = torch.zeros(3, 120, 160)
    img[:, 40:70, 60:100] = 2.0
    box = torch.tensor([60.0, 40.0, 100.0, 70.0])
    model.init(img, box)
    # 1 original + 1 shift + flip + blur + rotate = 5 crops, + 2 dropout copies
    assert model.classifier.num_init_samples == 7
    for _ in range(3):
        out, score = model.track(img)
        assert out.shape == (4,) and torch.isfinite(out).all() and 0.0 <= score <= 1.0
        assert out[2] > out[0] and out[3] > out[1]
    assert model.frame_num == 4


@pytest.mark.parametrize(
    "box, match",
    [([10.0, 10.0, 5.0, 30.0], "negative size"), ([1.0, 2.0, float("nan"), 4.0], "finite"),
     ([500.0, 500.0, 600.0, 600.0], "outside")],
)  # fmt: skip
def test_bad_init_boxes(box, match):
    model = _model().eval()
    with pytest.raises(ValueError, match=match):
        model.init(torch.zeros(3, 60, 80), torch.tensor(box))


def _track_blob(model, frames=2):
    img = torch.zeros(3, 120, 160)
    img[:, 40:70, 60:100] = 2.0
    img[1, 50:60, 70:90] = -1.0  # some texture
    model.init(img, torch.tensor([60.0, 40.0, 100.0, 70.0]))
    filt = model.classifier.target_filter.clone()
    shifted = torch.roll(img, shifts=(3, 5), dims=(1, 2))
    return filt, torch.stack([model.track(shifted)[0] for _ in range(frames)])


def test_per_video_seed_makes_a_video_independent_of_the_global_generator():
    model = _model().eval()
    with torch.no_grad():
        torch.manual_seed(1)
        filt, boxes = _track_blob(model)
        torch.manual_seed(2)
        torch.rand(100)
        filt_again, boxes_again = _track_blob(model)  # a second video, other global state
        assert torch.equal(filt, filt_again) and torch.equal(boxes, boxes_again)
        model.test_cfg["seed"] = 1  # another seed: other shifts/dropout masks/random boxes
        filt_other, _ = _track_blob(model)
        assert not torch.equal(filt, filt_other)
        model.test_cfg["seed"] = None  # the global generator, as MMTracking 1.x
        torch.manual_seed(3)
        filt_a, boxes_a = _track_blob(model)
        torch.manual_seed(3)
        filt_b, boxes_b = _track_blob(model)
        torch.manual_seed(4)
        filt_c, _ = _track_blob(model)
        assert torch.equal(filt_a, filt_b) and torch.equal(boxes_a, boxes_b)
        assert not torch.equal(filt_a, filt_c)


def test_channel_dropout_with_a_generator_drops_whole_channels():
    from mmtrack.models.track_heads.prdimp_cls_head import _channel_dropout

    feats = torch.arange(1.0, 1 + 2 * 8 * 3 * 3).view(2, 8, 3, 3)
    out = _channel_dropout(feats, 0.5, torch.Generator().manual_seed(0))
    keep = torch.rand(2, 8, generator=torch.Generator().manual_seed(0)) >= 0.5
    expected = torch.where(keep[..., None, None], feats * 2.0, torch.zeros(()))
    assert torch.equal(out, expected)
    assert 0 < int(keep.sum()) < 16  # both kinds of channel occur with this seed
    with pytest.raises(ValueError, match=r"test_cfg.seed must be an int or None, got 'a'"):
        MODELS.build(dict(copy.deepcopy(TINY), test_cfg=dict(TINY["test_cfg"], seed="a")))
