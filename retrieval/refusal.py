"""When to say "nothing found" instead of quoting: a wrong citation is worse than none.

With the reranker, its calibrated probability that the best unit answers the question decides
(`retrieval.rerank`; refused below `refusal.min_confidence`), with one floor beside it: when no
candidate comes within `refusal.floor_dense` cosine of the question, nothing is even about the same
thing ("thời tiết Hà Nội"), whatever the words it shares. Without the reranker (the baseline the
benchmarks compare with), refuse when the best hit is weak on both fused score and cosine.
The thresholds are `settings.refusal`, chosen by `benchmarks/tune.py` on tune questions only.
"""

from __future__ import annotations

from retrieval.hit import Hit
from retrieval.settings import Refusal


def refuse(hits: list[Hit], policy: Refusal, reranked: bool, best_cosine: float) -> bool:
    """`best_cosine`: the question's highest cosine over all candidates (not only the hits kept, so
    the decision does not depend on how many results are asked for)."""
    if not hits:
        return True
    best = hits[0]
    if reranked:
        return best.score < policy.min_confidence or best_cosine < policy.floor_dense
    return best.score < policy.min_score and best.dense < policy.min_dense
