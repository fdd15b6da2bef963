"""Model building and one-frame inference for MOT/VIS, SOT and VID models.

The functions follow MMTracking's API (``init_model``, ``inference_mot``,
``inference_sot``, ``inference_vid``) with the OpenMMLab 2.0 data flow of
MMTracking 1.x: the test pipeline of ``model.cfg.test_dataloader`` turns one
frame into a :class:`~mmtrack.structures.TrackDataSample` of length 1 (the
loading transforms are dropped: the image is given), ``model.test_step`` runs
the data preprocessor and ``forward(mode='predict')``, and the returned
sample carries the predictions of the frame (``pred_track_instances`` for
MOT/VIS/SOT, ``pred_det_instances`` for VID, in original image pixels).
"""

from __future__ import annotations

import copy
import logging
import os
import os.path as osp
import tempfile
import warnings
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Union

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.logging import MMLogger
from mmengine.utils import import_modules_from_strings
from torch import nn

from mmtrack.registry import DATASETS, MODELS, TRANSFORMS
from mmtrack.utils.inference_switches import InferenceSwitches

__all__ = [
    "build_test_pipeline",
    "inference_mot",
    "inference_sot",
    "inference_vid",
    "init_model",
    "load_image",
]

ImageLike = Union[str, os.PathLike, np.ndarray]

# Loading transforms dropped from test pipelines: the image (and nothing else)
# is given by the caller.
_LOADING_PREFIX = "Load"
_DEFAULT_REF_IMG_SAMPLER = dict(frame_stride=2, num_left_ref_imgs=10)

# model -> {task: Compose}; built once per model (the config does not change).
_PIPELINES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# --------------------------------------------------------------------- model
def _resolve_device(device: str | torch.device) -> torch.device:
    """``device``, or the CPU with one warning when CUDA is asked but absent."""
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        warnings.warn(
            f"init_model: device '{device}' was asked but CUDA is not available "
            "on this machine; the model runs on the CPU instead.",
            UserWarning,
            stacklevel=3,
        )
        return torch.device("cpu")
    return dev


def _normalise_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Lower-case the keys of a dataset meta (MMTracking 0.x used ``CLASSES``)."""
    out = {str(k).lower(): v for k, v in meta.items()}
    if isinstance(out.get("classes"), list):
        out["classes"] = tuple(out["classes"])
    return out


def _dataset_meta_from_config(cfg: Config) -> dict[str, Any] | None:
    """``metainfo`` of the config's test/val/train dataset, or its class METAINFO."""
    for loader in ("test_dataloader", "val_dataloader", "train_dataloader"):
        dataset = cfg.get(loader, {}).get("dataset") if isinstance(cfg.get(loader), dict) else None
        if not isinstance(dataset, Mapping):
            continue
        meta = dataset.get("metainfo")
        if isinstance(meta, Mapping) and meta.get("classes") is not None:
            return _normalise_meta(meta)
        dataset_type = dataset.get("type")
        if isinstance(dataset_type, str):
            cls = DATASETS.get(dataset_type)
            class_meta = getattr(cls, "METAINFO", None)
            if isinstance(class_meta, Mapping) and class_meta.get("classes") is not None:
                return _normalise_meta(class_meta)
    return None


def _init_weights_quietly(model: nn.Module, verbose: bool) -> None:
    """``model.init_weights()``; the per-parameter report goes to a file unless ``verbose``.

    mmengine writes the initialisation report of every parameter to the file
    handlers of the current logger, or to the console when there is none.
    """
    if not hasattr(model, "init_weights"):
        return
    if verbose:
        model.init_weights()
        return
    logger = MMLogger.get_current_instance()
    fd, tmp_name = tempfile.mkstemp(suffix=".log")
    os.close(fd)
    handler = logging.FileHandler(tmp_name, mode="w")
    logger.addHandler(handler)
    try:
        model.init_weights()
    finally:
        logger.removeHandler(handler)
        handler.close()
        os.remove(tmp_name)


