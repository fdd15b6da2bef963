"""SOT info generators: exact output lines on tiny native layouts written here."""

from __future__ import annotations

import importlib.util
import os
import os.path as osp

import pytest

from mmtrack.datasets import GOT10kDataset, LaSOTDataset
from tests.helpers.sot_layouts import (
    make_got10k_video,
    make_lasot_video,
    make_otb_video,
    make_trackingnet_video,
    make_uav123_sequence,
    make_vot_video,
)

TOOLS = osp.join(osp.dirname(__file__), "..", "..", "tools", "dataset_converters")
HEADER = (
    "The format of each line in this txt is "
    "(video_path,annotation_path,start_frame_id,end_frame_id)"
)


def load_tool(rel_path):
    path = osp.join(TOOLS, rel_path)
    name = "sot_tool_" + rel_path.replace("/", "_").replace(".py", "")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_lines(path):
    with open(path) as f:
        return f.read().split("\n")


def test_gen_lasot_infos(tmp_path, capsys):
    root, out = str(tmp_path / "LaSOTBenchmark"), str(tmp_path / "annotations")
    make_lasot_video(root, "airplane-1", [[0, 0, 1, 1]] * 3, real_images=False)
    make_lasot_video(root, "airplane-10", [[0, 0, 1, 1]] * 2, real_images=False)
    make_lasot_video(root, "cat-2", [[0, 0, 1, 1]] * 4, real_images=False)
    test_list = tmp_path / "testing_set.txt"
    test_list.write_text("cat-2\nairplane-10\n")
    tool = load_tool("lasot/gen_lasot_infos.py")

    with pytest.raises(FileNotFoundError, match="testing_set.txt not found"):
        tool.main(["-i", root, "-o", out, "--split", "test"])
    assert not osp.exists(out) or not os.listdir(out)

    tool.main(["-i", root, "-o", out, "--test-list", str(test_list)])
    assert read_lines(osp.join(out, "lasot_train_infos.txt")) == [
        HEADER,
        "airplane/airplane-1/img,airplane/airplane-1/groundtruth.txt,1,3",
    ]
    assert read_lines(osp.join(out, "lasot_test_infos.txt")) == [
        HEADER,
        "airplane/airplane-10/img,airplane/airplane-10/groundtruth.txt,1,2",
        "cat/cat-2/img,cat/cat-2/groundtruth.txt,1,4",
    ]
    assert "LaSOT test: 2 videos, 6 frames" in capsys.readouterr().out
    assert sorted(os.listdir(out)) == ["lasot_test_infos.txt", "lasot_train_infos.txt"]

    # the dataset reads the same videos from the info file as from the folders
    from_file = LaSOTDataset(
        ann_file=osp.join(out, "lasot_test_infos.txt"), data_prefix=dict(img_path=root)
    )
    assert from_file.num_videos == 2 and from_file.get_len_per_video(1) == 4


def test_gen_got10k_infos(tmp_path):
    root, out = str(tmp_path / "got10k"), str(tmp_path / "annotations")
    make_got10k_video(root, "train", "GOT-10k_Train_000002", [[0, 0, 1, 1]] * 3, real_images=False)
    make_got10k_video(root, "train", "GOT-10k_Train_000001", [[0, 0, 1, 1]] * 2, real_images=False)
    make_got10k_video(root, "val", "GOT-10k_Val_000001", [[0, 0, 1, 1]] * 4, real_images=False)
    make_got10k_video(root, "test", "GOT-10k_Test_000001", [[0, 0, 1, 1]], num_frames=5,
                      real_images=False)  # fmt: skip
    (tmp_path / "got10k" / "train" / "got10k_vot_train_split.txt").write_text("1\n")
    (tmp_path / "got10k" / "train" / "got10k_vot_val_split.txt").write_text("0\n")
    load_tool("got10k/gen_got10k_infos.py").main(["-i", root, "-o", out])
    assert read_lines(osp.join(out, "got10k_train_infos.txt")) == [
        HEADER,
        "train/GOT-10k_Train_000001,train/GOT-10k_Train_000001/groundtruth.txt,1,2",
        "train/GOT-10k_Train_000002,train/GOT-10k_Train_000002/groundtruth.txt,1,3",
    ]
    assert read_lines(osp.join(out, "got10k_train_vot_infos.txt"))[1:] == [
        "train/GOT-10k_Train_000002,train/GOT-10k_Train_000002/groundtruth.txt,1,3"
    ]
    assert read_lines(osp.join(out, "got10k_val_vot_infos.txt"))[1:] == [
        "train/GOT-10k_Train_000001,train/GOT-10k_Train_000001/groundtruth.txt,1,2"
    ]
    assert read_lines(osp.join(out, "got10k_test_infos.txt"))[1:] == [
        "test/GOT-10k_Test_000001,test/GOT-10k_Test_000001/groundtruth.txt,1,5"
    ]
    assert read_lines(osp.join(out, "got10k_val_infos.txt"))[1:] == [
        "val/GOT-10k_Val_000001,val/GOT-10k_Val_000001/groundtruth.txt,1,4"
    ]
    ds = GOT10kDataset(
        ann_file=osp.join(out, "got10k_test_infos.txt"), data_prefix=dict(img_path=root),
        test_mode=True,
    )  # fmt: skip
    assert len(ds) == 5


