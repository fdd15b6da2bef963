"""Shared steps of the proof-of-learning tests: synthetic data, training, held-out mAP."""

from __future__ import annotations

import contextlib
import copy
import io
import os
import os.path as osp
import subprocess
import sys

from mmengine.config import Config
from mmengine.runner import Runner

from mmtrack.datasets.synthetic import generate_mot_sequences

from .tools import REPO_ROOT, load_tool


def make_synthetic_coco(root: str, num_seqs: int, num_frames: int, seed: int) -> None:
    """Synthetic MOT sequences under ``root/train`` and their CocoVID annotations."""
    generate_mot_sequences(root, split="train", num_seqs=num_seqs, num_frames=num_frames, seed=seed)
    mot2coco = load_tool(osp.join("tools", "dataset_converters", "mot", "mot2coco.py"))
    with contextlib.redirect_stdout(io.StringIO()):
        mot2coco.main(["-i", root, "-o", osp.join(root, "annotations")])


def train_on_synthetic(
    config: str, train_root: str, work_dir: str, tmp_dir: str
) -> subprocess.CompletedProcess:
    """Train ``config`` on ``train_root`` with ``tools/train.py`` in a subprocess (seed 0)."""
    child = osp.join(tmp_dir, "synthetic_" + osp.basename(config))
    with open(child, "w") as f:
        f.write(
            f"_base_ = [{config!r}]\n"
            f"train_dataloader = dict(dataset=dict(data_root={train_root + '/'!r}, "
            "ann_file='annotations/train_cocoformat.json'))\n"
        )
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [
        sys.executable,
        osp.join(REPO_ROOT, "tools", "train.py"),
        child,
        "--work-dir",
        work_dir,
        "--no-validate",
        "--seed",
        "0",
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=REPO_ROOT)


def heldout_map50(
    config: str, work_dir: str, val_root: str, checkpoint: str | None, init: bool = False
) -> float:
    """Box mAP@50 (``CocoVideoMetric``) of a checkpoint, or of fresh weights, on ``val_root``."""
    cfg = Config.fromfile(config)
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    cfg.test_dataloader = copy.deepcopy(cfg.test_dataloader)
    cfg.test_dataloader.dataset.data_root = val_root
    cfg.test_dataloader.dataset.ann_file = "annotations/train_cocoformat.json"
    cfg.test_evaluator.ann_file = osp.join(val_root, "annotations", "train_cocoformat.json")
    cfg.log_level = "WARNING"
    runner = Runner.from_cfg(cfg)
    if init:
        runner.model.init_weights()
    return runner.test()["coco/bbox_mAP_50"]
