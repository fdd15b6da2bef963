#!/usr/bin/env python
"""Box mAP@50 of a video detector with and without reference frames, on degraded and clean frames.

One run evaluates a SELSA-style model (``test_dataloader`` with a
``ref_img_sampler``) twice on its test videos: as configured (reference-frame
aggregation) and with ``ref_img_sampler=None`` (the key frame alone). Each
pass reports COCO box mAP@50 (:class:`~mmtrack.evaluation.CocoVideoMetric`,
pycocotools) over all frames, over the degraded frames (``frame_id %
every == every - 1``, the frames that
:class:`~mmtrack.datasets.synthetic.FrameDegradation` blurs and occludes) and
over the other (clean) frames. The frame subsets are COCOeval ``imgIds``
subsets of the same ground truth.

Example::

    python tools/analysis_tools/eval_vid_aggregation.py \\
        configs/vid/selsa/selsa_faster-rcnn_r18-tiny_fpn_synthetic-degraded.py \\
        demo/checkpoints/selsa_faster-rcnn_r18-tiny_synthetic-degraded-*.pth --degrade-every 3
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import os.path as osp
import sys
from collections.abc import Sequence

import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmengine.runner import Runner

from mmtrack.engine.runner.tool_utils import (
    ConfigInputError,
    StrictDictAction,
    ToolArgumentParser,
    load_config,
    run_tool,
)
from mmtrack.evaluation.metrics.coco_video_metric import CocoVideoMetric

SUBSETS = ("all", "degraded", "clean")


class FrameSubsetCocoVideoMetric(CocoVideoMetric):
    """:class:`CocoVideoMetric` over the frames whose image id is in ``img_ids``.

    Args:
        img_ids: image ids kept (``None``: every frame).
        **kwargs: see :class:`CocoVideoMetric` (``ann_file`` is required so
            that the ground truth of the whole video set is used).
    """

    def __init__(self, img_ids: set[int] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.img_ids = img_ids

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        """Record the detections of the kept frames (see :class:`CocoVideoMetric`)."""
        start = len(self.results)
        super().process(data_batch, data_samples)
        if self.img_ids is not None:
            kept = [r for r in self.results[start:] if r["img_id"] in self.img_ids]
            self.results[start:] = kept


def split_img_ids(ann_file: str, every: int) -> dict[str, set[int]]:
    """Image ids of the degraded (``frame_id % every == every - 1``) and clean frames."""
    with open(ann_file, encoding="utf-8") as f:
        images = json.load(f).get("images", [])
    degraded = {im["id"] for im in images if im["frame_id"] % every == every - 1}
    clean = {im["id"] for im in images} - degraded
    if not degraded or not clean:
        raise ConfigInputError(
            f"{ann_file}: with --degrade-every {every} the frames are not split "
            f"({len(degraded)} degraded, {len(clean)} clean)"
        )
    return dict(degraded=degraded, clean=clean)


def evaluate(cfg, model: torch.nn.Module, every: int, refs: bool) -> dict[str, float]:
    """``{all, degraded, clean}`` mAP@50 of ``model`` on ``cfg.test_dataloader``.

    Args:
        cfg: the config (``test_dataloader``, ``test_evaluator.ann_file``).
        model: the detector, in eval mode.
        every: degradation period (see :func:`split_img_ids`).
        refs: keep the configured reference frames; without them the test
            samples hold the key frame alone.
    """
    loader_cfg = copy.deepcopy(cfg.test_dataloader)
    if not refs:
        loader_cfg.dataset.ref_img_sampler = None
    loader = Runner.build_dataloader(loader_cfg)
    ann_file = cfg.test_evaluator.ann_file
    ids = split_img_ids(ann_file, every)
    metrics = [
        FrameSubsetCocoVideoMetric(img_ids=ids.get(name), ann_file=ann_file, prefix=name)
        for name in SUBSETS
    ]
    evaluator = Evaluator(metrics)
    evaluator.dataset_meta = loader.dataset.metainfo
    with torch.no_grad():
        for batch in loader:
            evaluator.process(model.test_step(batch), batch)
    out = evaluator.evaluate(len(loader.dataset))
    return {name: out[f"{name}/bbox_mAP_50"] for name in SUBSETS}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = ToolArgumentParser(description="VID mAP@50 with / without reference frames")
    parser.add_argument("config", help="video detector config (test_dataloader with references)")
    parser.add_argument("checkpoint", help="checkpoint file")
    parser.add_argument(
        "--degrade-every", type=int, default=3, help="degraded frame period (default 3)"
    )
    parser.add_argument("--json", default=None, help="write the numbers to this json file")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--cfg-options", nargs="+", action=StrictDictAction, default=None)
    args = parser.parse_args(argv)
    if args.degrade_every < 2:
        raise ConfigInputError(f"--degrade-every must be >= 2, got {args.degrade_every}")
    return args


def main(argv: Sequence[str] | None = None) -> dict:
    """Print and return ``{'with_refs': {...}, 'without_refs': {...}}`` mAP@50 fractions."""
    from mmtrack.apis import init_model
    from mmtrack.utils import register_all_modules

    args = parse_args(argv)
    register_all_modules()
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    torch.set_num_threads(args.threads)
    cfg = load_config(args.config, args.cfg_options)
    if not cfg.test_dataloader.dataset.get("ref_img_sampler"):
        raise ConfigInputError(f"{args.config}: test_dataloader.dataset has no ref_img_sampler")
    model = init_model(cfg, args.checkpoint, device="cpu")
    result = dict(
        with_refs=evaluate(cfg, model, args.degrade_every, refs=True),
        without_refs=evaluate(cfg, model, args.degrade_every, refs=False),
    )
    print(
        f"box mAP@50 on the test videos of {osp.basename(args.config)} (degraded frames: "
        f"frame_id % {args.degrade_every} == {args.degrade_every - 1})"
    )
    print(f"{'reference frames':>18s} {'all':>6s} {'degraded':>9s} {'clean':>6s}")
    for key, label in (("with_refs", "aggregated"), ("without_refs", "key frame only")):
        r = result[key]
        print(f"{label:>18s} {r['all']:6.3f} {r['degraded']:9.3f} {r['clean']:6.3f}")
    if args.json:
        tmp = f"{args.json}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(result, f)
        os.replace(tmp, args.json)
    return result


if __name__ == "__main__":
    sys.exit(run_tool(main))
