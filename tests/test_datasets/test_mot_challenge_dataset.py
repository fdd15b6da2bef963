import json
import os
import pickle

import numpy as np
import pytest
import torch

from mmtrack.registry import DATASETS
from tests.helpers.data import make_cocovid


def _mot_file(root):
    """3 frames of one video, 4 objects; per-object MOT fields edited below."""
    ann = make_cocovid(
        root,
        video_lengths=(3,),
        num_objects=4,
        ann_extra=dict(visibility=1.0, mot_conf=1.0, mot_class_id=1),
    )
    data = json.load(open(ann))
    for a in data["annotations"]:
        k = a["instance_id"] - 10
        if k == 1:
            a["mot_class_id"] = 7  # static person: ignored
        elif k == 2:
            a["visibility"] = 0.2  # low visibility
        elif k == 3:
            a["mot_conf"] = 0.0  # "do not consider"
    # a non-pedestrian, non-distractor class (car = 3) is skipped
    extra = dict(data["annotations"][0], id=999, mot_class_id=3, instance_id=99)
    data["annotations"].append(extra)
    json.dump(data, open(ann, "w"))
    return ann


def build(root, ann, **kw):
    cfg = dict(type="MOTChallengeDataset", ann_file=ann, data_prefix=dict(img_path=root))
    cfg.update(kw)
    return DATASETS.build(cfg)


def test_ignore_rules_train_and_test(tmp_path):
    root = str(tmp_path)
    ann = _mot_file(root)
    train = build(root, ann, visibility_thr=0.5)
    ins = train.get_data_info(0)["images"][0]["instances"]
    assert [i["instance_id"] for i in ins] == [10, 11, 12, 13]  # id 99 (car) skipped
    assert [i["ignore_flag"] for i in ins] == [0, 1, 1, 1]
    assert ins[2]["visibility"] == 0.2 and ins[1]["mot_class_id"] == 7
    test = build(root, ann, visibility_thr=0.5, test_mode=True)
    ins = test.get_data_info(0)["images"][0]["instances"]
    assert [i["ignore_flag"] for i in ins] == [0, 1, 0, 1]  # visibility not used in test
    assert train.metainfo["classes"] == ("pedestrian",)


def test_ignored_instances_are_packed_apart(tmp_path):
    root = str(tmp_path)
    ann = _mot_file(root)
    pipeline = [
        dict(
            type="TransformBroadcaster",
            transforms=[dict(type="LoadImageFromFile"), dict(type="LoadTrackAnnotations")],
        ),
        dict(type="PackTrackInputs"),
    ]
    ds = build(root, ann, visibility_thr=0.5, pipeline=pipeline, test_mode=True)
    frame = ds[(0, 1)]["data_samples"][0]
    assert frame.gt_instances.instances_id.tolist() == [10, 12]
    assert frame.ignored_instances.instances_id.tolist() == [11, 13]
    # boxes of frame 1: x = 2 + 3 + 10 k, y = 4 + 5 k, w = 6 + k, h = 8
    torch.testing.assert_close(
        frame.ignored_instances.bboxes, torch.tensor([[15.0, 9, 22, 17], [35, 19, 44, 27]])
    )


def test_public_detections(tmp_path):
    root = str(tmp_path)
    ann = _mot_file(root)
    det_file = os.path.join(root, "dets.pkl")
    dets = {
        "vid1/000000.png": [np.array([[1, 2, 3, 4, 0.9], [5, 6, 7, 8, 0.5]], np.float32)],
        "vid1/000002.png": np.array([[0, 0, 10, 10, 0.3]], np.float32),
    }
    with open(det_file, "wb") as f:
        pickle.dump(dict(det_bboxes=dets), f)
    pipeline = [
        dict(type="TransformBroadcaster", transforms=[dict(type="LoadImageFromFile")]),
        dict(type="PackTrackInputs"),
    ]
    ds = build(root, ann, detection_file=det_file, pipeline=pipeline, test_mode=True)
    frames = ds.get_data_info(0)["images"]
    np.testing.assert_array_equal(frames[0]["public_bboxes"], [[1, 2, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_allclose(frames[0]["public_scores"], [0.9, 0.5])
    assert frames[1]["public_bboxes"].shape == (0, 4)  # no detections for that frame
    public = ds[(0, 2)]["data_samples"][0].public_instances
    torch.testing.assert_close(public.bboxes, torch.tensor([[0.0, 0, 10, 10]]))
    torch.testing.assert_close(public.scores, torch.tensor([0.3]))
    assert public.labels.tolist() == [0]
    # a file matching no image is an error
    with open(det_file, "wb") as f:
        pickle.dump(dict(det_bboxes={"other.png": dets["vid1/000002.png"]}), f)
    with pytest.raises(ValueError, match="det_bboxes"):
        build(root, ann, detection_file=det_file)
    # a pickle that would run code is refused
    with open(det_file, "wb") as f:
        pickle.dump(dict(det_bboxes=dict(x=os.getcwd)), f)
    with pytest.raises(ValueError, match="refusing"):
        build(root, ann, detection_file=det_file)


def test_dancetrack_is_mot(tmp_path):
    root = str(tmp_path)
    ds = DATASETS.build(
        dict(type="DanceTrackDataset", ann_file=_mot_file(root), data_prefix=dict(img_path=root))
    )
    assert [i["ignore_flag"] for i in ds.get_data_info(0)["images"][0]["instances"]] == [
        0,
        1,
        0,
        1,
    ]


def test_reads_the_converter_output(tmp_path):
    """Synthetic MOTChallenge sequences -> mot2coco.py -> MOTChallengeDataset."""
    import runpy

    from mmtrack.datasets.synthetic import generate_mot_sequences

    root = str(tmp_path)
    generate_mot_sequences(root, num_seqs=2, num_frames=6, img_size=(48, 64), max_objects=3)
    tool = os.path.join(os.path.dirname(__file__), "../../tools/dataset_converters/mot/mot2coco.py")
    main = runpy.run_path(tool)["main"]
    main(["-i", root, "-o", os.path.join(root, "annotations"), "--split-train", "--convert-det"])
    pipeline = [
        dict(
            type="TransformBroadcaster",
            transforms=[dict(type="LoadImageFromFile"), dict(type="LoadTrackAnnotations")],
        ),
        dict(type="PackTrackInputs"),
    ]
    ds = DATASETS.build(
        dict(
            type="MOTChallengeDataset",
            data_root=root,
            ann_file="annotations/half-val_cocoformat.json",
            data_prefix=dict(img_path="train"),
            detection_file=os.path.join(root, "annotations/half-val_detections.pkl"),
            pipeline=pipeline,
            test_mode=True,
        )
    )
    # half-val holds the last 6 - (6 // 2 + 1) = 2 frames of each video
    assert len(ds) == 2 and [ds.get_len_per_video(i) for i in range(2)] == [2, 2]
    frame = ds[(1, 1)]["data_samples"][0]
    assert frame.frame_id == 1 and frame.mot_frame_id == 6
    assert frame.ori_shape == (48, 64)
    assert len(frame.gt_instances) == len(frame.instances) - len(frame.ignored_instances)
    assert frame.public_instances.bboxes.shape[1] == 4
