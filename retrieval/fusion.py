"""Fusion: the dense and lexical scores of each chunk combined into one.

A convex combination of per-query rescaled scores keeps how much better the first hit is than
the rest — the signal that decides whether to refuse. Reciprocal-rank fusion, which ignores score
scales, was measured against it and lost on the dev set (benchmarks/RESULTS.md, earlier runs).
"""

from __future__ import annotations

import numpy as np


def max_normalised(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else scores


def window_normalised(scores: np.ndarray, window: int, min_spread: float = 0.0) -> np.ndarray:
    """Rescale so the `window`-th best score is 0 and the best is 1 — or less, when the two are
    closer than `min_spread`.

    e5 cosines crowd into a narrow band (0.80–0.92 for almost any Vietnamese legal text), so on
    their raw scale the lexical side would decide everything; measured on the dev set this
    rescaling gains about 3 points of MRR@10 (benchmarks/). Stretched without a limit, though, a
    query whose hundred candidates all lie within 0.03 of each other turns a 0.015 difference
    into half the scale, and near-ties of the dense model outvote clear lexical evidence: on
    ALQAC most questions where hybrid ranks the gold article below BM25-only are exactly that,
    the dense model preferring a sibling article of the same law by one or two hundredths of cosine.
    `min_spread` is the smallest cosine range that counts as the full scale.
    """
    if scores.size == 0:
        return scores
    return floored(scores, float(np.partition(scores, -min(window, scores.size))[-min(window, scores.size)]),
                   min_spread)


def convex(dense: np.ndarray, lexical: np.ndarray, alpha: float) -> np.ndarray:
    """alpha·dense + (1−alpha)·lexical, both already on a 0–1 per-query scale."""
    return alpha * dense + (1 - alpha) * lexical


def floored(scores: np.ndarray, floor: float, min_spread: float) -> np.ndarray:
    """Rescale so `floor` is 0 and the best score 1 (or less, when closer to the floor than
    `min_spread`); below the floor, 0. The example questions' cosines (index.examples) use a fixed
    floor: a question-to-question cosine under it says nothing, and articles without examples
    (score 0) must not fall below those with a weak match."""
    if scores.size == 0:
        return scores
    top = float(scores.max())
    return np.clip((scores - floor) / max(top - floor, min_spread, 1e-9), 0.0, None)
