"""mmtrack.apis: init_model, inference_mot/sot/vid, load_image, build_test_pipeline."""

from __future__ import annotations

import warnings

import cv2
import numpy as np
import pytest
import torch

from mmtrack.apis import (
    build_test_pipeline,
    inference_mot,
    inference_sot,
    inference_vid,
    init_model,
    load_image,
)
from mmtrack.structures import TrackDataSample
from mmtrack.utils.checkpoint import UnsafeCheckpointError
from tests.helpers.apis import draw_clip, tiny_config

H, W = 96, 128


def moving_boxes(num_frames: int = 8) -> np.ndarray:
    """(T, 3, 4) boxes of three objects moving in straight lines, never touching."""
    boxes = np.zeros((num_frames, 3, 4))
    for t in range(num_frames):
        boxes[t, 0] = [8 + 3 * t, 8, 28 + 3 * t, 38]
        boxes[t, 1] = [100 - 2 * t, 50, 120 - 2 * t, 80]
        boxes[t, 2] = [50, 70 - 2 * t, 66, 86 - 2 * t]
    return boxes


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area = lambda x: (x[:, 2:] - x[:, :2]).prod(-1)  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None] - inter)


@pytest.fixture(scope="module")
def mot_model():
    # scale (64, 48) halves the 128x96 frames: boxes must come back x2.
    return init_model(tiny_config("mot", scale=(64, 48)), device="cpu")


