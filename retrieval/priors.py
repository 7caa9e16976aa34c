"""Priors: how much a provision's source counts before its words are compared with the question.

A fixed factor per chunk, from its document's validity status and type (`settings.priors`):
reference articles below legal norms, superseded documents below those in force, a Luật or
Nghị định before the sector circulars codified beside it.
"""

from __future__ import annotations

import numpy as np

from index.searcher import HybridIndex
from retrieval.settings import Priors


def chunk_priors(index: HybridIndex, priors: Priors) -> np.ndarray:
    types = {doc_id: meta.get("type", "") for doc_id, meta in index.manifest.documents.items()}
    return np.asarray(
        [priors.status.get(c.status, 1.0) * priors.type.get(types.get(c.doc, ""), 1.0) for c in index.chunks],
        dtype=np.float32,
    )
