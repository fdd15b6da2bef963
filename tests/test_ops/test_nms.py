"""Tests of nms, soft_nms and batched_nms against hand-computed cases and references."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torchvision

from mmtrack.ops import batched_nms, nms, soft_nms

# A = [0,0,10,10], B = [5,0,15,10]: inter 50, union 150 -> IoU(A, B) = 1/3.
# C = [0,0,10,5]: IoU(A, C) = 50/100 = 1/2; IoU(B, C) = 25/125 = 1/5.
BOX_A = [0.0, 0.0, 10.0, 10.0]
BOX_B = [5.0, 0.0, 15.0, 10.0]
BOX_C = [0.0, 0.0, 10.0, 5.0]


def _random_boxes(n: int, seed: int, size: float = 100.0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * size
    wh = torch.rand(n, 2, generator=g) * size / 3 + 1
    boxes = torch.cat([xy, xy + wh], dim=1)
    scores = torch.rand(n, generator=g)
    return boxes, scores


def _greedy_nms_reference(boxes: np.ndarray, scores: np.ndarray, thr: float, offset: int) -> list:
    """Textbook greedy NMS in float64, one box at a time."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    keep: list[int] = []
    for i in order:
        ok = True
        for j in keep:
            w = min(boxes[i, 2], boxes[j, 2]) - max(boxes[i, 0], boxes[j, 0]) + offset
            h = min(boxes[i, 3], boxes[j, 3]) - max(boxes[i, 1], boxes[j, 1]) + offset
            inter = max(w, 0.0) * max(h, 0.0)
            area_i = (boxes[i, 2] - boxes[i, 0] + offset) * (boxes[i, 3] - boxes[i, 1] + offset)
            area_j = (boxes[j, 2] - boxes[j, 0] + offset) * (boxes[j, 3] - boxes[j, 1] + offset)
            if inter / (area_i + area_j - inter) > thr:
                ok = False
                break
        if ok:
            keep.append(i)
    return keep


# ---------------------------------------------------------------- nms


def test_nms_two_boxes_threshold_around_one_third():
    boxes = torch.tensor([BOX_A, BOX_B])
    scores = torch.tensor([0.9, 0.8])
    _, keep = nms(boxes, scores, iou_threshold=0.3)  # 1/3 > 0.3: B suppressed
    assert keep.tolist() == [0]
    dets, keep = nms(boxes, scores, iou_threshold=0.34)  # 1/3 <= 0.34: both kept
    assert keep.tolist() == [0, 1]
    expected = torch.tensor([BOX_A + [0.9], BOX_B + [0.8]])
    torch.testing.assert_close(dets, expected)
    assert keep.dtype == torch.long


def test_nms_returns_score_sorted_dets_and_input_indices():
    boxes = torch.tensor([BOX_B, [50.0, 50, 60, 60], BOX_A])
    scores = torch.tensor([0.2, 0.5, 0.9])
    dets, keep = nms(boxes, scores, 0.3)
    assert keep.tolist() == [2, 1]  # B overlaps A (IoU 1/3) and scores lower
    torch.testing.assert_close(dets[:, 4], torch.tensor([0.9, 0.5]))
    torch.testing.assert_close(dets[:, :4], boxes[[2, 1]])


def test_nms_offset_one_uses_legacy_widths():
    # With +1 widths: A=[0,0,9,9] (10x10) and B=[5,0,14,9] overlap 5x10 -> IoU 50/150 = 1/3.
    # Without: areas 81, intersection 4*9 = 36 -> IoU 36/126 = 2/7 < 0.3.
    boxes = torch.tensor([[0.0, 0, 9, 9], [5.0, 0, 14, 9]])
    scores = torch.tensor([0.9, 0.8])
    assert nms(boxes, scores, 0.3, offset=0)[1].tolist() == [0, 1]
    assert nms(boxes, scores, 0.3, offset=1)[1].tolist() == [0]
    assert nms(boxes, scores, 0.34, offset=1)[1].tolist() == [0, 1]
    # offset=1 must not modify the caller's boxes
    torch.testing.assert_close(boxes, torch.tensor([[0.0, 0, 9, 9], [5.0, 0, 14, 9]]))


