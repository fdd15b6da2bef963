"""SOT dataset configs end to end on synthetic LaSOT-like sequences."""

from __future__ import annotations

import copy
import math
import os
import os.path as osp
import random

import numpy as np
import pytest
from mmengine.config import Config

from mmtrack.datasets.synthetic import generate_sot_sequences
from mmtrack.registry import DATA_SAMPLERS, DATASETS
from mmtrack.utils import register_all_modules

register_all_modules()

CONFIGS = osp.join(osp.dirname(__file__), "..", "..", "configs", "_base_", "datasets")


@pytest.fixture(scope="module")
def lasot_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("sot") / "LaSOTBenchmark")
    generate_sot_sequences(root, num_seqs=2, num_frames=24, img_size=(96, 128), seed=0)
    return root


def read_boxes(path):
    with open(path) as f:
        return np.array([[float(v) for v in line.split(",")] for line in f if line.strip()])


def lasot_train_cfg(config_name, root):
    cfg = Config.fromfile(osp.join(CONFIGS, config_name))
    return dict(
        type="LaSOTDataset",
        data_prefix=dict(img_path=root),
        pipeline=cfg.train_pipeline,
        test_mode=False,
    )


def test_lasot_test_config(lasot_root):
    cfg = Config.fromfile(osp.join(CONFIGS, "lasot.py"))
    ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    ds_cfg.update(data_root="", ann_file="", data_prefix=dict(img_path=lasot_root))
    dataset = DATASETS.build(ds_cfg)
    sampler = DATA_SAMPLERS.build(dict(type="VideoSampler", dataset=dataset))
    indices = list(sampler)
    assert len(indices) == len(dataset) == 48
    boxes = read_boxes(osp.join(lasot_root, "ball", "ball-1", "groundtruth.txt"))
    for video_idx, frame_idx in indices[:2]:
        out = dataset[(video_idx, frame_idx)]
        assert tuple(out["inputs"]["img"].shape) == (1, 3, 96, 128)
        frame = out["data_samples"][0]
        x, y, w, h = boxes[frame_idx]
        assert frame.gt_instances.bboxes.tolist() == [[x, y, x + w, y + h]]
        assert frame.metainfo["frame_id"] == frame_idx
        assert frame.metainfo["video_length"] == 24
        assert ("init_bbox" in frame.metainfo) == (frame_idx == 0)


def test_siamese_rpn_train_pipeline(lasot_root):
    np.random.seed(0)
    random.seed(0)
    dataset = DATASETS.build(lasot_train_cfg("sot_siamese_rpn_train.py", lasot_root))
    out = dataset[0]
    assert tuple(out["inputs"]["img"].shape) == (1, 3, 127, 127)
    assert tuple(out["inputs"]["search_img"].shape) == (1, 3, 255, 255)
    template, search = out["data_samples"][0], out["data_samples"][1]
    label = int(template.gt_instances.labels[0])
    assert label == int(search.gt_instances.labels[0]) in (0, 1)
    # the template box stays centred (shift <= 4 px, scale within 5%) around 63.5
    x1, y1, x2, y2 = template.gt_instances.bboxes[0].tolist()
    assert abs((x1 + x2) / 2 - 63.5) <= 4 / 0.95 + 1 and abs((y1 + y2) / 2 - 63.5) <= 4 / 0.95 + 1


def test_stark_train_pipeline(lasot_root):
    np.random.seed(1)
    random.seed(1)
    dataset = DATASETS.build(lasot_train_cfg("sot_stark_train.py", lasot_root))
    out = dataset[1]
    assert tuple(out["inputs"]["img"].shape) == (2, 3, 128, 128)
    assert tuple(out["inputs"]["search_img"].shape) == (1, 3, 320, 320)
    sample = out["data_samples"]
    assert sample.metainfo["key_frames_inds"] == [0, 1]
    assert sample.metainfo["ref_frames_inds"] == [2]
    assert tuple(sample[2].padding_mask.shape) == (320, 320)
    # templates are not jittered: the box is centred at (128 - 1) / 2, its
    # geometric-mean side s becomes s * 128 / ceil(2 s)
    template = sample[0]
    x1, y1, x2, y2 = template.gt_instances.bboxes[0].tolist()
    assert (x1 + x2) / 2 == pytest.approx(63.5, abs=1e-3)
    video_dir = osp.dirname(osp.dirname(template.metainfo["img_path"]))
    _, _, w, h = read_boxes(osp.join(video_dir, "groundtruth.txt"))[template.metainfo["frame_id"]]
    side = math.sqrt(w * h)
    expected = side * 128 / math.ceil(2 * side)
    assert math.sqrt((x2 - x1) * (y2 - y1)) == pytest.approx(expected, rel=1e-4)


def test_prdimp_train_pipeline(lasot_root):
    np.random.seed(2)
    random.seed(2)
    dataset = DATASETS.build(lasot_train_cfg("sot_prdimp_train.py", lasot_root))
    out = dataset[0]
    assert tuple(out["inputs"]["img"].shape) == (3, 3, 288, 288)
    assert tuple(out["inputs"]["search_img"].shape) == (3, 3, 288, 288)
    assert len(out["data_samples"]) == 6


def test_random_sample_concat_dataset_weights(lasot_root, tmp_path):
    random.seed(3)
    np.random.seed(3)
    other_root = str(tmp_path / "other")
    os.symlink(lasot_root, other_root)  # same videos, told apart by their paths
    subs = [
        dict(
            type="LaSOTDataset",
            data_prefix=dict(img_path=root),
            pipeline=[dict(type="PairSampling", pos_prob=1.0)],
        )
        for root in (lasot_root, other_root)
    ]
    concat = DATASETS.build(
        dict(type="RandomSampleConcatDataset", datasets=subs, dataset_sampling_weights=[3, 1])
    )
    assert concat.dataset_sampling_probs == [0.75, 0.25]
    n = 400
    hits = sum(concat[0]["img_path"][0].startswith(lasot_root + os.sep) for _ in range(n))
    assert abs(hits - 0.75 * n) <= 4 * math.sqrt(n * 0.75 * 0.25)
    with pytest.raises(ValueError, match="2 dataset_sampling_weights for 1 datasets"):
        DATASETS.build(
            dict(
                type="RandomSampleConcatDataset",
                datasets=subs[:1],
                dataset_sampling_weights=[1, 2],
            )
        )