def test_gen_trackingnet_infos(tmp_path):
    root, out = str(tmp_path), str(tmp_path / "annotations")
    make_trackingnet_video(root, "TRAIN_0", "vid_b", [[0, 0, 1, 1]] * 3, real_images=False)
    make_trackingnet_video(root, "TRAIN_0", "vid_a", [[0, 0, 1, 1]] * 2, real_images=False)
    make_trackingnet_video(root, "TRAIN_1", "vid_c", [[0, 0, 1, 1]] * 2, real_images=False)
    make_trackingnet_video(root, "TEST", "vid_t", [[0, 0, 1, 1]], num_frames=4, real_images=False)
    os.makedirs(osp.join(root, "TRAIN_0", "frames", "vid_empty"))  # skipped
    tool = load_tool("trackingnet/gen_trackingnet_infos.py")
    tool.main(["-i", root, "-o", out, "--split", "train", "--chunks", "0"])
    assert read_lines(osp.join(out, "trackingnet_train_infos.txt")) == [
        HEADER,
        "TRAIN_0/frames/vid_a,TRAIN_0/anno/vid_a.txt,0,1",
        "TRAIN_0/frames/vid_b,TRAIN_0/anno/vid_b.txt,0,2",
    ]
    tool.main(["-i", root, "-o", out, "--split", "test"])
    assert read_lines(osp.join(out, "trackingnet_test_infos.txt")) == [
        HEADER,
        "TEST/frames/vid_t,TEST/anno/vid_t.txt,0,3",
    ]
    with pytest.raises(FileNotFoundError, match="TRAIN_2"):
        tool.main(["-i", root, "-o", out, "--split", "train", "--chunks", "2"])


def test_gen_otb100_and_uav123_and_vot_infos(tmp_path):
    otb, out = str(tmp_path / "otb"), str(tmp_path / "annotations")
    make_otb_video(otb, "Basketball", 5, {"groundtruth_rect.txt": [[1, 1, 2, 2]] * 5})
    make_otb_video(otb, "Jogging", 3, {
        "groundtruth_rect.1.txt": [[1, 1, 2, 2]] * 3, "groundtruth_rect.2.txt": [[1, 1, 2, 2]] * 3,
    })  # fmt: skip
    load_tool("otb100/gen_otb100_infos.py").main(["-i", otb, "-o", out])
    assert read_lines(osp.join(out, "otb100_infos.txt")) == [
        HEADER,
        "Basketball/img,Basketball/groundtruth_rect.txt,1,5",
        "Jogging/img,Jogging/groundtruth_rect.1.txt,1,3",
        "Jogging/img,Jogging/groundtruth_rect.2.txt,1,3",
    ]

    uav = str(tmp_path / "UAV123")
    make_uav123_sequence(uav, "bird1", 777, {"bird1_1": [[0, 0, 1, 1]] * 5,
                                             "bird1_2": [[0, 0, 1, 1]] * 3})  # fmt: skip
    load_tool("uav123/gen_uav123_infos.py").main(["-i", uav, "-o", out])
    assert read_lines(osp.join(out, "uav123_infos.txt")) == [
        HEADER,
        "data_seq/UAV123/bird1,anno/UAV123/bird1_1.txt,1,5",
        "data_seq/UAV123/bird1,anno/UAV123/bird1_2.txt,775,777",
    ]

    vot = str(tmp_path / "vot2018")
    make_vot_video(vot, "bag", [[0, 0, 1, 0, 1, 1, 0, 1]] * 2, real_images=False)
    make_vot_video(vot, "ants1", [[0, 0, 1, 0, 1, 1, 0, 1]] * 3, real_images=False)
    load_tool("vot/gen_vot_infos.py").main(["-i", vot, "-o", out, "--dataset_type", "vot2018"])
    assert read_lines(osp.join(out, "vot2018_infos.txt")) == [
        HEADER,
        "data/ants1/color,data/ants1/groundtruth.txt,1,3",
        "data/bag/color,data/bag/groundtruth.txt,1,2",
    ]


