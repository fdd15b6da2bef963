#!/usr/bin/env python
"""Draw the ground truth of a config's training data, as its pipeline produces it.

Examples::

    python tools/analysis_tools/browse_dataset.py CONFIG --output-dir work_dirs/browse --not-show
    python tools/analysis_tools/browse_dataset.py CONFIG --show-interval 0.5

Builds ``train_dataloader.dataset`` of the config (wrappers included), runs its
pipeline item by item and draws on every packed frame (key and reference
frames of a clip, SOT template and search images, ReID crops) the ground-truth
boxes with class name and instance id, instance masks, and ignored boxes in
grey. Images are written to ``--output-dir`` as
``<item:05d>_<frame in clip>_<last folders of the image path>.jpg`` and shown
in a window unless ``--not-show``. Only OpenCV is used for drawing.
"""

from __future__ import annotations

import argparse
import colorsys
import os
import os.path as osp
from typing import Any, Iterator, Optional, Sequence

import cv2
import numpy as np
import torch

from mmtrack.engine.runner.tool_utils import (
    ConfigInputError,
    StrictDictAction,
    ToolArgumentParser,
    config_errors,
    load_config,
    run_tool,
)
from mmtrack.registry import DATASETS
from mmtrack.structures import DetDataSample, ReIDDataSample, TrackDataSample
from mmtrack.utils import register_all_modules

IGNORED_COLOUR = (160, 160, 160)


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    """Parse the command line of ``browse_dataset.py``."""
    parser = ToolArgumentParser(description='Browse a dataset')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--output-dir', default=None, type=str,
                        help='if given, write the drawn images into this directory')
    parser.add_argument('--not-show', default=False, action='store_true',
                        help='do not open a window')
    parser.add_argument('--show-interval', type=float, default=2,
                        help='seconds each image is shown (default: 2)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=StrictDictAction, metavar='KEY=VALUE',
        help='override config entries, e.g. train_dataloader.dataset.ann_file=x.json')
    args = parser.parse_args(argv)
    if args.not_show and args.output_dir is None:
        parser.error('--not-show needs --output-dir (nothing would be shown or saved)')
    return args


def instance_colour(key: int) -> tuple[int, int, int]:
    """A distinct, deterministic BGR colour for an instance id or label."""
    hue = (int(key) * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.85, 1.0)
    return int(255 * b), int(255 * g), int(255 * r)


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, 'tensor'):  # box or mask structure wrappers
        value = value.tensor
    if hasattr(value, 'masks'):  # BitmapMasks-like
        value = value.masks
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def image_to_bgr(img: torch.Tensor) -> np.ndarray:
    """``(C, H, W)`` image tensor (uint8 or float in 0..255) -> ``(H, W, 3)`` uint8."""
    arr = _numpy(img)
    if arr.ndim == 3:
        arr = arr.transpose(1, 2, 0)
    if arr.ndim == 2 or arr.shape[2] == 1:
        arr = np.repeat(arr.reshape(arr.shape[0], arr.shape[1], 1), 3, axis=2)
    return np.ascontiguousarray(np.clip(arr, 0, 255).astype(np.uint8)[..., :3])


def _label_text(label: int, classes: Optional[Sequence[str]]) -> str:
    if classes is not None and 0 <= label < len(classes):
        return str(classes[label])
    return str(label)


def draw_instances(img: np.ndarray, instances: Any, classes: Optional[Sequence[str]],
                   ignored: bool = False) -> np.ndarray:
    """Draw boxes, masks, class names and instance ids on a BGR image (in place).

    Args:
        img (np.ndarray): ``(H, W, 3)`` uint8 BGR image.
        instances (InstanceData): with ``bboxes`` ``(N, 4)`` x1y1x2y2 and optional
            ``labels`` ``(N,)``, ``instances_id`` ``(N,)``, ``masks`` ``(N, H, W)``.
        classes (Sequence[str], optional): class names indexed by label.
        ignored (bool): draw in grey without masks (ignored instances).

    Returns:
        np.ndarray: the same image.
    """
    if instances is None or 'bboxes' not in instances or len(instances) == 0:
        return img
    boxes = _numpy(instances.bboxes).reshape(-1, 4)
    labels = _numpy(instances.labels) if 'labels' in instances else None
    ids = _numpy(instances.instances_id) if 'instances_id' in instances else None
    masks = _numpy(instances.masks) if 'masks' in instances and not ignored else None
    for i, box in enumerate(boxes):
        key = int(ids[i]) if ids is not None else (int(labels[i]) if labels is not None else i)
        colour = IGNORED_COLOUR if ignored else instance_colour(key)
        if masks is not None and i < len(masks) and masks[i].shape == img.shape[:2]:
            m = masks[i].astype(bool)
            img[m] = (0.5 * img[m] + 0.5 * np.array(colour)).astype(np.uint8)
        x1, y1, x2, y2 = (int(round(float(v))) for v in box)
        cv2.rectangle(img, (x1, y1), (x2 - 1, y2 - 1), colour, 1)
        parts = []
        if labels is not None:
            parts.append(_label_text(int(labels[i]), classes))
        if ids is not None:
            parts.append(f'id {int(ids[i])}')
        if ignored:
            parts.append('ignored')
        if parts:
            cv2.putText(img, ' '.join(parts), (x1, max(8, y1 - 2)), cv2.FONT_HERSHEY_SIMPLEX,
                        0.3, colour, 1, cv2.LINE_AA)
    return img