def test_nms_offset_one_touching_boxes_overlap():
    # [0,0,4,4] and [4,0,8,4] only touch with offset 0; with +1 widths they share
    # a 1x5 column: IoU = 5 / (25 + 25 - 5) = 1/9.
    boxes = torch.tensor([[0.0, 0, 4, 4], [4.0, 0, 8, 4]], dtype=torch.float64)
    scores = torch.tensor([0.9, 0.8], dtype=torch.float64)
    assert nms(boxes, scores, 0.1, offset=1)[1].tolist() == [0]
    assert nms(boxes, scores, 0.12, offset=1)[1].tolist() == [0, 1]
    assert nms(boxes, scores, 0.0, offset=0)[1].tolist() == [0, 1]


def test_nms_score_threshold_and_max_num():
    boxes = torch.tensor([BOX_A, [50.0, 50, 60, 60], [80.0, 80, 90, 90], BOX_B])
    scores = torch.tensor([0.9, 0.05, 0.6, 0.8])
    _, keep = nms(boxes, scores, 0.5, score_threshold=0.1)
    assert keep.tolist() == [0, 3, 2]  # index 1 filtered; indices refer to the input
    _, keep = nms(boxes, scores, 0.5, score_threshold=0.1, max_num=2)
    assert keep.tolist() == [0, 3]
    _, keep = nms(boxes, scores, 0.5, max_num=1)
    assert keep.tolist() == [0]
    # score equal to the threshold is removed (strictly greater is kept)
    _, keep = nms(boxes, scores, 0.5, score_threshold=0.6)
    assert keep.tolist() == [0, 3]


def test_nms_empty_and_all_filtered():
    dets, keep = nms(torch.zeros((0, 4)), torch.zeros((0,)), 0.5)
    assert dets.shape == (0, 5) and keep.shape == (0,) and keep.dtype == torch.long
    dets, keep = nms(torch.tensor([BOX_A]), torch.tensor([0.1]), 0.5, score_threshold=0.5)
    assert dets.shape == (0, 5) and keep.shape == (0,)
    dets, keep = nms(np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), 0.5)
    assert isinstance(dets, np.ndarray) and dets.shape == (0, 5) and keep.shape == (0,)


def test_nms_zero_area_and_degenerate_boxes():
    # Two identical points: IoU = 0/0 (NaN) with offset 0, never suppressed;
    # with offset 1 they are identical 1x1 boxes (IoU 1).
    points = torch.tensor([[5.0, 5, 5, 5], [5.0, 5, 5, 5]])
    scores = torch.tensor([0.9, 0.8])
    assert nms(points, scores, 0.5)[1].tolist() == [0, 1]
    assert nms(points, scores, 0.5, offset=1)[1].tolist() == [0]
    # a line segment inside a box has zero intersection area
    boxes = torch.tensor([BOX_A, [2.0, 2, 8, 2]])
    assert nms(boxes, scores, 0.0)[1].tolist() == [0, 1]


def test_nms_numpy_in_numpy_out():
    boxes = np.array([BOX_A, BOX_B], np.float32)
    scores = np.array([0.8, 0.9], np.float32)
    dets, keep = nms(boxes, scores, 0.3)
    assert isinstance(dets, np.ndarray) and isinstance(keep, np.ndarray)
    assert keep.tolist() == [1]
    np.testing.assert_allclose(dets, [BOX_B + [0.9]])


@pytest.mark.parametrize("thr", [0.3, 0.5, 0.7])
def test_nms_matches_torchvision_and_reference(thr):
    boxes, scores = _random_boxes(200, seed=int(thr * 10))
    _, keep = nms(boxes, scores, thr)
    assert keep.tolist() == torchvision.ops.nms(boxes, scores, thr).tolist()
    ref = _greedy_nms_reference(boxes.double().numpy(), scores.numpy(), thr, 0)
    assert keep.tolist() == ref


