"""When to say "nothing found" instead of quoting: a wrong citation is worse than none.

Refuse when the best hit is weak on both signals. A fused score well below 1 means the dense
and lexical rankings disagree about the best provision, or that the dense side barely separates
its candidates (`fusion.dense_min_spread`); a low cosine means nothing is close in meaning. The
thresholds are `settings.refusal`, chosen by `benchmarks/tune.py`.
"""

from __future__ import annotations

from retrieval.hit import Hit
from retrieval.settings import Refusal


def refuse(hits: list[Hit], policy: Refusal) -> bool:
    if not hits:
        return True
    best = hits[0]
    return best.score < policy.min_score and best.dense < policy.min_dense
