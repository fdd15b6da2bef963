"""The small synthetic SiamRPN++ config trained briefly by ``tools/train.py`` (once per run)."""

from __future__ import annotations

import os.path as osp
from typing import Any

from mmengine.config import Config

from mmtrack.datasets.synthetic import generate_sot_sequences

from .learning import train_config_in_subprocess
from .mot import shared_dir
from .tools import REPO_ROOT

SYNTHETIC_CONFIG = osp.join(
    REPO_ROOT, "configs", "sot", "siamese_rpn", "siamese_rpn_r18_synthetic.py"
)


def tiny_siamrpn_config(train_root: str, test_root: str, work_dir: str) -> Config:
    """``siamese_rpn_r18_synthetic.py`` cut to 2 epochs of 50 batches of 16 pairs.

    The model, crops, augmentation and optimiser are the config's; only the
    schedule is shorter (the demo checkpoint trains 10 epochs of 100 batches).
    """
    cfg = Config.fromfile(SYNTHETIC_CONFIG)
    cfg.train_dataloader.dataset.data_prefix = dict(img_path=train_root)
    cfg.train_dataloader.sampler.samples_per_epoch = 800
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_prefix = dict(img_path=test_root)
    cfg.train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=2, val_begin=3, val_interval=1)
    cfg.param_scheduler = dict(type="MultiStepLR", milestones=[3], gamma=0.1, by_epoch=True)
    cfg.default_hooks.checkpoint = dict(type="CheckpointHook", interval=2)
    cfg.env_cfg.dist_cfg = dict(backend="gloo")
    cfg.env_cfg.mp_cfg = dict(mp_start_method="fork", opencv_num_threads=1)
    cfg.log_level = "WARNING"
    cfg.work_dir = work_dir
    return cfg


def trained_siamrpn(tmp_path_factory: Any) -> dict[str, str]:
    """Synthetic clips and the small SiamRPN++ trained on them with ``tools/train.py``.

    24 training clips (seed 1) and 8 held-out clips (seed 2) of 40 frames;
    ``test_root`` holds the first 2 held-out clips (clips are drawn per index,
    so they are the same bytes), the config's test set.

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
        cfg = tiny_siamrpn_config(train_root, test_root, work_dir)
        cfg_path = osp.join(folder, "siamrpn_tiny.py")
        train_config_in_subprocess(cfg, cfg_path, work_dir)

    folder = shared_dir(tmp_path_factory, "siamrpn_tiny", produce)
    return dict(
        train_root=osp.join(folder, "train", "LaSOTBenchmark"),
        heldout_root=osp.join(folder, "heldout", "LaSOTBenchmark"),
        test_root=osp.join(folder, "test", "LaSOTBenchmark"),
        config=osp.join(folder, "siamrpn_tiny.py"),
        checkpoint=osp.join(folder, "work", "epoch_2.pth"),
        work_dir=osp.join(folder, "work"),
    )
