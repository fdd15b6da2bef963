#!/usr/bin/env python
"""Inference speed (frames per second) of a config's model.

Times ``model.test_step`` (data preprocessing, forward and post-processing)
on synthetic input batches already in memory, so data loading is excluded;
the first ``--warmup`` iterations are not timed. Weights are random unless
``--checkpoint`` is given (speed does not depend on them much, but the number
of boxes surviving the score threshold does).

Detectors get ``(C, H, W)`` images; models whose data preprocessor is a
``TrackDataPreprocessor`` (MOT/VID/VIS) get one-frame clips with increasing
``frame_id``, so the tracker runs too.

With ``--compare-torchvision`` torchvision's ``fasterrcnn_resnet50_fpn``
(random weights, same input size, same device and thread count) is timed in
the same run and the ratio ours / torchvision is printed.

Examples::

    OMP_NUM_THREADS=1 python tools/analysis_tools/benchmark.py \
        configs/det/faster-rcnn_r50_fpn_4e_mot17-half.py --max-iter 3 --warmup 1 \
        --shape 800 1333 --compare-torchvision
    python tools/analysis_tools/benchmark.py CONFIG --checkpoint latest.pth --fuse-conv-bn
    # every test-time switch against the plain model, in one run
    python tools/analysis_tools/benchmark.py CONFIG --switches
    python tools/analysis_tools/benchmark.py CONFIG --switches fuse_conv_bn channels_last

``--switches`` times, alternately with the plain model on the same batches,
copies of the model (switched by ``mmtrack.utils.inference_switches``, as
``tools/test.py`` does) with conv-BN fusion, ``channels_last`` weights, autocast
(bfloat16 on the CPU, float16 on CUDA) and ``torch.compile`` of the backbone
and neck, and prints each one's speed-up and how its boxes on the last batch
differ from the plain model's (count, largest coordinate change, mean best
IoU). ``test_step`` always runs under ``torch.inference_mode``.
"""

from __future__ import annotations

import argparse
import copy
import functools
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.structures import InstanceData

from mmtrack.engine.runner.tool_utils import (
    ConfigInputError,
    StrictDictAction,
    ToolArgumentParser,
    config_errors,
    load_config,
    run_tool,
)
from mmtrack.ops import bbox_overlaps
from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules

#: Test-time switches ``--switches`` can time.
SWITCHES = ("fuse_conv_bn", "channels_last", "autocast", "compile")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = ToolArgumentParser(description="Measure the inference speed of a model")
    parser.add_argument("config", help="config file path")
    parser.add_argument("--checkpoint", help="checkpoint to load (default: random weights)")
    parser.add_argument("--repeat-num", type=int, default=1, help="repeat the measurement")
    parser.add_argument("--max-iter", type=int, default=20, help="timed iterations")
    parser.add_argument("--warmup", type=int, default=3, help="untimed warm-up iterations")
    parser.add_argument("--log-interval", type=int, default=5, help="print every N iterations")
    parser.add_argument("--fuse-conv-bn", action="store_true", help="fold BN into convs first")
    parser.add_argument(
        "--shape",
        type=int,
        nargs=2,
        default=[800, 1333],
        metavar=("H", "W"),
        help="input image size (default 800 1333)",
    )
    parser.add_argument("--batch-size", type=int, default=1, help="images per iteration")
    parser.add_argument(
        "--device",
        default="cuda" if torch.cuda.is_available() else "cpu",
        help="cpu or cuda (default: cuda when available)",
    )
    parser.add_argument(
        "--compare-torchvision",
        action="store_true",
        help="also time torchvision's fasterrcnn_resnet50_fpn at the same size",
    )
    parser.add_argument(
        "--compare-megvii-yolox",
        action="store_true",
        help="also time Megvii's official YOLOX (the 'yolox' package, which must be "
        "importable) of the config's depth/width at the same size, with its postprocess",
    )
    parser.add_argument(
        "--switches",
        nargs="*",
        choices=SWITCHES,
        default=None,
        help="also time test-time switches against the plain model in the same run, with "
        f"their output change (no value: all of {', '.join(SWITCHES)})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and inputs")
    parser.add_argument(
        "--cfg-options", nargs="+", action=StrictDictAction, help="override config settings"
    )
    args = parser.parse_args(argv)
    if args.switches is not None and not args.switches:
        args.switches = list(SWITCHES)
    for name in ("repeat_num", "max_iter", "batch_size"):
        if getattr(args, name) < 1:
            raise ConfigInputError(f"--{name.replace('_', '-')} must be >= 1")
    if args.warmup < 0 or args.log_interval < 1:
        raise ConfigInputError("--warmup must be >= 0 and --log-interval >= 1")
    if min(args.shape) < 32:
        raise ConfigInputError(f"--shape must be at least 32 x 32, got {args.shape}")
    return args


