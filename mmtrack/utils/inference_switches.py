"""Test-time speed switches shared by ``tools/test.py``, the inference APIs and the benchmark.

One :class:`InferenceSwitches` says which of conv-BN fusion, ``channels_last``
weights, autocast (``fp16`` / ``bf16``) and ``torch.compile`` of the
detector's backbone and neck to use; :meth:`InferenceSwitches.apply` puts them
on a loaded model in place and makes its ``test_step`` run under
``torch.inference_mode`` (and autocast), so every caller of ``test_step``
(mmengine's test loop, :func:`mmtrack.apis.inference_mot` ...) gets them.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import warnings
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

__all__ = ["AMP_DTYPES", "CompiledModule", "InferenceSwitches"]

#: ``--amp`` names -> autocast data type.
AMP_DTYPES: dict[str, torch.dtype] = {"fp16": torch.float16, "bf16": torch.bfloat16}


class CompiledModule(nn.Module):
    """``torch.compile`` of a module that falls back to the module when compiling fails.

    The compiled callable is kept outside the module tree, so parameter and
    state-dict names are those of ``module`` under ``module.``. The first
    failure (no C++ compiler, an unsupported operator ...) warns once, naming
    the module and the error, and every later call runs ``module`` eagerly.

    Args:
        module: the module to compile.
        name: its name in the model, for the warning.
        backend: ``torch.compile`` backend (``'inductor'``, ``'eager'`` ...,
            or a backend callable).

    Raises:
        ValueError: ``torch.compile`` refuses the backend (e.g. an unknown name).
    """

    def __init__(self, module: nn.Module, name: str, backend: Any = "inductor") -> None:
        super().__init__()
        self.module = module
        self.name = name
        self.backend = backend
        self.error: str | None = None
        try:
            compiled = torch.compile(module, backend=backend)
        except Exception as exc:  # noqa: BLE001 - dynamo's InvalidBackend and the like
            raise ValueError(
                f"--compile: torch.compile cannot use backend {backend!r} for {name}: "
                f"{str(exc).strip().splitlines()[0][:200]}"
            ) from None
        object.__setattr__(self, "_compiled", compiled)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the compiled module, or ``module`` itself once compiling has failed."""
        if self.error is None:
            try:
                return self._compiled(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - any compiler failure falls back
                # dynamo wraps the compiler's own error (BackendCompilerFailed)
                inner = getattr(exc, "inner_exception", None) or exc
                text = (str(inner).strip().splitlines() or [""])[0][:200]
                self.error = f"{type(inner).__name__}: {text}"
                backend = getattr(self.backend, "__name__", self.backend)
                warnings.warn(
                    f"--compile: torch.compile (backend {backend!r}) of {self.name} "
                    f"failed ({self.error}); {self.name} runs without compiling",
                    UserWarning,
                    stacklevel=2,
                )
        return self.module(*args, **kwargs)


@dataclass(frozen=True)
class InferenceSwitches:
    """Which test-time switches to apply to a model.

    Args:
        fuse_conv_bn: fold each BatchNorm into the convolution before it.
        channels_last: convert the 4-D weights to ``torch.channels_last``.
        amp: ``'fp16'`` or ``'bf16'`` autocast of ``test_step``, or None.
        compile: ``torch.compile`` backend for the detector's (or the
            model's) backbone and neck, e.g. ``'inductor'``; None or ``''``
            for none.
    """

    fuse_conv_bn: bool = False
    channels_last: bool = False
    amp: str | None = None
    compile: str | None = None

    def __post_init__(self) -> None:
        if self.amp is not None and self.amp not in AMP_DTYPES:
            raise ValueError(f"amp must be one of {sorted(AMP_DTYPES)} or None, got {self.amp!r}")
        if self.compile is not None and not isinstance(self.compile, str):
            raise ValueError(f"compile must be a torch.compile backend name, got {self.compile!r}")

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser, fuse_conv_bn: bool = True) -> None:
        """Add ``--fuse-conv-bn``, ``--channels-last``, ``--amp`` and ``--compile`` to ``parser``.

        Args:
            parser: the command line to extend.
            fuse_conv_bn: add ``--fuse-conv-bn`` too. Defaults to True.
        """
        if fuse_conv_bn:
            parser.add_argument(
                "--fuse-conv-bn",
                action="store_true",
                help="fold each BatchNorm into the convolution before it (faster inference)",
            )
        parser.add_argument(
            "--channels-last",
            action="store_true",
            help="convert the 4-D weights to torch.channels_last (faster convolutions on "
            "many CPUs/GPUs)",
        )
        parser.add_argument(
            "--amp",
            choices=sorted(AMP_DTYPES),
            default=None,
            help="autocast the test step: bf16 (CPU or CUDA) or fp16 (CUDA; also runs on the CPU)",
        )
        parser.add_argument(
            "--compile",
            nargs="?",
            const="inductor",
            default=None,
            metavar="BACKEND",
            help="torch.compile the detector's backbone and neck (default backend: inductor); "
            "falls back to eager with a warning where compiling fails",
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> InferenceSwitches:
        """The switches of a command line built with :meth:`add_arguments`.

        Raises:
            ValueError: ``--compile`` was given an empty backend name.
        """
        if args.compile is not None and not args.compile:
            raise ValueError("--compile: the backend name is empty (omit it for inductor)")
        return cls(
            fuse_conv_bn=bool(getattr(args, "fuse_conv_bn", False)),
            channels_last=args.channels_last,
            amp=args.amp,
            compile=args.compile,
        )

    @property
    def enabled(self) -> bool:
        """Whether any switch is on."""
        return bool(self.fuse_conv_bn or self.channels_last or self.amp or self.compile)

    def describe(self) -> str:
        """The switches that are on, e.g. ``'fuse_conv_bn, amp=bf16'`` (``'none'``)."""
        parts = [n for n in ("fuse_conv_bn", "channels_last") if getattr(self, n)]
        if self.amp:
            parts.append(f"amp={self.amp}")
        if self.compile:
            parts.append(f"compile={self.compile}")
        return ", ".join(parts) or "none"

    def autocast(self, device_type: str) -> contextlib.AbstractContextManager:
        """The autocast context for ``device_type`` (a null context without ``amp``)."""
        if not self.amp:
            return contextlib.nullcontext()
        return torch.autocast(device_type, dtype=AMP_DTYPES[self.amp])

    def compile_targets(self, model: nn.Module) -> dict[str, nn.Module]:
        """The modules ``compile`` replaces: ``{dotted name: module}`` of backbone and neck.

        MOT/VID/VIS models: those of ``model.detector``; detectors and SOT
        models: their own.

        Raises:
            ValueError: the model has no backbone to compile.
        """
        owner, prefix = model, ""
        if isinstance(getattr(model, "detector", None), nn.Module):
            owner, prefix = model.detector, "detector."
        found = {
            f"{prefix}{name}": getattr(owner, name)
            for name in ("backbone", "neck")
            if isinstance(getattr(owner, name, None), nn.Module)
        }
        if f"{prefix}backbone" not in found:
            raise ValueError(
                f"--compile: {type(model).__name__} has no {prefix}backbone to compile "
                "(compile works on models with a backbone, or a detector with one)"
            )
        return found

    def apply(self, model: nn.Module) -> nn.Module:
        """Apply the switches to ``model`` in place (after its weights are loaded).

        Order: fusion, ``channels_last``, compile; then ``model.test_step``
        (an instance attribute from now on: copy the model before, not after)
        is wrapped to run under ``torch.inference_mode`` (``torch.no_grad``
        for a model whose ``test_time_autograd`` attribute is True, which takes
        gradients while it tracks) and, with ``amp``, ``torch.autocast`` on the
        device of the model's parameters.

        Args:
            model: a loaded model (the unwrapped one, not a DDP wrapper).

        Returns:
            ``model``.

        Raises:
            ValueError: the switches were already applied to this model, or
                ``compile`` is asked for a model without a backbone.
        """
        if getattr(model, "inference_switches", None) is not None:
            raise ValueError(
                f"inference switches ({model.inference_switches.describe()}) were already "
                f"applied to this {type(model).__name__}"
            )
        targets = self.compile_targets(model) if self.compile else {}
        if self.fuse_conv_bn:
            from mmtrack.models.layers.fuse_conv_bn import fuse_conv_bn

            fuse_conv_bn(model)
        if self.channels_last:
            model.to(memory_format=torch.channels_last)
        for name in targets:
            owner_name, _, attr = name.rpartition(".")
            owner = model.get_submodule(owner_name) if owner_name else model
            setattr(owner, attr, CompiledModule(getattr(owner, attr), name, self.compile))
        test_step = model.test_step
        # Models that take gradients while tracking (PrDiMP's IoU-Net box
        # refinement) cannot run under inference_mode: tensors made there never
        # join an autograd graph, even under enable_grad. They get no_grad.
        grad_mode = torch.no_grad if getattr(model, "test_time_autograd", False) else (
            torch.inference_mode
        )

        @functools.wraps(test_step)
        def switched_test_step(data: Any) -> Any:
            param = next(model.parameters(), None)
            device_type = param.device.type if param is not None else "cpu"
            with grad_mode(), self.autocast(device_type):
                return test_step(data)

        model.test_step = switched_test_step
        model.inference_switches = self
        return model