def test_empty_sequence_fails_without_output(tmp_path):
    vot, out = str(tmp_path / "vot"), str(tmp_path / "annotations")
    make_vot_video(vot, "ants1", [[0, 0, 1, 0, 1, 1, 0, 1]], real_images=False)
    os.makedirs(osp.join(vot, "data", "empty", "color"))
    with pytest.raises(ValueError, match=r"empty.color: empty sequence"):
        load_tool("vot/gen_vot_infos.py").main(["-i", vot, "-o", out])
    assert not osp.exists(osp.join(out, "vot2018_infos.txt"))
    assert not osp.exists(out) or os.listdir(out) == []


@pytest.mark.parametrize(
    "gt, message",
    [
        ("0,0,1,1\n0,0,1,1\nnan,0,1,1\n", r"cat-2/groundtruth\.txt:3: box value is NaN"),
        ("0,0,1,1\n0,0,1\n0,0,1,1\n", r"cat-2/groundtruth\.txt:2: expected 4 values per box"),
        ("0,0,1,1\n0,0,1,1\n", r"cat-2/groundtruth\.txt: 2 boxes for 3 frames"),
        ("0,0,1,1\n0,0,-1,1\n0,0,1,1\n", r"cat-2/groundtruth\.txt:2: box has a negative"),
    ],
)
def test_gen_lasot_infos_checks_groundtruth_and_writes_nothing(tmp_path, gt, message):
    root, out = str(tmp_path / "LaSOTBenchmark"), str(tmp_path / "annotations")
    make_lasot_video(root, "airplane-1", [[0, 0, 1, 1]] * 3, real_images=False)
    make_lasot_video(root, "cat-2", [[0, 0, 1, 1]] * 3, real_images=False)
    (tmp_path / "LaSOTBenchmark" / "cat" / "cat-2" / "groundtruth.txt").write_text(gt)
    test_list = tmp_path / "testing_set.txt"
    test_list.write_text("cat-2\n")
    tool = load_tool("lasot/gen_lasot_infos.py")
    # the train split (airplane-1) is fine, the test split fails: no file at all
    with pytest.raises(ValueError, match=message):
        tool.main(["-i", root, "-o", out, "--test-list", str(test_list)])
    assert not osp.exists(out) or os.listdir(out) == []


def test_gen_got10k_infos_checks_groundtruth_and_writes_nothing(tmp_path):
    root, out = str(tmp_path / "got10k"), str(tmp_path / "annotations")
    make_got10k_video(root, "train", "GOT-10k_Train_000001", [[0, 0, 1, 1]] * 2, real_images=False)
    (tmp_path / "got10k" / "train" / "got10k_vot_train_split.txt").write_text("1\n")
    (tmp_path / "got10k" / "train" / "got10k_vot_val_split.txt").write_text("0\n")
    make_got10k_video(root, "val", "GOT-10k_Val_000001", [[0, 0, 1, 1]] * 3, real_images=False)
    val_gt = tmp_path / "got10k" / "val" / "GOT-10k_Val_000001" / "groundtruth.txt"
    val_gt.write_text("0,0,1,1\n0,0,1,1\n0,inf,1,1\n")
    make_got10k_video(root, "test", "GOT-10k_Test_000001", [[0, 0, 1, 1]], num_frames=5,
                      real_images=False)
    with pytest.raises(ValueError, match=r"GOT-10k_Val_000001/groundtruth\.txt:3: .*infinite"):
        load_tool("got10k/gen_got10k_infos.py").main(["-i", root, "-o", out])
    assert not osp.exists(out) or os.listdir(out) == []
    # the test split's first-frame-only groundtruth is accepted
    load_tool("got10k/gen_got10k_infos.py").main(["-i", root, "-o", out, "--split", "test"])
    assert os.listdir(out) == ["got10k_test_infos.txt"]