def test_nms_offset_one_matches_reference_on_random_boxes():
    boxes, scores = _random_boxes(150, seed=3, size=40.0)
    boxes = boxes.round()  # legacy boxes are integer pixel indices
    _, keep = nms(boxes, scores, 0.4, offset=1)
    ref = _greedy_nms_reference(boxes.double().numpy(), scores.numpy(), 0.4, 1)
    assert keep.tolist() == ref
    assert keep.tolist() != nms(boxes, scores, 0.4, offset=0)[1].tolist()


def test_nms_bad_inputs():
    with pytest.raises(ValueError, match="boxes must have shape"):
        nms(torch.zeros(3, 5), torch.zeros(3), 0.5)
    with pytest.raises(ValueError, match="scores must have shape"):
        nms(torch.zeros(3, 4), torch.zeros(2), 0.5)
    with pytest.raises(ValueError, match="offset"):
        nms(torch.zeros(3, 4), torch.zeros(3), 0.5, offset=2)
    with pytest.raises(TypeError, match="boxes"):
        nms([[0, 0, 1, 1]], torch.zeros(1), 0.5)


# ---------------------------------------------------------------- soft_nms


def _soft_nms_kernel_transcription(boxes, scores, thr, sigma, min_score, method, offset):
    """mmcv's softnms_cpu kernel transcribed statement by statement (float32 scalars)."""
    f32 = np.float32
    x1, y1, x2, y2 = (list(boxes[:, j].astype(f32)) for j in range(4))
    sc = list(scores.astype(f32))
    areas = [(x2[k] - x1[k] + f32(offset)) * (y2[k] - y1[k] + f32(offset)) for k in range(len(sc))]
    inds = list(range(len(sc)))
    arrays = [x1, y1, x2, y2, sc, areas, inds]
    dets = []
    nboxes = len(sc)
    i = 0
    while i < nboxes:
        max_score, max_pos = sc[i], i
        for pos in range(i + 1, nboxes):
            if max_score < sc[pos]:
                max_score, max_pos = sc[pos], pos
        for arr in arrays:
            arr[i], arr[max_pos] = arr[max_pos], arr[i]
        dets.append([x1[i], y1[i], x2[i], y2[i], sc[i]])
        pos = i + 1
        while pos < nboxes:
            w = max(f32(0), min(x2[i], x2[pos]) - max(x1[i], x1[pos]) + f32(offset))
            h = max(f32(0), min(y2[i], y2[pos]) - max(y1[i], y1[pos]) + f32(offset))
            inter = w * h
            ovr = inter / (areas[i] + areas[pos] - inter)
            weight = f32(1)
            if method == "naive" and ovr >= f32(thr):
                weight = f32(0)
            elif method == "linear" and ovr >= f32(thr):
                weight = f32(1) - ovr
            elif method == "gaussian":
                weight = np.exp(-(ovr * ovr) / f32(sigma))
            sc[pos] = sc[pos] * weight
            if sc[pos] < f32(min_score):
                for arr in arrays:
                    arr[pos] = arr[nboxes - 1]
                nboxes -= 1
                pos -= 1
            pos += 1
        i += 1
    return np.array(dets, np.float32).reshape(-1, 5), np.array(inds[:nboxes])


def test_soft_nms_linear_three_boxes_by_hand():
    boxes = torch.tensor([BOX_A, BOX_B, BOX_C])
    # C scores above B at first, but after A is selected B keeps 0.8 * (1 - 1/3)
    # and C only 0.85 * (1 - 1/2); then IoU(B, C) = 1/5 < 0.3 leaves C unchanged.
    scores = torch.tensor([0.9, 0.8, 0.85])
    dets, keep = soft_nms(boxes, scores, iou_threshold=0.3, method="linear")
    assert keep.tolist() == [0, 1, 2]
    torch.testing.assert_close(dets[:, 4], torch.tensor([0.9, 0.8 * 2 / 3, 0.85 * 0.5]))
    torch.testing.assert_close(dets[:, :4], boxes)
    # min_score drops C (0.425 < 0.5) but keeps B (0.5333)
    _, keep = soft_nms(boxes, scores, iou_threshold=0.3, min_score=0.5, method="linear")
    assert keep.tolist() == [0, 1]
    # a threshold above both overlaps with A leaves every score untouched
    dets, keep = soft_nms(boxes, scores, iou_threshold=0.6, method="linear")
    assert keep.tolist() == [0, 2, 1]
    torch.testing.assert_close(dets[:, 4], torch.tensor([0.9, 0.85, 0.8]))


