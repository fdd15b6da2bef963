"""Two-stage detector: backbone, neck, RPN head and RoI head."""

from __future__ import annotations

import copy
import warnings
from typing import Optional, Union

import torch
from mmengine.config import ConfigDict
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from torch import Tensor

from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample


def _is_pretrained(init_cfg: Union[dict, list, None]) -> bool:
    cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg]
    return any(isinstance(c, dict) and c.get("type") == "Pretrained" for c in cfgs)


def _rpn_samples(batch_data_samples: list) -> list:
    """Copies of the samples whose gt labels are all 0 (RPN is class-agnostic)."""
    out = []
    for sample in batch_data_samples:
        rpn_sample = DetDataSample(metainfo=sample.metainfo)
        gt = sample.gt_instances
        rpn_sample.gt_instances = InstanceData(bboxes=gt.bboxes, labels=torch.zeros_like(gt.labels))
        if "ignored_instances" in sample:
            rpn_sample.ignored_instances = sample.ignored_instances
        out.append(rpn_sample)
    return out


@MODELS.register_module()
class TwoStageDetector(BaseModel):
    """Backbone -> neck -> RPN proposals -> RoI head (Faster/Mask R-CNN).

    ``forward(inputs, data_samples, mode)``: ``'loss'`` gives ``loss_rpn_cls``,
    ``loss_rpn_bbox``, ``loss_cls``, ``acc``, ``loss_bbox`` (and
    ``loss_mask``); ``'predict'`` writes ``pred_instances`` (``bboxes`` in
    original-image pixels, ``scores``, ``labels`` and ``masks``) into the data
    samples; ``'tensor'`` returns the raw RoI-head outputs.

    State-dict keys: ``backbone.*``, ``neck.*``, ``rpn_head.*``, ``roi_head.*``.

    Args:
        backbone: backbone config.
        neck: neck config. Defaults to None.
        rpn_head: RPN head config (``num_classes`` is forced to 1). Defaults to None.
        roi_head: RoI head config. Defaults to None.
        train_cfg: ``dict(rpn=..., rpn_proposal=..., rcnn=...)``. Defaults to None.
        test_cfg: ``dict(rpn=..., rcnn=...)``. Defaults to None.
        data_preprocessor: data preprocessor config. Defaults to None.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        backbone: dict,
        neck: Optional[dict] = None,
        rpn_head: Optional[dict] = None,
        roi_head: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        train_cfg = ConfigDict(train_cfg) if train_cfg is not None else None
        test_cfg = ConfigDict(test_cfg) if test_cfg is not None else ConfigDict()
        self.backbone = MODELS.build(backbone)
        if neck is not None:
            self.neck = MODELS.build(neck)
        if rpn_head is not None:
            rpn_cfg = copy.deepcopy(dict(rpn_head))
            rpn_cfg.update(
                train_cfg=train_cfg.get("rpn") if train_cfg is not None else None,
                test_cfg=test_cfg.get("rpn"),
            )
            if rpn_cfg.get("num_classes", 1) != 1:
                warnings.warn("TwoStageDetector: RPN num_classes is set to 1", stacklevel=2)
            rpn_cfg["num_classes"] = 1
            self.rpn_head = MODELS.build(rpn_cfg)
        if roi_head is not None:
            roi_cfg = copy.deepcopy(dict(roi_head))
            roi_cfg.update(
                train_cfg=train_cfg.get("rcnn") if train_cfg is not None else None,
                test_cfg=test_cfg.get("rcnn"),
            )
            self.roi_head = MODELS.build(roi_cfg)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg

    def init_weights(self) -> None:
        """Initialise; a whole-detector ``Pretrained`` file makes the sub-modules' ones moot.

        When ``init_cfg`` loads the whole detector (e.g. a COCO model-zoo
        file), ``Pretrained`` configs of sub-modules (the backbone's
        ``torchvision://resnet50``) would be overwritten anyway, so they are
        dropped and need no file.
        """
        if _is_pretrained(self.init_cfg):
            for module in self.modules():
                if module is not self and _is_pretrained(getattr(module, "init_cfg", None)):
                    module.init_cfg = None
        super().init_weights()

    @property
    def with_neck(self) -> bool:
        """Whether there is a neck."""
        return getattr(self, "neck", None) is not None

    @property
    def with_rpn(self) -> bool:
        """Whether there is an RPN head."""
        return getattr(self, "rpn_head", None) is not None

    @property
    def with_roi_head(self) -> bool:
        """Whether there is a RoI head."""
        return getattr(self, "roi_head", None) is not None

    @property
    def with_bbox(self) -> bool:
        """Whether the RoI head has a box head."""
        return self.with_roi_head and self.roi_head.with_bbox

    @property
    def with_mask(self) -> bool:
        """Whether the RoI head has a mask head."""
        return self.with_roi_head and self.roi_head.with_mask

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None, mode: str = "tensor"):
        """Dispatch on ``mode``: ``'loss'``, ``'predict'`` or ``'tensor'``.

        Args:
            inputs: ``(N, C, H, W)`` normalised, padded images.
            data_samples: one ``DetDataSample`` per image. Defaults to None.
            mode: what to return. Defaults to ``'tensor'``.
        """
        if mode == "loss":
            return self.loss(inputs, data_samples)
        if mode == "predict":
            return self.predict(inputs, data_samples)
        if mode == "tensor":
            return self._forward(inputs, data_samples)
        raise ValueError(
            f"{type(self).__name__}.forward: mode must be 'loss', 'predict' or 'tensor', "
            f"got {mode!r}"
        )

    def extract_feat(self, batch_inputs: Tensor) -> tuple[Tensor, ...]:
        """Backbone (+ neck) features of ``(N, C, H, W)`` images."""
        x = self.backbone(batch_inputs)
        if self.with_neck:
            x = self.neck(x)
        return x

    def _proposals(self, x: tuple, batch_data_samples: list) -> list[InstanceData]:
        if self.with_rpn:
            return self.rpn_head.predict(x, batch_data_samples, rescale=False)
        if batch_data_samples[0].get("proposals", None) is None:
            raise ValueError(f"{type(self).__name__}: no RPN head and no proposals in the samples")
        return [s.proposals for s in batch_data_samples]

    def _forward(self, batch_inputs: Tensor, batch_data_samples: Optional[list] = None) -> tuple:
        """Raw RoI-head outputs for the RPN proposals."""
        x = self.extract_feat(batch_inputs)
        if batch_data_samples is None:
            h, w = batch_inputs.shape[-2:]
            meta = dict(img_shape=(h, w), pad_shape=(h, w), scale_factor=(1.0, 1.0))
            batch_data_samples = [DetDataSample(metainfo=meta) for _ in range(len(batch_inputs))]
        proposals = self._proposals(x, batch_data_samples)
        return (self.roi_head.forward(x, proposals, batch_data_samples),)

    def loss(self, batch_inputs: Tensor, batch_data_samples: list) -> dict[str, Tensor]:
        """RPN and RoI losses of a batch with ``gt_instances``."""
        x = self.extract_feat(batch_inputs)
        losses: dict[str, Tensor] = {}
        if self.with_rpn:
            proposal_cfg = self.train_cfg.get("rpn_proposal", self.test_cfg.get("rpn"))
            rpn_losses, rpn_results_list = self.rpn_head.loss_and_predict(
                x, _rpn_samples(batch_data_samples), proposal_cfg=proposal_cfg
            )
            for key in list(rpn_losses):
                if "loss" in key and "rpn" not in key:
                    rpn_losses[f"rpn_{key}"] = rpn_losses.pop(key)
            losses.update(rpn_losses)
        else:
            rpn_results_list = [s.proposals for s in batch_data_samples]
        losses.update(self.roi_head.loss(x, rpn_results_list, batch_data_samples))
        return losses

    def predict(self, batch_inputs: Tensor, batch_data_samples: list, rescale: bool = True) -> list:
        """Detect; ``pred_instances`` boxes in original-image pixels when ``rescale``."""
        if not self.with_bbox:
            raise RuntimeError(f"{type(self).__name__}.predict needs a RoI head with a bbox head")
        x = self.extract_feat(batch_inputs)
        if batch_data_samples[0].get("proposals", None) is None:
            rpn_results_list = self._proposals(x, batch_data_samples)
        else:
            rpn_results_list = [s.proposals for s in batch_data_samples]
        results_list = self.roi_head.predict(
            x, rpn_results_list, batch_data_samples, rescale=rescale
        )
        return self.add_pred_to_datasample(batch_data_samples, results_list)

    @staticmethod
    def add_pred_to_datasample(data_samples: list, results_list: list) -> list:
        """Store each image's detections as ``pred_instances``."""
        for data_sample, pred_instances in zip(data_samples, results_list):
            data_sample.pred_instances = pred_instances
        return data_samples
