"""End to end: QDTrack trains on key/reference frame pairs and tracks, through tools/*.py.

A few iterations only (a CPU-sized Faster R-CNN): this checks the whole
path (``MOTChallengeDataset`` reference-frame sampling, 2-frame clips,
``TrackDataPreprocessor``, detection + quasi-dense tracking losses, then
frame-by-frame tracking and ``MOTChallengeMetric``), not the accuracy.
"""

from __future__ import annotations

import json
import math
import os
import os.path as osp

from mmtrack.testing.mot import (
    latest_metrics,
    make_synthetic_mot,
    mot_track_config,
    qdtrack_train_config,
    run_tool,
    torch_threads,
)


def test_qdtrack_trains_and_tracks(tmp_path):
    data = make_synthetic_mot(str(tmp_path / "data"), num_seqs=2, num_frames=30, reid=False)
    work = str(tmp_path / "train")
    cfg = qdtrack_train_config(data, work, max_iters=3)
    with torch_threads(1):
        run_tool("train", cfg, str(tmp_path / "train.py"))
    ckpt = osp.join(work, "iter_3.pth")
    assert osp.isfile(ckpt)
    run = sorted(d for d in os.listdir(work) if osp.isdir(osp.join(work, d)))[-1]
    with open(osp.join(work, run, "vis_data", "scalars.json")) as f:
        rows = [json.loads(line) for line in f if "loss" in line]
    assert len(rows) == 3
    for row in rows:
        for key in (
            "loss_rpn_cls",
            "loss_rpn_bbox",
            "loss_cls",
            "loss_bbox",
            "loss_track",
            "loss_track_aux",
        ):
            assert math.isfinite(row[key]), (key, row)

    test_work = str(tmp_path / "test")
    run_tool(
        "test",
        mot_track_config(data, cfg["model"], test_work),
        str(tmp_path / "t.py"),
        "--checkpoint",
        ckpt,
    )
    m = latest_metrics(test_work)
    assert 0.0 <= m["HOTA"] <= 100.0 and "IDF1" in m
    assert sorted(os.listdir(osp.join(test_work, "tracks"))) == ["SYN-01.txt", "SYN-02.txt"]
