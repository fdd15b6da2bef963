"""LaSOT: large-scale single object tracking benchmark."""

from __future__ import annotations

import os
import os.path as osp

import numpy as np

from mmtrack.registry import DATASETS

from .base_sot_dataset import BaseSOTDataset, frame_id_range, parse_label_file


def list_lasot_videos(data_root: str, video_names: list[str] | None = None) -> list[dict]:
    """List LaSOT videos in the native layout ``<root>/<class>/<class>-<k>/img``.

    Args:
        data_root (str): ``LaSOTBenchmark`` folder.
        video_names (list[str], optional): Keep only these videos (e.g. the
            280 of ``testing_set.txt``); all found videos if None.

    Returns:
        list[dict]: Video records sorted by video name, paths relative to
        ``data_root``: ``airplane/airplane-1/img``,
        ``airplane/airplane-1/groundtruth.txt``, frames 1..last.

    Raises:
        FileNotFoundError: If a requested video is missing.
    """
    if video_names is None:
        video_names = []
        for cls in sorted(os.listdir(data_root)):
            cls_dir = osp.join(data_root, cls)
            if not osp.isdir(cls_dir):
                continue
            for name in os.listdir(cls_dir):
                if name.startswith(f"{cls}-") and osp.isdir(osp.join(cls_dir, name)):
                    video_names.append(name)
    infos = []
    for name in sorted(video_names):
        video_dir = osp.join(name.rsplit("-", 1)[0], name)
        if not osp.isdir(osp.join(data_root, video_dir)):
            raise FileNotFoundError(f"{osp.join(data_root, video_dir)}: LaSOT video not found")
        _, last = frame_id_range(osp.join(data_root, video_dir, "img"))
        infos.append(
            dict(
                video_path=osp.join(video_dir, "img"),
                ann_path=osp.join(video_dir, "groundtruth.txt"),
                start_frame_id=1,
                end_frame_id=last,
                framename_template=LaSOTDataset.FRAMENAME_TEMPLATE,
            )
        )
    return infos


@DATASETS.register_module()
class LaSOTDataset(BaseSOTDataset):
    """LaSOT dataset (training and testing).

    Frames are ``<class>/<class>-<k>/img/%08d.jpg``; boxes ``x,y,w,h`` per line
    in ``groundtruth.txt``; the target is invisible where
    ``full_occlusion.txt`` or ``out_of_view.txt`` (comma-separated 0/1) say so.
    """

    FRAMENAME_TEMPLATE = "%08d.jpg"

    def scan_videos(self, root: str) -> list[dict]:
        """All videos under ``root`` (see :func:`list_lasot_videos`)."""
        return list_lasot_videos(root)

    def get_visibility_from_video(self, video_idx: int) -> dict:
        """Visible unless fully occluded or out of view.

        Args:
            video_idx (int): Video index.

        Returns:
            dict: ``visible``: ``(N,)`` bool.
        """
        video_dir = osp.dirname(self.get_data_info(video_idx)["video_path"])
        folder = osp.join(self.img_root, video_dir)
        full_occlusion = parse_label_file(osp.join(folder, "full_occlusion.txt"), bool)
        out_of_view = parse_label_file(osp.join(folder, "out_of_view.txt"), bool)
        if len(full_occlusion) != len(out_of_view):
            raise ValueError(
                f"{folder}: full_occlusion.txt has {len(full_occlusion)} values but "
                f"out_of_view.txt has {len(out_of_view)}"
            )
        return dict(visible=~(np.asarray(full_occlusion) | np.asarray(out_of_view)))
