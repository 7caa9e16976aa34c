"""When to say "nothing found" instead of quoting: a wrong citation is worse than none.

With the reranker, its answerable head's calibrated probability that anything found answers the
question decides (`retrieval.rerank`; refused below `refusal.min_confidence`). That head reads the
question's embedding and knows the documents it was trained with, so with an index built by another
embedding model, or when the likeliest answer comes from a document added since, the likeliest
article's probability decides instead (below `refusal.min_article`). Without the
reranker (the baseline the benchmarks compare with), refuse when the best hit is weak on both fused
score and cosine. The thresholds are `settings.refusal`, chosen by `benchmarks/tune.py` on tune
questions only.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.hit import Hit
from retrieval.settings import Refusal


@dataclass(frozen=True)
class Signal:
    """What the reranker says about a question as a whole."""

    likeliest: float  # the article probability of the likeliest candidate
    answerable: float | None  # the answerable head's probability; None when its embedding model differs


def refuse(hits: list[Hit], policy: Refusal, signal: Signal | None) -> bool:
    """`signal`: from the reranker, None without it."""
    if not hits:
        return True
    if signal is not None:
        if signal.answerable is not None:
            return signal.answerable < policy.min_confidence
        return signal.likeliest < policy.min_article
    best = hits[0]
    return best.score < policy.min_score and best.dense < policy.min_dense
