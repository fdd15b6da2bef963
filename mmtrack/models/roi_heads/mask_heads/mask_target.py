"""Mask targets of positive RoIs and paste-back of RoI masks into the image."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import torch
import torch.nn.functional as F
from torch import Tensor

from mmtrack.ops.roi_align import roi_align


def _pair(v: Union[int, Sequence[int]]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def mask_target_single(
    pos_proposals: Tensor,
    pos_assigned_gt_inds: Tensor,
    gt_masks: Tensor,
    mask_size: Union[int, Sequence[int]],
    binarize: bool = True,
) -> Tensor:
    """Crop each positive's gt mask to its proposal and resize to ``mask_size``.

    The crop is a RoIAlign (aligned, adaptive sampling) of the full-image
    mask over the proposal clipped to the image, thresholded at 0.5 when
    ``binarize`` (MMDetection's ``BitmapMasks.crop_and_resize``).

    Args:
        pos_proposals: ``(P, 4)`` x1y1x2y2 positive proposals.
        pos_assigned_gt_inds: ``(P,)`` 0-based gt index of each.
        gt_masks: ``(G, H, W)`` bool/uint8/float full-image masks.
        mask_size: output ``(h, w)`` or one int.
        binarize: threshold at 0.5. Defaults to True.

    Returns:
        ``(P, h, w)`` float targets.
    """
    size = _pair(mask_size)
    num_pos = pos_proposals.size(0)
    if num_pos == 0:
        return pos_proposals.new_zeros((0,) + size)
    if gt_masks.dim() != 3:
        raise ValueError(f"mask_target: gt masks must be (G, H, W), got {tuple(gt_masks.shape)}")
    h, w = gt_masks.shape[-2:]
    boxes = pos_proposals.detach().float().clone()
    boxes[:, [0, 2]] = boxes[:, [0, 2]].clamp(0, w)
    boxes[:, [1, 3]] = boxes[:, [1, 3]].clamp(0, h)
    masks = gt_masks.to(boxes.device)[pos_assigned_gt_inds.long()].float()[:, None]
    rois = torch.cat(
        [torch.arange(num_pos, device=boxes.device, dtype=boxes.dtype)[:, None], boxes], dim=1
    )
    targets = roi_align(masks, rois, size, 1.0, 0, "avg", True).squeeze(1)
    if binarize:
        targets = (targets >= 0.5).float()
    return targets


def mask_target(
    pos_proposals_list: Sequence[Tensor],
    pos_assigned_gt_inds_list: Sequence[Tensor],
    gt_masks_list: Sequence[Tensor],
    mask_size: Union[int, Sequence[int]],
    binarize: bool = True,
) -> Tensor:
    """:func:`mask_target_single` over a batch, concatenated to ``(sum P, h, w)``."""
    targets = [
        mask_target_single(p, i, m, mask_size, binarize)
        for p, i, m in zip(pos_proposals_list, pos_assigned_gt_inds_list, gt_masks_list)
    ]
    if not targets:
        return torch.zeros((0,) + _pair(mask_size))
    return torch.cat(targets)


def paste_masks_in_image(
    masks: Tensor, boxes: Tensor, img_h: int, img_w: int, skip_empty: bool = True
) -> tuple[Tensor, tuple]:
    """Resample ``(N, 1, h, w)`` RoI masks into the image at ``boxes``.

    Pixel ``(x, y)`` (centre ``x + 0.5``) of the image samples the RoI mask at
    ``2 * (x + 0.5 - x1) / (x2 - x1) - 1`` in ``grid_sample`` coordinates
    (``align_corners=False``), so outside a box the value is 0.

    Args:
        masks: ``(N, 1, h, w)`` mask probabilities.
        boxes: ``(N, 4)`` x1y1x2y2 boxes in image pixels.
        img_h: image height.
        img_w: image width.
        skip_empty: only compute the region covering all boxes (returned as
            slices). Defaults to True.

    Returns:
        ``(N, H', W')`` pasted masks and the ``(slice_y, slice_x)`` they
        cover (empty tuple when ``skip_empty`` is False: the whole image).
    """
    device = masks.device
    if skip_empty:
        x0_int, y0_int = torch.clamp(boxes.min(dim=0).values.floor()[:2] - 1, min=0).to(
            dtype=torch.int32
        )
        x1_int = torch.clamp(boxes[:, 2].max().ceil() + 1, max=img_w).to(dtype=torch.int32)
        y1_int = torch.clamp(boxes[:, 3].max().ceil() + 1, max=img_h).to(dtype=torch.int32)
        x0_int, y0_int, x1_int, y1_int = int(x0_int), int(y0_int), int(x1_int), int(y1_int)
        # boxes entirely right of / below the image: an empty region, not a reversed range
        x0_int, y0_int = min(x0_int, x1_int), min(y0_int, y1_int)
    else:
        x0_int, y0_int, x1_int, y1_int = 0, 0, img_w, img_h
    x0, y0, x1, y1 = torch.split(boxes, 1, dim=1)
    n = masks.shape[0]
    img_y = torch.arange(y0_int, y1_int, device=device, dtype=torch.float32) + 0.5
    img_x = torch.arange(x0_int, x1_int, device=device, dtype=torch.float32) + 0.5
    img_y = (img_y - y0) / (y1 - y0) * 2 - 1
    img_x = (img_x - x0) / (x1 - x0) * 2 - 1
    img_x = torch.where(torch.isinf(img_x), torch.zeros_like(img_x), img_x)
    img_y = torch.where(torch.isinf(img_y), torch.zeros_like(img_y), img_y)
    gx = img_x[:, None, :].expand(n, img_y.size(1), img_x.size(1))
    gy = img_y[:, :, None].expand(n, img_y.size(1), img_x.size(1))
    grid = torch.stack([gx, gy], dim=3)
    img_masks = F.grid_sample(masks.to(torch.float32), grid, align_corners=False)
    if skip_empty:
        return img_masks[:, 0], (slice(y0_int, y1_int), slice(x0_int, x1_int))
    return img_masks[:, 0], ()