def model_config(cfg: Config) -> dict:
    """The model to time: ``cfg.model``, or its ``detector`` for a detector-only base file."""
    model_cfg = copy.deepcopy(cfg.model)
    if "type" not in model_cfg and "detector" in model_cfg:
        model_cfg = model_cfg["detector"]
    if "type" not in model_cfg:
        raise ConfigInputError("config: 'model' has no 'type'")
    return model_cfg


def _strip_pretrained(cfg: Any) -> None:
    """Drop ``init_cfg=Pretrained`` everywhere (random weights, no file needed)."""
    if isinstance(cfg, dict):
        init = cfg.get("init_cfg")
        if isinstance(init, dict) and init.get("type") == "Pretrained":
            cfg["init_cfg"] = None
        for value in cfg.values():
            _strip_pretrained(value)
    elif isinstance(cfg, list):
        for value in cfg:
            _strip_pretrained(value)


def build_model(cfg: Config, args: argparse.Namespace) -> torch.nn.Module:
    """Build (and load, fuse) the model in eval mode on ``args.device``."""
    model_cfg = model_config(cfg)
    if args.checkpoint is None:
        _strip_pretrained(model_cfg)
    with config_errors(model_cfg, args.config):
        model = MODELS.build(model_cfg)
    if args.checkpoint is not None:
        from mmtrack.utils import load_checkpoint

        load_checkpoint(model, args.checkpoint, map_location="cpu")
    else:
        # mmengine logs one line per parameter here; keep the benchmark output short
        current = MMLogger.get_current_instance()
        level = current.level
        current.setLevel(logging.WARNING)
        try:
            model.init_weights()
        finally:
            current.setLevel(level)
    if args.fuse_conv_bn:
        from mmtrack.models.layers.fuse_conv_bn import fuse_conv_bn

        model = fuse_conv_bn(model)
    return model.to(args.device).eval()


def _is_track_model(model: torch.nn.Module) -> bool:
    pre = getattr(model, "data_preprocessor", None)
    return type(pre).__name__ == "TrackDataPreprocessor"


def make_batch(model: torch.nn.Module, args: argparse.Namespace, frame_id: int) -> dict:
    """One in-memory batch of random uint8 images with their metainfo."""
    h, w = args.shape
    g = torch.Generator().manual_seed(args.seed + frame_id)
    meta = dict(
        img_id=frame_id,
        img_path=f"{frame_id:06d}.jpg",
        ori_shape=(h, w),
        img_shape=(h, w),
        scale_factor=(1.0, 1.0),
        flip=False,
        flip_direction=None,
        frame_id=frame_id,
        video_id=0,
        video_length=10**9,
    )
    inputs, samples = [], []
    for _ in range(args.batch_size):
        img = torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8)
        sample = DetDataSample(metainfo=meta)
        sample.gt_instances = InstanceData(
            bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long)
        )
        if _is_track_model(model):
            track = TrackDataSample(metainfo=dict(key_frames_inds=[0], ref_frames_inds=[]))
            track.video_data_samples = [sample]
            inputs.append(img[None])
            samples.append(track)
        else:
            inputs.append(img)
            samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_fps(
    steps: dict[str, Callable[[int], Any]],
    num_images: int,
    args: argparse.Namespace,
    logger: MMLogger,
) -> dict[str, float]:
    """Frames per second of each ``step(i)``, timed alternately iteration by iteration.

    Alternating the models inside one loop exposes them to the same machine
    load, which keeps their ratio meaningful on a shared CPU.
    """
    elapsed = dict.fromkeys(steps, 0.0)
    per_iter: dict[str, list[float]] = {name: [] for name in steps}
    with torch.inference_mode():
        for i in range(args.warmup):
            for step in steps.values():
                step(i)
        _sync(args.device)
        for i in range(args.max_iter):
            for name, step in steps.items():
                _sync(args.device)
                start = time.perf_counter()
                step(args.warmup + i)
                _sync(args.device)
                per_iter[name].append(time.perf_counter() - start)
                elapsed[name] += per_iter[name][-1]
            if (i + 1) % args.log_interval == 0:
                done = (i + 1) * num_images
                msg = ", ".join(f"{n}: {done / t:.3f} img/s" for n, t in elapsed.items())
                logger.info(f"done image [{done:<3}/{args.max_iter * num_images}], fps {msg}")
    out = {name: args.max_iter * num_images / t for name, t in elapsed.items()}
    for ref, key in (("torchvision", "pair_ratios"), ("megvii_yolox", "megvii_pair_ratios")):
        if ref in steps:
            # ratio of back-to-back iterations: robust to load changes between iterations
            out[key] = [other / ours for ours, other in zip(per_iter["ours"], per_iter[ref])]
    return out


