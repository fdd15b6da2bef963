"""YOLOXModeSwitchHook and SyncNormHook."""

import logging
import os
import tempfile
from types import SimpleNamespace

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

from mmtrack.engine.hooks.sync_norm_hook import get_norm_states
from mmtrack.registry import HOOKS
from mmtrack.utils import register_all_modules

register_all_modules()


class _MixDataset(Dataset):
    """Stands in for a mixing dataset: records the skipped transform types."""

    def __init__(self):
        self.skip_type_keys = None

    def update_skip_type_keys(self, keys):
        self.skip_type_keys = tuple(keys)

    def __len__(self):
        return 2

    def __getitem__(self, idx):
        return idx


def _runner(model, epoch, max_epochs=5, persistent=False):
    loader = DataLoader(
        _MixDataset(),
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
    hook.before_train_epoch(runner)
    assert det.bbox_head.use_l1 is False
    assert runner.train_dataloader.dataset.skip_type_keys is None

    runner.epoch = 2
    hook.before_train_epoch(runner)
    assert det.bbox_head.use_l1 is True
    assert runner.train_dataloader.dataset.skip_type_keys == ("Mosaic", "RandomAffine", "MixUp")


def test_mode_switch_on_tracking_model_and_restart_workers():
    hook = HOOKS.build(
        dict(type="YOLOXModeSwitchHook", num_last_epochs=1, skip_type_keys=("Mosaic",))
    )
    mot = SimpleNamespace(detector=_detector())
    runner = _runner(mot, epoch=4, persistent=True)
    loader = runner.train_dataloader
    assert sorted(iter(loader)) == [0, 1]  # persistent iterator now exists
    assert loader._iterator is not None
    hook.before_train_epoch(runner)
    assert mot.detector.bbox_head.use_l1 is True
    assert loader.dataset.skip_type_keys == ("Mosaic",)
    assert loader._iterator is None  # workers restart with the new pipeline


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
