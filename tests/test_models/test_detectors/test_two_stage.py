"""Faster/Mask R-CNN end to end on tiny inputs: loss keys, empty GT, rescaling."""

import logging

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.structures import InstanceData

from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from tests.helpers.det import det_sample, tiny_faster_rcnn_cfg

register_all_modules()
MMLogger.get_current_instance().setLevel(logging.WARNING)


def _batch(model, samples, shapes, training, seed=0):
    g = torch.Generator().manual_seed(seed)
    imgs = [torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8) for h, w in shapes]
    return model.data_preprocessor(dict(inputs=imgs, data_samples=samples), training)


def test_faster_rcnn_loss_with_mixed_sizes_and_empty_gt():
    torch.manual_seed(0)
    model = MODELS.build(tiny_faster_rcnn_cfg())
    model.init_weights()
    model.train()
    samples = [
        det_sample((100, 150), [[10, 20, 60, 90], [70, 10, 140, 50]], [0, 2]),
        det_sample((70, 90)),  # no gt at all
    ]
    data = _batch(model, samples, [(100, 150), (70, 90)], training=True)
    assert data["inputs"].shape == (2, 3, 128, 160)
    assert data["data_samples"][1].pad_shape == (96, 96)
    losses = model(data["inputs"], data["data_samples"], mode="loss")
    assert set(losses) == {"loss_rpn_cls", "loss_rpn_bbox", "loss_cls", "acc", "loss_bbox"}
    total = sum(v for k, v in losses.items() if "loss" in k)
    assert torch.isfinite(total)
    total.backward()
    assert model.rpn_head.rpn_cls.weight.grad is not None
    assert model.roi_head.bbox_head.fc_reg.weight.grad.abs().sum() > 0

    # a batch whose every image has no gt
    empty = [det_sample((64, 64)), det_sample((64, 96))]
    data = _batch(model, empty, [(64, 64), (64, 96)], training=True)
    losses = model(data["inputs"], data["data_samples"], mode="loss")
    assert losses["loss_rpn_bbox"].item() == 0.0 and losses["loss_bbox"].item() == 0.0
    assert losses["loss_cls"].item() > 0 and torch.isfinite(losses["loss_rpn_cls"])


def test_roi_head_without_proposals_train_and_test():
    model = MODELS.build(tiny_faster_rcnn_cfg())
    model.train()
    x = model.extract_feat(torch.randn(1, 3, 64, 64))
    no_props = [InstanceData(bboxes=torch.zeros(0, 4))]
    # gt boxes are added as proposals -> positives exist
    sample = det_sample((64, 64), [[8, 8, 40, 40]], [1])
    losses = model.roi_head.loss(x, no_props, [sample])
    assert losses["loss_bbox"].requires_grad and losses["acc"].item() in (0.0, 100.0)
    # no proposal and no gt: zero losses with the usual keys
    losses = model.roi_head.loss(x, no_props, [det_sample((64, 64))])
    assert set(losses) == {"loss_cls", "acc", "loss_bbox"}
    assert losses["loss_cls"].item() == 0.0
    # test time: empty proposals give empty detections
    model.eval()
    (res,) = model.roi_head.predict(x, no_props, [det_sample((64, 64))])
    assert res.bboxes.shape == (0, 4) and res.scores.shape == (0,) and res.labels.shape == (0,)
    # proposals given in the data samples are used instead of the RPN
    s = det_sample((64, 64))
    s.proposals = InstanceData(bboxes=torch.tensor([[4.0, 4.0, 40.0, 40.0]]))
    with torch.no_grad():
        (out,) = model.predict(torch.randn(1, 3, 64, 64), [s])
    assert out.pred_instances.bboxes.shape[1] == 4 and len(out.pred_instances) <= 3


