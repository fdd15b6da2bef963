"""Re-identification retrieval metrics: mAP and CMC (as MMTracking).

Every sample is a query against all the other samples (the gallery is the
whole set minus the query itself), ranked by squared Euclidean distance of
the embeddings. A query whose identity has no other sample is skipped.

* CMC@k: fraction of (valid) queries whose first correct match is within the
  top k.
* AP of a query: mean over its correct matches of the precision at the rank
  of that match; mAP is the mean over queries.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


def squared_euclidean_distmat(features: torch.Tensor) -> np.ndarray:
    """All-pairs squared Euclidean distances ``|a|^2 + |b|^2 - 2 a.b``.

    Args:
        features (torch.Tensor): ``(N, C)`` embeddings.

    Returns:
        np.ndarray: ``(N, N)`` distances (the expansion MMTracking uses).
    """
    features = features.float()
    n = features.size(0)
    sq = torch.pow(features, 2).sum(dim=1, keepdim=True).expand(n, n)
    distmat = sq + sq.t()
    distmat = distmat.addmm(features, features.t(), beta=1, alpha=-2)
    return distmat.numpy()


def eval_reid(
    distmat: np.ndarray,
    pids: np.ndarray,
    rank_list: Sequence[int] = (1, 5, 10, 20),
    max_rank: int = 20,
) -> dict:
    """mAP and CMC of an all-vs-all retrieval.

    Args:
        distmat (np.ndarray): ``(N, N)`` distances, smaller is closer.
        pids (np.ndarray): ``(N,)`` identity labels.
        rank_list (Sequence[int]): Ranks k reported as ``R{k}``.
        max_rank (int): Length of the CMC curve kept (at most ``N - 1``).

    Returns:
        dict: ``mAP`` and ``R{k}`` for k in ``rank_list`` (fractions) and
        ``cmc`` (the ``(min(max_rank, N - 1),)`` curve).
    """
    distmat = np.asarray(distmat, dtype=np.float64)
    pids = np.asarray(pids).reshape(-1)
    n = len(pids)
    if distmat.shape != (n, n):
        raise ValueError(f"distmat must be ({n}, {n}) for {n} labels, got {distmat.shape}")
    for rank in rank_list:
        if not 1 <= rank <= max_rank:
            raise ValueError(f"rank {rank} must lie in [1, max_rank={max_rank}]")
    if rank_list and max(rank_list) > n - 1:
        raise ValueError(
            f"rank {max(rank_list)} needs at least {max(rank_list) + 1} samples (each query is "
            f"ranked against the other samples), got {n}"
        )
    all_cmc, all_ap = [], []
    for q in range(n):
        # the query is always ranked first, then removed (MMTracking drops
        # the first ranked sample, which is the query itself when distances
        # are not tied at zero)
        dist = distmat[q].copy()
        dist[q] = -np.inf
        order = np.argsort(dist, kind="stable")[1:]
        matches = (pids[order] == pids[q]).astype(np.int32)
        if not matches.any():
            continue
        cmc = matches.cumsum()
        cmc[cmc > 1] = 1
        all_cmc.append(cmc[:max_rank])
        num_rel = matches.sum()
        precision_at_hit = matches.cumsum() / np.arange(1, len(matches) + 1) * matches
        all_ap.append(precision_at_hit.sum() / num_rel)
    if not all_cmc:
        raise ValueError("no query has a matching identity among the other samples")
    cmc = np.asarray(all_cmc).sum(0) / float(len(all_cmc))
    out = dict(mAP=float(np.mean(all_ap)), cmc=cmc)
    for rank in rank_list:
        out[f"R{rank}"] = float(cmc[rank - 1])
    return out
