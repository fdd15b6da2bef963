"""The machinery of the demo scripts (``demo/demo_{mot_vis,sot,vid}.py``).

:func:`run_demo` runs a model over a video file or a folder of frames, draws
each frame's predictions (boxes, ids, masks, a legend) with OpenCV or
matplotlib, shows them and/or writes them atomically to a video or a folder,
with a progress bar. :func:`demo_main` is the command line shared by the
three scripts.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
import torch
from mmengine.utils import ProgressBar
from torch import nn

from mmtrack.utils.inference_switches import InferenceSwitches
from mmtrack.visualization import FrameWriter, draw_instances, draw_instances_plt

from .inference import init_model
from .video import VideoFrames, track_video

__all__ = [
    "build_demo_parser",
    "demo_main",
    "frame_predictions",
    "parse_color",
    "read_first_bbox",
    "run_demo",
]

_COLOR_NAMES = {
    "green": (0, 255, 0),
    "red": (0, 0, 255),
    "blue": (255, 0, 0),
    "yellow": (0, 255, 255),
    "cyan": (255, 255, 0),
    "magenta": (255, 0, 255),
    "white": (255, 255, 255),
    "black": (0, 0, 0),
}


def parse_color(value: str | Sequence[int]) -> tuple[int, int, int]:
    """A BGR colour from ``'0,255,0'``, ``'(0, 255, 0)'``, a name or a 3-sequence.

    Raises:
        ValueError: not three integers in ``0..255`` nor a known name.
    """
    if isinstance(value, str):
        name = value.strip().lower()
        if name in _COLOR_NAMES:
            return _COLOR_NAMES[name]
        parts = [p for p in re.split(r"[\s,()\[\]]+", name) if p]
    else:
        parts = list(value)
    try:
        color = tuple(int(p) for p in parts)
    except ValueError:
        color = ()
    if len(color) != 3 or not all(0 <= c <= 255 for c in color):
        raise ValueError(
            f"color must be three integers 0-255 (B,G,R) such as '0,255,0', or one of "
            f"{sorted(_COLOR_NAMES)}; got {value!r}"
        )
    return color  # type: ignore[return-value]


def read_first_bbox(path: str) -> np.ndarray:
    """The first box of a ground-truth file as x1y1x2y2.

    The first non-empty line holds ``x, y, w, h`` (top-left corner, width,
    height), separated by commas, tabs or spaces, as in LaSOT / OTB / GOT-10k
    ``groundtruth.txt`` files.

    Raises:
        FileNotFoundError: no such file.
        ValueError: no box line, or a line that is not 4 numbers with ``w, h > 0``.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"gt_bbox_file not found: {path}")
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = [p for p in re.split(r"[\s,]+", line.strip()) if p]
            try:
                x, y, w, h = (float(p) for p in parts[:4])
            except ValueError:
                raise ValueError(
                    f"{path}:{lineno}: expected 'x,y,w,h' numbers, got {line.strip()!r}"
                ) from None
            if len(parts) < 4 or not (w > 0 and h > 0) or not np.isfinite([x, y, w, h]).all():
                raise ValueError(
                    f"{path}:{lineno}: expected 'x,y,w,h' with w, h > 0, got {line.strip()!r}"
                )
            return np.array([x, y, x + w, y + h], dtype=np.float32)
    raise ValueError(f"gt_bbox_file {path} holds no box")


def _select_box(image: np.ndarray) -> np.ndarray:
    """Let the user draw the target on the first frame (needs a display)."""
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        raise RuntimeError(
            "no --gt_bbox_file given and no display to draw the initial box on; "
            "give --gt_bbox_file (first line 'x,y,w,h')"
        )
    try:
        x, y, w, h = cv2.selectROI("select the target, then press ENTER", image, False, False)
        cv2.destroyAllWindows()
    except cv2.error as e:
        raise RuntimeError(
            f"cannot open a window to draw the initial box ({e}); give --gt_bbox_file"
        ) from None
    if w <= 0 or h <= 0:
        raise ValueError("no initial box was drawn")
    return np.array([x, y, x + w, y + h], dtype=np.float32)


def _np(x: Any) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def frame_predictions(result: Any) -> tuple[Any, bool]:
    """The predictions to draw of an inference result and whether they have ids.

    Takes the key frame of a :class:`TrackDataSample` (or a
    :class:`DetDataSample`) and returns its ``pred_track_instances`` (with
    ids), else ``pred_det_instances``, else ``pred_instances`` (without).
    """
    sample = result
    if hasattr(result, "video_data_samples"):
        key = list(result.metainfo.get("key_frames_inds", [0]) or [0])[0]
        sample = result[key]
    for field, with_ids in (
        ("pred_track_instances", True),
        ("pred_det_instances", False),
        ("pred_instances", False),
    ):
        if field in sample:
            instances = sample.get(field)
            return instances, with_ids and "instances_id" in instances
    return None, False