def test_predict_rescales_to_original_image():
    torch.manual_seed(0)
    model = MODELS.build(tiny_faster_rcnn_cfg())
    model.init_weights()
    model.eval()
    with torch.no_grad():
        model.roi_head.bbox_head.fc_cls.bias.copy_(torch.tensor([2.0, 0.0, 0.0, 0.0]))
    results = []
    for sf in ((1.0, 1.0), (2.0, 4.0)):
        data = _batch(model, [det_sample((96, 128), scale_factor=sf)], [(96, 128)], False)
        with torch.no_grad():
            (out,) = model(data["inputs"], data["data_samples"], mode="predict")
        results.append(out.pred_instances)
    a, b = results
    assert len(a) > 0 and torch.equal(a.labels, b.labels)
    assert torch.allclose(b.bboxes, a.bboxes / torch.tensor([2.0, 4.0, 2.0, 4.0]), atol=1e-4)
    assert (a.bboxes[:, 2] <= 128).all() and (a.bboxes[:, 3] <= 96).all()
    with torch.no_grad():
        (cls_score, bbox_pred) = model(data["inputs"], data["data_samples"], mode="tensor")[0]
    assert cls_score.shape[1] == 4 and bbox_pred.shape[1] == 12
    with pytest.raises(ValueError, match="mode"):
        model(data["inputs"], data["data_samples"], mode="bad")


def test_mask_rcnn_loss_and_predict_masks():
    torch.manual_seed(0)
    model = MODELS.build(tiny_faster_rcnn_cfg(with_mask=True))
    model.init_weights()
    model.train()
    masks = torch.zeros(2, 80, 100, dtype=torch.bool)
    masks[0, 10:50, 10:40] = True
    masks[1, 30:70, 50:90] = True
    samples = [
        det_sample((80, 100), [[10, 10, 40, 50], [50, 30, 90, 70]], [0, 1], masks=masks),
        det_sample((60, 70), masks=torch.zeros(0, 60, 70, dtype=torch.bool)),
    ]
    data = _batch(model, samples, [(80, 100), (60, 70)], training=True)
    assert data["data_samples"][0].gt_instances.masks.shape == (2, 96, 128)  # padded
    losses = model(data["inputs"], data["data_samples"], mode="loss")
    assert {"loss_mask", "loss_cls", "loss_rpn_cls"} <= set(losses)
    assert losses["loss_mask"].item() > 0
    sum(v for k, v in losses.items() if "loss" in k).backward()
    assert model.roi_head.mask_head.conv_logits.weight.grad is not None

    model.eval()
    with torch.no_grad():
        model.roi_head.bbox_head.fc_cls.bias.copy_(torch.tensor([2.0, 0.0, 0.0, 0.0]))
    data = _batch(model, [det_sample((80, 100), scale_factor=(2.0, 2.0))], [(80, 100)], False)
    with torch.no_grad():
        (out,) = model(data["inputs"], data["data_samples"], mode="predict")
    pred = out.pred_instances
    assert len(pred) > 0 and pred.masks.shape == (len(pred), 40, 50)
    assert pred.masks.dtype == torch.bool


def test_whole_detector_checkpoint_makes_backbone_pretrained_moot(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no cached torchvision weights
    src = MODELS.build(tiny_faster_rcnn_cfg())
    path = tmp_path / "det.pth"
    torch.save({"state_dict": src.state_dict()}, path)
    cfg = tiny_faster_rcnn_cfg()
    cfg["backbone"]["init_cfg"] = dict(type="Pretrained", checkpoint="torchvision://resnet18")
    cfg["init_cfg"] = dict(type="Pretrained", checkpoint=str(path))
    model = MODELS.build(cfg)
    model.init_weights()  # the backbone's remote weights are not needed
    for k, v in src.state_dict().items():
        assert torch.equal(model.state_dict()[k], v), k
    # without the whole-detector file the backbone's reference must resolve
    cfg.pop("init_cfg")
    with pytest.raises(FileNotFoundError, match="torchvision://resnet18"):
        MODELS.build(cfg).init_weights()
