"""Single-stage detector: backbone, optional neck and a dense head."""

from __future__ import annotations

from typing import Optional, Union

from mmengine.model import BaseModel
from torch import Tensor

from mmtrack.registry import MODELS


@MODELS.register_module()
class SingleStageDetector(BaseModel):
    """Backbone -> neck -> dense head, with the mmengine forward contract.

    ``forward(inputs, data_samples, mode)`` dispatches to :meth:`loss`
    (dict of ``loss_*`` tensors), :meth:`predict` (``DetDataSample`` list with
    ``pred_instances``) or :meth:`_forward` (raw head outputs).

    State-dict keys: ``backbone.*``, ``neck.*``, ``bbox_head.*``.

    Args:
        backbone: backbone config.
        neck: neck config. Defaults to None.
        bbox_head: dense head config; ``train_cfg``/``test_cfg`` are passed
            to it. Defaults to None.
        train_cfg: training config of the head. Defaults to None.
        test_cfg: test config of the head. Defaults to None.
        data_preprocessor: data preprocessor config (e.g.
            ``DetDataPreprocessor``). Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        backbone: dict,
        neck: Optional[dict] = None,
        bbox_head: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if bbox_head is None:
            raise ValueError(f"{type(self).__name__}: bbox_head is required")
        self.backbone = MODELS.build(backbone)
        if neck is not None:
            self.neck = MODELS.build(neck)
        bbox_head = dict(bbox_head)
        bbox_head.update(train_cfg=train_cfg, test_cfg=test_cfg)
        self.bbox_head = MODELS.build(bbox_head)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg

    @property
    def with_neck(self) -> bool:
        """Whether the detector has a neck."""
        return getattr(self, "neck", None) is not None

    @property
    def with_bbox(self) -> bool:
        """Whether the detector has a box head."""
        return getattr(self, "bbox_head", None) is not None

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None, mode: str = "tensor"):
        """Dispatch on ``mode``: ``'loss'``, ``'predict'`` or ``'tensor'``.

        Args:
            inputs: images ``(N, C, H, W)``, already normalised and padded.
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

    def extract_feat(self, inputs: Tensor) -> tuple[Tensor, ...]:
        """Backbone (and neck) features of ``inputs`` ``(N, C, H, W)``."""
        x = self.backbone(inputs)
        if self.with_neck:
            x = self.neck(x)
        return x

    def loss(self, inputs: Tensor, data_samples: list) -> dict[str, Tensor]:
        """Losses of a batch whose data samples carry ``gt_instances``."""
        return self.bbox_head.loss(self.extract_feat(inputs), data_samples)

    def predict(self, inputs: Tensor, data_samples: list, rescale: bool = True) -> list:
        """Detect objects; writes ``pred_instances`` into each data sample.

        Args:
            inputs: images ``(N, C, H, W)``.
            data_samples: one ``DetDataSample`` per image (metainfo with
                ``scale_factor`` when ``rescale``).
            rescale: return boxes in original-image pixels. Defaults to True.

        Returns:
            The data samples, each with ``pred_instances`` (``bboxes`` ``(K, 4)``
            xyxy, ``scores`` ``(K,)``, ``labels`` ``(K,)``).
        """
        results_list = self.bbox_head.predict(
            self.extract_feat(inputs), data_samples, rescale=rescale
        )
        return self.add_pred_to_datasample(data_samples, results_list)

    def _forward(self, inputs: Tensor, data_samples: Optional[list] = None) -> tuple:
        """Raw head outputs (no post-processing)."""
        return self.bbox_head.forward(self.extract_feat(inputs))

    @staticmethod
    def add_pred_to_datasample(data_samples: list, results_list: list) -> list:
        """Store each image's detections as ``pred_instances``."""
        for data_sample, pred_instances in zip(data_samples, results_list):
            data_sample.pred_instances = pred_instances
        return data_samples
