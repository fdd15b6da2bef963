"""A tiny, test-only model, data set, metric and hook for end-to-end tool tests.

They are registered in mmtrack's registries so that a config such as
``tests/data/toy/toy_regression.py`` can train, resume, test and run
distributed through ``tools/train.py``, ``tools/test.py`` and
``tools/dist_train.sh`` in a second, on CPU. Nothing here is used by a real
model.

The toy task is linear regression ``y = w . x + b`` in two dimensions with the
data set of :class:`ToyDataset`: sample ``i`` of ``N`` has

* ``x_i = (i / N, ((3 * i) % N) / N - 0.5)``
* ``y_i = 2 * x_i[0] - 1 * x_i[1] + 0.5`` (``target_weight=(2.0, -1.0)``,
  ``target_bias=0.5``).

:class:`ToyMetric` reports the mean squared error of the predictions, which a
test can recompute by hand from a checkpoint's ``linear.weight`` and
``linear.bias``.
"""

from __future__ import annotations

import json
import os
import os.path as osp
import uuid
from collections.abc import Sequence
from typing import Any

import torch
from mmengine.dist import get_rank
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from torch import Tensor, nn
from torch.utils.data import Dataset

from mmtrack.registry import DATASETS, HOOKS, METRICS, MODELS

TOY_CONFIG = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
    "tests",
    "data",
    "toy",
    "toy_regression.py",
)


@MODELS.register_module()
class ToyTrackModel(BaseModel):
    """Linear regression ``y = linear(x)`` with mmengine's forward contract.

    Args:
        in_features: length of each input vector. Defaults to 2.
        data_preprocessor: config of the data preprocessor. Defaults to None
            (mmengine's ``BaseDataPreprocessor``, which only moves data to the
            model's device).
        init_cfg: weight initialisation config. Defaults to None.
    """

    def __init__(
        self,
        in_features: int = 2,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.linear = nn.Linear(in_features, 1)

    def forward(
        self,
        inputs: list[Tensor] | Tensor,
        data_samples: list[Tensor] | Tensor | None = None,
        mode: str = "tensor",
    ) -> dict[str, Tensor] | list[dict[str, float]] | Tensor:
        """Run the model.

        Args:
            inputs: ``B`` vectors of shape ``(in_features,)`` or one ``(B, in_features)``
                tensor.
            data_samples: ``B`` targets of shape ``(1,)`` or one ``(B, 1)`` tensor.
                Needed for ``'loss'`` and ``'predict'``.
            mode: ``'loss'`` returns ``{'loss_mse': mean squared error}``;
                ``'predict'`` returns one ``{'pred': float, 'gt': float}`` per
                sample; ``'tensor'`` returns the raw ``(B, 1)`` predictions.

        Returns:
            See ``mode``.
        """
        x = torch.stack(list(inputs)) if isinstance(inputs, (list, tuple)) else inputs
        pred = self.linear(x.float())
        if mode == "tensor":
            return pred
        if data_samples is None:
            raise ValueError(f"ToyTrackModel: mode={mode!r} needs data_samples (targets)")
        if isinstance(data_samples, (list, tuple)):
            target = torch.stack(list(data_samples))
        else:
            target = data_samples
        target = target.float().view_as(pred)
        if mode == "loss":
            return {"loss_mse": ((pred - target) ** 2).mean()}
        if mode == "predict":
            return [
                {"pred": float(p), "gt": float(t)}
                for p, t in zip(pred.detach().flatten(), target.flatten())
            ]
        raise ValueError(f"ToyTrackModel: invalid mode {mode!r}, expected loss/predict/tensor")


@DATASETS.register_module()
class ToyDataset(Dataset):
    """Deterministic 2-D linear-regression data (see the module docstring).

    Args:
        num_samples: number of samples ``N``. Defaults to 16.
        target_weight: weights ``w`` of the true linear function. Defaults to
            ``(2.0, -1.0)``.
        target_bias: bias ``b`` of the true linear function. Defaults to 0.5.
    """

    METAINFO: dict = {"classes": ("toy",)}

    def __init__(
        self,
        num_samples: int = 16,
        target_weight: Sequence[float] = (2.0, -1.0),
        target_bias: float = 0.5,
    ) -> None:
        if num_samples <= 0:
            raise ValueError(f"ToyDataset: num_samples must be positive, got {num_samples}")
        if len(target_weight) != 2:
            raise ValueError(f"ToyDataset: target_weight must have 2 values, got {target_weight}")
        self.num_samples = num_samples
        self.target_weight = tuple(float(w) for w in target_weight)
        self.target_bias = float(target_bias)

    @property
    def metainfo(self) -> dict:
        """Meta information of the data set (its class names)."""
        return dict(self.METAINFO)

    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, idx: int) -> dict[str, Tensor]:
        n = self.num_samples
        x = torch.tensor([idx / n, ((3 * idx) % n) / n - 0.5], dtype=torch.float32)
        w = torch.tensor(self.target_weight, dtype=torch.float32)
        y = (x * w).sum(0, keepdim=True) + self.target_bias
        return {"inputs": x, "data_samples": y}


