"""SOT datasets on tiny native layouts written here; expected values by hand."""

from __future__ import annotations

import json
import os.path as osp

import numpy as np
import pytest

from mmtrack.datasets import (
    GOT10kDataset,
    LaSOTDataset,
    OTB100Dataset,
    SOTCocoDataset,
    SOTImageNetVIDDataset,
    TrackingNetDataset,
    UAV123Dataset,
    VOTDataset,
)
from mmtrack.datasets.base_sot_dataset import INFO_HEADER, write_info_file
from mmtrack.registry import DATASETS
from mmtrack.utils import register_all_modules
from tests.helpers.sot_layouts import (
    make_got10k_video,
    make_lasot_video,
    make_otb_video,
    make_trackingnet_video,
    make_uav123_sequence,
    make_vot_video,
    write_rows,
)

register_all_modules()

AIRPLANE1 = [[1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6]]
AIRPLANE2 = [[10, 10, 2, 2], [11, 11, 0, 3]]


@pytest.fixture
def lasot_root(tmp_path):
    root = str(tmp_path / "LaSOTBenchmark")
    make_lasot_video(
        root, "airplane-1", AIRPLANE1, full_occlusion=[0, 1, 0], out_of_view=[0, 0, 1],
        real_images=False,
    )  # fmt: skip
    make_lasot_video(root, "airplane-2", AIRPLANE2, real_images=False)
    return root


def test_lasot_native_layout_test_mode(lasot_root):
    ds = DATASETS.build(
        dict(type="LaSOTDataset", data_prefix=dict(img_path=lasot_root), test_mode=True)
    )
    assert isinstance(ds, LaSOTDataset)
    assert ds.num_videos == 2
    assert len(ds) == 5  # 3 + 2 frames, one item per frame
    assert [ds.get_len_per_video(i) for i in range(2)] == [3, 2]

    ann = ds.get_ann_infos_from_video(0)
    np.testing.assert_allclose(ann["bboxes"], [[1, 2, 4, 6], [2, 3, 6, 8], [3, 4, 8, 10]])
    assert ann["visible"].tolist() == [True, False, False]

    item = ds[1]  # video 0, frame 1
    assert (item["video_id"], item["frame_id"], item["video_length"]) == (0, 1, 3)
    assert item["img_path"] == osp.join(lasot_root, "airplane", "airplane-1", "img", "00000002.jpg")
    np.testing.assert_allclose(item["gt_bboxes"], [[2, 3, 6, 8]])
    assert item["gt_bboxes"].dtype == np.float32
    assert item["visible"] is False
    assert "init_bbox" not in item
    assert item["video_name"] == "airplane-1"

    first = ds[3]  # video 1, frame 0
    assert (first["video_id"], first["frame_id"], first["video_length"]) == (1, 0, 2)
    np.testing.assert_allclose(first["init_bbox"], [10, 10, 12, 12])
    assert first["instances"][0]["bbox_label"] == 0
    # (video, frame) tuples, as VideoSampler yields them, address the same items
    np.testing.assert_allclose(ds[(1, 1)]["gt_bboxes"], [[11, 11, 11, 14]])
    # a zero-width box is invalid, hence not visible
    assert ds.get_ann_infos_from_video(1)["visible"].tolist() == [True, False]


def test_lasot_info_file_matches_native_layout(lasot_root, tmp_path):
    info_path = str(tmp_path / "lasot_test_infos.txt")
    with open(info_path, "w") as f:
        f.write(INFO_HEADER + "\n")
        f.write("airplane/airplane-2/img,airplane/airplane-2/groundtruth.txt,1,2\n")
    ds = LaSOTDataset(ann_file=info_path, data_prefix=dict(img_path=lasot_root), test_mode=True)
    assert ds.num_videos == 1 and len(ds) == 2
    np.testing.assert_allclose(ds[0]["gt_bboxes"], [[10, 10, 12, 12]])


def test_video_sampler_covers_every_frame(lasot_root):
    from mmtrack.datasets.samplers import VideoSampler

    ds = LaSOTDataset(data_prefix=dict(img_path=lasot_root), test_mode=True)
    seen = []
    for rank in range(2):
        seen += list(VideoSampler(ds, rank=rank, world_size=2))
    assert sorted(seen) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    assert [ds[i]["frame_id"] for i in seen[:3]] == [0, 1, 2]


