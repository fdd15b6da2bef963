"""FlowNetSimple: optical flow of image pairs (DFF, FGFA)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmtrack.registry import MODELS

_LEAKY = dict(type="LeakyReLU", negative_slope=0.1)
#: Encoder: kernel size and convs of each of the six stages.
_CONV_KERNELS = (7, 5, 5, 3, 3, 3)
_CONV_NUM = (1, 1, 2, 2, 2, 2)


def _arch(base: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Input channels of conv1..conv6 and of deconv2..deconv5 for width ``base``.

    ``base = 64`` gives MMTracking 0.14's ``(6, 64, 128, 256, 512, 512)`` and
    ``(386, 770, 1026, 1024)``.
    """
    conv = (6, base, 2 * base, 4 * base, 8 * base, 8 * base)
    deconv = (6 * base + 2, 12 * base + 2, 16 * base + 2, 16 * base)
    return conv, deconv


@MODELS.register_module()
class FlowNetSimple(BaseModule):
    """FlowNetS (`FlowNet <https://arxiv.org/abs/1504.06852>`_) as in MMTracking 0.14.

    Six stride-2 conv stages (``conv1`` .. ``conv6``, LeakyReLU 0.1) encode
    the stacked pair; from ``conv6`` down to ``conv3`` each level predicts a
    flow (``predict_flow{6..3}``), which is upsampled (``upsample_flow{5..2}``)
    and concatenated with the deconvolved features (``deconv{5..2}``) and the
    encoder features of the finer level; ``predict_flow`` gives the final
    flow at stride 4 of the resized input, upsampled to the input size.

    Image preparation (:meth:`prepare_imgs`): the network input is the
    data preprocessor's output, so it is de-normalised with
    ``img_metas[0]['img_norm_cfg']`` (``mean``/``std`` of the preprocessor, RGB),
    divided by ``flow_img_norm_std`` minus ``flow_img_norm_mean``, zeroed in
    the padding (beyond ``img_shape``) and resized by ``img_scale_factor``.

    State-dict keys (MMTracking 0.14): ``conv{1..6}.{j}.conv.{weight,bias}``,
    ``deconv{2..5}.conv.weight``, ``predict_flow{3..6}.conv.weight``,
    ``upsample_flow{2..5}.conv.weight``, ``predict_flow.conv.weight``.

    Args:
        img_scale_factor: resize factor of the images before the network.
        out_indices: encoder stages used by the decoder. Defaults to ``[2, 3, 4, 5, 6]``.
        flow_scale_factor: multiplier of the output flow. Defaults to 5.0.
        flow_img_norm_std: image scale of FlowNet's training. Defaults to ``[255.0] * 3``.
        flow_img_norm_mean: image mean (after scaling) of FlowNet's training.
            Defaults to ``[0.411, 0.432, 0.450]``.
        base_channels: width of ``conv1`` (all widths scale with it); 64 is
            FlowNetS and MMTracking's checkpoints, smaller values make CPU-sized
            test models. Defaults to 64.
        zero_init_flow: zero the final flow conv in :meth:`init_weights`, so
            that a network trained from scratch starts with a zero flow.
            Defaults to False.
        init_cfg: init config. Defaults to None.
    """

    def __init__(
        self,
        img_scale_factor: float,
        out_indices: Sequence[int] = (2, 3, 4, 5, 6),
        flow_scale_factor: float = 5.0,
        flow_img_norm_std: Sequence[float] = (255.0, 255.0, 255.0),
        flow_img_norm_mean: Sequence[float] = (0.411, 0.432, 0.450),
        base_channels: int = 64,
        zero_init_flow: bool = False,
        init_cfg: Union[dict, list, None] = None,
    ) -> None:
        super().__init__(init_cfg)
        if tuple(out_indices) != (2, 3, 4, 5, 6):
            raise ValueError(
                f"FlowNetSimple: the decoder needs out_indices [2, 3, 4, 5, 6], got {out_indices}"
            )
        if base_channels < 2 or base_channels % 2:
            raise ValueError(
                f"FlowNetSimple: base_channels must be an even number >= 2, got {base_channels}"
            )
        conv_inplanes, deconv_inplanes = _arch(int(base_channels))
        self.zero_init_flow = bool(zero_init_flow)
        self.img_scale_factor = float(img_scale_factor)
        self.out_indices = list(out_indices)
        self.flow_scale_factor = float(flow_scale_factor)
        self.register_buffer(
            "flow_img_norm_mean", torch.tensor(flow_img_norm_mean).repeat(2), persistent=False
        )
        self.register_buffer(
            "flow_img_norm_std", torch.tensor(flow_img_norm_std).repeat(2), persistent=False
        )
        self.conv_layers = []
        for i, inplanes in enumerate(conv_inplanes):
            planes = 2 * inplanes if i == len(conv_inplanes) - 1 else conv_inplanes[i + 1]
            kernel = _CONV_KERNELS[i]
            stage = nn.ModuleList(
                [ConvModule(inplanes, planes, kernel, 2, (kernel - 1) // 2, act_cfg=_LEAKY)]
            )
            for _ in range(1, _CONV_NUM[i]):
                k = 3 if i == 2 else kernel
                stage.append(ConvModule(planes, planes, k, 1, (k - 1) // 2, act_cfg=_LEAKY))
            self.add_module(f"conv{i + 1}", stage)
            self.conv_layers.append(f"conv{i + 1}")

        self.deconv_layers: list[str] = []
        self.flow_layers: list[str] = []
        self.upflow_layers: list[str] = []
        planes = deconv_inplanes[-1] // 2
        deconv = dict(type="deconv")
        for i in range(len(deconv_inplanes) - 1, -1, -1):
            inplanes = deconv_inplanes[i]
            self.add_module(
                f"deconv{i + 2}",
                ConvModule(inplanes, planes, 4, 2, 1, bias=False, conv_cfg=deconv, act_cfg=_LEAKY),
            )
            self.deconv_layers.insert(0, f"deconv{i + 2}")
            self.add_module(
                f"predict_flow{i + 3}", ConvModule(inplanes, 2, 3, 1, 1, bias=False, act_cfg=None)
            )
            self.flow_layers.insert(0, f"predict_flow{i + 3}")
            self.add_module(
                f"upsample_flow{i + 2}",
                ConvModule(2, 2, 4, 2, 1, bias=False, conv_cfg=deconv, act_cfg=None),
            )
            self.upflow_layers.insert(0, f"upsample_flow{i + 2}")
            planes //= 2
        self.predict_flow = ConvModule(planes * 6 + 2, 2, 3, 1, 1, bias=False, act_cfg=None)

    def init_weights(self) -> None:
        """Init from ``init_cfg`` (the convs' own init otherwise), then zero the
        final flow conv when ``zero_init_flow``."""
        super().init_weights()
        if self.zero_init_flow:
            nn.init.zeros_(self.predict_flow.conv.weight)

    def prepare_imgs(self, imgs: Tensor, img_metas: Sequence[dict]) -> Tensor:
        """FlowNet's input from preprocessed image pairs.

        Args:
            imgs: ``(N, 6, H, W)`` pairs (key frame channels first), normalised
                by the data preprocessor.
            img_metas: ``img_metas[0]`` has ``img_norm_cfg`` (``mean``, ``std``
                of the preprocessor, 3 values each) and ``img_shape`` ``(h, w)``.

        Returns:
            ``(N, 6, H * s, W * s)`` images, ``s = img_scale_factor``.
        """
        meta = img_metas[0]
        norm = meta.get("img_norm_cfg")
        if norm is None or "img_shape" not in meta:
            raise KeyError(
                "FlowNetSimple.prepare_imgs: img_metas[0] needs 'img_norm_cfg' and 'img_shape', "
                f"got keys {sorted(meta)}"
            )
        mean = imgs.new_tensor(list(norm["mean"])).repeat(2)[None, :, None, None]
        std = imgs.new_tensor(list(norm["std"])).repeat(2)[None, :, None, None]
        flow_mean = self.flow_img_norm_mean.to(imgs)[None, :, None, None]
        flow_std = self.flow_img_norm_std.to(imgs)[None, :, None, None]
        flow_img = (imgs * std + mean) / flow_std - flow_mean
        h, w = meta["img_shape"][:2]
        flow_img[:, :, int(h) :, :] = 0.0
        flow_img[:, :, :, int(w) :] = 0.0
        return F.interpolate(
            flow_img, scale_factor=self.img_scale_factor, mode="bilinear", align_corners=False
        )

    def forward(self, imgs: Tensor, img_metas: Sequence[dict]) -> Tensor:
        """Flow from each key frame to its paired frame.

        Args:
            imgs: ``(N, 6, H, W)`` preprocessed pairs (see :meth:`prepare_imgs`).
            img_metas: see :meth:`prepare_imgs`.

        Returns:
            ``(N, 2, H', W')`` flow ``(dx, dy)`` in input pixels, ``H' = H`` when
            ``H`` is a multiple of ``4 / img_scale_factor``.
        """
        x = self.prepare_imgs(imgs, img_metas)
        conv_outs = []
        for i, name in enumerate(self.conv_layers, 1):
            for module in getattr(self, name):
                x = module(x)
            if i in self.out_indices:
                conv_outs.append(x)
        num_outs = len(conv_outs)
        concat_out = conv_outs[-1]
        for i in range(num_outs - 1, 0, -1):
            flow = getattr(self, self.flow_layers[i - 1])(concat_out)
            target = conv_outs[i - 1]
            upflow = self.crop_like(getattr(self, self.upflow_layers[i - 1])(flow), target)
            deconv = getattr(self, self.deconv_layers[i - 1])
            deconv_out = self.crop_like(deconv(concat_out), target)
            concat_out = torch.cat((target, deconv_out, upflow), dim=1)
        flow = self.predict_flow(concat_out)
        up = 4 / self.img_scale_factor
        flow = F.interpolate(flow, scale_factor=up, mode="bilinear", align_corners=False)
        return flow * (up * self.flow_scale_factor)

    @staticmethod
    def crop_like(x: Tensor, target: Tensor) -> Tensor:
        """Crop ``x`` at the bottom/right to the spatial size of ``target``."""
        if x.shape[2:] == target.shape[2:]:
            return x
        return x[:, :, : target.shape[2], : target.shape[3]]
