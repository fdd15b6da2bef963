"""Fully-convolutional mask head of Mask R-CNN."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.config import ConfigDict
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import MODELS

from ...layers.misc import empty_instances
from .mask_target import mask_target, paste_masks_in_image

_UPSAMPLE_TYPES = (None, "deconv", "nearest", "bilinear")


@MODELS.register_module()
class FCNMaskHead(BaseModule):
    """``num_convs`` 3x3 convs, a 2x upsampling and a 1x1 ``conv_logits``.

    State-dict keys: ``convs.{i}.conv``, ``upsample`` (a ``ConvTranspose2d``
    with ``'deconv'``), ``conv_logits``. Loss: ``loss_mask`` (per-class
    sigmoid BCE of each positive RoI against its ``mask_size`` target).

    Args:
        num_convs: convs. Defaults to 4.
        roi_feat_size: RoI feature size. Defaults to 14.
        in_channels: input channels. Defaults to 256.
        conv_kernel_size: conv kernel. Defaults to 3.
        conv_out_channels: conv channels. Defaults to 256.
        num_classes: classes. Defaults to 80.
        class_agnostic: one mask per RoI. Defaults to False.
        upsample_cfg: ``dict(type='deconv'|'nearest'|'bilinear'|None,
            scale_factor=2)``. Defaults to deconv x2.
        conv_cfg: conv config. Defaults to None.
        norm_cfg: norm config. Defaults to None.
        loss_mask: loss config. Defaults to mask ``CrossEntropyLoss``.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        num_convs: int = 4,
        roi_feat_size: int = 14,
        in_channels: int = 256,
        conv_kernel_size: int = 3,
        conv_out_channels: int = 256,
        num_classes: int = 80,
        class_agnostic: bool = False,
        upsample_cfg: Optional[dict] = None,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        predictor_cfg: Optional[dict] = None,
        loss_mask: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(init_cfg)
        upsample_cfg = (
            dict(type="deconv", scale_factor=2) if upsample_cfg is None else dict(upsample_cfg)
        )
        if upsample_cfg.get("type") not in _UPSAMPLE_TYPES:
            raise ValueError(
                f"FCNMaskHead: upsample type must be one of {_UPSAMPLE_TYPES}, "
                f"got {upsample_cfg.get('type')!r}"
            )
        if predictor_cfg is not None and predictor_cfg.get("type", "Conv") != "Conv":
            raise ValueError("FCNMaskHead: predictor_cfg must be a Conv layer")
        self.num_convs = num_convs
        self.roi_feat_size = (roi_feat_size, roi_feat_size)
        self.in_channels = in_channels
        self.conv_kernel_size = conv_kernel_size
        self.conv_out_channels = conv_out_channels
        self.num_classes = num_classes
        self.class_agnostic = class_agnostic
        self.upsample_method = upsample_cfg.get("type")
        self.scale_factor = upsample_cfg.get("scale_factor", None)
        self.loss_mask = MODELS.build(
            dict(type="CrossEntropyLoss", use_mask=True, loss_weight=1.0)
            if loss_mask is None
            else dict(loss_mask)
        )
        padding = (conv_kernel_size - 1) // 2
        self.convs = nn.ModuleList(
            ConvModule(
                in_channels if i == 0 else conv_out_channels,
                conv_out_channels,
                conv_kernel_size,
                padding=padding,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
            )
            for i in range(num_convs)
        )
        up_in = conv_out_channels if num_convs > 0 else in_channels
        if self.upsample_method is None:
            self.upsample: Optional[nn.Module] = None
        elif self.upsample_method == "deconv":
            self.upsample = nn.ConvTranspose2d(
                up_in, conv_out_channels, self.scale_factor, stride=self.scale_factor
            )
        else:
            self.upsample = nn.Upsample(
                scale_factor=self.scale_factor,
                mode=self.upsample_method,
                align_corners=None if self.upsample_method == "nearest" else False,
            )
        out_channels = 1 if class_agnostic else num_classes
        logits_in = conv_out_channels if self.upsample_method == "deconv" else up_in
        self.conv_logits = nn.Conv2d(logits_in, out_channels, 1)
        self.relu = nn.ReLU(inplace=True)

    def init_weights(self) -> None:
        """Kaiming-normal (fan_out) on the upsampling and logits convs, zero bias."""
        super().init_weights()
        for m in (self.upsample, self.conv_logits):
            if m is not None and hasattr(m, "weight") and hasattr(m, "bias"):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        """RoI features ``(K, C, s, s)`` -> mask logits ``(K, num_classes, 2s, 2s)``."""
        for conv in self.convs:
            x = conv(x)
        if self.upsample is not None:
            x = self.upsample(x)
            if self.upsample_method == "deconv":
                x = self.relu(x)
        return self.conv_logits(x)

    def get_targets(
        self,
        sampling_results: Sequence,
        batch_gt_instances: Sequence[InstanceData],
        rcnn_train_cfg: ConfigDict,
    ) -> Tensor:
        """``(sum P, mask_size, mask_size)`` targets of all positives."""
        return mask_target(
            [res.pos_priors for res in sampling_results],
            [res.pos_assigned_gt_inds for res in sampling_results],
            [gt.masks for gt in batch_gt_instances],
            rcnn_train_cfg["mask_size"],
            binarize=not rcnn_train_cfg.get("soft_mask_target", False),
        )

    def loss_and_target(
        self,
        mask_preds: Tensor,
        sampling_results: Sequence,
        batch_gt_instances: Sequence[InstanceData],
        rcnn_train_cfg: ConfigDict,
    ) -> dict:
        """``dict(loss_mask=dict(loss_mask=...), mask_targets=...)``."""
        mask_targets = self.get_targets(sampling_results, batch_gt_instances, rcnn_train_cfg)
        pos_labels = torch.cat([res.pos_gt_labels for res in sampling_results])
        if mask_preds.size(0) == 0:
            loss_mask = mask_preds.sum()
        else:
            labels = torch.zeros_like(pos_labels) if self.class_agnostic else pos_labels
            loss_mask = self.loss_mask(mask_preds, mask_targets.to(mask_preds.device), labels)
        return dict(loss_mask=dict(loss_mask=loss_mask), mask_targets=mask_targets)

    def predict_by_feat(
        self,
        mask_preds: Sequence[Tensor],
        results_list: list[InstanceData],
        batch_img_metas: Sequence[dict],
        rcnn_test_cfg: ConfigDict,
        rescale: bool = False,
        activate_map: bool = False,
    ) -> list[InstanceData]:
        """Add full-image ``masks`` ``(K, H, W)`` to each image's detections."""
        for img_id, img_meta in enumerate(batch_img_metas):
            results = results_list[img_id]
            if results.bboxes.shape[0] == 0:
                results_list[img_id] = empty_instances(
                    [img_meta],
                    results.bboxes.device,
                    task_type="mask",
                    instance_results=[results],
                    mask_thr_binary=rcnn_test_cfg["mask_thr_binary"],
                )[0]
            else:
                results.masks = self._predict_by_feat_single(
                    mask_preds[img_id],
                    results.bboxes,
                    results.labels,
                    img_meta,
                    rcnn_test_cfg,
                    rescale,
                    activate_map,
                )
        return results_list

    def _predict_by_feat_single(
        self,
        mask_preds: Tensor,
        bboxes: Tensor,
        labels: Tensor,
        img_meta: dict,
        rcnn_test_cfg: ConfigDict,
        rescale: bool = False,
        activate_map: bool = False,
    ) -> Tensor:
        """Paste each box's mask into the image.

        With ``rescale`` the ``bboxes`` are in original-image pixels (already
        rescaled by the box head) and the masks have ``ori_shape``; otherwise
        the boxes and masks are in the resized input (``ori_shape * scale_factor``).

        Returns:
            ``(K, H, W)`` bool masks (thresholded at ``mask_thr_binary``), or
            uint8 ``0-255`` maps when the threshold is negative.
        """
        scale_factor = bboxes.new_tensor(img_meta["scale_factor"]).repeat(2)
        img_h, img_w = img_meta["ori_shape"][:2]
        if not activate_map:
            mask_preds = mask_preds.sigmoid()
        if not rescale:
            img_h = int(round(img_h * float(scale_factor[1])))
            img_w = int(round(img_w * float(scale_factor[0])))
        del scale_factor
        n = len(mask_preds)
        threshold = rcnn_test_cfg["mask_thr_binary"]
        device = bboxes.device
        im_mask = torch.zeros(
            n, img_h, img_w, device=device, dtype=torch.bool if threshold >= 0 else torch.uint8
        )
        if not self.class_agnostic:
            mask_preds = mask_preds[torch.arange(n, device=device), labels][:, None]
        # one chunk per box on CPU (skipping empty regions); bounded chunks on GPU
        num_chunks = (
            n if device.type == "cpu" else max(1, int(math.ceil(n * img_h * img_w * 4 / 1024**3)))
        )
        for inds in torch.chunk(torch.arange(n, device=device), num_chunks):
            chunk, spatial = paste_masks_in_image(
                mask_preds[inds], bboxes[inds], img_h, img_w, skip_empty=device.type == "cpu"
            )
            if threshold >= 0:
                chunk = chunk >= threshold
            else:
                chunk = (chunk * 255).to(torch.uint8)
            im_mask[(inds,) + spatial] = chunk
        return im_mask