def test_training_mode_yields_pairs(lasot_root):
    ds = LaSOTDataset(
        data_prefix=dict(img_path=lasot_root),
        pipeline=[dict(type="PairSampling", frame_range=1, pos_prob=1.0)],
    )
    assert len(ds) == 2  # one item per video
    out = ds[0]
    # only frame 0 of airplane-1 is visible: template and search are frame 0
    assert out["frame_id"] == [0, 0] and out["video_id"] == [0, 0]
    np.testing.assert_allclose(out["gt_bboxes"][0], [[1, 2, 4, 6]])
    assert [int(x[0]) for x in out["gt_bboxes_labels"]] == [1, 1]
    # negatives come from another video
    neg = LaSOTDataset(
        data_prefix=dict(img_path=lasot_root),
        pipeline=[dict(type="PairSampling", pos_prob=0.0)],
    )
    for idx in (0, 1, 0, 1):
        assert neg[idx]["video_id"] == [idx, 1 - idx]


@pytest.mark.parametrize(
    "rows, message",
    [
        ([[1, 2, 3], [1, 2, 3, 4], [1, 2, 3, 4]], "groundtruth.txt:1: expected 4 values"),
        ([[1, 2, 3, 4], [1, "a", 3, 4], [1, 2, 3, 4]], "groundtruth.txt:2: box value is not"),
        ([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, -3, 4]], "groundtruth.txt:3: box has a negative"),
        ([[1, 2, 3, 4], [1, 2, 3, 4]], "has 2 boxes but the video"),
    ],
)
def test_malformed_box_files(tmp_path, rows, message):
    root = str(tmp_path / "lasot")
    video_dir = make_lasot_video(root, "cat-1", [[0, 0, 1, 1]] * 3, real_images=False)
    write_rows(osp.join(video_dir, "groundtruth.txt"), rows)
    ds = LaSOTDataset(data_prefix=dict(img_path=root))
    with pytest.raises(ValueError, match=message):
        ds.get_ann_infos_from_video(0)


def test_missing_annotation_and_bad_info_file(tmp_path, lasot_root):
    bad = str(tmp_path / "bad_infos.txt")
    with open(bad, "w") as f:
        f.write(INFO_HEADER + "\nairplane/airplane-1/img,airplane/airplane-1/groundtruth.txt,1,x\n")
    with pytest.raises(ValueError, match=r"bad_infos.txt:2: start_frame_id/end_frame_id"):
        LaSOTDataset(ann_file=bad, data_prefix=dict(img_path=lasot_root))
    with open(bad, "w") as f:
        f.write(INFO_HEADER + "\nairplane/airplane-1/img,1,3\n")
    with pytest.raises(ValueError, match=r"bad_infos.txt:2: expected 4 comma-separated"):
        LaSOTDataset(ann_file=bad, data_prefix=dict(img_path=lasot_root))

    missing = str(tmp_path / "missing_infos.txt")
    write_info_file(
        missing,
        [dict(video_path="a/a-1/img", ann_path="a/a-1/groundtruth.txt", start_frame_id=1,
              end_frame_id=2)],
    )  # fmt: skip
    ds = LaSOTDataset(ann_file=missing, data_prefix=dict(img_path=lasot_root))
    with pytest.raises(FileNotFoundError, match=r"a-1/groundtruth.txt: annotation file not found"):
        ds.get_bboxes_from_video(0)


def test_got10k_visibility_and_first_frame_only_test(tmp_path):
    root = str(tmp_path / "got10k")
    make_got10k_video(
        root, "train", "GOT-10k_Train_000001", [[0, 0, 4, 4]] * 4,
        absence=[0, 0, 1, 0], cover=[8, 0, 3, 4], real_images=False,
    )  # fmt: skip
    ds = GOT10kDataset(data_prefix=dict(img_path=osp.join(root, "train")))
    ann = ds.get_ann_infos_from_video(0)
    assert ann["visible"].tolist() == [True, False, False, True]
    np.testing.assert_allclose(ann["visible_ratio"], [1.0, 0.0, 0.375, 0.5])

    # the test split ships only the first box: fine in test mode, not in training
    make_got10k_video(root, "test", "GOT-10k_Test_000001", [[1, 1, 2, 3]], num_frames=3,
                      real_images=False)  # fmt: skip
    test_ds = GOT10kDataset(data_prefix=dict(img_path=osp.join(root, "test")), test_mode=True)
    assert len(test_ds) == 3
    np.testing.assert_allclose(test_ds[0]["gt_bboxes"], [[1, 1, 3, 4]])
    np.testing.assert_allclose(test_ds[0]["init_bbox"], [1, 1, 3, 4])
    assert test_ds[2]["gt_bboxes"].shape == (0, 4)
    assert "bbox" not in test_ds[2]["instances"][0]
    train_ds = GOT10kDataset(data_prefix=dict(img_path=osp.join(root, "test")))
    with pytest.raises(ValueError, match="has 1 boxes but the video"):
        train_ds.get_bboxes_from_video(0)


def test_got10k_split_archives_are_reported(tmp_path):
    (tmp_path / "train" / "GOT-10k_Train_split_01").mkdir(parents=True)
    with pytest.raises(ValueError, match="GOT-10k_Train_split_"):
        GOT10kDataset(data_prefix=dict(img_path=str(tmp_path / "train")))