@METRICS.register_module()
class ToyMetric(BaseMetric):
    """Mean squared error of :class:`ToyTrackModel` predictions, as ``toy/mse``."""

    default_prefix = "toy"

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Store the squared error of every prediction of the batch."""
        for sample in data_samples:
            self.results.append((sample["pred"] - sample["gt"]) ** 2)

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Average the squared errors of all samples."""
        # Floats only: mmengine drops numpy ints from the json log.
        return {"mse": float(sum(results) / len(results)), "num_samples": float(len(results))}


@HOOKS.register_module()
class ToyWeightDumpHook(Hook):
    """Write the model's parameters of every rank to ``work_dir`` after training.

    Each rank writes ``weights_rank{rank}.json`` (``{name: nested list}``, plus
    ``iter``), so a test can check that distributed ranks end identical.
    """

    priority = "LOWEST"

    def after_train(self, runner: Any) -> None:
        """Dump the parameters (atomically: temporary file, then rename)."""
        model = runner.model.module if hasattr(runner.model, "module") else runner.model
        payload: dict[str, Any] = {
            name: p.detach().cpu().double().tolist() for name, p in model.named_parameters()
        }
        payload["iter"] = runner.iter
        path = osp.join(runner.work_dir, f"weights_rank{get_rank()}.json")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(payload, f)
        os.replace(tmp, path)


@HOOKS.register_module()
class ToyInterruptHook(Hook):
    """Stop training after ``stop_after_iter`` iterations, as a crash would.

    The config's ``max_iters`` (and so every scheduler's end) is unchanged, so
    ``--resume`` must continue exactly where the interrupted run stopped.

    Args:
        stop_after_iter: iterations to run before stopping; None never stops.
            Defaults to None.
    """

    def __init__(self, stop_after_iter: int | None = None) -> None:
        self.stop_after_iter = stop_after_iter

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        """Ask the train loop to stop once ``stop_after_iter`` iterations are done."""
        if self.stop_after_iter is not None and runner.iter + 1 >= self.stop_after_iter:
            runner.train_loop.stop_training = True


def build_toy_runner(work_dir: str, cfg_options: dict | None = None) -> Any:
    """Build a :class:`~mmtrack.engine.TrackRunner` for the toy config in this process.

    Args:
        work_dir: the run's work directory.
        cfg_options: ``{dotted.key: value}`` overrides of the toy config.
            Defaults to None.

    Returns:
        The runner (call ``.train()`` / ``.test()``).
    """
    from mmengine.config import Config

    from mmtrack.engine import TrackRunner
    from mmtrack.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(TOY_CONFIG)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.work_dir = str(work_dir)
    # Unique names: mmengine keeps loggers, message hubs and visualizers per name.
    name = f"toy_{uuid.uuid4().hex[:12]}"
    cfg.experiment_name = name
    cfg.visualizer.name = name
    return TrackRunner.from_cfg(cfg)
