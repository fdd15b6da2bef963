"""Apply per-frame transforms to every frame of a clip."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any, Callable, Optional, Sequence, Union

from mmcv.transforms import TransformBroadcaster as _MMCVTransformBroadcaster
from mmcv.transforms.utils import cache_random_params
from mmcv.transforms.wrappers import IgnoreKey

from mmtrack.registry import TRANSFORMS


@TRANSFORMS.register_module()
class TransformBroadcaster(_MMCVTransformBroadcaster):
    """mmcv's ``TransformBroadcaster`` for clips: runs the wrapped transforms
    on each frame of a dict of per-frame lists.

    The input is what video datasets produce: every value a list with one
    item per frame. With ``share_random_params=True`` the random parameters
    of the wrapped transforms (those of methods decorated with
    ``cache_randomness``: flip or not, resize scale, photometric gains, ...)
    are drawn once and used for every frame.

    Differences from mmcv's: the wrapped transform configs are built with
    mmtrack's registry (no default scope needed), and when a wrapped transform
    returns None for a frame (e.g. a crop without objects) the whole clip is
    dropped (None is returned) so that the dataset draws another sample.

    Args:
        transforms: transform configs or callables run on each frame.
        mapping: input key mapping (see mmcv's ``KeyMapper``). Defaults to None.
        remapping: output key mapping. Defaults to None.
        auto_remap: inverse of ``mapping`` as remapping. Defaults to None.
        allow_nonexist_keys: allow keys of ``mapping`` to be missing. Defaults to False.
        share_random_params: draw random parameters once per clip. Defaults to False.
    """

    def __init__(
        self,
        transforms: Sequence[Union[dict, Callable]],
        mapping: Optional[dict] = None,
        remapping: Optional[dict] = None,
        auto_remap: Optional[bool] = None,
        allow_nonexist_keys: bool = False,
        share_random_params: bool = False,
    ) -> None:
        built = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in transforms]
        super().__init__(
            built,
            mapping=mapping,
            remapping=remapping,
            auto_remap=auto_remap,
            allow_nonexist_keys=allow_nonexist_keys,
            share_random_params=share_random_params,
        )

    def _apply_transforms(self, inputs: dict) -> Optional[dict]:
        """Run the wrapped transforms on one frame (None when they drop it)."""
        results = inputs.copy()
        outputs = self.transforms({k: v for k, v in inputs.items() if v is not IgnoreKey})
        if outputs is None:
            return None
        results.update(outputs)
        return results

    def transform(self, results: dict) -> Optional[dict]:
        """Run the wrapped transforms on every frame; None if any frame is dropped."""
        inputs = self._map_input(results, self.mapping)
        scatters = self.scatter_sequence(inputs)
        ctx: Any = cache_random_params if self.share_random_params else nullcontext
        with ctx(self.transforms):
            outputs = [self._apply_transforms(s) for s in scatters]
        if any(o is None for o in outputs):
            return None
        keys: list[str] = []
        for out in outputs:
            keys.extend(k for k in out if k not in keys)
        collated = {k: [out.get(k) for out in outputs] for k in keys}
        results.update(self._map_output(collated, self.remapping))
        return results
