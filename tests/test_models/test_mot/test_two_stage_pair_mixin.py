"""QDTrack and MaskTrack R-CNN share TwoStagePairMixin without changing their numbers.

``tests/data/pair_training_golden.pt`` was written by ``python -m
tests.helpers.pair_training`` from the code before the shared part moved into
the mixin: one fixed-seed training step's losses and two predicted frames of
each model. The refactored models must reproduce them: integers (labels, ids)
exactly, floats to 1e-5 relative plus 1e-4 absolute, since the same code on
another CPU's kernels moves them by float rounding (up to ~5e-7 relative seen,
bboxes of ~96 px off by 4e-5 px), while any change of the computation moves
them by far more.
"""

from __future__ import annotations

import pytest
import torch

from mmtrack.models.mot.two_stage_pair_mixin import TwoStagePairMixin
from mmtrack.registry import MODELS
from mmtrack.structures import DetDataSample, TrackDataSample
from mmtrack.utils import register_all_modules
from tests.helpers.pair_training import GOLDEN, record

register_all_modules()


@pytest.fixture(scope="module")
def now() -> dict:
    return record()


@pytest.mark.parametrize("model", ["qdtrack", "masktrack_rcnn"])
def test_losses_and_predictions_match_the_golden_run(now, model) -> None:
    golden = torch.load(GOLDEN, weights_only=True)[model]
    assert sorted(now[model]) == sorted(golden)
    assert any(k.startswith("frame1/pred_track_instances") for k in golden)
    for key, value in golden.items():
        torch.testing.assert_close(now[model][key], value, rtol=1e-5, atol=1e-4,
                                   msg=lambda m, key=key: f"{key}: {m}")


def test_both_models_use_the_mixin() -> None:
    for name in ("QDTrack", "MaskTrackRCNN"):
        assert issubclass(MODELS.get(name), TwoStagePairMixin)


def test_pair_errors_name_the_model() -> None:
    model = MODELS.get("MaskTrackRCNN").__new__(MODELS.get("MaskTrackRCNN"))
    with pytest.raises(ValueError, match=r"MaskTrackRCNN.loss: inputs must be \(N, 2, C, H, W\) "
                       r"key/reference clips, got shape \(1, 3, 3, 8, 8\)"):
        model.split_key_ref_pairs(torch.zeros(1, 3, 3, 8, 8), [])


def _pair_clip(meta: dict) -> TrackDataSample:
    clip = TrackDataSample()
    clip.video_data_samples = [
        DetDataSample(metainfo=dict(video_id=7, img_path=f"SEQ7/{i:06d}.jpg")) for i in range(2)
    ]
    clip.set_metainfo(meta)
    return clip


@pytest.mark.parametrize("model_name", ["QDTrack", "MaskTrackRCNN"])
@pytest.mark.parametrize("missing", ["key_frames_inds", "ref_frames_inds"])
def test_missing_frame_indices_are_one_error_naming_field_and_clip(model_name, missing) -> None:
    # Before: a clip without the indices silently trained on frames [0]/[1].
    cls = MODELS.get(model_name)
    model = cls.__new__(cls)
    meta = dict(key_frames_inds=[0], ref_frames_inds=[1])
    del meta[missing]
    good = _pair_clip(dict(key_frames_inds=[1], ref_frames_inds=[0]))
    with pytest.raises(KeyError, match=rf"{model_name}.loss: clip 1 \(video_id=7, "
                       rf"img_path='SEQ7/000000.jpg'\) has no metainfo '{missing}'"):
        model.split_key_ref_pairs(torch.zeros(2, 2, 3, 8, 8), [good, _pair_clip(meta)])


def test_out_of_range_index_is_one_error() -> None:
    cls = MODELS.get("QDTrack")
    model = cls.__new__(cls)
    clip = _pair_clip(dict(key_frames_inds=[0], ref_frames_inds=[2]))
    with pytest.raises(ValueError, match=r"ref_frames_inds=\[2\] is out of range for clip 0 "
                       r"\(video_id=7, img_path='SEQ7/000000.jpg'\) of 2 frames"):
        model.split_key_ref_pairs(torch.zeros(1, 2, 3, 8, 8), [clip])


def test_indices_pick_the_frames_they_name() -> None:
    # Swapped indices: the key batch is frame 1 of each clip, the reference batch frame 0.
    cls = MODELS.get("QDTrack")
    model = cls.__new__(cls)
    inputs = torch.arange(2 * 2, dtype=torch.float32).view(2, 2, 1, 1, 1).expand(2, 2, 3, 4, 4)
    clips = [_pair_clip(dict(key_frames_inds=[1], ref_frames_inds=[0])),
             _pair_clip(dict(key_frames_inds=[0], ref_frames_inds=[1]))]
    key, ref, key_s, ref_s = model.split_key_ref_pairs(inputs, clips)
    assert key[:, 0, 0, 0].tolist() == [1.0, 2.0]
    assert ref[:, 0, 0, 0].tolist() == [0.0, 3.0]
    assert key_s[0] is clips[0].video_data_samples[1]
    assert ref_s[1] is clips[1].video_data_samples[1]