def torchvision_step(args: argparse.Namespace) -> Callable[[int], Any]:
    """torchvision's Faster R-CNN R-50-FPN (random weights) on the same inputs."""
    import torchvision

    torch.manual_seed(args.seed)
    model = torchvision.models.detection.fasterrcnn_resnet50_fpn(
        weights=None, weights_backbone=None
    )
    model.to(args.device).eval()
    h, w = args.shape
    # torchvision resizes so that the short side is 800 (at most 1333 long):
    # keep it at the requested size
    model.transform.min_size = (min(h, w),)
    model.transform.max_size = max(h, w)
    g = torch.Generator().manual_seed(args.seed)
    images = [
        torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8)
        .float()
        .div(255)
        .to(args.device)
        for _ in range(args.batch_size)
    ]
    return lambda i: model(images)


def megvii_yolox_step(args: argparse.Namespace, cfg: Config) -> Callable[[int], Any]:
    """Megvii's YOLOX (random weights) of the config's size, with its ``postprocess``.

    The reference MMDetection's and mmtrack's YOLOX re-implement: ``YOLOPAFPN`` +
    ``YOLOXHead`` with the config's ``deepen_factor``, ``widen_factor``,
    ``use_depthwise`` and class count, the head's prior bias set as Megvii's
    training recipe does (``initialize_biases(1e-2)``), on raw 0-255 images
    of ``--shape``; ``postprocess`` uses the config's score and NMS thresholds.
    """
    try:
        from yolox.models import YOLOPAFPN, YOLOX, YOLOXHead
        from yolox.utils import postprocess
    except ImportError as exc:
        raise ConfigInputError(
            "--compare-megvii-yolox: Megvii's 'yolox' package is not importable "
            f"({exc}); e.g. `pip install --no-deps yolox loguru thop tabulate` into a "
            "directory on PYTHONPATH"
        ) from None
    model_cfg = model_config(cfg)
    backbone, head = model_cfg.get("backbone", {}), model_cfg.get("bbox_head", {})
    if backbone.get("type") != "CSPDarknet" or head.get("type") != "YOLOXHead":
        raise ConfigInputError(
            f"--compare-megvii-yolox: {args.config} is not a YOLOX config "
            f"(backbone {backbone.get('type')!r}, head {head.get('type')!r})"
        )
    depth, width = backbone.get("deepen_factor", 1.0), backbone.get("widen_factor", 1.0)
    depthwise = bool(backbone.get("use_depthwise", False))
    num_classes = int(head.get("num_classes", 80))
    torch.manual_seed(args.seed)
    in_channels = [256, 512, 1024]
    model = YOLOX(
        YOLOPAFPN(depth, width, in_channels=in_channels, depthwise=depthwise),
        YOLOXHead(num_classes, width, in_channels=in_channels, depthwise=depthwise),
    )
    model.head.initialize_biases(1e-2)
    model.to(args.device).eval()
    test_cfg = model_cfg.get("test_cfg", {})
    score_thr = float(test_cfg.get("score_thr", 0.01))
    nms_thr = float(test_cfg.get("nms", {}).get("iou_threshold", 0.65))
    h, w = args.shape
    g = torch.Generator().manual_seed(args.seed)
    images = torch.randint(0, 256, (args.batch_size, 3, h, w), generator=g).float()
    images = images.to(args.device)
    return lambda i: postprocess(model(images), num_classes, score_thr, nms_thr)


