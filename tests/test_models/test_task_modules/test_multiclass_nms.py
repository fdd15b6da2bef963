"""multiclass_nms on hand-made candidates."""

import torch

from mmtrack.models.layers import multiclass_nms


def test_per_class_nms_threshold_and_max_num():
    boxes = torch.tensor(
        [
            [0.0, 0.0, 10.0, 10.0],
            [1.0, 0.0, 11.0, 10.0],  # IoU with box 0 = 90/110 > 0.5
            [50.0, 50.0, 60.0, 60.0],
        ]
    )
    # scores (N, K+1): two classes and background
    scores = torch.tensor([[0.9, 0.1, 0.0], [0.8, 0.7, 0.0], [0.02, 0.6, 0.0]])
    dets, labels = multiclass_nms(boxes, scores, 0.05, dict(type="nms", iou_threshold=0.5))
    # class 0: box0 .9 (box1 .8 suppressed, box2 .02 below thr); class 1: box1 .7, box2 .6
    # (box0 .1 suppressed by box1 in class 1)
    assert labels.tolist() == [0, 1, 1]
    assert dets[:, 4].tolist() == [0.8999999761581421, 0.699999988079071, 0.6000000238418579]
    assert torch.equal(dets[0, :4], boxes[0]) and torch.equal(dets[1, :4], boxes[1])
    dets, labels, inds = multiclass_nms(
        boxes, scores, 0.05, dict(type="nms", iou_threshold=0.5), max_num=2, return_inds=True
    )
    # flattened candidate index = box * K + class
    assert len(dets) == 2 and inds.tolist() == [0, 3]


def test_per_class_boxes_and_empty():
    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0, 20.0, 20.0, 30.0, 30.0]])
    scores = torch.tensor([[0.3, 0.6, 0.1]])
    dets, labels = multiclass_nms(boxes, scores, 0.05, dict(type="nms", iou_threshold=0.5))
    assert labels.tolist() == [1, 0]
    assert dets[0, :4].tolist() == [20.0, 20.0, 30.0, 30.0]
    dets, labels = multiclass_nms(boxes, scores, 0.9, dict(type="nms", iou_threshold=0.5))
    assert dets.shape == (0, 5) and labels.shape == (0,)
