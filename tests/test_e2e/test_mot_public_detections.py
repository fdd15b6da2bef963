"""End to end: tracking the converter's public detections, without a detector.

``mot2coco.py --convert-det`` turns each sequence's ``det/det.txt`` (a
simulated detector: jittered boxes, misses under occlusion, false
positives) into ``half-val_detections.pkl``; ``MOTChallengeDataset``
attaches them to the frames (``public_instances``) and a MOT model with no
detector tracks them through ``tools/test.py``.

Bars from what the trackers reach here (HOTA 75.0 ByteTrack and BoT-SORT,
75.3 OC-SORT and Deep OC-SORT, 67.5 StrongSORT, 64.9 SORT, without ReID)
with a margin; ids shuffled per
box drop HOTA to about 16.
"""

from __future__ import annotations

import pytest

from tests.helpers.mot import latest_metrics, make_synthetic_mot, mot_track_config, run_tool

MODELS = {
    "bytetrack": dict(type="ByteTrack", tracker=dict(type="ByteTracker")),
    "ocsort": dict(type="OCSORT", tracker=dict(type="OCSORTTracker")),
    "botsort": dict(type="BoTSORT", tracker=dict(type="BoTSORTTracker")),
    "deep_ocsort": dict(type="DeepOCSORT", tracker=dict(type="DeepOCSORTTracker", with_reid=False)),
    "strongsort": dict(type="StrongSORT", tracker=dict(type="StrongSORTTracker", reid=None)),
    "sort": dict(
        type="DeepSORT",
        tracker=dict(type="SORTTracker", obj_score_thr=0.5, match_iou_thr=0.5),
    ),
}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp("public") / "data")
    return make_synthetic_mot(root, num_seqs=4, num_frames=40, reid=False)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_public_detections_reach_hota(name, data, tmp_path):
    work = str(tmp_path / name)
    cfg = mot_track_config(
        data, MODELS[name], work, detection_file="annotations/half-val_detections.pkl"
    )
    run_tool("test", cfg, str(tmp_path / "cfg.py"))
    m = latest_metrics(work)
    assert m["HOTA"] >= 60.0, f"{name} on public detections: HOTA {m['HOTA']:.2f} ({m})"


def test_public_detections_are_required_without_detector(data, tmp_path):
    cfg = mot_track_config(data, MODELS["bytetrack"], str(tmp_path / "w"))
    with pytest.raises(ValueError, match="public detections"):
        run_tool("test", cfg, str(tmp_path / "cfg.py"))


def test_mmtracking_0x_eval_flags_end_to_end(data, tmp_path):
    # `--eval track` evaluates as the config does; integer metrics reach the JSON log.
    work = str(tmp_path / "eval")
    cfg = mot_track_config(
        data, MODELS["bytetrack"], work, detection_file="annotations/half-val_detections.pkl"
    )
    run_tool("test", cfg, str(tmp_path / "cfg.py"), "--eval", "track")
    m = latest_metrics(work)
    assert m["HOTA"] >= 60.0
    assert m["IDSw"] is not None and m["IDSw"] >= 0 and m["FN"] + m["TP"] > 0
    # `--format-only` writes MOTChallenge files to resfile_path and evaluates nothing.
    out = tmp_path / "submission"
    work = str(tmp_path / "format")
    cfg = mot_track_config(
        data, MODELS["bytetrack"], work, detection_file="annotations/half-val_detections.pkl"
    )
    run_tool("test", cfg, str(tmp_path / "cfg2.py"), "--format-only",
             "--eval-options", f"resfile_path={out}")
    assert sorted(p.name for p in out.iterdir()) == [f"SYN-0{i}.txt" for i in range(1, 5)]
    rows = (out / "SYN-01.txt").read_text().split()
    assert rows and len(rows[0].split(",")) >= 9
    with pytest.raises(FileNotFoundError):
        latest_metrics(work)