def test_init_model_cuda_fallback_warns_once(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = init_model(tiny_config("mot"), device="cuda:0")
    msgs = [str(w.message) for w in caught if "CUDA is not available" in str(w.message)]
    assert len(msgs) == 1 and "cuda:0" in msgs[0] and "CPU" in msgs[0]
    assert next(model.parameters()).device.type == "cpu"
    assert not model.training
    # no checkpoint: class names come from the config's test data set
    assert model.dataset_meta["classes"] == ("blob",)
    assert model.cfg.model.type == "ByteTrack"


def test_init_model_from_file_with_cfg_options(tmp_path):
    path = tmp_path / "cfg.py"
    tiny_config("mot").dump(str(path))
    model = init_model(str(path), device="cpu", cfg_options={"model.detector.threshold": 99.0})
    assert model.detector.threshold == 99.0
    with pytest.raises(TypeError, match="config must be a file name or a Config"):
        init_model(dict(model=dict(type="ByteTrack")), device="cpu")


def test_init_model_checkpoint_weights_and_meta(tmp_path):
    model = init_model(tiny_config("mot"), device="cpu")
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["detector.gain"] = torch.tensor([2.5])
    meta_1x = dict(dataset_meta=dict(classes=["car", "bike"], palette=[(1, 2, 3), (4, 5, 6)]))
    torch.save(dict(state_dict=state, meta=meta_1x), tmp_path / "v1.pth")
    m1 = init_model(tiny_config("mot"), str(tmp_path / "v1.pth"), device="cpu")
    assert m1.detector.gain.item() == 2.5
    assert m1.dataset_meta["classes"] == ("car", "bike")
    assert m1.dataset_meta["palette"] == [(1, 2, 3), (4, 5, 6)]
    # MMTracking 0.x checkpoints store the class names as meta['CLASSES']
    torch.save(dict(state_dict=state, meta=dict(CLASSES=("person",))), tmp_path / "v0.pth")
    m0 = init_model(tiny_config("mot"), str(tmp_path / "v0.pth"), device="cpu")
    assert m0.dataset_meta["classes"] == ("person",)


class NotAllowed:
    pass


def test_init_model_refuses_unsafe_checkpoint(tmp_path):
    torch.save(dict(state_dict={}, meta=dict(x=NotAllowed())), tmp_path / "bad.pth")
    with pytest.raises(UnsafeCheckpointError):
        init_model(tiny_config("mot"), str(tmp_path / "bad.pth"), device="cpu")


def test_inference_mot_structure_and_stable_ids(mot_model, tmp_path):
    boxes = moving_boxes(8)
    frames = draw_clip(boxes, (H, W))
    gt_to_id: dict[int, int] = {}
    for t, frame in enumerate(frames):
        if t == 3:  # a path works as well as an array
            path = str(tmp_path / "f3.png")
            cv2.imwrite(path, frame)
            frame = path
        result = inference_mot(mot_model, frame, frame_id=t, video_len=len(frames))
        assert isinstance(result, TrackDataSample) and len(result) == 1
        sample = result[0]
        meta = sample.metainfo
        assert meta["frame_id"] == t and meta["video_length"] == 8
        assert meta["ori_shape"] == (H, W) and meta["img_shape"] == (48, 64)
        assert tuple(meta["scale_factor"]) == (0.5, 0.5)
        assert (meta.get("img_path") == path) if t == 3 else ("img_path" not in meta)
        pred = sample.pred_track_instances
        assert set(pred.keys()) >= {"bboxes", "scores", "labels", "instances_id"}
        assert pred.bboxes.shape == (3, 4) and pred.bboxes.dtype == torch.float32
        assert torch.all(pred.labels == 0) and torch.allclose(pred.scores, torch.tensor(0.9))
        # boxes are in original pixels: within 2 px of the drawn ones (half-size input)
        ious = iou(boxes[t], pred.bboxes.numpy())
        match = ious.argmax(axis=1)
        assert sorted(match.tolist()) == [0, 1, 2]
        assert np.abs(pred.bboxes.numpy()[match] - boxes[t]).max() <= 2.0
        for k in range(3):
            gt_to_id.setdefault(k, int(pred.instances_id[match[k]]))
            assert int(pred.instances_id[match[k]]) == gt_to_id[k], f"id switch at frame {t}"
    assert len(set(gt_to_id.values())) == 3


def test_inference_mot_restarts_ids_on_frame_zero(mot_model):
    frames = draw_clip(moving_boxes(2), (H, W))
    first = [inference_mot(mot_model, f, i)[0].pred_track_instances for i, f in enumerate(frames)]
    again = inference_mot(mot_model, frames[0], 0)[0].pred_track_instances
    assert sorted(again.instances_id.tolist()) == sorted(first[0].instances_id.tolist())
    assert "video_length" not in inference_mot(mot_model, frames[1], 1)[0].metainfo


def test_inference_bad_inputs(mot_model, tmp_path):
    with pytest.raises(FileNotFoundError, match="image file not found"):
        inference_mot(mot_model, str(tmp_path / "missing.jpg"), 0)
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="cannot decode image file"):
        inference_mot(mot_model, str(tmp_path / "broken.jpg"), 0)
    with pytest.raises(ValueError, match=r"shape \(H, W, 3\)"):
        inference_mot(mot_model, np.zeros((4, 4, 2), np.uint8), 0)
    with pytest.raises(ValueError, match="frame_id must be a non-negative integer"):
        inference_mot(mot_model, np.zeros((8, 8, 3), np.uint8), -1)


def test_load_image_gray_and_path(tmp_path):
    img, path = load_image(np.full((5, 6), 7, np.uint8))
    assert img.shape == (5, 6, 3) and path is None and (img == 7).all()
    cv2.imwrite(str(tmp_path / "a.png"), np.full((5, 6, 3), 9, np.uint8))
    img, path = load_image(tmp_path / "a.png")
    assert img.shape == (5, 6, 3) and (img == 9).all() and path == str(tmp_path / "a.png")


def test_build_test_pipeline_drops_loading_everywhere():
    pipeline = [
        dict(
            type="TransformBroadcaster",
            transforms=[
                dict(type="LoadImageFromFile", to_float32=True),
                dict(type="mmtrack.LoadTrackAnnotations"),
                dict(type="Resize", scale=(32, 32), keep_ratio=True),
            ],
        ),
        dict(type="PackTrackInputs"),
    ]
    compose, per_frame_lists, to_float32 = build_test_pipeline(pipeline)
    assert per_frame_lists and to_float32
    names = [type(t).__name__ for t in compose.transforms]
    assert names == ["TransformBroadcaster", "PackTrackInputs"]
    inner = [type(t).__name__ for t in compose.transforms[0].transforms.transforms]
    assert inner == ["Resize"]
    # the original config is not modified
    assert pipeline[0]["transforms"][0]["type"] == "LoadImageFromFile"
    with pytest.raises(ValueError, match="pipeline is empty"):
        build_test_pipeline([])


