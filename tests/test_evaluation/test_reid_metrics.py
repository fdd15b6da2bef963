"""ReIDMetrics: mAP and CMC on a hand-made gallery."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mmtrack.evaluation.functional import eval_reid
from mmtrack.evaluation.metrics import ReIDMetrics
from mmtrack.registry import METRICS
from mmtrack.structures import ReIDDataSample

# 1-D embeddings; identity 3 has a single sample, so its query is skipped.
FEATS = [0.0, 1.0, 3.0, 3.5, 10.0, 4.2]
PIDS = [1, 1, 2, 2, 3, 1]
# Rankings of the other samples (squared distances, closest first):
#   q0 (pid 1): 1, 2, 3, 5, 4 -> hits at ranks 1, 4 -> AP (1/1 + 2/4) / 2
#   q1 (pid 1): 0, 2, 3, 5, 4 -> hits at ranks 1, 4 -> AP .75
#   q2 (pid 2): 3, 5, 1, 0, 4 -> hit at rank 1 -> AP 1
#   q3 (pid 2): 2, 5, 1, 0, 4 -> hit at rank 1 -> AP 1
#   q5 (pid 1): 3, 2, 1, 0, 4 -> hits at ranks 3, 4 -> AP (1/3 + 2/4) / 2
AP = [0.75, 0.75, 1.0, 1.0, (1 / 3 + 2 / 4) / 2]
FIRST_HIT = [1, 1, 1, 1, 3]


def samples(as_dict):
    out = []
    for f, pid in zip(FEATS, PIDS):
        s = ReIDDataSample().set_gt_label(pid)
        s.pred_feature = torch.tensor([f, 0.0])
        out.append(s.to_dict() if as_dict else s)
    return out


@pytest.mark.parametrize("as_dict", [False, True])
def test_hand_values(as_dict):
    metric = METRICS.build(
        dict(
            type="ReIDMetrics",
            metric=["mAP", "CMC"],
            metric_options=dict(rank_list=[1, 2, 3, 5], max_rank=5),
        )
    )
    metric.process({}, samples(as_dict))
    out = metric.evaluate(size=len(FEATS))
    assert out["reid-metric/mAP"] == round(float(np.mean(AP)), 3)
    for rank in (1, 2, 3, 5):
        expected = np.mean([h <= rank for h in FIRST_HIT])
        assert out[f"reid-metric/R{rank}"] == round(float(expected), 3)


def test_functional_exact_and_errors():
    feats = np.array(FEATS)
    dist = (feats[:, None] - feats[None, :]) ** 2
    res = eval_reid(dist, np.array(PIDS), rank_list=[1, 3], max_rank=5)
    assert res["mAP"] == pytest.approx(np.mean(AP))
    np.testing.assert_allclose(res["cmc"], [0.8, 0.8, 1, 1, 1])
    with pytest.raises(ValueError, match="rank 20 needs at least 21 samples"):
        eval_reid(dist, np.array(PIDS))
    with pytest.raises(ValueError, match="no query"):
        eval_reid(dist[:1, :1] + np.zeros((2, 2)), np.array([1, 2]), rank_list=[1], max_rank=1)
    with pytest.raises(KeyError):
        ReIDMetrics(metric="rank1")
