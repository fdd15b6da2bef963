import json
import os.path as osp

import pytest

from mmtrack.datasets import CocoVID


def _write(tmp_path, data, name="ann.json"):
    path = osp.join(str(tmp_path), name)
    with open(path, "w") as f:
        json.dump(data, f)
    return path


def _cocovid():
    # video 1: frames listed out of order; video 2: one frame.
    return dict(
        videos=[dict(id=1, name="a"), dict(id=2, name="b")],
        images=[
            dict(id=11, video_id=1, frame_id=2, file_name="a/2.jpg"),
            dict(id=10, video_id=1, frame_id=0, file_name="a/0.jpg"),
            dict(id=12, video_id=1, frame_id=1, file_name="a/1.jpg"),
            dict(id=20, video_id=2, frame_id=0, file_name="b/0.jpg"),
        ],
        annotations=[
            dict(id=1, image_id=10, video_id=1, category_id=1, instance_id=5, bbox=[0, 0, 2, 2]),
            dict(id=2, image_id=12, video_id=1, category_id=1, instance_id=5, bbox=[1, 0, 2, 2]),
            dict(id=3, image_id=12, video_id=1, category_id=1, instance_id=6, bbox=[3, 0, 2, 2]),
            dict(id=4, image_id=20, video_id=2, category_id=1, instance_id=7, bbox=[0, 0, 2, 2]),
        ],
        categories=[dict(id=1, name="person")],
    )


def test_indexes(tmp_path):
    api = CocoVID(_write(tmp_path, _cocovid()))
    assert api.get_vid_ids() == [1, 2]
    assert api.get_vid_ids(2) == [2]
    assert api.get_img_ids_from_vid(1) == [10, 12, 11]  # sorted by frame_id
    assert api.get_ins_ids_from_vid(1) == [5, 6]
    assert api.get_ins_ids_from_vid(2) == [7]
    assert api.get_img_ids_from_ins_id(5) == [10, 12]
    assert sorted(api.videos) == [1, 2]
    assert [img["id"] for img in api.vidToImgs[1]] == [11, 10, 12]
    assert api.vidToInstances[1] == [5, 6]
    assert api.instancesToImgs[6] == [12]
    assert api.load_vids([2])[0]["name"] == "b"
    # COCO API still works (snake_case aliases)
    assert api.get_ann_ids(img_ids=[12]) == [2, 3]
    assert api.get_cat_ids(cat_names=["person"]) == [1]
    assert api.cat_img_map[1] == [10, 12, 12, 20]


def test_load_img_as_vid(tmp_path):
    coco = dict(
        images=[dict(id=3, file_name="x.jpg"), dict(id=4, file_name="y.jpg")],
        annotations=[
            dict(id=9, image_id=4, category_id=1, bbox=[0, 0, 1, 1]),
            dict(id=8, image_id=4, category_id=1, bbox=[0, 0, 1, 1]),
        ],
        categories=[dict(id=1, name="person")],
    )
    path = _write(tmp_path, coco)
    with pytest.raises(ValueError, match="videos"):
        CocoVID(path)
    api = CocoVID(path, load_img_as_vid=True)
    assert api.get_vid_ids() == [3, 4]
    assert api.get_img_ids_from_vid(4) == [4]
    assert api.imgs[4]["frame_id"] == 0 and api.imgs[4]["video_id"] == 4
    assert api.get_ins_ids_from_vid(4) == [9, 8]  # instance id = annotation id
    assert api.get_img_ids_from_ins_id(8) == [4]


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda d: d["images"][0].pop("video_id"), "video_id"),
        (lambda d: d["images"][0].pop("frame_id"), "frame_id"),
        (lambda d: d["images"][1].update(frame_id=2), "frame_id"),  # duplicate in video 1
        (lambda d: d["images"][1].update(frame_id=-1), "frame_id"),
        (lambda d: d["images"][0].update(video_id=9), "video_id"),
        (lambda d: d["annotations"][0].pop("image_id"), "image_id"),
        (lambda d: d["annotations"][0].pop("category_id"), "category_id"),
    ],
)
def test_malformed_file_names_file_and_field(tmp_path, edit, field):
    data = _cocovid()
    edit(data)
    path = _write(tmp_path, data)
    with pytest.raises(ValueError) as e:
        CocoVID(path)
    assert path in str(e.value) and f"'{field}'" in str(e.value)


def test_missing_or_broken_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.json"):
        CocoVID(osp.join(str(tmp_path), "nope.json"))
    path = osp.join(str(tmp_path), "bad.json")
    with open(path, "w") as f:
        f.write("{not json")
    with pytest.raises(ValueError, match="bad.json"):
        CocoVID(path)
