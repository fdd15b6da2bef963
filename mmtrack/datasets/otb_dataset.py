"""OTB-100 (OTB-2015): object tracking benchmark, used for testing."""

from __future__ import annotations

import os
import os.path as osp
import re

import numpy as np

from mmtrack.registry import DATASETS

from .base_sot_dataset import BaseSOTDataset, frame_id_range, parse_box_file

# Sequences whose evaluated frames do not start at frame 1, from the OTB
# benchmark's sequence configuration (configSeqs.m): frame of the first box.
OTB_START_FRAMES = {"David": 300, "BlurCar1": 247, "BlurCar3": 3, "BlurCar4": 18}
# Sequences whose tracker initialisation skips frames (OTB ``initOmit``): the
# box file covers frames 1.., the first ``n`` boxes are dropped.
OTB_INIT_SKIP = {"Tiger1": 5}
_GT_RE = re.compile(r"^groundtruth_rect(\.\d+)?\.txt$")


def otb_framename_template(video_name: str) -> str:
    """Frame-name template of an OTB video (``Board`` has 5 digits)."""
    return "%05d.jpg" if video_name == "Board" else "%04d.jpg"


def list_otb_videos(data_root: str) -> list[dict]:
    """Videos of OTB-100 in the native layout ``<root>/<Video>/img``.

    One record per box file, so ``Jogging`` (``groundtruth_rect.1.txt`` and
    ``.2.txt``) gives two. The first frame is 1 except for the sequences of
    ``OTB_START_FRAMES``/``OTB_INIT_SKIP``; the last is the first plus the number
    of boxes minus one (``Tiger1``: the number of boxes).

    Args:
        data_root (str): Folder holding one folder per video.

    Returns:
        list[dict]: Records sorted by video and box file, e.g.
        ``Basketball/img,Basketball/groundtruth_rect.txt,1,725``.

    Raises:
        ValueError: If a box file lists more frames than the video has.
    """
    infos = []
    for name in sorted(os.listdir(data_root)):
        video_dir = osp.join(data_root, name)
        if not osp.isdir(osp.join(video_dir, "img")):
            continue
        gt_files = sorted(f for f in os.listdir(video_dir) if _GT_RE.match(f))
        if not gt_files:
            raise FileNotFoundError(f"{video_dir}: no groundtruth_rect*.txt box file")
        _, last_image = frame_id_range(osp.join(video_dir, "img"))
        for gt_file in gt_files:
            num_boxes = len(parse_box_file(osp.join(video_dir, gt_file)))
            if name in OTB_INIT_SKIP:
                start, end = OTB_INIT_SKIP[name] + 1, num_boxes
            else:
                start = OTB_START_FRAMES.get(name, 1)
                end = start + num_boxes - 1
            if end > last_image:
                raise ValueError(
                    f"{osp.join(video_dir, gt_file)}: boxes cover frames {start}..{end} but "
                    f"the last image is {last_image}"
                )
            info = dict(
                video_path=osp.join(name, "img"),
                ann_path=osp.join(name, gt_file),
                start_frame_id=start,
                end_frame_id=end,
                framename_template=otb_framename_template(name),
            )
            if name in OTB_INIT_SKIP:
                info["init_skip_num"] = OTB_INIT_SKIP[name]
            infos.append(info)
    return infos


@DATASETS.register_module()
class OTB100Dataset(BaseSOTDataset):
    """OTB-100 dataset (testing only).

    Frames are ``<Video>/img/%04d.jpg`` (``Board``: ``%05d``); boxes
    ``x,y,w,h`` separated by commas, tabs or spaces in
    ``<Video>/groundtruth_rect[.k].txt``.
    """

    FRAMENAME_TEMPLATE = "%04d.jpg"

    def adjust_video_info(self, info: dict) -> dict:
        """Set the frame-name template and ``init_skip_num`` of special videos."""
        name = osp.basename(osp.dirname(osp.normpath(info["video_path"])))
        info["framename_template"] = otb_framename_template(name)
        if name in OTB_INIT_SKIP:
            info["init_skip_num"] = OTB_INIT_SKIP[name]
        return info

    def scan_videos(self, root: str) -> list[dict]:
        """All videos under ``root`` (see :func:`list_otb_videos`)."""
        return list_otb_videos(root)

    def _load_boxes(self, video_idx: int) -> np.ndarray:
        bboxes = super()._load_boxes(video_idx)
        return bboxes[self.get_data_info(video_idx).get("init_skip_num", 0) :]