def test_trackingnet_chunks_and_zero_based_frames(tmp_path):
    root = str(tmp_path)
    make_trackingnet_video(root, "TRAIN_0", "vid_a", [[0, 0, 2, 2]] * 2, real_images=False)
    make_trackingnet_video(root, "TRAIN_3", "vid_b", [[5, 5, 1, 1]] * 3, real_images=False)
    make_trackingnet_video(root, "TEST", "vid_t", [[1, 1, 1, 1]], num_frames=4, real_images=False)
    ds = TrackingNetDataset(chunks_list=[3], data_prefix=dict(img_path=root))
    assert ds.num_videos == 1
    info = ds.get_img_infos_from_video(0)
    assert info["img_paths"][0] == osp.join(root, "TRAIN_3", "frames", "vid_b", "0.jpg")
    assert info["video_length"] == 3
    test_ds = TrackingNetDataset(data_prefix=dict(img_path=root), test_mode=True)
    assert test_ds.num_videos == 1 and len(test_ds) == 4
    with pytest.raises(ValueError, match="chunks must be in 0..11"):
        TrackingNetDataset(chunks_list=[12], data_prefix=dict(img_path=root))


def test_otb100_special_sequences(tmp_path):
    root = str(tmp_path)
    make_otb_video(root, "Jogging", 3, {
        "groundtruth_rect.1.txt": [[1, 1, 2, 2]] * 3,
        "groundtruth_rect.2.txt": [[5, 5, 1, 1]] * 3,
    })  # fmt: skip
    make_otb_video(root, "Tiger1", 8, {"groundtruth_rect.txt": [[i, 0, 1, 1] for i in range(8)]})
    make_otb_video(root, "David", 303, {"groundtruth_rect.txt": [[7, 8, 9, 10]] * 4}, sep="\t")
    make_otb_video(root, "Board", 2, {"groundtruth_rect.txt": [[0, 0, 3, 3]] * 2}, sep=" ")
    ds = OTB100Dataset(data_prefix=dict(img_path=root), test_mode=True)
    infos = [ds.get_data_info(i) for i in range(ds.num_videos)]
    ranges = {ds.get_video_name(i): (x["start_frame_id"], x["end_frame_id"])
              for i, x in enumerate(infos)}  # fmt: skip
    assert ranges == {
        "Board": (1, 2), "David": (300, 303), "Jogging-1": (1, 3), "Jogging-2": (1, 3),
        "Tiger1": (6, 8),
    }  # fmt: skip
    board = ds.get_img_infos_from_video(0)
    assert board["img_paths"][1].endswith(osp.join("Board", "img", "00002.jpg"))
    david = ds.get_img_infos_from_video(1)
    assert david["img_paths"][0].endswith(osp.join("David", "img", "0300.jpg"))
    np.testing.assert_allclose(ds.get_ann_infos_from_video(1)["bboxes"][0], [7, 8, 16, 18])
    # Tiger1: the first 5 boxes belong to skipped frames; frame 6 has box x=5
    tiger = ds.get_ann_infos_from_video(4)
    np.testing.assert_allclose(tiger["bboxes"][:, 0], [5, 6, 7])

    # the same quirks apply when the videos come from an info file
    info_file = str(tmp_path / "otb100_infos.txt")
    write_info_file(info_file, [infos[0], infos[4]])
    from_file = OTB100Dataset(ann_file=info_file, data_prefix=dict(img_path=root), test_mode=True)
    assert from_file.get_img_infos_from_video(0)["img_paths"][0].endswith("00001.jpg")
    np.testing.assert_allclose(from_file.get_ann_infos_from_video(1)["bboxes"][:, 0], [5, 6, 7])


def test_uav123_parts_and_nan_boxes(tmp_path):
    root = str(tmp_path)
    part2 = [[1, 1, 4, 4], [float("nan")] * 4, [2, 2, 4, 4]]
    make_uav123_sequence(root, "bird1", 777, {"bird1_1": [[0, 0, 1, 1]] * 5, "bird1_2": part2})
    make_uav123_sequence(root, "car1_s", 2, {"car1_s": [[3, 3, 3, 3]] * 2})
    ds = UAV123Dataset(data_prefix=dict(img_path=root), test_mode=True)
    infos = [ds.get_data_info(i) for i in range(ds.num_videos)]
    assert [(i["video_path"], i["start_frame_id"], i["end_frame_id"]) for i in infos] == [
        (osp.join("data_seq", "UAV123", "bird1"), 1, 5),
        (osp.join("data_seq", "UAV123", "bird1"), 775, 777),
        (osp.join("data_seq", "UAV123", "car1_s"), 1, 2),
    ]
    assert ds.get_img_infos_from_video(1)["img_paths"][0].endswith("000775.jpg")
    ann = ds.get_ann_infos_from_video(1)
    assert ann["visible"].tolist() == [True, False, True]
    assert ds.get_video_name(1) == "bird1_2"


