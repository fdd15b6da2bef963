"""Start training SiamRPN++'s backbone stages at a given epoch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.nn.modules.batchnorm import _BatchNorm

from mmtrack.registry import HOOKS


@HOOKS.register_module()
class SiamRPNBackboneUnfreezeHook(Hook):
    """Unfreeze backbone stages from ``backbone_start_train_epoch`` on (0-based).

    MMTracking's SiamRPN++ recipe keeps the whole ResNet frozen
    (``frozen_stages=4``) for 10 epochs, then trains ``layer2``-``layer4``.
    From that epoch the hook lowers the backbone's ``frozen_stages`` below
    the first trained stage (so the backbone's ``train()`` no longer
    re-freezes it), sets ``requires_grad`` on the stages' parameters and, on
    every iteration, puts their BN layers in training mode (as MMTracking
    0.x, whose hook ran after ``model.train()``).

    Args:
        backbone_start_train_epoch: first epoch (0-based) that trains the
            stages. Defaults to 10.
        backbone_train_layers: backbone stage names. Defaults to
            ``['layer2', 'layer3', 'layer4']``.
    """

    priority = "NORMAL"

    def __init__(
        self,
        backbone_start_train_epoch: int = 10,
        backbone_train_layers: Optional[Sequence[str]] = None,
    ) -> None:
        if backbone_start_train_epoch < 0:
            raise ValueError(
                "SiamRPNBackboneUnfreezeHook: backbone_start_train_epoch must be >= 0, "
                f"got {backbone_start_train_epoch}"
            )
        self.backbone_start_train_epoch = int(backbone_start_train_epoch)
        self.backbone_train_layers = list(backbone_train_layers or ["layer2", "layer3", "layer4"])

    def _backbone(self, runner: Any) -> Any:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        backbone = model.backbone
        for name in self.backbone_train_layers:
            if not hasattr(backbone, name):
                raise KeyError(f"SiamRPNBackboneUnfreezeHook: the backbone has no stage {name!r}")
        return backbone

    def before_train_epoch(self, runner: Any) -> None:
        """Unfreeze the stages once the start epoch is reached."""
        if runner.epoch < self.backbone_start_train_epoch:
            return
        backbone = self._backbone(runner)
        stages = [
            int(n[len("layer") :]) for n in self.backbone_train_layers if n.startswith("layer")
        ]
        if stages and hasattr(backbone, "frozen_stages"):
            backbone.frozen_stages = min(backbone.frozen_stages, min(stages) - 1)
        for name in self.backbone_train_layers:
            for param in getattr(backbone, name).parameters():
                param.requires_grad = True

    def before_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Optional[dict] = None
    ) -> None:
        """Keep the trained stages' BN layers in training mode."""
        if runner.epoch < self.backbone_start_train_epoch:
            return
        backbone = self._backbone(runner)
        for name in self.backbone_train_layers:
            for m in getattr(backbone, name).modules():
                if isinstance(m, _BatchNorm) and not m.training:
                    m.train()
