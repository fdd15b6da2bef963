"""Person re-identification dataset (crops written by ``mot2reid.py``)."""

from __future__ import annotations

import copy
import os.path as osp
from collections import defaultdict
from typing import Any, Optional

import numpy as np
from mmengine.dataset import BaseDataset

from mmtrack.registry import DATASETS

from .base_video_dataset import _build_pipeline


@DATASETS.register_module()
class ReIDDataset(BaseDataset):
    """ReID crops listed in a text file (``mot2reid.py`` layout).

    ``ann_file`` (e.g. ``reid/meta/train_80.txt``) has one line per crop:
    ``<path relative to data_prefix['img_path']> <integer label>``, e.g.
    ``MOT17-05-FRCNN_000110/000018.jpg 0``. Each data info is
    ``dict(img_path, gt_label)``.

    With ``triplet_sampler=dict(num_ids=P, ins_per_id=K)`` an item is a group
    of ``P * K`` crops as a dict of lists (run through a
    ``TransformBroadcaster``): ``K`` crops of the item's identity (drawn with
    replacement) followed by ``K`` crops of each of ``P - 1`` other identities
    (distinct, drawn without replacement), for triplet losses.

    Args:
        triplet_sampler: ``dict(num_ids=8, ins_per_id=4)`` or None for single
            crops. Defaults to None.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments.
    """

    METAINFO: dict = dict(classes=None)

    def __init__(self, triplet_sampler: Optional[dict] = None, **kwargs: Any) -> None:
        if triplet_sampler is not None:
            unknown = set(triplet_sampler) - {"num_ids", "ins_per_id"}
            if unknown:
                raise ValueError(f"triplet_sampler has unknown field(s) {sorted(unknown)}")
            for key in ("num_ids", "ins_per_id"):
                value = triplet_sampler.get(key, 1)
                if not isinstance(value, int) or value < 1:
                    raise ValueError(
                        f"triplet_sampler field '{key}' must be an int >= 1, got {value!r}"
                    )
        self.triplet_sampler = None if triplet_sampler is None else dict(triplet_sampler)
        if "pipeline" in kwargs:
            kwargs["pipeline"] = _build_pipeline(kwargs["pipeline"])
        super().__init__(**kwargs)

    def load_data_list(self) -> list[dict]:
        """Read ``ann_file`` lines into ``dict(img_path, gt_label)``."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f"ReID list file not found: '{self.ann_file}'")
        prefix = self.data_prefix.get("img_path")
        data_list = []
        with open(self.ann_file, encoding="utf-8") as f:
            for lineno, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                parts = line.split()
                if len(parts) != 2:
                    raise ValueError(
                        f"{self.ann_file}:{lineno}: expected '<filename> <label>', "
                        f"got {line.strip()!r}"
                    )
                try:
                    label = int(parts[1])
                except ValueError:
                    raise ValueError(
                        f"{self.ann_file}:{lineno}: field 'label' must be an integer, "
                        f"got {parts[1]!r}"
                    ) from None
                if label < 0:
                    raise ValueError(
                        f"{self.ann_file}:{lineno}: field 'label' is negative: {label}"
                    )
                img_path = osp.join(prefix, parts[0]) if prefix else parts[0]
                data_list.append(dict(img_path=img_path, gt_label=np.int64(label)))
        self._index_identities(data_list)
        return data_list

    def _index_identities(self, data_list: list[dict]) -> None:
        index: dict = defaultdict(list)
        for i, info in enumerate(data_list):
            index[int(info["gt_label"])].append(i)
        self.index_dic = {pid: np.asarray(idxs, dtype=np.int64) for pid, idxs in index.items()}
        self.pids = np.asarray(sorted(self.index_dic), dtype=np.int64)

    def triplet_sampling(self, pos_pid: int, num_ids: int = 8, ins_per_id: int = 4) -> dict:
        """Indices of a triplet group for identity ``pos_pid`` as a dict of lists.

        Args:
            pos_pid: anchor identity.
            num_ids: identities in the group (anchor included). Defaults to 8.
            ins_per_id: crops per identity. Defaults to 4.

        Returns:
            dict: per-crop lists of the data info fields (``num_ids * ins_per_id`` long).
        """
        if len(self.pids) < num_ids:
            raise ValueError(
                f"{self.ann_file}: {len(self.pids)} identities, fewer than "
                f"triplet_sampler num_ids={num_ids}"
            )
        pos = self.index_dic[int(pos_pid)]
        chosen = list(pos[np.random.choice(len(pos), ins_per_id, replace=True)])
        negatives = [p for p in self.pids.tolist() if p != int(pos_pid)]
        for pid in np.random.choice(negatives, num_ids - 1, replace=False):
            idxs = self.index_dic[int(pid)]
            chosen.extend(idxs[np.random.choice(len(idxs), ins_per_id, replace=True)])
        infos = [self.get_data_info(int(i)) for i in chosen]
        return {k: [info[k] for info in infos] for k in infos[0]}

    def prepare_data(self, idx: int) -> Any:
        info = self.get_data_info(idx)
        if self.triplet_sampler is not None:
            info = self.triplet_sampling(int(info["gt_label"]), **self.triplet_sampler)
        return self.pipeline(copy.deepcopy(info))
