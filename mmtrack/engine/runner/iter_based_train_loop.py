"""mmengine's iteration-based train loop with the random state restored on resume."""

from __future__ import annotations

import logging

from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop as _MMEngineIterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator
from torch import nn

from mmtrack.registry import LOOPS


@LOOPS.register_module()
class IterBasedTrainLoop(_MMEngineIterBasedTrainLoop):
    """:class:`mmengine.runner.IterBasedTrainLoop` whose resume is bit-exact.

    As mmengine's loop, a resumed run loads and drops the ``iter`` batches
    already trained. Between that and the next batch this loop calls the
    ``after_train_data_skip`` hook stage, where
    :class:`~mmtrack.engine.hooks.ExactResumeHook` restores the random state
    saved in the checkpoint. When that hook re-seeded the train data loader
    (a config without a seed), the data iterator, built before the resume, is
    built again first.

    In the mmtrack scope, ``train_cfg=dict(type='IterBasedTrainLoop', ...)``
    (and ``by_epoch=False`` through :class:`~mmtrack.engine.TrackRunner`)
    builds this loop.
    """

    def run(self) -> nn.Module:
        """Launch training."""
        self.runner.call_hook("before_train")
        self.runner.call_hook("before_train_epoch")
        if getattr(self, "_restart_data_iterator", False):
            self.dataloader._iterator = None  # persistent workers keep the old seed
            self.dataloader_iterator = _InfiniteDataloaderIterator(self.dataloader)
            self._restart_data_iterator = False
        if self._iter > 0:
            print_log(
                f"Advance dataloader {self._iter} steps to skip data that has already been "
                "trained",
                logger="current",
                level=logging.WARNING,
            )
            for _ in range(self._iter):
                next(self.dataloader_iterator)
        self.runner.call_hook("after_train_data_skip")
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if (
                self.runner.val_loop is not None
                and self._iter >= self.val_begin
                and (self._iter % self.val_interval == 0 or self._iter == self._max_iters)
            ):
                self.runner.val_loop.run()
        self.runner.call_hook("after_train_epoch")
        self.runner.call_hook("after_train")
        return self.runner.model
