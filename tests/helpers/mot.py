"""Synthetic MOT data and CPU-sized MOT/ReID configs for end-to-end tests."""

from __future__ import annotations

import contextlib
import json
import os
import os.path as osp
import random
import shutil
from typing import Any, Callable, Iterator, Optional

import torch
from filelock import FileLock
from mmengine.config import Config

from mmtrack.datasets.synthetic import generate_mot_sequences

from .det import rcnn_train_cfg
from .tools import load_tool

#: Image size of the synthetic videos, ``(h, w)``.
SYN_IMG_SIZE = (160, 256)


def make_synthetic_mot(
    root: str,
    num_seqs: int = 4,
    num_frames: int = 40,
    seed: int = 0,
    reid: bool = True,
) -> str:
    """Write synthetic MOTChallenge videos and convert them as MMTracking does.

    ``root/train/<SEQ>/...`` (raw MOTChallenge layout), then
    ``mot2coco.py --convert-det --split-train`` into ``root/annotations``
    (``{train,half-train,half-val}_cocoformat.json`` and
    ``*_detections.pkl``) and, with ``reid``, ``mot2reid.py`` into
    ``root/reid`` (``imgs/``, ``meta/train_80.txt``, ``meta/val_20.txt``).

    Returns:
        ``root``.
    """
    generate_mot_sequences(root, split="train", num_seqs=num_seqs, num_frames=num_frames, seed=seed)
    load_tool("tools/dataset_converters/mot/mot2coco.py").main(
        ["-i", root, "-o", osp.join(root, "annotations"), "--convert-det", "--split-train"]
    )
    if reid:
        load_tool("tools/dataset_converters/mot/mot2reid.py").main(
            [
                "-i",
                root,
                "-o",
                osp.join(root, "reid"),
                "--val-split",
                "0.2",
                "--vis-threshold",
                "0.3",
                "--min-per-person",
                "4",
            ]
        )
    return root


def tiny_yolox(widen_factor: float = 0.125) -> dict:
    """A YOLOX small enough to train on the synthetic videos on one CPU core.

    One class, CSPDarknet ``deepen_factor=0.33`` and the given width.
    """
    w = widen_factor
    return dict(
        type="YOLOX",
        backbone=dict(type="CSPDarknet", deepen_factor=0.33, widen_factor=w),
        neck=dict(
            type="YOLOXPAFPN",
            in_channels=[int(256 * w), int(512 * w), int(1024 * w)],
            out_channels=int(256 * w),
            num_csp_blocks=1,
        ),
        bbox_head=dict(
            type="YOLOXHead", num_classes=1, in_channels=int(256 * w), feat_channels=int(256 * w)
        ),
        train_cfg=dict(assigner=dict(type="SimOTAAssigner", center_radius=2.5)),
        test_cfg=dict(score_thr=0.01, nms=dict(type="nms", iou_threshold=0.65)),
    )


def _runtime(work_dir: str) -> dict:
    return dict(
        default_scope="mmtrack",
        work_dir=work_dir,
        default_hooks=dict(
            timer=dict(type="IterTimerHook"),
            logger=dict(type="LoggerHook", interval=50),
            param_scheduler=dict(type="ParamSchedulerHook"),
            checkpoint=dict(type="CheckpointHook", interval=100000, by_epoch=False),
            sampler_seed=dict(type="DistSamplerSeedHook"),
        ),
        env_cfg=dict(cudnn_benchmark=False, dist_cfg=dict(backend="gloo")),
        log_level="WARNING",
        randomness=dict(seed=0),
    )


