"""YOLOXModeSwitchHook and SyncNormHook."""

import logging
import os
import tempfile
from types import SimpleNamespace

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

from mmtrack.engine.hooks.sync_norm_hook import get_norm_states
from mmtrack.registry import DATASETS, HOOKS
from mmtrack.utils import register_all_modules

register_all_modules()


class _Images(Dataset):
    """Two 8x8 images with one box each (what LoadImageFromFile + LoadAnnotations give)."""

    metainfo = dict(classes=("pedestrian",))

    def __len__(self):
        return 2

    def __getitem__(self, idx):
        return dict(
            img=np.full((8, 8, 3), idx, np.uint8),
            img_shape=(8, 8),
            gt_bboxes=np.array([[1.0, 1.0, 5.0, 5.0]], np.float32),
            gt_bboxes_labels=np.array([0]),
            gt_ignore_flags=np.array([False]),
        )


def _mix_dataset():
    return DATASETS.build(
        dict(
            type="MultiImageMixDataset",
            dataset=_Images(),
            pipeline=[dict(type="Mosaic", img_scale=(8, 8), pad_val=114.0)],
        )
    )


def _runner(model, epoch, max_epochs=5, persistent=False):
    loader = DataLoader(
        _mix_dataset(),
        collate_fn=lambda batch: batch,
        batch_size=1,
        num_workers=1 if persistent else 0,
        persistent_workers=persistent,
    )
    return SimpleNamespace(
        model=model,
        epoch=epoch,
        max_epochs=max_epochs,
        train_dataloader=loader,
        logger=logging.getLogger("test_yolox_hooks"),
    )


def _detector():
    return SimpleNamespace(bbox_head=SimpleNamespace(use_l1=False))


def test_mode_switch_at_the_last_epochs():
    hook = HOOKS.build(dict(type="YOLOXModeSwitchHook", num_last_epochs=2))
    det = _detector()
    # max_epochs 5, last 2 epochs: switch before epoch index 2 ((2 + 1) >= 5 - 2)
    runner = _runner(det, epoch=1)
    dataset = runner.train_dataloader.dataset
    hook.before_train_epoch(runner)
    assert det.bbox_head.use_l1 is False
    assert dataset[0]["img"].shape == (16, 16, 3)  # 2x2 mosaic of 8x8 images
    assert len(dataset[0]["gt_bboxes"]) == 4

    runner.epoch = 2
    hook.before_train_epoch(runner)
    assert det.bbox_head.use_l1 is True
    assert dataset[0]["img"].shape == (8, 8, 3)  # Mosaic skipped now
    assert dataset[0]["gt_bboxes"].tolist() == [[1.0, 1.0, 5.0, 5.0]]


def test_mode_switch_on_tracking_model_and_restart_workers():
    hook = HOOKS.build(
        dict(type="YOLOXModeSwitchHook", num_last_epochs=1, skip_type_keys=("Mosaic",))
    )
    mot = SimpleNamespace(detector=_detector())
    runner = _runner(mot, epoch=4, persistent=True)
    loader = runner.train_dataloader
    assert all(b[0]["img"].shape == (16, 16, 3) for b in loader)  # persistent workers
    assert loader._iterator is not None
    hook.before_train_epoch(runner)
    assert mot.detector.bbox_head.use_l1 is True
    assert loader._iterator is None  # workers restart with the new pipeline
    assert all(b[0]["img"].shape == (8, 8, 3) for b in loader)


def test_get_norm_states():
    model = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2), nn.Sequential(nn.BatchNorm1d(3)))
    keys = list(get_norm_states(model))
    assert keys == [
        f"{m}.{k}"
        for m in ("1", "2.0")
        for k in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
    ]


def _sync_worker(rank, world_size, init_file, out_dir):
    dist.init_process_group(
        "gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size
    )
    model = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))
    with torch.no_grad():
        model[0].weight.fill_(float(rank + 1))  # not a norm layer: untouched
        model[1].running_mean.fill_(float(2 * rank))  # ranks 0, 1 -> 0, 2
        model[1].running_var.fill_(float(rank + 1))  # -> 1, 2
        model[1].weight.fill_(float(10 * rank))  # -> 0, 10
    HOOKS.build(dict(type="SyncNormHook")).before_val_epoch(SimpleNamespace(model=model))
    torch.save(model.state_dict(), os.path.join(out_dir, f"{rank}.pth"))
    dist.destroy_process_group()


def test_sync_norm_hook_two_processes():
    # single process: a no-op
    model = nn.Sequential(nn.BatchNorm2d(2))
    model[0].running_mean.fill_(3.0)
    HOOKS.build(dict(type="SyncNormHook")).before_val_epoch(SimpleNamespace(model=model))
    assert model[0].running_mean.tolist() == [3.0, 3.0]

    with tempfile.TemporaryDirectory() as tmp:
        mp.start_processes(
            _sync_worker, args=(2, os.path.join(tmp, "init"), tmp), nprocs=2, start_method="fork"
        )
        states = [torch.load(os.path.join(tmp, f"{r}.pth"), weights_only=True) for r in (0, 1)]
    for rank, sd in enumerate(states):
        assert sd["1.running_mean"].tolist() == [1.0, 1.0]
        assert sd["1.running_var"].tolist() == [1.5, 1.5]
        assert sd["1.weight"].tolist() == [5.0, 5.0]
        assert torch.all(sd["0.weight"] == rank + 1)
