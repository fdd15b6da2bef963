"""CPU-sized STARK-ST1 config on synthetic LaSOT-layout clips, trained with tools/train.py."""

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

STARK_ST1 = osp.join(REPO_ROOT, "configs", "sot", "stark", "stark_st1_r50_500e_lasot.py")
STARK_ST2 = osp.join(REPO_ROOT, "configs", "sot", "stark", "stark_st2_r50_50e_lasot.py")

#: Template / search crop sides and feature stride of the tiny model: with
#: STARK's factors 2 / 5 the target is 24 / 25.6 px in both crops (64 / 64 px
#: in the real 128 / 320 crops); 6x6 template and 16x16 search tokens.
TEMPLATE, SEARCH, STRIDE = 48, 128, 16


def tiny_stark_config(
    train_root: str, test_root: str, work_dir: str, epochs: int = 8, base: str = STARK_ST1
) -> Config:
    """The real STARK-ST1 config at tiny width, trained from scratch on CPU.

    ResNet-18 of base width 16 to layer3 (64 channels, stride 16), 32-d
    transformer (1 + 1 layers, 2 heads), 48 / 128 px crops with STARK's
    factors 2 / 5, centre jitter 1,
    scale jitter 0.1; AdamW 2e-3 on every parameter, gradient norm 1.
    ``base`` is the real config shrunk (ST1 by default).
    """
    cfg = Config.fromfile(base)
    dims = 32
    # from scratch: every stage trains and BN normalises with batch statistics
    # (the real config freezes the stem, layer1 and BN of a pretrained ResNet)
    cfg.model.backbone.update(
        depth=18,
        base_channels=16,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=[2],
        frozen_stages=-1,
        norm_eval=False,
        norm_cfg=dict(type="BN", requires_grad=True),
        init_cfg=None,
    )
    cfg.model.neck.update(in_channels=[64], out_channels=dims)
    head = cfg.model.head
    for part in (head.transformer.encoder, head.transformer.decoder):
        part.num_layers = 1
        layer = part.transformerlayers
        for attn in layer.attn_cfgs:
            attn.update(embed_dims=dims, num_heads=2, attn_drop=0.0)
            attn.dropout_layer.drop_prob = 0.0
        layer.ffn_cfgs.update(embed_dims=dims, feedforward_channels=64, ffn_drop=0.0)
    head.positional_encoding.num_feats = dims // 2
    head.bbox_head.update(inplanes=dims, channel=dims, feat_size=SEARCH // STRIDE, stride=STRIDE)
    cfg.model.test_cfg.update(template_size=TEMPLATE, search_size=SEARCH)
    pipeline = copy.deepcopy(cfg.train_pipeline)
    pipeline[0]["min_num_frames"] = 5
    pipeline[2].update(center_jitter_factor=[0, 0, 1], scale_jitter_factor=[0, 0, 0.1])
    pipeline[3]["output_size"] = [TEMPLATE, TEMPLATE, SEARCH]
    pipeline[5]["stride"] = STRIDE
    use_synthetic_lasot(cfg, pipeline, train_root, test_root, samples_per_epoch=400)
    cfg.optim_wrapper = dict(
        type="OptimWrapper",
        optimizer=dict(type="AdamW", lr=2e-3, weight_decay=1e-4),
        clip_grad=dict(max_norm=1.0, norm_type=2),
    )
    cfg.param_scheduler = dict(type="MultiStepLR", milestones=[epochs], gamma=0.1, by_epoch=True)
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


def trained_stark(tmp_path_factory: Any, epochs: int = 8) -> dict[str, str]:
    """Synthetic clips (24 train, seed 1; 8 held out, seed 2) and a tiny STARK-ST1
    trained on them with ``tools/train.py`` in a subprocess (once per session)."""

    def produce(folder: str) -> None:
        train_root = osp.join(folder, "train", "LaSOTBenchmark")
        heldout_root = osp.join(folder, "heldout", "LaSOTBenchmark")
        test_root = osp.join(folder, "test", "LaSOTBenchmark")
        generate_sot_sequences(train_root, num_seqs=24, num_frames=40, seed=1)
        generate_sot_sequences(heldout_root, num_seqs=8, num_frames=40, seed=2)
        generate_sot_sequences(test_root, num_seqs=2, num_frames=40, seed=2)
        work_dir = osp.join(folder, "work")
        cfg = tiny_stark_config(train_root, test_root, work_dir, epochs)
        cfg_path = osp.join(folder, "stark_tiny.py")
        train_config_in_subprocess(cfg, cfg_path, work_dir)

    folder = shared_dir(tmp_path_factory, "stark_tiny", produce)
    return dict(
        heldout_root=osp.join(folder, "heldout", "LaSOTBenchmark"),
        config=osp.join(folder, "stark_tiny.py"),
        checkpoint=osp.join(folder, "work", f"epoch_{epochs}.pth"),
        work_dir=osp.join(folder, "work"),
    )


def tiny_stark_st2_config(
    train_root: str,
    test_root: str,
    work_dir: str,
    st1_checkpoint: str,
    epochs: int = 1,
    samples_per_epoch: int = 80,
) -> Config:
    """The real STARK-ST2 config at the tiny ST1 width, loading the tiny ST1 checkpoint.

    As the real ST2: ``load_from`` the ST1 checkpoint, backbone / neck /
    transformer / box head frozen, only the score head (3-layer MLP, 32-d)
    learns with a sigmoid binary cross-entropy on half positive, half negative
    search frames (``TridentSampling(train_cls_head=True)``, the real ST2
    search jitter: centre 4.5, scale 0.5). AdamW 2e-3, ``epochs`` (1) of
    ``samples_per_epoch`` (80) samples in batches of 8.
    """
    cfg = tiny_stark_config(train_root, test_root, work_dir, epochs, base=STARK_ST2)
    cfg.model.head.cls_head.update(input_dim=32, hidden_dim=32)
    sampling = cfg.train_dataloader.dataset.pipeline[0]
    assert sampling["type"] == "TridentSampling" and sampling["train_cls_head"]
    # the real ST2 search jitter (tiny_stark_config applies ST1's tiny one)
    cfg.train_dataloader.dataset.pipeline[2].update(
        center_jitter_factor=[0, 0, 4.5], scale_jitter_factor=[0, 0, 0.5]
    )
    cfg.train_dataloader.sampler.samples_per_epoch = samples_per_epoch
    cfg.load_from = st1_checkpoint
    return cfg


def trained_stark_st2(tmp_path_factory: Any, epochs: int = 1) -> dict[str, str]:
    """The tiny STARK-ST2: :func:`trained_stark`'s ST1 checkpoint, then the score
    stage with ``tools/train.py`` on the same training clips (once per session)."""
    st1 = trained_stark(tmp_path_factory)
    st1_folder = osp.dirname(st1["work_dir"])

    def produce(folder: str) -> None:
        work_dir = osp.join(folder, "work")
        cfg = tiny_stark_st2_config(
            osp.join(st1_folder, "train", "LaSOTBenchmark"),
            osp.join(st1_folder, "test", "LaSOTBenchmark"),
            work_dir,
            st1["checkpoint"],
            epochs,
        )
        cfg_path = osp.join(folder, "stark_st2_tiny.py")
        train_config_in_subprocess(cfg, cfg_path, work_dir)

    folder = shared_dir(tmp_path_factory, "stark_st2_tiny", produce)
    return dict(
        heldout_root=st1["heldout_root"],
        config=osp.join(folder, "stark_st2_tiny.py"),
        checkpoint=osp.join(folder, "work", f"epoch_{epochs}.pth"),
        st1_checkpoint=st1["checkpoint"],
        work_dir=osp.join(folder, "work"),
    )
