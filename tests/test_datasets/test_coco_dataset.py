import copy
import json

import numpy as np
import pytest
import torch

from mmtrack.registry import DATASETS
from tests.helpers.data import make_cocovid, object_box

LOAD = [dict(type="LoadImageFromFile"), dict(type="LoadAnnotations")]


def test_image_level_items_and_filter(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(3, 2), empty_frames=[(1, 1)])
    cfg = dict(
        type="CocoDataset",
        ann_file=ann,
        data_prefix=dict(img_path=root),
        pipeline=[*LOAD, dict(type="PackDetInputs")],
    )
    ds = DATASETS.build(cfg)
    assert len(ds) == 5 and ds.metainfo["classes"] == ("pedestrian",)
    out = ds[0]
    assert out["inputs"].shape == (3, 40, 64)
    x, y, w, h = object_box(1, 0)
    torch.testing.assert_close(
        out["data_samples"].gt_instances.bboxes[1], torch.tensor([x, y, x + w, y + h])
    )
    assert "instances_id" not in out["data_samples"].gt_instances
    filtered = DATASETS.build(dict(cfg, filter_cfg=dict(filter_empty_gt=True)))
    assert len(filtered) == 4
    assert [filtered.get_data_info(i)["img_id"] for i in range(4)] == [100, 102, 200, 201]
    assert filtered.get_cat_ids(0) == [0, 0]


def test_multi_image_mix_dataset(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(4,), num_objects=1)
    inner = dict(type="CocoDataset", ann_file=ann, data_prefix=dict(img_path=root), pipeline=LOAD)
    ds = DATASETS.build(
        dict(
            type="MultiImageMixDataset",
            dataset=inner,
            pipeline=[
                dict(type="Mosaic", img_scale=(64, 64)),
                dict(type="PackDetInputs"),
            ],
        )
    )
    mosaic = ds.pipeline[0]
    mosaic.get_indexes = lambda dataset: [1, 2, 3]  # frames 1, 2, 3 join frame 0
    mosaic._random_state = lambda: (0.0, 1.0, 1.0)  # apply; centre at (64, 64)
    out = ds[0]
    assert out["inputs"].shape == (3, 128, 128)
    # frame k box: [2 + 3k, 4, 8 + 3k, 12] in a 64x40 image (scale 1); the
    # quadrants put the images' corners on (64, 64): offsets (0, 24), (64, 24),
    # (0, 64), (64, 64)
    expected = [[2, 28, 8, 36], [69, 28, 75, 36], [8, 68, 14, 76], [75, 68, 81, 76]]
    torch.testing.assert_close(
        out["data_samples"].gt_instances.bboxes, torch.tensor(expected, dtype=torch.float32)
    )
    ds.update_skip_type_keys(["Mosaic"])
    out = ds[0]
    assert out["inputs"].shape == (3, 40, 64)
    assert len(ds) == 4 and ds.metainfo["classes"] == ("pedestrian",)


def test_concat_dataset_frame_indices(tmp_path):
    root = str(tmp_path)
    a = make_cocovid(root, video_lengths=(3,), write_images=False, file_name="a.json")
    data = json.load(open(a))
    b = dict(copy.deepcopy(data), videos=[dict(id=1, name="x"), dict(id=2, name="y")])
    b["images"] = [
        dict(im, video_id=1 + (im["frame_id"] % 2), frame_id=im["frame_id"] // 2)
        for im in data["images"]
    ]
    json.dump(b, open(root + "/b.json", "w"))
    cfg = dict(type="BaseVideoDataset", data_prefix=dict(img_path=root), test_mode=True)
    concat = DATASETS.build(
        dict(
            type="ConcatDataset",
            datasets=[dict(cfg, ann_file=a), dict(cfg, ann_file=root + "/b.json")],
        )
    )
    assert len(concat) == 3 and concat.test_mode
    assert [concat.get_len_per_video(i) for i in range(3)] == [3, 2, 1]
    assert concat.get_key_frame_inds(2) == [0]
    # video 2 of the concatenation is video 1 of b: its only frame is image 101
    assert concat[(2, 0)]["img_id"] == [101]
    assert concat[(1, 1)]["img_id"] == [102]
    np.testing.assert_array_equal(concat[0]["frame_id"], [0, 1, 2])


def test_mmdet_style_img_prefix(tmp_path):
    # MMDetection configs name the image folder data_prefix=dict(img=...).
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(2,))
    ds = DATASETS.build(dict(type="CocoDataset", ann_file=ann, data_prefix=dict(img=root)))
    first = ds.get_data_info(0)
    assert first["img_path"].startswith(root + "/")
    ref = DATASETS.build(dict(type="CocoDataset", ann_file=ann, data_prefix=dict(img_path=root)))
    assert first["img_path"] == ref.get_data_info(0)["img_path"]


def test_conflicting_img_prefixes_are_an_error(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(2,))
    cfg = dict(type="CocoDataset", ann_file=ann, data_prefix=dict(img=root, img_path=root + "/x"))
    with pytest.raises(ValueError, match="img_path=.*and img="):
        DATASETS.build(cfg)