def test_inference_sot_follows_the_target():
    boxes = moving_boxes(6)
    frames = draw_clip(boxes, (H, W))
    model = init_model(tiny_config("sot"), device="cpu")
    for t, frame in enumerate(frames):
        result = inference_sot(model, frame, boxes[0, 1], frame_id=t)
        assert isinstance(result, TrackDataSample) and len(result) == 1
        pred = result[0].pred_track_instances
        assert pred.bboxes.shape == (1, 4) and pred.scores.shape == (1,)
        # object 1 moves 2 px left per frame; template matching is exact here
        np.testing.assert_allclose(pred.bboxes[0].numpy(), boxes[t, 1], atol=0.5)
        assert result[0].metainfo["frame_id"] == t
    assert "init_bbox" not in result[0].metainfo
    with pytest.raises(ValueError, match="x2 > x1"):
        inference_sot(model, frames[0], [10, 10, 5, 20], 0)
    with pytest.raises(ValueError, match="4 finite numbers"):
        inference_sot(model, frames[0], [10, 10, 20], 0)


def test_inference_vid_reference_frames():
    """FGFA style: frame 0 sends num_left_ref_imgs copies, every stride-th frame one."""
    static = np.array([[10, 10, 30, 40], [np.nan] * 4], dtype=float)
    appear = np.array([[10, 10, 30, 40], [70, 50, 90, 70]], dtype=float)
    frames = draw_clip(np.stack([static, static, appear]), (H, W))
    model = init_model(tiny_config("vid", scale=None), device="cpu")
    sampler = dict(frame_stride=2, num_left_ref_imgs=3)

    r0 = inference_vid(model, frames[0], 0, ref_img_sampler=sampler)
    assert len(r0) == 4
    assert r0.metainfo["key_frames_inds"] == [0] and r0.metainfo["ref_frames_inds"] == [1, 2, 3]
    assert all(s.metainfo["frame_stride"] == 2 for s in r0.video_data_samples)
    assert all(s.metainfo["num_left_ref_imgs"] == 3 for s in r0.video_data_samples)
    det0 = r0[0].pred_det_instances
    np.testing.assert_allclose(det0.bboxes.numpy(), [[10, 10, 30, 40]])
    np.testing.assert_allclose(det0.scores.numpy(), [0.9])  # 3 of 3 memory frames agree

    r1 = inference_vid(model, frames[1], 1, ref_img_sampler=sampler)
    assert len(r1) == 1 and r1.metainfo["ref_frames_inds"] == []

    # frame 2: one reference (itself) joins the memory (kept: the last 3 frames:
    # two copies of frame 0, one of frame 2). The new object is in 1 of 3.
    r2 = inference_vid(model, frames[2], 2, ref_img_sampler=sampler)
    assert len(r2) == 2
    det2 = r2[0].pred_det_instances
    order = det2.bboxes[:, 0].argsort()
    np.testing.assert_allclose(det2.bboxes[order].numpy(), appear)
    np.testing.assert_allclose(det2.scores[order].numpy(), [0.9, 0.9 / 3], rtol=1e-6)


def test_inference_vid_dff_style_single_frame():
    cfg = tiny_config("vid", scale=None)
    cfg.test_dataloader.dataset.pipeline = [
        dict(type="LoadImageFromFile"),
        dict(type="PackTrackInputs"),
    ]
    model = init_model(cfg, device="cpu")
    frame = draw_clip(np.array([[[10, 10, 30, 40]]]), (H, W))[0]
    result = inference_vid(model, frame, 4)
    assert len(result) == 1
    np.testing.assert_allclose(result[0].pred_det_instances.scores.numpy(), [0.9])
    with pytest.raises(ValueError, match="frame_stride >= 1"):
        inference_vid(model, frame, 0, ref_img_sampler=dict(frame_stride=0))
