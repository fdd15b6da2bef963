"""Safe checkpoint loading.

Every checkpoint the project reads goes through :func:`safe_torch_load`, which
calls ``torch.load(..., weights_only=True)`` inside
``torch.serialization.safe_globals`` with exactly the non-tensor types that
mmengine checkpoints hold (measured on checkpoints saved by mmengine 0.10.7's
``Runner`` with numpy 2.x, plus the numpy 1.x names of the same functions):

* ``mmengine.logging.HistoryBuffer`` (``message_hub.log_scalars``) and the
  ``getattr(HistoryBuffer, <statistic>)`` lookups its pickled state holds
  (``HistoryBuffer.min``/``max``/``mean``/``current``); ``getattr`` is allowed
  on ``HistoryBuffer`` and those names only;
* ``numpy.ndarray`` with ``numpy._core.multiarray._reconstruct`` (arrays),
  ``numpy._core.multiarray.scalar`` (numpy scalars), ``numpy.dtype`` and its
  per-type classes (``numpy.dtypes.Float64DType``, ``Int64DType``, ...: the
  unpickler rebuilds a dtype through its class's ``__setstate__``).

Nothing else is added to torch's own weights-only set (tensors, ``dict``,
``list``, ``tuple``, ``OrderedDict``, ``Counter``, numbers, strings).

A checkpoint that names any other global (e.g. a pickled ``os.system`` call)
is refused with :class:`UnsafeCheckpointError`, which names the file and the
global; nothing in it is executed.

:func:`install_safe_loading` makes mmengine use this loader everywhere: it
re-registers mmengine's ``CheckpointLoader`` schemes (local files, HTTP,
``torchvision://``, ``open-mmlab://``, ``mmcls://``, ``s3://``, ``pavi://``),
so ``Runner.load_checkpoint``, ``Runner.resume``,
``mmengine.runner.load_checkpoint``, ``_load_checkpoint`` and
``init_cfg=dict(type='Pretrained')`` all load safely. It is idempotent and is
called by :func:`mmtrack.utils.register_all_modules` and on
``import mmtrack.engine``. It also makes mmengine's ``strict=True`` loads
check every key and shape first (:func:`check_state_dict`) and load nothing
on a mismatch.

Strictness: :func:`load_checkpoint` and :func:`mmtrack.apis.init_model` load
strictly by default (one :class:`CheckpointMismatchError` lists the missing
and unexpected keys and the shape mismatches); ``strict=False`` loads the
matching tensors and logs the rest. ``tools/test.py --checkpoint`` loads
strictly; ``load_from`` in a training config (fine-tuning, e.g.
``--cfg-options load_from=...``) stays lenient as in mmengine, so a head with
another number of classes can start from a checkpoint.

An empty file is refused with "empty file: <path>", a file that
``torch.save`` did not write (a plain pickle, a text file, a damaged zip)
with "not a PyTorch checkpoint: <path>" (:class:`NotACheckpointError`),
before anything in it is unpickled.
"""

from __future__ import annotations

import io
import logging
import os
import os.path as osp
import pickle
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from torch import nn

FileLike = Union[str, os.PathLike, IO[bytes]]
MapLocation = Union[str, torch.device, Callable, dict, None]

__all__ = [
    "CheckpointMismatchError",
    "NotACheckpointError",
    "UnsafeCheckpointError",
    "check_state_dict",
    "get_safe_globals",
    "install_safe_loading",
    "load_checkpoint",
    "register_safe_globals",
    "safe_torch_load",
]

_HISTORY_BUFFER_ATTRS = frozenset({"min", "max", "mean", "current"})
_EXTRA_SAFE_GLOBALS: list[Any] = []
_INSTALLED = False


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds an object that is not allowed by safe loading."""


class NotACheckpointError(pickle.UnpicklingError):
    """A file is empty, or is not in a format ``torch.save`` writes."""


class CheckpointMismatchError(RuntimeError):
    """A state dict does not match the model it is loaded into (strict loading)."""


# ``torch.save``'s zip format starts with a zip header; its legacy format with
# a pickled magic number (``LONG1`` opcode, 10 bytes, after the protocol/frame).
_ZIP_MAGIC = b"PK\x03\x04"
_LEGACY_MAGIC = b"\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"
_SNIFF_BYTES = 32


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to ``HistoryBuffer.<statistic method>``.

    mmengine pickles a ``HistoryBuffer``'s ``_statistics_methods`` as
    ``getattr(HistoryBuffer, 'min')`` and so on; any other use of ``getattr``
    in a checkpoint is refused.
    """
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_ATTRS:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f"GLOBAL builtins.getattr is only allowed as getattr(HistoryBuffer, one of "
        f"{sorted(_HISTORY_BUFFER_ATTRS)}), not getattr({obj!r}, {name!r})"
    )


