import json
import os

import numpy as np
import pytest
import torch

from mmtrack.registry import DATASETS
from mmtrack.structures import TrackDataSample
from tests.helpers.data import make_cocovid, object_box

PIPELINE = [
    dict(
        type="TransformBroadcaster",
        share_random_params=True,
        transforms=[dict(type="LoadImageFromFile"), dict(type="LoadTrackAnnotations")],
    ),
    dict(type="PackTrackInputs"),
]


def build(root, ann, **kw):
    cfg = dict(type="BaseVideoDataset", ann_file=ann, data_prefix=dict(img_path=root))
    cfg.update(kw)
    return DATASETS.build(cfg)


def xyxy(obj, frame):
    x, y, w, h = object_box(obj, frame)
    return [x, y, x + w, y + h]


def test_video_level_data_list(tmp_path):
    root = str(tmp_path)
    ds = build(root, make_cocovid(root, video_lengths=(5, 3), write_images=False))
    assert len(ds) == ds.num_videos == 2
    assert [ds.get_len_per_video(i) for i in range(2)] == [5, 3]
    assert ds.num_all_imgs == 8
    assert ds.metainfo["classes"] == ("pedestrian",)
    video = ds.get_data_info(1)
    assert video["video_id"] == 2 and video["video_length"] == 3
    assert video["video_name"] == "vid2"
    frame = video["images"][2]
    assert frame["frame_id"] == 2 and frame["img_id"] == 202
    assert frame["img_path"] == os.path.join(root, "vid2/000002.png")
    assert [ins["bbox"] for ins in frame["instances"]] == [xyxy(0, 2), xyxy(1, 2)]
    assert [ins["instance_id"] for ins in frame["instances"]] == [20, 21]
    assert all(ins["bbox_label"] == 0 and ins["ignore_flag"] == 0 for ins in frame["instances"])
    assert ds.get_video_shape(0) == (40, 64)
    assert ds.get_cat_ids((0, 1)) == [0, 0]


def test_pipeline_output_for_key_and_reference(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(5, 3))
    # [-1, 0] without the key frame: the only reference is the previous frame.
    ds = build(
        root,
        ann,
        pipeline=PIPELINE,
        ref_img_sampler=dict(frame_range=[-1, 0], num_ref_imgs=1, method="uniform"),
    )
    out = ds[(0, 3)]
    assert out["inputs"].shape == (2, 3, 40, 64) and out["inputs"].dtype == torch.uint8
    sample = out["data_samples"]
    assert isinstance(sample, TrackDataSample) and len(sample) == 2
    assert sample.key_frames_inds == [0] and sample.ref_frames_inds == [1]
    assert [s.frame_id for s in sample] == [3, 2]
    key = sample[0]
    assert key.video_id == 1 and key.video_length == 5 and key.img_id == 103
    assert key.ori_shape == (40, 64) and key.img_shape == (40, 64)
    assert key.scale_factor == (1.0, 1.0) and key.flip is False
    torch.testing.assert_close(
        key.gt_instances.bboxes, torch.tensor([xyxy(0, 3), xyxy(1, 3)], dtype=torch.float32)
    )
    assert key.gt_instances.labels.tolist() == [0, 0]
    assert key.gt_instances.instances_id.tolist() == [10, 11]
    assert len(key.ignored_instances) == 0
    # the pixels are those of the PNG written for frame 2 of video 1
    import cv2

    ref_img = cv2.imread(os.path.join(root, "vid1/000002.png"))
    assert torch.equal(out["inputs"][1], torch.from_numpy(ref_img).permute(2, 0, 1))
    # the first frame has no previous frame: the key frame stands in
    first = ds[(0, 0)]["data_samples"]
    assert [s.frame_id for s in first] == [0, 0]


def test_int_index_train_and_test(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(4,))
    train = build(root, ann, pipeline=PIPELINE)
    np.random.seed(0)
    import random

    random.seed(0)
    frames = {train[0]["data_samples"][0].frame_id for _ in range(30)}
    assert frames == {0, 1, 2, 3}  # a random key frame of the video
    test = build(root, ann, pipeline=PIPELINE, test_mode=True)
    whole = test[0]
    assert whole["inputs"].shape[0] == 4
    assert [s.frame_id for s in whole["data_samples"]] == [0, 1, 2, 3]
    assert whole["data_samples"].key_frames_inds == [0, 1, 2, 3]
    single = test[(0, 2)]
    assert single["inputs"].shape == (1, 3, 40, 64)
    assert single["data_samples"][0].frame_id == 2