def init_model(
    config: str | os.PathLike | Config,
    checkpoint: str | None = None,
    device: str | torch.device = "cuda:0",
    cfg_options: dict | None = None,
    verbose_init_params: bool = False,
    strict: bool = True,
    switches: InferenceSwitches | Mapping[str, Any] | None = None,
) -> nn.Module:
    """Build a model from a config and load its checkpoint.

    Args:
        config: config file path or :class:`mmengine.Config`.
        checkpoint: checkpoint file, loaded safely (``weights_only``). When
            None the weights come from the model's ``init_weights`` (e.g. the
            ``Pretrained`` ``init_cfg`` of a MOT model's detector and ReID).
            Defaults to None.
        device: device to run on; a CUDA device on a machine without CUDA
            falls back to the CPU with one warning. Defaults to ``'cuda:0'``.
        cfg_options: ``{dotted.key: value}`` overrides merged into the config.
            Defaults to None.
        verbose_init_params: print the initialisation of every parameter.
            Defaults to False.
        strict: the checkpoint's keys and tensor shapes must match the model's
            exactly (one error lists every mismatch; nothing is loaded). With
            False the matching tensors are loaded and the rest is logged.
            Defaults to True.
        switches: test-time speed switches applied after loading, an
            :class:`~mmtrack.utils.inference_switches.InferenceSwitches` or
            its keyword arguments, e.g. ``dict(fuse_conv_bn=True,
            channels_last=True, amp='bf16', compile='inductor')``; the
            model's ``test_step`` (so every ``inference_*`` call) then runs
            under ``torch.inference_mode`` and the autocast. Defaults to None.

    Returns:
        The model in eval mode on ``device``, with ``model.cfg`` (the config)
        and ``model.dataset_meta`` (``classes``, ``palette`` ... from the
        checkpoint's ``meta['dataset_meta']``, MMTracking 0.x's
        ``meta['CLASSES']``, or else the config's test data set).

    Raises:
        TypeError: ``config`` is neither a path nor a Config.
        KeyError: the config has no ``model``.
        CheckpointMismatchError: ``strict`` and the checkpoint does not match.
        ValueError: bad ``switches`` (an unknown amp, compile without a backbone).
    """
    from mmtrack.utils import register_all_modules
    from mmtrack.utils.checkpoint import load_checkpoint

    if isinstance(config, (str, os.PathLike)):
        config = Config.fromfile(os.fspath(config))
    elif not isinstance(config, Config):
        raise TypeError(f"config must be a file name or a Config, got {type(config).__name__}")
    if cfg_options is not None:
        config.merge_from_dict(cfg_options)
    if config.get("custom_imports"):  # Config.fromfile does it; a Config object may not have
        import_modules_from_strings(**config["custom_imports"])
    if "model" not in config:
        raise KeyError(f"config {config.filename or '<Config>'} has no 'model'")
    register_all_modules(init_default_scope=True)
    dev = _resolve_device(device)

    model = MODELS.build(config.model)
    if checkpoint is None:
        # MOT models made of separately trained parts load them here.
        _init_weights_quietly(model, verbose_init_params)
        ckpt_meta: dict = {}
    else:
        ckpt = load_checkpoint(model, checkpoint, map_location="cpu", strict=strict)
        ckpt_meta = ckpt.get("meta") or {}

    if isinstance(ckpt_meta.get("dataset_meta"), Mapping):
        dataset_meta = _normalise_meta(ckpt_meta["dataset_meta"])
    elif ckpt_meta.get("CLASSES") is not None:  # MMTracking 0.x checkpoints
        dataset_meta = {"classes": tuple(ckpt_meta["CLASSES"])}
        if ckpt_meta.get("PALETTE") is not None:
            dataset_meta["palette"] = ckpt_meta["PALETTE"]
    else:
        dataset_meta = _dataset_meta_from_config(config) or {"classes": None}
    model.dataset_meta = dataset_meta
    model.cfg = config
    model.to(dev)
    model.eval()
    if switches is not None:
        if isinstance(switches, Mapping):
            try:
                switches = InferenceSwitches(**switches)
            except TypeError as err:
                raise ValueError(f"init_model: bad switches {dict(switches)!r}: {err}") from None
        switches.apply(model)
    return model


# --------------------------------------------------------------------- data
def load_image(img: ImageLike) -> tuple[np.ndarray, str | None]:
    """Read an image file (BGR) or check an array.

    Args:
        img: path of an image file, or an ``(H, W, 3)`` BGR / ``(H, W)`` gray array.

    Returns:
        ``(image, path)``: the ``(H, W, 3)`` image (a gray array is repeated on
        three channels) and the file path (None for an array).

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file cannot be decoded, or the array has a bad shape.
    """
    if isinstance(img, (str, os.PathLike)):
        path = os.fspath(img)
        if not osp.isfile(path):
            raise FileNotFoundError(f"image file not found: {path}")
        array = cv2.imread(path, cv2.IMREAD_COLOR)
        if array is None:
            raise ValueError(f"cannot decode image file {path} (not an image OpenCV reads)")
        return array, path
    if not isinstance(img, np.ndarray):
        raise TypeError(f"image must be a file path or a numpy array, got {type(img).__name__}")
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] != 3 or img.shape[0] == 0 or img.shape[1] == 0:
        raise ValueError(f"image array must have shape (H, W, 3) or (H, W), got {img.shape}")
    return img, None


