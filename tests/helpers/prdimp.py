"""CPU-sized PrDiMP config on synthetic LaSOT-layout clips (trained once per session)."""

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

PRDIMP_BASE = osp.join(
    REPO_ROOT, "configs", "sot", "prdimp",
    "prdimp_r50_8xb10-50e_got10k-lasot-trackingnet-coco_base.py",
)  # fmt: skip

#: Crop side (train and test) of the tiny model; stride 16 gives 8x8 features.
CROP = 128
EPOCHS = 4


def tiny_prdimp_config(train_root: str, test_root: str, work_dir: str) -> Config:
    """The real PrDiMP-50 config at tiny width, trained from scratch on CPU.

    ResNet-18 at 8 base channels (layer2 / layer3: 16 / 32 channels), 16-d
    classifier features, IoU-Net at 16-d; 128 px crops (crop factor 5 in
    training and test), 8x8 features; 3 optimizer steps offline, 5 at init;
    2 templates + 2 search frames per sample, DiMP's jitter; Adam 2e-3 for
    ``EPOCHS`` epochs of 160 samples x 8.
    """
    cfg = Config.fromfile(PRDIMP_BASE)
    m = cfg.model
    m.backbone = dict(
        type="ResNet", depth=18, base_channels=8, num_stages=3, strides=(1, 2, 2),
        dilations=(1, 1, 1), out_indices=(1, 2), norm_eval=False,
    )  # fmt: skip
    m.cls_head.update(in_dim=32, out_dim=16)
    m.cls_head.filter_initializer.update(feature_dim=16)
    m.cls_head.filter_optimizer.update(num_iters=3)
    m.cls_head.optimizer_cfg.update(init_update_iters=5)
    m.cls_head.train_cfg.update(feat_size=(CROP // 16, CROP // 16), img_size=(CROP, CROP))
    m.bbox_head.update(in_dim=(16, 32), pred_in_dim=(16, 16), pred_inter_dim=(16, 16))
    m.bbox_head.train_cfg.update(num_samples=32, loss_weights=dict(bbox=0.05))
    m.bbox_head.bbox_cfg.update(
        num_init_random_boxes=4, box_refine_iter=5, box_refine_step_length=1e-2
    )
    m.test_cfg.update(img_sample_size=CROP, search_scale_factor=5)
    pipeline = copy.deepcopy(cfg.train_pipeline)
    pipeline[0].update(num_search_frames=2, num_template_frames=2, max_frame_range=20,
                       min_num_frames=5)  # fmt: skip
    pipeline[2].update(
        center_jitter_factor=[3, 3, 4.5, 4.5],
        scale_jitter_factor=[0.25, 0.25, 0.5, 0.5],
        crop_size_factor=[5] * 4,
    )
    pipeline[3]["transforms"][0]["output_size"] = CROP
    pipeline[-1]["num_template_frames"] = 2
    use_synthetic_lasot(cfg, pipeline, train_root, test_root, samples_per_epoch=160)
    cfg.optim_wrapper = dict(
        type="OptimWrapper",
        optimizer=dict(type="Adam", lr=2e-3),
        clip_grad=dict(max_norm=5.0, norm_type=2),
    )
    cfg.param_scheduler = dict(
        type="MultiStepLR", milestones=[EPOCHS - 1], gamma=0.2, by_epoch=True
    )
    cfg.train_cfg = dict(
        type="EpochBasedTrainLoop", max_epochs=EPOCHS, val_begin=EPOCHS + 1, val_interval=1
    )
    cfg.default_hooks.logger.interval = 5
    cfg.default_hooks.checkpoint = dict(type="CheckpointHook", interval=EPOCHS)
    cfg.env_cfg.dist_cfg = dict(backend="gloo")
    cfg.env_cfg.mp_cfg = dict(mp_start_method="fork", opencv_num_threads=1)
    cfg.randomness = dict(seed=0)
    cfg.log_level = "WARNING"
    cfg.work_dir = work_dir
    return cfg


def trained_prdimp(tmp_path_factory: Any) -> dict[str, str]:
    """Synthetic clips and a tiny PrDiMP trained on them with ``tools/train.py`` (once).

    24 training clips (seed 1) and 8 held-out clips (seed 2) of 40 frames.

    Returns:
        ``train_root``, ``heldout_root``, ``test_root``, ``config``, ``checkpoint``, ``work_dir``.
    """

    def produce(folder: str) -> None:
        train_root = osp.join(folder, "train", "LaSOTBenchmark")
        heldout_root = osp.join(folder, "heldout", "LaSOTBenchmark")
        test_root = osp.join(folder, "test", "LaSOTBenchmark")
        generate_sot_sequences(train_root, num_seqs=24, num_frames=40, seed=1)
        generate_sot_sequences(heldout_root, num_seqs=8, num_frames=40, seed=2)
        generate_sot_sequences(test_root, num_seqs=2, num_frames=40, seed=2)
        work_dir = osp.join(folder, "work")
        cfg = tiny_prdimp_config(train_root, test_root, work_dir)
        cfg_path = osp.join(folder, "prdimp_tiny.py")
        train_config_in_subprocess(cfg, cfg_path, work_dir)

    folder = shared_dir(tmp_path_factory, "prdimp_tiny", produce)
    return dict(
        train_root=osp.join(folder, "train", "LaSOTBenchmark"),
        heldout_root=osp.join(folder, "heldout", "LaSOTBenchmark"),
        test_root=osp.join(folder, "test", "LaSOTBenchmark"),
        config=osp.join(folder, "prdimp_tiny.py"),
        checkpoint=osp.join(folder, "work", f"epoch_{EPOCHS}.pth"),
        work_dir=osp.join(folder, "work"),
    )
