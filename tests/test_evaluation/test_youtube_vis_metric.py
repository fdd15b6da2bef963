"""YouTube-VIS video AP on small hand-made videos, against hand-computed IoU and AP."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from pycocotools import mask as mask_utils

from mmtrack.evaluation.functional import eval_ytvis, spatio_temporal_iou
from mmtrack.evaluation.metrics import YouTubeVISMetric
from mmtrack.registry import METRICS
from mmtrack.structures import DetDataSample, TrackDataSample

H = W = 10


def box_mask(y0, y1, x0, x1):
    m = np.zeros((H, W), np.uint8)
    m[y0:y1, x0:x1] = 1
    return m


# Video 1 (3 frames): gt A (person) on frames 0-1 (10 px each).
#   P1 (person, scores .9 .8 .7): exact on f0, 6 px inside A on f1, 4 px on f2
#       where A is absent -> IoU (10 + 6) / (10 + 10 + 4) = 2/3
#   P2 (person, score .6): exact on f1 only -> IoU 10 / (10 + 10) = 1/2
# Video 2 (3 frames): gt B (dog) on frames 0-2 (16 px), gt C (person) on f1 (4 px)
#   P3 (labels dog, dog, person -> dog; scores .9 .9 .3): exact on f0 and f2,
#       8 px on f1 -> IoU 40 / 48 = 5/6
#   P4 (person, score .5): exact on C -> IoU 1
A = box_mask(0, 2, 0, 5)
B = box_mask(0, 4, 0, 4)
C = box_mask(6, 8, 6, 8)
VIDEOS = {
    1: dict(
        gt=[[(1, 0, A)], [(1, 0, A)], []],
        pred=[
            [(1, 0, 0.9, A)],
            [(1, 0, 0.8, box_mask(0, 2, 0, 3)), (2, 0, 0.6, A)],
            [(1, 0, 0.7, box_mask(5, 7, 5, 7))],
        ],
    ),
    2: dict(
        gt=[[(7, 1, B)], [(7, 1, B), (8, 0, C)], [(7, 1, B)]],
        pred=[
            [(5, 1, 0.9, B)],
            [(5, 1, 0.9, box_mask(0, 4, 0, 2)), (6, 0, 0.5, C)],
            [(5, 0, 0.3, B)],
        ],
    ),
}

# AP by hand (COCO rules, 101 recall points, 10 IoU thresholds .5:.05:.95):
# person: dets P1 .8, P2 .6, P4 .5 for gts A, C.
#   t <= 2/3 (4 thresholds): TP FP TP -> precision 1 up to recall .5 (51 points),
#       2/3 after (50 points): AP = (51 + 50 * 2/3) / 101
#   t > 2/3 (6 thresholds): FP FP TP -> 1/3 up to recall .5, 0 after: AP = 51/3/101
# dog: P3 at IoU 5/6 is a TP for t <= .8 (7 thresholds, AP 1), else FP (AP 0).
AP_PERSON_LOW = (51 + 50 * 2 / 3) / 101
AP_PERSON_HIGH = 51 / 3 / 101
AP_PERSON = (4 * AP_PERSON_LOW + 6 * AP_PERSON_HIGH) / 10
AP_DOG = 7 / 10


def rle(m):
    return mask_utils.encode(np.asfortranarray(m))


def test_spatio_temporal_iou_by_hand():
    p1 = [rle(A), rle(box_mask(0, 2, 0, 3)), rle(box_mask(5, 7, 5, 7))]
    gt_a = [rle(A), rle(A), None]
    assert spatio_temporal_iou(p1, gt_a) == pytest.approx(2 / 3)
    assert spatio_temporal_iou([None, rle(A), None], gt_a) == pytest.approx(0.5)
    assert spatio_temporal_iou([None, None], [None, None]) == 0.0


def test_eval_ytvis_hand_ap():
    videos = [dict(id=v, height=H, width=W) for v in VIDEOS]
    gts = [
        dict(video_id=1, category_id=1, segmentations=[rle(A), rle(A), None]),
        dict(video_id=2, category_id=2, segmentations=[rle(B)] * 3),
        dict(video_id=2, category_id=1, segmentations=[None, rle(C), None]),
    ]
    dets = [
        dict(video_id=1, category_id=1, score=0.8,
             segmentations=[rle(A), rle(box_mask(0, 2, 0, 3)), rle(box_mask(5, 7, 5, 7))]),
        dict(video_id=1, category_id=1, score=0.6, segmentations=[None, rle(A), None]),
        dict(video_id=2, category_id=2, score=0.7,
             segmentations=[rle(B), rle(box_mask(0, 4, 0, 2)), rle(B)]),
        dict(video_id=2, category_id=1, score=0.5, segmentations=[None, rle(C), None]),
    ]
    cats = [dict(id=1, name="person"), dict(id=2, name="dog")]
    res = eval_ytvis(dict(videos=videos, categories=cats, annotations=gts), dets)
    assert res["mAP"] == pytest.approx((AP_PERSON + AP_DOG) / 2)
    assert res["mAP_50"] == pytest.approx((AP_PERSON_LOW + 1) / 2)
    assert res["mAP_75"] == pytest.approx((AP_PERSON_HIGH + 1) / 2)
    # every instance is small (< 128^2 px): small = all, no medium/large gt
    assert res["mAP_s"] == pytest.approx(res["mAP"])
    assert res["mAP_m"] == -1 and res["mAP_l"] == -1


def make_samples(video_id, spec, with_instances_meta=False):
    out = []
    n = len(spec["gt"])
    for t in range(n):
        frame = DetDataSample(
            metainfo=dict(video_id=video_id, frame_id=t, video_length=n, ori_shape=(H, W),
                          img_id=video_id * 10 + t)
        )
        preds = spec["pred"][t]
        frame.pred_track_instances = InstanceData(
            instances_id=torch.tensor([p[0] for p in preds]),
            labels=torch.tensor([p[1] for p in preds]),
            scores=torch.tensor([p[2] for p in preds]),
            masks=torch.from_numpy(np.stack([p[3] for p in preds]).astype(bool)),
        )
        gts = spec["gt"][t]
        if with_instances_meta:
            frame.set_metainfo(dict(instances=[
                dict(instance_id=i, bbox_label=c, mask=rle(m), bbox=[0, 0, 1, 1])
                for i, c, m in gts
            ]))
        else:
            frame.gt_instances = InstanceData(
                instances_id=torch.tensor([g[0] for g in gts], dtype=torch.long),
                labels=torch.tensor([g[1] for g in gts], dtype=torch.long),
                masks=torch.from_numpy(np.stack([g[2] for g in gts]).astype(bool))
                if gts else torch.zeros((0, H, W), dtype=torch.bool),
            )
        track = TrackDataSample()
        track.video_data_samples = [frame]
        out.append(track)
    return out


@pytest.mark.parametrize("with_instances_meta", [False, True])
def test_metric_hand_ap(with_instances_meta):
    metric = METRICS.build(dict(type="YouTubeVISMetric"))
    metric.dataset_meta = dict(classes=("person", "dog"))
    for video_id, spec in VIDEOS.items():
        for s in make_samples(video_id, spec, with_instances_meta):
            metric.process({}, [s.to_dict()])
    out = metric.evaluate(size=6)
    assert out["youtube_vis/segm_mAP"] == round((AP_PERSON + AP_DOG) / 2, 3)
    assert out["youtube_vis/segm_mAP_50"] == round((AP_PERSON_LOW + 1) / 2, 3)
    assert out["youtube_vis/segm_mAP_75"] == round((AP_PERSON_HIGH + 1) / 2, 3)
    assert out["youtube_vis/segm_mAP_m"] == -1.0


def test_format_only(tmp_path):
    metric = YouTubeVISMetric(format_only=True, outfile_prefix=str(tmp_path / "res"))
    for s in make_samples(2, VIDEOS[2]):
        metric.process({}, [s])
    assert metric.evaluate(size=3) == {}
    with zipfile.ZipFile(tmp_path / "res.submission_file.zip") as zf:
        assert zf.namelist() == ["results.json"]
        results = json.loads(zf.read("results.json"))
    assert results == json.loads((tmp_path / "res.json").read_text())
    by_score = sorted(results, key=lambda r: -r["score"])
    # P3: mean score (.9 + .9 + .3) / 3, majority label dog -> category 2
    assert by_score[0]["category_id"] == 2 and by_score[0]["score"] == pytest.approx(0.7)
    assert by_score[1]["segmentations"][0] is None and by_score[1]["category_id"] == 1
    decoded = mask_utils.decode(
        dict(size=by_score[1]["segmentations"][1]["size"],
             counts=by_score[1]["segmentations"][1]["counts"].encode())
    )
    np.testing.assert_array_equal(decoded, C)