def _type_name(transform: Any) -> str:
    name = transform.get("type", "") if isinstance(transform, Mapping) else ""
    if not isinstance(name, str):
        name = getattr(name, "__name__", "")
    return name.rsplit(".", 1)[-1]


def _strip_loading(pipeline: Sequence[Any], options: dict) -> list[Any]:
    """Copy of ``pipeline`` without ``Load*`` transforms (also inside wrappers).

    ``options`` collects ``to_float32`` from the dropped image loader.
    """
    out = []
    for transform in pipeline:
        name = _type_name(transform)
        if name.startswith(_LOADING_PREFIX):
            if name.startswith("LoadImage") and transform.get("to_float32", False):
                options["to_float32"] = True
            continue
        transform = copy.deepcopy(transform)
        if isinstance(transform, Mapping) and isinstance(transform.get("transforms"), list):
            inner = _strip_loading(transform["transforms"], options)
            if not inner:
                continue
            transform["transforms"] = inner
        out.append(transform)
    return out


def build_test_pipeline(pipeline: Sequence[Any]) -> tuple[Compose, bool, bool]:
    """Build the inference version of a test pipeline.

    Args:
        pipeline: ``test_dataloader.dataset.pipeline`` of a config.

    Returns:
        ``(compose, per_frame_lists, to_float32)``: the transforms without the
        loading ones; whether the pipeline expects a dict of per-frame lists
        (its first transform is a ``TransformBroadcaster``); whether the
        dropped image loader converted images to float32.
    """
    if not pipeline:
        raise ValueError("the config's test_dataloader.dataset.pipeline is empty")
    per_frame_lists = _type_name(pipeline[0]).endswith("TransformBroadcaster")
    options: dict = {}
    stripped = _strip_loading(pipeline, options)
    transforms: list[Callable] = [
        TRANSFORMS.build(t) if isinstance(t, Mapping) else t for t in stripped
    ]
    return Compose(transforms), per_frame_lists, bool(options.get("to_float32"))


def _test_pipeline(model: nn.Module) -> tuple[Compose, bool, bool]:
    cached = _PIPELINES.get(model)
    if cached is None:
        cfg = getattr(model, "cfg", None)
        try:
            pipeline = cfg.test_dataloader.dataset.pipeline
        except AttributeError:
            raise KeyError(
                "model.cfg has no test_dataloader.dataset.pipeline (build the model "
                "with mmtrack.apis.init_model, or set model.cfg)"
            ) from None
        cached = build_test_pipeline(pipeline)
        _PIPELINES[model] = cached
    return cached


def _frame_results(
    image: np.ndarray, path: str | None, frame_id: int, to_float32: bool, **extra: Any
) -> dict:
    """Results dict of one frame, as ``LoadImageFromFile`` would leave it."""
    h, w = image.shape[:2]
    results = dict(
        img=image.astype(np.float32) if to_float32 else image,
        ori_shape=(h, w),
        img_shape=(h, w),
        frame_id=int(frame_id),
        video_id=0,
        img_id=int(frame_id),
    )
    if path is not None:
        results["img_path"] = path
    results.update(extra)
    return results


def _run(model: nn.Module, frames: list[dict]) -> Any:
    """Pipeline, collate and ``test_step`` for the frames of one item."""
    compose, per_frame_lists, _ = _test_pipeline(model)
    if per_frame_lists:
        keys: list[str] = []
        for f in frames:
            keys.extend(k for k in f if k not in keys)
        results: dict = {k: [f.get(k) for f in frames] for k in keys}
    else:
        if len(frames) != 1:
            raise ValueError(
                "the test pipeline takes one frame (its first transform is not a "
                f"TransformBroadcaster), got {len(frames)}"
            )
        results = frames[0]
    data = compose(results)
    if data is None:
        raise RuntimeError("the test pipeline dropped the frame (a transform returned None)")
    with torch.no_grad():
        outputs = model.test_step(pseudo_collate([data]))
    return outputs[0]


def _check_frame_id(frame_id: int) -> int:
    if int(frame_id) != frame_id or frame_id < 0:
        raise ValueError(f"frame_id must be a non-negative integer, got {frame_id!r}")
    return int(frame_id)


# ---------------------------------------------------------------- inference
def inference_mot(
    model: nn.Module, img: ImageLike, frame_id: int, video_len: int | None = None
) -> Any:
    """Track one frame with a MOT or VIS model.

    Call it on the frames of a video in order; ``frame_id == 0`` starts a new
    video (the model resets its tracker).

    Args:
        model: model from :func:`init_model`.
        img: image file path or ``(H, W, 3)`` BGR array.
        frame_id: 0-based index of the frame in its video.
        video_len: number of frames of the video, stored as the frame's
            ``video_length`` metainfo when given. Defaults to None.

    Returns:
        The :class:`TrackDataSample` of the frame (one
        :class:`DetDataSample`, ``result[0]``, with ``pred_track_instances``:
        ``bboxes`` ``(N, 4)`` x1y1x2y2 in original pixels, ``scores``,
        ``labels``, ``instances_id`` and, for VIS, ``masks`` ``(N, H, W)``).
    """
    image, path = load_image(img)
    frame_id = _check_frame_id(frame_id)
    extra = {} if video_len is None else {"video_length": int(video_len)}
    _, _, to_float32 = _test_pipeline(model)
    return _run(model, [_frame_results(image, path, frame_id, to_float32, **extra)])


