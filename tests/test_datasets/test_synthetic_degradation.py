"""FrameDegradation: motion blur and occluders by hand, and in generate_vis_videos."""

import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmtrack.datasets.synthetic import FrameDegradation, generate_vis_videos


def test_schedule_and_bad_arguments():
    deg = FrameDegradation(every=3)
    assert [t for t in range(10) if deg.applies(t)] == [2, 5, 8]
    for kwargs, word in (
        (dict(every=1), "every"),
        (dict(every=2.5), "every"),
        (dict(every=3, blur_size=0), "blur_size"),
        (dict(every=3, occlude_fraction=1.0), "occlude_fraction"),
        (dict(every=3, occlude_fraction=-0.1), "occlude_fraction"),
    ):
        with pytest.raises(ValueError, match=word):
            FrameDegradation(**kwargs)


def test_blur_and_occluder_by_hand():
    # a vertical white line at x = 10 on black: a 5 px box filter along x
    # spreads it to x = 8..12 at 255 / 5 = 51 each, rows unchanged
    image = np.zeros((20, 40, 3), np.uint8)
    image[:, 10] = 255
    out = FrameDegradation(every=2, blur_size=5, occlude_fraction=0.0)(image, np.zeros((0, 4)))
    np.testing.assert_array_equal(out[0, 6:15, 0], [0, 0, 51, 51, 51, 51, 51, 0, 0])
    assert (out == out[:1]).all()
    assert (image[:, 10] == 255).all()  # the input is not modified

    # a 20 x 16 box at (12, 2): the left 0.25 of its width (5 px) is covered
    deg = FrameDegradation(every=2, blur_size=1, occlude_fraction=0.25)
    image = np.full((24, 40, 3), 7, np.uint8)
    box = np.array([[12.0, 2.0, 32.0, 18.0]])
    np.testing.assert_array_equal(deg.occluder_boxes(box), [[12, 2, 17, 18]])
    out = deg(image, box)
    grey = (out == 128).all(axis=2)
    assert grey.sum() == 5 * 16
    assert grey[2:18, 12:32].mean() == pytest.approx(0.25)
    assert (out[~grey] == 7).all()
    # a box that sticks out of the image is clipped
    out = deg(image, np.array([[-8.0, 20.0, 12.0, 30.0]]))
    np.testing.assert_array_equal(
        deg.occluder_boxes(np.array([[-8.0, 20.0, 12.0, 30.0]])), [[-8, 20, -3, 30]]
    )
    assert not (out == 128).all(axis=2).any()  # wholly left of the image


def _videos(root, degradation=None):
    ann = generate_vis_videos(
        root,
        "train",
        num_videos=2,
        num_frames=6,
        img_size=(64, 96),
        max_objects=2,
        seed=3,
        degradation=degradation,
    )
    with open(ann) as f:
        return json.load(f)


def test_generate_vis_videos_degraded_frames(tmp_path):
    clean = _videos(str(tmp_path / "clean"))
    deg = FrameDegradation(every=3, blur_size=9, occlude_fraction=0.5)
    dirty = _videos(str(tmp_path / "dirty"), deg)
    # same objects, boxes and masks; the video entries list the degraded frames
    assert clean["annotations"] == dirty["annotations"]
    assert "degraded_frames" not in clean["videos"][0]
    for v_clean, v_dirty in zip(clean["videos"], dirty["videos"]):
        assert v_dirty.pop("degraded_frames") == [2, 5]
        assert v_clean == v_dirty
    for video in clean["videos"]:
        for t, name in enumerate(video["file_names"]):
            a = cv2.imread(osp.join(tmp_path, "clean", "train", "JPEGImages", name))
            b = cv2.imread(osp.join(tmp_path, "dirty", "train", "JPEGImages", name))
            if t not in (2, 5):
                np.testing.assert_array_equal(a, b)
                continue
            # blurred: far from the sharp rendering everywhere there is texture
            assert np.abs(a.astype(float) - b.astype(float)).mean() > 3.0
            # each object's left half is a flat grey occluder (JPEG: within a few levels)
            for ann in dirty["annotations"]:
                if ann["video_id"] != video["id"] or ann["bboxes"][t] is None:
                    continue
                x, y, w, h = ann["bboxes"][t]
                x1, y1, x2, y2 = deg.occluder_boxes(np.array([[x, y, x + w, y + h]]))[0]
                assert x2 - x1 == round(0.5 * w)
                patch = b[y1 + 1 : y2 - 1, x1 + 1 : x2 - 1].astype(float)
                assert np.abs(patch - 128).mean() < 4.0
