"""Proof of learning: YOLOX-tiny from scratch on synthetic videos, on CPU.

Trains ``configs/det/yolox_tiny_synthetic.py`` through ``tools/train.py`` in
a subprocess on synthetic MOT sequences, then measures box mAP@50 on frames of
*other* sequences (another seed) with ``CocoVideoMetric``. The same model
before training must fail the bar.
"""

import os.path as osp

import pytest

from mmtrack.utils import register_all_modules
from tests.helpers.learning import heldout_map50, make_synthetic_coco, train_on_synthetic
from tests.helpers.tools import REPO_ROOT

CONFIG = osp.join(REPO_ROOT, "configs", "det", "yolox_tiny_synthetic.py")
# Measured: the trained model reaches 0.77 mAP@50 here, the untrained one 0.00.
MAP50_BAR = 0.5


@pytest.mark.slow
def test_yolox_tiny_learns_synthetic_pedestrians(tmp_path):
    train_root = str(tmp_path / "syn_train")
    val_root = str(tmp_path / "syn_val")
    make_synthetic_coco(train_root, num_seqs=3, num_frames=32, seed=1)  # 96 frames: 12 iters/epoch
    make_synthetic_coco(val_root, num_seqs=2, num_frames=20, seed=2)  # held-out sequences

    work_dir = str(tmp_path / "work")
    proc = train_on_synthetic(CONFIG, train_root, work_dir, str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ckpt = osp.join(work_dir, "epoch_8.pth")
    assert osp.isfile(ckpt)
    # the last epochs ran in YOLOX's final mode (extra L1 loss)
    assert "loss_l1" in proc.stdout + proc.stderr

    register_all_modules()
    trained = heldout_map50(CONFIG, str(tmp_path / "eval_trained"), val_root, ckpt)
    untrained = heldout_map50(CONFIG, str(tmp_path / "eval_untrained"), val_root, None, init=True)
    print(f"held-out mAP@50: trained {trained:.3f}, untrained {untrained:.3f}")
    assert untrained < MAP50_BAR
    assert trained >= MAP50_BAR
