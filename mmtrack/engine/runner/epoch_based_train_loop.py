"""mmengine's epoch-based train loop, resumable in the middle of an epoch."""

from __future__ import annotations

import logging

from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop as _MMEngineEpochBasedTrainLoop
from torch import nn

from mmtrack.registry import LOOPS


@LOOPS.register_module()
class EpochBasedTrainLoop(_MMEngineEpochBasedTrainLoop):
    """:class:`mmengine.runner.EpochBasedTrainLoop` that resumes mid-epoch exactly.

    The arguments and behaviour of an uninterrupted run are mmengine's. When a
    run resumes from a checkpoint saved inside an epoch (e.g. by
    ``CheckpointHook(by_epoch=False)``), mmengine restarts that epoch from
    its first batch and trains more iterations than ``max_epochs`` allow;
    this loop instead loads and drops the ``iter - epoch * len(dataloader)``
    batches already trained (so data-loader workers replay them with their
    random transforms) and continues with the next one. Then, and at the
    start of an epoch when resuming at an epoch boundary, it calls the
    ``after_train_data_skip`` hook stage, where
    :class:`~mmtrack.engine.hooks.ExactResumeHook` restores the random state
    saved in the checkpoint.

    In the mmtrack scope, ``train_cfg=dict(type='EpochBasedTrainLoop', ...)``
    (and ``by_epoch=True`` through :class:`~mmtrack.engine.TrackRunner`)
    builds this loop.
    """

    def run(self) -> nn.Module:
        """Launch training (resuming inside an epoch when the counters say so)."""
        num_batches = len(self.dataloader)
        skip = self._iter - self._epoch * num_batches
        if not 0 <= skip <= num_batches:
            print_log(
                f"EpochBasedTrainLoop: resumed at iteration {self._iter} of epoch {self._epoch} "
                f"but an epoch has {num_batches} batches; the epoch restarts from its first batch",
                logger="current",
                level=logging.WARNING,
            )
            skip = 0
        loader = self.dataloader
        if (self._iter > 0 and loader.num_workers > 0 and loader.persistent_workers
                and self._epoch > 0):
            print_log(
                "EpochBasedTrainLoop: persistent data-loader workers restart on resume, so "
                "worker-side random transforms of the resumed epochs are not those of the "
                "uninterrupted run (set persistent_workers=False for an exact resume)",
                logger="current",
                level=logging.WARNING,
            )
        self._skip_batches = skip
        return super().run()

    def run_epoch(self) -> None:
        """Iterate one epoch, first dropping the batches a resumed run already trained."""
        skip, self._skip_batches = getattr(self, "_skip_batches", 0), 0
        if skip == 0:
            self.runner.call_hook("after_train_data_skip")
        self.runner.call_hook("before_train_epoch")
        self.runner.model.train()
        data_iter = iter(self.dataloader)
        if skip > 0:
            print_log(
                f"EpochBasedTrainLoop: skipping the {skip} batches of epoch {self._epoch + 1} "
                "trained before the checkpoint",
                logger="current",
            )
            if skip < len(self.dataloader):
                for _ in range(skip):
                    next(data_iter)
            self.runner.call_hook("after_train_data_skip")
        if skip < len(self.dataloader):
            for idx, data_batch in enumerate(data_iter, start=skip):
                self.run_iter(idx, data_batch)
        self.runner.call_hook("after_train_epoch")
        self._epoch += 1
