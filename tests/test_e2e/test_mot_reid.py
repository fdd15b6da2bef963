"""End to end: a ReID model trained on ``mot2reid.py`` crops through tools/train.py.

Synthetic videos -> ``mot2reid.py`` (80% / 20% identity split) -> a
ResNet-18 ReID (cross-entropy + triplet) trained for a few iterations of
triplet groups, validated with ``ReIDMetrics`` (mAP, CMC) on the held-out
identities.
"""

from __future__ import annotations

import json
import os
import os.path as osp

from mmtrack.testing.mot import latest_metrics, make_synthetic_mot, reid_train_config, run_tool


def test_reid_trains_and_evaluates(tmp_path):
    data = make_synthetic_mot(str(tmp_path / "data"), num_seqs=4, num_frames=40, seed=3)
    with open(osp.join(data, "reid", "meta", "train_80.txt")) as f:
        labels = [int(line.split()[1]) for line in f if line.strip()]
    with open(osp.join(data, "reid", "meta", "val_20.txt")) as f:
        val_ids = {int(line.split()[1]) for line in f if line.strip()}
    work = str(tmp_path / "work")
    cfg = reid_train_config(data, work, num_classes=max(labels) + 1, max_iters=8)
    cfg["default_hooks"]["logger"]["interval"] = 1
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
