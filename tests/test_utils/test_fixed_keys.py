"""merge_fixed_keys: dict-valued arguments refuse keys their defaults lack."""

from __future__ import annotations

import pytest

from mmtrack.models.trackers.botsort_tracker import BoTSORTTracker
from mmtrack.models.trackers.byte_tracker import ByteTracker
from mmtrack.utils.fixed_keys import merge_fixed_keys


def test_merge_keeps_defaults_and_overrides() -> None:
    assert merge_fixed_keys("T", "thrs", dict(low=0.2), dict(high=0.6, low=0.1)) == {
        "high": 0.6, "low": 0.2}
    assert merge_fixed_keys("T", "thrs", None, dict(high=0.6)) == {"high": 0.6}


def test_typo_is_refused_with_the_closest_key() -> None:
    with pytest.raises(TypeError) as exc:
        merge_fixed_keys("T", "thrs", dict(hihg=0.9), dict(high=0.6, low=0.1))
    assert str(exc.value) == (
        "T.__init__() got an unexpected key 'hihg' in thrs={'hihg': 0.9} "
        "(its keys are 'high', 'low'; did you mean 'high'?)")
    with pytest.raises(TypeError, match=r"T.__init__\(\) got thrs=0.5: expected a dict"):
        merge_fixed_keys("T", "thrs", 0.5, dict(high=0.6))


def test_trackers_refuse_typos() -> None:
    assert ByteTracker(obj_score_thrs=dict(high=0.7)).obj_score_thrs == {"high": 0.7, "low": 0.1}
    with pytest.raises(TypeError, match=r"ByteTracker.__init__\(\) got an unexpected key 'hihg' "
                                        r"in obj_score_thrs="):
        ByteTracker(obj_score_thrs=dict(hihg=0.9))
    with pytest.raises(TypeError, match="unexpected key 'tentativ' in match_iou_thrs"):
        ByteTracker(match_iou_thrs=dict(tentativ=0.3))
    with pytest.raises(TypeError, match=r"BoTSORTTracker.__init__\(\) got an unexpected key 'lo' "
                                        r"in match_thrs"):
        BoTSORTTracker(match_thrs=dict(lo=0.5))
    with pytest.raises(TypeError, match=r"BoTSORTTracker.__init__\(\) .* in obj_score_thrs"):
        BoTSORTTracker(obj_score_thrs=dict(hi=0.5))
