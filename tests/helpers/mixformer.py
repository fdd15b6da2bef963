"""CPU-sized MixFormer config on synthetic LaSOT-layout clips, trained with tools/train.py."""

from __future__ import annotations

import copy
import os.path as osp
from typing import Any

from mmengine.config import Config

from mmtrack.datasets.synthetic import generate_sot_sequences

from .learning import train_config_in_subprocess
from .mot import shared_dir
from .ostrack import use_synthetic_lasot
from .tools import REPO_ROOT

MIXFORMER_LASOT = osp.join(REPO_ROOT, "configs", "sot", "mixformer", "mixformer_cvt_500e_lasot.py")

#: Template / search crop sides and feature stride of the tiny model (4x4 and 8x8 tokens).
TEMPLATE, SEARCH, STRIDE = 64, 128, 16
#: Search crop side over the target's sqrt(w h), training and test.
SEARCH_FACTOR = 4.5


def tiny_mixformer_config(
    train_root: str, test_root: str, work_dir: str, epochs: int = 14
) -> Config:
    """The real MixFormer-CvT config at tiny width, stage 1 trained from scratch on CPU.

    CvT 16 / 32 / 48 channels, 1 / 1 / 2 blocks, 1 / 2 / 2 heads (stride 16);
    corner head 32 channels, score decoder 48-d; 64 / 128 px crops with
    MixFormer's factors 2 / 4.5, centre jitter 1, scale jitter 0.1;
    ``epochs`` (14) of 400 pairs x 8; AdamW 2e-3 on every parameter, gradient
    norm 1, x0.1 for the last epoch; online template renewed every 10 frames.
    """
    cfg = Config.fromfile(MIXFORMER_LASOT)
    dims = [16, 32, 48]
    cfg.model.backbone.update(
        dim_embed=dims,
        num_heads=[1, 2, 2],
        depth=[1, 1, 2],
        path_drop_probs=[0.0, 0.0, 0.0],
    )
    head = cfg.model.head
    head.bbox_head.update(inplanes=dims[-1], channel=32, feat_size=SEARCH // STRIDE, stride=STRIDE)
    head.score_head.update(
        pool_size=2, feat_size=SEARCH // STRIDE, stride=STRIDE, num_heads=2, hidden_dim=dims[-1]
    )
    cfg.model.test_cfg.update(
        template_size=TEMPLATE,
        search_size=SEARCH,
        search_factor=SEARCH_FACTOR,
        update_interval=[10],
        online_size=[1],
    )
    pipeline = copy.deepcopy(cfg.train_pipeline)
    pipeline[0]["min_num_frames"] = 5
    factors = [2, 2, SEARCH_FACTOR]
    pipeline[2].update(
        center_jitter_factor=[0, 0, 1], scale_jitter_factor=[0, 0, 0.1], crop_size_factor=factors
    )
    pipeline[3].update(crop_size_factor=factors, output_size=[TEMPLATE, TEMPLATE, SEARCH])
    use_synthetic_lasot(cfg, pipeline, train_root, test_root, samples_per_epoch=400)
    cfg.optim_wrapper = dict(
        type="OptimWrapper",
        optimizer=dict(type="AdamW", lr=2e-3, weight_decay=1e-4),
        clip_grad=dict(max_norm=1.0, norm_type=2),
    )
    cfg.param_scheduler = dict(
        type="MultiStepLR", milestones=[epochs - 1], gamma=0.1, by_epoch=True
    )
    cfg.train_cfg = dict(
        type="EpochBasedTrainLoop", max_epochs=epochs, val_begin=epochs + 1, val_interval=1
    )
    cfg.default_hooks.logger.interval = 10
    cfg.default_hooks.checkpoint = dict(type="CheckpointHook", interval=epochs)
    cfg.env_cfg.dist_cfg = dict(backend="gloo")
    cfg.env_cfg.mp_cfg = dict(mp_start_method="fork", opencv_num_threads=1)
    cfg.randomness = dict(seed=0)
    cfg.log_level = "WARNING"
    cfg.work_dir = work_dir
    return cfg


def trained_mixformer(tmp_path_factory: Any, epochs: int = 14) -> dict[str, str]:
    """Synthetic clips (24 train, seed 1; 8 held out, seed 2) and a tiny MixFormer
    trained on them (stage 1) with ``tools/train.py`` in a subprocess (once per session)."""

    def produce(folder: str) -> None:
        train_root = osp.join(folder, "train", "LaSOTBenchmark")
        heldout_root = osp.join(folder, "heldout", "LaSOTBenchmark")
        test_root = osp.join(folder, "test", "LaSOTBenchmark")
        generate_sot_sequences(train_root, num_seqs=24, num_frames=40, seed=1)
        generate_sot_sequences(heldout_root, num_seqs=8, num_frames=40, seed=2)
        generate_sot_sequences(test_root, num_seqs=2, num_frames=40, seed=2)
        work_dir = osp.join(folder, "work")
        cfg = tiny_mixformer_config(train_root, test_root, work_dir, epochs)
        cfg_path = osp.join(folder, "mixformer_tiny.py")
        train_config_in_subprocess(cfg, cfg_path, work_dir)

    folder = shared_dir(tmp_path_factory, "mixformer_tiny", produce)
    return dict(
        heldout_root=osp.join(folder, "heldout", "LaSOTBenchmark"),
        test_root=osp.join(folder, "test", "LaSOTBenchmark"),
        config=osp.join(folder, "mixformer_tiny.py"),
        checkpoint=osp.join(folder, "work", f"epoch_{epochs}.pth"),
        work_dir=osp.join(folder, "work"),
    )


def tiny_mixformer_stage2_config(
    train_root: str,
    test_root: str,
    work_dir: str,
    stage1_checkpoint: str,
    epochs: int = 1,
    samples_per_epoch: int = 80,
) -> Config:
    """MixFormer stage 2 at the tiny stage-1 width, loading the stage-1 checkpoint.

    The keys the real config's comment names: ``train_cfg.stage=2``, backbone
    and corner head frozen, ``TridentSampling(train_cls_head=True)`` (half
    negatives from another video), ``load_from`` the stage-1 checkpoint; the
    real search jitter (centre 4.5, scale 0.5). Only the score decoder learns
    (AdamW 2e-3, ``epochs`` (1) of ``samples_per_epoch`` (80) samples).
    """
    cfg = tiny_mixformer_config(train_root, test_root, work_dir, epochs)
    cfg.model.train_cfg = dict(stage=2)
    cfg.model.frozen_modules = ["backbone", "head.bbox_head"]
    pipeline = cfg.train_dataloader.dataset.pipeline
    pipeline[0]["train_cls_head"] = True
    pipeline[2].update(center_jitter_factor=[0, 0, 4.5], scale_jitter_factor=[0, 0, 0.5])
    cfg.param_scheduler = dict(type="MultiStepLR", milestones=[epochs], gamma=0.1, by_epoch=True)
    cfg.train_dataloader.sampler.samples_per_epoch = samples_per_epoch
    cfg.load_from = stage1_checkpoint
    return cfg


def trained_mixformer_stage2(tmp_path_factory: Any, epochs: int = 1) -> dict[str, str]:
    """The tiny MixFormer stage 2: :func:`trained_mixformer`'s stage-1 checkpoint,
    then the score stage with ``tools/train.py`` on the same clips (once per session)."""
    stage1 = trained_mixformer(tmp_path_factory)
    stage1_folder = osp.dirname(stage1["work_dir"])

    def produce(folder: str) -> None:
        work_dir = osp.join(folder, "work")
        cfg = tiny_mixformer_stage2_config(
            osp.join(stage1_folder, "train", "LaSOTBenchmark"),
            stage1["test_root"],
            work_dir,
            stage1["checkpoint"],
            epochs,
        )
        cfg_path = osp.join(folder, "mixformer_stage2_tiny.py")
        train_config_in_subprocess(cfg, cfg_path, work_dir)

    folder = shared_dir(tmp_path_factory, "mixformer_stage2_tiny", produce)
    return dict(
        heldout_root=stage1["heldout_root"],
        config=osp.join(folder, "mixformer_stage2_tiny.py"),
        checkpoint=osp.join(folder, "work", f"epoch_{epochs}.pth"),
        stage1_checkpoint=stage1["checkpoint"],
        work_dir=osp.join(folder, "work"),
    )
