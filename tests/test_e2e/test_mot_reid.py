"""End to end: a ReID model trained on ``mot2reid.py`` crops through tools/train.py.

Synthetic videos -> ``mot2reid.py`` (80% / 20% identity split) -> a
ResNet-18 ReID (cross-entropy + triplet) trained for a few iterations of
triplet groups, validated with ``ReIDMetrics`` (mAP, CMC) on the held-out
identities. Its checkpoint then serves DeepSORT (``reid.init_cfg``, as
MMTracking configs do) on the public detections, where the appearance cue
lifts association over SORT with the same settings (here AssA about 76
against 57, HOTA 75 against 65).
"""

from __future__ import annotations

import copy
import json
import os
import os.path as osp

from tests.helpers.mot import (
    latest_metrics,
    make_synthetic_mot,
    mot_track_config,
    reid_train_config,
    run_tool,
    torch_threads,
)


def test_reid_trains_and_evaluates(tmp_path):
    data = make_synthetic_mot(str(tmp_path / "data"), num_seqs=4, num_frames=40, seed=3)
    with open(osp.join(data, "reid", "meta", "train_80.txt")) as f:
        labels = [int(line.split()[1]) for line in f if line.strip()]
    with open(osp.join(data, "reid", "meta", "val_20.txt")) as f:
        val_ids = {int(line.split()[1]) for line in f if line.strip()}
    work = str(tmp_path / "work")
    cfg = reid_train_config(data, work, num_classes=max(labels) + 1, max_iters=8)
    cfg["default_hooks"]["logger"]["interval"] = 1
    with torch_threads(1):
        run_tool("train", cfg, str(tmp_path / "cfg.py"))
    assert osp.isfile(osp.join(work, "iter_8.pth"))

    # Losses were logged every iteration and went down.
    run = sorted(d for d in os.listdir(work) if osp.isdir(osp.join(work, d)))[-1]
    with open(osp.join(work, run, "vis_data", "scalars.json")) as f:
        rows = [json.loads(line) for line in f]
    losses = [r["loss"] for r in rows if "loss" in r]
    assert len(losses) == 8 and all(v == v for v in losses)
    assert min(losses[-3:]) < losses[0]

    m = latest_metrics(work)
    assert set(m) >= {"mAP", "R1", "R5"}
    # Chance mAP with len(val_ids) identities of similar size is about 1 / len(val_ids).
    assert len(val_ids) >= 3
    assert 0.5 < m["mAP"] <= 1.0
    assert m["mAP"] <= m["R1"] + 1e-6 and m["R1"] <= m["R5"] + 1e-6

    # DeepSORT with this ReID model against SORT, on the public detections
    reid = copy.deepcopy(cfg["model"])
    reid.pop("data_preprocessor")
    reid["init_cfg"] = dict(type="Pretrained", checkpoint=osp.join(work, "iter_8.pth"))
    sort_tracker = dict(
        type="SORTTracker",
        obj_score_thr=0.5,
        match_iou_thr=0.5,
        num_tentatives=2,
        num_frames_retain=100,
    )
    results = {}
    for name, extra in (
        (
            "deepsort",
            dict(
                reid=reid,
                tracker=dict(sort_tracker, reid=dict(img_scale=(64, 32), match_score_thr=2.0)),
            ),
        ),
        ("sort", dict(tracker=sort_tracker)),
    ):
        model = dict(
            type="DeepSORT",
            data_preprocessor=dict(
                type="TrackDataPreprocessor",
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True,
            ),
            motion=dict(type="KalmanFilter"),
            **extra,
        )
        out = str(tmp_path / name)
        track_cfg = mot_track_config(
            data, model, out, detection_file="annotations/half-val_detections.pkl"
        )
        run_tool("test", track_cfg, str(tmp_path / f"{name}.py"))
        results[name] = latest_metrics(out)
    assert results["deepsort"]["AssA"] > results["sort"]["AssA"] + 5, results
    assert results["deepsort"]["HOTA"] >= 60.0, results