def test_soft_nms_gaussian_three_boxes_by_hand():
    boxes = torch.tensor([BOX_A, BOX_B, BOX_C])
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = soft_nms(boxes, scores, sigma=0.5, method="gaussian")
    b = 0.8 * math.exp(-((1 / 3) ** 2) / 0.5)  # decayed by A
    c = 0.7 * math.exp(-(0.5**2) / 0.5) * math.exp(-(0.2**2) / 0.5)  # by A, then by B
    assert keep.tolist() == [0, 1, 2]
    torch.testing.assert_close(dets[:, 4], torch.tensor([0.9, b, c]))


def test_soft_nms_naive_is_hard_nms_with_ge():
    boxes = torch.tensor([BOX_A, BOX_B, BOX_C])
    scores = torch.tensor([0.9, 0.8, 0.7])
    _, keep = soft_nms(boxes, scores, iou_threshold=0.3, method="naive")
    assert keep.tolist() == [0]  # B (1/3) and C (1/2) zeroed and dropped
    _, keep = soft_nms(boxes, scores, iou_threshold=0.5, method="naive")
    assert keep.tolist() == [0, 1]  # IoU 1/2 >= 0.5 drops C; 1/3 keeps B


@pytest.mark.parametrize("method", ["linear", "gaussian", "naive"])
@pytest.mark.parametrize("offset", [0, 1])
def test_soft_nms_matches_kernel_transcription(method, offset):
    boxes, scores = _random_boxes(60, seed=7 + offset, size=30.0)
    scores = (scores * 10).round() / 10 + 0.05  # many ties exercise the kernel's slot order
    dets, keep = soft_nms(boxes, scores, 0.3, 0.5, 0.05, method, offset)
    ref_dets, ref_keep = _soft_nms_kernel_transcription(
        boxes.numpy(), scores.numpy(), 0.3, 0.5, 0.05, method, offset
    )
    assert keep.tolist() == ref_keep.tolist()
    np.testing.assert_allclose(dets.numpy(), ref_dets, rtol=1e-6, atol=1e-7)
    assert (dets[1:, 4] <= dets[:-1, 4]).all()


def test_soft_nms_numpy_empty_and_errors():
    boxes = np.array([BOX_A, BOX_B], np.float32)
    dets, keep = soft_nms(boxes, np.array([0.9, 0.8], np.float32), method="linear")
    assert isinstance(dets, np.ndarray) and keep.tolist() == [0, 1]
    np.testing.assert_allclose(dets[:, 4], [0.9, 0.8 * 2 / 3], rtol=1e-6)
    dets, keep = soft_nms(torch.zeros((0, 4)), torch.zeros(0))
    assert dets.shape == (0, 5) and keep.shape == (0,)
    with pytest.raises(ValueError, match="method"):
        soft_nms(torch.zeros((1, 4)), torch.zeros(1), method="cubic")


# ---------------------------------------------------------------- batched_nms


def test_batched_nms_matches_torchvision():
    boxes, scores = _random_boxes(300, seed=11)
    idxs = torch.randint(0, 5, (300,), generator=torch.Generator().manual_seed(0))
    dets, keep = batched_nms(boxes, scores, idxs, dict(type="nms", iou_threshold=0.5))
    assert keep.tolist() == torchvision.ops.batched_nms(boxes, scores, idxs, 0.5).tolist()
    torch.testing.assert_close(dets, torch.cat([boxes[keep], scores[keep, None]], 1))


