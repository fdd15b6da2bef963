"""SOT metrics (OPE, GOT-10k AO/SR, VOT EAO) on hand-made trajectories vs hand values."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmtrack.evaluation.functional import (
    calculate_region_overlap,
    eval_got10k,
    eval_sot_accuracy_robustness,
    eval_sot_eao,
    eval_sot_ope,
)
from mmtrack.evaluation.metrics import SOTMetric
from mmtrack.registry import METRICS
from mmtrack.structures import DetDataSample, TrackDataSample

F32 = np.float32

# Video 1: gt fixed at (0, 0, 10, 10); IoUs 1, 1/2, 1/3, 0, 1/4; centre errors
# 0, 2.5, 5, 28.3, 7.1 px; normalised by the gt size (10, 10): 0, .25, .5, 2.8, .71.
V1_GT = np.array([[0, 0, 10, 10]] * 5, F32)
V1_PRED = np.array(
    [[0, 0, 10, 10], [0, 0, 10, 5], [5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 20, 20]], F32
)
# Video 2: gt (10, 10, 30, 30); frames 1 and 3 invisible (but predicted exactly);
# frame 2 has IoU 1/2, centre error 5 px (normalised .25).
V2_GT = np.array([[10, 10, 30, 30]] * 4, F32)
V2_PRED = np.array([[10, 10, 30, 30], [10, 10, 30, 30], [10, 10, 30, 20], [10, 10, 30, 30]], F32)
V2_VISIBLE = np.array([True, False, True, False])


def test_ope_hand_values():
    # IoU > t over the 21 thresholds 0, .05, ..., 1 (strict): IoU 1 passes 20,
    # 1/2 passes 10 (0.5 is not > 0.5), 1/3 passes 7, 0 none, 1/4 passes 5.
    res = eval_sot_ope([V1_PRED], [V1_GT])
    assert res["success"] == pytest.approx(42 / 105 * 100)
    assert res["precision"] == pytest.approx(80.0)  # 4 of 5 within 20 px
    assert res["norm_precision"] == pytest.approx(20.0)  # 1 of 5 within 0.2
    np.testing.assert_allclose(res["ori_success"][0, [0, 6, 7, 10, 20]], [80, 60, 40, 20, 0])

    both = eval_sot_ope([V1_PRED, V2_PRED], [V1_GT, V2_GT])
    assert both["success"] == pytest.approx((42 / 105 + 70 / 84) / 2 * 100)
    assert both["precision"] == pytest.approx((0.8 + 1.0) / 2 * 100)
    assert both["norm_precision"] == pytest.approx((0.2 + 0.75) / 2 * 100)
    # only visible frames: invisible ones are failures, the denominator stays 4
    vis = eval_sot_ope([V1_PRED, V2_PRED], [V1_GT, V2_GT], [np.ones(5, bool), V2_VISIBLE])
    assert vis["success"] == pytest.approx((42 / 105 + 30 / 84) / 2 * 100)
    assert vis["precision"] == pytest.approx((0.8 + 0.5) / 2 * 100)
    assert vis["norm_precision"] == pytest.approx((0.2 + 0.25) / 2 * 100)


def test_ope_empty_gt_quirks():
    # an empty gt box has IoU -1 (never a success) but its centre (0, 0) is
    # "invalid", whose distance -1 passes every precision threshold (as 0.14)
    gt = np.array([[0, 0, 10, 10], [0, 0, 0, 0]], F32)
    pred = np.array([[0, 0, 10, 10], [50, 50, 60, 60]], F32)
    res = eval_sot_ope([pred], [gt])
    assert res["success"] == pytest.approx(20 / 42 * 100)
    assert res["precision"] == pytest.approx(100.0)


def test_got10k_ao_sr_hand_values():
    v3_gt = np.array([[0, 0, 10, 10]] * 3, F32)
    # frame 1: (5, 5, 25, 25) clipped to the 20x20 image -> (5, 5, 20, 20):
    # inter 25, union 100 + 225 - 25 -> 1/12 (it would be 25/475 unclipped)
    v3_pred = np.array([[0, 0, 10, 10], [5, 5, 25, 25], [0, 0, 10, 10]], F32)
    res = eval_got10k(
        [V1_PRED, V2_PRED, v3_pred],
        [V1_GT, V2_GT, v3_gt],
        [np.ones(5, bool), V2_VISIBLE, np.ones(3, bool)],
        [(100, 100), (100, 100), (20, 20)],
    )
    # pooled IoUs of frames >= 1 that are visible: 1/2, 1/3, 0, 1/4 | 1/2 | 1/12, 1
    assert res["AO"] == pytest.approx((0.5 + 1 / 3 + 0 + 0.25 + 0.5 + 1 / 12 + 1) / 7 * 100)
    assert res["SR0.5"] == pytest.approx(100 / 7)
    assert res["SR0.75"] == pytest.approx(100 / 7)


def test_vot_region_overlap_hand_values():
    a, b = np.array([0, 0, 10, 10.0]), np.array([5, 0, 15, 10.0])
    # pixels x..x+w-1: (0,0,10,10) is 10x10, (5,0,15,10) shares 5 columns
    assert calculate_region_overlap(a, b, (100, 100)) == pytest.approx(1 / 3)
    # clipped to a 12x12 image the second box keeps 7 columns: 50 / (100 + 70 - 50)
    assert calculate_region_overlap(a, b, (12, 12)) == pytest.approx(5 / 12)
    # a diamond with corners 5 px from its centre fills 1+3+...+11+...+3+1 = 61
    # pixels of the 11x11 square around it
    diamond = np.array([5, 0, 10, 5, 5, 10, 0, 5.0])
    square11 = np.array([0, 0, 11, 11.0])
    assert calculate_region_overlap(diamond, square11, (100, 100)) == pytest.approx(61 / 121)
    square = np.array([0, 0, 9, 0, 9, 9, 0, 9.0])
    assert calculate_region_overlap(square, a, None) == 1.0
    assert calculate_region_overlap(np.array([2.0]), a, None) == 0.0
    # a one-pixel-wide union is degenerate for the toolkit: overlap 0
    assert calculate_region_overlap(np.array([3, 0, 4, 10.0]), np.array([3, 0, 4, 10.0]), None) == 0


def vot_case():
    s = lambda v: np.array([v], F32)  # noqa: E731 (special state)
    box = lambda *b: np.array(b, F32)  # noqa: E731
    # video A: init, IoU 1/2, IoU 1/4, failure, skipped, re-init
    pred_a = [s(1), box(0, 0, 10, 5), box(0, 0, 5, 5), s(2), s(0), s(1)]
    gt_a = [box(0, 0, 10, 10)] * 6
    # video B (polygon gt covering the same 10x10 pixels): init, IoU 1, 1/2, 1/2
    pred_b = [s(1), box(0, 0, 10, 10), box(0, 0, 10, 5), box(0, 0, 10, 5)]
    gt_b = [box(0, 0, 9, 0, 9, 9, 0, 9)] * 4
    return [pred_a, pred_b], [gt_a, gt_b]


def test_vot_eao_accuracy_robustness_hand_values():
    preds, gts = vot_case()
    # fragments: A[0:3] = (0, .5, .25) failed, A[5:] = (0,) reached the end,
    # B = (0, 1, .5, .5) reached the end. Running means of frames 1..N:
    # N=1: (.5, -, 1) N=2: (.375, -, .75) N=3: (.25 (padded), -, 2/3)
    curve = [(0.5 + 1) / 2, (0.375 + 0.75) / 2, (0.25 + 2 / 3) / 2]
    res = eval_sot_eao(preds, gts, interval=(1, 3), videos_wh=[(100, 100)] * 2)
    assert res["eao"] == pytest.approx(np.mean(curve), abs=1e-6)
    # burn-in 1: A keeps frames 1, 2 (mean .375), B frames 1..3 (mean 2/3);
    # weighted by 6 and 4 frames; 1 failure in 10 frames
    ar = eval_sot_accuracy_robustness(preds, gts, burnin=1, videos_wh=[(100, 100)] * 2)
    assert ar["accuracy"] == pytest.approx((0.375 * 6 + 2 / 3 * 4) / 10)
    assert ar["robustness"] == pytest.approx(10.0)
    assert ar["num_fails"] == 1
    # with the default burn-in of 10 no frame is left: accuracy 0
    assert eval_sot_accuracy_robustness(preds, gts, videos_wh=[(100, 100)] * 2)["accuracy"] == 0
    with pytest.raises(ValueError, match="initialisation state"):
        eval_sot_eao([[np.array([0, 0, 1, 1], F32)]], [[np.array([0, 0, 1, 1], F32)]])


def make_video(video_id, name, preds, gts, visible=None, wh=(100, 100)):
    samples = []
    for i, (p, g) in enumerate(zip(preds, gts)):
        frame = DetDataSample(
            metainfo=dict(
                frame_id=i,
                video_length=len(preds),
                video_id=video_id,
                img_path=f"data/lasot/{name}/img/{i + 1:08d}.jpg",
                ori_shape=(wh[1], wh[0]),
            )
        )
        frame.pred_track_instances = InstanceData(
            bboxes=torch.tensor(np.asarray(p)[None]), scores=torch.ones(1)
        )
        if g is not None:
            vis = True if visible is None else bool(visible[i])
            frame.gt_instances = InstanceData(
                bboxes=torch.tensor(np.asarray(g)[None]), visible=torch.tensor([vis])
            )
        track = TrackDataSample()
        track.video_data_samples = [frame]
        samples.append(track)
    return samples


def run(metric, videos):
    for samples in videos:
        for s in samples:
            metric.process({}, [s.to_dict()])
    return metric.evaluate(size=sum(len(v) for v in videos))


def test_sot_metric_ope_and_ao():
    videos = [
        make_video(1, "cat-1", V1_PRED, V1_GT),
        make_video(2, "dog-3", V2_PRED, V2_GT, V2_VISIBLE),
    ]
    metric = METRICS.build(
        dict(type="SOTMetric", metric=["OPE", "AO"], metric_options=dict(only_eval_visible=True))
    )
    out = run(metric, videos)
    assert out["sot/success"] == round((42 / 105 + 30 / 84) / 2 * 100, 3)
    assert out["sot/precision"] == 65.0
    assert out["sot/norm_precision"] == 22.5
    assert out["sot/AO"] == round((0.5 + 1 / 3 + 0.25 + 0.5) / 5 * 100, 3)
    assert out["sot/SR0.5"] == 0.0


def test_sot_metric_vot():
    preds, gts = vot_case()
    videos = [make_video(1, "ants1", preds[0], gts[0]), make_video(2, "bag", preds[1], gts[1])]
    metric = SOTMetric(metric="VOT", metric_options=dict(interval=[1, 3], burnin=1))
    out = run(metric, videos)
    curve = [(0.5 + 1) / 2, (0.375 + 0.75) / 2, (0.25 + 2 / 3) / 2]
    assert out["sot/eao"] == round(float(np.mean(curve)), 4)
    assert out["sot/accuracy"] == round((0.375 * 6 + 2 / 3 * 4) / 10, 4)
    assert out["sot/robustness"] == 10.0 and out["sot/num_fails"] == 1


@pytest.mark.parametrize("dataset_type", ["trackingnet", "got10k"])
def test_server_packing_two_videos(tmp_path, dataset_type):
    # x1y1x2y2 -> x,y,w,h by hand; test splits have no gt after frame 0 (None).
    metric = SOTMetric(
        format_only=True,
        outfile_prefix=str(tmp_path / "results") + "/",  # 0.x's resfile_path=results/
        metric_options=dict(dataset_type=dataset_type),
    )
    pred7 = np.array([[1, 2, 11, 22], [1.5, 2.25, 4, 8]], F32)
    pred9 = np.array([[0, 0, 5, 5], [10, 20, 13.125, 20.5], [-2, -3, 7, 9]], F32)
    out = run(metric, [make_video(1, "vid_7", pred7, [None] * 2),
                       make_video(2, "vid_9", pred9, [None] * 3)])
    assert out == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.zip"]  # no temporary left
    with zipfile.ZipFile(tmp_path / "results.zip") as zf:
        names = sorted(zf.namelist())
        files = {n: zf.read(n).decode() for n in names}
    lines7 = "1.0000,2.0000,10.0000,20.0000\n1.5000,2.2500,2.5000,5.7500\n"
    lines9 = ("0.0000,0.0000,5.0000,5.0000\n10.0000,20.0000,3.1250,0.5000\n"
              "-2.0000,-3.0000,9.0000,12.0000\n")
    if dataset_type == "trackingnet":
        assert names == ["vid_7.txt", "vid_9.txt"]
        assert files == {"vid_7.txt": lines7, "vid_9.txt": lines9}
    else:
        assert names == ["vid_7/vid_7_001.txt", "vid_7/vid_7_time.txt",
                         "vid_9/vid_9_001.txt", "vid_9/vid_9_time.txt"]
        assert files["vid_7/vid_7_001.txt"] == lines7
        assert files["vid_9/vid_9_001.txt"] == lines9
        assert files["vid_7/vid_7_time.txt"] == "0.0001\n" * 2
        assert files["vid_9/vid_9_time.txt"] == "0.0001\n" * 3


def test_server_packing_bad_prefix_and_format(tmp_path):
    got10k = dict(dataset_type="got10k")
    for bad in ("", "   ", "/", "."):
        with pytest.raises(ValueError, match="outfile_prefix"):
            SOTMetric(format_only=True, outfile_prefix=bad, metric_options=got10k)
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(ValueError, match=r"outfile_prefix='.*a_file/sub/results': .*a_file is "
                       r"a file, not a folder"):
        SOTMetric(format_only=True, outfile_prefix=str(tmp_path / "a_file" / "sub" / "results"),
                  metric_options=got10k)
    (tmp_path / "taken.zip").mkdir()
    with pytest.raises(ValueError, match=r"taken.zip is an existing folder"):
        SOTMetric(format_only=True, outfile_prefix=str(tmp_path / "taken"), metric_options=got10k)
    with pytest.raises(ValueError, match=r"'got10k' or 'trackingnet' server; got metric_options "
                       r"dataset_type='lasot'"):
        SOTMetric(format_only=True, outfile_prefix=str(tmp_path / "r"),
                  metric_options=dict(dataset_type="lasot"))
    # "results.zip" names the zip itself (not results.zip.zip)
    metric = SOTMetric(format_only=True, outfile_prefix=str(tmp_path / "r.zip"),
                       metric_options=got10k)
    assert metric.outfile_prefix == str(tmp_path / "r")
    # two videos of one name would overwrite each other's files
    pred = np.array([[0, 0, 5, 5]], F32)
    with pytest.raises(ValueError, match=r"videos 1 and 2 are both named 'vid_7'"):
        run(metric, [make_video(1, "vid_7", pred, [None]), make_video(2, "vid_7", pred, [None])])
    assert not (tmp_path / "r.zip").exists() and not list(tmp_path.glob(".tmp_*"))


def test_bad_usage():
    with pytest.raises(ValueError, match="VOT"):
        SOTMetric(metric=["OPE", "VOT"])
    with pytest.raises(KeyError):
        SOTMetric(metric_options=dict(threshold=3))
    with pytest.raises(ValueError, match="outfile_prefix"):
        SOTMetric(format_only=True, metric_options=dict(dataset_type="got10k"))
    metric = SOTMetric()
    samples = make_video(1, "cat-1", V1_PRED, V1_GT)
    for s in samples[:3]:
        metric.process({}, [s])
    with pytest.raises(ValueError, match="3 frames processed, video_length is 5"):
        metric.evaluate(size=3)


def test_sot_metric_prefers_vot_polygons_over_boxes():
    # The VOT datasets pack the axis-aligned box and the 8-value polygon side by side.
    frame = make_video(1, "ants1", [[0, 0, 10, 10]], [[0, 0, 10, 10]])[0]
    poly = torch.tensor([[0.0, 5.0, 5.0, 0.0, 10.0, 5.0, 5.0, 10.0]])
    frame[0].gt_instances.polygons = poly
    metric = SOTMetric(metric="VOT")
    metric.process({}, [frame.to_dict() if hasattr(frame, "to_dict") else frame])
    np.testing.assert_allclose(metric.results[0]["gt"], poly[0].numpy())
