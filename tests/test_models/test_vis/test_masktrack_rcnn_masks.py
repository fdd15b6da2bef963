"""MaskTrack R-CNN mask edge cases: no detection, masks outside the frame, empty videos."""

import json
import os.path as osp

import numpy as np
import pycocotools.mask as mask_utils
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmtrack.evaluation.metrics import YouTubeVISMetric
from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules
from tests.helpers.tools import REPO_ROOT

register_all_modules()
CONFIG = osp.join(
    REPO_ROOT, "configs", "vis", "masktrack_rcnn", "masktrack_rcnn_r18-tiny_fpn_synthetic.py"
)
H, W = 64, 96


def _model(score_thr):
    cfg = Config.fromfile(CONFIG)
    cfg.model.detector.test_cfg.rcnn.score_thr = score_thr
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.eval()


def _frame(fid, video_id=1, length=2):
    s = DetDataSample(
        metainfo=dict(frame_id=fid, video_id=video_id, video_length=length, ori_shape=(H, W),
                      img_shape=(H, W), scale_factor=(1.0, 1.0), instances=[])
    )
    clip = TrackDataSample()
    clip.video_data_samples = [s]
    return clip


def test_no_detection_gives_empty_masks_and_empty_submission(tmp_path):
    model = _model(score_thr=1.01)  # nothing passes
    metric = YouTubeVISMetric(format_only=True, outfile_prefix=str(tmp_path / "r"))
    for fid in range(2):
        out = model.predict(torch.zeros(1, 1, 3, H, W), [_frame(fid)])
        pred = out[0][0].pred_track_instances
        assert pred.masks.shape == (0, H, W) and len(pred.instances_id) == 0
        metric.process({}, out)
    assert metric.evaluate(size=2) == {}
    assert json.loads((tmp_path / "r.json").read_text()) == []


def test_mask_of_a_box_outside_the_frame_is_empty():
    model = _model(score_thr=0.0)
    x = model.detector.extract_feat(torch.zeros(1, 3, H, W))
    meta = dict(ori_shape=(H, W), img_shape=(H, W), scale_factor=(1.0, 1.0))
    dets = InstanceData(
        bboxes=torch.tensor([[200.0, 200.0, 260.0, 240.0], [10.0, 10.0, 30.0, 40.0]]),
        scores=torch.tensor([0.9, 0.8]),
        labels=torch.tensor([0, 1]),
    )
    res = model.detector.roi_head.predict_mask(x, [meta], [dets], rescale=True)[0]
    assert res.masks.shape == (2, H, W) and res.masks.dtype == torch.bool
    assert not res.masks[0].any()  # entirely outside the frame: no pixel
    rle = mask_utils.encode(np.asfortranarray(res.masks[0].numpy().astype(np.uint8)))
    assert mask_utils.area(rle) == 0


def test_metric_with_an_empty_mask_and_a_video_without_instances():
    metric = YouTubeVISMetric()
    gt_mask = np.zeros((H, W), np.uint8)
    gt_mask[5:20, 5:30] = 1
    gt_rle = mask_utils.encode(np.asfortranarray(gt_mask))
    # video 1: one gt instance; the prediction's second-frame mask is empty
    for fid in range(2):
        clip = _frame(fid, video_id=1)
        s = clip[0]
        s.set_metainfo(dict(instances=[dict(instance_id=0, bbox_label=0, mask=gt_rle)]))
        masks = torch.zeros(1, H, W, dtype=torch.bool)
        if fid == 0:
            masks[0, 5:20, 5:30] = True
        s.pred_track_instances = InstanceData(
            masks=masks, scores=torch.tensor([0.9]), labels=torch.tensor([0]),
            instances_id=torch.tensor([0]), bboxes=torch.zeros(1, 4))
        metric.process({}, [clip])
    # video 2: no gt instance and no prediction
    for fid in range(2):
        clip = _frame(fid, video_id=2)
        clip[0].pred_track_instances = InstanceData(
            masks=torch.zeros(0, H, W, dtype=torch.bool), scores=torch.zeros(0),
            labels=torch.zeros(0, dtype=torch.long), instances_id=torch.zeros(0, dtype=torch.long),
            bboxes=torch.zeros(0, 4))
        metric.process({}, [clip])
    metric.dataset_meta = dict(classes=("person",))
    res = metric.evaluate(size=4)
    # spatio-temporal IoU = (375 + 0) / (375 + 375) = 0.5: a match at IoU 0.5, none at 0.75
    assert res["youtube_vis/segm_mAP_50"] == 1.0
    assert res["youtube_vis/segm_mAP_75"] == 0.0
