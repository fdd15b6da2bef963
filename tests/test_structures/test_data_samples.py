"""Tests of DetDataSample, TrackDataSample and ReIDDataSample."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, LabelData, PixelData

from mmtrack.structures import DetDataSample, ReIDDataSample, TrackDataSample


def _frame(frame_id: int, n: int = 2) -> DetDataSample:
    sample = DetDataSample(metainfo=dict(frame_id=frame_id, img_shape=(8, 10)))
    sample.gt_instances = InstanceData(
        bboxes=torch.arange(n * 4, dtype=torch.float32).reshape(n, 4) + frame_id,
        labels=torch.arange(n),
        instances_id=torch.arange(n) + 10,
    )
    return sample


def _video(num_frames: int = 3) -> TrackDataSample:
    video = TrackDataSample(metainfo=dict(key_frames_inds=[1], ref_frames_inds=[0, 2]))
    video.video_data_samples = [_frame(i) for i in range(num_frames)]
    return video


# ---------------------------------------------------------------- DetDataSample


@pytest.mark.parametrize(
    "field",
    [
        "proposals",
        "gt_instances",
        "ignored_instances",
        "pred_instances",
        "pred_track_instances",
        "pred_det_instances",
    ],
)
def test_det_sample_instance_fields(field):
    sample = DetDataSample(metainfo=dict(img_shape=(4, 6)))
    inst = InstanceData(bboxes=torch.zeros(3, 4), scores=torch.ones(3))
    setattr(sample, field, inst)
    assert getattr(sample, field) is inst
    assert field in sample
    assert len(getattr(sample, field)) == 3
    with pytest.raises(AssertionError):
        setattr(sample, field, torch.zeros(3, 4))
    with pytest.raises(AssertionError):
        setattr(sample, field, PixelData(data=torch.zeros(1, 2, 2)))
    delattr(sample, field)
    assert field not in sample


def test_det_sample_pixel_fields_and_metainfo():
    sample = DetDataSample(metainfo=dict(img_shape=(4, 6), scale_factor=(2.0, 0.5)))
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, 4, 6))
    sample.pred_sem_seg = PixelData(data=torch.ones(1, 4, 6))
    assert sample.gt_sem_seg.shape == (4, 6)
    with pytest.raises(AssertionError):
        sample.gt_sem_seg = InstanceData()
    assert sample.img_shape == (4, 6) and sample.scale_factor == (2.0, 0.5)
    out = sample.numpy()
    assert isinstance(out.pred_sem_seg.data, np.ndarray)


# ---------------------------------------------------------------- TrackDataSample


def test_track_sample_len_index_and_selection():
    video = _video(3)
    assert len(video) == 3
    assert video[1].frame_id == 1 and video[-1].frame_id == 2
    key = video.get_key_frames()
    ref = video.get_ref_frames()
    assert isinstance(key, TrackDataSample) and [f.frame_id for f in key] == [1]
    assert [f.frame_id for f in ref] == [0, 2]
    assert key.key_frames_inds == [1]  # metainfo travels along
    assert key[0] is video[1]  # selection shares the frames
    with pytest.raises(IndexError):
        video[3]


def test_track_sample_index_formats_and_missing_keys():
    video = _video(3)
    video.set_metainfo(dict(key_frames_inds=torch.tensor([2]), ref_frames_inds=np.array([0])))
    assert [f.frame_id for f in video.get_key_frames()] == [2]
    assert [f.frame_id for f in video.get_ref_frames()] == [0]
    video.set_metainfo(dict(key_frames_inds=0))
    assert [f.frame_id for f in video.get_key_frames()] == [0]
    bare = TrackDataSample()
    bare.video_data_samples = [_frame(0)]
    with pytest.raises(KeyError, match="key_frames_inds"):
        bare.get_key_frames()
    with pytest.raises(KeyError, match="ref_frames_inds"):
        bare.get_ref_frames()


def test_track_sample_empty_and_type_errors():
    empty = TrackDataSample()
    assert len(empty) == 0
    with pytest.raises(IndexError):
        empty[0]
    video = TrackDataSample()
    video.video_data_samples = _frame(5)  # a single frame is wrapped in a list
    assert len(video) == 1 and video[0].frame_id == 5
    with pytest.raises(TypeError, match="list of DetDataSample"):
        video.video_data_samples = [_frame(0), "frame"]
    with pytest.raises(TypeError, match="list of DetDataSample"):
        video.video_data_samples = (_frame(0),)


def test_track_sample_conversions():
    video = _video(2)
    as_np = video.numpy()
    assert isinstance(as_np, TrackDataSample) and len(as_np) == 2
    assert isinstance(as_np[0].gt_instances.bboxes, np.ndarray)
    np.testing.assert_array_equal(
        as_np[1].gt_instances.bboxes, video[1].gt_instances.bboxes.numpy()
    )
    assert as_np.ref_frames_inds == [0, 2]
    assert isinstance(video[0].gt_instances.bboxes, torch.Tensor)  # original untouched

    on_cpu = video.cpu()
    assert len(on_cpu) == 2 and on_cpu[0].gt_instances.bboxes.device.type == "cpu"
    moved = video.to(torch.float64)
    assert moved[0].gt_instances.bboxes.dtype == torch.float64
    assert video[0].gt_instances.bboxes.dtype == torch.float32

    video[0].gt_instances.bboxes.requires_grad_()
    detached = video.detach()
    assert not detached[0].gt_instances.bboxes.requires_grad
    # clone copies the frame samples (tensors are shared, as in mmengine's clone)
    cloned = video.clone()
    assert cloned[1] is not video[1] and len(cloned) == 2
    cloned[1].gt_instances = InstanceData(labels=torch.tensor([99]))
    assert video[1].gt_instances.labels.tolist() == [0, 1]
    assert cloned.key_frames_inds == [1]


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_track_sample_cuda_round_trip():
    video = _video(2)
    gpu = video.cuda()
    assert gpu[0].gt_instances.bboxes.is_cuda
    back = gpu.cpu()
    torch.testing.assert_close(back[1].gt_instances.bboxes, video[1].gt_instances.bboxes)


# ---------------------------------------------------------------- ReIDDataSample


@pytest.mark.parametrize(
    "value, expected",
    [
        (3, [3]),
        (np.int64(4), [4]),
        ([1, 2], [1, 2]),
        ((5,), [5]),
        (np.array([6, 7]), [6, 7]),
        (np.array(8), [8]),
        (torch.tensor(9), [9]),
        (torch.tensor([1, 0]), [1, 0]),
        (torch.tensor([2.0]), [2]),
    ],
)
def test_reid_set_gt_label(value, expected):
    sample = ReIDDataSample(metainfo=dict(img_shape=(256, 128)))
    out = sample.set_gt_label(value)
    assert out is sample
    assert isinstance(sample.gt_label, LabelData)
    assert sample.gt_label.label.dtype == torch.long
    assert sample.gt_label.label.tolist() == expected
    assert sample.gt_label.img_shape == (256, 128)


@pytest.mark.parametrize("value", ["3", 3.7, [1.5], torch.tensor([0.5]), True, None])
def test_reid_set_gt_label_rejects_bad_types(value):
    with pytest.raises(TypeError):
        ReIDDataSample().set_gt_label(value)


def test_reid_label_shape_and_feature_field():
    with pytest.raises(ValueError, match="1-D"):
        ReIDDataSample().set_gt_label(np.zeros((2, 2), dtype=np.int64))
    sample = ReIDDataSample()
    sample.pred_feature = torch.ones(128)
    assert sample.pred_feature.shape == (128,)
    with pytest.raises(AssertionError):
        sample.pred_feature = np.ones(128)
    with pytest.raises(AssertionError):
        sample.gt_label = torch.tensor([1])
    del sample.pred_feature
    assert "pred_feature" not in sample