def mot_track_config(
    data_root: str,
    model: dict,
    work_dir: str,
    ann_file: str = "annotations/half-val_cocoformat.json",
    gt_file: str = "gt/gt_half-val.txt",
    detection_file: Optional[str] = None,
) -> dict:
    """Config for ``tools/test.py``: track the synthetic half-val frames, score with HOTA.

    Frames keep their size (160 x 256, padded to multiples of 32), are fed one
    at a time (``TrackImgSampler``) as ``(1, 1, C, H, W)`` clips through
    ``TrackDataPreprocessor``; ``MOTChallengeMetric`` compares the tracks with
    the half-val part of the ground truth.

    Args:
        data_root: root written by :func:`make_synthetic_mot`.
        model: MOT model config (its ``data_preprocessor`` is set here when absent).
        work_dir: output folder.
        ann_file: CocoVID file of the frames to track.
        gt_file: ground-truth file inside each sequence folder.
        detection_file: public detections (``*_detections.pkl``) to attach
            to the frames, or None.
    """
    model = dict(model)
    model.setdefault("data_preprocessor", dict(type="TrackDataPreprocessor", pad_size_divisor=32))
    dataset: dict[str, Any] = dict(
        type="MOTChallengeDataset",
        data_root=data_root,
        ann_file=ann_file,
        data_prefix=dict(img_path="train"),
        metainfo=dict(classes=("pedestrian",)),
        ref_img_sampler=None,
        load_as_video=True,
        test_mode=True,
        pipeline=[
            dict(
                type="TransformBroadcaster",
                transforms=[
                    dict(type="LoadImageFromFile"),
                    dict(type="LoadTrackAnnotations"),
                ],
            ),
            dict(type="PackTrackInputs"),
        ],
    )
    if detection_file is not None:
        dataset["detection_file"] = osp.join(data_root, detection_file)
    cfg = _runtime(work_dir)
    cfg.update(
        model=model,
        test_dataloader=dict(
            batch_size=1,
            num_workers=0,
            sampler=dict(type="TrackImgSampler"),
            dataset=dataset,
        ),
        test_evaluator=dict(
            type="MOTChallengeMetric",
            metric=["HOTA", "CLEAR", "Identity"],
            gt_file=gt_file,
            outfile_prefix=osp.join(work_dir, "tracks"),
        ),
        test_cfg=dict(type="TestLoop"),
    )
    return cfg


def mot_detector_train_config(
    data_root: str,
    work_dir: str,
    detector: Optional[dict] = None,
    max_iters: int = 250,
    lr: float = 5e-3,
    batch_size: int = 8,
) -> dict:
    """Config for ``tools/train.py``: train a ByteTrack model's detector on half-train frames.

    The MOT wrapper (``ByteTrack``) receives single images through
    ``TrackDataPreprocessor(use_det_processor=True)`` and trains its
    detector (as MMDetection 3.x); AdamW, linear warm-up, flips only.
    The checkpoint's ``detector.*`` weights load into any MOT model with
    the same detector.
    """
    cfg = _runtime(work_dir)
    cfg.update(
        model=dict(
            type="ByteTrack",
            data_preprocessor=dict(
                type="TrackDataPreprocessor", pad_size_divisor=32, use_det_processor=True
            ),
            detector=detector or tiny_yolox(),
            tracker=dict(type="ByteTracker"),
        ),
        train_dataloader=dict(
            batch_size=batch_size,
            num_workers=0,
            sampler=dict(type="InfiniteSampler", shuffle=True),
            dataset=dict(
                type="CocoDataset",
                data_root=data_root,
                ann_file="annotations/half-train_cocoformat.json",
                data_prefix=dict(img_path="train"),
                metainfo=dict(classes=("pedestrian",)),
                filter_cfg=dict(filter_empty_gt=True),
                pipeline=[
                    dict(type="LoadImageFromFile"),
                    dict(type="LoadAnnotations", with_bbox=True),
                    dict(type="RandomFlip", prob=0.5),
                    dict(type="PackDetInputs"),
                ],
            ),
        ),
        optim_wrapper=dict(
            type="OptimWrapper", optimizer=dict(type="AdamW", lr=lr, weight_decay=5e-4)
        ),
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=20),
        ],
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=max_iters),
    )
    cfg["default_hooks"]["checkpoint"] = dict(
        type="CheckpointHook", interval=max_iters, by_epoch=False
    )
    return cfg


