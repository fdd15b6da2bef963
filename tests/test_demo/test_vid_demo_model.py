"""The shipped SELSA demo model (VID): small, hash-named, loads, keeps its recorded
mAP@50 with and without reference frames on the unseen degraded synthetic videos
(``tools/analysis_tools/eval_vid_aggregation.py``, one run), and demo_vid.py uses
it when no config is given."""

import hashlib
import json
import os.path as osp

import pytest

from mmtrack.datasets.synthetic import FrameDegradation, generate_vis_videos
from tests.helpers.mot import torch_threads
from tests.helpers.tools import REPO_ROOT, load_tool

demo_vid = load_tool("demo/demo_vid.py")
eval_agg = load_tool("tools/analysis_tools/eval_vid_aggregation.py")
RECORD = osp.join(
    REPO_ROOT, "demo", "checkpoints", "selsa_faster-rcnn_r18-tiny_synthetic-degraded.json"
)
# Random weights find no box of the right class at IoU 0.5 (the tiny SELSA's
# untrained mAP@50 is 0.000 in test_selsa_learning.py): a model at or below
# this has learned nothing.
CHANCE_BAR = 0.05


@pytest.fixture(scope="module")
def unseen(tmp_path_factory):
    """The 6 test videos of the config's header (seed 2; training used seed 1)."""
    root = str(tmp_path_factory.mktemp("vid_demo") / "val")
    gen_json = generate_vis_videos(
        root,
        "train",
        num_videos=6,
        num_frames=12,
        img_size=(96, 128),
        max_objects=3,
        seed=2,
        degradation=FrameDegradation(every=3),
    )
    vis2coco = load_tool("tools/dataset_converters/youtubevis/youtubevis2coco.py")
    vis2coco.main(["-i", root, "-o", osp.join(root, "annotations"), "--version", "2019"])
    ann = osp.join(root, "annotations", "youtube_vis_2019_train.json")
    cfg = osp.join(root, "child.py")
    with open(cfg, "w") as f:
        f.write(
            f"_base_ = [{demo_vid.DEFAULT_CONFIG!r}]\n"
            f"val_dataloader = dict(dataset=dict(data_root={root + '/'!r}))\n"
            "test_dataloader = val_dataloader\n"
            f"val_evaluator = dict(ann_file={ann!r})\n"
            "test_evaluator = val_evaluator\n"
        )
    return dict(root=root, cfg=cfg, ann=ann, gen_json=gen_json)


def test_checkpoint_is_small_and_named_by_its_hash():
    path = demo_vid.default_checkpoint()
    assert osp.getsize(path) <= 5 * 1024 * 1024
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert path.endswith(f"-{digest[:8]}.pth")


def test_degraded_frames_are_those_the_generator_degraded(unseen):
    with open(unseen["gen_json"]) as f:
        gen = json.load(f)
    expected = {v["file_names"][t] for v in gen["videos"] for t in v["degraded_frames"]}
    with open(unseen["ann"]) as f:
        images = json.load(f)["images"]
    names = {im["id"]: im["file_name"] for im in images}
    ids = eval_agg.split_img_ids(unseen["ann"], 3)
    assert {names[i] for i in ids["degraded"]} == expected
    assert len(ids["degraded"]) == 6 * 4 and len(ids["clean"]) == 6 * 8


def test_recorded_map_with_and_without_references(unseen, tmp_path):
    out_json = str(tmp_path / "agg.json")
    with torch_threads(1):
        got = eval_agg.main(
            [
                unseen["cfg"],
                demo_vid.default_checkpoint(),
                "--degrade-every",
                "3",
                "--json",
                out_json,
            ]
        )
    with open(RECORD) as f:
        recorded = json.load(f)
    with open(out_json) as f:
        assert json.load(f) == got
    for refs in ("with_refs", "without_refs"):
        for subset in ("all", "degraded", "clean"):
            assert got[refs][subset] == pytest.approx(recorded[refs][subset], abs=0.005)
    # the demo model detects objects (far above what random weights score)
    assert got["with_refs"]["all"] > CHANCE_BAR
    assert got["without_refs"]["all"] > CHANCE_BAR


def test_demo_vid_defaults_to_the_shipped_model(unseen, tmp_path):
    frames = osp.join(unseen["root"], "train", "JPEGImages", "syn_train_0000")
    out = tmp_path / "out"
    code = demo_vid.main(
        ["--input", frames, "--output", str(out), "--device", "cpu", "--score-thr", "0.3"]
    )
    assert code == 0
    assert len(list(out.iterdir())) == 12
    # a config given first is used as is (any other VID model)
    argv = demo_vid.with_defaults(["my_fgfa.py", "--input", "x"])
    assert argv == ["my_fgfa.py", "--input", "x"]
    argv = demo_vid.with_defaults(["--input", "x", "--checkpoint", "c.pth"])
    assert argv == [demo_vid.DEFAULT_CONFIG, "--input", "x", "--checkpoint", "c.pth"]


def test_eval_aggregation_argument_errors(tmp_path):
    with pytest.raises(eval_agg.ConfigInputError, match="--degrade-every must be >= 2, got 1"):
        eval_agg.parse_args(["c.py", "k.pth", "--degrade-every", "1"])
    ann = tmp_path / "a.json"
    ann.write_text(json.dumps(dict(images=[dict(id=1, frame_id=0), dict(id=2, frame_id=1)])))
    with pytest.raises(eval_agg.ConfigInputError, match="0 degraded, 2 clean"):
        eval_agg.split_img_ids(str(ann), 3)
