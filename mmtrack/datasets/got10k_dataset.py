"""GOT-10k: generic object tracking benchmark."""

from __future__ import annotations

import os
import os.path as osp

import numpy as np

from mmtrack.registry import DATASETS

from .base_sot_dataset import BaseSOTDataset, frame_id_range, parse_label_file, read_text_lines

GOT10K_SPLITS = ("train", "val", "test", "train_vot", "val_vot")


def _check_not_split_archives(folder: str) -> None:
    if osp.isdir(folder) and any(
        name.startswith("GOT-10k_Train_split_") for name in os.listdir(folder)
    ):
        raise ValueError(
            f"{folder}: holds 'GOT-10k_Train_split_*' folders; GOT-10k expects every video "
            "directly in train/ (run tools/dataset_converters/got10k/unzip_got10k.sh)"
        )


def got10k_video_names(data_root: str, split: str) -> list[str]:
    """Names of the videos of a GOT-10k split.

    ``train``/``val``/``test`` read ``<root>/<split>/list.txt``; ``train_vot`` and
    ``val_vot`` (the VOT-permitted parts of train) read the 0-based indices of
    ``<root>/train/got10k_vot_train_split.txt`` / ``got10k_vot_val_split.txt``.

    Args:
        data_root (str): GOT-10k root (holding ``train``, ``val``, ``test``).
        split (str): One of ``GOT10K_SPLITS``.

    Returns:
        list[str]: Sorted video folder names.
    """
    if split not in GOT10K_SPLITS:
        raise ValueError(f"GOT-10k split must be one of {GOT10K_SPLITS}, got {split!r}")
    if split in ("train", "val", "test"):
        _check_not_split_archives(osp.join(data_root, split))
        path = osp.join(data_root, split, "list.txt")
        names = [line.strip() for line in read_text_lines(path, "GOT-10k list") if line.strip()]
    else:
        part = split.split("_")[0]
        path = osp.join(data_root, "train", f"got10k_vot_{part}_split.txt")
        names = []
        for lineno, line in enumerate(read_text_lines(path, "GOT-10k VOT split file"), 1):
            if not line.strip():
                continue
            try:
                index = int(float(line.strip()))
            except ValueError:
                raise ValueError(f"{path}:{lineno}: not a video index: {line.strip()!r}") from None
            names.append(f"GOT-10k_Train_{index + 1:06d}")
    return sorted(names)


def _video_record(data_root: str, video_path: str) -> dict:
    _, last = frame_id_range(osp.join(data_root, video_path))
    return dict(
        video_path=video_path,
        ann_path=osp.join(video_path, "groundtruth.txt"),
        start_frame_id=1,
        end_frame_id=last,
        framename_template=GOT10kDataset.FRAMENAME_TEMPLATE,
    )


def list_got10k_videos(data_root: str, split: str) -> list[dict]:
    """Video records of a GOT-10k split, paths relative to ``data_root``.

    Args:
        data_root (str): GOT-10k root.
        split (str): One of ``GOT10K_SPLITS``.

    Returns:
        list[dict]: ``<split>/<video>`` (``train/...`` for the VOT splits),
        ``<split>/<video>/groundtruth.txt``, frames 1..last.
    """
    folder = "train" if split.endswith("_vot") else split
    return [
        _video_record(data_root, osp.join(folder, name))
        for name in got10k_video_names(data_root, split)
    ]


@DATASETS.register_module()
class GOT10kDataset(BaseSOTDataset):
    """GOT-10k dataset (training and testing).

    Frames are ``<split>/<video>/%08d.jpg``; boxes ``x,y,w,h`` in
    ``groundtruth.txt`` (the test split gives the first frame only). Train and
    val videos have ``absence.label`` (0/1 per frame) and ``cover.label``
    (visible-ratio bin 0..8 per frame): the target is visible where it is not
    absent and ``cover > 0``; ``visible_ratio = cover / 8``.

    Without an info file, ``data_prefix['img_path']`` must be one split folder
    holding ``list.txt``.
    """

    FRAMENAME_TEMPLATE = "%08d.jpg"

    def scan_videos(self, root: str) -> list[dict]:
        """Videos of the split folder ``root`` listed in its ``list.txt``."""
        _check_not_split_archives(root)
        list_path = osp.join(root, "list.txt")
        if not osp.isfile(list_path):
            raise FileNotFoundError(
                f"{list_path}: not found; point data_prefix['img_path'] at a GOT-10k split "
                "folder (train, val or test) or give an info file as ann_file"
            )
        names = sorted(n.strip() for n in read_text_lines(list_path, "GOT-10k list") if n.strip())
        return [_video_record(root, name) for name in names]

    def get_visibility_from_video(self, video_idx: int) -> dict:
        """Visibility from ``absence.label`` and ``cover.label``.

        The label files are required in training; in testing (the test split
        has none) all frames count as visible when they are missing.

        Args:
            video_idx (int): Video index.

        Returns:
            dict: ``visible`` ``(N,)`` bool and, where labels exist,
            ``visible_ratio`` ``(N,)`` float.
        """
        folder = osp.join(self.img_root, self.get_data_info(video_idx)["video_path"])
        absence_path = osp.join(folder, "absence.label")
        cover_path = osp.join(folder, "cover.label")
        if self.test_mode and not (osp.isfile(absence_path) and osp.isfile(cover_path)):
            return super().get_visibility_from_video(video_idx)
        absence = parse_label_file(absence_path, bool)
        cover = parse_label_file(cover_path, int)
        if len(absence) != len(cover):
            raise ValueError(
                f"{folder}: absence.label has {len(absence)} values but cover.label has "
                f"{len(cover)}"
            )
        bad = np.flatnonzero((cover < 0) | (cover > 8))
        if len(bad):
            raise ValueError(
                f"{cover_path}:{bad[0] + 1}: cover label must be in 0..8, got {cover[bad[0]]}"
            )
        visible = ~absence & (cover > 0)
        return dict(visible=visible, visible_ratio=cover.astype(np.float32) / 8.0)
