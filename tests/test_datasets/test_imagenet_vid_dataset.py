import json
import os

from mmtrack.datasets.imagenet_vid_dataset import IMAGENET_VID_CLASSES
from mmtrack.registry import DATASETS
from tests.helpers.data import make_cocovid


def test_vid_train_frames_are_key_frames(tmp_path):
    root = str(tmp_path)
    ann = make_cocovid(root, video_lengths=(4,), categories=("airplane",), write_images=False)
    data = json.load(open(ann))
    for img in data["images"]:
        img["is_vid_train_frame"] = img["frame_id"] in (1, 3)
    json.dump(data, open(ann, "w"))
    cfg = dict(type="ImagenetVIDDataset", ann_file=ann, data_prefix=dict(img_path=root))
    train = DATASETS.build(cfg)
    assert train.get_key_frame_inds(0) == [1, 3]
    assert train.get_len_per_video(0) == 4
    test = DATASETS.build(dict(cfg, test_mode=True))
    assert test.get_key_frame_inds(0) == [0, 1, 2, 3]
    assert len(IMAGENET_VID_CLASSES) == 30 and train.metainfo["classes"][0] == "airplane"


def test_det_images_as_one_frame_videos(tmp_path):
    root = str(tmp_path)
    det = dict(
        images=[
            dict(id=1, file_name="a.JPEG", height=30, width=40, is_vid_train_frame=True),
            dict(id=2, file_name="b.JPEG", height=30, width=40, is_vid_train_frame=False),
        ],
        annotations=[
            dict(id=1, image_id=1, category_id=5, bbox=[1, 2, 10, 10], area=100),
            dict(id=2, image_id=1, category_id=31, bbox=[3, 4, 10, 10], area=100),
        ],
        categories=[dict(id=5, name="bird"), dict(id=31, name="other_categories")],
    )
    ann = os.path.join(root, "det.json")
    json.dump(det, open(ann, "w"))
    ds = DATASETS.build(
        dict(
            type="ImagenetVIDDataset",
            ann_file=ann,
            load_as_video=False,
            data_prefix=dict(img_path=root),
            ref_img_sampler=dict(num_ref_imgs=2, frame_range=0, filter_key_img=False),
        )
    )
    assert len(ds) == 2
    assert ds.get_key_frame_inds(0) == [0] and ds.get_key_frame_inds(1) == []
    instances = ds.get_data_info(0)["images"][0]["instances"]
    assert len(instances) == 1  # other_categories skipped
    assert instances[0]["bbox_label"] == IMAGENET_VID_CLASSES.index("bird")
    assert instances[0]["bbox"] == [1.0, 2.0, 11.0, 12.0]
    frames, flags, _ = ds.sample_frames(ds.get_data_info(0), 0)
    assert frames == [0, 0, 0] and flags == [True, False, False]
