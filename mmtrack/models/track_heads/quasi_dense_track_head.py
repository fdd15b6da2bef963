"""Track head of QDTrack: RoI features of sampled boxes -> quasi-dense embeddings."""

from __future__ import annotations

from typing import Optional, Union

from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.registry import MODELS, TASK_UTILS
from mmtrack.structures.bbox import bbox2roi


@MODELS.register_module()
class QuasiDenseTrackHead(BaseModule):
    """RoI extractor + :class:`QuasiDenseEmbedHead`, with its own assigner and sampler.

    In training, proposals of the key and of the reference frame are
    assigned to their frame's gts (``train_cfg.assigner``) and sampled
    (``train_cfg.sampler``); the embed head is trained to match the key
    positives with the reference samples of the same object
    (``gt_instances.instances_id``).

    Args:
        roi_extractor: RoI extractor config (e.g. ``SingleRoIExtractor``).
        embed_head: embed head config (``QuasiDenseEmbedHead``).
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
            raise ValueError("QuasiDenseTrackHead: regress_head is not supported (set it to None)")
        if (roi_extractor is None) != (embed_head is None):
            raise ValueError("QuasiDenseTrackHead: give both roi_extractor and embed_head")
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self.roi_extractor = MODELS.build(roi_extractor) if roi_extractor is not None else None
        self.embed_head = MODELS.build(embed_head) if embed_head is not None else None
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

    def extract_roi_feats(self, feats: tuple[Tensor, ...], bboxes: list[Tensor]) -> Tensor:
        """RoI features of per-image boxes ``[(n_i, 4)]`` (network-input pixels)."""
        rois = bbox2roi(bboxes)
        num_inputs = getattr(self.roi_extractor, "num_inputs", len(feats))
        return self.roi_extractor(tuple(feats[:num_inputs]), rois)

    def loss(
        self,
        key_feats: tuple[Tensor, ...],
        ref_feats: tuple[Tensor, ...],
        rpn_results_list: list,
        ref_rpn_results_list: list,
        data_samples: list,
        **kwargs,
    ) -> dict[str, Tensor]:
        """Tracking losses of key/reference frame pairs.

        Args:
            key_feats: multi-level features of the key frames.
            ref_feats: multi-level features of the reference frames.
            rpn_results_list: key-frame proposals (``bboxes``) per image.
            ref_rpn_results_list: reference-frame proposals per image.
            data_samples: :class:`TrackDataSample` per clip, with key and
                reference frames carrying ``gt_instances`` (``bboxes``,
                ``labels``, ``instances_id``).

        Returns:
            ``loss_track`` and ``loss_track_aux``.
        """
        if not self.with_track:
            raise ValueError("QuasiDenseTrackHead.loss needs an embed head")
        if self.bbox_assigner is None or self.bbox_sampler is None:
            raise ValueError("QuasiDenseTrackHead.loss needs train_cfg (assigner, sampler)")
        key_results, ref_results, matches = [], [], []
        for i, clip in enumerate(data_samples):
            key = clip.get_key_frames()[0]
            ref = clip.get_ref_frames()[0]
            key_gt, ref_gt = key.gt_instances, ref.gt_instances
            key_ignore = key.get("ignored_instances", None)
            ref_ignore = ref.get("ignored_instances", None)
            key_ids = key_gt.instances_id.tolist()
            ref_ids = ref_gt.instances_id.tolist()
            pos = {v: j for j, v in enumerate(ref_ids)}
            matches.append(
                key_gt.bboxes.new_tensor([pos.get(v, -1) if v >= 0 else -1 for v in key_ids]).long()
            )
            props = rpn_results_list[i]
            props = props.clone() if hasattr(props, "clone") else props
            if "priors" not in props:
                props.priors = props.bboxes
            ref_props = ref_rpn_results_list[i]
            ref_props = ref_props.clone() if hasattr(ref_props, "clone") else ref_props
            if "priors" not in ref_props:
                ref_props.priors = ref_props.bboxes
            key_assign = self.bbox_assigner.assign(props, key_gt, key_ignore)
            key_results.append(
                self.bbox_sampler.sample(
                    key_assign, props, key_gt, feats=[f[i][None] for f in key_feats]
                )
            )
            ref_assign = self.bbox_assigner.assign(ref_props, ref_gt, ref_ignore)
            ref_results.append(
                self.bbox_sampler.sample(
                    ref_assign, ref_props, ref_gt, feats=[f[i][None] for f in ref_feats]
                )
            )
        key_roi_feats = self.extract_roi_feats(key_feats, [r.pos_bboxes for r in key_results])
        ref_roi_feats = self.extract_roi_feats(ref_feats, [r.bboxes for r in ref_results])
        return self.embed_head.loss(key_roi_feats, ref_roi_feats, key_results, ref_results, matches)

    def predict(self, feats: tuple[Tensor, ...], rescaled_bboxes: list[Tensor]) -> Tensor:
        """Embeddings ``(sum n_i, C)`` of boxes ``[(n_i, 4)]`` in network-input pixels."""
        return self.embed_head.predict(self.extract_roi_feats(feats, rescaled_bboxes))
