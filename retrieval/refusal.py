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


def refuse(hits: list[Hit], policy: Refusal, reranked: bool) -> bool:
    if not hits:
        return True
    best = hits[0]
    if reranked:
        return best.score < policy.min_confidence or max(h.dense for h in hits) < policy.floor_dense
    return best.score < policy.min_score and best.dense < policy.min_dense