def switch_steps(
    model: torch.nn.Module, batches: list[dict], args: argparse.Namespace
) -> tuple[dict[str, Callable[[int], Any]], dict[str, str]]:
    """One step per test-time switch, each on its own copy of ``model``.

    The switches are applied by :class:`~mmtrack.utils.inference_switches.InferenceSwitches`,
    the code ``tools/test.py --fuse-conv-bn/--channels-last/--amp/--compile`` uses.
    Autocast is bfloat16 on the CPU and float16 on CUDA; compile is inductor's.

    Returns:
        ``(steps, unavailable)``: the steps by switch name, and the switches
        that could not be applied with the reason.
    """
    from mmtrack.utils.inference_switches import CompiledModule, InferenceSwitches

    amp = "fp16" if args.device.startswith("cuda") else "bf16"
    chosen = {
        "fuse_conv_bn": ("fuse_conv_bn", InferenceSwitches(fuse_conv_bn=True)),
        "channels_last": ("channels_last", InferenceSwitches(channels_last=True)),
        "autocast": (
            "autocast_float16" if amp == "fp16" else "autocast_bfloat16",
            InferenceSwitches(amp=amp),
        ),
        "compile": ("compile_backbone_neck", InferenceSwitches(compile="inductor")),
    }
    steps: dict[str, Callable[[int], Any]] = {}
    unavailable: dict[str, str] = {}
    for switch in args.switches:
        name, switches = chosen[switch]
        try:
            switched = switches.apply(copy.deepcopy(model))
        except ValueError as exc:
            unavailable[name] = str(exc)
            continue
        steps[name] = functools.partial(lambda m, i: m.test_step(batches[i]), switched)
        if switches.compile:
            steps[name](0)  # compile now, outside the timing
            errors = [m.error for m in switched.modules() if isinstance(m, CompiledModule)]
            if any(errors):
                unavailable[name] = next(e for e in errors if e)
                del steps[name]
    return steps, unavailable


def _boxes(result: Any) -> torch.Tensor:
    """``(K, 4)`` predicted boxes of the first image of a ``test_step`` result."""
    sample = result[0]
    if hasattr(sample, "video_data_samples"):
        sample = sample.video_data_samples[0]
    for key in ("pred_track_instances", "pred_instances"):
        if key in sample:
            return sample.get(key).bboxes.float().cpu()
    return torch.zeros(0, 4)


def output_change(steps: dict[str, Callable[[int], Any]], index: int) -> dict[str, dict]:
    """How each step's boxes on batch ``index`` differ from the plain model's.

    Returns:
        By step: ``num_boxes``, ``ref_boxes`` (the plain model's count),
        ``max_abs_diff`` (px, boxes compared in order; None when the counts
        differ), ``mean_best_iou`` (each plain-model box's best IoU among the
        step's boxes, order-free; None without boxes) and ``text``.
    """
    with torch.inference_mode():
        ref = _boxes(steps["ours"](index))
        out = {}
        for name, step in steps.items():
            if name in ("ours", "torchvision", "megvii_yolox"):
                continue
            boxes = _boxes(step(index))
            change: dict[str, Any] = dict(
                num_boxes=len(boxes), ref_boxes=len(ref), max_abs_diff=None, mean_best_iou=None
            )
            text = f"{len(boxes)} boxes vs {len(ref)}"
            if boxes.shape == ref.shape and len(ref):
                change["max_abs_diff"] = float((boxes - ref).abs().max())
                text += f", max |box diff| {change['max_abs_diff']:.3g} px"
            if len(ref) and len(boxes):
                change["mean_best_iou"] = float(bbox_overlaps(ref, boxes).max(dim=1).values.mean())
                text += f", mean best IoU {change['mean_best_iou']:.4f}"
            change["text"] = text
            out[name] = change
    return out


