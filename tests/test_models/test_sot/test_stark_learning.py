"""STARK-ST1 learns to track: tools/train.py at tiny width on synthetic clips, then
inference_sot on held-out clips against the box that stays where it was."""

import glob
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmtrack.apis import inference_sot, init_model
from tests.helpers.learning import lasot_clips
from tests.helpers.mot import torch_threads
from tests.helpers.ostrack import success_auc
from tests.helpers.stark import trained_stark
from tests.helpers.tools import load_tool

# trains a model in a module fixture: scheduled first (see tests/conftest.py)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    with torch_threads(1):
        return trained_stark(tmp_path_factory)


def test_training_loss_falls(trained):
    path = glob.glob(osp.join(trained["work_dir"], "*", "vis_data", "scalars.json"))[-1]
    with open(path) as f:
        rows = [json.loads(line) for line in f if '"loss"' in line]
    first, last = rows[0], rows[-1]
    assert {"loss_bbox", "loss_iou"} <= set(first)
    # GIoU is 0 while some corner box is degenerate (the first iterations)
    assert last["loss_bbox"] < 0.5 * first["loss_bbox"]
    assert last["loss_iou"] < max(r["loss_iou"] for r in rows)


def test_heldout_auc_beats_static_box(trained):
    model = init_model(trained["config"], trained["checkpoint"], device="cpu")
    preds, gts, vis, static = [], [], [], []
    with torch_threads(1), torch.no_grad():
        for frames, gt, visible in lasot_clips(trained["heldout_root"]):
            x, y, w, h = gt[0]
            init = np.array([x, y, x + w, y + h], dtype=np.float32)
            boxes = []
            for i, frame in enumerate(frames):
                b = inference_sot(model, frame, init, frame_id=i)[0].pred_track_instances
                b = b.bboxes[0].tolist()
                boxes.append([b[0], b[1], b[2] - b[0], b[3] - b[1]])
            preds.append(boxes)
            gts.append(gt)
            vis.append(visible)
            static.append(np.repeat(gt[:1], len(gt), axis=0))
    auc = success_auc(preds, gts, vis)
    auc_static = success_auc(static, gts, vis)
    print(f"held-out success AUC: STARK-ST1 {auc:.1f}, static box {auc_static:.1f}")
    assert auc > auc_static + 2.0


def test_demo_sot_runs_the_trained_model(trained, tmp_path):
    frames, _, _ = lasot_clips(trained["heldout_root"])[0]
    seq = osp.dirname(osp.dirname(frames[0]))
    out = tmp_path / "out"
    code = load_tool("demo/demo_sot.py").main(
        [trained["config"], "--input", osp.join(seq, "img"), "--checkpoint",
         trained["checkpoint"], "--gt_bbox_file", osp.join(seq, "groundtruth.txt"),
         "--output", str(out), "--device", "cpu"]
    )  # fmt: skip
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [osp.basename(f) for f in frames]