def _check_init_bbox(init_bbox: Any) -> np.ndarray:
    box = np.asarray(init_bbox, dtype=np.float32).reshape(-1)
    if box.shape != (4,) or not np.isfinite(box).all():
        raise ValueError(f"init_bbox must be 4 finite numbers x1, y1, x2, y2, got {init_bbox!r}")
    if box[2] <= box[0] or box[3] <= box[1]:
        raise ValueError(f"init_bbox must have x2 > x1 and y2 > y1 (x1y1x2y2), got {box.tolist()}")
    return box


def inference_sot(model: nn.Module, image: ImageLike, init_bbox: Any, frame_id: int) -> Any:
    """Track the target of one frame with a single object tracker.

    Args:
        model: model from :func:`init_model`.
        image: image file path or ``(H, W, 3)`` BGR array.
        init_bbox: the target in the first frame, ``(4,)`` x1y1x2y2 pixels;
            given with every frame (as the data sets give it), used by the
            model at ``frame_id == 0``.
        frame_id: 0-based index of the frame in its video.

    Returns:
        The :class:`TrackDataSample` of the frame; ``result[0]`` holds
        ``pred_track_instances`` (``bboxes`` ``(1, 4)`` x1y1x2y2 and
        ``scores`` ``(1,)``).
    """
    img, path = load_image(image)
    frame_id = _check_frame_id(frame_id)
    box = _check_init_bbox(init_bbox)
    extra: dict[str, Any] = dict(
        gt_bboxes=box[None].copy(),
        gt_bboxes_labels=np.zeros(1, dtype=np.int64),
    )
    if frame_id == 0:
        extra["init_bbox"] = box.copy()
    _, _, to_float32 = _test_pipeline(model)
    return _run(model, [_frame_results(img, path, frame_id, to_float32, **extra)])


def inference_vid(
    model: nn.Module,
    image: ImageLike,
    frame_id: int,
    ref_img_sampler: dict | None = None,
) -> Any:
    """Detect the objects of one frame with a video object detector.

    DFF-style configs (first test transform loads one image) get the frame
    alone. FGFA/SELSA-style configs (first transform a ``TransformBroadcaster``)
    get the key frame followed by reference frames, as in MMTracking: on frame
    0, ``num_left_ref_imgs`` copies of it; on every ``frame_stride``-th frame,
    one copy (the model keeps its own memory of past reference frames); no
    reference frame otherwise. Each frame carries ``frame_stride`` and
    ``num_left_ref_imgs`` in its metainfo.

    Args:
        model: model from :func:`init_model`.
        image: image file path or ``(H, W, 3)`` BGR array.
        frame_id: 0-based index of the frame in its video.
        ref_img_sampler: ``frame_stride`` and ``num_left_ref_imgs``. Defaults
            to ``dict(frame_stride=2, num_left_ref_imgs=10)``.

    Returns:
        The :class:`TrackDataSample` of the item (key frame first); the key
        frame's :class:`DetDataSample` holds ``pred_det_instances``.
    """
    img, path = load_image(image)
    frame_id = _check_frame_id(frame_id)
    sampler = {**_DEFAULT_REF_IMG_SAMPLER, **(ref_img_sampler or {})}
    stride, num_left = int(sampler["frame_stride"]), int(sampler["num_left_ref_imgs"])
    if stride < 1 or num_left < 0:
        raise ValueError(
            f"ref_img_sampler needs frame_stride >= 1 and num_left_ref_imgs >= 0, got {sampler}"
        )
    _, per_frame_lists, to_float32 = _test_pipeline(model)
    if not per_frame_lists:
        return _run(model, [_frame_results(img, path, frame_id, to_float32)])
    meta = dict(frame_stride=stride, num_left_ref_imgs=num_left)
    key = _frame_results(img, path, frame_id, to_float32, key_frame_flags=True, **meta)
    if frame_id == 0:
        num_refs = num_left
    else:
        num_refs = 1 if frame_id % stride == 0 else 0
    refs = [
        _frame_results(img, path, frame_id, to_float32, key_frame_flags=False, **meta)
        for _ in range(num_refs)
    ]
    return _run(model, [key, *refs])
