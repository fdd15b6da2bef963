"""Switch YOLOX training mode for its last epochs."""

from __future__ import annotations

from collections.abc import Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmtrack.registry import HOOKS


@HOOKS.register_module()
class YOLOXModeSwitchHook(Hook):
    """Turn off the strong augmentations and turn on the L1 loss at the end.

    Before each training epoch ``e`` (0-based) with
    ``e + 1 >= max_epochs - num_last_epochs`` -- so the last
    ``num_last_epochs + 1`` epochs, exactly as the original YOLOX and
    MMDetection count -- the hook:

    1. calls ``train_dataloader.dataset.update_skip_type_keys(skip_type_keys)``
       so the mixing dataset skips Mosaic/RandomAffine/MixUp;
    2. drops the cached data-loader iterator when workers are persistent, so
       the workers restart with the new pipeline;
    3. sets ``bbox_head.use_l1 = True`` on the detector (``model.bbox_head`` or
       ``model.detector.bbox_head`` for tracking models).

    It switches once per run (and again after a resume into the last epochs).

    Args:
        num_last_epochs: number of final epochs without the augmentations.
            Defaults to 15.
        skip_type_keys: transform types to skip. Defaults to
            ``('Mosaic', 'RandomAffine', 'MixUp')``.
    """

    priority = "NORMAL"

    def __init__(
        self,
        num_last_epochs: int = 15,
        skip_type_keys: Sequence[str] = ("Mosaic", "RandomAffine", "MixUp"),
    ) -> None:
        if num_last_epochs < 0:
            raise ValueError(
                f"YOLOXModeSwitchHook: num_last_epochs must be >= 0, got {num_last_epochs}"
            )
        self.num_last_epochs = num_last_epochs
        self.skip_type_keys = tuple(skip_type_keys)
        self._has_switched = False

    def before_train_epoch(self, runner) -> None:
        """Switch when the coming epoch is one of the last ``num_last_epochs``."""
        epoch_to_be_switched = (runner.epoch + 1) >= runner.max_epochs - self.num_last_epochs
        if not epoch_to_be_switched or self._has_switched:
            return
        train_loader = runner.train_dataloader
        dataset = train_loader.dataset
        if hasattr(dataset, "update_skip_type_keys"):
            runner.logger.info(f"YOLOXModeSwitchHook: skipping {list(self.skip_type_keys)} now")
            dataset.update_skip_type_keys(self.skip_type_keys)
            if getattr(train_loader, "persistent_workers", False):
                # persistent workers hold a copy of the old pipeline: restart them
                train_loader._iterator = None
        else:
            runner.logger.warning(
                f"YOLOXModeSwitchHook: {type(dataset).__name__} has no "
                "update_skip_type_keys(); the pipeline is left unchanged"
            )
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        detector = model.detector if hasattr(model, "detector") else model
        runner.logger.info("YOLOXModeSwitchHook: adding the L1 loss now")
        detector.bbox_head.use_l1 = True
        self._has_switched = True
