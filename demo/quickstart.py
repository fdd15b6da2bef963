"""The README's main job: the offline demo model on the embedded demo data.

Steps (all offline, CPU):

1. track ``demo/demo.mp4`` (a synthetic test video made by the project's
   generator) with the shipped ByteTrack + YOLOX-nano model trained by
   ``tools/train.py`` (``demo/checkpoints/``), writing a video with boxes, ids
   and a legend;
2. regenerate the synthetic test videos (deterministic), convert them with
   ``mot2coco.py`` and score the model on them through the ``tools/test.py``
   machinery: HOTA, MOTA, IDF1 (TrackEval);
3. print the scores, the ones recorded when the model was published, and where
   the outputs are.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import os.path as osp
import shutil
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(ROOT, "configs", "mot", "bytetrack", "bytetrack_yolox-nano_12e_synthetic-demo.py")
CKPT_DIR = osp.join(ROOT, "demo", "checkpoints")
RECORD = osp.join(CKPT_DIR, "bytetrack_yolox-nano_synthetic-demo.json")
#: The synthetic test split the model is scored on (see the config's header).
TEST_DATA = dict(num_seqs=3, num_frames=60, seed=0)


def checkpoint_path() -> str:
    """The shipped checkpoint (``publish_model.py`` names it ``<name>-<sha8>.pth``)."""
    found = sorted(glob.glob(osp.join(CKPT_DIR, "bytetrack_yolox-nano_synthetic-demo-*.pth")))
    if not found:
        raise FileNotFoundError(f"no demo checkpoint in {CKPT_DIR}")
    return found[-1]


def make_test_data(data_root: str) -> list[str]:
    """Write the synthetic test videos and their CocoVID annotations under ``data_root``."""
    import importlib.util

    from mmtrack.datasets.synthetic import generate_mot_sequences

    if osp.isdir(data_root):
        shutil.rmtree(data_root)
    seqs = generate_mot_sequences(
        data_root,
        split="test",
        num_seqs=TEST_DATA["num_seqs"],
        num_frames=TEST_DATA["num_frames"],
        seed=TEST_DATA["seed"],
    )
    spec = importlib.util.spec_from_file_location(
        "mmtrack_tool_mot2coco", osp.join(ROOT, "tools", "dataset_converters", "mot", "mot2coco.py")
    )
    mot2coco = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mot2coco)
    mot2coco.main(["-i", data_root, "-o", osp.join(data_root, "annotations")])
    return seqs


def evaluate(data_root: str, work_dir: str, checkpoint: str | None = None) -> dict:
    """Score the demo model on the synthetic test videos; returns ``{HOTA, MOTA, IDF1, ...}``."""
    from mmtrack.engine.runner.tool_utils import build_runner, load_config

    cfg = load_config(CONFIG)
    cfg.test_dataloader.dataset.data_root = data_root.rstrip("/") + "/"
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint or checkpoint_path()
    cfg.default_hooks.logger.interval = 1000
    cfg.log_level = "WARNING"
    runner = build_runner(cfg)
    metrics = runner.test()
    return {k.split("/")[-1]: v for k, v in metrics.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=osp.join(ROOT, "outputs", "demo"))
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)

    from mmtrack.utils import register_all_modules

    register_all_modules()
    os.makedirs(args.out, exist_ok=True)
    ckpt = checkpoint_path()
    video_out = osp.join(args.out, "demo_tracked.mp4")
    demo = __import__("mmtrack.apis.demo", fromlist=["demo_main"])
    rc = demo.demo_main(
        "mot",
        [CONFIG, "--input", osp.join(ROOT, "demo", "demo.mp4"), "--output", video_out,
         "--checkpoint", ckpt, "--device", args.device],
    )
    if rc != 0:
        return rc
    print(f"[1/2] tracked demo/demo.mp4 -> {video_out}")

    data_root = osp.join(args.out, "synthetic_test")
    make_test_data(data_root)
    metrics = evaluate(data_root, osp.join(args.out, "eval"), ckpt)
    with open(RECORD) as f:
        recorded = json.load(f)
    print(
        f"[2/2] synthetic test videos ({TEST_DATA['num_seqs']} x {TEST_DATA['num_frames']} "
        f"frames): HOTA {metrics['HOTA']:.1f}  MOTA {metrics['MOTA']:.1f}  "
        f"IDF1 {metrics['IDF1']:.1f}  (recorded at publication: HOTA {recorded['HOTA']:.1f}  "
        f"MOTA {recorded['MOTA']:.1f}  IDF1 {recorded['IDF1']:.1f})"
    )
    print(f"outputs: {args.out} (tracked video, test data, evaluation logs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
