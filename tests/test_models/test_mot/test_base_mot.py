"""BaseMOTModel helpers and the SORT-family meta-architectures with stub detectors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData
from torch import nn

from mmtrack.models.mot.base import resolve_warp_mode
from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules

register_all_modules()

IMAGENET = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])


def _frame(fid, ori=(40, 60), scale=1.0, video_length=5, **fields):
    h, w = round(ori[0] * scale), round(ori[1] * scale)
    s = DetDataSample(
        metainfo=dict(
            frame_id=fid,
            ori_shape=ori,
            img_shape=(h, w),
            scale_factor=(w / ori[1], h / ori[0]),
            video_length=video_length,
            img_path=f"root/SEQ/img1/{fid + 1:06d}.jpg",
        )
    )
    for k, v in fields.items():
        setattr(s, k, v)
    return s


def _batch(model, img, frame):
    clip = TrackDataSample()
    clip.video_data_samples = [frame]
    clip.set_metainfo(dict(key_frames_inds=[0], ref_frames_inds=[]))
    inputs = torch.from_numpy(img).permute(2, 0, 1)[None].contiguous()
    return model.data_preprocessor(dict(inputs=[inputs], data_samples=[clip]), False)


def _image(h, w, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


class StubDetector(nn.Module):
    """Returns the boxes of ``boxes_per_frame[frame_id]`` (original pixels), score 0.9."""

    def __init__(self, boxes_per_frame):
        super().__init__()
        self.boxes = boxes_per_frame
        self.calls = 0

    def predict(self, img, samples, rescale=True):
        self.calls += 1
        fid = samples[0].metainfo["frame_id"]
        b = torch.tensor(self.boxes[fid], dtype=torch.float32).reshape(-1, 4)
        samples[0].pred_instances = InstanceData(
            bboxes=b,
            scores=torch.full((len(b),), 0.9),
            labels=torch.zeros(len(b), dtype=torch.long),
        )
        return samples


def _moving(n=5):
    return {f: [[5 + 3 * f, 5, 15 + 3 * f, 25], [40 - 2 * f, 10, 50 - 2 * f, 30]] for f in range(n)}


def test_frame_image_undoes_preprocessing():
    model = MODELS.build(
        dict(
            type="ByteTrack",
            data_preprocessor=dict(
                type="TrackDataPreprocessor", bgr_to_rgb=True, pad_size_divisor=32, **IMAGENET
            ),
            tracker=dict(type="ByteTracker"),
        )
    )
    img = _image(40, 60)
    data = _batch(model, img, _frame(0))
    assert data["inputs"].shape == (1, 1, 3, 64, 64)  # padded
    out = model.frame_image(data["inputs"][0], data["data_samples"][0][0])
    np.testing.assert_array_equal(out, img)  # BGR, unpadded, exact

    # network input at half size: the image comes back at the original size
    small = np.zeros((20, 30, 3), np.uint8)
    small[:, :15] = (255, 0, 0)
    small[:, 15:] = (0, 0, 255)
    data = _batch(model, small, _frame(0, scale=0.5))
    out = model.frame_image(data["inputs"][0], data["data_samples"][0][0])
    assert out.shape == (40, 60, 3)
    assert out[20, 5].tolist() == [255, 0, 0] and out[20, 55].tolist() == [0, 0, 255]


def test_crop_imgs_and_renormalize():
    model = MODELS.build(
        dict(
            type="ByteTrack",
            data_preprocessor=dict(type="TrackDataPreprocessor", pad_size_divisor=32),
            tracker=dict(type="ByteTracker"),
        )
    )
    img = _image(20, 30, seed=1)
    frame = _frame(0, ori=(40, 60), scale=0.5)
    data = _batch(model, img, frame)
    frame = data["data_samples"][0][0]
    # box (8, 4)-(20, 16) in original pixels is (4, 2)-(10, 8) in the input
    box = torch.tensor([[8.0, 4.0, 20.0, 16.0]])
    crop = model.crop_imgs(data["inputs"][0], box, frame, img_scale=None)
    expect = torch.from_numpy(img[2:8, 4:10]).permute(2, 0, 1).float()
    assert torch.equal(crop[0], expect)
    # boxes outside the image are clipped to it, never empty
    far = model.crop_imgs(
        data["inputs"][0], torch.tensor([[100.0, 100, 120, 140]]), frame, img_scale=None
    )
    assert far.shape[-2:] == (1, 1)
    resized = model.crop_imgs(data["inputs"][0], box, frame, img_scale=(8, 4))
    assert resized.shape == (1, 3, 8, 4)
    # detector input is BGR 0-255; the ReID wants ImageNet-normalised RGB
    norm = model.crop_imgs(
        data["inputs"][0], box, frame, img_scale=None, img_norm_cfg=dict(**IMAGENET, to_rgb=True)
    )
    rgb = expect.flip(0)
    ref = (rgb - torch.tensor(IMAGENET["mean"]).view(3, 1, 1)) / torch.tensor(IMAGENET["std"]).view(
        3, 1, 1
    )
    assert torch.allclose(norm[0], ref, atol=1e-5)


def test_bytetrack_tracks_stub_detections_and_resets_per_video():
    model = MODELS.build(
        dict(
            type="ByteTrack",
            data_preprocessor=dict(type="TrackDataPreprocessor"),
            tracker=dict(type="ByteTracker"),
        )
    )
    model.detector = StubDetector(_moving())
    img = _image(40, 60)
    ids = []
    for fid in range(4):
        data = _batch(model, img, _frame(fid))
        out = model(**data, mode="predict")
        frame = out[0][0]
        assert len(frame.pred_det_instances) == 2
        p = frame.pred_track_instances
        ids.append(p.instances_id.tolist())
        np.testing.assert_allclose(p.bboxes.numpy(), np.array(_moving()[fid]), atol=1.5)
    assert ids[0] == [0, 1] and all(sorted(i) == [0, 1] for i in ids)
    data = _batch(model, img, _frame(0))
    model.detector.boxes[0] = [[20, 5, 30, 25]]
    out = model(**data, mode="predict")
    assert out[0][0].pred_track_instances.instances_id.tolist() == [0]  # a new video restarts ids


def test_public_detections_without_and_with_two_stage_detector():
    model = MODELS.build(
        dict(
            type="DeepSORT",
            data_preprocessor=dict(type="TrackDataPreprocessor"),
            tracker=dict(type="SORTTracker"),
        )
    )
    assert not model.with_detector and not model.with_reid and model.with_tracker
    img = _image(40, 60)
    public = InstanceData(bboxes=torch.tensor([[5.0, 5, 15, 25]]), scores=torch.tensor([0.8]))
    data = _batch(model, img, _frame(0, public_instances=public))
    out = model(**data, mode="predict")
    assert out[0][0].pred_track_instances.bboxes.tolist() == [[5.0, 5.0, 15.0, 25.0]]
    data = _batch(model, img, _frame(1))
    with pytest.raises(ValueError, match="public detections"):
        model(**data, mode="predict")

    class RoIHead:
        def __init__(self):
            self.seen = None

        def predict(self, x, proposals, samples, rescale=False):
            self.seen = (proposals[0].bboxes.clone(), rescale)
            return [
                InstanceData(
                    bboxes=torch.tensor([[6.0, 6, 16, 26]]),
                    scores=torch.tensor([0.95]),
                    labels=torch.zeros(1, dtype=torch.long),
                )
            ]

    class TwoStage(nn.Module):
        def __init__(self):
            super().__init__()
            self.roi_head = RoIHead()

        def extract_feat(self, img):
            return (img,)

    model.detector = TwoStage()
    data = _batch(model, _image(20, 30), _frame(0, scale=0.5, public_instances=public))
    out = model(**data, mode="predict")
    proposals, rescale = model.detector.roi_head.seen
    assert proposals.tolist() == [[2.5, 2.5, 7.5, 12.5]] and rescale is True  # x scale_factor
    assert out[0][0].pred_det_instances.bboxes.tolist() == [[6.0, 6.0, 16.0, 26.0]]


class StubReID(nn.Module):
    """Embedding = mean colour of the crop; records the crop sizes."""

    def __init__(self):
        super().__init__()
        self.shapes = []
        self.head = nn.Module()
        self.head.out_channels = 3

    def forward(self, crops, mode="tensor"):
        assert mode == "tensor"
        self.shapes.append(tuple(crops.shape))
        return crops.mean(dim=(2, 3))


def test_deepsort_embeds_detection_crops():
    model = MODELS.build(
        dict(
            type="DeepSORT",
            data_preprocessor=dict(type="TrackDataPreprocessor"),
            motion=dict(type="KalmanFilter", center_only=False),
            tracker=dict(
                type="SORTTracker",
                obj_score_thr=0.5,
                match_iou_thr=0.5,
                reid=dict(num_samples=10, img_scale=(16, 8), match_score_thr=2.0),
            ),
        )
    )
    # the model-level motion was handed to the tracker
    assert model.with_motion and model.tracker.motion is model.motion
    model.detector = StubDetector(_moving())
    model.reid = StubReID()
    img = _image(40, 60)
    for fid in range(3):
        out = model(**_batch(model, img, _frame(fid)), mode="predict")
    assert model.reid.shapes == [(2, 3, 16, 8)] * 3
    assert sorted(out[0][0].pred_track_instances.instances_id.tolist()) == [0, 1]
    # the model's reid_crop_cfg wins over the tracker's settings
    model.reid_crop_cfg = dict(img_scale=(6, 4))
    model(**_batch(model, img, _frame(3)), mode="predict")
    assert model.reid.shapes[-1] == (2, 3, 6, 4)


def test_botsort_gets_original_size_frames_for_cmc():
    model = MODELS.build(
        dict(
            type="BoTSORT",
            data_preprocessor=dict(type="TrackDataPreprocessor", bgr_to_rgb=True, **IMAGENET),
            cmc=dict(type="CameraMotionCompensation", method="sparse_flow"),
            tracker=dict(type="BoTSORTTracker"),
        )
    )
    assert model.with_cmc and model.tracker.cmc is model.cmc
    shapes = []

    class SpyCMC:
        def get_warp_matrix(self, img, ref):
            shapes.append((img.shape, ref.shape, img.dtype))
            return np.eye(2, 3)

        warp_bboxes = staticmethod(lambda b, w: b)
        warp_states = staticmethod(lambda m, c, w: (m, c))

    model.tracker.cmc = SpyCMC()
    model.detector = StubDetector(_moving())
    for fid in range(3):
        model(**_batch(model, _image(20, 30), _frame(fid, scale=0.5)), mode="predict")
    assert shapes == [((40, 60, 3), (40, 60, 3), np.uint8)] * 2


def test_loss_of_clips_equals_loss_of_images():
    torch.manual_seed(0)
    from tests.helpers.mot import tiny_yolox

    model = MODELS.build(
        dict(
            type="ByteTrack",
            data_preprocessor=dict(type="TrackDataPreprocessor", pad_size_divisor=32),
            detector=tiny_yolox(),
            tracker=dict(type="ByteTracker"),
        )
    )
    img = torch.rand(2, 3, 64, 64) * 255
    samples = []
    for i in range(2):
        s = _frame(0, ori=(64, 64))
        s.gt_instances = InstanceData(
            bboxes=torch.tensor([[10.0 + i, 10, 30, 50]]), labels=torch.zeros(1, dtype=torch.long)
        )
        samples.append(s)
    det_losses = model(img, samples, mode="loss")
    clips = []
    for s in samples:
        c = TrackDataSample()
        c.video_data_samples = [s]
        c.set_metainfo(dict(key_frames_inds=[0], ref_frames_inds=[]))
        clips.append(c)
    clip_losses = model(img[:, None], clips, mode="loss")
    assert set(det_losses) == {"loss_cls", "loss_bbox", "loss_obj"}
    for k in det_losses:
        assert torch.allclose(det_losses[k], clip_losses[k])
    with pytest.raises(ValueError, match="nothing to train"):
        MODELS.build(dict(type="ByteTrack", tracker=dict(type="ByteTracker")))(
            img, samples, mode="loss"
        )


def test_freeze_properties_and_errors():
    model = MODELS.build(
        dict(
            type="ByteTrack",
            data_preprocessor=dict(type="TrackDataPreprocessor"),
            tracker=dict(type="ByteTracker"),
        )
    )
    model.detector = nn.Linear(2, 2)
    model.freeze_module("detector")
    assert not model.detector.training and not any(
        p.requires_grad for p in model.detector.parameters()
    )
    with pytest.raises(AttributeError, match="no sub-module"):
        model.freeze_module("reid")
    with pytest.raises(TypeError, match="str or a list"):
        model.freeze_module(3)
    with pytest.raises(ValueError, match="mode must be"):
        model(torch.zeros(1, 1, 3, 8, 8), [], mode="bad")
    with pytest.raises(ValueError, match="batch size 1"):
        model.predict(torch.zeros(2, 1, 3, 8, 8), [TrackDataSample(), TrackDataSample()])
    assert (
        resolve_warp_mode(dict(type="C", warp_mode="cv2.MOTION_AFFINE"))["warp_mode"]
        == cv2.MOTION_AFFINE
    )
    with pytest.raises(ValueError, match="unknown warp_mode"):
        resolve_warp_mode(dict(type="C", warp_mode="cv2.BLUR"))
    strong = MODELS.build(
        dict(
            type="StrongSORT",
            kalman=dict(type="KalmanFilter", use_nsa=True),
            cmc=dict(type="CameraMotionCompensation", warp_mode="cv2.MOTION_EUCLIDEAN"),
            tracker=dict(type="StrongSORTTracker", reid=None),
        )
    )
    assert strong.with_cmc and strong.with_kalman_filter
    assert strong.tracker.cmc.warp_mode == cv2.MOTION_EUCLIDEAN and strong.tracker.motion.use_nsa


def test_crop_embeds_in_chunks_equal_one_pass():
    model = MODELS.build(
        dict(
            type="DeepSORT",
            data_preprocessor=dict(type="TrackDataPreprocessor"),
            tracker=dict(type="SORTTracker"),
        )
    )
    model.reid = StubReID()
    data = _batch(model, _image(40, 60, seed=2), _frame(0))
    img, frame = data["inputs"][0], data["data_samples"][0][0]
    boxes = torch.tensor(
        [[0.0, 0, 10, 20], [5, 5, 30, 30], [20, 0, 60, 40], [1, 1, 3, 3], [50, 30, 59, 39]]
    )
    one = model.crop_embeds(img, boxes, frame, img_scale=(8, 4))
    chunked = model.crop_embeds(img, boxes, frame, img_scale=(8, 4), chunk_size=2)
    assert torch.allclose(one, chunked)
    assert model.reid.shapes[1:] == [(2, 3, 8, 4), (2, 3, 8, 4), (1, 3, 8, 4)]
    # embedding of the first crop = mean colour of the resized crop, by hand
    crop = F.interpolate(img[:, :, 0:20, 0:10], size=(8, 4), mode="bilinear", align_corners=False)
    assert torch.allclose(one[0], crop[0].mean(dim=(1, 2)))
    assert model.crop_embeds(img, boxes[:0], frame).shape == (0, 3)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_frame_image_crops_and_tracking():
    model = MODELS.build(
        dict(
            type="DeepSORT",
            data_preprocessor=dict(type="TrackDataPreprocessor", bgr_to_rgb=True, **IMAGENET),
            tracker=dict(type="SORTTracker", reid=dict(img_scale=(8, 4), match_score_thr=2.0)),
        )
    ).cuda()
    model.reid = StubReID()

    class CudaStub(StubDetector):
        def predict(self, img, samples, rescale=True):
            out = super().predict(img, samples, rescale)
            out[0].pred_instances = out[0].pred_instances.to(img.device)
            return out

    model.detector = CudaStub(_moving())
    img = _image(40, 60)
    data = _batch(model, img, _frame(0))
    assert data["inputs"].is_cuda
    np.testing.assert_array_equal(
        model.frame_image(data["inputs"][0], data["data_samples"][0][0]), img
    )
    out = model(**data, mode="predict")
    p = out[0][0].pred_track_instances
    assert p.bboxes.is_cuda and sorted(p.instances_id.tolist()) == [0, 1]


def test_embeds_with_autograd_history_reach_the_tracker():
    model = MODELS.build(
        dict(
            type="DeepSORT",
            data_preprocessor=dict(type="TrackDataPreprocessor"),
            tracker=dict(type="SORTTracker", reid=dict(img_scale=(8, 4), match_score_thr=2.0)),
        )
    )

    class LearnedReID(StubReID):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, crops, mode="tensor"):
            return self.fc(super().forward(crops, mode))

    model.reid = LearnedReID()
    model.detector = StubDetector(_moving())
    out = model(**_batch(model, _image(40, 60), _frame(0)), mode="predict")  # no torch.no_grad()
    assert sorted(out[0][0].pred_track_instances.instances_id.tolist()) == [0, 1]


@pytest.mark.parametrize("name", ["DeepSORT", "ByteTrack", "OCSORT", "BoTSORT", "DeepOCSORT"])
def test_sort_family_models_share_one_constructor(name):
    cls = MODELS.get(name)
    assert "__init__" not in vars(cls)
    model = MODELS.build(
        dict(
            type=name,
            motion=dict(type="KalmanFilter"),
            tracker=dict(type="SORTTracker", reid=dict(img_scale=(32, 16))),
        )
    )
    assert model.tracker.motion is model.motion
    assert model.reid_crop_cfg == dict(img_scale=(32, 16), img_norm_cfg=None)


def test_reid_crop_cfg_is_resolved_once_at_construction():
    model = MODELS.build(
        dict(
            type="DeepSORT",
            data_preprocessor=dict(type="TrackDataPreprocessor"),
            motion=dict(type="KalmanFilter", center_only=False),
            tracker=dict(type="SORTTracker", reid=dict(img_scale=(16, 8))),
        )
    )
    model.detector = StubDetector(_moving())
    model.reid = StubReID()
    # changing the built tracker's settings afterwards does not reach the crops
    model.tracker.reid = dict(model.tracker.reid, img_scale=(10, 10))
    model(**_batch(model, _image(40, 60), _frame(0)), mode="predict")
    assert model.reid.shapes == [(2, 3, 16, 8)]
    # without any setting: MMTracking's (256, 128) crops, no renormalisation
    plain = MODELS.build(dict(type="DeepSORT", tracker=dict(type="SORTTracker")))
    assert plain.reid_crop_cfg == dict(img_scale=(256, 128), img_norm_cfg=None)


def test_strongsort_takes_kalman_as_motion():
    model = MODELS.build(
        dict(type="StrongSORT", kalman=dict(type="KalmanFilter"), tracker=dict(type="SORTTracker"))
    )
    assert model.kalman is model.motion and model.tracker.motion is model.motion
    assert model.with_kalman_filter