def test_vot_polygons_to_axis_aligned_boxes(tmp_path):
    root = str(tmp_path)
    # a square of side 2*sqrt(2) rotated by 45 degrees around (5, 5)
    diamond = [5, 3, 7, 5, 5, 7, 3, 5]
    make_vot_video(root, "ants1", [diamond, [1, 2, 3, 4]], real_images=False)
    ds = VOTDataset(data_prefix=dict(img_path=root), test_mode=True)
    ann = ds.get_ann_infos_from_video(0)
    # minmax: enclosing box; a 4-value rectangle x,y,w,h gives its 4 corners
    np.testing.assert_allclose(ann["bboxes"], [[3, 3, 7, 7], [1, 2, 4, 6]])
    np.testing.assert_allclose(ann["polygons"], [diamond, [1, 2, 4, 2, 4, 6, 1, 6]])
    item = ds[0]
    np.testing.assert_allclose(item["gt_polygons"], [diamond])
    np.testing.assert_allclose(item["instances"][0]["polygon"], diamond)

    area = VOTDataset(data_prefix=dict(img_path=root), test_mode=True, bbox_mode="area")
    # area of the diamond is (2*sqrt(2))^2 = 8, the enclosing box 4x4=16:
    # scale sqrt(8/16), so a box of side 4/sqrt(2) = 2*sqrt(2) centred at (5, 5)
    half = np.sqrt(2)
    np.testing.assert_allclose(
        area.get_ann_infos_from_video(0)["bboxes"][0], [5 - half, 5 - half, 5 + half, 5 + half],
        rtol=1e-6,
    )  # fmt: skip
    with pytest.raises(ValueError, match="dataset_type must be one of"):
        VOTDataset(dataset_type="vot2030", data_prefix=dict(img_path=root))


def _write_json(path, content):
    with open(path, "w") as f:
        json.dump(content, f)
    return str(path)


def test_sot_coco_one_frame_videos(tmp_path):
    ann_file = _write_json(tmp_path / "coco.json", {
        "images": [{"id": 1, "file_name": "a.jpg", "height": 10, "width": 10}],
        "annotations": [
            {"id": 7, "image_id": 1, "bbox": [1, 2, 3, 4], "category_id": 1, "iscrowd": 0},
            {"id": 8, "image_id": 1, "bbox": [0, 0, 5, 5], "category_id": 1, "iscrowd": 1},
        ],
        "categories": [{"id": 1, "name": "x"}],
    })  # fmt: skip
    ds = SOTCocoDataset(ann_file=ann_file, data_prefix=dict(img_path="imgs"))
    assert ds.num_videos == 1 and ds.get_len_per_video(0) == 1
    infos = ds.get_video_infos(0)
    assert infos["img_paths"] == [osp.join("imgs", "a.jpg")]
    np.testing.assert_allclose(infos["bboxes"], [[1, 2, 4, 6]])


def test_sot_imagenet_vid_instances_as_videos(tmp_path):
    images = [
        {"id": i + 1, "file_name": f"v/{i}.JPEG", "video_id": 1, "frame_id": f, "height": 9,
         "width": 9}
        for i, f in enumerate([2, 0, 5])
    ]  # fmt: skip
    anns = [
        {"id": 1, "image_id": 1, "instance_id": 3, "bbox": [2, 2, 2, 2], "occluded": True},
        {"id": 2, "image_id": 2, "instance_id": 3, "bbox": [0, 0, 2, 2]},
        {"id": 3, "image_id": 3, "instance_id": 3, "bbox": [5, 5, 2, 2]},
        {"id": 4, "image_id": 2, "instance_id": 4, "bbox": [1, 1, 1, 1]},
    ]
    for ann in anns:
        ann.update(category_id=1, iscrowd=0)
    ann_file = _write_json(tmp_path / "vid.json", {
        "images": images, "annotations": anns, "categories": [{"id": 1, "name": "x"}],
        "videos": [{"id": 1, "name": "v"}],
    })  # fmt: skip
    ds = SOTImageNetVIDDataset(ann_file=ann_file)
    assert ds.num_videos == 2
    infos = ds.get_video_infos(0)
    assert infos["frame_ids"].tolist() == [0, 2, 5]  # in frame order
    assert infos["img_paths"] == ["v/1.JPEG", "v/0.JPEG", "v/2.JPEG"]
    np.testing.assert_allclose(infos["bboxes"][:, 0], [0, 2, 5])
    assert infos["visible"].tolist() == [True, False, True]
    assert ds.get_len_per_video(1) == 1