def _draw(
    image: np.ndarray,
    result: Any,
    task: str,
    class_names: Sequence[str] | None,
    score_thr: float,
    backend: str,
    thickness: int,
    color: tuple[int, int, int] | None,
) -> np.ndarray:
    instances, with_ids = frame_predictions(result)
    if instances is None or len(instances) == 0:
        bboxes = np.zeros((0, 4), dtype=np.float32)
        labels = scores = ids = masks = None
    else:
        bboxes = _np(instances.bboxes).reshape(-1, 4)
        scores = _np(instances.scores).reshape(-1) if "scores" in instances else None
        keep = np.ones(len(bboxes), bool)
        if scores is not None and task != "sot":
            keep = scores >= score_thr
        bboxes = bboxes[keep]
        scores = None if scores is None else scores[keep]
        labels = _np(instances.labels)[keep] if "labels" in instances else None
        ids = _np(instances.instances_id)[keep] if with_ids else None
        masks = _np(instances.masks)[keep] if "masks" in instances else None
    if task == "sot":
        labels, ids, class_names = None, None, None
    kwargs = dict(
        labels=labels,
        scores=scores,
        ids=ids,
        masks=masks,
        class_names=class_names,
        thickness=thickness,
        color=color,
    )
    if backend == "plt":
        return draw_instances_plt(image, bboxes, **kwargs)
    return draw_instances(image, bboxes, legend=task != "sot", **kwargs)


def run_demo(
    model: nn.Module,
    frames: VideoFrames,
    task: str = "mot",
    output: str | None = None,
    show: bool = False,
    fps: float | None = None,
    score_thr: float = 0.0,
    backend: str = "cv2",
    thickness: int = 2,
    color: tuple[int, int, int] | None = None,
    fourcc: str = "mp4v",
    init_bbox: np.ndarray | None = None,
    ref_img_sampler: dict | None = None,
    progress: bool = True,
) -> str | None:
    """Run a model over a video, draw every frame, show and/or write the drawings.

    Args:
        model: model from :func:`init_model`.
        frames: the input video.
        task: ``'mot'`` (also VIS), ``'sot'`` or ``'vid'``. Defaults to ``'mot'``.
        output: a video (``.mp4``, ``.avi``, ``.mov``, ``.mkv``) or a folder; it
            appears only when the whole run succeeded. Defaults to None.
        show: show each frame in a window. Defaults to False.
        fps: frame rate of the output video and of the display; defaults to
            the input video's, else 30.
        score_thr: predictions below this score are not drawn (MOT, VID).
            Defaults to 0.
        backend: ``'cv2'`` or ``'plt'`` drawing. Defaults to ``'cv2'``.
        thickness: box line width. Defaults to 2.
        color: one BGR colour for every box (default: by id / class).
        fourcc: codec of a video output. Defaults to ``'mp4v'``.
        init_bbox: SOT: the target in the first frame, x1y1x2y2.
        ref_img_sampler: VID: see :func:`~mmtrack.apis.inference_vid`.
        progress: show a progress bar. Defaults to True.

    Returns:
        The output path, or None without output.

    Raises:
        ValueError: neither ``output`` nor ``show``, or a bad argument.
        RuntimeError: the output cannot be written (e.g. an unknown codec).
    """
    if output is None and not show:
        raise ValueError("give an output (--output) or --show, else nothing is produced")
    if backend not in ("cv2", "plt"):
        raise ValueError(f"backend must be 'cv2' or 'plt', got {backend!r}")
    fps = float(fps or frames.fps or 30.0)
    class_names = (getattr(model, "dataset_meta", None) or {}).get("classes")
    writer = FrameWriter(output, fps=fps, fourcc=fourcc) if output is not None else None
    bar = ProgressBar(len(frames)) if progress else None
    try:
        results = track_video(
            model, frames, task=task, init_bbox=init_bbox, ref_img_sampler=ref_img_sampler
        )
        for i, image, result in results:
            drawn = _draw(image, result, task, class_names, score_thr, backend, thickness, color)
            if writer is not None:
                writer.write(drawn, f"{i:06d}.jpg" if frames.is_video else frames.names[i])
            if show:
                try:
                    cv2.imshow("mmtrack demo", drawn)
                    cv2.waitKey(max(1, int(1000 / fps)))
                except cv2.error as e:
                    raise RuntimeError(f"--show: OpenCV cannot open a window ({e})") from None
            if bar is not None:
                bar.update()
        if writer is not None:
            out = writer.close()
            if progress:
                print(f"\nwrote {writer.num_frames} frames to {out}")
            return out
        return None
    except BaseException:
        if writer is not None:
            writer.abort()
        raise


