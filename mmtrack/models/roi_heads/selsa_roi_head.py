"""SELSA's RoI head: key proposals classified with the reference proposals' features."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import MODELS
from mmtrack.structures.bbox import bbox2roi

from ..layers.misc import empty_instances, unpack_gt_instances
from .standard_roi_head import StandardRoIHead


@MODELS.register_module()
class SelsaRoIHead(StandardRoIHead):
    """A :class:`StandardRoIHead` whose box head also sees the reference proposals.

    The key frame's proposals are assigned and sampled as usual; the
    proposals of all reference frames (``ref_rpn_results_list``, one entry
    per reference frame, in that frame's input pixels) are pooled from the
    reference features ``ref_x`` and given to the box head
    (:class:`SelsaBBoxHead`) next to the key RoI features. An extractor with
    ``uses_ref_feats`` (:class:`TemporalRoIAlign`) also gets ``ref_x`` for
    the key RoIs. Masks are not supported.

    Args: see :class:`StandardRoIHead`.
    """

    def init_mask_head(self, mask_roi_extractor: Optional[dict], mask_head: dict) -> None:
        """SELSA has no mask branch."""
        raise ValueError("SelsaRoIHead: mask heads are not supported")

    def _bbox_forward(  # type: ignore[override]
        self, x: Sequence[Tensor], ref_x: Sequence[Tensor], rois: Tensor, ref_rois: Tensor
    ) -> dict[str, Tensor]:
        """Scores and deltas of ``(K, 5)`` key rois given ``(M, 5)`` reference rois.

        Args:
            x: key-frame feature levels ``(1, C, H, W)``.
            ref_x: reference feature levels ``(R, C, H, W)``.
            rois: ``[0, x1, y1, x2, y2]`` key rois in input pixels.
            ref_rois: ``[r, x1, y1, x2, y2]`` rois of reference frame ``r``.
        """
        num = self.bbox_roi_extractor.num_inputs
        if getattr(self.bbox_roi_extractor, "uses_ref_feats", False):
            bbox_feats = self.bbox_roi_extractor(x[:num], rois, ref_feats=ref_x[:num])
        else:
            bbox_feats = self.bbox_roi_extractor(x[:num], rois)
        ref_bbox_feats = self.bbox_roi_extractor(ref_x[:num], ref_rois)
        if self.with_shared_head:
            bbox_feats = self.shared_head(bbox_feats)
            ref_bbox_feats = self.shared_head(ref_bbox_feats)
        cls_score, bbox_pred = self.bbox_head(bbox_feats, ref_bbox_feats)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred, bbox_feats=bbox_feats)

    def forward(  # type: ignore[override]
        self,
        x: Sequence[Tensor],
        ref_x: Sequence[Tensor],
        rpn_results_list: list[InstanceData],
        ref_rpn_results_list: list[InstanceData],
    ) -> tuple:
        """Raw ``(cls_score, bbox_pred)`` of all key proposals."""
        rois = bbox2roi([res.bboxes for res in rpn_results_list])
        ref_rois = bbox2roi([res.bboxes for res in ref_rpn_results_list])
        out = self._bbox_forward(x, ref_x, rois, ref_rois)
        return out["cls_score"], out["bbox_pred"]

    def loss(  # type: ignore[override]
        self,
        x: Sequence[Tensor],
        ref_x: Sequence[Tensor],
        rpn_results_list: list[InstanceData],
        ref_rpn_results_list: list[InstanceData],
        batch_data_samples: list,
    ) -> dict[str, Tensor]:
        """``loss_cls``, ``acc``, ``loss_bbox`` of the key frame's sampled proposals.

        Args:
            x: key-frame feature levels ``(1, C, H, W)``.
            ref_x: reference feature levels ``(R, C, H, W)``.
            rpn_results_list: the key frame's proposals (one entry).
            ref_rpn_results_list: proposals of each reference frame (``R`` entries).
            batch_data_samples: the key frame's sample with ``gt_instances``.
        """
        if len(rpn_results_list) != 1 or len(batch_data_samples) != 1:
            raise ValueError("SelsaRoIHead.loss: one key frame (proposal set and sample) expected")
        if len(ref_rpn_results_list) != ref_x[0].shape[0]:
            raise ValueError(
                f"SelsaRoIHead.loss: {len(ref_rpn_results_list)} reference proposal sets for "
                f"{ref_x[0].shape[0]} reference frames"
            )
        if self.bbox_assigner is None:
            raise RuntimeError("SelsaRoIHead.loss: train_cfg (assigner, sampler) is missing")
        gts, ignores, _ = unpack_gt_instances(batch_data_samples)
        proposals = InstanceData(priors=rpn_results_list[0].bboxes.detach())
        assign_result = self.bbox_assigner.assign(proposals, gts[0], ignores[0])
        sampling_results = [self.bbox_sampler.sample(assign_result, proposals, gts[0])]
        rois = bbox2roi([res.priors for res in sampling_results])
        ref_rois = bbox2roi([res.bboxes.detach() for res in ref_rpn_results_list])
        bbox_results = self._bbox_forward(x, ref_x, rois, ref_rois)
        out = self.bbox_head.loss_and_target(
            bbox_results["cls_score"],
            bbox_results["bbox_pred"],
            rois,
            sampling_results,
            self.train_cfg,
        )
        return out["loss_bbox"]

    def predict(  # type: ignore[override]
        self,
        x: Sequence[Tensor],
        ref_x: Sequence[Tensor],
        rpn_results_list: list[InstanceData],
        ref_rpn_results_list: list[InstanceData],
        batch_data_samples: list,
        rescale: bool = False,
    ) -> list[InstanceData]:
        """Detections of the key frame (per-class NMS with ``test_cfg``).

        Returns:
            One :class:`InstanceData` (``bboxes`` x1y1x2y2, in original-image
            pixels when ``rescale``, ``scores``, ``labels``).
        """
        metas = [s.metainfo for s in batch_data_samples]
        return self.predict_bbox_with_refs(
            x, ref_x, metas, rpn_results_list, ref_rpn_results_list, self.test_cfg, rescale
        )

    def predict_bbox_with_refs(
        self,
        x: Sequence[Tensor],
        ref_x: Sequence[Tensor],
        batch_img_metas: Sequence[dict],
        rpn_results_list: list[InstanceData],
        ref_rpn_results_list: list[InstanceData],
        rcnn_test_cfg: Optional[ConfigDict],
        rescale: bool = False,
    ) -> list[InstanceData]:
        """Classify and regress the key proposals with the references, then NMS per class."""
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
        ref_rois = bbox2roi([res.bboxes for res in ref_rpn_results_list])
        bbox_results = self._bbox_forward(x, ref_x, rois, ref_rois)
        return self.bbox_head.predict_by_feat(
            (rois,),
            (bbox_results["cls_score"],),
            (bbox_results["bbox_pred"],),
            batch_img_metas,
            rcnn_test_cfg,
            rescale,
        )
