"""tools/analysis_tools/benchmark.py on tiny inputs (speed itself is not asserted)."""

import importlib.util
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool():
    path = osp.join(REPO, "tools", "analysis_tools", "benchmark.py")
    spec = importlib.util.spec_from_file_location("_h7_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_detector_fps_and_torchvision_ratio():
    bench = _tool()
    cfg = osp.join(REPO, "configs", "det", "faster-rcnn_r18_fpn_synthetic.py")
    out = bench.main(
        [
            cfg,
            "--shape",
            "64",
            "96",
            "--max-iter",
            "2",
            "--warmup",
            "1",
            "--log-interval",
            "1",
            "--compare-torchvision",
            "--device",
            "cpu",
        ]
    )
    assert out["fps"] > 0 and out["torchvision_fps"] > 0
    assert out["ratio"] == pytest.approx(out["fps"] / out["torchvision_fps"])
    assert out["median_pair_ratio"] > 0


def test_tracking_model_and_fused_bn():
    bench = _tool()
    # a MOT model (TrackDataPreprocessor, one-frame clips, tracker state)
    cfg = osp.join(REPO, "configs", "mot", "bytetrack", "bytetrack_yolox-nano_synthetic.py")
    out = bench.main(
        [
            cfg,
            "--shape",
            "64",
            "96",
            "--max-iter",
            "2",
            "--warmup",
            "1",
            "--fuse-conv-bn",
            "--device",
            "cpu",
        ]
    )
    assert out["fps"] > 0 and "ratio" not in out


def test_bad_arguments():
    bench = _tool()
    with pytest.raises(bench.ConfigInputError, match="max-iter"):
        bench.parse_args(["x.py", "--max-iter", "0"])
    assert bench.run_tool(bench.main, ["missing_config.py", "--max-iter", "1"]) == 1


def test_test_time_switches():
    bench = _tool()
    cfg = osp.join(REPO, "configs", "det", "faster-rcnn_r18_fpn_synthetic.py")
    out = bench.main(
        [cfg, "--shape", "128", "160", "--max-iter", "2", "--warmup", "1",
         "--switches", "fuse_conv_bn", "channels_last", "autocast", "--device", "cpu"]
    )
    switches = out["switches"]
    assert sorted(switches) == ["autocast_bfloat16", "channels_last", "fuse_conv_bn"]
    for name in ("fuse_conv_bn", "channels_last"):
        # folding BN into the conv and changing the memory layout are exact in
        # real arithmetic: the same boxes, equal to float rounding
        change = switches[name]
        assert change["fps"] > 0 and change["speedup"] == pytest.approx(change["fps"] / out["fps"])
        assert change["num_boxes"] == change["ref_boxes"] > 0
        assert change["max_abs_diff"] < 1e-2
        assert change["mean_best_iou"] > 0.999
    # bfloat16 autocast runs through (RoIAlign and NMS have no bfloat16 CPU kernels)
    assert switches["autocast_bfloat16"]["num_boxes"] > 0


def test_switches_without_value_means_all():
    args = _tool().parse_args(["x.py", "--switches"])
    assert args.switches == ["fuse_conv_bn", "channels_last", "autocast", "compile"]
    with pytest.raises(SystemExit):
        _tool().parse_args(["x.py", "--switches", "turbo"])


def test_megvii_yolox_reference_needs_the_package():
    bench = _tool()
    cfg = osp.join(REPO, "configs", "det", "yolox_nano_synthetic.py")
    argv = [cfg, "--shape", "64", "96", "--max-iter", "1", "--warmup", "0",
            "--compare-megvii-yolox", "--device", "cpu"]
    try:
        import yolox  # noqa: F401
    except ImportError:
        with pytest.raises(bench.ConfigInputError, match="'yolox' package is not importable"):
            bench.main(argv)
    else:
        out = bench.main(argv)
        assert out["megvii_yolox_fps"] > 0
        assert out["megvii_yolox_ratio"] == pytest.approx(out["fps"] / out["megvii_yolox_fps"])