def build_demo_parser(task: str) -> argparse.ArgumentParser:
    """The command line of ``demo/demo_{mot_vis,sot,vid}.py`` (``task`` mot/sot/vid)."""
    what = {"mot": "MOT or VIS", "sot": "single object tracking", "vid": "video detection"}[task]
    script = {"mot": "demo_mot_vis.py", "sot": "demo_sot.py", "vid": "demo_vid.py"}[task]
    parser = argparse.ArgumentParser(
        prog=script,
        description=f"Run a {what} model on a video or a folder of frames and draw the results.",
    )
    parser.add_argument("config", help="config file")
    parser.add_argument(
        "--input", required=True, help="input video file or folder of .jpg/.jpeg/.png frames"
    )
    parser.add_argument(
        "--output",
        help="output video (.mp4, .avi, .mov, .mkv) or folder of frames; "
        "written only when the whole run succeeds",
    )
    parser.add_argument("--checkpoint", help="checkpoint file")
    parser.add_argument(
        "--device", default="cuda:0", help="device, e.g. cpu or cuda:0 (CPU if CUDA is absent)"
    )
    parser.add_argument("--show", action="store_true", help="show the results in a window")
    InferenceSwitches.add_arguments(parser)
    parser.add_argument(
        "--fps", type=float, help="FPS of the output video (default: the input's, else 30)"
    )
    parser.add_argument("--fourcc", default="mp4v", help="codec of the output video")
    if task in ("mot", "vid"):
        parser.add_argument(
            "--score-thr",
            type=float,
            default=0.0 if task == "mot" else 0.8,
            help="score threshold of the drawn boxes",
        )
    if task == "mot":
        parser.add_argument(
            "--backend", choices=["cv2", "plt"], default="cv2", help="drawing backend"
        )
    if task == "sot":
        parser.add_argument(
            "--gt_bbox_file",
            help="ground-truth file whose first line 'x,y,w,h' is the target in the first "
            "frame (without it, draw the box on the first frame)",
        )
        parser.add_argument(
            "--color", default="0,255,0", help="B,G,R colour of the box, or a name (green)"
        )
    parser.add_argument(
        "--thickness", type=int, default=2 if task == "mot" else 3, help="box line width"
    )
    if task == "vid":
        parser.add_argument(
            "--frame-stride",
            type=int,
            default=2,
            help="FGFA/SELSA-style models: a reference frame every this many frames",
        )
        parser.add_argument(
            "--num-left-ref-imgs",
            type=int,
            default=10,
            help="FGFA/SELSA-style models: reference frames kept",
        )
    return parser


def demo_main(task: str, argv: Sequence[str] | None = None) -> int:
    """Entry point of the demo scripts; returns the exit code (1 on a bad input)."""
    parser = build_demo_parser(task)
    args = parser.parse_args(argv)
    prog = parser.prog
    try:
        if args.output is None and not args.show:
            raise ValueError("give --output (a video or a folder) and/or --show")
        color = parse_color(args.color) if task == "sot" else None
        frames = VideoFrames(args.input)
        init_bbox = None
        if task == "sot":
            if args.gt_bbox_file is not None:
                init_bbox = read_first_bbox(args.gt_bbox_file)
            else:
                init_bbox = _select_box(next(iter(frames))[1])
        switches = InferenceSwitches.from_args(args)
        model = init_model(
            args.config,
            args.checkpoint,
            device=args.device,
            switches=switches if switches.enabled else None,
        )
        run_demo(
            model,
            frames,
            task=task,
            output=args.output,
            show=args.show,
            fps=args.fps,
            score_thr=getattr(args, "score_thr", 0.0),
            backend=getattr(args, "backend", "cv2"),
            thickness=args.thickness,
            color=color,
            fourcc=args.fourcc,
            init_bbox=init_bbox,
            ref_img_sampler=(
                dict(frame_stride=args.frame_stride, num_left_ref_imgs=args.num_left_ref_imgs)
                if task == "vid"
                else None
            ),
        )
    except (OSError, ValueError, RuntimeError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 1
    return 0
