"""tools/test.py --channels-last / --amp / --compile on the ByteTrack demo model and data."""

from __future__ import annotations

import json
import os.path as osp
from pathlib import Path

import pytest

from tests.helpers.mot import shared_dir
from tests.helpers.tools import load_tool

quickstart = load_tool("demo/quickstart.py")
test_tool = load_tool("tools/test.py")


def _make_data(folder: str) -> None:
    """One synthetic test video of 8 frames (the demo model's test generator, seed 0)."""
    from mmtrack.datasets.synthetic import generate_mot_sequences

    generate_mot_sequences(folder, split="test", num_seqs=1, num_frames=8, seed=0)
    mot2coco = load_tool("tools/dataset_converters/mot/mot2coco.py")
    mot2coco.main(["-i", folder, "-o", osp.join(folder, "annotations")])


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    return shared_dir(tmp_path_factory, "speed_switch_mot_data", _make_data)


def _test(data_root: str, work_dir: Path, *flags: str) -> dict:
    rc = test_tool.run_tool(test_tool.main, [
        quickstart.CONFIG, "--checkpoint", quickstart.checkpoint_path(), "--work-dir",
        str(work_dir), "--cfg-options", f"test_dataloader.dataset.data_root={data_root}/",
        "default_hooks.logger.interval=1000", *flags])
    assert rc == 0
    logs = list(work_dir.glob("*/*.json"))
    assert len(logs) == 1, logs
    return json.loads(logs[0].read_text())


@pytest.fixture(scope="module")
def plain(data_root: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _test(data_root, tmp_path_factory.mktemp("plain"))


@pytest.mark.parametrize("flags,tol", [
    (["--channels-last"], 1e-6),        # same arithmetic, another memory layout
    (["--compile", "eager"], 1e-6),     # dynamo's graph run by the eager kernels
    (["--fuse-conv-bn", "--channels-last"], 1e-6),
    # bf16 moves boxes by up to ~1 px (see tests/test_utils/test_inference_switches.py):
    # an 8-frame HOTA may change by a point, IDs and detections not
    (["--amp", "bf16"], 1.5),
])
def test_each_switch_runs_end_to_end(data_root, plain, tmp_path, flags, tol) -> None:
    metrics = _test(data_root, tmp_path, *flags)
    assert plain["motchallenge-metric/HOTA"] > 50  # the demo model tracks this video
    for key in ("HOTA", "MOTA", "IDF1"):
        key = f"motchallenge-metric/{key}"
        assert metrics[key] == pytest.approx(plain[key], abs=tol), key
    assert metrics["motchallenge-metric/IDSw"] == plain["motchallenge-metric/IDSw"]


def test_bad_flags_are_one_clear_error(capsys) -> None:
    with pytest.raises(SystemExit):
        test_tool.parse_args([quickstart.CONFIG, "--amp", "fp32"])
    assert "argument --amp: invalid choice: 'fp32'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        test_tool.parse_args([quickstart.CONFIG, "--compile", ""])
    assert "--compile: the backend name is empty" in capsys.readouterr().err
    args = test_tool.parse_args([quickstart.CONFIG, "--compile", "--amp", "bf16"])
    switches = args.switches
    assert (switches.compile, switches.amp, switches.channels_last) == ("inductor", "bf16", False)


def test_compile_of_a_model_without_backbone_is_refused(tmp_path, capsys) -> None:
    from tests.helpers.toy import TOY_CONFIG

    rc = test_tool.run_tool(test_tool.main, [TOY_CONFIG, "--work-dir", str(tmp_path),
                                             "--compile", "eager"])
    assert rc == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.endswith("--compile: ToyTrackModel has no backbone to compile (compile works on "
                         "models with a backbone, or a detector with one)"), last
    assert not list(tmp_path.glob("*/*.json"))  # nothing was evaluated
