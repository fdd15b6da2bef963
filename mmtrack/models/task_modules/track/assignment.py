"""Linear assignment with gating, split into independent blocks for speed."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

# Up to this many (rows x columns), the entangled part of a problem is solved as one
# dense matrix; above it, connected components are solved separately.
_DENSE_LIMIT = 40_000


def linear_assignment_sparse(
    rows: np.ndarray,
    cols: np.ndarray,
    costs: np.ndarray,
    num_rows: int,
    num_cols: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-cost matching restricted to the admissible pairs given.

    The bipartite graph of admissible pairs is split into connected
    components solved independently: in tracking most components are one
    track and one detection, matched without any solver, and the others are
    small. Within a component the matching has the largest number of pairs,
    and the smallest total cost among those (the same as solving the dense
    problem with a prohibitive cost on inadmissible pairs).

    Args:
        rows: ``(P,)`` row index of each admissible pair.
        cols: ``(P,)`` column index of each admissible pair (no duplicate pair).
        costs: ``(P,)`` cost of each pair.
        num_rows: number of rows (tracks).
        num_cols: number of columns (detections).

    Returns:
        ``matches`` ``(K, 2)`` int array of (row, col) sorted by row,
        ``unmatched_rows`` and ``unmatched_cols`` (sorted).
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    costs = np.asarray(costs, dtype=np.float64)
    if len(rows) == 0:
        return np.empty((0, 2), dtype=np.int64), np.arange(num_rows), np.arange(num_cols)
    row_deg = np.bincount(rows, minlength=num_rows)
    col_deg = np.bincount(cols, minlength=num_cols)
    isolated = (row_deg[rows] == 1) & (col_deg[cols] == 1)
    parts = [np.stack([rows[isolated], cols[isolated]], axis=1)]
    if not isolated.all():
        rr, cc, cost = rows[~isolated], cols[~isolated], costs[~isolated]
        ur, r_local = np.unique(rr, return_inverse=True)
        uc, c_local = np.unique(cc, return_inverse=True)
        big = np.abs(cost).max() * (len(cost) + 1) + 1.0
        if len(ur) * len(uc) <= _DENSE_LIMIT:
            # Small enough: one dense solve over the entangled rows and columns.
            groups = [np.arange(len(rr))]
        else:
            # Split into connected components and solve each on its own.
            nr = len(ur)
            graph = coo_matrix(
                (np.ones(len(rr), dtype=np.int8), (r_local, c_local + nr)),
                shape=(nr + len(uc),) * 2,
            )
            _, comp = connected_components(graph, directed=False)
            pair_comp = comp[r_local]
            order = np.argsort(pair_comp, kind="stable")
            groups = np.split(order, np.diff(pair_comp[order]).nonzero()[0] + 1)
        for group in groups:
            gr, gr_inv = np.unique(r_local[group], return_inverse=True)
            gc, gc_inv = np.unique(c_local[group], return_inverse=True)
            block = np.full((len(gr), len(gc)), big)
            block[gr_inv, gc_inv] = cost[group]
            br, bc = linear_sum_assignment(block)
            ok = block[br, bc] < big
            parts.append(np.stack([ur[gr[br[ok]]], uc[gc[bc[ok]]]], axis=1))
    matches = np.concatenate(parts, axis=0).astype(np.int64)
    matches = matches[np.argsort(matches[:, 0], kind="stable")]
    row_used = np.zeros(num_rows, dtype=bool)
    col_used = np.zeros(num_cols, dtype=bool)
    row_used[matches[:, 0]] = True
    col_used[matches[:, 1]] = True
    return matches, (~row_used).nonzero()[0], (~col_used).nonzero()[0]


_EMPTY = np.empty(0, dtype=np.int64)
# Problems with at most this many rows x columns take the dense route in match_pairs.
_SMALL = 4096


def match_pairs(
    rows: np.ndarray,
    cols: np.ndarray,
    costs: np.ndarray,
    num_rows: int,
    num_cols: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The matching of :func:`linear_assignment_sparse`, in the fewest array calls.

    The trackers' per-frame form: most frames have a few dozen admissible
    pairs, nearly all alone in their row and column. Those are the matching
    as they are; otherwise, on small problems, the entangled rows and columns
    are solved as one dense block, and large ones go through
    :func:`linear_assignment_sparse`. The matching chosen is the same: the
    most pairs, then the least total cost.

    Args:
        rows: ``(P,)`` int64 row index of each admissible pair.
        cols: ``(P,)`` int64 column index of each admissible pair (no duplicates).
        costs: ``(P,)`` cost of each pair.
        num_rows: number of rows (tracks).
        num_cols: number of columns (detections).

    Returns:
        Matched ``rows`` and ``cols`` (pairs in no particular order) and the
        sorted unmatched columns.
    """
    if len(rows) == 0:
        return _EMPTY, _EMPTY, np.arange(num_cols)
    row_deg = np.bincount(rows, minlength=num_rows)
    col_deg = np.bincount(cols, minlength=num_cols)
    if row_deg.max() > 1 or col_deg.max() > 1:
        if num_rows * num_cols > _SMALL:
            m, _, unmatched = linear_assignment_sparse(rows, cols, costs, num_rows, num_cols)
            return m[:, 0], m[:, 1], unmatched
        isolated = (row_deg[rows] == 1) & (col_deg[cols] == 1)
        entangled = ~isolated
        rr, cc, cost = rows[entangled], cols[entangled], costs[entangled]
        big = np.abs(cost).max() * (len(cost) + 1) + 1.0
        block = np.full((num_rows, num_cols), big)
        block[rr, cc] = cost
        r_ok = np.bincount(rr, minlength=num_rows).nonzero()[0]
        c_ok = np.bincount(cc, minlength=num_cols).nonzero()[0]
        sub = block[np.ix_(r_ok, c_ok)]
        br, bc = linear_sum_assignment(sub)
        ok = sub[br, bc] < big
        rows = np.concatenate([rows[isolated], r_ok[br[ok]]])
        cols = np.concatenate([cols[isolated], c_ok[bc[ok]]])
    used = np.zeros(num_cols, dtype=bool)
    used[cols] = True
    return rows, cols, (~used).nonzero()[0]


def linear_assignment(cost: np.ndarray, thresh: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-cost matching that ignores pairs whose cost exceeds ``thresh``.

    Pairs with ``cost <= thresh`` (finite) are admissible; see
    :func:`linear_assignment_sparse` for how the matching is chosen. This
    gives the matches of ``lap.lapjv(cost, extend_cost=True,
    cost_limit=thresh)`` up to ties.

    Args:
        cost: ``(N, M)`` cost matrix (rows: tracks, columns: detections).
        thresh: largest admissible cost (inclusive).

    Returns:
        ``matches`` ``(K, 2)`` int array of (row, col) pairs, sorted by row;
        ``unmatched_rows`` ``(N - K,)`` and ``unmatched_cols`` ``(M - K,)``.
    """
    n, m = cost.shape
    rows, cols = np.nonzero(cost <= thresh)
    return linear_assignment_sparse(rows, cols, cost[rows, cols], n, m)
