"""A tiny YOLOX job with every random part of YOLOX training, for resume tests.

:func:`yolox_resume_config` trains a YOLOX (CSPDarknet width 0.125) on
synthetic frames through ``MultiImageMixDataset`` with Mosaic, RandomAffine,
MixUp, YOLOXHSVRandomAug and RandomFlip, ``BatchSyncRandomResize`` in the data
preprocessor, an ``ExpMomentumEMA`` ``EMAHook`` and (epoch-based)
``YOLOXModeSwitchHook``. :class:`LossRecordHook` keeps the loss of every
iteration; :class:`CrashHook` stops the run as a crash would.
"""

from __future__ import annotations

from typing import Any

from mmengine.hooks import Hook

from mmtrack.registry import HOOKS

from .mot import tiny_yolox


class SimulatedCrash(RuntimeError):
    """Raised by :class:`CrashHook`."""


@HOOKS.register_module()
class LossRecordHook(Hook):
    """Keep ``(iteration, total loss)`` of every training iteration in ``self.losses``."""

    priority = "LOWEST"

    def __init__(self) -> None:
        self.losses: list[tuple[int, float]] = []

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        """Record the iteration's loss (1-based iteration number)."""
        self.losses.append((runner.iter + 1, float(outputs["loss"])))


@HOOKS.register_module()
class CrashHook(Hook):
    """Raise :class:`SimulatedCrash` before iteration ``crash_before_iter`` (0-based) runs.

    The batch of that iteration has been loaded, as in a real crash.

    Args:
        crash_before_iter: iteration at which to crash; None never crashes.
            Defaults to None.
    """

    def __init__(self, crash_before_iter: int | None = None) -> None:
        self.crash_before_iter = crash_before_iter

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        """Crash when the iteration is reached."""
        if self.crash_before_iter is not None and runner.iter == self.crash_before_iter:
            raise SimulatedCrash(f"simulated crash before iteration {runner.iter}")


def yolox_resume_config(
    data_root: str,
    work_dir: str,
    by_epoch: bool,
    num_workers: int = 0,
    checkpoint_interval: int = 3,
    crash_before_iter: int | None = None,
    max_epochs: int = 3,
    max_iters: int = 8,
) -> dict:
    """Config of the tiny YOLOX job (2 images a batch, 80 x 128 frames).

    Args:
        data_root: root written by ``tests.helpers.learning.make_synthetic_coco``.
        work_dir: output folder.
        by_epoch: ``EpochBasedTrainLoop`` (``DefaultSampler``, mode switch before
            the last epoch) or ``IterBasedTrainLoop`` (``InfiniteSampler``).
        num_workers: data-loader worker processes (not persistent).
        checkpoint_interval: iterations between checkpoints.
        crash_before_iter: see :class:`CrashHook`.
        max_epochs: epochs of the epoch-based job.
        max_iters: iterations of the iteration-based job.
    """
    scale = (128, 80)  # (w, h)
    pipeline = [
        dict(type="Mosaic", img_scale=scale, pad_val=114.0, bbox_clip_border=False),
        dict(
            type="RandomAffine",
            scaling_ratio_range=(0.5, 1.5),
            border=(-scale[0] // 2, -scale[1] // 2),
            bbox_clip_border=False,
        ),
        dict(type="MixUp", img_scale=scale, ratio_range=(0.8, 1.6), pad_val=114.0,
             bbox_clip_border=False),
        dict(type="YOLOXHSVRandomAug"),
        dict(type="RandomFlip", prob=0.5),
        dict(type="Resize", scale=scale, keep_ratio=True, clip_object_border=False),
        dict(type="Pad", size_divisor=32, pad_val=dict(img=(114.0, 114.0, 114.0))),
        dict(type="FilterAnnotations", min_gt_bbox_wh=(1, 1), keep_empty=False),
        dict(type="PackDetInputs"),
    ]
    model = tiny_yolox()
    model["data_preprocessor"] = dict(
        type="DetDataPreprocessor",
        pad_size_divisor=32,
        batch_augments=[
            dict(type="BatchSyncRandomResize", random_size_range=(64, 128), size_divisor=32,
                 interval=2)
        ],
    )
    custom_hooks: list[dict] = [
        dict(type="EMAHook", ema_type="ExpMomentumEMA", momentum=0.01, update_buffers=True,
             priority=49),
        dict(type="LossRecordHook"),
        dict(type="CrashHook", crash_before_iter=crash_before_iter),
    ]
    if by_epoch:
        custom_hooks.insert(0, dict(type="YOLOXModeSwitchHook", num_last_epochs=1, priority=48))
        train_cfg: dict = dict(type="EpochBasedTrainLoop", max_epochs=max_epochs)
        sampler = dict(type="DefaultSampler", shuffle=True)
    else:
        train_cfg = dict(type="IterBasedTrainLoop", max_iters=max_iters)
        sampler = dict(type="InfiniteSampler", shuffle=True)
    return dict(
        default_scope="mmtrack",
        custom_imports=dict(imports=["tests.helpers.resume"], allow_failed_imports=False),
        work_dir=work_dir,
        model=model,
        train_dataloader=dict(
            batch_size=2,
            num_workers=num_workers,
            persistent_workers=False,
            sampler=sampler,
            dataset=dict(
                type="MultiImageMixDataset",
                dataset=dict(
                    type="CocoDataset",
                    data_root=data_root,
                    ann_file="annotations/train_cocoformat.json",
                    data_prefix=dict(img_path="train"),
                    filter_cfg=dict(filter_empty_gt=True),
                    metainfo=dict(classes=("pedestrian",)),
                    pipeline=[
                        dict(type="LoadImageFromFile"),
                        dict(type="LoadAnnotations", with_bbox=True),
                    ],
                ),
                pipeline=pipeline,
            ),
        ),
        optim_wrapper=dict(
            type="OptimWrapper",
            optimizer=dict(type="SGD", lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4),
        ),
        param_scheduler=[dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=6)],
        train_cfg=train_cfg,
        custom_hooks=custom_hooks,
        default_hooks=dict(
            timer=dict(type="IterTimerHook"),
            logger=dict(type="LoggerHook", interval=1),
            param_scheduler=dict(type="ParamSchedulerHook"),
            checkpoint=dict(type="CheckpointHook", interval=checkpoint_interval, by_epoch=False),
            sampler_seed=dict(type="DistSamplerSeedHook"),
        ),
        env_cfg=dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method="fork"),
                     dist_cfg=dict(backend="gloo")),
        log_level="WARNING",
        randomness=dict(seed=0),
    )
