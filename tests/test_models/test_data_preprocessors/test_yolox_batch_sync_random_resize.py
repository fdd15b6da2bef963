"""BatchSyncRandomResize: size schedule, box and metainfo scaling."""

import random

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.structures import InstanceData

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample
from mmtrack.utils import register_all_modules

register_all_modules()


def _samples():
    samples = []
    for boxes in ([[0.0, 0.0, 10.0, 20.0]], [[4.0, 6.0, 8.0, 12.0], [1.0, 1.0, 2.0, 2.0]]):
        s = DetDataSample(metainfo=dict(img_shape=(60, 90), pad_shape=(64, 96)))
        s.gt_instances = InstanceData(
            bboxes=torch.tensor(boxes), labels=torch.zeros(len(boxes), dtype=torch.long)
        )
        samples.append(s)
    return samples


def test_schedule_and_scaling():
    hub = MessageHub.get_instance("test_yolox_bsrr")  # becomes the current instance
    aug = MODELS.build(dict(type="BatchSyncRandomResize", random_size_range=(128, 128), interval=2))
    inputs = torch.rand(2, 3, 64, 96)

    hub.update_info("iter", 0)
    out, samples = aug(inputs, _samples())
    assert out.shape == inputs.shape  # first batch keeps its size
    assert samples[0].gt_instances.bboxes.tolist() == [[0, 0, 10, 20]]

    hub.update_info("iter", 1)  # (1 + 1) % 2 == 0: draw h = 128, w = 32 * int(1.5 * 4) = 192
    out, _ = aug(inputs, _samples())
    assert out.shape == inputs.shape  # the new size applies from the next batch

    hub.update_info("iter", 2)
    out, samples = aug(inputs, _samples())
    assert tuple(out.shape) == (2, 3, 128, 192)
    assert samples[0].gt_instances.bboxes.tolist() == [[0, 0, 20, 40]]
    assert samples[1].gt_instances.bboxes.tolist() == [[8, 12, 16, 24], [2, 2, 4, 4]]
    assert samples[1].img_shape == (120, 180)
    assert samples[1].pad_shape == (128, 192)
    assert samples[1].batch_input_shape == (128, 192)
    # bilinear resize of a constant image stays constant
    const, _ = aug(torch.full((1, 3, 64, 96), 0.25), _samples()[:1])
    assert torch.allclose(const, torch.full_like(const, 0.25))


def test_random_sizes_are_multiples_within_range():
    random.seed(0)
    aug = MODELS.build(dict(type="BatchSyncRandomResize", random_size_range=(96, 160), interval=1))
    heights, widths = set(), set()
    for _ in range(40):
        h, w = aug._get_random_size(aspect_ratio=2.0, device=torch.device("cpu"))
        heights.add(h)
        widths.add(w)
        assert h % 32 == 0 and w % 32 == 0 and w == 2 * h
    assert heights == {96, 128, 160}


def test_bad_arguments():
    with pytest.raises(ValueError, match="random_size_range"):
        MODELS.build(dict(type="BatchSyncRandomResize", random_size_range=(800, 480)))
    with pytest.raises(ValueError, match="interval"):
        MODELS.build(dict(type="BatchSyncRandomResize", random_size_range=(480, 800), interval=0))
