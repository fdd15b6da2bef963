import numpy as np
import pytest
import torch

from mmtrack.registry import TRANSFORMS
from mmtrack.structures import DetDataSample, ReIDDataSample, TrackDataSample


def _frame(value, n_valid, n_ignored, frame_id):
    n = n_valid + n_ignored
    return dict(
        img=np.full((4, 5, 3), value, np.uint8),
        img_id=frame_id + 100,
        frame_id=frame_id,
        img_shape=(4, 5),
        ori_shape=(4, 5),
        gt_bboxes=np.arange(4 * n, dtype=np.float32).reshape(n, 4),
        gt_bboxes_labels=np.arange(n, dtype=np.int64),
        gt_instances_ids=np.arange(n, dtype=np.int64) + 10,
        gt_ignore_flags=np.array([False] * n_valid + [True] * n_ignored),
        gt_masks=np.ones((n, 4, 5), bool),
    )


def _clip(frames, flags):
    keys = frames[0].keys()
    out = {k: [f[k] for f in frames] for k in keys}
    out["key_frame_flags"] = flags
    return out


def test_pack_track_inputs():
    clip = _clip([_frame(1, 2, 1, 7), _frame(2, 1, 0, 5)], [True, False])
    out = TRANSFORMS.build(dict(type="PackTrackInputs"))(clip)
    assert out["inputs"].shape == (2, 3, 4, 5) and out["inputs"].dtype == torch.uint8
    assert out["inputs"][1].unique().tolist() == [2]
    sample = out["data_samples"]
    assert isinstance(sample, TrackDataSample)
    assert sample.key_frames_inds == [0] and sample.ref_frames_inds == [1]
    key = sample[0]
    assert isinstance(key, DetDataSample) and key.frame_id == 7 and key.img_id == 107
    assert key.scale_factor == (1.0, 1.0) and key.flip is False and key.flip_direction is None
    gt, ign = key.gt_instances, key.ignored_instances
    torch.testing.assert_close(gt.bboxes, torch.tensor([[0.0, 1, 2, 3], [4, 5, 6, 7]]))
    assert gt.labels.dtype == torch.int64 and gt.labels.tolist() == [0, 1]
    assert gt.instances_id.tolist() == [10, 11] and ign.instances_id.tolist() == [12]
    assert gt.masks.shape == (2, 4, 5) and gt.masks.dtype == torch.bool
    assert len(sample[1].gt_instances) == 1 and len(sample[1].ignored_instances) == 0


def test_pack_track_inputs_single_frame_and_errors():
    out = TRANSFORMS.build(dict(type="PackTrackInputs"))(_frame(3, 1, 0, 0))
    assert out["inputs"].shape == (1, 3, 4, 5)
    assert out["data_samples"].key_frames_inds == [0]
    # without flags: the first num_key_frames frames are keys (SOT templates)
    clip = _clip([_frame(1, 1, 0, 0)] * 3, [True] * 3)
    del clip["key_frame_flags"]
    sample = TRANSFORMS.build(dict(type="PackTrackInputs", num_key_frames=2))(clip)["data_samples"]
    assert sample.key_frames_inds == [0, 1] and sample.ref_frames_inds == [2]
    bad = _clip([_frame(1, 1, 0, 0), _frame(1, 1, 0, 1)], [True, False])
    bad["img"][1] = np.zeros((6, 5, 3), np.uint8)
    with pytest.raises(ValueError, match="same image size|one image size"):
        TRANSFORMS.build(dict(type="PackTrackInputs"))(bad)


def test_pack_det_inputs():
    frame = _frame(9, 1, 1, 0)
    frame["scale_factor"] = (2.0, 0.5)
    out = TRANSFORMS.build(dict(type="PackDetInputs"))(frame)
    assert out["inputs"].shape == (3, 4, 5)
    sample = out["data_samples"]
    assert isinstance(sample, DetDataSample) and sample.scale_factor == (2.0, 0.5)
    assert len(sample.gt_instances) == 1 and len(sample.ignored_instances) == 1
    assert "frame_id" not in sample.metainfo


def test_pack_reid_inputs():
    imgs = [np.full((6, 3, 3), i, np.uint8) for i in range(3)]
    out = TRANSFORMS.build(dict(type="PackReIDInputs", meta_keys=("flip",)))(
        dict(img=imgs, gt_label=[np.int64(4), np.int64(4), np.int64(1)], flip=[False] * 3)
    )
    assert out["inputs"].shape == (3, 3, 6, 3)
    assert [int(out["inputs"][i].max()) for i in range(3)] == [0, 1, 2]
    assert isinstance(out["data_samples"], ReIDDataSample)
    assert out["data_samples"].gt_label.label.tolist() == [4, 4, 1]
    single = TRANSFORMS.build(dict(type="PackReIDInputs"))(dict(img=imgs[0], gt_label=np.int64(2)))
    assert single["inputs"].shape == (1, 3, 6, 3)
    assert single["data_samples"].gt_label.label.tolist() == [2]