def _numpy_core_function(name: str) -> Callable:
    """Return ``numpy._core.multiarray.<name>`` (numpy 2) or its numpy 1 location."""
    try:
        from numpy._core import multiarray  # numpy >= 2.0
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core import multiarray
    return getattr(multiarray, name)


def _numpy_dtype_classes() -> list[type]:
    """Concrete ``np.dtype`` subclasses of numpy's builtin types (``Float64DType``, ...)."""
    dtypes = getattr(np, "dtypes", None)
    if dtypes is None:  # pragma: no cover - numpy < 1.25 has no per-type dtype classes
        return []
    classes = (getattr(dtypes, n) for n in dir(dtypes) if n.endswith("DType"))
    return [c for c in classes if isinstance(c, type) and issubclass(c, np.dtype)]


def get_safe_globals() -> list[Any]:
    """Return the allow-list passed to ``torch.serialization.safe_globals``.

    Entries are objects or ``(object, 'module.qualname')`` pairs (the pickled
    name the object stands for), as ``torch.serialization.safe_globals`` takes.
    """
    reconstruct = _numpy_core_function("_reconstruct")
    scalar = _numpy_core_function("scalar")
    allowed: list[Any] = [
        HistoryBuffer,
        (_history_buffer_getattr, "builtins.getattr"),
        np.ndarray,
        np.dtype,
    ]
    # ``np.dtype`` instances are rebuilt with ``__setstate__`` on their concrete
    # class (``numpy.dtypes.Float64DType`` ...), so those classes must be allowed.
    allowed.extend(_numpy_dtype_classes())
    # Arrays and scalars pickled under numpy 2 (numpy._core) and numpy 1 (numpy.core).
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        allowed.append((reconstruct, f"{module}._reconstruct"))
        allowed.append((scalar, f"{module}.scalar"))
    return allowed + list(_EXTRA_SAFE_GLOBALS)


def register_safe_globals(objs: Iterable[Any]) -> None:
    """Add trusted types to the allow-list (e.g. a custom state class).

    Args:
        objs: classes or functions, or ``(object, 'module.qualname')`` pairs.
    """
    for obj in objs:
        if obj not in _EXTRA_SAFE_GLOBALS:
            _EXTRA_SAFE_GLOBALS.append(obj)


def _describe(file: FileLike, name: str | None) -> str:
    if name is not None:
        return name
    if isinstance(file, (str, os.PathLike)):
        return os.fspath(file)
    return getattr(file, "name", "<in-memory checkpoint>")


def _refusal(err: pickle.UnpicklingError, what: str) -> UnsafeCheckpointError:
    msg = str(err)
    match = re.search(r"GLOBAL ([\w.<>]+)", msg)
    detail = re.search(r"WeightsUnpickler error:\s*(\S[^\n]*)", msg)
    if match:
        culprit = f"the global '{match.group(1)}'"
    elif detail:
        culprit = f"an object outside the allow-list ({detail.group(1).strip()})"
    else:
        culprit = f"an object outside the allow-list ({msg.strip().splitlines()[-1]})"
    return UnsafeCheckpointError(
        f"refusing to load checkpoint '{what}': it references {culprit}, which is not "
        "allowed in a checkpoint (allowed: tensors, numbers, strings, containers, numpy "
        "arrays/scalars/dtypes, mmengine HistoryBuffer). Nothing in the file was executed. "
        "If the type is trusted, add it with mmtrack.utils.checkpoint.register_safe_globals."
    )


