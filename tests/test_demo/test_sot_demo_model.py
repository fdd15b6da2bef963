"""The shipped SiamRPN++ demo model: small, hash-named, loads, keeps its recorded
OPE scores on the unseen synthetic clips, beats the static box, and demo_sot.py
uses it when no config is given."""

import glob
import hashlib
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmtrack.apis import inference_sot, init_model
from mmtrack.datasets.synthetic import generate_sot_sequences
from mmtrack.evaluation.functional.eval_sot_ope import eval_sot_ope
from tests.helpers.learning import lasot_clips
from tests.helpers.mot import torch_threads
from tests.helpers.ostrack import success_auc
from tests.helpers.tools import REPO_ROOT, load_tool

demo_sot = load_tool("demo/demo_sot.py")
RECORD = osp.join(REPO_ROOT, "demo", "checkpoints", "siamese_rpn_r18_synthetic.json")


@pytest.fixture(scope="module")
def unseen(tmp_path_factory):
    """The 8 test clips of the config's header (seed 2; training used seed 1)."""
    root = str(tmp_path_factory.mktemp("sot_demo") / "LaSOTBenchmark")
    generate_sot_sequences(root, num_seqs=8, num_frames=40, seed=2)
    seqs = sorted(glob.glob(osp.join(root, "*", "*-*")))
    return [(seq, *clip) for seq, clip in zip(seqs, lasot_clips(root))]


def test_checkpoint_is_small_and_named_by_its_hash():
    path = demo_sot.default_checkpoint()
    assert osp.getsize(path) <= 5 * 1024 * 1024
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert path.endswith(f"-{digest[:8]}.pth")


def _xyxy(xywh):
    xywh = np.asarray(xywh, dtype=np.float64)
    return np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)


def test_recorded_scores_and_static_baseline(unseen):
    model = init_model(demo_sot.DEFAULT_CONFIG, demo_sot.default_checkpoint(), device="cpu")
    assert type(model).__name__ == "SiamRPN"
    preds, gts, vis = [], [], []
    with torch_threads(1), torch.no_grad():
        for _, frames, gt, visible in unseen:
            x, y, w, h = gt[0]
            init = np.array([x, y, x + w, y + h], dtype=np.float32)
            boxes = [
                inference_sot(model, f, init, frame_id=i)[0].pred_track_instances.bboxes[0].tolist()
                for i, f in enumerate(frames)
            ]
            preds.append(np.array(boxes))
            gts.append(gt)
            vis.append(visible)
    got = eval_sot_ope(preds, [_xyxy(g) for g in gts], vis)
    static = eval_sot_ope(
        [_xyxy(np.repeat(g[:1], len(g), 0)) for g in gts], [_xyxy(g) for g in gts], vis
    )
    with open(RECORD) as f:
        recorded = json.load(f)
    for key in ("success", "precision", "norm_precision"):
        assert got[key] == pytest.approx(recorded[key], abs=0.5), key
        assert static[key] == pytest.approx(recorded[f"static_{key}"], abs=0.05), key
    # the success AUC agrees with this test's own IoU / AUC code
    xywh = [np.concatenate([p[:, :2], p[:, 2:] - p[:, :2]], axis=1) for p in preds]
    assert success_auc(xywh, gts, vis) == pytest.approx(got["success"], abs=0.05)
    # a tracker that learned: well above the box that stays where it started
    assert got["success"] > static["success"] + 10
    assert got["precision"] > static["precision"] + 3
    assert got["norm_precision"] > static["norm_precision"] + 20


def test_demo_sot_defaults_to_the_shipped_model(unseen, tmp_path):
    seq, frames, _, _ = unseen[0]
    out = tmp_path / "out"
    code = demo_sot.main(
        [
            "--input",
            osp.join(seq, "img"),
            "--gt_bbox_file",
            osp.join(seq, "groundtruth.txt"),
            "--output",
            str(out),
            "--device",
            "cpu",
        ]
    )
    assert code == 0
    assert len(list(out.iterdir())) == len(frames)
    # a config given first is used as is (OSTrack and any other SOT config)
    argv = demo_sot.with_defaults(["my_ostrack.py", "--input", "x"])
    assert argv == ["my_ostrack.py", "--input", "x"]
    argv = demo_sot.with_defaults(["--input", "x", "--checkpoint", "c.pth"])
    assert argv == [demo_sot.DEFAULT_CONFIG, "--input", "x", "--checkpoint", "c.pth"]
