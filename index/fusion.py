"""Combining the dense and lexical rankings.

Two methods, chosen between by measurement (`benchmarks/`): reciprocal-rank fusion, which
ignores score scales, and a convex combination of per-query max-normalised scores, which keeps
how much better the first hit is than the rest — the signal that decides whether to refuse.
"""

from __future__ import annotations

import numpy as np

RRF_K = 60


def rrf(rankings: list[np.ndarray], weights: list[float], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal-rank fusion of ranked position lists (best first)."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, pos in enumerate(ranking.tolist()):
            fused[pos] = fused.get(pos, 0.0) + weight / (k + rank + 1)
    return fused


def convex(dense: np.ndarray, lexical: np.ndarray, alpha: float) -> np.ndarray:
    """alpha·dense + (1−alpha)·lexical/max(lexical); dense cosines are already in a fixed range."""
    top = float(lexical.max()) if lexical.size else 0.0
    lex = lexical / top if top > 0 else lexical
    return alpha * dense + (1 - alpha) * lex