def _head(file: str | IO[bytes]) -> bytes | None:
    """First bytes of a file (None for a stream that cannot be rewound)."""
    if isinstance(file, str):
        with open(file, "rb") as f:
            return f.read(_SNIFF_BYTES)
    if not (hasattr(file, "seekable") and file.seekable()):
        return None
    pos = file.tell()
    head = file.read(_SNIFF_BYTES)
    file.seek(pos)
    return head


def _check_format(file: str | IO[bytes], what: str) -> None:
    """Refuse an empty file, or one that is not a ``torch.save`` file, before unpickling.

    Raises:
        NotACheckpointError: ``file`` is empty, or neither in torch's zip
            format nor in its legacy pickle format (a plain pickle, a text file).
    """
    head = _head(file)
    if head is None:
        return
    if not head:
        raise NotACheckpointError(f"empty file: {what}")
    if head.startswith(_ZIP_MAGIC) or (head[:1] == b"\x80" and _LEGACY_MAGIC in head):
        return
    raise NotACheckpointError(
        f"not a PyTorch checkpoint: {what} (neither torch.save's zip format nor its legacy "
        "format, e.g. a plain pickle or a text file); nothing in it was executed"
    )


def safe_torch_load(
    file: FileLike, map_location: MapLocation = None, name: str | None = None
) -> Any:
    """``torch.load(file, weights_only=True)`` with mmengine's types allowed.

    Args:
        file: path or binary file object of a checkpoint.
        map_location: same as ``torch.load``. Defaults to None.
        name: how to name the checkpoint in errors. Defaults to the path.

    Returns:
        The unpickled object (usually a dict with ``state_dict``, ``meta``, ...).

    Raises:
        FileNotFoundError: ``file`` is a path that does not exist.
        UnsafeCheckpointError: the checkpoint holds a disallowed global (a
            pickled callable, an unknown class); nothing in it was executed.
        NotACheckpointError: the file is empty (``"empty file: <path>"``), or
            not written by ``torch.save`` (``"not a PyTorch checkpoint: <path>"``:
            a plain pickle, a text file, a truncated zip).
    """
    what = _describe(file, name)
    if isinstance(file, (str, os.PathLike)):
        file = osp.expanduser(os.fspath(file))
        if not osp.isfile(file):
            raise FileNotFoundError(f"checkpoint file not found: {file}")
    _check_format(file, what)
    with torch.serialization.safe_globals(get_safe_globals()):
        try:
            return torch.load(file, map_location=map_location, weights_only=True)
        except pickle.UnpicklingError as err:
            raise _refusal(err, what) from None
        except (EOFError, RuntimeError) as err:
            # A damaged zip (PytorchStreamReader ...) or a truncated legacy file;
            # other RuntimeErrors (e.g. a CUDA map_location on a CPU machine) pass.
            if isinstance(err, RuntimeError) and "PytorchStreamReader" not in str(err):
                raise
            raise NotACheckpointError(
                f"not a PyTorch checkpoint: {what} (cannot be read by torch.load: "
                f"{(str(err).strip() or type(err).__name__).split('. ')[0]})"
            ) from None


# --------------------------------------------------------------------------
# mmengine CheckpointLoader schemes (same names as mmengine's, which matters:
# mmengine logs ``loader.__name__[10:]`` as the backend name).
# --------------------------------------------------------------------------


def load_from_local(filename: str, map_location: MapLocation = None) -> Any:
    """Load a local checkpoint file safely."""
    return safe_torch_load(filename, map_location)


def load_from_http(
    filename: str,
    map_location: MapLocation = None,
    model_dir: str | None = None,
    progress: bool = False,
) -> Any:
    """Download a checkpoint (rank 0 first in distributed runs) and load it safely."""
    from mmengine.dist import get_dist_info

    rank, world_size = get_dist_info()

    def fetch() -> Any:
        with torch.serialization.safe_globals(get_safe_globals()):
            try:
                return torch.hub.load_state_dict_from_url(
                    filename,
                    model_dir=model_dir,
                    map_location=map_location,
                    progress=progress,
                    weights_only=True,
                )
            except pickle.UnpicklingError as err:
                raise _refusal(err, filename) from None

    checkpoint = fetch() if rank == 0 else None
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0:
            checkpoint = fetch()
    return checkpoint


