"""CocoVID: the COCO API extended with videos and instance tracks."""

from __future__ import annotations

from collections import defaultdict
from typing import Optional, Sequence, Union

from .coco_api import COCO


class CocoVID(COCO):
    """Parser of CocoVID JSON files (COCO plus videos and instance ids).

    A CocoVID file is a COCO file with a top-level ``videos`` list
    (``{id, name}``), ``video_id`` and 0-based ``frame_id`` on every image and
    ``instance_id`` on annotations of tracked objects.

    Indexes built on top of COCO's:

    * ``videos``: ``video id -> video dict``.
    * ``vidToImgs``: ``video id -> list of image dicts`` (in file order).
    * ``vidToInstances``: ``video id -> list of instance ids`` (first-seen order).
    * ``instancesToImgs``: ``instance id -> list of image ids``.

    Args:
        annotation_file: path of the JSON file.
        load_img_as_vid: when True and the file has no ``videos`` (plain COCO,
            e.g. CrowdHuman or COCO itself), every image becomes a one-frame
            video (``video_id = image id``, ``frame_id = 0``) and every
            annotation its own instance (``instance_id = annotation id``).
            Defaults to False.

    Examples:
        >>> import json, tempfile, os
        >>> d = dict(videos=[dict(id=1, name='v')],
        ...          images=[dict(id=10, video_id=1, frame_id=1, file_name='b.jpg'),
        ...                  dict(id=11, video_id=1, frame_id=0, file_name='a.jpg')],
        ...          annotations=[], categories=[dict(id=1, name='person')])
        >>> path = os.path.join(tempfile.mkdtemp(), 'ann.json')
        >>> json.dump(d, open(path, 'w'))
        >>> CocoVID(path).get_img_ids_from_vid(1)
        [11, 10]
    """

    def __init__(self, annotation_file: Optional[str] = None, load_img_as_vid: bool = False):
        if annotation_file is None:
            raise ValueError("CocoVID needs an annotation file")
        self.load_img_as_vid = load_img_as_vid
        super().__init__(annotation_file)

    def convert_img_to_vid(self, dataset: dict) -> dict:
        """Turn a plain COCO dict into one-frame videos (in place) and return it."""
        videos = []
        for img in dataset.get("images", []):
            videos.append(dict(id=img["id"], name=img.get("file_name", str(img["id"]))))
            img["video_id"] = img["id"]
            img["frame_id"] = 0
        dataset["videos"] = videos
        for ann in dataset.get("annotations", []):
            ann["video_id"] = ann["image_id"]
            ann.setdefault("instance_id", ann["id"])
        return dataset

    def createIndex(self) -> None:  # noqa: N802 (pycocotools name)
        """Build the COCO indexes and the video/instance indexes."""
        if "videos" not in self.dataset:
            if self.load_img_as_vid:
                self.dataset = self.convert_img_to_vid(self.dataset)
            else:
                raise ValueError(
                    f"{self.ann_file}: missing top-level field 'videos' (not a CocoVID file); "
                    "set load_img_as_vid=True (load_as_video=False in datasets) to read "
                    "plain COCO images as one-frame videos"
                )
        super().createIndex()

        videos: dict = {}
        vid_to_imgs: dict = defaultdict(list)
        vid_to_instances: dict = defaultdict(list)
        instances_to_imgs: dict = defaultdict(list)
        for video in self.dataset["videos"]:
            self._require(video, "id", "videos")
            videos[video["id"]] = video
        seen_frames: dict = defaultdict(set)
        for img in self.dataset.get("images", []):
            self._require(img, "video_id", "images")
            self._require(img, "frame_id", "images")
            vid, fid = img["video_id"], img["frame_id"]
            if vid not in videos:
                raise ValueError(
                    f"{self.ann_file}: image id={img['id']} has field 'video_id'={vid} "
                    "that is not in 'videos'"
                )
            if not isinstance(fid, int) or isinstance(fid, bool) or fid < 0:
                raise ValueError(
                    f"{self.ann_file}: image id={img['id']} has invalid field "
                    f"'frame_id'={fid!r} (must be an int >= 0)"
                )
            if fid in seen_frames[vid]:
                raise ValueError(
                    f"{self.ann_file}: image id={img['id']} repeats field 'frame_id'={fid} "
                    f"in video {vid}"
                )
            seen_frames[vid].add(fid)
            vid_to_imgs[vid].append(img)
        seen_pairs: set = set()
        for ann in self.dataset.get("annotations", []):
            if "instance_id" not in ann:
                continue
            ins_id = ann["instance_id"]
            instances_to_imgs[ins_id].append(ann["image_id"])
            img = self.imgs.get(ann["image_id"])
            vid = ann.get("video_id", img["video_id"] if img is not None else None)
            if vid is not None and (vid, ins_id) not in seen_pairs:
                seen_pairs.add((vid, ins_id))
                vid_to_instances[vid].append(ins_id)
        self.videos = videos
        self.vidToImgs = vid_to_imgs
        self.vidToInstances = vid_to_instances
        self.instancesToImgs = instances_to_imgs

    def get_vid_ids(self, vidIds: Union[int, Sequence[int]] = ()) -> list[int]:  # noqa: N803
        """Video ids: all videos (file order) when ``vidIds`` is empty, else the
        given ids that exist."""
        if isinstance(vidIds, int):
            vidIds = [vidIds]
        if len(vidIds) == 0:
            return list(self.videos.keys())
        return [v for v in vidIds if v in self.videos]

    def get_img_ids_from_vid(self, vidId: int) -> list[int]:  # noqa: N803
        """Image ids of a video, sorted by ``frame_id``."""
        imgs = sorted(self.vidToImgs.get(vidId, []), key=lambda img: img["frame_id"])
        return [img["id"] for img in imgs]

    def get_ins_ids_from_vid(self, vidId: int) -> list[int]:  # noqa: N803
        """Instance ids appearing in a video (first-seen order)."""
        return list(self.vidToInstances.get(vidId, []))

    def get_img_ids_from_ins_id(self, insId: int) -> list[int]:  # noqa: N803
        """Image ids where an instance appears (annotation order)."""
        return list(self.instancesToImgs.get(insId, []))

    def load_vids(self, ids: Union[int, Sequence[int]] = ()) -> list[dict]:
        """Video dicts of the given ids (all when empty)."""
        if isinstance(ids, int):
            return [self.videos[ids]]
        if len(ids) == 0:
            return list(self.videos.values())
        return [self.videos[i] for i in ids]
