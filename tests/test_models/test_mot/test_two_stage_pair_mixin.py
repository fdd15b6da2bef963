"""QDTrack and MaskTrack R-CNN share TwoStagePairMixin without changing a single number.

``tests/data/pair_training_golden.pt`` was written by ``python -m
tests.helpers.pair_training`` from the code before the shared part moved into
the mixin: one fixed-seed training step's losses and two predicted frames of
each model. The refactored models must reproduce them exactly.
"""

from __future__ import annotations

import pytest
import torch

from mmtrack.models.mot.two_stage_pair_mixin import TwoStagePairMixin
from mmtrack.registry import MODELS
from mmtrack.utils import register_all_modules
from tests.helpers.pair_training import GOLDEN, record

register_all_modules()


@pytest.fixture(scope="module")
def now() -> dict:
    return record()


@pytest.mark.parametrize("model", ["qdtrack", "masktrack_rcnn"])
def test_losses_and_predictions_are_bit_identical(now, model) -> None:
    golden = torch.load(GOLDEN, weights_only=True)[model]
    assert sorted(now[model]) == sorted(golden)
    assert any(k.startswith("frame1/pred_track_instances") for k in golden)
    for key, value in golden.items():
        assert torch.equal(now[model][key], value), key


def test_both_models_use_the_mixin() -> None:
    for name in ("QDTrack", "MaskTrackRCNN"):
        assert issubclass(MODELS.get(name), TwoStagePairMixin)


def test_pair_errors_name_the_model() -> None:
    model = MODELS.get("MaskTrackRCNN").__new__(MODELS.get("MaskTrackRCNN"))
    with pytest.raises(ValueError, match=r"MaskTrackRCNN.loss: inputs must be \(N, 2, C, H, W\) "
                       r"key/reference clips, got shape \(1, 3, 3, 8, 8\)"):
        model.split_key_ref_pairs(torch.zeros(1, 3, 3, 8, 8), [])
