"""Per-frame data sample."""

from __future__ import annotations

from mmengine.structures import BaseDataElement, InstanceData, PixelData


class DetDataSample(BaseDataElement):
    """Data sample of one image (one video frame).

    Fields (all optional) hold :class:`InstanceData` whose ``bboxes`` are
    ``(N, 4)`` float tensors in x1y1x2y2 pixel format, with ``labels`` ``(N,)``,
    ``scores`` ``(N,)``, ``instances_id`` ``(N,)`` and ``masks`` where present.

    * ``proposals``: region proposals.
    * ``gt_instances``: ground-truth instances.
    * ``ignored_instances``: ground truth to ignore in training/evaluation.
    * ``pred_instances``: detections.
    * ``pred_track_instances``: tracked instances (with ``instances_id``).
    * ``pred_det_instances``: raw detections kept beside the tracks.
    * ``gt_sem_seg`` / ``pred_sem_seg``: pixel-level data.

    Examples:
        >>> import torch
        >>> from mmengine.structures import InstanceData
        >>> sample = DetDataSample(metainfo=dict(img_shape=(4, 6), frame_id=0))
        >>> gt = InstanceData(bboxes=torch.zeros(2, 4), labels=torch.tensor([0, 1]))
        >>> sample.gt_instances = gt
        >>> len(sample.gt_instances)
        2
    """

    def _prop(name: str, dtype: type):  # type: ignore[misc]
        def getter(self):  # noqa: ANN001, ANN202
            return getattr(self, "_" + name)

        def setter(self, value):  # noqa: ANN001, ANN202
            self.set_field(value, "_" + name, dtype=dtype)

        def deleter(self):  # noqa: ANN001, ANN202
            delattr(self, "_" + name)

        return property(getter, setter, deleter)

    proposals = _prop("proposals", InstanceData)
    gt_instances = _prop("gt_instances", InstanceData)
    ignored_instances = _prop("ignored_instances", InstanceData)
    pred_instances = _prop("pred_instances", InstanceData)
    pred_track_instances = _prop("pred_track_instances", InstanceData)
    pred_det_instances = _prop("pred_det_instances", InstanceData)
    gt_sem_seg = _prop("gt_sem_seg", PixelData)
    pred_sem_seg = _prop("pred_sem_seg", PixelData)
    del _prop


SampleList = list  # list[DetDataSample]
OptSampleList = "list[DetDataSample] | None"
