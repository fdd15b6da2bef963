"""3-D (time, row, column) sine positional encoding of Mask2Former-VIS
(MMTracking 1.x ``SinePositionalEncoding3D``)."""

from __future__ import annotations

import torch
from torch import Tensor

from mmtrack.registry import MODELS

from .positional_encoding import SinePositionalEncoding


@MODELS.register_module()
class SinePositionalEncoding3D(SinePositionalEncoding):
    """Sine encoding of the 2-D positions plus a sine encoding of the frame index.

    The ``y`` and ``x`` parts are those of :class:`SinePositionalEncoding`
    (``num_feats`` channels each, concatenated ``y`` then ``x``); the ``z``
    (time) part has ``2 * num_feats`` channels with temperature exponents
    over ``2 * num_feats`` and is added to them. With ``normalize`` every
    coordinate is the running count of unpadded cells along its axis,
    scaled to ``(c + offset) / (c_last + eps) * scale``.

    Args:
        See :class:`SinePositionalEncoding`.
    """

    def forward(self, mask: Tensor) -> Tensor:  # type: ignore[override]
        """Encode the positions.

        Args:
            mask: ``(B, T, H, W)`` bool (or 0/1), True / 1 on padded cells.

        Returns:
            ``(B, T, 2 * num_feats, H, W)`` float32.
        """
        if mask.dim() != 4:
            raise ValueError(
                f"SinePositionalEncoding3D: mask must be (B, T, H, W), got {tuple(mask.shape)}"
            )
        not_mask = 1 - mask.to(torch.int)
        z = not_mask.cumsum(1, dtype=torch.float32)
        y = not_mask.cumsum(2, dtype=torch.float32)
        x = not_mask.cumsum(3, dtype=torch.float32)
        if self.normalize:
            z = (z + self.offset) / (z[:, -1:] + self.eps) * self.scale
            y = (y + self.offset) / (y[:, :, -1:] + self.eps) * self.scale
            x = (x + self.offset) / (x[:, :, :, -1:] + self.eps) * self.scale
        f = self.num_feats
        dim_t = torch.arange(f, dtype=torch.float32, device=mask.device)
        dim_t = self.temperature ** (2 * (dim_t // 2) / f)
        dim_z = torch.arange(2 * f, dtype=torch.float32, device=mask.device)
        dim_z = self.temperature ** (2 * (dim_z // 2) / (2 * f))

        def sincos(p: Tensor) -> Tensor:
            return torch.stack((p[..., 0::2].sin(), p[..., 1::2].cos()), dim=5).flatten(4)

        pos_x = sincos(x[..., None] / dim_t)
        pos_y = sincos(y[..., None] / dim_t)
        pos_z = sincos(z[..., None] / dim_z)
        return (torch.cat((pos_y, pos_x), dim=4) + pos_z).permute(0, 1, 4, 2, 3)
