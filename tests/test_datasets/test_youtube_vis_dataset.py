import json

import numpy as np
import pytest

from mmtrack.datasets.youtube_vis_dataset import (
    YOUTUBE_VIS_2019_CLASSES,
    YOUTUBE_VIS_2021_CLASSES,
)
from mmtrack.registry import DATASETS
from tests.helpers.data import make_cocovid


def test_class_sets():
    assert len(YOUTUBE_VIS_2019_CLASSES) == 40 and len(set(YOUTUBE_VIS_2019_CLASSES)) == 40
    assert len(YOUTUBE_VIS_2021_CLASSES) == 40 and len(set(YOUTUBE_VIS_2021_CLASSES)) == 40
    assert YOUTUBE_VIS_2019_CLASSES[:3] == ("person", "giant_panda", "lizard")
    assert YOUTUBE_VIS_2021_CLASSES[:3] == ("airplane", "bear", "bird")
    only_2019 = set(YOUTUBE_VIS_2019_CLASSES) - set(YOUTUBE_VIS_2021_CLASSES)
    only_2021 = set(YOUTUBE_VIS_2021_CLASSES) - set(YOUTUBE_VIS_2019_CLASSES)
    assert only_2019 == {"sedan", "ape", "hand", "owl", "eagle"}
    assert only_2021 == {"bird", "car", "flying_disc", "squirrel", "whale"}


def test_masks_through_the_pipeline(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(
        root, video_lengths=(2,), num_objects=1, categories=("person",), img_size=(3, 2)
    )
    data = json.load(open(ann))
    # uncompressed RLE, column-major: 1 zero, 2 ones, 3 zeros -> column 0 = [0, 1, 1]
    for a in data["annotations"]:
        a["bbox"] = [0, 1, 1, 2]
        a["segmentation"] = dict(size=[3, 2], counts=[1, 2, 3])
    json.dump(data, open(ann, "w"))
    pipeline = [
        dict(
            type="TransformBroadcaster",
            transforms=[
                dict(type="LoadImageFromFile"),
                dict(type="LoadTrackAnnotations", with_mask=True),
            ],
        ),
        dict(type="PackTrackInputs"),
    ]
    ds = DATASETS.build(
        dict(
            type="YouTubeVISDataset",
            dataset_version="2019",
            ann_file=ann,
            data_prefix=dict(img_path=root),
            pipeline=pipeline,
            test_mode=True,
        )
    )
    assert ds.metainfo["classes"] == YOUTUBE_VIS_2019_CLASSES
    masks = ds[(0, 1)]["data_samples"][0].gt_instances.masks
    np.testing.assert_array_equal(masks.numpy(), [[[False, False], [True, False], [True, False]]])


def test_bad_version(tmp_path):
    with pytest.raises(ValueError, match="dataset_version"):
        DATASETS.build(dict(type="YouTubeVISDataset", dataset_version="2020", ann_file="x"))
