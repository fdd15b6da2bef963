#!/usr/bin/env python
"""Count the FLOPs and parameters of a model's network.

Uses mmengine's ``get_model_complexity_info`` (fvcore-style counting: one
fused multiply-add is one FLOP; element-wise operations and biases are not
counted) on the network's ``'tensor'`` mode forward with a random input of
``--shape``. MOT, VID and VIS models are counted through their detector
(the tracker's association is not a network operation; a ReID model runs
once per box and is counted on its own config). Other models (detectors,
ReID models, SOT models) are counted whole.

Example::

    python tools/analysis_tools/get_flops.py configs/det/yolox_x_8xb4-80e_crowdhuman-mot17halftrain.py --shape 800 1440
"""  # noqa: E501

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import torch
from mmengine.config import Config, DictAction
from torch import nn


class TensorMode(nn.Module):
    """``forward(x)`` = ``model(x, None, mode='tensor')`` (or ``model(x)`` for plain modules)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> Any:
        from mmengine.model import BaseModel

        if isinstance(self.model, BaseModel):
            return self.model(x, None, mode="tensor")
        return self.model(x)


def network_of(model: nn.Module) -> tuple[nn.Module, str]:
    """The network whose FLOPs are counted and a description of it."""
    detector = getattr(model, "detector", None)
    if isinstance(detector, nn.Module):
        return detector, f"the detector ({type(detector).__name__}) of {type(model).__name__}"
    return model, type(model).__name__


def get_flops(
    config: str | Config,
    shape: Sequence[int] = (1280, 800),
    cfg_options: dict | None = None,
    in_channels: int = 3,
) -> dict[str, Any]:
    """Count the FLOPs and parameters of a config's network.

    Args:
        config: config file or :class:`Config`.
        shape: input ``(H, W)``, or ``(S,)`` for a square input. Defaults to (1280, 800).
        cfg_options: config overrides. Defaults to None.
        in_channels: input channels. Defaults to 3.

    Returns:
        ``dict(flops, params, flops_str, params_str, input_shape, network)``
        (mmengine's result plus the input shape and what was counted).

    Raises:
        ValueError: a bad ``shape``, or a network without ``'tensor'`` mode.
    """
    from mmengine.analysis import get_model_complexity_info

    from mmtrack.registry import MODELS
    from mmtrack.utils import register_all_modules

    if len(shape) == 1:
        h = w = int(shape[0])
    elif len(shape) == 2:
        h, w = (int(s) for s in shape)
    else:
        raise ValueError(f"--shape takes 1 or 2 numbers (H [W]), got {list(shape)}")
    if h <= 0 or w <= 0:
        raise ValueError(f"--shape must be positive, got {list(shape)}")
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    register_all_modules(init_default_scope=True)
    model = MODELS.build(cfg.model)  # random weights: no checkpoint or pretrained file needed
    network, description = network_of(model)
    network.eval()
    x = torch.randn(1, in_channels, h, w)
    wrapped = TensorMode(network)
    try:
        with torch.no_grad():
            wrapped(x)
    except Exception as e:  # noqa: BLE001 - reported with the network's name
        raise ValueError(
            f"cannot run {description} in 'tensor' mode on a {tuple(x.shape)} input: "
            f"{type(e).__name__}: {e}"
        ) from e
    with torch.no_grad():
        result = get_model_complexity_info(wrapped, inputs=(x,), show_table=False, show_arch=False)
    result["input_shape"] = tuple(x.shape)
    result["network"] = description
    return result


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command line of ``get_flops.py``."""
    parser = argparse.ArgumentParser(prog="get_flops.py", description="Count FLOPs and params")
    parser.add_argument("config", help="config file")
    parser.add_argument(
        "--shape", type=int, nargs="+", default=[1280, 800], help="input size: H [W]"
    )
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        metavar="KEY=VALUE",
        help="override config entries",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; returns the exit code (1 on a bad config or shape)."""
    args = parse_args(argv)
    try:
        result = get_flops(args.config, args.shape, args.cfg_options)
    except (OSError, ValueError, KeyError, TypeError) as e:  # TypeError: bad config keys
        print(f"get_flops.py: error: {e}", file=sys.stderr)
        return 1
    split = "=" * 30
    print(
        f"{split}\nNetwork: {result['network']}\nInput shape: {result['input_shape']}\n"
        f"Flops: {result['flops_str']}\nParams: {result['params_str']}\n{split}"
    )
    print(
        "!!!Please be cautious if you use the results in papers. FLOPs are counted as "
        "multiply-adds of the supported operators (convolutions, linear layers, matmuls...); "
        "check that every operator of your model is supported."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
