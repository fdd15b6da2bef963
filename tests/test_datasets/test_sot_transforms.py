"""SOT crops and augmentations against crop boxes and pixels computed by hand."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from mmtrack.datasets.transforms.sot_augmentation import DEFAULT_RGB_VAR, motion_blur_kernel
from mmtrack.registry import TRANSFORMS
from mmtrack.utils import register_all_modules

register_all_modules()


def build(cfg):
    return TRANSFORMS.build(cfg)


def siamfc_expected_box(box, exemplar=127, crop=511, context=0.5):
    """SiamFC paper: s_z = sqrt((w + p)(h + p)), p = context * (w + h)."""
    w, h = box[2] - box[0], box[3] - box[1]
    p = context * (w + h)
    s_z = math.sqrt((w + p) * (h + p))
    scale = exemplar / s_z
    c = crop // 2
    return [c - w * scale / 2, c - h * scale / 2, c + w * scale / 2, c + h * scale / 2], s_z


def test_crop_like_siamfc_box_and_pixels():
    img = np.full((300, 400, 3), 50, np.uint8)
    img[80:100, 100:140] = 250  # the target: x1y1x2y2 = 100, 80, 140, 100
    box = [100.0, 80.0, 140.0, 100.0]
    out = build(dict(type="CropLikeSiamFC", context_amount=0.5, exemplar_size=127, crop_size=511))(
        dict(img=img, gt_bboxes=np.array([box], np.float32))
    )
    expected, s_z = siamfc_expected_box(box)
    # w=40, h=20: p=30, s_z=sqrt(70*50)=59.16, scale 127/59.16=2.1467
    assert s_z == pytest.approx(math.sqrt(3500))
    np.testing.assert_allclose(out["gt_bboxes"][0], expected, atol=1e-3)
    np.testing.assert_allclose(expected, [212.066, 233.533, 297.934, 276.467], atol=1e-3)
    assert out["img"].shape == (511, 511, 3) and out["img_shape"] == (511, 511)
    # the bright target lands on the new box (within the half-pixel centre convention)
    ys, xs = np.nonzero(out["img"][..., 0] > 150)
    np.testing.assert_allclose([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], expected, atol=1.6)
    # the crop covers 511 * s_z / 127 = 238 px around the centre (120, 90): the
    # rows above y = 0 are filled with the image mean
    mean = (50 * (300 * 400 - 800) + 250 * 800) / (300 * 400)
    assert abs(int(out["img"][0, 255, 0]) - mean) <= 1


def test_seq_crop_like_stark_inside_image():
    rng = np.random.RandomState(0)
    img = rng.randint(0, 255, (100, 120, 3)).astype(np.uint8)
    box = np.array([[40, 30, 60, 50]], np.float32)
    t = build(dict(type="SeqCropLikeStark", crop_size_factor=[2], output_size=[40]))
    out = t(dict(img=[img], gt_bboxes=[box], jittered_bboxes=[box.copy()]))
    # side ceil(sqrt(20 * 20) * 2) = 40 from round(50 - 20) = 30, round(40 - 20) = 20
    np.testing.assert_array_equal(out["img"][0], img[20:60, 30:70])
    assert not out["padding_mask"][0].any()
    # centre (40 - 1) / 2 = 19.5, size 20 * (40 / 40)
    np.testing.assert_allclose(out["gt_bboxes"][0], [[9.5, 9.5, 29.5, 29.5]])


def test_seq_crop_like_stark_padding():
    rng = np.random.RandomState(1)
    img = rng.randint(1, 255, (100, 120, 3)).astype(np.uint8)
    t = build(dict(type="SeqCropLikeStark", crop_size_factor=[4, 2], output_size=[40, 40]))
    jit = [np.array([[0, 0, 10, 10]], np.float32), np.array([[100, 40, 120, 60]], np.float32)]
    gt = [np.array([[2, 3, 8, 9]], np.float32), np.array([[100, 40, 120, 60]], np.float32)]
    out = t(dict(img=[img, img], gt_bboxes=gt, jittered_bboxes=jit))
    # frame 0: side 40 from (-15, -15): 15 rows/columns of zero padding
    crop, mask = out["img"][0], out["padding_mask"][0]
    np.testing.assert_array_equal(crop[15:, 15:], img[:25, :25])
    assert (crop[:15] == 0).all() and (crop[:, :15] == 0).all()
    expected_mask = np.zeros((40, 40), bool)
    expected_mask[:15] = expected_mask[:, :15] = True
    np.testing.assert_array_equal(mask, expected_mask)
    # gt centre (5, 6) vs crop centre (5, 5): (19.5, 20.5), size 6
    np.testing.assert_allclose(out["gt_bboxes"][0], [[16.5, 17.5, 22.5, 23.5]])
    # frame 1: side 40 from x = 90; x2 = 130 > 120 pads 130 - 120 + 1 = 11 columns
    crop, mask = out["img"][1], out["padding_mask"][1]
    np.testing.assert_array_equal(crop[:, :29], img[30:70, 90:119])
    assert (crop[:, 29:] == 0).all() and mask[:, 29:].all() and not mask[:, :29].any()


def test_crop_like_dimp_moves_crop_inside_image():
    rng = np.random.RandomState(2)
    img = rng.randint(0, 255, (100, 100, 3)).astype(np.uint8)
    t = build(dict(type="CropLikeDiMP", crop_size_factor=4, output_size=80))
    out = t(
        dict(
            img=img,
            gt_bboxes=np.array([[2, 3, 8, 9]], np.float32),
            jittered_bboxes=np.array([[0, 0, 10, 10]], np.float32),
        )
    )
    # side 40 starting at -15, shifted by +15 to start at 0; resize x2
    np.testing.assert_array_equal(out["img"], cv2.resize(img[:40, :40], (80, 80)))
    np.testing.assert_allclose(out["gt_bboxes"], [[4, 6, 16, 18]])


def test_crop_like_dimp_larger_than_image_is_centred():
    rng = np.random.RandomState(3)
    img = rng.randint(0, 255, (20, 20, 3)).astype(np.uint8)
    t = build(dict(type="CropLikeDiMP", crop_size_factor=4, output_size=40))
    out = t(
        dict(
            img=img,
            gt_bboxes=np.array([[6, 6, 12, 12]], np.float32),
            jittered_bboxes=np.array([[5, 5, 15, 15]], np.float32),
        )
    )
    # side 40 > 20: centred, origin (-10, -10), borders replicated
    crop = out["img"]
    np.testing.assert_array_equal(crop[10:29, 10:29], img[:19, :19])
    np.testing.assert_array_equal(crop[0, 10:29], img[0, :19])
    np.testing.assert_allclose(out["gt_bboxes"], [[16, 16, 22, 22]])


def test_seq_bbox_jitter():
    gt = [np.array([[10, 20, 50, 40]], np.float32), np.array([[0, 0, 8, 2]], np.float32)]
    still = build(
        dict(type="SeqBboxJitter", scale_jitter_factor=[0, 0], center_jitter_factor=[0, 0],
             crop_size_factor=[2, 5])
    )  # fmt: skip
    out = still(dict(gt_bboxes=[g.copy() for g in gt]))
    for jit, g in zip(out["jittered_bboxes"], gt):
        np.testing.assert_allclose(jit, g)

    t = build(
        dict(type="SeqBboxJitter", scale_jitter_factor=[0.25, 0.5], center_jitter_factor=[3, 4.5],
             crop_size_factor=[2, 5])
    )  # fmt: skip
    np.random.seed(7)
    out = t(dict(gt_bboxes=[g.copy() for g in gt]))
    np.random.seed(7)
    for i, (sj, cj) in enumerate([(0.25, 3), (0.5, 4.5)]):
        box = gt[i][0].astype(np.float64)
        wh = (box[2:] - box[:2]) * np.exp(np.random.randn(2) * sj)
        centre = (box[:2] + box[2:]) / 2 + math.sqrt(wh.prod()) * cj * (np.random.rand(2) - 0.5)
        expected = np.concatenate([centre - wh / 2, centre + wh / 2])
        np.testing.assert_allclose(out["jittered_bboxes"][i][0], expected, rtol=1e-5)


def test_seq_shift_scale_aug():
    img = np.random.RandomState(4).randint(0, 255, (511, 511, 3)).astype(np.uint8)
    box = np.array([[212.066, 233.533, 297.934, 276.467]], np.float32)
    centred = build(dict(type="SeqShiftScaleAug", target_size=[127], shift=[0], scale=[0.0]))
    out = centred(dict(img=[img], gt_bboxes=[box.copy()]))
    # region [255 - 63.5, 255 + 63.5]^2 = [191.5, 318.5]^2 with scale 1
    np.testing.assert_allclose(out["gt_bboxes"][0], box - 191.5, rtol=1e-5)
    mapping = np.float32([[1, 0, -191.5], [0, 1, -191.5]])
    np.testing.assert_array_equal(out["img"][0], cv2.warpAffine(img, mapping, (127, 127)))

    t = build(dict(type="SeqShiftScaleAug", target_size=[255], shift=[64], scale=[0.18]))
    np.random.seed(5)
    out = t(dict(img=[img], gt_bboxes=[box.copy()]))
    np.random.seed(5)
    r = np.random.random(4)
    sx, sy = (2 * r[0] - 1) * 0.18 + 1, (2 * r[1] - 1) * 0.18 + 1
    dx, dy = (2 * r[2] - 1) * 64, (2 * r[3] - 1) * 64
    x0 = 255 - 0.5 * sx * 255
    y0 = 255 - 0.5 * sy * 255
    dx = max(-x0, min(511 - (255 + 0.5 * sx * 255), dx))
    dy = max(-y0, min(511 - (255 + 0.5 * sy * 255), dy))
    b = box[0].astype(np.float64)
    expected = [(b[0] - x0 - dx) / sx, (b[1] - y0 - dy) / sy, (b[2] - x0 - dx) / sx,
                (b[3] - y0 - dy) / sy]  # fmt: skip
    np.testing.assert_allclose(out["gt_bboxes"][0][0], expected, rtol=1e-5)
    assert out["img"][0].shape == (255, 255, 3)


def test_seq_color_aug():
    imgs = [np.full((4, 4, 3), 100, np.uint8), np.full((4, 4, 3), 100, np.uint8)]
    np.random.seed(0)
    out = build(dict(type="SeqColorAug", prob=[1.0, 0.0]))(dict(img=list(imgs)))
    np.random.seed(0)
    np.random.random()
    noise = np.asarray(DEFAULT_RGB_VAR) @ np.random.randn(3, 1)
    expected = 100 - noise[::-1, 0]  # RGB noise applied to BGR channels
    np.testing.assert_allclose(out["img"][0][0, 0], expected, rtol=1e-5)
    assert out["img"][0].dtype == np.float32
    np.testing.assert_array_equal(out["img"][1], imgs[1])


def test_seq_blur_aug():
    kernel = motion_blur_kernel(5, 0.25)
    assert kernel.sum() == pytest.approx(1.0)
    assert kernel[0, 2] == pytest.approx(0.05) and kernel[2, 0] == pytest.approx(0.15)
    assert kernel[2, 2] == pytest.approx(0.2) and kernel[0, 0] == 0
    flat = np.full((50, 50, 3), 100, np.uint8)
    dot = np.zeros((50, 50, 3), np.uint8)
    dot[25, 25] = 255
    out = build(dict(type="SeqBlurAug", prob=[0.0, 1.0]))(dict(img=[dot, flat]))
    assert out["img"][0] is dot
    np.testing.assert_array_equal(out["img"][1], flat)  # a normalised kernel keeps flat areas


def test_brightness_aug_shares_factor_in_broadcaster():
    imgs = [np.full((3, 3, 3), 100, np.uint8), np.full((3, 3, 3), 200, np.uint8)]
    t = build(
        dict(type="TransformBroadcaster", share_random_params=True,
             transforms=[dict(type="BrightnessAug", jitter_range=0.2)])
    )  # fmt: skip
    out = t(dict(img=list(imgs)))
    factor = out["img"][0][0, 0, 0] / 100
    assert 0.8 <= factor <= 1.2
    np.testing.assert_allclose(out["img"][1], np.clip(200 * factor, 0, 255), rtol=1e-5)
    same = build(dict(type="BrightnessAug", jitter_range=0.0))(dict(img=imgs[0]))
    np.testing.assert_array_equal(same["img"], imgs[0])


def test_gray_aug():
    img = np.zeros((2, 2, 3), np.uint8)
    img[...] = (10, 20, 30)  # BGR
    out = build(dict(type="GrayAug", prob=1.0))(dict(img=img.copy()))
    # ITU-R BT.601: 0.114 B + 0.587 G + 0.299 R = 21.85
    np.testing.assert_array_equal(out["img"], np.full((2, 2, 3), 22, np.uint8))
    kept = build(dict(type="GrayAug", prob=0.0))(dict(img=img.copy()))
    np.testing.assert_array_equal(kept["img"], img)


def test_pack_sot_inputs_train_and_test():
    results = dict(
        img=[np.zeros((127, 127, 3), np.uint8), np.ones((255, 255, 3), np.uint8)],
        gt_bboxes=[np.array([[1, 2, 3, 4]], np.float32), np.array([[5, 6, 7, 8]], np.float32)],
        gt_bboxes_labels=[np.array([1]), np.array([1])],
        frame_id=[3, 7],
        video_id=[0, 0],
        img_path=["a.jpg", "b.jpg"],
        padding_mask=[np.zeros((127, 127), bool), np.ones((255, 255), bool)],
    )
    packed = build(dict(type="PackSOTInputs", num_template_frames=1))(results)
    assert tuple(packed["inputs"]["img"].shape) == (1, 3, 127, 127)
    assert tuple(packed["inputs"]["search_img"].shape) == (1, 3, 255, 255)
    sample = packed["data_samples"]
    assert len(sample) == 2
    assert sample.metainfo["key_frames_inds"] == [0] and sample.metainfo["ref_frames_inds"] == [1]
    search = sample[1]
    assert search.metainfo["frame_id"] == 7 and search.metainfo["img_path"] == "b.jpg"
    assert search.gt_instances.bboxes.tolist() == [[5, 6, 7, 8]]
    assert search.gt_instances.labels.tolist() == [1]
    assert bool(search.padding_mask.all())

    single = dict(
        img=np.zeros((20, 30, 3), np.uint8),
        gt_bboxes=np.array([[1, 1, 4, 5]], np.float32),
        gt_polygons=np.array([[1, 1, 4, 1, 4, 5, 1, 5]], np.float32),
        frame_id=0,
        init_bbox=np.array([1, 1, 4, 5], np.float32),
    )
    packed = build(dict(type="PackSOTInputs"))(single)
    assert tuple(packed["inputs"]["img"].shape) == (1, 3, 20, 30)
    frame = packed["data_samples"][0]
    assert frame.gt_instances.polygons.shape == (1, 8)
    assert frame.gt_instances.labels.tolist() == [0]
    assert frame.metainfo["init_bbox"].tolist() == [1, 1, 4, 5]
