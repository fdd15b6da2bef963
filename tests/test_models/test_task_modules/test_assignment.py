"""Linear assignment and sparse IoU against brute force."""

import itertools

import numpy as np
import pytest

from mmtrack.models.task_modules.track import (
    iou_matrix,
    iou_pairs,
    linear_assignment,
    linear_assignment_sparse,
    match_pairs,
)


def brute_force(cost, thresh):
    """Best matching by enumeration: most admissible pairs, then least cost."""
    n, m = cost.shape
    best = (0, 0.0, [])
    for k in range(min(n, m), 0, -1):
        for rows in itertools.combinations(range(n), k):
            for cols in itertools.permutations(range(m), k):
                c = cost[list(rows), list(cols)]
                if (c <= thresh).all():
                    total = c.sum()
                    if k > best[0] or (k == best[0] and total < best[1] - 1e-12):
                        best = (k, total, list(zip(rows, cols)))
        if best[0] == k:
            break
    return best


@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 5, 2)
    cost = rng.random((n, m))
    thresh = float(rng.choice([0.3, 0.6, 1.0]))
    matches, ur, uc = linear_assignment(cost, thresh)
    k, total, _ = brute_force(cost, thresh)
    assert len(matches) == k
    assert cost[matches[:, 0], matches[:, 1]].sum() == pytest.approx(total)
    assert sorted(set(range(n)) - set(matches[:, 0])) == ur.tolist()
    assert sorted(set(range(m)) - set(matches[:, 1])) == uc.tolist()


def test_hand_case_prefers_global_optimum():
    # Greedy would take (0, 0) at cost 0.1 and leave row 1 with nothing admissible.
    cost = np.array([[0.1, 0.2], [0.15, 0.9]])
    matches, _, _ = linear_assignment(cost, 0.5)
    assert matches.tolist() == [[0, 1], [1, 0]]


def test_empty_inputs():
    m, ur, uc = linear_assignment(np.zeros((0, 3)), 0.5)
    assert m.shape == (0, 2) and ur.tolist() == [] and uc.tolist() == [0, 1, 2]
    m, ur, uc = linear_assignment_sparse([], [], [], 2, 0)
    assert ur.tolist() == [0, 1] and uc.tolist() == []


def test_iou_matrix_by_hand():
    a = np.array([[0, 0, 10, 10], [0, 0, 0, 0]], dtype=float)  # second box has no area
    b = np.array([[5, 5, 15, 15], [20, 20, 30, 30]], dtype=float)
    iou = iou_matrix(a, b)
    np.testing.assert_allclose(iou, [[25 / 175, 0], [0, 0]])
    giou = iou_matrix(a[:1], b[1:], mode="giou")
    # enclosing box 30 x 30 = 900, union 200
    np.testing.assert_allclose(giou, [[0 - (900 - 200) / 900]])


def test_iou_pairs_equals_dense():
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 200, (50, 2))
    b = rng.uniform(0, 200, (60, 2))
    boxes_a = np.concatenate([a, a + rng.uniform(1, 40, (50, 2))], 1)
    boxes_b = np.concatenate([b, b + rng.uniform(1, 40, (60, 2))], 1)
    dense = iou_matrix(boxes_a, boxes_b)
    i, j, v = iou_pairs(boxes_a, boxes_b)
    ri, rj = np.nonzero(dense > 0)
    assert i.tolist() == ri.tolist() and j.tolist() == rj.tolist()
    np.testing.assert_allclose(v, dense[ri, rj])


@pytest.mark.parametrize("seed", range(60))
def test_match_pairs_matches_brute_force(seed):
    # Random sparse problems, from all-isolated pairs to dense blocks, small and large.
    rng = np.random.default_rng(100 + seed)
    n, m = rng.integers(1, 6, 2)
    density = rng.choice([0.15, 0.4, 0.9])
    cost = rng.random((n, m)) * 2 - 0.5  # some negative costs, as Deep OC-SORT's
    admissible = rng.random((n, m)) < density
    rows, cols = np.nonzero(admissible)
    mr, mc, uc = match_pairs(rows, cols, cost[rows, cols], n, m)
    k, total, _ = brute_force(np.where(admissible, cost, 1e9), 10.0)
    assert len(mr) == k
    assert cost[mr, mc].sum() == pytest.approx(total)
    assert admissible[mr, mc].all()
    assert len(set(mr.tolist())) == k and len(set(mc.tolist())) == k
    np.testing.assert_array_equal(uc, np.setdiff1d(np.arange(m), mc))


def test_match_pairs_large_problem_equals_sparse_solver():
    rng = np.random.default_rng(5)
    n, m = 90, 80  # above the dense limit
    rows, cols = np.nonzero(rng.random((n, m)) < 0.05)
    costs = rng.random(len(rows))
    mr, mc, uc = match_pairs(rows, cols, costs, n, m)
    ref, _, ref_uc = linear_assignment_sparse(rows, cols, costs, n, m)
    assert len(mr) == len(ref)
    lookup = dict(zip(zip(rows.tolist(), cols.tolist()), costs.tolist()))
    assert sum(lookup[p] for p in zip(mr.tolist(), mc.tolist())) == pytest.approx(
        sum(lookup[tuple(p)] for p in ref.tolist())
    )
    np.testing.assert_array_equal(uc, ref_uc)
