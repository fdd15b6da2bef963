"""End to end: a detector trained on synthetic videos + each motion tracker via tools/*.py.

The session fixture writes synthetic MOTChallenge videos, converts them
with ``mot2coco.py --split-train`` and trains a tiny YOLOX for 250
iterations through ``tools/train.py`` inside a ``ByteTrack`` model (the MOT
wrapper trains its detector on single images). Each tracker then runs
through ``tools/test.py`` on the half-val frames and ``MOTChallengeMetric``
scores it against the half-val ground truth.

The bars were set from what the trained detector reaches here (HOTA about
64.6 ByteTrack, 64.3 BoT-SORT, 63.5 OC-SORT and Deep OC-SORT, 61.4
StrongSORT, 58.1 SORT; all without ReID or camera-motion compensation)
with a margin for run-to-run differences; the same tracks with random ids per
box score HOTA about 16, far below them.
"""

from __future__ import annotations

import os
import os.path as osp

import pytest

from tests.helpers.mot import (
    latest_metrics,
    make_synthetic_mot,
    mot_detector_train_config,
    mot_track_config,
    random_ids_hota,
    run_tool,
    shared_dir,
    tiny_yolox,
    torch_threads,
)

TRACKERS = {
    "bytetrack": (dict(type="ByteTrack", tracker=dict(type="ByteTracker")), 50.0),
    "ocsort": (dict(type="OCSORT", tracker=dict(type="OCSORTTracker")), 50.0),
    "botsort": (dict(type="BoTSORT", tracker=dict(type="BoTSORTTracker")), 50.0),
    "deep_ocsort": (
        dict(type="DeepOCSORT", tracker=dict(type="DeepOCSORTTracker", with_reid=False)),
        50.0,
    ),
    "strongsort": (
        dict(type="StrongSORT", tracker=dict(type="StrongSORTTracker", reid=None)),
        45.0,
    ),
    # MMTracking's SORT settings (obj_score_thr=0.5, match_iou_thr=0.5)
    "sort": (
        dict(
            type="DeepSORT",
            motion=dict(type="KalmanFilter", center_only=False),
            tracker=dict(type="SORTTracker", obj_score_thr=0.5, match_iou_thr=0.5),
        ),
        45.0,
    ),
}


def _train(folder: str) -> None:
    data = make_synthetic_mot(osp.join(folder, "data"), num_seqs=4, num_frames=40, reid=False)
    work = osp.join(folder, "train")
    with torch_threads(1):
        run_tool("train", mot_detector_train_config(data, work), osp.join(folder, "train.py"))


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> tuple[str, str]:
    """(data root, checkpoint) of the detector trained through tools/train.py."""
    folder = shared_dir(tmp_path_factory, "mot_e2e_detector", _train)
    ckpt = osp.join(folder, "train", "iter_250.pth")
    assert osp.isfile(ckpt), f"training wrote no {ckpt}"
    return osp.join(folder, "data"), ckpt


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TRACKERS))
def test_tracker_reaches_hota(name, trained, tmp_path):
    data, ckpt = trained
    model, bar = TRACKERS[name]
    model = dict(model, detector=tiny_yolox())
    work = str(tmp_path / name)
    run_tool(
        "test", mot_track_config(data, model, work), str(tmp_path / "cfg.py"), "--checkpoint", ckpt
    )
    m = latest_metrics(work)
    assert m["HOTA"] >= bar, f"{name}: HOTA {m['HOTA']:.2f} < {bar} ({m})"
    # The model wrote MOTChallenge result files for every sequence.
    seqs = sorted(os.listdir(osp.join(work, "tracks")))
    assert seqs == ["SYN-01.txt", "SYN-02.txt", "SYN-03.txt", "SYN-04.txt"]

    if name == "bytetrack":
        # Control: the same boxes with a random id per box fail the bar.
        rand = random_ids_hota(osp.join(work, "tracks"), data, str(tmp_path / "random_ids"))
        assert rand["HOTA"] < bar - 15, f"random ids reach HOTA {rand['HOTA']:.2f}"
        assert rand["HOTA"] < m["HOTA"] - 30
