"""Similarity of embedding sets, as used by the quasi-dense tracking head."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def embed_similarity(
    key_embeds: Tensor,
    ref_embeds: Tensor,
    method: str = "dot_product",
    temperature: float = -1,
) -> Tensor:
    """Pairwise similarity ``(N, M)`` of ``key_embeds`` ``(N, C)`` and ``ref_embeds`` ``(M, C)``.

    Args:
        key_embeds: ``(N, C)`` embeddings.
        ref_embeds: ``(M, C)`` embeddings.
        method: ``'dot_product'`` or ``'cosine'`` (dot product of
            L2-normalised embeddings). Defaults to ``'dot_product'``.
        temperature: the similarity is divided by it when positive.
            Defaults to -1 (no scaling).
    """
    if method not in ("dot_product", "cosine"):
        raise ValueError(
            f"embed_similarity: method must be 'dot_product' or 'cosine', got {method!r}"
        )
    if method == "cosine":
        key_embeds = F.normalize(key_embeds, p=2, dim=1)
        ref_embeds = F.normalize(ref_embeds, p=2, dim=1)
    sim = torch.mm(key_embeds, ref_embeds.t())
    if temperature > 0:
        sim = sim / float(temperature)
    return sim
