"""Save and restore the random state a resumed training run needs to be bit-exact."""

from __future__ import annotations

import random
from functools import partial
from typing import Any

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop

from mmtrack.registry import HOOKS

#: Key of the saved state in ``checkpoint['meta']``.
META_KEY = "exact_resume"


def get_rng_state() -> dict[str, Any]:
    """The process's Python, NumPy and torch (CPU and CUDA) random states.

    Everything is stored as tensors, ints, floats and None, so checkpoints stay
    loadable with ``torch.load(weights_only=True)``.

    Returns:
        ``dict(python=..., numpy=..., torch=..., cuda=...)``.
    """
    version, py_state, gauss = random.getstate()
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    cuda = None
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        cuda = torch.cuda.get_rng_state_all()
    return dict(
        python=dict(version=version, state=torch.tensor(py_state, dtype=torch.int64), gauss=gauss),
        numpy=dict(
            name=np_name,
            keys=torch.from_numpy(np_keys.astype(np.int64)),
            pos=int(np_pos),
            has_gauss=int(np_has_gauss),
            cached_gaussian=float(np_gauss),
        ),
        torch=torch.get_rng_state(),
        cuda=cuda,
    )


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore random states saved by :func:`get_rng_state`."""
    py = state["python"]
    random.setstate((py["version"], tuple(int(v) for v in py["state"].tolist()), py["gauss"]))
    npy = state["numpy"]
    np.random.set_state(
        (
            npy["name"],
            npy["keys"].numpy().astype(np.uint32),
            npy["pos"],
            npy["has_gauss"],
            npy["cached_gaussian"],
        )
    )
    torch.set_rng_state(state["torch"])
    if state.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _named_stateful_modules(runner: Any) -> dict[str, Any]:
    """Sub-modules of the model with ``runtime_state()`` / ``load_runtime_state()``."""
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    return {
        name: module
        for name, module in model.named_modules()
        if callable(getattr(module, "runtime_state", None))
        and callable(getattr(module, "load_runtime_state", None))
    }


@HOOKS.register_module()
class ExactResumeHook(Hook):
    """Make ``--resume`` continue exactly as the uninterrupted run would have.

    mmengine's resume restores weights, optimizer, schedulers, message hub
    and iteration counters; this hook adds the rest of what decides the next
    loss:

    * the Python ``random``, NumPy and torch (CPU, CUDA) random states of
      every rank, saved in ``checkpoint['meta']['exact_resume']`` and
      restored by mmtrack's train loops after they have skipped the batches
      already trained (``after_train_data_skip``), just before the next batch
      is loaded, so the random transforms of the main process continue
      their sequence (data-loader workers are re-seeded by mmengine's
      ``worker_init_fn`` and replay the skipped batches);
    * the state of model parts that are not in the state dict, e.g.
      :class:`~mmtrack.models.BatchSyncRandomResize`'s current size (any
      sub-module with ``runtime_state()`` / ``load_runtime_state(state)``);
    * the seed of the train sampler and data-loader workers when the config
      has no seed (mmengine takes the checkpoint's seed for the global
      random state but not for the data loader it has already built);
    * validation during training runs with the training random state set
      aside and put back afterwards, so evaluating (or not) does not change
      the training that follows.

    :class:`~mmtrack.engine.TrackRunner` registers it in every run; the
    state goes into every checkpoint, so any checkpoint can be resumed
    exactly. Checkpoints without it resume as mmengine does (with a warning).
    """

    priority = "VERY_HIGH"

    def __init__(self) -> None:
        self._pending: dict[str, Any] | None = None
        self._val_rng: dict[str, Any] | None = None
        self._gathered: list[dict[str, Any]] | None = None

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        """With several ranks, gather their random states for a checkpoint saved now."""
        self._gather_rng()

    def after_train_epoch(self, runner: Any) -> None:
        """With several ranks, gather their random states for a checkpoint saved now."""
        self._gather_rng()

    def _gather_rng(self) -> None:
        """Collect every rank's random state on every rank (a collective call).

        mmengine saves checkpoints on the main rank only, so the gather cannot
        happen in ``before_save_checkpoint``; it runs here, on all ranks,
        after each iteration and epoch, before ``CheckpointHook`` (which has a
        lower priority) may save. Nothing between the two draws random numbers.
        """
        _, world_size = get_dist_info()
        if world_size > 1:
            self._gathered = all_gather_object(get_rng_state())

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """Store the random states of all ranks and the modules' runtime state."""
        _, world_size = get_dist_info()
        states = self._gathered if world_size > 1 and self._gathered else [get_rng_state()]
        modules = {name: m.runtime_state() for name, m in _named_stateful_modules(runner).items()}
        checkpoint.setdefault("meta", {})[META_KEY] = dict(rng=states, modules=modules)

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """On resume: restore module state, fix the data seed, keep the random state."""
        if not getattr(runner, "_resume", False):
            return
        meta = checkpoint.get("meta", {}) or {}
        self._fix_data_seed(runner, meta.get("seed"))
        saved = meta.get(META_KEY)
        if saved is None:
            runner.logger.warning(
                "ExactResumeHook: the checkpoint has no random state (meta['exact_resume']); "
                "the resumed run continues but not bit-exactly"
            )
            return
        modules = _named_stateful_modules(runner)
        for name, state in saved.get("modules", {}).items():
            if name in modules:
                modules[name].load_runtime_state(state)
        rank, world_size = get_dist_info()
        rng = saved.get("rng", [])
        if len(rng) != world_size:
            runner.logger.warning(
                f"ExactResumeHook: the checkpoint holds the random state of {len(rng)} "
                f"process(es) but {world_size} are running; random states are not restored"
            )
            return
        self._pending = rng[rank]

    def after_train_data_skip(self, runner: Any) -> None:
        """Called by the train loop once the trained batches are skipped: restore the RNG."""
        if self._pending is not None:
            set_rng_state(self._pending)
            self._pending = None

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        """Late fallback for train loops that do not call ``after_train_data_skip``."""
        if self._pending is not None:
            runner.logger.warning(
                f"ExactResumeHook: {type(runner.train_loop).__name__} does not call "
                "after_train_data_skip; random states restored after the first resumed "
                "batch was loaded (not bit-exact)"
            )
            self.after_train_data_skip(runner)

    def before_val_epoch(self, runner: Any) -> None:
        """Set the training random state aside while validating during training."""
        if isinstance(getattr(runner, "_train_loop", None), BaseLoop):  # not in tools/test.py
            self._val_rng = get_rng_state()

    def after_val_epoch(self, runner: Any, metrics: dict | None = None) -> None:
        """Put the training random state back."""
        if self._val_rng is not None:
            set_rng_state(self._val_rng)
            self._val_rng = None

    @staticmethod
    def _fix_data_seed(runner: Any, seed: int | None) -> None:
        """Give the already-built train sampler and workers the checkpoint's seed."""
        if seed is None or runner.seed == seed:
            return
        loop = runner.train_loop
        loader = getattr(loop, "dataloader", None)
        if loader is None:
            return
        sampler = getattr(loader, "sampler", None)
        if sampler is not None and hasattr(sampler, "seed"):
            sampler.seed = seed
            if hasattr(sampler, "_indices_of_rank"):  # InfiniteSampler builds its stream early
                sampler.indices = sampler._indices_of_rank()
        init_fn = loader.worker_init_fn
        if isinstance(init_fn, partial) and "seed" in init_fn.keywords:
            loader.worker_init_fn = partial(init_fn.func, **{**init_fn.keywords, "seed": seed})
        loop._restart_data_iterator = True
        runner.logger.info(f"ExactResumeHook: train data loader re-seeded with {seed}")
