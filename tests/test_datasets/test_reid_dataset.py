import os

import numpy as np
import pytest

from mmtrack.registry import DATASETS
from tests.helpers.data import write_image


def _reid_root(root, per_id=(3, 2, 4)):
    lines = []
    for pid, n in enumerate(per_id):
        for k in range(n):
            name = f"SEQ_{pid:06d}/{k:06d}.jpg"
            write_image(os.path.join(root, "imgs", name), 16, 8 + pid, seed=10 * pid + k)
            lines.append(f"{name} {pid}")
    os.makedirs(os.path.join(root, "meta"), exist_ok=True)
    path = os.path.join(root, "meta", "train.txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


TRAIN_PIPELINE = [
    dict(
        type="TransformBroadcaster",
        share_random_params=False,
        transforms=[
            dict(type="LoadImageFromFile"),
            dict(type="Resize", scale=(8, 16), keep_ratio=False),
            dict(type="RandomFlip", prob=0.5),
        ],
    ),
    dict(type="PackReIDInputs", meta_keys=("flip",)),
]


def build(root, ann, **kw):
    cfg = dict(type="ReIDDataset", ann_file=ann, data_prefix=dict(img_path=root + "/imgs"))
    cfg.update(kw)
    return DATASETS.build(cfg)


def test_list_file(tmp_path):
    root = str(tmp_path)
    ds = build(root, _reid_root(root))
    assert len(ds) == 9
    info = ds.get_data_info(4)
    assert info["img_path"] == os.path.join(root, "imgs", "SEQ_000001/000001.jpg")
    assert int(info["gt_label"]) == 1
    assert ds.pids.tolist() == [0, 1, 2]
    assert ds.index_dic[2].tolist() == [5, 6, 7, 8]


@pytest.mark.parametrize("seed", range(4))
def test_triplet_group(tmp_path, seed):
    root = str(tmp_path)
    ds = build(
        root,
        _reid_root(root),
        triplet_sampler=dict(num_ids=2, ins_per_id=3),
        pipeline=TRAIN_PIPELINE,
    )
    np.random.seed(seed)
    out = ds[4]  # identity 1
    assert out["inputs"].shape == (6, 3, 16, 8)
    labels = out["data_samples"].gt_label.label.tolist()
    assert labels[:3] == [1, 1, 1]  # ins_per_id crops of the anchor identity
    assert len(set(labels[3:])) == 1 and labels[3] in (0, 2)  # one other identity
    assert len(out["data_samples"].flip) == 6


def test_single_crop_and_errors(tmp_path):
    root = str(tmp_path)
    ann = _reid_root(root)
    test_pipeline = [
        dict(type="LoadImageFromFile"),
        dict(type="Resize", scale=(8, 16), keep_ratio=False),
        dict(type="PackReIDInputs"),
    ]
    out = build(root, ann, pipeline=test_pipeline, test_mode=True)[0]
    assert out["inputs"].shape == (1, 3, 16, 8)
    assert out["data_samples"].gt_label.label.tolist() == [0]
    with pytest.raises(ValueError, match="num_ids=4"):
        build(root, ann, triplet_sampler=dict(num_ids=4, ins_per_id=1)).triplet_sampling(0, 4, 1)
    with open(ann, "a") as f:
        f.write("SEQ_000000/000000.jpg person\n")
    with pytest.raises(ValueError) as e:
        build(root, ann)
    assert f"{ann}:10" in str(e.value) and "'label'" in str(e.value)
    with pytest.raises(ValueError, match="num_ids"):
        build(root, ann, triplet_sampler=dict(num_ids=0))
