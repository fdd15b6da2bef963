"""Standard RoI head of Faster/Mask R-CNN: sample RoIs, pool, box (and mask) heads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import torch
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.structures.bbox import bbox2roi

from ..layers.misc import empty_instances, unpack_gt_instances
from .base_roi_head import BaseRoIHead


@MODELS.register_module()
class StandardRoIHead(BaseRoIHead):
    """Assign and sample proposals, pool their features, run the box/mask heads.

    Training: per image, the proposals are assigned to the gts
    (``train_cfg.assigner``) and sampled (``train_cfg.sampler``, gt boxes added
    as proposals by default), the box head is trained on the samples and
    the mask head on the positives. Losses: ``loss_cls``, ``acc``,
    ``loss_bbox`` (and ``loss_mask``). Testing: every proposal is classified
    and regressed, then per-class NMS (``test_cfg``); masks are predicted for
    the final boxes.

    Args: see :class:`BaseRoIHead`.
    """

    def init_assigner_sampler(self) -> None:
        """Assigner and sampler from ``train_cfg`` (None when not training)."""
        self.bbox_assigner = None
        self.bbox_sampler = None
        if self.train_cfg:
            self.bbox_assigner = TASK_UTILS.build(self.train_cfg["assigner"])
            self.bbox_sampler = TASK_UTILS.build(self.train_cfg["sampler"])

    def init_bbox_head(self, bbox_roi_extractor: dict, bbox_head: dict) -> None:
        """``bbox_roi_extractor`` and ``bbox_head``."""
        self.bbox_roi_extractor = MODELS.build(bbox_roi_extractor)
        self.bbox_head = MODELS.build(bbox_head)

    def init_mask_head(self, mask_roi_extractor: Optional[dict], mask_head: dict) -> None:
        """``mask_roi_extractor`` (or the shared box extractor) and ``mask_head``."""
        if mask_roi_extractor is not None:
            self.mask_roi_extractor = MODELS.build(mask_roi_extractor)
            self.share_roi_extractor = False
        else:
            self.share_roi_extractor = True
            self.mask_roi_extractor = self.bbox_roi_extractor
        self.mask_head = MODELS.build(mask_head)

    # ------------------------------------------------------------------ forward
    def forward(
        self,
        x: Sequence[Tensor],
        rpn_results_list: list[InstanceData],
        batch_data_samples: Optional[list] = None,
    ) -> tuple:
        """Raw outputs for all proposals: ``(cls_score, bbox_pred[, mask_preds])``."""
        results: tuple = ()
        rois = bbox2roi([res.bboxes for res in rpn_results_list])
        if self.with_bbox:
            bbox_results = self._bbox_forward(x, rois)
            results = results + (bbox_results["cls_score"], bbox_results["bbox_pred"])
        if self.with_mask:
            mask_results = self._mask_forward(x, rois[:100])
            results = results + (mask_results["mask_preds"],)
        return results

    def _bbox_forward(self, x: Sequence[Tensor], rois: Tensor) -> dict[str, Tensor]:
        """Pool and classify ``(K, 5)`` rois: ``cls_score``, ``bbox_pred``, ``bbox_feats``."""
        bbox_feats = self.bbox_roi_extractor(x[: self.bbox_roi_extractor.num_inputs], rois)
        if self.with_shared_head:
            bbox_feats = self.shared_head(bbox_feats)
        cls_score, bbox_pred = self.bbox_head(bbox_feats)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred, bbox_feats=bbox_feats)

    def _mask_forward(
        self,
        x: Sequence[Tensor],
        rois: Optional[Tensor] = None,
        pos_inds: Optional[Tensor] = None,
        bbox_feats: Optional[Tensor] = None,
    ) -> dict[str, Tensor]:
        """Mask logits from ``rois``, or from the positives of shared ``bbox_feats``."""
        if (rois is None) == (pos_inds is None or bbox_feats is None):
            raise ValueError("_mask_forward: give rois, or pos_inds with bbox_feats")
        if rois is not None:
            mask_feats = self.mask_roi_extractor(x[: self.mask_roi_extractor.num_inputs], rois)
            if self.with_shared_head:
                mask_feats = self.shared_head(mask_feats)
        else:
            mask_feats = bbox_feats[pos_inds.bool()]
        return dict(mask_preds=self.mask_head(mask_feats), mask_feats=mask_feats)

    # ------------------------------------------------------------------- losses
    def loss(
        self, x: Sequence[Tensor], rpn_results_list: list[InstanceData], batch_data_samples: list
    ) -> dict[str, Tensor]:
        """Box (and mask) losses of the sampled proposals."""
        if len(rpn_results_list) != len(batch_data_samples):
            raise ValueError("StandardRoIHead.loss: one proposal set per image expected")
        if self.bbox_assigner is None:
            raise RuntimeError("StandardRoIHead.loss: train_cfg (assigner, sampler) is missing")
        gts, ignores, _ = unpack_gt_instances(batch_data_samples)
        sampling_results = []
        for i, rpn_results in enumerate(rpn_results_list):
            proposals = InstanceData(priors=rpn_results.bboxes.detach())
            assign_result = self.bbox_assigner.assign(proposals, gts[i], ignores[i])
            sampling_results.append(self.bbox_sampler.sample(assign_result, proposals, gts[i]))
        losses: dict[str, Tensor] = {}
        bbox_results: dict = {}
        if self.with_bbox:
            bbox_results = self.bbox_loss(x, sampling_results)
            losses.update(bbox_results["loss_bbox"])
        if self.with_mask:
            mask_results = self.mask_loss(x, sampling_results, bbox_results.get("bbox_feats"), gts)
            losses.update(mask_results["loss_mask"])
        return losses

    def bbox_loss(self, x: Sequence[Tensor], sampling_results: list) -> dict:
        """Forward the sampled rois and compute the box-head losses."""
        rois = bbox2roi([res.priors for res in sampling_results])
        bbox_results = self._bbox_forward(x, rois)
        out = self.bbox_head.loss_and_target(
            bbox_results["cls_score"],
            bbox_results["bbox_pred"],
            rois,
            sampling_results,
            self.train_cfg,
        )
        bbox_results.update(loss_bbox=out["loss_bbox"])
        return bbox_results

    def mask_loss(
        self,
        x: Sequence[Tensor],
        sampling_results: list,
        bbox_feats: Optional[Tensor],
        batch_gt_instances: Sequence[InstanceData],
    ) -> dict:
        """Mask-head losses of the positives."""
        if not self.share_roi_extractor:
            pos_rois = bbox2roi([res.pos_priors for res in sampling_results])
            mask_results = self._mask_forward(x, pos_rois)
        else:
            device = bbox_feats.device
            flags = []
            for res in sampling_results:
                flags.append(torch.ones(res.pos_priors.shape[0], device=device, dtype=torch.bool))
                flags.append(torch.zeros(res.neg_priors.shape[0], device=device, dtype=torch.bool))
            mask_results = self._mask_forward(x, pos_inds=torch.cat(flags), bbox_feats=bbox_feats)
        out = self.mask_head.loss_and_target(
            mask_results["mask_preds"], sampling_results, batch_gt_instances, self.train_cfg
        )
        mask_results.update(loss_mask=out["loss_mask"])
        return mask_results

    # -------------------------------------------------------------- predictions
    def predict_bbox(
        self,
        x: Sequence[Tensor],
        batch_img_metas: Sequence[dict],
        rpn_results_list: list[InstanceData],
        rcnn_test_cfg: Optional[ConfigDict],
        rescale: bool = False,
    ) -> list[InstanceData]:
        """Classify and regress every proposal, then NMS per class."""
        proposals = [res.bboxes for res in rpn_results_list]
        rois = bbox2roi(proposals)
        if rois.shape[0] == 0:
            return empty_instances(
                batch_img_metas,
                rois.device,
                task_type="bbox",
                num_classes=self.bbox_head.num_classes,
                score_per_cls=rcnn_test_cfg is None,
            )
        bbox_results = self._bbox_forward(x, rois)
        counts = tuple(len(p) for p in proposals)
        rois_per_img = rois.split(counts, 0)
        cls_scores = bbox_results["cls_score"].split(counts, 0)
        bbox_preds = bbox_results["bbox_pred"]
        bbox_preds = (
            bbox_preds.split(counts, 0) if bbox_preds is not None else (None,) * len(proposals)
        )
        return self.bbox_head.predict_by_feat(
            rois_per_img, cls_scores, bbox_preds, batch_img_metas, rcnn_test_cfg, rescale
        )

    def predict_mask(
        self,
        x: Sequence[Tensor],
        batch_img_metas: Sequence[dict],
        results_list: list[InstanceData],
        rescale: bool = False,
    ) -> list[InstanceData]:
        """Masks of the final detections.

        RoIs are taken from the detections in input pixels; when
        ``rescale`` the detections are in original pixels, so they are mapped
        back with ``scale_factor`` first.
        """
        bboxes = []
        for res, meta in zip(results_list, batch_img_metas):
            b = res.bboxes
            if rescale and b.numel() > 0:
                b = b * b.new_tensor(meta["scale_factor"]).repeat(2)
            bboxes.append(b)
        mask_rois = bbox2roi(bboxes)
        if mask_rois.shape[0] == 0:
            return empty_instances(
                batch_img_metas,
                mask_rois.device,
                task_type="mask",
                instance_results=results_list,
                mask_thr_binary=self.test_cfg["mask_thr_binary"],
            )
        mask_preds = self._mask_forward(x, mask_rois)["mask_preds"]
        mask_preds = mask_preds.split([len(res) for res in results_list], 0)
        return self.mask_head.predict_by_feat(
            mask_preds, results_list, batch_img_metas, self.test_cfg, rescale=rescale
        )
