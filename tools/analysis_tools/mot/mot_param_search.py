"""Grid search over tracker hyper-parameters.

Every field of the tracker config given as a list is a search axis (as in
MMTracking 0.14), e.g.::

    model = dict(tracker=dict(type='ByteTracker', init_track_thr=[0.6, 0.7],
                              match_iou_thrs=dict(high=[0.1, 0.2])))

Two modes:

* with a model: ``mot_param_search.py CONFIG [--checkpoint CKPT]`` runs the
  config's test set through the model once per combination (``tools/test.py``
  machinery) and reads the metric from its evaluator;
* from detection files (no images, no detector, seconds per combination):
  ``mot_param_search.py CONFIG --dets DIR --gt-root DIR`` tracks
  ``DIR/<seq>.txt`` and scores against ``<gt-root>/<seq>/gt/gt.txt``.

Every combination and its metrics are printed; the best by ``--metric`` last.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import os.path as osp
import sys
import tempfile
from typing import Any


def search_axes(cfg: Any, prefix: str = "") -> list[tuple[str, list]]:
    """Dotted paths and values of every list-valued field of a (nested) dict."""
    axes = []
    for k, v in cfg.items():
        path = f"{prefix}{k}"
        if isinstance(v, list):
            axes.append((path, v))
        elif isinstance(v, dict):
            axes.extend(search_axes(v, path + "."))
    return axes


def expand(tracker_cfg: dict) -> list[tuple[dict, dict]]:
    """All combinations: ``[(tracker cfg, {path: value}), ...]`` (one if nothing to search)."""
    axes = search_axes(tracker_cfg)
    combos = []
    for values in itertools.product(*[a[1] for a in axes]) if axes else [()]:
        cfg = copy.deepcopy(dict(tracker_cfg))
        chosen = {}
        for (path, _), v in zip(axes, values):
            node = cfg
            keys = path.split(".")
            for key in keys[:-1]:
                node[key] = dict(node[key])
                node = node[key]
            node[keys[-1]] = v
            chosen[path] = v
        combos.append((cfg, chosen))
    return combos


def search_from_dets(tracker_cfg: dict, dets: str, gt_root: str, benchmark: str) -> list:
    from mmtrack.apis import track_detection_files
    from mmtrack.evaluation.functional import evaluate_mot, read_mot_txt, read_seqinfo

    results = []
    for cfg, chosen in expand(tracker_cfg):
        with tempfile.TemporaryDirectory() as out:
            track_detection_files(cfg, dets, out)
            gts, res, lengths = {}, {}, {}
            for f in sorted(osp.basename(p) for p in __import__("glob").glob(f"{dets}/*.txt")):
                seq = f[:-4]
                lengths[seq] = read_seqinfo(osp.join(gt_root, seq, "seqinfo.ini"))["seqLength"]
                gts[seq] = read_mot_txt(osp.join(gt_root, seq, "gt", "gt.txt"), kind="gt")
                res[seq] = read_mot_txt(osp.join(out, f), kind="result")
            summary = evaluate_mot(gts, res, lengths, benchmark=benchmark)["COMBINED"]
        results.append((chosen, summary))
    return results


def search_with_model(cfg: Any, checkpoint: str | None, work_dir: str) -> list:
    from mmengine.runner import Runner

    from mmtrack.registry import MODELS

    tracker_cfg = cfg.model.tracker.to_dict()
    first, _ = expand(tracker_cfg)[0]
    cfg.model.tracker = first
    cfg.work_dir = work_dir
    if checkpoint:
        cfg.load_from = checkpoint
    runner = Runner.from_cfg(cfg)
    results = []
    for tcfg, chosen in expand(tracker_cfg):
        model = runner.model.module if hasattr(runner.model, "module") else runner.model
        model.tracker = MODELS.build(tcfg)
        metrics = runner.test()
        results.append((chosen, {k.split("/")[-1]: v for k, v in metrics.items()}))
    return results


def _fmt(v: Any) -> str:
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grid search of tracker parameters")
    parser.add_argument("config", help="config with list-valued tracker fields")
    parser.add_argument("--checkpoint", help="model checkpoint (model mode)")
    parser.add_argument("--work-dir", default="work_dirs/mot_param_search")
    parser.add_argument("--dets", help="folder of <seq>.txt detections (detection-file mode)")
    parser.add_argument("--gt-root", help="folder of <seq>/gt/gt.txt (detection-file mode)")
    parser.add_argument("--benchmark", default="MOT17")
    parser.add_argument("--metric", default="HOTA", help="metric that picks the best")
    args = parser.parse_args(argv)

    from mmengine.config import Config

    from mmtrack.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(args.config)
    tracker = cfg.model.tracker if "model" in cfg and "tracker" in cfg.model else cfg.get("tracker")
    if tracker is None:
        print(f"error: {args.config} has no model.tracker / tracker", file=sys.stderr)
        return 1
    if args.dets or args.gt_root:
        if not (args.dets and args.gt_root):
            print("error: --dets and --gt-root go together", file=sys.stderr)
            return 1
        results = search_from_dets(tracker.to_dict(), args.dets, args.gt_root, args.benchmark)
    else:
        results = search_with_model(cfg, args.checkpoint, args.work_dir)
    best = None
    for chosen, metrics in results:
        value = metrics.get(args.metric)
        shown = ", ".join(f"{k}={v}" for k, v in chosen.items()) or "(config as is)"
        keys = [k for k in ("HOTA", "MOTA", "IDF1", "IDSw") if k in metrics]
        print(f"{shown}: " + "  ".join(f"{k} {_fmt(metrics[k])}" for k in keys))
        if value is not None and (best is None or value > best[1]):
            best = (shown, value)
    if best is None:
        print(f"error: metric {args.metric!r} not reported", file=sys.stderr)
        return 1
    print(f"best {args.metric}: {_fmt(best[1])} with {best[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