def load_from_openmmlab(filename: str, map_location: MapLocation = None) -> Any:
    """Resolve ``open-mmlab://name`` through mmengine's model list, then load safely."""
    from mmengine.runner import checkpoint as mmckpt

    prefix = "open-mmlab://" if filename.startswith("open-mmlab://") else "openmmlab://"
    model_name = filename[len(prefix) :]
    deprecated = mmckpt.get_deprecated_model_names()
    if model_name in deprecated:
        print_log(
            f"{prefix}{model_name} is deprecated in favor of {prefix}{deprecated[model_name]}",
            logger="current",
            level=logging.WARNING,
        )
        model_name = deprecated[model_name]
    model_urls = mmckpt.get_external_models()
    if model_name not in model_urls:
        raise KeyError(f"unknown checkpoint name '{model_name}' in '{filename}'")
    model_url = model_urls[model_name]
    if model_url.startswith(("http://", "https://")):
        return load_from_http(model_url, map_location=map_location)
    return safe_torch_load(osp.join(mmckpt._get_mmengine_home(), model_url), map_location)


def load_from_ceph(filename: str, map_location: MapLocation = None, backend: str = "petrel") -> Any:
    """Read a checkpoint from an ``s3://``/``petrel://`` backend and load it safely."""
    from mmengine.fileio import get_file_backend

    file_backend = get_file_backend(filename, backend_args={"backend": backend})
    with io.BytesIO(file_backend.get(filename)) as buffer:
        return safe_torch_load(buffer, map_location, name=filename)


def load_from_pavi(filename: str, map_location: MapLocation = None) -> Any:
    """Download a ``pavi://`` checkpoint to a temporary folder and load it safely."""
    try:
        from pavi import modelcloud
    except ImportError as err:
        raise ImportError("Please install pavi to load checkpoint from modelcloud.") from err
    model = modelcloud.get(filename[len("pavi://") :])
    with tempfile.TemporaryDirectory() as tmp_dir:
        downloaded = osp.join(tmp_dir, model.name)
        model.download(downloaded)
        return safe_torch_load(downloaded, map_location, name=filename)


def _shape(value: Any) -> tuple[int, ...] | None:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else None


def check_state_dict(
    model: nn.Module, state_dict: Mapping[str, Any], name: str | None = None
) -> None:
    """Check that ``state_dict`` has exactly the model's keys and tensor shapes.

    Missing BatchNorm ``num_batches_tracked`` counters are allowed (older
    checkpoints lack them; mmengine and PyTorch fill them in).

    Args:
        model: module the state dict is meant for (a DDP wrapper is unwrapped).
        state_dict: ``{key: tensor}`` with the keys already revised
            (e.g. ``module.`` prefixes removed).
        name: the checkpoint's file name, for the error. Defaults to None.

    Raises:
        CheckpointMismatchError: one error listing every missing key (in the
            model, not in the checkpoint), every unexpected key (in the
            checkpoint, not in the model) and every shape mismatch as
            ``key: checkpoint (a, b) vs model (c, d)``.
    """
    from mmengine.model import is_model_wrapper

    if is_model_wrapper(model):
        model = model.module
    expected = model.state_dict()
    missing = [
        k for k in expected if k not in state_dict and not k.endswith("num_batches_tracked")
    ]
    unexpected = [k for k in state_dict if k not in expected]
    mismatched = [
        f"{k}: checkpoint {_shape(v)} vs model {_shape(expected[k])}"
        for k, v in state_dict.items()
        if k in expected and _shape(v) != _shape(expected[k])
    ]
    if not (missing or unexpected or mismatched):
        return
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing key(s) (in the model, not in the checkpoint): "
                     + ", ".join(missing))
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected key(s) (in the checkpoint, not in the "
                     "model): " + ", ".join(unexpected))
    if mismatched:
        parts.append(f"{len(mismatched)} shape mismatch(es): " + ", ".join(mismatched))
    raise CheckpointMismatchError(
        f"{f'checkpoint {name}' if name else 'the checkpoint'} does not match the model "
        f"{type(model).__name__}: "
        + "; ".join(parts)
        + ". Nothing was loaded. To load only the matching tensors (e.g. to fine-tune), "
        "pass strict=False (load_checkpoint / init_model) or use load_from=... in a "
        "training config."
    )


