"""tools/analysis_tools/publish_model.py: training state dropped, sha256 prefix in the name."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

from mmtrack.utils import safe_torch_load
from tests.helpers.tools import load_tool

tool = load_tool("tools/analysis_tools/publish_model.py")


def test_publish_drops_training_state_and_names_by_hash(tmp_path, capsys):
    state = {
        "detector.conv.weight": torch.arange(6.0).reshape(2, 3),
        "detector.conv.bias": torch.ones(2),
    }
    checkpoint = dict(
        meta=dict(epoch=3, dataset_meta=dict(classes=("pedestrian",)), seed=np.int64(5)),
        state_dict=state,
        optimizer=dict(state={0: dict(momentum_buffer=torch.zeros(2))}, param_groups=[]),
        message_hub=dict(log_scalars=dict(loss=HistoryBuffer([1.0, 2.0], [1, 1]))),
        param_schedulers=[dict(last_epoch=3)],
    )
    torch.save(checkpoint, tmp_path / "epoch_3.pth")
    out_dir = tmp_path / "release"
    assert tool.main([str(tmp_path / "epoch_3.pth"), str(out_dir / "model.pth")]) == 0
    files = os.listdir(out_dir)
    assert len(files) == 1 and files[0].startswith("model-") and files[0].endswith(".pth")
    published = out_dir / files[0]
    digest = hashlib.sha256(published.read_bytes()).hexdigest()
    assert files[0] == f"model-{digest[:8]}.pth"
    assert f"published {published}" in capsys.readouterr().out
    loaded = safe_torch_load(str(published))
    assert set(loaded) == {"meta", "state_dict"}
    assert loaded["meta"]["dataset_meta"]["classes"] == ("pedestrian",)
    for k, v in state.items():
        assert torch.equal(loaded["state_dict"][k], v)


def test_publish_errors(tmp_path, capsys):
    assert tool.main([str(tmp_path / "missing.pth"), str(tmp_path / "o.pth")]) == 1
    assert "missing.pth" in capsys.readouterr().err
    torch.save([1, 2, 3], tmp_path / "list.pth")
    assert tool.main([str(tmp_path / "list.pth"), str(tmp_path / "o.pth")]) == 1
    assert "expected a checkpoint dict" in capsys.readouterr().err
    assert [p for p in os.listdir(tmp_path) if p.startswith("o")] == []
