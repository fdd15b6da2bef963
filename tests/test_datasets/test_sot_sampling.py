"""SOT frame samplers (pair, DiMP, trident) and the QuotaSampler."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from torch.utils.data import ConcatDataset

from mmtrack.datasets.samplers import QuotaSampler
from mmtrack.registry import DATA_SAMPLERS, TRANSFORMS
from mmtrack.utils import register_all_modules

register_all_modules()


def video_info(num_frames, video_id, invisible=()):
    visible = np.ones(num_frames, bool)
    visible[list(invisible)] = False
    bboxes = np.stack([np.arange(num_frames)] * 2 + [np.arange(num_frames) + 5] * 2, 1)
    return dict(
        img_paths=[f"v{video_id}/{i}.jpg" for i in range(num_frames)],
        frame_ids=np.arange(num_frames),
        video_id=video_id,
        video_length=num_frames,
        bboxes=bboxes.astype(np.float32),
        bboxes_isvalid=np.ones(num_frames, bool),
        visible=visible,
    )


def binomial_tolerance(n, p, sigmas=4.0):
    return sigmas * math.sqrt(n * p * (1 - p))


def test_pair_sampling_gaps_and_negatives():
    np.random.seed(0)
    t = TRANSFORMS.build(dict(type="PairSampling", frame_range=5, pos_prob=0.8))
    infos = [video_info(30, 0, invisible=(10, 11, 12)), video_info(8, 1)]
    n, positives, gaps = 2000, 0, set()
    for _ in range(n):
        out = t(infos)
        assert len(out["frame_id"]) == 2 and all(len(v) == 2 for v in out.values())
        tmpl, search = out["frame_id"]
        assert tmpl not in (10, 11, 12)
        # the box travels with its frame
        assert out["gt_bboxes"][1][0, 0] == out["frame_id"][1]
        if out["video_id"] == [0, 0]:
            positives += 1
            assert search not in (10, 11, 12)
            assert abs(search - tmpl) <= 5
            gaps.add(search - tmpl)
            assert [int(x[0]) for x in out["gt_bboxes_labels"]] == [1, 1]
        else:
            assert out["video_id"] == [0, 1] and 0 <= search < 8
            assert [int(x[0]) for x in out["gt_bboxes_labels"]] == [0, 0]
    assert abs(positives - 0.8 * n) <= binomial_tolerance(n, 0.8)
    assert gaps == set(range(-5, 6))  # both ends of [-5, 5] are reachable

    filtered = TRANSFORMS.build(
        dict(type="PairSampling", frame_range=[-2, 0], pos_prob=1.0, filter_template_img=True)
    )
    for _ in range(200):
        out = filtered([video_info(6, 0), video_info(6, 1)])
        if out is not None:
            assert -2 <= out["frame_id"][1] - out["frame_id"][0] <= -1


def test_pair_sampling_images_and_errors():
    np.random.seed(1)
    t = TRANSFORMS.build(dict(type="PairSampling", pos_prob=0.5))
    kinds = set()
    for _ in range(50):
        out = t([video_info(1, 0), video_info(1, 1)])
        kinds.add(tuple(out["video_id"]))
        assert out["frame_id"] == [0, 0]
    assert kinds == {(0, 0), (0, 1)}
    with pytest.raises(ValueError, match="frame_range"):
        TRANSFORMS.build(dict(type="PairSampling", frame_range=[1, 3]))
    with pytest.raises(ValueError, match="pos_prob"):
        TRANSFORMS.build(dict(type="PairSampling", pos_prob=1.5))


def test_dimp_sampling_windows():
    random.seed(0)
    t = TRANSFORMS.build(
        dict(type="DiMPSampling", num_search_frames=3, num_template_frames=3, max_frame_range=10)
    )
    infos = [video_info(60, 0), video_info(60, 1)]
    for _ in range(200):
        frames = t(infos)["frame_id"]
        assert len(frames) == 6
        base, prev, search = frames[0], frames[1:3], frames[3:]
        assert 2 <= base < 57
        assert all(base - 10 <= p < base for p in prev)
        assert all(base < s < base + 10 for s in search)
    # too few visible frames: no sample, the dataset draws again
    assert t([video_info(60, 0, invisible=range(50)), video_info(60, 1)]) is None


def test_trident_sampling_templates_near_search():
    random.seed(0)
    t = TRANSFORMS.build(
        dict(type="TridentSampling", num_template_frames=2, num_search_frames=1,
             max_frame_range=[5])
    )  # fmt: skip
    infos = [video_info(50, 0), video_info(50, 1)]
    for _ in range(200):
        tmpl, extra, search = t(infos)["frame_id"]
        if tmpl >= search:
            assert search <= extra < search + 5
        else:
            assert search - 5 <= extra < search
    neg = TRANSFORMS.build(
        dict(type="TridentSampling", max_frame_range=[5], train_cls_head=True, cls_pos_prob=0.0)
    )
    out = neg(infos)
    assert out["video_id"] == [0, 0, 1]
    assert [int(x[0]) for x in out["gt_bboxes_labels"]] == [0, 0, 0]
    with pytest.raises(ValueError, match="one window per extra template"):
        TRANSFORMS.build(dict(type="TridentSampling", num_template_frames=3, max_frame_range=[5]))


def test_quota_sampler_ratios():
    datasets = ConcatDataset([list(range(10)), list(range(20)), list(range(30))])
    weights = [0.25, 0.2, 0.55]
    n = 6000
    sampler = DATA_SAMPLERS.build(
        dict(type="QuotaSampler", dataset=datasets, samples_per_epoch=n, seed=3,
             dataset_sampling_weights=[w * 4 for w in weights], rank=0, world_size=1)
    )  # fmt: skip
    indices = list(sampler)
    assert len(indices) == len(sampler) == n
    bounds = [0, 10, 30, 60]
    for k, p in enumerate(weights):
        picked = [i for i in indices if bounds[k] <= i < bounds[k + 1]]
        assert abs(len(picked) - p * n) <= binomial_tolerance(n, p)
        # without replacement: each run through a sub-dataset is a permutation
        size = bounds[k + 1] - bounds[k]
        assert sorted(picked[:size]) == list(range(bounds[k], bounds[k + 1]))
    assert list(sampler) == indices  # same seed and epoch, same draws
    sampler.set_epoch(1)
    assert list(sampler) != indices


def test_quota_sampler_uniform_and_ranks():
    data = list(range(7))
    full = list(QuotaSampler(data, samples_per_epoch=10, seed=0, rank=0, world_size=1))
    assert sorted(full[:7]) == data  # a permutation, then repeated
    parts = [list(QuotaSampler(data, 10, seed=0, rank=r, world_size=3)) for r in range(3)]
    assert [len(p) for p in parts] == [4, 4, 4]  # ceil(10 / 3)
    interleaved = [parts[r][i] for i in range(4) for r in range(3)]
    assert interleaved[:10] == full and interleaved[10:] == full[:2]


def test_quota_sampler_bad_weights():
    datasets = ConcatDataset([list(range(3)), list(range(4)), list(range(5))])
    with pytest.raises(ValueError, match="got 2 dataset_sampling_weights for 3 datasets"):
        QuotaSampler(datasets, 10, dataset_sampling_weights=[1, 1], rank=0, world_size=1)
    with pytest.raises(ValueError, match="need a concatenated dataset"):
        QuotaSampler(list(range(3)), 10, dataset_sampling_weights=[1], rank=0, world_size=1)
    with pytest.raises(ValueError, match=">= 0 with a positive sum"):
        QuotaSampler(datasets, 10, dataset_sampling_weights=[1, -1, 1], rank=0, world_size=1)