def reid_train_config(
    data_root: str,
    work_dir: str,
    num_classes: int,
    max_iters: int = 4,
    img_scale: tuple[int, int] = (64, 32),
) -> dict:
    """Config for ``tools/train.py``: a small ReID (ResNet-18) on ``mot2reid`` crops.

    Triplet groups of 4 identities x 2 crops, resized to ``img_scale``
    ``(h, w)``; validation on ``val_20.txt`` with ``ReIDMetrics`` (mAP, CMC)
    after training.
    """
    h, w = img_scale
    cfg = _runtime(work_dir)
    cfg.update(
        model=dict(
            type="BaseReID",
            data_preprocessor=dict(
                type="ReIDDataPreprocessor",
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True,
            ),
            backbone=dict(type="ResNet", depth=18, num_stages=4, out_indices=(3,)),
            neck=dict(type="GlobalAveragePooling"),
            head=dict(
                type="LinearReIDHead",
                num_fcs=1,
                in_channels=512,
                fc_channels=64,
                out_channels=32,
                num_classes=num_classes,
                loss_cls=dict(type="CrossEntropyLoss", loss_weight=1.0),
                loss_triplet=dict(type="TripletLoss", margin=0.3, loss_weight=1.0),
                norm_cfg=dict(type="BN1d"),
                act_cfg=dict(type="ReLU"),
            ),
        ),
        train_dataloader=dict(
            batch_size=1,
            num_workers=0,
            sampler=dict(type="InfiniteSampler", shuffle=True),
            dataset=dict(
                type="ReIDDataset",
                data_root=data_root,
                triplet_sampler=dict(num_ids=4, ins_per_id=2),
                data_prefix=dict(img_path="reid/imgs"),
                ann_file="reid/meta/train_80.txt",
                pipeline=[
                    dict(
                        type="TransformBroadcaster",
                        share_random_params=False,
                        transforms=[
                            dict(type="LoadImageFromFile", to_float32=True),
                            dict(type="Resize", scale=(w, h), keep_ratio=False),
                            dict(type="RandomFlip", prob=0.5, direction="horizontal"),
                        ],
                    ),
                    dict(type="PackReIDInputs", meta_keys=("flip", "flip_direction")),
                ],
            ),
        ),
        val_dataloader=dict(
            batch_size=8,
            num_workers=0,
            sampler=dict(type="DefaultSampler", shuffle=False),
            dataset=dict(
                type="ReIDDataset",
                data_root=data_root,
                triplet_sampler=None,
                data_prefix=dict(img_path="reid/imgs"),
                ann_file="reid/meta/val_20.txt",
                test_mode=True,
                pipeline=[
                    dict(type="LoadImageFromFile", to_float32=True),
                    dict(type="Resize", scale=(w, h), keep_ratio=False),
                    dict(type="PackReIDInputs"),
                ],
            ),
        ),
        val_evaluator=dict(type="ReIDMetrics", metric=["mAP", "CMC"]),
        optim_wrapper=dict(type="OptimWrapper", optimizer=dict(type="SGD", lr=0.01, momentum=0.9)),
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=max_iters, val_interval=max_iters),
        val_cfg=dict(type="ValLoop"),
    )
    return cfg


def latest_metrics(work_dir: str) -> dict[str, float]:
    """Metrics logged by the latest ``tools/test.py``/``train.py`` run in ``work_dir``.

    Reads ``<work_dir>/<timestamp>/<timestamp>.json`` (what ``tools/test.py``
    logs) or else the last line with metrics of
    ``<work_dir>/<timestamp>/vis_data/scalars.json`` (validation during
    training), and strips the metric prefix
    (``motchallenge-metric/HOTA`` -> ``HOTA``).

    Raises:
        FileNotFoundError: when no run logged metrics under ``work_dir``.
    """
    runs = sorted(d for d in os.listdir(work_dir) if osp.isdir(osp.join(work_dir, d)))
    for run in reversed(runs):
        for path in (
            osp.join(work_dir, run, f"{run}.json"),
            osp.join(work_dir, run, "vis_data", "scalars.json"),
        ):
            if not osp.isfile(path):
                continue
            metrics: dict[str, float] = {}
            with open(path) as f:
                for line in f:
                    row = json.loads(line)
                    if any("/" in k for k in row):
                        metrics = {k.split("/")[-1]: v for k, v in row.items() if "/" in k}
            if metrics:
                return metrics
    raise FileNotFoundError(f"{work_dir}: no run logged metrics (<timestamp>/<timestamp>.json)")


def run_tool(tool: str, cfg: dict, cfg_path: str, *args: str) -> None:
    """Dump ``cfg`` to ``cfg_path`` and run ``tools/<tool>.py cfg_path *args`` in-process."""
    Config(cfg).dump(cfg_path)
    load_tool(f"tools/{tool}.py").main([cfg_path, *args])


