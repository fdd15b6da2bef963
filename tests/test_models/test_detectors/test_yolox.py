"""YOLOX detector: the forward contract on a batch of different image sizes."""

import os.path as osp

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmengine.structures import InstanceData

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample
from mmtrack.utils import register_all_modules

register_all_modules()
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def _model(batch_augments=None):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type="YOLOX",
            data_preprocessor=dict(
                type="DetDataPreprocessor", pad_size_divisor=32, batch_augments=batch_augments
            ),
            backbone=dict(type="CSPDarknet", deepen_factor=0.33, widen_factor=0.125),
            neck=dict(
                type="YOLOXPAFPN", in_channels=[32, 64, 128], out_channels=32, num_csp_blocks=1
            ),
            bbox_head=dict(type="YOLOXHead", num_classes=2, in_channels=32, feat_channels=32),
            train_cfg=dict(assigner=dict(type="SimOTAAssigner", center_radius=2.5)),
            test_cfg=dict(score_thr=0.0, nms=dict(type="nms", iou_threshold=0.65)),
        )
    )
    model.init_weights()
    return model


def _data(scale=1.0):
    """Two images of different sizes as PackDetInputs gives them; the second has no gt."""
    torch.manual_seed(1)
    inputs = [
        torch.randint(0, 255, (3, 60, 90), dtype=torch.uint8),
        torch.randint(0, 255, (3, 50, 70), dtype=torch.uint8),
    ]
    samples = []
    for (h, w), boxes in (((60, 90), [[10.0, 10.0, 40.0, 50.0]]), ((50, 70), [])):
        s = DetDataSample(
            metainfo=dict(
                img_shape=(h, w),
                ori_shape=(round(h / scale), round(w / scale)),
                scale_factor=(scale, scale),
            )
        )
        s.gt_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
            labels=torch.zeros(len(boxes), dtype=torch.long),
        )
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_loss_with_padding_and_an_empty_image():
    model = _model()
    data = model.data_preprocessor(_data(), training=True)
    assert tuple(data["inputs"].shape) == (2, 3, 64, 96)  # padded to multiples of 32
    losses = model(**data, mode="loss")
    assert set(losses) == {"loss_cls", "loss_bbox", "loss_obj"}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())


def test_train_step_updates_weights():
    model = _model()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    before = model.bbox_head.multi_level_conv_obj[0].weight.clone()
    log_vars = model.train_step(_data(), optim)
    assert set(log_vars) >= {"loss", "loss_cls", "loss_bbox", "loss_obj"}
    assert not torch.equal(before, model.bbox_head.multi_level_conv_obj[0].weight)


def test_predict_rescales_to_the_original_image():
    model = _model()
    model.eval()
    with torch.no_grad():
        (a, b) = model.test_step(_data(scale=1.0))
        (a2, b2) = model.test_step(_data(scale=2.0))
    for sample in (a, b):
        pred = sample.pred_instances
        assert pred.bboxes.shape[1] == 4 and len(pred.scores) == len(pred.labels)
        assert torch.all(pred.scores[:-1] >= pred.scores[1:])  # sorted by NMS
    assert len(a.pred_instances) > 0
    # same network input: boxes divided by the scale factor
    assert torch.allclose(a2.pred_instances.bboxes * 2, a.pred_instances.bboxes, atol=1e-4)
    assert torch.equal(a2.pred_instances.labels, a.pred_instances.labels)


def test_tensor_mode_and_bad_mode():
    model = _model()
    data = model.data_preprocessor(_data())
    cls, reg, obj = model(**data, mode="tensor")
    assert [tuple(c.shape) for c in cls] == [(2, 2, 8, 12), (2, 2, 4, 6), (2, 2, 2, 3)]
    assert [tuple(r.shape[1:2]) for r in reg] == [(4,)] * 3
    assert [tuple(o.shape[1:2]) for o in obj] == [(1,)] * 3
    with pytest.raises(ValueError, match="mode"):
        model(**data, mode="features")


def test_batch_sync_random_resize_in_the_preprocessor():
    hub = MessageHub.get_instance("test_yolox_detector")
    hub.update_info("iter", 0)  # (0 + 1) % 1 == 0: a new size is drawn for the next batch
    model = _model(
        batch_augments=[
            dict(type="BatchSyncRandomResize", random_size_range=(128, 128), interval=1)
        ]
    )
    first = model.data_preprocessor(_data(), training=True)
    assert tuple(first["inputs"].shape[-2:]) == (64, 96)
    second = model.data_preprocessor(_data(), training=True)
    # height 128, width 32 * int(96 / 64 * 4) = 192: boxes scaled by 2
    assert tuple(second["inputs"].shape[-2:]) == (128, 192)
    assert second["data_samples"][0].gt_instances.bboxes.tolist() == [[20.0, 20.0, 80.0, 100.0]]
    assert all(torch.isfinite(v) for v in model(**second, mode="loss").values())
    # no resize at test time
    assert tuple(model.data_preprocessor(_data())["inputs"].shape[-2:]) == (64, 96)


@pytest.mark.parametrize(
    "name, depthwise, width",
    [("yolox_tiny_synthetic", False, 96), ("yolox_nano_synthetic", True, 64)],
)
def test_synthetic_configs_build_and_train(name, depthwise, width):
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(REPO, "configs", "det", f"{name}.py"))
    model = MODELS.build(cfg.model)
    assert model.bbox_head.num_classes == 1 and model.bbox_head.in_channels == width
    assert model.backbone.use_depthwise == depthwise
    data = _data()
    for s in data["data_samples"]:
        s.gt_instances.labels.zero_()
    losses = model(**model.data_preprocessor(data, training=True), mode="loss")
    assert all(torch.isfinite(v) for v in losses.values())
