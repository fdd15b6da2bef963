"""Linear assignment with gating, split into independent blocks for speed."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components


def linear_assignment(cost: np.ndarray, thresh: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-cost matching that ignores pairs whose cost exceeds ``thresh``.

    Equivalent to solving the full problem with every entry above ``thresh``
    replaced by a prohibitive cost and then dropping the matches above
    ``thresh`` (what ``lap.lapjv(cost, extend_cost=True, cost_limit=thresh)``
    gives up to ties). For speed the bipartite graph of admissible pairs is
    split into connected components, which are solved independently: in
    tracking most components are a single track and a single detection, which
    need no solver at all.

    Args:
        cost: ``(N, M)`` cost matrix (rows: tracks, columns: detections).
        thresh: largest admissible cost (inclusive).

    Returns:
        ``matches`` ``(K, 2)`` int array of (row, col) pairs, sorted by row;
        ``unmatched_rows`` ``(N - K,)`` and ``unmatched_cols`` ``(M - K,)``.
    """
    n, m = cost.shape
    if n == 0 or m == 0:
        return np.empty((0, 2), dtype=int), np.arange(n), np.arange(m)
    valid = cost <= thresh
    rows_ok = valid.any(axis=1)
    cols_ok = valid.any(axis=0)
    r_idx = np.flatnonzero(rows_ok)
    c_idx = np.flatnonzero(cols_ok)
    matches: list[np.ndarray] = []
    if len(r_idx) and len(c_idx):
        sub_valid = valid[np.ix_(r_idx, c_idx)]
        row_deg = sub_valid.sum(axis=1)
        col_deg = sub_valid.sum(axis=0)
        if (row_deg == 1).all() and (col_deg == 1).all():
            # Every admissible pair is isolated: it is the unique optimum.
            rr, cc = np.nonzero(sub_valid)
            matches.append(np.stack([r_idx[rr], c_idx[cc]], axis=1))
        else:
            nr = len(r_idx)
            rr, cc = np.nonzero(sub_valid)
            graph = csr_matrix(
                (np.ones(len(rr), dtype=np.int8), (rr, cc + nr)), shape=(nr + len(c_idx),) * 2
            )
            n_comp, comp = connected_components(graph, directed=False)
            row_comp, col_comp = comp[:nr], comp[nr:]
            # Components of size 1x1 in bulk, larger ones through the Hungarian solver.
            r_count = np.bincount(row_comp, minlength=n_comp)
            c_count = np.bincount(col_comp, minlength=n_comp)
            simple = (r_count == 1) & (c_count == 1)
            simple_rows = np.flatnonzero(simple[row_comp])
            if len(simple_rows):
                order_c = np.argsort(col_comp, kind="stable")
                comp_to_col = np.full(n_comp, -1)
                comp_to_col[col_comp[order_c]] = order_c
                cols = comp_to_col[row_comp[simple_rows]]
                matches.append(np.stack([r_idx[simple_rows], c_idx[cols]], axis=1))
            big = np.flatnonzero(~simple & (r_count > 0) & (c_count > 0))
            if len(big):
                row_groups = np.argsort(row_comp, kind="stable")
                col_groups = np.argsort(col_comp, kind="stable")
                r_starts = np.concatenate([[0], np.cumsum(r_count)])
                c_starts = np.concatenate([[0], np.cumsum(c_count)])
                big_cost_limit = thresh + 1.0 + np.abs(cost[valid]).max() * (n + m)
                for k in big:
                    rk = row_groups[r_starts[k] : r_starts[k + 1]]
                    ck = col_groups[c_starts[k] : c_starts[k + 1]]
                    block = cost[np.ix_(r_idx[rk], c_idx[ck])]
                    block = np.where(block <= thresh, block, big_cost_limit)
                    br, bc = linear_sum_assignment(block)
                    keep = block[br, bc] <= thresh
                    matches.append(np.stack([r_idx[rk[br[keep]]], c_idx[ck[bc[keep]]]], axis=1))
    if matches:
        match_arr = np.concatenate(matches, axis=0).astype(int)
        match_arr = match_arr[np.argsort(match_arr[:, 0], kind="stable")]
    else:
        match_arr = np.empty((0, 2), dtype=int)
    row_used = np.zeros(n, dtype=bool)
    col_used = np.zeros(m, dtype=bool)
    row_used[match_arr[:, 0]] = True
    col_used[match_arr[:, 1]] = True
    return match_arr, np.flatnonzero(~row_used), np.flatnonzero(~col_used)
