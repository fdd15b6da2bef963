"""The shipped offline demo model loads and still reaches its recorded scores."""

import hashlib
import json
import os.path as osp

import pytest

from tests.helpers.tools import REPO_ROOT, load_tool

quickstart = load_tool("demo/quickstart.py")


def test_checkpoint_is_small_and_named_by_its_hash():
    path = quickstart.checkpoint_path()
    assert osp.getsize(path) <= 20 * 1024 * 1024
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert path.endswith(f"-{digest[:8]}.pth")


def test_checkpoint_loads_into_the_config():
    from mmtrack.apis import init_model

    model = init_model(quickstart.CONFIG, quickstart.checkpoint_path(), device="cpu")
    assert type(model).__name__ == "ByteTrack"
    assert list(model.dataset_meta["classes"]) == ["pedestrian"]


@pytest.mark.slow
def test_recorded_scores_on_the_synthetic_test_videos(tmp_path):
    data_root = str(tmp_path / "synthetic_test")
    quickstart.make_test_data(data_root)
    metrics = quickstart.evaluate(data_root, str(tmp_path / "eval"))
    with open(osp.join(REPO_ROOT, "demo", "checkpoints",
                       "bytetrack_yolox-nano_synthetic-demo.json")) as f:
        recorded = json.load(f)
    for key in ("HOTA", "MOTA", "IDF1"):
        assert abs(metrics[key] - recorded[key]) <= 0.5, (key, metrics[key], recorded[key])
    # a model that learned something: far above an empty tracker's 0
    assert metrics["HOTA"] > 50
