"""Command-line options of tools/train.py, tools/test.py and print_config.py."""

from __future__ import annotations

import importlib.util
import os.path as osp
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmtrack.engine.runner.tool_utils import ConfigInputError
from tests.helpers.toy import TOY_CONFIG

TOOLS = Path(__file__).resolve().parents[2] / "tools"


def _load_tool(relpath: str):
    spec = importlib.util.spec_from_file_location(f"_tool_{Path(relpath).stem}", TOOLS / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _no_local_rank(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCAL_RANK", raising=False)


@pytest.fixture(scope="module")
def train_tool():
    return _load_tool("train.py")


@pytest.fixture(scope="module")
def test_tool():
    return _load_tool("test.py")


def _train_cfg(tool, *argv: str) -> Config:
    return tool.build_cfg(tool.parse_args([TOY_CONFIG, *argv]))


def test_train_defaults(train_tool) -> None:
    cfg = _train_cfg(train_tool)
    assert cfg.work_dir == osp.join("./work_dirs", "toy_regression")
    assert cfg.launcher == "none"
    assert cfg.resume is False and cfg.load_from is None
    assert cfg.auto_scale_lr.enable is False
    assert cfg.optim_wrapper.type == "OptimWrapper"
    assert cfg.default_scope == "mmtrack"


def test_train_resume_forms(train_tool, tmp_path: Path) -> None:
    cfg = _train_cfg(train_tool, "--resume")
    assert cfg.resume is True and cfg.load_from is None  # latest checkpoint of work_dir
    ckpt = tmp_path / "iter_4.pth"
    ckpt.write_bytes(b"")
    for argv in (["--resume", str(ckpt)], ["--resume-from", str(ckpt)]):
        cfg = _train_cfg(train_tool, *argv)
        assert cfg.resume is True and cfg.load_from == str(ckpt)
    assert _train_cfg(train_tool, "--auto-resume").resume is True
    with pytest.raises(ConfigInputError, match="checkpoint file not found"):
        _train_cfg(train_tool, "--resume", str(tmp_path / "missing.pth"))


def test_train_amp_depends_on_device(train_tool) -> None:
    cfg = _train_cfg(train_tool, "--amp")
    if torch.cuda.is_available():
        assert cfg.optim_wrapper.type == "AmpOptimWrapper"
        assert cfg.optim_wrapper.loss_scale == "dynamic"
    else:
        assert cfg.optim_wrapper.type == "CPUAmpOptimWrapper"
        assert cfg.optim_wrapper.dtype == "bfloat16"
        assert "loss_scale" not in cfg.optim_wrapper
    # The optimizer itself is untouched.
    assert cfg.optim_wrapper.optimizer == dict(type="SGD", lr=0.1, momentum=0.9)


def test_train_other_options(train_tool, tmp_path: Path) -> None:
    cfg = _train_cfg(train_tool, "--work-dir", str(tmp_path), "--auto-scale-lr", "--no-validate",
                     "--seed", "7", "--deterministic", "--launcher", "pytorch",
                     "--cfg-options", "train_cfg.max_iters=3", "model.in_features=2")
    assert cfg.work_dir == str(tmp_path)
    assert cfg.auto_scale_lr.enable is True and cfg.auto_scale_lr.base_batch_size == 2
    assert cfg.val_cfg is None and cfg.val_dataloader is None and cfg.val_evaluator is None
    assert cfg.randomness == dict(seed=7, deterministic=True)
    assert cfg.launcher == "pytorch"
    assert cfg.train_cfg.max_iters == 3
    with pytest.raises(ConfigInputError, match="--auto-scale-lr needs auto_scale_lr"):
        _train_cfg(train_tool, "--auto-scale-lr", "--cfg-options", "auto_scale_lr=None")


def test_train_requires_training_parts(train_tool) -> None:
    with pytest.raises(ConfigInputError, match="cannot train: it has no train_dataloader"):
        _train_cfg(train_tool, "--cfg-options", "train_dataloader=None")


def test_test_options(test_tool, tmp_path: Path) -> None:
    ckpt = tmp_path / "model.pth"
    ckpt.write_bytes(b"")
    args = test_tool.parse_args([TOY_CONFIG, "--checkpoint", str(ckpt), "--show-dir", "vis",
                                 "--out", str(tmp_path / "r.pkl")])
    cfg = test_tool.build_cfg(args)
    assert cfg.load_from == str(ckpt) and cfg.resume is False
    hook = cfg.default_hooks.visualization
    assert hook.draw is True and hook.test_out_dir == "vis" and "show" not in hook
    cfg = test_tool.build_cfg(test_tool.parse_args([TOY_CONFIG, "--show", "--wait-time", "0.5"]))
    hook = cfg.default_hooks.visualization
    assert hook.draw is True and hook.show is True and hook.wait_time == 0.5
    assert cfg.load_from is None
    no_hook = test_tool.parse_args([TOY_CONFIG, "--show", "--cfg-options",
                                    "default_hooks.visualization=None"])
    with pytest.raises(ConfigInputError, match="--show/--show-dir need"):
        test_tool.build_cfg(no_hook)


def test_print_config(tmp_path: Path, capsys) -> None:
    printer = _load_tool("analysis_tools/print_config.py")
    saved = tmp_path / "merged.py"
    printer.main([TOY_CONFIG, "--cfg-options", "train_cfg.max_iters=3", "--save-path", str(saved)])
    out = capsys.readouterr().out
    assert out.startswith("Config:\n")
    assert "max_iters=3" in out
    assert "default_scope = 'mmtrack'" in out  # inherited from configs/_base_/default_runtime.py
    merged = Config.fromfile(str(saved))
    assert merged.train_cfg.max_iters == 3
    assert merged.model.type == "ToyTrackModel"
    assert not list(tmp_path.glob("*.tmp*"))


def test_train_with_amp_runs(train_tool, tmp_path: Path) -> None:
    """--amp trains (bfloat16 CPU autocast without CUDA) and the run is resumable."""
    from mmtrack.utils.checkpoint import safe_torch_load

    status = train_tool.run_tool(train_tool.main, [
        TOY_CONFIG, "--amp", "--work-dir", str(tmp_path), "--cfg-options",
        "train_cfg.max_iters=2", "train_cfg.val_interval=100",
        f"experiment_name=amp_{tmp_path.name}", f"visualizer.name=amp_{tmp_path.name}"])
    assert status == 0
    ckpt = safe_torch_load(tmp_path / "iter_2.pth")
    expected = "AmpOptimWrapper" if torch.cuda.is_available() else "CPUAmpOptimWrapper"
    assert f"type='{expected}'" in ckpt["meta"]["cfg"]
    assert torch.isfinite(ckpt["state_dict"]["linear.weight"]).all()
    assert ckpt["state_dict"]["linear.weight"].dtype == torch.float32


MOT_CONFIG = "configs/mot/bytetrack/bytetrack_yolox_x_crowdhuman_mot17-private-half.py"
REID_CONFIG = "configs/reid/resnet50_b32x8_MOT17.py"


def _eval_cfg(test_tool, config: str, *flags: str):
    root = Path(__file__).resolve().parents[2]
    return test_tool.build_cfg(test_tool.parse_args([str(root / config), *flags]))


def test_eval_flags_of_mmtracking_0x(test_tool) -> None:
    # --eval track keeps the MOT metric as it is.
    cfg = _eval_cfg(test_tool, MOT_CONFIG, "--eval", "track")
    assert cfg.test_evaluator.type == "MOTChallengeMetric"
    assert "format_only" not in cfg.test_evaluator
    # --format-only with 0.x's resfile_path: files only, written there.
    cfg = _eval_cfg(test_tool, MOT_CONFIG, "--eval", "track", "--format-only",
                    "--eval-options", "resfile_path=results/mot")
    assert cfg.test_evaluator.format_only is True
    assert cfg.test_evaluator.outfile_prefix == "results/mot"
    # metric keyword arguments pass through
    cfg = _eval_cfg(test_tool, MOT_CONFIG, "--eval-options", "track_iou_thr=0.4")
    assert cfg.test_evaluator.track_iou_thr == 0.4
    # ReID: --eval CMC selects that output of ReIDMetrics
    cfg = _eval_cfg(test_tool, REID_CONFIG, "--eval", "mAP", "CMC")
    assert cfg.test_evaluator.type == "ReIDMetrics"
    assert list(cfg.test_evaluator.metric) == ["mAP", "CMC"]


def test_eval_flags_pick_among_several_metrics(test_tool) -> None:
    cfg = Config(dict(test_evaluator=[
        dict(type="MOTChallengeMetric"),
        dict(type="CocoVideoMetric", metric=["bbox", "segm"], ann_file="a.json"),
    ]))
    args = test_tool.parse_args(["cfg.py", "--eval", "bbox"])
    test_tool.apply_eval_args(cfg, args)
    assert cfg.test_evaluator == dict(
        type="CocoVideoMetric", metric="bbox", ann_file="a.json"
    )


def test_eval_flag_errors_name_config_and_metric(test_tool) -> None:
    with pytest.raises(ConfigInputError, match=r"--eval bbox: its test_evaluator has "
                       r"\['MOTChallengeMetric'\], none of which gives \['bbox'\]"):
        _eval_cfg(test_tool, MOT_CONFIG, "--eval", "bbox")
    with pytest.raises(ConfigInputError, match="--format-only needs where to write"):
        _eval_cfg(test_tool, MOT_CONFIG, "--format-only")
    with pytest.raises(ConfigInputError, match=r"MOTChallengeMetric takes no \['iou'\]"):
        _eval_cfg(test_tool, MOT_CONFIG, "--eval-options", "iou=0.4")
    with pytest.raises(SystemExit):  # not a 0.x evaluation kind
        test_tool.parse_args([MOT_CONFIG, "--eval", "hota"])