def iter_frames(item: dict) -> Iterator[tuple[np.ndarray, Any, str]]:
    """Yield ``(image, data sample or label, tag)`` for each image of a packed item."""
    inputs, sample = item['inputs'], item['data_samples']
    if isinstance(sample, TrackDataSample):
        key_inds = set(sample.metainfo.get('key_frames_inds', []))
        frames = sample.video_data_samples
        imgs = inputs if inputs.dim() == 4 else inputs[None]
        for k, (img, frame) in enumerate(zip(imgs, frames)):
            yield image_to_bgr(img), frame, 'key' if k in key_inds else 'ref'
    elif isinstance(sample, ReIDDataSample):
        imgs = inputs if inputs.dim() == 4 else inputs[None]
        labels = _numpy(sample.gt_label.label).reshape(-1)
        for k, img in enumerate(imgs):
            yield image_to_bgr(img), int(labels[k % len(labels)]), 'reid'
    elif isinstance(sample, DetDataSample):
        yield image_to_bgr(inputs), sample, 'img'
    else:
        raise TypeError(f'cannot browse items whose data_samples are {type(sample).__name__}')


def render(img: np.ndarray, sample: Any, tag: str,
           classes: Optional[Sequence[str]]) -> np.ndarray:
    """Draw one frame's ground truth and a small caption."""
    if isinstance(sample, int):  # ReID crop with its label
        cv2.putText(img, f'label {sample}', (1, 9), cv2.FONT_HERSHEY_SIMPLEX, 0.3,
                    instance_colour(sample), 1, cv2.LINE_AA)
        return img
    if 'ignored_instances' in sample:
        draw_instances(img, sample.ignored_instances, classes, ignored=True)
    if 'gt_instances' in sample:
        draw_instances(img, sample.gt_instances, classes)
    caption = tag
    if 'frame_id' in sample.metainfo:
        caption += f' frame {sample.metainfo["frame_id"]}'
    cv2.putText(img, caption, (2, img.shape[0] - 3), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                (255, 255, 255), 1, cv2.LINE_AA)
    return img


def _out_name(index: int, k: int, sample: Any, tag: str) -> str:
    img_path = None
    if not isinstance(sample, int):
        img_path = sample.metainfo.get('img_path')
    if isinstance(img_path, str):
        parts = [p for p in img_path.replace('\\', '/').split('/') if p][-3:]
        stem = '_'.join(osp.splitext(p)[0] for p in parts)
    else:
        stem = tag
    return f'{index:05d}_{k}_{stem}.jpg'


def browse(dataset: Any, output_dir: Optional[str], show: bool = False,
           show_interval: float = 2.0) -> list[str]:
    """Draw every item of ``dataset``.

    Args:
        dataset: a built dataset whose items are packed dicts (``inputs``,
            ``data_samples``).
        output_dir (str, optional): where to write the images.
        show (bool): show each image in an OpenCV window. Defaults to False.
        show_interval (float): seconds per image in the window. Defaults to 2.

    Returns:
        list[str]: paths of the written images.
    """
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    written = []
    if output_dir is not None:
        os.makedirs(output_dir, exist_ok=True)
    for index in range(len(dataset)):
        item = dataset[index]
        for k, (img, sample, tag) in enumerate(iter_frames(item)):
            img = render(img, sample, tag, classes)
            if output_dir is not None:
                path = osp.join(output_dir, _out_name(index, k, sample, tag))
                tmp = path + '.tmp.jpg'
                if not cv2.imwrite(tmp, img):
                    raise OSError(f'{tmp}: cannot write image')
                os.replace(tmp, path)
                written.append(path)
            if show:
                cv2.imshow('browse_dataset', img)
                cv2.waitKey(max(1, int(show_interval * 1000)))
    return written


def main(argv: Optional[list[str]] = None) -> None:
    """Build the config's training dataset and draw it."""
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    register_all_modules()
    if 'train_dataloader' not in cfg or 'dataset' not in cfg.train_dataloader:
        raise ConfigInputError(f'config {args.config}: no train_dataloader.dataset to browse')
    with config_errors(cfg, args.config):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    written = browse(dataset, args.output_dir, show=not args.not_show,
                     show_interval=args.show_interval)
    if args.output_dir is not None:
        print(f'{len(dataset)} items, {len(written)} images written to {args.output_dir}')


if __name__ == '__main__':
    raise SystemExit(run_tool(main))
