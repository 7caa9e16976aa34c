"""Priors: how much a provision's source counts before its words are compared with the question.

A fixed factor per chunk, from its document's validity status and type (`settings.priors`):
reference articles below legal norms, superseded documents below those in force, a Luật or
Nghị định before the sector circulars codified beside it. And one that depends on the question
(applicability): a provision that binds only another group than the one the question names — a
Luật Viên chức article for a question about công chức — is demoted by `priors.other_group`, and one
binding only a group outside the civil service (người lao động under Bộ luật Lao động) by
`priors.outside_service`: a viên chức rule often says what the công chức rule says; the labour code's
strike chapter does not say what a công chức may do.
"""

from __future__ import annotations

import numpy as np

from index.searcher import HybridIndex
from retrieval.analysis import Query, applicability, cues
from retrieval.settings import Priors


def applicability_priors(index: HybridIndex, query: Query, factor: float, outside: float) -> np.ndarray:
    """`factor` for chunks that bind only groups the question does not name (`outside` when those
    groups are all outside the civil service), 1 elsewhere."""
    out = np.ones(len(index), dtype=np.float32)
    if factor == 1.0 and outside == 1.0:
        return out
    service_outsiders = cues().outside_service
    for binds, positions in _groups(index).items():
        if applicability(query, list(binds)) < 0:
            out[positions] = outside if set(binds) <= service_outsiders else factor
    return out


def _groups(index: HybridIndex) -> dict[tuple[str, ...], np.ndarray]:
    """Chunk positions by whom they bind (a handful of distinct values), computed once per index."""
    cached = getattr(index, "_binds_groups", None)
    if cached is None:
        by: dict[tuple[str, ...], list[int]] = {}
        for i, chunk in enumerate(index.chunks):
            if chunk.applies_to:
                by.setdefault(tuple(chunk.applies_to), []).append(i)
        cached = {k: np.asarray(v, dtype=np.int64) for k, v in by.items()}
        index._binds_groups = cached
    return cached


def chunk_priors(index: HybridIndex, priors: Priors) -> np.ndarray:
    types = {doc_id: meta.get("type", "") for doc_id, meta in index.manifest.documents.items()}
    return np.asarray(
        [priors.status.get(c.status, 1.0) * priors.type.get(types.get(c.doc, ""), 1.0) * priors.scope.get(c.scope, 1.0)
         for c in index.chunks],
        dtype=np.float32,
    )
