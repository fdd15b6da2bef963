"""Linear head of the ReID models (embedding + identity classifier)."""

from __future__ import annotations

from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.models.losses import accuracy
from mmtrack.registry import MODELS
from mmtrack.structures import ReIDDataSample

from .fc_module import FcModule


@MODELS.register_module()
class LinearReIDHead(BaseModule):
    """``num_fcs`` x :class:`FcModule` -> ``fc_out`` embedding; BN + classifier for the CE loss.

    The embedding ``fc_out(fcs(x))`` ``(N, out_channels)`` is what tracking
    uses. Training combines a triplet loss on the embeddings
    (``loss_triplet``) and a cross-entropy over identities
    (``loss_cls``) on ``classifier(bn(embedding))``; at least one is needed.

    State-dict keys (as MMTracking): ``fcs.{i}.fc``, ``fcs.{i}.bn``,
    ``fc_out``, ``bn``, ``classifier``.

    Args:
        num_fcs: number of :class:`FcModule` before ``fc_out``.
        in_channels: input features (the pooled backbone channels).
        fc_channels: features of the hidden fcs.
        out_channels: embedding size.
        norm_cfg: norm of the hidden fcs (e.g. ``dict(type='BN1d')``). Defaults to None.
        act_cfg: activation of the hidden fcs. Defaults to None.
        num_classes: number of identities (needed with ``loss_cls``). Defaults to None.
        loss_cls: cross-entropy config. Defaults to None.
        loss_triplet: triplet loss config. Defaults to None.
        topk: top-k accuracies logged with ``loss_cls``. Defaults to (1,).
        loss: MMTracking 0.14 name of ``loss_cls``. Defaults to None.
        loss_pairwise: MMTracking 0.14 name of ``loss_triplet``. Defaults to None.
        init_cfg: initialisation config. Defaults to Normal(0, 0.01) on ``Linear``.
    """

    def __init__(
        self,
        num_fcs: int,
        in_channels: int,
        fc_channels: int,
        out_channels: int,
        norm_cfg: Optional[dict] = None,
        act_cfg: Optional[dict] = None,
        num_classes: Optional[int] = None,
        loss_cls: Optional[dict] = None,
        loss_triplet: Optional[dict] = None,
        topk: Union[int, tuple[int, ...]] = (1,),
        loss: Optional[dict] = None,
        loss_pairwise: Optional[dict] = None,
        init_cfg: Union[dict, list, None] = dict(  # noqa: B006
            type="Normal", layer="Linear", mean=0, std=0.01, bias=0
        ),
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        loss_cls = loss_cls if loss_cls is not None else loss
        loss_triplet = loss_triplet if loss_triplet is not None else loss_pairwise
        topk = (topk,) if isinstance(topk, int) else tuple(topk)
        if any(k <= 0 for k in topk):
            raise ValueError(f"LinearReIDHead: topk must be positive, got {topk}")
        if loss_cls is not None and not isinstance(num_classes, int):
            raise TypeError(
                f"LinearReIDHead: num_classes must be an int with loss_cls, got {num_classes!r}"
            )
        self.topk = topk
        self.num_fcs = num_fcs
        self.in_channels = in_channels
        self.fc_channels = fc_channels
        self.out_channels = out_channels
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        self.num_classes = num_classes
        self.loss_cls = MODELS.build(loss_cls) if loss_cls is not None else None
        self.loss_triplet = MODELS.build(loss_triplet) if loss_triplet is not None else None

        self.fcs = nn.ModuleList(
            FcModule(in_channels if i == 0 else fc_channels, fc_channels, norm_cfg, act_cfg)
            for i in range(num_fcs)
        )
        self.fc_out = nn.Linear(in_channels if num_fcs == 0 else fc_channels, out_channels)
        if self.loss_cls is not None:
            self.bn = nn.BatchNorm1d(out_channels)
            self.classifier = nn.Linear(out_channels, num_classes)

    def forward(self, feats: Union[Tensor, tuple[Tensor, ...]]) -> Tensor:
        """Embeddings ``(N, out_channels)`` of pooled features (the last of a tuple)."""
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        for m in self.fcs:
            feats = m(feats)
        return self.fc_out(feats)

    def loss(
        self, feats: Union[Tensor, tuple[Tensor, ...]], data_samples: list[ReIDDataSample]
    ) -> dict[str, Tensor]:
        """Losses of a batch (labels ``gt_label.label`` of the samples, concatenated).

        Returns:
            ``triplet_loss`` and/or ``ce_loss`` with ``accuracy_top-k``.
        """
        return self.loss_by_feat(self(feats), data_samples)

    def loss_by_feat(self, embeds: Tensor, data_samples: list[ReIDDataSample]) -> dict[str, Tensor]:
        """Losses from embeddings ``(N, out_channels)``."""
        if self.loss_cls is None and self.loss_triplet is None:
            raise ValueError("LinearReIDHead: set loss_cls and/or loss_triplet to train")
        labels = torch.cat([s.gt_label.label.reshape(-1) for s in data_samples]).to(embeds.device)
        if len(labels) != len(embeds):
            raise ValueError(f"LinearReIDHead: {len(embeds)} embeddings but {len(labels)} labels")
        losses: dict[str, Tensor] = {}
        if self.loss_triplet is not None:
            losses["triplet_loss"] = self.loss_triplet(embeds, labels)
        if self.loss_cls is not None:
            cls_score = self.classifier(self.bn(embeds))
            losses["ce_loss"] = self.loss_cls(cls_score, labels)
            accs = accuracy(cls_score, labels, topk=self.topk)
            accs = accs if isinstance(accs, tuple) else (accs,)
            for k, a in zip(self.topk, accs):
                losses[f"accuracy_top-{k}"] = a
        return losses

    def predict(
        self,
        feats: Union[Tensor, tuple[Tensor, ...]],
        data_samples: Optional[list[ReIDDataSample]] = None,
    ) -> list[ReIDDataSample]:
        """Write each embedding into ``pred_feature`` of its sample (new samples when None)."""
        embeds = self(feats)
        if data_samples is None:
            data_samples = [ReIDDataSample() for _ in range(len(embeds))]
        if len(data_samples) != len(embeds):
            raise ValueError(
                f"LinearReIDHead.predict: {len(embeds)} embeddings for {len(data_samples)} samples"
            )
        for sample, embed in zip(data_samples, embeds):
            sample.pred_feature = embed
        return data_samples
