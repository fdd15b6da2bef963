"""demo/demo_{mot_vis,sot,vid}.py end to end on a 10-frame clip, and their errors."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from tests.helpers.apis import draw_clip, write_tiny_config
from tests.helpers.tools import load_tool

T, H, W = 10, 96, 128


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    root = tmp_path_factory.mktemp("clip")
    boxes = np.zeros((T, 2, 4))
    for t in range(T):
        boxes[t, 0] = [8 + 3 * t, 8, 28 + 3 * t, 38]
        boxes[t, 1] = [100 - 2 * t, 50, 120 - 2 * t, 80]
    frames = draw_clip(boxes, (H, W))
    writer = cv2.VideoWriter(str(root / "in.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 8, (W, H))
    (root / "frames").mkdir()
    for i, f in enumerate(frames):
        writer.write(f)
        cv2.imwrite(str(root / "frames" / f"{i + 1}.png"), f)
    writer.release()
    (root / "gt.txt").write_text("100,50,20,30\n98,50,20,30\n")
    cfgs = {t: write_tiny_config(root / f"{t}.py", t) for t in ("mot", "sot", "vid")}
    return dict(root=root, boxes=boxes, cfgs=cfgs, mp4=str(root / "in.mp4"))


@pytest.fixture(scope="module")
def demos():
    return {
        "mot": load_tool("demo/demo_mot_vis.py"),
        "sot": load_tool("demo/demo_sot.py"),
        "vid": load_tool("demo/demo_vid.py"),
    }


def read_video(path):
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    return frames, fps


def leftovers(folder):
    return [n for n in os.listdir(folder) if ".tmp-" in n]


def test_mot_mp4_in_mp4_out(clip, demos, tmp_path):
    out = tmp_path / "sub" / "mot.mp4"
    code = demos["mot"].main(
        [clip["cfgs"]["mot"], "--input", clip["mp4"], "--output", str(out), "--device", "cpu"]
    )
    assert code == 0
    frames, fps = read_video(out)
    assert len(frames) == T and frames[0].shape == (H, W, 3) and fps == 8.0
    assert leftovers(tmp_path / "sub") == []
    # boxes are drawn: the pixels on the first object's left edge (black in the input)
    # now carry a box colour
    x1, y1, x2, y2 = clip["boxes"][5, 0].astype(int)
    column = frames[5][y1 + 5 : y2 - 5, x1 - 1]
    assert column.max() > 100


def test_mot_folder_in_folder_out_plt(clip, demos, tmp_path):
    out = tmp_path / "mot_frames"
    code = demos["mot"].main(
        [
            clip["cfgs"]["mot"],
            "--input",
            str(clip["root"] / "frames"),
            "--output",
            str(out),
            "--device",
            "cpu",
            "--backend",
            "plt",
            "--score-thr",
            "0.5",
        ]
    )
    assert code == 0
    assert sorted(os.listdir(out), key=lambda n: int(n.split(".")[0])) == [
        f"{i}.png" for i in range(1, T + 1)
    ]
    img = cv2.imread(str(out / "1.png"))
    assert img.shape == (H, W, 3)
    assert not np.array_equal(img, cv2.imread(str(clip["root"] / "frames" / "1.png")))
    assert leftovers(tmp_path) == []


def test_sot_mp4_to_folder_draws_the_tracked_box(clip, demos, tmp_path):
    out = tmp_path / "sot"
    code = demos["sot"].main(
        [
            clip["cfgs"]["sot"],
            "--input",
            str(clip["root"] / "frames"),
            "--output",
            str(out),
            "--device",
            "cpu",
            "--gt_bbox_file",
            str(clip["root"] / "gt.txt"),
            "--color",
            "255,0,0",
            "--thickness",
            "1",
        ]
    )
    assert code == 0
    last = cv2.imread(str(out / f"{T}.png"))
    x1, y1, x2, y2 = clip["boxes"][T - 1, 1].astype(int)
    # a 1-px blue (BGR 255,0,0) rectangle on the target's last position
    assert tuple(last[(y1 + y2) // 2, x1]) == (255, 0, 0)
    assert tuple(last[y1, (x1 + x2) // 2]) == (255, 0, 0)


def test_vid_folder_to_mp4(clip, demos, tmp_path):
    out = tmp_path / "vid.mp4"
    code = demos["vid"].main(
        [
            clip["cfgs"]["vid"],
            "--input",
            str(clip["root"] / "frames"),
            "--output",
            str(out),
            "--device",
            "cpu",
            "--score-thr",
            "0",
            "--fps",
            "5",
        ]
    )
    assert code == 0
    frames, fps = read_video(out)
    assert len(frames) == T and fps == 5.0


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--input", "MISSING"], "input not found"),
        (["--input", "EMPTY"], "holds no frame"),
        (["--input", "MP4", "--fourcc", "ZZZZ"], "codec 'ZZZZ'"),
        (["--input", "BROKEN"], "cannot open video"),
    ],
)
def test_errors_exit_1_and_leave_no_output(clip, demos, tmp_path, capsys, extra, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken.mp4").write_bytes(b"not a video")
    paths = dict(
        MISSING=str(tmp_path / "missing.mp4"),
        EMPTY=str(tmp_path / "empty"),
        MP4=clip["mp4"],
        BROKEN=str(tmp_path / "broken.mp4"),
    )
    extra = [paths.get(a, a) for a in extra]
    out = tmp_path / "out.mp4"
    code = demos["mot"].main([clip["cfgs"]["mot"], "--output", str(out), "--device", "cpu", *extra])
    assert code == 1
    err = capsys.readouterr().err
    assert "demo_mot_vis.py: error:" in err and message in err
    assert not out.exists() and leftovers(tmp_path) == []


def test_failure_mid_run_leaves_no_output(clip, demos, tmp_path, monkeypatch):
    import mmtrack.apis.video as video

    real = video.inference_mot

    def failing(model, img, frame_id, video_len=None):
        if frame_id == 6:
            raise RuntimeError("simulated failure at frame 6")
        return real(model, img, frame_id, video_len)

    monkeypatch.setattr(video, "inference_mot", failing)
    for out in (tmp_path / "o.mp4", tmp_path / "o_frames"):
        code = demos["mot"].main(
            [clip["cfgs"]["mot"], "--input", clip["mp4"], "--output", str(out), "--device", "cpu"]
        )
        assert code == 1 and not out.exists()
    assert leftovers(tmp_path) == []


def test_argument_errors(clip, demos, tmp_path, capsys):
    assert demos["mot"].main([clip["cfgs"]["mot"], "--input", clip["mp4"]]) == 1
    assert "give --output" in capsys.readouterr().err
    bad = tmp_path / "gt.txt"
    bad.write_text("1,2,0,4\n")
    code = demos["sot"].main(
        [
            clip["cfgs"]["sot"],
            "--input",
            clip["mp4"],
            "--output",
            str(tmp_path / "s.mp4"),
            "--gt_bbox_file",
            str(bad),
        ]
    )
    assert code == 1 and "w, h > 0" in capsys.readouterr().err
    code = demos["sot"].main(
        [
            clip["cfgs"]["sot"],
            "--input",
            clip["mp4"],
            "--output",
            str(tmp_path / "s.mp4"),
            "--gt_bbox_file",
            str(bad),
            "--color",
            "300,0,0",
        ]
    )
    assert code == 1 and "0-255" in capsys.readouterr().err
    for name, demo in demos.items():
        with pytest.raises(SystemExit) as e:
            demo.main(["--help"])
        assert e.value.code == 0
        assert "--input" in capsys.readouterr().out
