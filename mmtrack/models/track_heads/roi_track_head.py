"""Track head of MaskTrack R-CNN: RoI extractor + :class:`RoIEmbedHead`."""

from __future__ import annotations

from typing import Optional, Union

from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.structures.bbox import bbox2roi


@MODELS.register_module()
class RoITrackHead(BaseModule):
    """RoI features of boxes -> match logits against the reference objects.

    In training, the key frame's proposals are assigned to its gts
    (``train_cfg.assigner``) and sampled (``train_cfg.sampler``); the
    reference objects are the reference frame's gt boxes. Each positive key
    RoI is classified among "new" and the reference objects
    (:meth:`RoIEmbedHead.loss`, targets from ``gt_instances.instances_id``).

    State-dict keys (as MMTracking 0.14): ``roi_extractor.*`` (no weights
    with RoIAlign) and ``embed_head.*``.

    Args:
        roi_extractor: RoI extractor config (e.g. ``SingleRoIExtractor``).
        embed_head: embed head config (``RoIEmbedHead``).
        regress_head: unsupported (as MMTracking); must be None. Defaults to None.
        train_cfg: ``assigner`` and ``sampler`` configs. Defaults to None.
        test_cfg: unused. Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        roi_extractor: Optional[dict] = None,
        embed_head: Optional[dict] = None,
        regress_head: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
        **kwargs,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if regress_head is not None:
            raise ValueError("RoITrackHead: regress_head is not supported (set it to None)")
        if roi_extractor is None or embed_head is None:
            raise ValueError("RoITrackHead: give both roi_extractor and embed_head")
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self.roi_extractor = MODELS.build(roi_extractor)
        self.embed_head = MODELS.build(embed_head)
        self.bbox_assigner = None
        self.bbox_sampler = None
        if train_cfg:
            self.bbox_assigner = TASK_UTILS.build(train_cfg["assigner"])
            self.bbox_sampler = TASK_UTILS.build(
                train_cfg["sampler"], default_args=dict(context=self)
            )

    @property
    def with_track(self) -> bool:
        """Whether the head has an embed head."""
        return self.embed_head is not None

    def extract_roi_feats(
        self, feats: tuple[Tensor, ...], bboxes: list[Tensor]
    ) -> tuple[Tensor, list[int]]:
        """RoI features of per-image boxes ``[(n_i, 4)]`` in network-input pixels.

        Returns:
            ``(sum n_i, C, h, w)`` features and the counts ``[n_i]``.
        """
        rois = bbox2roi(bboxes)
        num_inputs = getattr(self.roi_extractor, "num_inputs", len(feats))
        return self.roi_extractor(tuple(feats[:num_inputs]), rois), [len(b) for b in bboxes]

    def loss(
        self,
        key_feats: tuple[Tensor, ...],
        ref_feats: tuple[Tensor, ...],
        rpn_results_list: list,
        data_samples: list,
        **kwargs,
    ) -> dict[str, Tensor]:
        """``loss_match`` and ``match_accuracy`` of key/reference frame pairs.

        Args:
            key_feats: multi-level features of the key frames.
            ref_feats: multi-level features of the reference frames.
            rpn_results_list: key-frame proposals (``bboxes``) per clip.
            data_samples: :class:`TrackDataSample` per clip, whose key and
                reference frames carry ``gt_instances`` (``bboxes``,
                ``labels``, ``instances_id``).
        """
        if self.bbox_assigner is None or self.bbox_sampler is None:
            raise ValueError("RoITrackHead.loss needs train_cfg (assigner, sampler)")
        sampling_results, ref_boxes, ids, ref_ids = [], [], [], []
        for i, clip in enumerate(data_samples):
            key = clip.get_key_frames()[0]
            ref = clip.get_ref_frames()[0]
            props = rpn_results_list[i]
            props = props.clone() if hasattr(props, "clone") else props
            if "priors" not in props:
                props.priors = props.bboxes
            assign = self.bbox_assigner.assign(
                props, key.gt_instances, key.get("ignored_instances", None)
            )
            sampling_results.append(
                self.bbox_sampler.sample(
                    assign, props, key.gt_instances, feats=[f[i][None] for f in key_feats]
                )
            )
            ref_boxes.append(ref.gt_instances.bboxes)
            ids.append(key.gt_instances.instances_id)
            ref_ids.append(ref.gt_instances.instances_id)
        feats, counts = self.extract_roi_feats(key_feats, [r.bboxes for r in sampling_results])
        ref_roi_feats, ref_counts = self.extract_roi_feats(ref_feats, ref_boxes)
        return self.embed_head.loss(
            feats, ref_roi_feats, counts, ref_counts, sampling_results, ids, ref_ids
        )

    def predict(self, feats: tuple[Tensor, ...], bboxes: list[Tensor]) -> Tensor:
        """Embeddings ``(sum n_i, D)`` of boxes ``[(n_i, 4)]`` in network-input pixels."""
        roi_feats, _ = self.extract_roi_feats(feats, bboxes)
        return self.embed_head.embed(roi_feats)
