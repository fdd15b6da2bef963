"""The dataset configs of configs/_base_/datasets build and produce batches."""

import copy
import json
import os

import numpy as np
import pytest
from mmengine import Config

from mmtrack.registry import DATA_SAMPLERS, DATASETS
from tests.helpers.data import make_cocovid, write_image

CFG_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "_base_", "datasets")


def _load(name):
    return Config.fromfile(os.path.join(CFG_DIR, name))


def _point(dataset_cfg, root, ann, img_dir=""):
    cfg = copy.deepcopy(dataset_cfg.to_dict() if hasattr(dataset_cfg, "to_dict") else dataset_cfg)
    cfg.update(data_root=root, ann_file=ann, data_prefix=dict(img_path=img_dir))
    return cfg


def _first_batch_indices(loader_cfg, dataset):
    sampler = DATA_SAMPLERS.build(
        dict(loader_cfg["sampler"], seed=0), default_args=dict(dataset=dataset)
    )
    return next(iter(sampler))


@pytest.mark.parametrize("name", ["mot_challenge.py", "dancetrack.py"])
def test_mot_configs(tmp_path, name):
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(4, 3), ann_extra=dict(visibility=1.0, mot_conf=1.0))
    cfg = _load(name)
    train = DATASETS.build(_point(cfg.train_dataloader.dataset, root, ann))
    idx = _first_batch_indices(cfg.train_dataloader, train)
    out = train[idx]
    assert out["inputs"].shape[:2] == (2, 3)  # key + one reference frame
    assert out["data_samples"].key_frames_inds == [0]
    test = DATASETS.build(_point(cfg.test_dataloader.dataset, root, ann))
    out = test[_first_batch_indices(cfg.test_dataloader, test)]
    # 64x40 resized to fit (1088, 1088): factor 1088 / 64 = 17
    assert out["inputs"].shape == (1, 3, 680, 1088)
    frame = out["data_samples"][0]
    assert frame.frame_id == 0 and frame.scale_factor == (17.0, 17.0)
    assert len(frame.gt_instances) == 2
    assert cfg.val_evaluator.type == "MOTChallengeMetric"


def test_mot_det_and_coco_detection_configs(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(3,))
    for name in ("mot_challenge_det.py", "coco_detection.py"):
        cfg = _load(name)
        train = DATASETS.build(_point(cfg.train_dataloader.dataset, root, ann))
        np.random.seed(0)
        out = train[0]
        assert out["inputs"].ndim == 3 and len(out["data_samples"].gt_instances) >= 1
        test = DATASETS.build(_point(cfg.test_dataloader.dataset, root, ann))
        assert test[1]["data_samples"].img_id == 101


def test_vid_configs(tmp_path):
    root = str(tmp_path)
    vid = make_cocovid(root, video_lengths=(6,), categories=("airplane",), file_name="vid.json")
    data = json.load(open(vid))
    for img in data["images"]:
        img["is_vid_train_frame"] = img["frame_id"] % 2 == 0
    json.dump(data, open(vid, "w"))
    write_image(os.path.join(root, "det/a.png"), 30, 40, seed=5)
    det = os.path.join(root, "det.json")
    det_data = dict(
        images=[dict(id=1, file_name="det/a.png", height=30, width=40, is_vid_train_frame=True)],
        annotations=[dict(id=1, image_id=1, category_id=2, bbox=[1, 2, 10, 10], area=100)],
        categories=[dict(id=2, name="bird")],
    )
    json.dump(det_data, open(det, "w"))
    for name in ("imagenet_vid_fgfa_style.py", "imagenet_vid_dff_style.py"):
        cfg = _load(name)
        parts = cfg.train_dataloader.dataset.datasets
        concat = DATASETS.build(
            dict(
                type="ConcatDataset",
                datasets=[
                    dict(_point(parts[0], root, vid), filter_cfg=None),
                    dict(_point(parts[1], root, det), filter_cfg=None),
                ],
            )
        )
        num_refs = parts[0]["ref_img_sampler"]["num_ref_imgs"]
        sampler = DATA_SAMPLERS.build(
            dict(type="TrackImgSampler", seed=0), default_args=dict(dataset=concat)
        )
        assert sorted(sampler) == [(0, 0), (0, 2), (0, 4), (1, 0)]
        out = concat[(1, 0)]  # the DET image repeated as its own references
        assert out["inputs"].shape[0] == 1 + num_refs
        assert out["data_samples"][0].gt_instances.labels.tolist() == [4]  # 'bird'
        test = DATASETS.build(_point(cfg.test_dataloader.dataset, root, vid))
        out = test[(0, 0)]
        expected = 1 + 16 + 15 if name.startswith("imagenet_vid_fgfa") else 1
        assert out["inputs"].shape[0] == expected


def test_youtube_vis_config(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(3,), num_objects=1, categories=("person",))
    data = json.load(open(ann))
    for a in data["annotations"]:
        x, y, w, h = a["bbox"]
        a["segmentation"] = [[x, y, x + w, y, x + w, y + h, x, y + h]]
    json.dump(data, open(ann, "w"))
    cfg = _load("youtube_vis.py")
    train = DATASETS.build(_point(cfg.train_dataloader.dataset, root, ann))
    out = train[(0, 1)]
    masks = out["data_samples"][0].gt_instances.masks
    assert masks.shape[0] == 1 and masks.shape[1:] == out["inputs"].shape[2:]
    test = DATASETS.build(_point(cfg.test_dataloader.dataset, root, ann))
    assert test[(0, 2)]["inputs"].shape == (1, 3, 360, 576)


def test_reid_config(tmp_path):
    root = str(tmp_path)
    lines = []
    for pid in range(8):
        for k in range(2):
            name = f"S_{pid:06d}/{k:06d}.jpg"
            write_image(os.path.join(root, name), 30, 12, seed=pid * 3 + k)
            lines.append(f"{name} {pid}")
    ann = os.path.join(root, "train.txt")
    open(ann, "w").write("\n".join(lines))
    cfg = _load("mot_challenge_reid.py")
    train = DATASETS.build(_point(cfg.train_dataloader.dataset, root, ann))
    out = train[0]
    assert out["inputs"].shape == (32, 3, 256, 128)
    test = DATASETS.build(_point(cfg.test_dataloader.dataset, root, ann))
    assert test[3]["inputs"].shape == (1, 3, 256, 128)
