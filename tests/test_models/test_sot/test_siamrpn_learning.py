"""SiamRPN++ learns to track: tools/train.py trains the small synthetic config
briefly, then inference_sot and tools/test.py on held-out clips beat the static box."""

import glob
import json
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmtrack.apis import inference_sot, init_model
from mmtrack.datasets.synthetic import generate_sot_sequences
from tests.helpers.learning import lasot_clips
from tests.helpers.mot import latest_metrics, torch_threads
from tests.helpers.ostrack import success_auc
from tests.helpers.siamrpn import trained_siamrpn
from tests.helpers.tools import load_tool

# trains a model in a module fixture: scheduled first (see tests/conftest.py)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    with torch_threads(1):
        return trained_siamrpn(tmp_path_factory)


def _scalars(work_dir):
    path = glob.glob(osp.join(work_dir, "*", "vis_data", "scalars.json"))[-1]
    with open(path) as f:
        return [json.loads(line) for line in f if '"loss"' in line]


def test_training_loss_falls(trained):
    rows = _scalars(trained["work_dir"])
    first, last = rows[0], rows[-1]
    assert {"loss_rpn_cls", "loss_rpn_bbox"} <= set(first)
    assert last["iter"] == 100
    # measured: 1.06 -> 0.47 (cls 0.52 -> 0.16, bbox 0.54 -> 0.31)
    assert last["loss"] < 0.7 * first["loss"]
    assert last["loss_rpn_cls"] < 0.7 * first["loss_rpn_cls"]
    assert last["loss_rpn_bbox"] < first["loss_rpn_bbox"]


def test_heldout_auc_beats_static_box(trained):
    model = init_model(trained["config"], trained["checkpoint"], device="cpu")
    clips = lasot_clips(trained["heldout_root"])
    preds, gts, vis, static = [], [], [], []
    with torch_threads(1), torch.no_grad():
        for frames, gt, visible in clips:
            x, y, w, h = gt[0]
            init = np.array([x, y, x + w, y + h], dtype=np.float32)
            boxes = []
            for i, frame in enumerate(frames):
                out = inference_sot(model, frame, init, frame_id=i)
                b = out[0].pred_track_instances.bboxes[0].tolist()
                boxes.append([b[0], b[1], b[2] - b[0], b[3] - b[1]])
            preds.append(boxes)
            gts.append(gt)
            vis.append(visible)
            static.append(np.repeat(gt[:1], len(gt), axis=0))
    auc = success_auc(preds, gts, vis)
    auc_static = success_auc(static, gts, vis)
    print(f"held-out success AUC: SiamRPN++ {auc:.1f}, static box {auc_static:.1f}")
    # measured: 22.7 against 17.5
    assert auc > auc_static + 2.0

    # tools/test.py with SOTMetric (OPE, visible frames) on the first two clips
    # reports the AUC computed here from inference_sot's boxes
    names = sorted(
        osp.basename(osp.dirname(osp.dirname(c[0][0]))) for c in lasot_clips(trained["test_root"])
    )
    idx = [
        i for i, c in enumerate(clips) if osp.basename(osp.dirname(osp.dirname(c[0][0]))) in names
    ]
    auc_two = success_auc([preds[i] for i in idx], [gts[i] for i in idx], [vis[i] for i in idx])
    test_dir = osp.join(trained["work_dir"], "test")
    load_tool("tools/test.py").main(
        [trained["config"], "--checkpoint", trained["checkpoint"], "--work-dir", test_dir]
    )
    metrics = latest_metrics(test_dir)
    assert metrics["success"] == pytest.approx(auc_two, abs=0.05)


