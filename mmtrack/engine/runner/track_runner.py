"""mmengine ``Runner`` that also trains distributed on CPU."""

from __future__ import annotations

from mmengine.dist import is_distributed
from mmengine.model import is_model_wrapper, revert_sync_batchnorm
from mmengine.runner import BaseLoop, Runner
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

    For training it also registers :class:`~mmtrack.engine.hooks.ExactResumeHook`
    (unless the config lists it) and builds a ``by_epoch`` train loop config
    without ``type`` as mmtrack's ``EpochBasedTrainLoop`` / ``IterBasedTrainLoop``,
    so that ``--resume`` continues bit-exactly (see ``docs/en/useful_tools.md``).

    ``tools/train.py`` and ``tools/test.py`` use it unless a config sets
    ``runner_type``. Checkpoints are loaded through
    :mod:`mmtrack.utils.checkpoint` (installed on ``import mmtrack.engine``).
    """

    def setup_env(self, env_cfg: dict) -> None:
        """Start the process group (CPU-capable) before mmengine's set-up."""
        if self.distributed and not is_distributed():
            init_dist(self.launcher, **dict(env_cfg.get("dist_cfg", {})))
        super().setup_env(env_cfg)

    def register_hooks(
        self, default_hooks: dict | None = None, custom_hooks: list | None = None
    ) -> None:
        """mmengine's hooks, plus :class:`ExactResumeHook` when the config has none."""
        super().register_hooks(default_hooks, custom_hooks)
        from mmtrack.engine.hooks.exact_resume_hook import ExactResumeHook

        if not any(isinstance(hook, ExactResumeHook) for hook in self._hooks):
            self.register_hook(ExactResumeHook())

    def build_train_loop(self, loop: BaseLoop | dict) -> BaseLoop:
        """Build the train loop; ``by_epoch`` configs get mmtrack's resumable loops."""
        if isinstance(loop, dict) and "type" not in loop and "by_epoch" in loop:
            loop = dict(loop)
            by_epoch = loop.pop("by_epoch")
            loop["type"] = f"mmtrack.{'EpochBased' if by_epoch else 'IterBased'}TrainLoop"
        return super().build_train_loop(loop)

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
