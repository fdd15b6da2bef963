"""Average normalisation statistics across ranks before validation."""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn as nn
from mmengine.dist import all_reduce, get_dist_info
from mmengine.hooks import Hook

from mmtrack.registry import HOOKS


def get_norm_states(module: nn.Module) -> OrderedDict:
    """State-dict entries of every normalisation layer of ``module``.

    Returns:
        ``{'<layer name>.<state key>': tensor}`` for each ``_NormBase`` child
        (BatchNorm, SyncBatchNorm, InstanceNorm with running stats, ...).
    """
    states: OrderedDict = OrderedDict()
    for name, child in module.named_modules():
        if isinstance(child, nn.modules.batchnorm._NormBase):
            for key, value in child.state_dict().items():
                states[f"{name}.{key}" if name else key] = value
    return states


@HOOKS.register_module()
class SyncNormHook(Hook):
    """Make BN statistics identical on all ranks before each validation.

    YOLOX trains with plain (per-rank) BN; ranks drift apart, so before
    validating the hook replaces every norm layer's parameters and buffers
    by their mean over ranks. A no-op in single-process runs.
    """

    priority = "NORMAL"

    def before_val_epoch(self, runner) -> None:
        """All-reduce (mean) the norm states of ``runner.model``."""
        _, world_size = get_dist_info()
        if world_size == 1:
            return
        module = runner.model
        norm_states = get_norm_states(module)
        if not norm_states:
            return
        averaged = OrderedDict()
        for key, value in norm_states.items():
            buffer = value.detach().clone().to(torch.float64)
            all_reduce(buffer, op="mean")
            averaged[key] = buffer.to(value.dtype)
        module.load_state_dict(averaged, strict=False)