def test_param_search_reruns_the_test_set(trained, tmp_path, capsys):
    tool = load_tool("tools/analysis_tools/sot/sot_siamrpn_param_search.py")
    argv = [trained["config"], "--checkpoint", trained["checkpoint"], "--work-dir", str(tmp_path)]
    argv += ["--penalty-k-range", "0.05,0.06,0.05", "--lr-range", "0.38,0.39,0.1"]
    rows = tool.main(argv + ["--win-influ-range", "0.0,0.5,0.42"])
    assert [(r["penalty_k"], r["lr"], r["window_influence"]) for r in rows] == [
        (0.05, 0.38, 0.0),
        (0.05, 0.38, 0.42),
    ]
    # the config's own parameters (0.05, 0.38, 0.42) give the AUC of inference_sot's boxes
    model = init_model(trained["config"], trained["checkpoint"], device="cpu")
    preds, gts, vis = [], [], []
    with torch_threads(1), torch.no_grad():
        for frames, gt, visible in lasot_clips(trained["test_root"]):
            x, y, w, h = gt[0]
            init = np.array([x, y, x + w, y + h], dtype=np.float32)
            boxes = []
            for i, frame in enumerate(frames):
                b = inference_sot(model, frame, init, frame_id=i)[0].pred_track_instances.bboxes[0]
                boxes.append([b[0], b[1], b[2] - b[0], b[3] - b[1]])
            preds.append(np.array(boxes, dtype=np.float64))
            gts.append(gt)
            vis.append(visible)
    assert rows[1]["metrics"]["success"] == pytest.approx(success_auc(preds, gts, vis), abs=0.05)
    # the searched parameter reaches the tracker: no cosine window tracks differently
    assert rows[0]["metrics"] != rows[1]["metrics"]
    best = max(r["metrics"]["success"] for r in rows)
    assert f"best success: {best:.3f}" in capsys.readouterr().out
    with pytest.raises(tool.ConfigInputError, match="--lr-range: expected start,stop,step"):
        tool.main(argv[:1] + ["--lr-range", "0.3"])


def _iou_xyxy(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def test_vot_restarts_and_eao_through_tools_test(trained, tmp_path):
    # two 120-frame synthetic clips whose target stays in view, in the VOT layout
    src = generate_sot_sequences(str(tmp_path / "src"), num_seqs=4, num_frames=120, seed=4)
    root = tmp_path / "vot"
    clips = []
    for path in (src[0], src[3]):
        dst = root / "data" / osp.basename(path)
        shutil.copytree(osp.join(path, "img"), dst / "color")
        gt = np.loadtxt(osp.join(path, "groundtruth.txt"), delimiter=",")
        assert (gt[:, 2:] > 0).all()
        np.savetxt(dst / "groundtruth.txt", gt, fmt="%.2f", delimiter=",")
        clips.append((sorted(glob.glob(str(dst / "color" / "*.jpg"))), gt))
    cfg = Config.fromfile(trained["config"])
    cfg.model.test_cfg.test_mode = "VOT"
    cfg.test_dataloader.dataset = dict(
        type="VOTDataset",
        data_prefix=dict(img_path=str(root)),
        dataset_type="vot2018",
        pipeline=cfg.test_dataloader.dataset.pipeline,
        test_mode=True,
    )
    # vot2018's EAO interval [100, 356] needs fragments of over 100 frames; these
    # clips have 120, so the curve is averaged over a window they reach
    cfg.test_evaluator = dict(
        type="SOTMetric",
        metric="VOT",
        metric_options=dict(dataset_type="vot2018", interval=[10, 50]),
    )
    path = str(tmp_path / "siamrpn_vot.py")
    cfg.dump(path)
    work_dir = str(tmp_path / "work")
    load_tool("tools/test.py").main(
        [path, "--checkpoint", trained["checkpoint"], "--work-dir", work_dir]
    )
    metrics = latest_metrics(work_dir)

    # the reset protocol by hand: a prediction without overlap is a failure and the
    # tracker restarts on the gt 5 frames later
    model = init_model(trained["config"], trained["checkpoint"], device="cpu")
    fails = 0
    with torch_threads(1), torch.no_grad():
        for frames, gt in clips:
            xyxy = np.concatenate([gt[:, :2], gt[:, :2] + gt[:, 2:]], axis=1)
            start = 0
            for i, frame in enumerate(frames):
                if i == start:
                    init = xyxy[i].astype(np.float32)
                    inference_sot(model, frame, init, frame_id=0)
                elif i > start:
                    out = inference_sot(model, frame, init, frame_id=i - start)
                    box = out[0].pred_track_instances.bboxes[0].tolist()
                    if _iou_xyxy(box, xyxy[i]) <= 0:
                        fails += 1
                        start = i + 5
    assert fails >= 1  # the briefly trained model loses the target sometimes
    assert metrics["robustness"] == pytest.approx(fails / 240 * 100, abs=1e-3)
    assert 0.3 < metrics["accuracy"] <= 1.0
    assert 0.0 < metrics["eao"] < 1.0
