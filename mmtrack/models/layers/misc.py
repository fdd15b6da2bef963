"""Small helpers shared by the detection heads (MMDetection's ``models.utils.misc``)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, Callable, Optional

import torch
from mmengine.structures import InstanceData
from torch import Tensor


def multi_apply(func: Callable, *args, **kwargs) -> tuple[list, ...]:
    """Apply ``func`` to each element of the zipped ``args``; transpose the results.

    Returns:
        One list per output of ``func``.
    """
    pfunc = partial(func, **kwargs) if kwargs else func
    map_results = map(pfunc, *args)
    return tuple(map(list, zip(*map_results)))


def unmap(data: Tensor, count: int, inds: Tensor, fill: float = 0) -> Tensor:
    """Scatter ``data`` (one row per True in ``inds``) into ``count`` rows filled with ``fill``."""
    if data.dim() == 1:
        ret = data.new_full((count,), fill)
        ret[inds.type(torch.bool)] = data
    else:
        ret = data.new_full((count,) + data.size()[1:], fill)
        ret[inds.type(torch.bool), :] = data
    return ret


def select_single_mlvl(mlvl_tensors: Sequence[Tensor], batch_id: int, detach: bool = True) -> list:
    """Image ``batch_id`` of each level's ``(N, C, H, W)`` tensor."""
    if detach:
        return [t[batch_id].detach() for t in mlvl_tensors]
    return [t[batch_id] for t in mlvl_tensors]


def unpack_gt_instances(batch_data_samples: Sequence[Any]) -> tuple[list, list, list]:
    """``(gt_instances, ignored_instances or None, metainfo)`` lists of the samples."""
    batch_gt_instances = []
    batch_gt_instances_ignore = []
    batch_img_metas = []
    for data_sample in batch_data_samples:
        batch_img_metas.append(data_sample.metainfo)
        batch_gt_instances.append(data_sample.gt_instances)
        if "ignored_instances" in data_sample:
            batch_gt_instances_ignore.append(data_sample.ignored_instances)
        else:
            batch_gt_instances_ignore.append(None)
    return batch_gt_instances, batch_gt_instances_ignore, batch_img_metas


def empty_instances(
    batch_img_metas: Sequence[dict],
    device: torch.device,
    task_type: str,
    instance_results: Optional[list] = None,
    mask_thr_binary: float = 0,
    num_classes: int = 80,
    score_per_cls: bool = False,
) -> list[InstanceData]:
    """Empty detections for images without any proposal or box.

    Args:
        batch_img_metas: image metas (``ori_shape`` is used for masks).
        device: tensor device.
        task_type: ``'bbox'`` (bboxes/scores/labels) or ``'mask'`` (masks).
        instance_results: results to add empty masks to (``'mask'``).
            Defaults to None.
        mask_thr_binary: mask threshold; >= 0 gives bool masks, uint8 otherwise.
            Defaults to 0.
        num_classes: classes, for ``score_per_cls``. Defaults to 80.
        score_per_cls: scores of shape ``(0, num_classes + 1)``. Defaults to False.

    Returns:
        One :class:`InstanceData` per image.
    """
    if task_type not in ("bbox", "mask"):
        raise ValueError(f"empty_instances: task_type must be 'bbox' or 'mask', got {task_type!r}")
    if instance_results is not None and len(instance_results) != len(batch_img_metas):
        raise ValueError("empty_instances: instance_results and batch_img_metas differ in length")
    results_list = []
    for img_id, img_meta in enumerate(batch_img_metas):
        results = instance_results[img_id] if instance_results is not None else InstanceData()
        if task_type == "bbox":
            results.bboxes = torch.zeros(0, 4, device=device)
            results.scores = (
                torch.zeros(0, num_classes + 1, device=device)
                if score_per_cls
                else torch.zeros(0, device=device)
            )
            results.labels = torch.zeros(0, device=device, dtype=torch.long)
        else:
            img_h, img_w = img_meta["ori_shape"][:2]
            dtype = torch.bool if mask_thr_binary >= 0 else torch.uint8
            results.masks = torch.zeros(0, img_h, img_w, device=device, dtype=dtype)
        results_list.append(results)
    return results_list