def _strict_load_state_dict(
    module: nn.Module, state_dict: Mapping[str, Any], strict: bool = False, logger: Any = None
) -> None:
    """mmengine's ``load_state_dict``; ``strict`` checks first and loads nothing on a mismatch."""
    if strict:
        check_state_dict(module, state_dict)
    _MMENGINE_LOAD_STATE_DICT[0](module, state_dict, strict, logger)


_MMENGINE_LOAD_STATE_DICT: list[Callable] = []


def install_safe_loading() -> None:
    """Route all of mmengine's checkpoint loading through :func:`safe_torch_load`.

    Re-registers mmengine's ``CheckpointLoader`` schemes and replaces
    ``mmengine.runner.checkpoint.load_from_http`` (called by the
    ``torchvision://``, ``mmcls://`` and ``open-mmlab://`` loaders). Safe to call
    many times.
    """
    global _INSTALLED
    if _INSTALLED:
        return
    from mmengine.runner import checkpoint as mmckpt

    loader = mmckpt.CheckpointLoader
    loader.register_scheme(prefixes="", loader=load_from_local, force=True)
    loader.register_scheme(prefixes=("http://", "https://"), loader=load_from_http, force=True)
    loader.register_scheme(
        prefixes=("open-mmlab://", "openmmlab://"), loader=load_from_openmmlab, force=True
    )
    loader.register_scheme(
        prefixes=[r"(\S+\:)?s3://", r"(\S+\:)?petrel://"], loader=load_from_ceph, force=True
    )
    loader.register_scheme(prefixes="pavi://", loader=load_from_pavi, force=True)
    mmckpt.load_from_http = load_from_http
    # strict=True loads (Runner.load_checkpoint(strict=True), mmengine's
    # load_checkpoint) check every key and shape before anything is copied.
    _MMENGINE_LOAD_STATE_DICT.append(mmckpt.load_state_dict)
    mmckpt.load_state_dict = _strict_load_state_dict
    _INSTALLED = True


def load_checkpoint(
    model: nn.Module,
    filename: str,
    map_location: MapLocation = "cpu",
    strict: bool = True,
    logger: Any = None,
    revise_keys: list[tuple[str, str]] | None = None,
) -> dict:
    """Load a checkpoint safely into ``model``.

    Args:
        model: module to load the weights into (a DDP wrapper is unwrapped).
        filename: local path or any URI mmengine's ``CheckpointLoader`` knows.
        map_location: same as ``torch.load``. Defaults to ``'cpu'``.
        strict: require the checkpoint's keys and tensor shapes to match the
            model's exactly; on a mismatch nothing is loaded. With False the
            matching tensors are loaded and the rest is logged (mmengine's
            lenient way, e.g. for fine-tuning with another head). Defaults to
            True.
        logger: logger for the lenient key-mismatch report. Defaults to None.
        revise_keys: ``(pattern, replacement)`` regexes applied to the keys.
            Defaults to ``[(r'^module\\.', '')]``.

    Returns:
        The loaded checkpoint dict.

    Raises:
        CheckpointMismatchError: ``strict`` and a key is missing or unexpected
            or a tensor has another shape (all of them listed in one error).
        NotACheckpointError: the file is empty or not a ``torch.save`` file.
        UnsafeCheckpointError: the file holds a disallowed global.
    """
    from mmengine.model import is_model_wrapper
    from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint_to_model

    install_safe_loading()
    if revise_keys is None:
        revise_keys = [(r"^module\.", "")]
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location, logger or "current")
    if not isinstance(checkpoint, dict):
        raise RuntimeError(f"no state_dict found in checkpoint file {filename}")
    if is_model_wrapper(model):
        model = model.module
    if strict:
        state_dict = checkpoint.get("state_dict", checkpoint)
        if not isinstance(state_dict, Mapping):
            raise CheckpointMismatchError(
                f"checkpoint {filename}: 'state_dict' is a {type(state_dict).__name__}, not a dict"
            )
        revised = {}
        for key, value in state_dict.items():
            for pattern, replacement in revise_keys:
                key = re.sub(pattern, replacement, key)
            revised[key] = value
        check_state_dict(model, revised, filename)
    return _load_checkpoint_to_model(model, checkpoint, strict, logger, revise_keys)
