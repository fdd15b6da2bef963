"""mmengine ``Runner`` that also trains distributed on CPU."""

from __future__ import annotations

from mmengine.dist import is_distributed
from mmengine.model import is_model_wrapper, revert_sync_batchnorm
from mmengine.runner import Runner
from torch import nn

from mmtrack.registry import MODEL_WRAPPERS, RUNNERS

from .dist_utils import init_dist, uses_accelerator

__all__ = ["TrackRunner"]


@RUNNERS.register_module()
class TrackRunner(Runner):
    """mmengine's :class:`~mmengine.runner.Runner` with CPU-distributed support.

    Differences, both only when no accelerator is present:

    * the process group is created by :func:`mmtrack.engine.runner.init_dist`
      (``gloo``; ``env_cfg.dist_cfg.backend='nccl'`` is replaced);
    * the model is wrapped in ``MMDistributedDataParallel`` (or the
      ``model_wrapper_cfg`` type) without ``device_ids``, as PyTorch requires
      for CPU modules.

    ``tools/train.py`` and ``tools/test.py`` use it unless a config sets
    ``runner_type``. Checkpoints are loaded through
    :mod:`mmtrack.utils.checkpoint` (installed on ``import mmtrack.engine``).
    """

    def setup_env(self, env_cfg: dict) -> None:
        """Start the process group (CPU-capable) before mmengine's set-up."""
        if self.distributed and not is_distributed():
            init_dist(self.launcher, **dict(env_cfg.get("dist_cfg", {})))
        super().setup_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg: dict | None, model: nn.Module) -> nn.Module:
        """Wrap for DDP; on CPU without ``device_ids``."""
        if not self.distributed or is_model_wrapper(model) or uses_accelerator():
            return super().wrap_model(model_wrapper_cfg, model)
        model = model.to("cpu")
        if self.cfg.get("sync_bn", None) is not None:
            self.logger.warning("no CUDA device: ignoring sync_bn (SyncBatchNorm needs a GPU)")
        # SyncBatchNorm has no CPU kernel; plain BatchNorm keeps CPU runs working.
        model = revert_sync_batchnorm(model)
        if model_wrapper_cfg is None:
            model_wrapper_cfg = dict(
                type="MMDistributedDataParallel",
                broadcast_buffers=False,
                find_unused_parameters=self.cfg.get("find_unused_parameters", False),
            )
        wrapper_cfg = dict(model_wrapper_cfg)
        wrapper_cfg.setdefault("type", "MMDistributedDataParallel")
        return MODEL_WRAPPERS.build(wrapper_cfg, default_args=dict(module=model))