def benchmark(args: argparse.Namespace, cfg: Config, logger: MMLogger) -> dict[str, float]:
    """Measure ``repeat_num`` times; mean fps (and torchvision's fps and the mean ratio)."""
    torch.manual_seed(args.seed)
    model = build_model(cfg, args)
    batches = [make_batch(model, args, i) for i in range(args.warmup + args.max_iter)]
    steps: dict[str, Callable[[int], Any]] = {"ours": lambda i: model.test_step(batches[i])}
    if args.compare_torchvision:
        steps["torchvision"] = torchvision_step(args)
    if args.compare_megvii_yolox:
        steps["megvii_yolox"] = megvii_yolox_step(args, cfg)
    unavailable: dict[str, str] = {}
    if args.switches:
        switch, unavailable = switch_steps(model, batches, args)
        steps.update(switch)
    runs = []
    for r in range(args.repeat_num):
        runs.append(time_fps(steps, args.batch_size, args, logger))
        msg = ", ".join(
            f"{n}: {v:.3f} img/s" for n, v in runs[-1].items() if not n.endswith("pair_ratios")
        )
        logger.info(f"[{r + 1}/{args.repeat_num}] {msg}")
    ours = [run["ours"] for run in runs]
    result = dict(fps=sum(ours) / len(ours))
    logger.info(
        f"Overall fps: {result['fps']:.3f} img/s (+- {_std(ours):.3f}), "
        f"{1000 / result['fps']:.1f} ms/img, shape {tuple(args.shape)}, "
        f"batch {args.batch_size}, device {args.device}, threads {torch.get_num_threads()}"
    )
    if args.compare_torchvision:
        tv = [run["torchvision"] for run in runs]
        result["torchvision_fps"] = sum(tv) / len(tv)
        result["ratio"] = result["fps"] / result["torchvision_fps"]
        pairs = sorted(r for run in runs for r in run["pair_ratios"])
        result["median_pair_ratio"] = _median(pairs)
        logger.info(
            f"torchvision fasterrcnn_resnet50_fpn: {result['torchvision_fps']:.3f} img/s "
            f"(+- {_std(tv):.3f}); ratio ours / torchvision: {result['ratio']:.3f}; "
            f"median of {len(pairs)} back-to-back iteration ratios: "
            f"{result['median_pair_ratio']:.3f} (min {pairs[0]:.3f}, max {pairs[-1]:.3f})"
        )
    if args.compare_megvii_yolox:
        mg = [run["megvii_yolox"] for run in runs]
        result["megvii_yolox_fps"] = sum(mg) / len(mg)
        result["megvii_yolox_ratio"] = result["fps"] / result["megvii_yolox_fps"]
        pairs = sorted(r for run in runs for r in run["megvii_pair_ratios"])
        result["megvii_yolox_median_pair_ratio"] = _median(pairs)
        logger.info(
            f"Megvii YOLOX: {result['megvii_yolox_fps']:.3f} img/s (+- {_std(mg):.3f}); "
            f"ratio ours / Megvii: {result['megvii_yolox_ratio']:.3f}; median of {len(pairs)} "
            f"back-to-back iteration ratios: {result['megvii_yolox_median_pair_ratio']:.3f} "
            f"(min {pairs[0]:.3f}, max {pairs[-1]:.3f})"
        )
    if args.switches:
        # the timed loop above ran every step on every batch, so tracker states agree;
        # the output check reruns the last batch
        changes = output_change(steps, len(batches) - 1)
        result["switches"] = {}
        for name, reason in unavailable.items():
            logger.info(f"switch {name}: not available ({reason})")
        for name, change in changes.items():
            fps = sum(run[name] for run in runs) / len(runs)
            result["switches"][name] = dict(fps=fps, speedup=fps / result["fps"], **change)
            logger.info(
                f"switch {name}: {fps:.3f} img/s, speed-up x{fps / result['fps']:.3f} "
                f"over the plain model; outputs: {change['text']}"
            )
    return result


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _std(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Entry point; returns the measured numbers."""
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    name = "mmtrack_benchmark"
    if MMLogger.check_instance_created(name):
        logger = MMLogger.get_instance(name)
    else:
        logger = MMLogger.get_instance(name, log_level=logging.INFO)
    return benchmark(args, cfg, logger)


if __name__ == "__main__":
    raise SystemExit(run_tool(main))
