"""Resolve a pretrained-weights reference to a local file, never downloading."""

from __future__ import annotations

import os.path as osp

import torch


def _hub_cache_path(url: str) -> str:
    """Where ``torch.hub.load_state_dict_from_url`` keeps the file of ``url``."""
    return osp.join(torch.hub.get_dir(), "checkpoints", osp.basename(url.split("?")[0]))


def resolve_local_checkpoint(checkpoint: str, owner: str = "init_cfg") -> str:
    """Map ``checkpoint`` to an existing local file.

    Local paths are returned as they are. ``torchvision://NAME`` and
    ``http(s)://`` references are resolved to the file torch would have cached
    under ``torch.hub.get_dir()/checkpoints/`` (no network access); when that
    file is absent a clear error says where to put it or to pass a local path.

    Args:
        checkpoint: path or URI from ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
        owner: name of the component, for the error message. Defaults to ``'init_cfg'``.

    Returns:
        The local file path.

    Raises:
        FileNotFoundError: nothing local matches ``checkpoint``.
    """
    if osp.isfile(checkpoint):
        return checkpoint
    url = None
    if checkpoint.startswith("torchvision://"):
        from mmengine.runner.checkpoint import get_torchvision_models

        name = checkpoint[len("torchvision://") :]
        urls = get_torchvision_models()
        if name not in urls:
            raise FileNotFoundError(
                f"{owner}: checkpoint={checkpoint!r} names no torchvision model "
                f"(known: e.g. {sorted(urls)[:5]}); give a local file path"
            )
        url = urls[name]
    elif checkpoint.startswith(("http://", "https://")):
        url = checkpoint
    if url is not None:
        cached = _hub_cache_path(url)
        if osp.isfile(cached):
            return cached
        raise FileNotFoundError(
            f"{owner}: checkpoint={checkpoint!r} needs a download, and nothing is downloaded "
            f"at run time; put the file at {cached!r} or set checkpoint to a local path "
            "(e.g. a torchvision ResNet state dict saved with torch.save)"
        )
    if "://" in checkpoint:
        raise FileNotFoundError(
            f"{owner}: checkpoint={checkpoint!r} is a remote reference; set checkpoint to a "
            "local file path"
        )
    raise FileNotFoundError(f"{owner}: checkpoint file {checkpoint!r} does not exist")