def test_key_img_sampler_and_filter(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(
        root, video_lengths=(6, 2), write_images=False, empty_frames=[(1, 2), (2, 0), (2, 1)]
    )
    ds = build(root, ann, key_img_sampler=dict(interval=2))
    assert ds.get_key_frame_inds(0) == [0, 2, 4] and ds.get_key_frame_inds(1) == [0]
    # video 2 is empty everywhere: dropped; frame 2 of video 1 is empty: not a key frame
    ds = build(root, ann, key_img_sampler=dict(interval=2), filter_cfg=dict(filter_empty_gt=True))
    assert len(ds) == 1 and ds.get_key_frame_inds(0) == [0, 4]
    assert ds.get_len_per_video(0) == 6  # reference frames still come from all frames
    # images smaller than min_size are dropped
    ds = build(root, ann, filter_cfg=dict(filter_empty_gt=False, min_size=41))
    assert len(ds) == 0
    # test mode never filters
    ds = build(root, ann, filter_cfg=dict(filter_empty_gt=True), test_mode=True)
    assert len(ds) == 2 and ds.get_key_frame_inds(1) == [0, 1]


def test_classes_follow_metainfo_order(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(root, categories=("car", "person"), write_images=False)
    data = json.load(open(ann))
    data["annotations"][0]["category_id"] = 2
    json.dump(data, open(ann, "w"))
    ds = build(root, ann, metainfo=dict(classes=("person", "bike", "car")))
    labels = [ins["bbox_label"] for ins in ds.get_data_info(0)["images"][0]["instances"]]
    assert labels == [0, 2]  # person -> 0, car -> 2 (index in classes)
    only_person = build(root, ann, metainfo=dict(classes=("person",)))
    assert len(only_person.get_data_info(0)["images"][0]["instances"]) == 1


def test_skipped_and_crowd_annotations(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(1,), num_objects=4, write_images=False)
    data = json.load(open(ann))
    anns = data["annotations"]
    anns[0]["iscrowd"] = True  # kept, ignored
    anns[1]["bbox"] = [100, 100, 5, 5]  # outside the 64x40 image: skipped
    anns[2]["bbox"] = [1, 1, 0.5, 5]  # narrower than 1 pixel: skipped
    anns[3]["ignore"] = True  # skipped
    json.dump(data, open(ann, "w"))
    instances = build(root, ann).get_data_info(0)["images"][0]["instances"]
    assert len(instances) == 1 and instances[0]["ignore_flag"] == 1


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda d: d["annotations"][1].update(bbox=[1, 2, -3, 4]), "'bbox'"),
        (lambda d: d["annotations"][1].update(bbox=[1, 2, 3]), "'bbox'"),
        (lambda d: d["annotations"][1].pop("bbox"), "'bbox'"),
        (lambda d: d["annotations"][1].update(bbox=[1, 2, float("nan"), 4]), "'bbox'"),
        (lambda d: d["images"][1].pop("width"), "'width'"),
        (lambda d: d["images"][1].pop("file_name"), "'file_name'"),
        (lambda d: d["categories"][0].pop("name"), "'name'"),
        (lambda d: d["annotations"][1].update(id=1), "repeats id 1"),
    ],
)
def test_malformed_annotation_names_file_and_field(tmp_path, edit, field):
    root = str(tmp_path)
    ann = make_cocovid(root, write_images=False)
    data = json.load(open(ann))
    edit(data)
    with open(ann, "w") as f:
        json.dump(data, f, allow_nan=True)
    with pytest.raises(ValueError) as e:
        build(root, ann)
    assert ann in str(e.value) and field in str(e.value)


def test_missing_image_file_at_load(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(3,))
    os.remove(os.path.join(root, "vid1/000001.png"))
    ds = build(root, ann, pipeline=PIPELINE, test_mode=True)
    ds[(0, 0)]  # present
    with pytest.raises(FileNotFoundError) as e:
        ds[(0, 1)]
    msg = str(e.value)
    assert os.path.join(root, "vid1/000001.png") in msg and "'img_path'" in msg
    assert "frame_id=1" in msg


def test_bad_index_and_config(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(3,), write_images=False)
    ds = build(root, ann, test_mode=True)
    with pytest.raises(IndexError):
        ds.prepare_data((0, 3))
    with pytest.raises(ValueError, match="interval"):
        build(root, ann, key_img_sampler=dict(interval=0))
    with pytest.raises(ValueError, match="frame_range"):
        build(root, ann, ref_img_sampler=dict(frame_range=-2))
