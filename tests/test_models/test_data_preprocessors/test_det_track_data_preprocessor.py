"""DetDataPreprocessor and TrackDataPreprocessor: normalisation, padding, metainfo."""

import pytest
import torch
from mmengine.structures import InstanceData

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules

register_all_modules()

MEAN, STD = [10.0, 20.0, 30.0], [2.0, 4.0, 5.0]


def test_det_preprocessor_normalise_pad_and_meta():
    pre = MODELS.build(
        dict(
            type="DetDataPreprocessor",
            mean=MEAN,
            std=STD,
            bgr_to_rgb=True,
            pad_size_divisor=8,
            pad_value=-1.0,
        )
    )
    a = torch.zeros(3, 5, 9, dtype=torch.uint8)
    a[0] = 100  # B channel
    a[2] = 50  # R channel
    b = torch.full((3, 10, 4), 30, dtype=torch.uint8)
    samples = [DetDataSample(metainfo=dict(img_shape=(5, 9))), DetDataSample()]
    out = pre(dict(inputs=[a, b], data_samples=samples), training=False)
    x = out["inputs"]
    assert x.shape == (2, 3, 16, 16) and x.dtype == torch.float32
    # channels swapped BGR -> RGB, then (x - mean) / std
    assert x[0, 0, 0, 0].item() == pytest.approx((50 - 10) / 2)
    assert x[0, 1, 0, 0].item() == pytest.approx((0 - 20) / 4)
    assert x[0, 2, 0, 0].item() == pytest.approx((100 - 30) / 5)
    assert x[1, 2, 3, 3].item() == pytest.approx(0.0)
    # bottom/right padding with pad_value
    assert (x[0, :, 5:, :] == -1).all() and (x[0, :, :, 9:] == -1).all()
    meta = [s.metainfo for s in out["data_samples"]]
    assert meta[0]["batch_input_shape"] == (16, 16) and meta[0]["pad_shape"] == (8, 16)
    assert meta[1]["pad_shape"] == (16, 8)
    with pytest.raises(ValueError, match="mean and std"):
        MODELS.build(dict(type="DetDataPreprocessor", mean=MEAN))


def test_det_preprocessor_pads_masks_and_runs_batch_augments():
    pre = MODELS.build(dict(type="DetDataPreprocessor", pad_size_divisor=4, pad_mask=True))
    s = DetDataSample()
    s.gt_instances = InstanceData(
        bboxes=torch.zeros(1, 4),
        labels=torch.zeros(1, dtype=torch.long),
        masks=torch.ones(1, 5, 6, dtype=torch.bool),
    )
    out = pre(dict(inputs=[torch.zeros(3, 5, 6, dtype=torch.uint8)], data_samples=[s]), True)
    m = out["data_samples"][0].gt_instances.masks
    assert m.shape == (1, 8, 8) and m.sum() == 30 and not m[:, 5:].any()
    # training-only batch augments built from MODELS
    aug = MODELS.build(
        dict(
            type="DetDataPreprocessor",
            batch_augments=[
                dict(
                    type="BatchSyncRandomResize",
                    random_size_range=(64, 64),
                    size_divisor=32,
                    interval=1,
                )
            ],
        )
    )
    assert len(aug.batch_augments) == 1


def _clip(t, h, w, masks=None):
    ts = TrackDataSample()
    frames = []
    for i in range(t):
        s = DetDataSample(metainfo=dict(frame_id=i, img_shape=(h, w)))
        if masks is not None:
            s.gt_instances = InstanceData(masks=masks.clone())
        frames.append(s)
    ts.video_data_samples = frames
    return ts


def test_track_preprocessor_clips():
    pre = MODELS.build(
        dict(
            type="TrackDataPreprocessor",
            mean=MEAN,
            std=STD,
            bgr_to_rgb=True,
            pad_size_divisor=16,
            pad_mask=True,
        )
    )
    c1 = torch.zeros(2, 3, 10, 20, dtype=torch.uint8)
    c1[:, 0] = 40  # B
    c2 = torch.full((2, 3, 17, 5), 20, dtype=torch.uint8)
    mask = torch.ones(1, 10, 20, dtype=torch.bool)
    samples = [_clip(2, 10, 20, mask), _clip(2, 17, 5, torch.zeros(1, 17, 5, dtype=torch.bool))]
    out = pre(dict(inputs=[c1, c2], data_samples=samples), training=True)
    x = out["inputs"]
    assert x.shape == (2, 2, 3, 32, 32)
    # each frame normalised like a detection image (B moved to channel 2)
    assert x[0, 1, 2, 0, 0].item() == pytest.approx((40 - 30) / 5)
    assert x[0, 0, 0, 0, 0].item() == pytest.approx((0 - 10) / 2)
    assert x[1, 1, 1, 16, 4].item() == pytest.approx(0.0)
    assert (x[0, :, :, 10:] == 0).all()  # padded with 0 after normalisation
    for ts, pad in zip(out["data_samples"], [(16, 32), (32, 16)]):
        for i in range(2):
            assert ts[i].batch_input_shape == (32, 32) and ts[i].pad_shape == pad
            assert ts[i].gt_instances.masks.shape == (1, 32, 32)
    assert out["data_samples"][0][1].gt_instances.masks.sum() == 200
    with pytest.raises(ValueError, match="frames or channels"):
        pre(dict(inputs=[c1, c2[:1]], data_samples=None), False)


def test_track_preprocessor_single_frame_test_time():
    pre = MODELS.build(dict(type="TrackDataPreprocessor", mean=MEAN, std=STD, pad_size_divisor=4))
    clip = torch.full((1, 3, 6, 6), 10, dtype=torch.uint8)
    out = pre(dict(inputs=[clip], data_samples=[_clip(1, 6, 6)]), False)
    assert out["inputs"].shape == (1, 1, 3, 8, 8)
    assert out["inputs"][0, 0, 0, 0, 0].item() == 0.0
    assert out["data_samples"][0][0].pad_shape == (8, 8)
