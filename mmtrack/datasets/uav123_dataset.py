"""UAV123: aerial-video tracking benchmark, used for testing."""

from __future__ import annotations

import os
import os.path as osp
import re

from mmtrack.registry import DATASETS

from .base_sot_dataset import BaseSOTDataset, frame_id_range, parse_box_file

# Several UAV123 sequences are parts of one longer recording: ``bird1_2`` is
# frames 775.. of folder ``bird1``. First frame of each part that does not start
# at frame 1, from the benchmark's sequence configuration (configSeqs.m).
UAV123_START_FRAMES = {
    "bird1_2": 775, "bird1_3": 1573, "car16_2": 415, "car1_2": 751, "car1_3": 1627,
    "car6_2": 487, "car6_3": 1807, "car6_4": 2953, "car6_5": 3925, "car8_2": 1357,
    "group1_2": 1333, "group1_3": 2515, "group1_4": 3925, "group2_2": 907,
    "group2_3": 1771, "group3_2": 1567, "group3_3": 2827, "group3_4": 4369,
    "person12_2": 601, "person14_2": 847, "person14_3": 1813, "person17_2": 1501,
    "person19_2": 1243, "person19_3": 2791, "person2_2": 1189, "person4_2": 1501,
    "person5_2": 877, "person7_2": 1249, "person8_2": 1075, "truck4_2": 577,
    "uav1_2": 1555, "uav1_3": 2473,
}  # fmt: skip
_PART_RE = re.compile(r"^(.+)_(\d+)$")


def list_uav123_videos(
    data_root: str, seq_dir: str = "data_seq/UAV123", anno_dir: str = "anno/UAV123"
) -> list[dict]:
    """Sequences of UAV123 in the native layout.

    One record per box file ``<anno_dir>/<name>.txt``. Its frames are in
    ``<seq_dir>/<name>`` or, for a part ``<base>_<k>`` of a longer recording, in
    ``<seq_dir>/<base>``, from ``UAV123_START_FRAMES`` (1 if not listed) to that
    plus the number of boxes minus one.

    Args:
        data_root (str): UAV123 root.
        seq_dir (str): Frame folders, relative to the root.
            Defaults to "data_seq/UAV123".
        anno_dir (str): Box files, relative to the root. Defaults to "anno/UAV123".

    Returns:
        list[dict]: Records sorted by sequence name, e.g.
        ``data_seq/UAV123/bird1,anno/UAV123/bird1_2.txt,775,1477``.

    Raises:
        FileNotFoundError: If a sequence's frame folder is missing.
        ValueError: If its boxes cover frames beyond the last image.
    """
    anno_root = osp.join(data_root, anno_dir)
    if not osp.isdir(anno_root):
        raise FileNotFoundError(f"{anno_root}: UAV123 annotation folder not found")
    infos = []
    for ann_name in sorted(os.listdir(anno_root)):
        name, ext = osp.splitext(ann_name)
        if ext != ".txt":
            continue
        folder = name
        part = _PART_RE.match(name)
        if not osp.isdir(osp.join(data_root, seq_dir, folder)) and part:
            folder = part.group(1)
        img_dir = osp.join(data_root, seq_dir, folder)
        if not osp.isdir(img_dir):
            raise FileNotFoundError(f"{img_dir}: frame folder of {anno_dir}/{ann_name} not found")
        num_boxes = len(parse_box_file(osp.join(anno_root, ann_name)))
        start = UAV123_START_FRAMES.get(name, 1)
        end = start + num_boxes - 1
        _, last_image = frame_id_range(img_dir)
        if end > last_image:
            raise ValueError(
                f"{osp.join(anno_root, ann_name)}: boxes cover frames {start}..{end} but the "
                f"last image of {img_dir} is {last_image}"
            )
        infos.append(
            dict(
                video_path=osp.join(seq_dir, folder),
                ann_path=osp.join(anno_dir, ann_name),
                start_frame_id=start,
                end_frame_id=end,
                framename_template=UAV123Dataset.FRAMENAME_TEMPLATE,
            )
        )
    return infos


@DATASETS.register_module()
class UAV123Dataset(BaseSOTDataset):
    """UAV123 dataset (testing only).

    Frames are ``data_seq/UAV123/<video>/%06d.jpg``; boxes ``x,y,w,h`` in
    ``anno/UAV123/<name>.txt``, ``NaN`` where the target is out of view (those
    frames count as invisible).
    """

    FRAMENAME_TEMPLATE = "%06d.jpg"

    def scan_videos(self, root: str) -> list[dict]:
        """All sequences under ``root`` (see :func:`list_uav123_videos`)."""
        return list_uav123_videos(root)