def shared_dir(tmp_path_factory: Any, name: str, produce: Callable[[str], None]) -> str:
    """A folder made once per test session, also across ``pytest -n`` workers.

    The first caller runs ``produce(folder)`` under a file lock in the
    session's shared temporary folder; later callers (other xdist workers
    too) wait for it and reuse the result.

    Args:
        tmp_path_factory: pytest's ``tmp_path_factory`` fixture.
        name: folder name.
        produce: fills the folder.

    Returns:
        The folder path.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder = osp.join(str(base), name)
    done = folder + ".done"
    with FileLock(folder + ".lock"):
        if not osp.exists(done):
            if osp.isdir(folder):
                shutil.rmtree(folder)
            os.makedirs(folder)
            produce(folder)
            with open(done, "w") as f:
                f.write("ok\n")
    return folder


def tiny_faster_rcnn(
    num_classes: int = 1, channels: int = 32, base_channels: int = 64, norm_eval: bool = True
) -> dict:
    """A Faster R-CNN (ResNet-18, ``channels``-wide FPN) for CPU tests, no pretrained weights.

    Args:
        num_classes: object classes. Defaults to 1.
        channels: FPN, RPN and RoI feature channels. Defaults to 32.
        base_channels: width of the ResNet's first stage (64 as ResNet-18;
            16 trains about 3x faster on CPU). Defaults to 64.
        norm_eval: keep the backbone's BN layers in eval mode while training
            (False to train from scratch). Defaults to True.
    """
    b = base_channels
    return dict(
        type="FasterRCNN",
        backbone=dict(
            type="ResNet",
            depth=18,
            num_stages=4,
            out_indices=(0, 1, 2, 3),
            base_channels=b,
            norm_eval=norm_eval,
        ),
        neck=dict(
            type="FPN", in_channels=[b, 2 * b, 4 * b, 8 * b], out_channels=channels, num_outs=5
        ),
        rpn_head=dict(
            type="RPNHead",
            in_channels=channels,
            feat_channels=channels,
            anchor_generator=dict(
                type="AnchorGenerator",
                scales=[8],
                ratios=[0.5, 1.0, 2.0],
                strides=[4, 8, 16, 32, 64],
            ),
            bbox_coder=dict(
                type="DeltaXYWHBBoxCoder", target_means=[0.0] * 4, target_stds=[1.0] * 4
            ),
            loss_cls=dict(type="CrossEntropyLoss", use_sigmoid=True, loss_weight=1.0),
            loss_bbox=dict(type="L1Loss", loss_weight=1.0),
        ),
        roi_head=dict(
            type="StandardRoIHead",
            bbox_roi_extractor=dict(
                type="SingleRoIExtractor",
                roi_layer=dict(type="RoIAlign", output_size=7, sampling_ratio=0),
                out_channels=channels,
                featmap_strides=[4, 8, 16, 32],
            ),
            bbox_head=dict(
                type="Shared2FCBBoxHead",
                in_channels=channels,
                fc_out_channels=64,
                roi_feat_size=7,
                num_classes=num_classes,
                bbox_coder=dict(
                    type="DeltaXYWHBBoxCoder",
                    target_means=[0.0] * 4,
                    target_stds=[0.1, 0.1, 0.2, 0.2],
                ),
                reg_class_agnostic=False,
                loss_cls=dict(type="CrossEntropyLoss", use_sigmoid=False, loss_weight=1.0),
                loss_bbox=dict(type="L1Loss", loss_weight=1.0),
            ),
        ),
        train_cfg=rcnn_train_cfg(64, 64, proposal_nms_pre=200),
        test_cfg=dict(
            rpn=dict(
                nms_pre=200,
                max_per_img=100,
                nms=dict(type="nms", iou_threshold=0.7),
                min_bbox_size=0,
            ),
            rcnn=dict(score_thr=0.0, nms=dict(type="nms", iou_threshold=0.5), max_per_img=20),
        ),
    )


def qdtrack_train_config(
    data_root: str,
    work_dir: str,
    max_iters: int = 4,
    batch_size: int = 2,
    detector: Optional[dict] = None,
    log_interval: int = 1,
) -> dict:
    """Config for ``tools/train.py``: QDTrack (tiny Faster R-CNN) on key/reference frame pairs.

    ``MOTChallengeDataset`` with a reference frame within 10 frames of each
    key frame (half-train), packed as 2-frame clips by ``PackTrackInputs``;
    flips shared by both frames. SGD (lr 0.01). Logs every ``log_interval``
    iterations.

    Args:
        data_root: root written by :func:`make_synthetic_mot`.
        work_dir: output folder.
        max_iters: training iterations (one checkpoint at the end). Defaults to 4.
        batch_size: clips per iteration. Defaults to 2.
        detector: two-stage detector config with 32-channel features, or
            None for :func:`tiny_faster_rcnn`. Defaults to None.
        log_interval: iterations between log rows. Defaults to 1.
    """
    cfg = _runtime(work_dir)
    cfg["default_hooks"]["logger"] = dict(type="LoggerHook", interval=log_interval)
    cfg["default_hooks"]["checkpoint"] = dict(
        type="CheckpointHook", interval=max_iters, by_epoch=False
    )
    cfg.update(
        model=dict(
            type="QDTrack",
            data_preprocessor=dict(
                type="TrackDataPreprocessor",
                mean=[103.530, 116.280, 123.675],
                std=[1.0, 1.0, 1.0],
                pad_size_divisor=32,
            ),
            detector=detector or tiny_faster_rcnn(),
            track_head=dict(
                type="QuasiDenseTrackHead",
                roi_extractor=dict(
                    type="SingleRoIExtractor",
                    roi_layer=dict(type="RoIAlign", output_size=7, sampling_ratio=0),
                    out_channels=32,
                    featmap_strides=[4, 8, 16, 32],
                ),
                embed_head=dict(
                    type="QuasiDenseEmbedHead",
                    num_convs=1,
                    num_fcs=1,
                    in_channels=32,
                    conv_out_channels=32,
                    fc_out_channels=64,
                    embed_channels=32,
                    norm_cfg=dict(type="GN", num_groups=8),
                ),
                train_cfg=dict(
                    assigner=dict(
                        type="MaxIoUAssigner",
                        pos_iou_thr=0.7,
                        neg_iou_thr=0.5,
                        min_pos_iou=0.5,
                        match_low_quality=False,
                        ignore_iof_thr=-1,
                    ),
                    sampler=dict(
                        type="CombinedSampler",
                        num=64,
                        pos_fraction=0.5,
                        neg_pos_ub=3,
                        add_gt_as_proposals=True,
                        pos_sampler=dict(type="InstanceBalancedPosSampler"),
                        neg_sampler=dict(type="RandomSampler"),
                    ),
                ),
            ),
            tracker=dict(type="QuasiDenseTracker"),
        ),
        train_dataloader=dict(
            batch_size=batch_size,
            num_workers=0,
            sampler=dict(type="TrackImgSampler"),
            dataset=dict(
                type="MOTChallengeDataset",
                data_root=data_root,
                ann_file="annotations/half-train_cocoformat.json",
                data_prefix=dict(img_path="train"),
                metainfo=dict(classes=("pedestrian",)),
                filter_cfg=dict(filter_empty_gt=True),
                ref_img_sampler=dict(
                    num_ref_imgs=1, frame_range=10, filter_key_img=True, method="uniform"
                ),
                pipeline=[
                    dict(
                        type="TransformBroadcaster",
                        share_random_params=True,
                        transforms=[
                            dict(type="LoadImageFromFile"),
                            dict(type="LoadTrackAnnotations"),
                            dict(type="RandomFlip", prob=0.5),
                        ],
                    ),
                    dict(type="PackTrackInputs"),
                ],
            ),
        ),
        optim_wrapper=dict(
            type="OptimWrapper",
            optimizer=dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=1e-4),
            clip_grad=dict(max_norm=35, norm_type=2),
        ),
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=max_iters),
    )
    return cfg


#: Training iterations of :func:`qdtrack_e2e_train_config`.
QDTRACK_E2E_ITERS = 150


def qdtrack_e2e_train_config(
    data_root: str, work_dir: str, max_iters: int = QDTRACK_E2E_ITERS
) -> dict:
    """:func:`qdtrack_train_config` that learns to detect and track the synthetic videos on CPU.

    A narrow Faster R-CNN (ResNet-18 with 16 base channels, BN trained, no
    pretrained weights), 4 key/reference clips per iteration, AdamW (lr
    3e-3) with a 20-iteration linear warm-up and the lr divided by 10 after
    80% of the iterations; logs every 10 iterations. About 0.4 s per
    iteration on one CPU thread.
    """
    cfg = qdtrack_train_config(
        data_root,
        work_dir,
        max_iters=max_iters,
        batch_size=4,
        detector=tiny_faster_rcnn(base_channels=16, norm_eval=False),
        log_interval=10,
    )
    cfg["optim_wrapper"] = dict(
        type="OptimWrapper",
        optimizer=dict(type="AdamW", lr=3e-3, weight_decay=5e-4),
        clip_grad=dict(max_norm=35, norm_type=2),
    )
    cfg["param_scheduler"] = [
        dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=20),
        dict(
            type="MultiStepLR",
            by_epoch=False,
            begin=0,
            end=max_iters,
            milestones=[int(0.8 * max_iters)],
            gamma=0.1,
        ),
    ]
    return cfg


def trained_qdtrack(tmp_path_factory: Any) -> tuple[str, dict, str]:
    """QDTrack trained once per test session on synthetic videos through ``tools/train.py``.

    4 synthetic sequences of 40 frames (:func:`make_synthetic_mot`), then
    :func:`qdtrack_e2e_train_config` on their half-train frames, with one
    torch thread, in the session's shared folder ``mot_e2e_qdtrack``
    (:func:`shared_dir`): every caller, on any ``pytest -n`` worker,
    reuses the same training. The checkpoint's ``detector.*`` weights also
    load into any MOT model with the same detector (e.g. ``Tracktor``).

    Args:
        tmp_path_factory: pytest's ``tmp_path_factory`` fixture.

    Returns:
        ``(data_root, model_cfg, checkpoint)``; the training's work dir
        (with ``<timestamp>/vis_data/scalars.json``) is
        ``osp.dirname(checkpoint)``.
    """

    def produce(folder: str) -> None:
        data = make_synthetic_mot(osp.join(folder, "data"), num_seqs=4, num_frames=40, reid=False)
        cfg = qdtrack_e2e_train_config(data, osp.join(folder, "train"))
        with torch_threads(1):
            run_tool("train", cfg, osp.join(folder, "train.py"))

    folder = shared_dir(tmp_path_factory, "mot_e2e_qdtrack", produce)
    data = osp.join(folder, "data")
    ckpt = osp.join(folder, "train", f"iter_{QDTRACK_E2E_ITERS}.pth")
    if not osp.isfile(ckpt):
        raise FileNotFoundError(f"QDTrack training wrote no {ckpt}")
    return data, qdtrack_e2e_train_config(data, osp.join(folder, "train"))["model"], ckpt


def random_ids_hota(
    tracks_dir: str, data_root: str, out_dir: str, gt_file: str = "gt/gt_half-val.txt"
) -> dict[str, float]:
    """Metrics of MOTChallenge result files with a random id per box (a control).

    Copies every ``<SEQ>.txt`` of ``tracks_dir`` into ``out_dir/tracks`` with
    the id column replaced by a random number (seed 0) and scores the copies
    with ``tools/analysis_tools/mot/eval_mot.py`` against the synthetic
    ground truth: the same boxes, no association.

    Returns:
        The ``COMBINED`` metrics (``HOTA``, ``MOTA``, ``IDF1``, ``IDSw``, ``FP``, ``FN``).
    """
    rng = random.Random(0)
    rand_dir = osp.join(out_dir, "tracks")
    os.makedirs(rand_dir, exist_ok=True)
    for seq in sorted(os.listdir(tracks_dir)):
        with open(osp.join(tracks_dir, seq)) as f:
            rows = f.read().split()
        out = []
        for row in rows:
            cols = row.split(",")
            cols[1] = str(rng.randrange(10**6))
            out.append(",".join(cols))
        with open(osp.join(rand_dir, seq), "w") as f:
            f.write("\n".join(out) + "\n")
    out_json = osp.join(out_dir, "metrics.json")
    load_tool("tools/analysis_tools/mot/eval_mot.py").main(
        [
            "--gt-root",
            osp.join(data_root, "train"),
            "--results",
            rand_dir,
            "--gt-file",
            gt_file,
            "--json",
            out_json,
        ]
    )
    with open(out_json) as f:
        return json.load(f)["COMBINED"]


@contextlib.contextmanager
def torch_threads(num: int = 1) -> Iterator[None]:
    """Run the block with ``num`` torch threads (restored after).

    Small CPU convolutions gain nothing from more threads, and ``pytest -n``
    workers share the cores.
    """
    old = torch.get_num_threads()
    torch.set_num_threads(num)
    try:
        yield
    finally:
        torch.set_num_threads(old)
