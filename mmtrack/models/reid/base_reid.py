"""Base ReID model: backbone -> pooling neck -> embedding head."""

from __future__ import annotations

from typing import Any, Optional, Union

from mmengine.model import BaseModel
from torch import Tensor

from mmtrack.registry import MODELS
from mmtrack.structures import ReIDDataSample


@MODELS.register_module()
class BaseReID(BaseModel):
    """Re-identification model (MMTracking's ``BaseReID``).

    ``backbone`` (e.g. ``ResNet`` with ``out_indices=(3,)``) -> ``neck``
    (``GlobalAveragePooling``) -> ``head`` (``LinearReIDHead``).

    * ``mode='tensor'``: embeddings ``(N, D)`` of crops ``(N, C, H, W)``
      (what the trackers use).
    * ``mode='loss'``: the head's losses, labels from ``gt_label.label``.
    * ``mode='predict'``: each sample's ``pred_feature`` (``(D,)``, or
      ``(n, D)`` for a sample of ``n`` crops).

    Inputs ``(1, N, C, H, W)`` are accepted and flattened.

    Args:
        backbone: backbone config.
        neck: neck config. Defaults to None.
        head: head config. Defaults to None.
        data_preprocessor: data preprocessor config (``ReIDDataPreprocessor``).
            Defaults to None.
        train_cfg: unused, kept for config compatibility. Defaults to None.
        pretrained: deprecated 0.x checkpoint path (becomes
            ``init_cfg=dict(type='Pretrained', checkpoint=...)``). Defaults to None.
        init_cfg: initialisation config. Defaults to None.
    """

    def __init__(
        self,
        backbone: dict,
        neck: Optional[dict] = None,
        head: Optional[dict] = None,
        data_preprocessor: Optional[dict] = None,
        train_cfg: Optional[dict] = None,
        pretrained: Optional[str] = None,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        if pretrained is not None and init_cfg is None:
            init_cfg = dict(type="Pretrained", checkpoint=pretrained)
        if data_preprocessor is None:
            data_preprocessor = dict(type="ReIDDataPreprocessor")
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.head = MODELS.build(head) if head is not None else None
        self.train_cfg = train_cfg

    @property
    def with_neck(self) -> bool:
        """Whether the model has a neck."""
        return self.neck is not None

    @property
    def with_head(self) -> bool:
        """Whether the model has a head."""
        return self.head is not None

    def extract_feat(self, inputs: Tensor) -> Union[Tensor, tuple[Tensor, ...]]:
        """Backbone (and neck) features of ``(N, C, H, W)`` crops."""
        x = self.backbone(inputs)
        if self.with_neck:
            x = self.neck(x)
        return x

    def forward(
        self,
        inputs: Tensor,
        data_samples: Optional[list[ReIDDataSample]] = None,
        mode: str = "tensor",
    ) -> Any:
        """Dispatch on ``mode``: ``'tensor'``, ``'loss'`` or ``'predict'``.

        Args:
            inputs: crops ``(N, C, H, W)`` or ``(1, N, C, H, W)``.
            data_samples: one :class:`ReIDDataSample` per sample (needed for
                ``'loss'``). Defaults to None.
            mode: what to return. Defaults to ``'tensor'``.
        """
        if inputs.dim() == 5:
            if inputs.size(0) != 1:
                raise ValueError(
                    f"BaseReID: 5-D inputs must have batch size 1, got {tuple(inputs.shape)}"
                )
            inputs = inputs[0]
        if mode == "tensor":
            feats = self.extract_feat(inputs)
            return self.head(feats) if self.with_head else feats
        if mode == "loss":
            if data_samples is None:
                raise ValueError("BaseReID: 'loss' mode needs data samples with gt_label")
            if not self.with_head:
                raise ValueError("BaseReID: 'loss' mode needs a head")
            return self.head.loss(self.extract_feat(inputs), data_samples)
        if mode == "predict":
            return self.predict(inputs, data_samples)
        raise ValueError(
            f"BaseReID.forward: mode must be 'tensor', 'loss' or 'predict', got {mode!r}"
        )

    def predict(
        self, inputs: Tensor, data_samples: Optional[list[ReIDDataSample]] = None
    ) -> list[ReIDDataSample]:
        """Embeddings of the crops, written into ``pred_feature`` of each sample.

        A sample holding ``n`` crops (its ``gt_label.label`` has ``n``
        entries) gets ``(n, D)``; a sample of one crop ``(D,)``.
        """
        feats = self.extract_feat(inputs)
        embeds = self.head(feats) if self.with_head else feats
        if isinstance(embeds, (tuple, list)):
            embeds = embeds[-1]
        if data_samples is None:
            data_samples = [ReIDDataSample() for _ in range(len(embeds))]
        counts = []
        for s in data_samples:
            n = len(s.gt_label.label) if "gt_label" in s else 1
            counts.append(max(int(n), 1))
        if sum(counts) != len(embeds):
            if len(data_samples) == len(embeds):
                counts = [1] * len(embeds)
            else:
                raise ValueError(
                    f"BaseReID.predict: {len(embeds)} embeddings for samples of {sum(counts)} crops"
                )
        start = 0
        for sample, n in zip(data_samples, counts):
            sample.pred_feature = embeds[start] if n == 1 else embeds[start : start + n]
            start += n
        return data_samples
