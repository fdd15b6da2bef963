"""CPU-sized OSTrack config on synthetic LaSOT-layout clips, and an independent OPE AUC."""

from __future__ import annotations

import copy
import os.path as osp
from typing import Any

import numpy as np
from mmengine.config import Config

from mmtrack.datasets.synthetic import generate_sot_sequences

from .learning import train_config_in_subprocess
from .mot import shared_dir
from .tools import REPO_ROOT

OSTRACK_BASE = osp.join(
    REPO_ROOT,
    "configs",
    "sot",
    "ostrack",
    "ostrack_vitb_256_mae_ce_4xb32-300e_got10k-lasot-trackingnet-coco_base.py",
)

#: Template / search crop sides and patch size of the tiny model.
TEMPLATE, SEARCH, PATCH = 64, 128, 8


def tiny_ostrack_config(train_root: str, test_root: str, work_dir: str) -> Config:
    """The real OSTrack-256 config at tiny width, trained from scratch on CPU.

    ViT 64-d, 4 blocks, 2 heads, 8 px patches, CE at block 3 (keep 0.7);
    64 / 128 px crops (8x8 template and 16x16 search tokens, OSTrack-256's
    token grid); 7 epochs of 100 pairs x 8; centre
    jitter 1 and scale jitter 0.1 (the search crop follows the last box
    closely at test time); AdamW 2e-3 on every parameter (no pretrained
    backbone to protect), gradient norm 1, x0.1 after epoch 6; CE keep rate
    1 for epochs 1-2, cosine to 0.7 by epoch 5.
    """
    cfg = Config.fromfile(OSTRACK_BASE)
    cfg.model.backbone.update(
        template_size=TEMPLATE,
        search_size=SEARCH,
        patch_size=PATCH,
        embed_dims=64,
        depth=4,
        num_heads=2,
        ce_loc=[3],
        ce_keep_ratio=[0.7],
        drop_path_rate=0.0,
        pretrain_img_size=SEARCH,
        init_cfg=None,
    )
    cfg.model.box_head.update(in_channels=64, feat_channels=32, feat_size=SEARCH // PATCH)
    cfg.model.test_cfg.update(template_size=TEMPLATE, search_size=SEARCH)
    pipeline = copy.deepcopy(cfg.train_pipeline)
    pipeline[0]["min_num_frames"] = 5
    pipeline[2].update(center_jitter_factor=[0, 1], scale_jitter_factor=[0, 0.1])
    pipeline[3]["output_size"] = [TEMPLATE, SEARCH]
    pipeline[5]["stride"] = PATCH
    use_synthetic_lasot(cfg, pipeline, train_root, test_root, samples_per_epoch=800)
    cfg.optim_wrapper = dict(
        type="OptimWrapper",
        optimizer=dict(type="AdamW", lr=2e-3, weight_decay=1e-4),
        clip_grad=dict(max_norm=1.0, norm_type=2),
    )
    cfg.param_scheduler = dict(type="MultiStepLR", milestones=[6], gamma=0.1, by_epoch=True)
    cfg.train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=7, val_begin=8, val_interval=1)
    cfg.custom_hooks = [dict(type="CEKeepRateHook", start_epoch=2, warm_epochs=3)]
    cfg.default_hooks.logger.interval = 25
    cfg.default_hooks.checkpoint = dict(type="CheckpointHook", interval=7)
    cfg.env_cfg.dist_cfg = dict(backend="gloo")
    cfg.env_cfg.mp_cfg = dict(mp_start_method="fork", opencv_num_threads=1)
    cfg.randomness = dict(seed=0)
    cfg.log_level = "WARNING"
    cfg.work_dir = work_dir
    return cfg


def trained_ostrack(tmp_path_factory: Any) -> dict[str, str]:
    """Synthetic clips and a tiny OSTrack trained on them with ``tools/train.py`` (once).

    24 training clips (seed 1) and 8 held-out clips (seed 2) of 40 frames;
    ``test_root`` holds the first 2 held-out clips (the same bytes: clips are
    drawn per index), the config's test set.

    Returns:
        ``train_root``, ``heldout_root``, ``test_root``, ``config`` (dumped),
        ``checkpoint``, ``work_dir``.
    """

    def produce(folder: str) -> None:
        train_root = osp.join(folder, "train", "LaSOTBenchmark")
        heldout_root = osp.join(folder, "heldout", "LaSOTBenchmark")
        test_root = osp.join(folder, "test", "LaSOTBenchmark")
        generate_sot_sequences(train_root, num_seqs=24, num_frames=40, seed=1)
        generate_sot_sequences(heldout_root, num_seqs=8, num_frames=40, seed=2)
        generate_sot_sequences(test_root, num_seqs=2, num_frames=40, seed=2)
        work_dir = osp.join(folder, "work")
        cfg = tiny_ostrack_config(train_root, test_root, work_dir)
        cfg_path = osp.join(folder, "ostrack_tiny.py")
        train_config_in_subprocess(cfg, cfg_path, work_dir)

    folder = shared_dir(tmp_path_factory, "ostrack_tiny", produce)
    return dict(
        train_root=osp.join(folder, "train", "LaSOTBenchmark"),
        heldout_root=osp.join(folder, "heldout", "LaSOTBenchmark"),
        test_root=osp.join(folder, "test", "LaSOTBenchmark"),
        config=osp.join(folder, "ostrack_tiny.py"),
        checkpoint=osp.join(folder, "work", "epoch_7.pth"),
        work_dir=osp.join(folder, "work"),
    )


def box_iou_xywh(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of paired ``(N, 4)`` x, y, w, h boxes (0 for empty boxes)."""
    x1 = np.maximum(a[:, 0], b[:, 0])
    y1 = np.maximum(a[:, 1], b[:, 1])
    x2 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y2 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def success_auc(preds_xywh: list, gts_xywh: list, visible: list) -> float:
    """OPE success AUC in percent: per clip, the fraction of all frames whose
    target is visible and whose IoU exceeds t, for t = 0, 0.05, ..., 1,
    averaged over thresholds and clips (LaSOT / OTB protocol)."""
    per_clip = []
    for pred, gt, vis in zip(preds_xywh, gts_xywh, visible):
        iou = box_iou_xywh(np.asarray(pred, float), np.asarray(gt, float))
        iou = np.where(np.asarray(vis, bool), iou, -1.0)
        per_clip.append([np.sum(iou > t) / len(iou) for t in np.linspace(0, 1, 21)])
    return float(np.mean(per_clip) * 100)


def use_synthetic_lasot(
    cfg: Any, pipeline: list, train_root: str, test_root: str, samples_per_epoch: int
) -> None:
    """Point a SOT config's loaders at synthetic LaSOT-layout clips (in place).

    Training: batches of 8 from ``train_root`` through ``pipeline``,
    ``samples_per_epoch`` samples per epoch, no worker processes. Validation and
    testing: the config's own test loader on ``test_root``, no worker processes.
    """
    cfg.train_dataloader = dict(
        batch_size=8,
        num_workers=0,
        persistent_workers=False,
        sampler=dict(type="QuotaSampler", samples_per_epoch=samples_per_epoch),
        dataset=dict(
            type="LaSOTDataset",
            data_prefix=dict(img_path=train_root),
            pipeline=pipeline,
            test_mode=False,
        ),
    )
    test_loader = copy.deepcopy(cfg.test_dataloader)
    test_loader.update(num_workers=0, persistent_workers=False)
    test_loader.dataset.update(data_root="", ann_file="", data_prefix=dict(img_path=test_root))
    cfg.val_dataloader = cfg.test_dataloader = test_loader
