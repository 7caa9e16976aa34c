"""The stages wired together: analysis → retrievers → fusion → priors → refusal.

`Pipeline.run` is what the product calls. Benchmarks call the stages through `candidates` and
`rank` separately, so a sweep over fusion or refusal values retrieves each question once and
re-ranks it many times, through the very code the product runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from index.searcher import HybridIndex
from retrieval import fusion
from retrieval.analysis import Query, analyse
from retrieval.candidates import DenseRetriever, LexicalRetriever
from retrieval.hit import Hit
from retrieval.priors import chunk_priors
from retrieval.refusal import refuse
from retrieval.settings import Settings, default

MODES = ("hybrid", "dense", "lexical")


@dataclass
class Candidates:
    """What the retrievers found for one query: a score per chunk from each side."""

    query: Query
    lexical: np.ndarray
    dense: np.ndarray


@dataclass
class Retrieved:
    query: Query
    hits: list[Hit] = field(default_factory=list)
    refused: bool = True


class Pipeline:
    def __init__(self, index: HybridIndex, settings: Settings | None = None, mode: str = "hybrid") -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.index = index
        self.settings = settings or default()
        self.mode = mode
        self.lexical = LexicalRetriever(index)
        self.dense = DenseRetriever(index)
        self.priors = chunk_priors(index, self.settings.priors)

    def run(self, question: str) -> Retrieved:
        query = analyse(question, lambda: self.index.restorer)
        if query.empty or not len(self.index):
            return Retrieved(query)
        hits = self.rank(self.candidates(query))
        return Retrieved(query, hits, refuse(hits, self.settings.refusal))

    def candidates(self, query: Query) -> Candidates:
        lexical = self.lexical.scores(query.text)
        dense = np.zeros(len(self.index), dtype=np.float32)
        if self.mode != "lexical":
            dense = self.dense.scores(self.dense.embed(query.text), lexical, self.settings.candidates)
        return Candidates(query, lexical, dense)

    def rank(self, found: Candidates, settings: Settings | None = None) -> list[Hit]:
        """Fusion and priors over the candidates; `settings` overrides the pipeline's (for sweeps)."""
        s = settings or self.settings
        dense = fusion.window_normalised(found.dense, s.candidates, s.fusion.dense_min_spread)
        lexical = fusion.max_normalised(found.lexical)
        if self.mode == "dense":
            # Rescaled like the hybrid's dense side: the priors are sized for scores in [0, 1]
            # spread by relevance, and raw cosines all sit within a few points of each other.
            scores = dense
        elif self.mode == "lexical":
            scores = lexical
        else:
            scores = fusion.convex(dense, lexical, s.fusion.alpha)
        scores = scores * (self.priors if settings is None else chunk_priors(self.index, s.priors))
        order = np.argsort(-scores)[: s.results]
        chunks = self.index.chunks
        return [Hit(chunks[i], float(scores[i]), float(found.dense[i]), float(found.lexical[i]))
                for i in order if scores[i] > 0]