def test_batched_nms_groups_do_not_suppress_each_other():
    boxes = torch.tensor([BOX_A, BOX_B, BOX_A])
    scores = torch.tensor([0.9, 0.8, 0.7])
    idxs = torch.tensor([0, 0, 1])
    _, keep = batched_nms(boxes, scores, idxs, dict(iou_threshold=0.3))
    assert keep.tolist() == [0, 2]
    _, keep = batched_nms(boxes, scores, idxs, dict(iou_threshold=0.3), class_agnostic=True)
    assert keep.tolist() == [0]
    cfg = dict(iou_threshold=0.3, class_agnostic=True)
    assert batched_nms(boxes, scores, idxs, cfg)[1].tolist() == [0]
    # old key name
    assert batched_nms(boxes, scores, idxs, dict(type="nms", iou_thr=0.3))[1].tolist() == [0, 2]


def test_batched_nms_split_path_equals_single_call():
    boxes, scores = _random_boxes(200, seed=5)
    idxs = torch.randint(0, 4, (200,), generator=torch.Generator().manual_seed(1))
    cfg = dict(type="nms", iou_threshold=0.4)
    dets1, keep1 = batched_nms(boxes, scores, idxs, cfg)
    dets2, keep2 = batched_nms(boxes, scores, idxs, dict(cfg, split_thr=10))
    assert keep1.tolist() == keep2.tolist()
    torch.testing.assert_close(dets1, dets2)
    _, keep3 = batched_nms(boxes, scores, idxs, dict(cfg, split_thr=10, max_num=7))
    assert keep3.tolist() == keep1[:7].tolist()
    _, keep4 = batched_nms(boxes, scores, idxs, dict(cfg, max_num=7))
    assert keep4.tolist() == keep1[:7].tolist()


def test_batched_nms_soft_nms_decays_within_groups_only():
    boxes = torch.tensor([BOX_A, BOX_B, BOX_B])
    scores = torch.tensor([0.9, 0.8, 0.7])
    idxs = torch.tensor([0, 0, 1])
    cfg = dict(type="soft_nms", iou_threshold=0.3, method="linear")
    for extra in ({}, {"split_thr": 1}):
        dets, keep = batched_nms(boxes, scores, idxs, dict(cfg, **extra))
        # B in group 0 is decayed by A to 0.8 * 2/3 = 0.5333; B in group 1 keeps 0.7
        assert keep.tolist() == [0, 2, 1]
        torch.testing.assert_close(dets[:, 4], torch.tensor([0.9, 0.7, 0.8 * 2 / 3]))


def test_batched_nms_none_cfg_only_sorts_and_empty():
    boxes = torch.tensor([BOX_A, BOX_A])
    scores = torch.tensor([0.2, 0.7])
    dets, keep = batched_nms(boxes, scores, torch.tensor([0, 0]), None)
    assert keep.tolist() == [1, 0]
    torch.testing.assert_close(dets[:, 4], torch.tensor([0.7, 0.2]))
    dets, keep = batched_nms(
        torch.zeros((0, 4)),
        torch.zeros(0),
        torch.zeros(0, dtype=torch.long),
        dict(iou_threshold=0.5),
    )
    assert dets.shape == (0, 5) and keep.shape == (0,)
    with pytest.raises(ValueError, match="type"):
        batched_nms(boxes, scores, torch.tensor([0, 0]), dict(type="matrix_nms"))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_nms_family_on_cuda_matches_cpu():
    boxes, scores = _random_boxes(300, seed=2)
    idxs = torch.randint(0, 3, (300,), generator=torch.Generator().manual_seed(2))
    for fn in (
        lambda b, s, i: nms(b, s, 0.5),
        lambda b, s, i: nms(b, s, 0.5, offset=1),
        lambda b, s, i: soft_nms(b, s, method="gaussian"),
        lambda b, s, i: batched_nms(b, s, i, dict(iou_threshold=0.5)),
    ):
        dets_cpu, keep_cpu = fn(boxes, scores, idxs)
        dets_gpu, keep_gpu = fn(boxes.cuda(), scores.cuda(), idxs.cuda())
        assert keep_gpu.is_cuda and keep_gpu.cpu().tolist() == keep_cpu.tolist()
        torch.testing.assert_close(dets_gpu.cpu(), dets_cpu)
