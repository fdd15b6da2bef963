"""Shared steps of the proof-of-learning tests: synthetic data, training, held-out mAP."""

from __future__ import annotations

import contextlib
import copy
import glob
import io
import os
import os.path as osp
import subprocess
import sys

import numpy as np
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


def train_config_in_subprocess(cfg: Config, cfg_path: str, work_dir: str) -> None:
    """Dump ``cfg`` to ``cfg_path`` and train it with ``tools/train.py`` in a subprocess.

    A subprocess, because in-process runs share mmengine's global visualizer
    (and its save_dir) with the tool runs of earlier tests in the same worker.
    One thread, as the learning tests were measured.

    Raises:
        AssertionError: the run failed (the ends of its stdout and stderr).
    """
    Config(cfg.to_dict()).dump(cfg_path)
    proc = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, "tools", "train.py"), cfg_path,
         "--work-dir", work_dir],
        cwd=REPO_ROOT,
        env=dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1"),
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def lasot_clips(root: str) -> list[tuple[list[str], np.ndarray, np.ndarray]]:
    """The sequences of a LaSOT-style folder: ``(frame paths, (N, 4) x, y, w, h
    ground truth, (N,) bool visible)``, visible meaning neither fully occluded
    nor out of view."""
    clips = []
    for seq in sorted(glob.glob(osp.join(root, "*", "*-*"))):
        gt = np.loadtxt(osp.join(seq, "groundtruth.txt"), delimiter=",")
        occ = np.loadtxt(osp.join(seq, "full_occlusion.txt"), delimiter=",")
        oov = np.loadtxt(osp.join(seq, "out_of_view.txt"), delimiter=",")
        frames = sorted(glob.glob(osp.join(seq, "img", "*.jpg")))
        clips.append((frames, gt, (occ == 0) & (oov == 0)))
    return clips


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
