"""CocoVideoMetric against pycocotools' COCOeval run directly on the same data."""

from __future__ import annotations

import contextlib
import io
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from mmtrack.evaluation.metrics import CocoVideoMetric
from mmtrack.registry import METRICS
from mmtrack.structures import DetDataSample, TrackDataSample

ANN = osp.join(osp.dirname(__file__), "..", "data", "eval", "vid", "ann.json")
CLASSES = ("airplane", "bicycle", "bird")
CAT_IDS = [1, 2, 5]
# img_id -> [(x1, y1, x2, y2, score, label index)]
PREDS = {
    1: [(12, 10, 210, 160, 0.9, 0), (300, 40, 320, 60, 0.8, 2), (0, 0, 50, 50, 0.3, 1)],
    2: [(14, 12, 214, 162, 0.85, 0), (330, 42, 350, 62, 0.7, 2), (402, 298, 462, 352, 0.6, 1)],
    3: [(25, 20, 220, 160, 0.95, 0), (120, 320, 200, 400, 0.5, 1)],
    4: [(50, 60, 130, 130, 0.9, 1), (205, 65, 240, 150, 0.4, 1), (500, 400, 525, 428, 0.2, 2)],
    5: [(100, 100, 200, 200, 0.99, 0)],
}
KEYS = ["mAP", "mAP_50", "mAP_75", "mAP_s", "mAP_m", "mAP_l"]


def reference_stats(max_dets=(100, 300, 1000)):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ANN)
        dets = [
            dict(image_id=i, bbox=[x1, y1, x2 - x1, y2 - y1], score=s, category_id=CAT_IDS[c])
            for i, rows in PREDS.items()
            for x1, y1, x2, y2, s, c in rows
        ]
        dt = gt.loadRes(dets)
        ev = COCOeval(gt, dt, "bbox")
        ev.params.imgIds = sorted(PREDS)
        ev.params.catIds = CAT_IDS
        ev.params.maxDets = list(max_dets)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def samples(with_gt=False):
    with open(ANN) as f:
        ann = json.load(f)
    out = []
    for img_id, rows in PREDS.items():
        frame = DetDataSample(metainfo=dict(img_id=img_id, ori_shape=(480, 640), frame_id=0))
        arr = np.array(rows, dtype=np.float32).reshape(-1, 6)
        frame.pred_instances = InstanceData(
            bboxes=torch.from_numpy(arr[:, :4]),
            scores=torch.from_numpy(arr[:, 4]),
            labels=torch.from_numpy(arr[:, 5]).long(),
        )
        if with_gt:
            gts = [a for a in ann["annotations"] if a["image_id"] == img_id]

            def inst(items):
                boxes = [[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2],
                          a["bbox"][1] + a["bbox"][3]] for a in items]
                return InstanceData(
                    bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
                    labels=torch.tensor([CAT_IDS.index(a["category_id"]) for a in items]),
                )

            frame.gt_instances = inst([a for a in gts if not a["iscrowd"]])
            frame.ignored_instances = inst([a for a in gts if a["iscrowd"]])
        track = TrackDataSample()
        track.video_data_samples = [frame]
        out.append(track)
    return out


def run(metric, with_gt=False):
    metric.dataset_meta = dict(classes=CLASSES)
    for s in samples(with_gt):
        metric.process({}, [s.to_dict()])
    return metric.evaluate(size=len(PREDS))


def test_equals_cocoeval_with_ann_file():
    ev = reference_stats()
    out = run(METRICS.build(dict(type="CocoVideoMetric", ann_file=ANN, classwise=True)))
    for k, key in enumerate(KEYS):
        assert out[f"coco/bbox_{key}"] == round(ev.stats[k], 3), key
    # the numbers are not trivial
    assert 0.2 < out["coco/bbox_mAP"] < 0.9 and out["coco/bbox_mAP_s"] != out["coco/bbox_mAP_l"]
    for k, name in enumerate(CLASSES):
        p = ev.eval["precision"][:, :, k, 0, -1]
        assert out[f"coco/{name}_precision"] == round(float(np.mean(p[p > -1])), 3)


def test_equals_cocoeval_with_gt_from_samples():
    ev = reference_stats()
    out = run(CocoVideoMetric(), with_gt=True)
    for k, key in enumerate(KEYS):
        assert out[f"coco/bbox_{key}"] == round(ev.stats[k], 3), key


def test_max_dets_parameter():
    ev = reference_stats(max_dets=(1, 10, 100))
    out = run(CocoVideoMetric(ann_file=ANN, proposal_nums=(1, 10, 100)))
    assert out["coco/bbox_mAP"] == round(ev.stats[0], 3)


def test_format_only_and_errors(tmp_path):
    metric = CocoVideoMetric(ann_file=ANN, format_only=True, outfile_prefix=str(tmp_path / "r"))
    assert run(metric) == {}
    dets = json.loads((tmp_path / "r.bbox.json").read_text())
    assert len(dets) == sum(len(v) for v in PREDS.values())
    assert dets[0] == dict(image_id=1, bbox=[12.0, 10.0, 198.0, 150.0], score=pytest.approx(0.9),
                           category_id=1)
    with pytest.raises(KeyError):
        CocoVideoMetric(metric="segm")
    metric = CocoVideoMetric(ann_file=ANN)
    metric.dataset_meta = dict(classes=("airplane", "zebra", "bird"))
    for s in samples():
        metric.process({}, [s])
    with pytest.raises(ValueError, match="zebra"):
        metric.evaluate(size=5)
