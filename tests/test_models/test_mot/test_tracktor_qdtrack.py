"""Tracktor and QDTrack on a small random Faster R-CNN (shapes, wiring, regression maths)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.structures.bbox import bbox2roi
from mmtrack.utils import register_all_modules
from tests.helpers.mot import tiny_faster_rcnn

register_all_modules()

PRE = dict(
    type="TrackDataPreprocessor",
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_size_divisor=32,
)


def _frame(fid, gt=None, **fields):
    s = DetDataSample(
        metainfo=dict(
            frame_id=fid,
            ori_shape=(128, 192),
            img_shape=(64, 96),
            scale_factor=(0.5, 0.5),
            video_length=3,
            img_path=f"root/SEQ/img1/{fid + 1:06d}.jpg",
        )
    )
    if gt is not None:
        boxes, ids = gt
        s.gt_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32),
            labels=torch.zeros(len(boxes), dtype=torch.long),
            instances_id=torch.tensor(ids),
        )
    for k, v in fields.items():
        setattr(s, k, v)
    return s


def _clip(frames, keys=(0,), refs=()):
    c = TrackDataSample()
    c.video_data_samples = frames
    c.set_metainfo(dict(key_frames_inds=list(keys), ref_frames_inds=list(refs)))
    return c


def _img(seed=0):
    return torch.from_numpy(
        np.random.default_rng(seed).integers(0, 256, (3, 64, 96), dtype=np.uint8)
    )


@pytest.fixture(scope="module")
def tracktor():
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type="Tracktor",
            data_preprocessor=PRE,
            detector=tiny_faster_rcnn(),
            motion=[
                dict(
                    type="CameraMotionCompensation", warp_mode="cv2.MOTION_EUCLIDEAN", num_iters=5
                ),
                dict(type="LinearMotion", num_samples=2),
            ],
            tracker=dict(
                type="TracktorTracker",
                obj_score_thr=0.0,
                regression=dict(obj_score_thr=0.0),
                reid=None,
            ),
        )
    )
    return model.eval()


def test_tracktor_regression_is_the_roi_head_for_the_track_class(tracktor):
    data = tracktor.data_preprocessor(
        dict(inputs=[_img()[None]], data_samples=[_clip([_frame(0)])]), False
    )
    img, frame = data["inputs"][:, 0], data["data_samples"][0][0]
    with torch.no_grad():
        x = tracktor.detector.extract_feat(img)
        boxes = np.array([[20.0, 30, 60, 90], [100, 10, 140, 70]])  # original pixels
        got_boxes, got_scores = tracktor._regress_fn(x, frame)(boxes, np.zeros(2, np.int64))
        roi_head = tracktor.detector.roi_head
        rois = bbox2roi([torch.tensor(boxes, dtype=torch.float32) * 0.5])
        out = roi_head._bbox_forward(x, rois)
        scores = F.softmax(out["cls_score"], dim=-1)[:, 0]
        dec = roi_head.bbox_head.bbox_coder.decode(
            rois[:, 1:], out["bbox_pred"], max_shape=(64, 96)
        )
        expect = dec.view(2, -1, 4)[:, 0] / 0.5
    np.testing.assert_allclose(got_boxes, expect.numpy(), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(got_scores, scores.numpy(), rtol=1e-5)


def test_tracktor_predict_and_public_proposals(tracktor):
    assert tracktor.with_cmc and tracktor.with_linear_motion and not tracktor.with_reid
    for fid in range(3):
        data = tracktor.data_preprocessor(
            dict(inputs=[_img()[None]], data_samples=[_clip([_frame(fid)])]), False
        )
        with torch.no_grad():
            out = tracktor(**data, mode="predict")
        p = out[0][0].pred_track_instances
        assert len(out[0][0].pred_det_instances) > 0
        assert set(p.keys()) >= {"bboxes", "scores", "labels", "instances_id"}
        assert len(set(p.instances_id.tolist())) == len(p)
    # same image again: every track of frame 1 is regressed into frame 2 (ids carried)
    assert len(p) > 0 and int(p.instances_id.min()) == 0
    public = InstanceData(bboxes=torch.tensor([[20.0, 30, 60, 90]]), scores=torch.tensor([1.0]))
    data = tracktor.data_preprocessor(
        dict(inputs=[_img()[None]], data_samples=[_clip([_frame(0, public_instances=public)])]),
        False,
    )
    with torch.no_grad():
        out = tracktor(**data, mode="predict")
    assert len(out[0][0].pred_det_instances) == 1  # one proposal -> one refined detection
    with pytest.raises(TypeError, match="motion must be"):
        MODELS.build(dict(type="Tracktor", motion=dict(type="KalmanFilter")))
    with pytest.raises(ValueError, match="two-stage"):
        MODELS.build(
            dict(type="Tracktor", tracker=dict(type="TracktorTracker", reid=None))
        ).predict(data["inputs"], data["data_samples"])


def test_tracktor_pretrains_become_init_cfg():
    model = MODELS.build(
        dict(type="Tracktor", detector=tiny_faster_rcnn(), pretrains=dict(detector="det.pth"))
    )
    assert model.detector.init_cfg == dict(type="Pretrained", checkpoint="det.pth")


@pytest.fixture(scope="module")
def qdtrack():
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type="QDTrack",
            data_preprocessor=PRE,
            detector=tiny_faster_rcnn(),
            track_head=dict(
                type="QuasiDenseTrackHead",
                roi_extractor=dict(
                    type="SingleRoIExtractor",
                    roi_layer=dict(type="RoIAlign", output_size=7, sampling_ratio=0),
                    out_channels=32,
                    featmap_strides=[4, 8, 16, 32],
                ),
                embed_head=dict(
                    type="QuasiDenseEmbedHead",
                    num_convs=1,
                    num_fcs=1,
                    in_channels=32,
                    conv_out_channels=32,
                    fc_out_channels=32,
                    embed_channels=16,
                    norm_cfg=dict(type="GN", num_groups=8),
                ),
                train_cfg=dict(
                    assigner=dict(
                        type="MaxIoUAssigner", pos_iou_thr=0.7, neg_iou_thr=0.5, min_pos_iou=0.5
                    ),
                    sampler=dict(
                        type="CombinedSampler",
                        num=32,
                        pos_fraction=0.5,
                        neg_pos_ub=3,
                        add_gt_as_proposals=True,
                        pos_sampler=dict(type="InstanceBalancedPosSampler"),
                        neg_sampler=dict(type="RandomSampler"),
                    ),
                ),
            ),
            tracker=dict(type="QuasiDenseTracker", init_score_thr=0.0, obj_score_thr=0.0),
        )
    )


def test_qdtrack_loss_on_key_reference_pair(qdtrack):
    qdtrack.train()
    key = _frame(0, gt=([[10, 10, 40, 50], [50, 5, 80, 60]], [1, 2]))
    ref = _frame(3, gt=([[52, 6, 82, 60]], [2]))
    imgs = torch.stack([_img(0), _img(1)])
    data = qdtrack.data_preprocessor(
        dict(inputs=[imgs], data_samples=[_clip([key, ref], (0,), (1,))]), True
    )
    losses = qdtrack(**data, mode="loss")
    expected = {
        "loss_rpn_cls",
        "loss_rpn_bbox",
        "loss_cls",
        "loss_bbox",
        "loss_track",
        "loss_track_aux",
    }
    assert expected <= set(losses)
    assert all(torch.isfinite(v).all() for k, v in losses.items() if k.startswith("loss"))
    # the RPN trained class-agnostic targets on a copy: the key frame's labels are untouched
    assert data["data_samples"][0][0].gt_instances.labels.tolist() == [0, 0]
    with pytest.raises(ValueError, match=r"\(N, 2, C, H, W\)"):
        qdtrack(data["inputs"][:, :1], data["data_samples"], mode="loss")


def test_qdtrack_predict_embeds_every_detection(qdtrack):
    qdtrack.eval()
    seen = {}
    update = qdtrack.tracker.update

    def spy(bboxes, scores, labels, frame_id, embeds=None, **kw):
        seen["n"], seen["embeds"] = len(bboxes), embeds.shape
        return update(bboxes, scores, labels, frame_id, embeds=embeds, **kw)

    qdtrack.tracker.update = spy
    data = qdtrack.data_preprocessor(
        dict(inputs=[_img()[None]], data_samples=[_clip([_frame(0)])]), False
    )
    with torch.no_grad():
        out = qdtrack(**data, mode="predict")
    n = len(out[0][0].pred_det_instances)
    assert n > 0 and seen["n"] == n and seen["embeds"] == (n, 16)
    assert len(out[0][0].pred_track_instances) > 0
    del qdtrack.tracker.update
