"""The stages wired together: analysis → retrievers → fusion → priors → reranking → refusal.

`Pipeline.run` is what the product calls. Benchmarks call the stages through `candidates` and
`rank` separately, so a sweep over fusion or refusal values retrieves each question once and
re-ranks it many times, through the very code the product runs.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.searcher import HybridIndex
from retrieval import fusion, rerank
from retrieval.analysis import Query, analyse
from retrieval.candidates import DenseRetriever, ExampleRetriever, LexicalRetriever
from retrieval.hit import Hit
from retrieval.priors import applicability_priors, chunk_priors
from retrieval.refusal import Signal, refuse
from retrieval.settings import Settings, default

MODES = ("hybrid", "dense", "lexical")


@dataclass
class Candidates:
    """What the retrievers found for one query: a score per chunk from each side."""

    query: Query
    lexical: np.ndarray
    dense: np.ndarray
    vector: np.ndarray | None = None  # the question's embedding (the domain head reads it)
    examples: np.ndarray | None = None  # best cosine to its article's example questions (index.examples)


@dataclass
class Fused:
    """After fusion and priors: a score per chunk, the positions with a score best first, and the
    rescaled sides and priors the reranker's features read."""

    scores: np.ndarray
    order: np.ndarray
    dense: np.ndarray  # the dense side rescaled (fusion.window_normalised)
    lexical: np.ndarray
    priors: np.ndarray
    # The score without the example questions' side: what the reranker reads as "fused", so that its
    # probabilities mean the same for an article without examples (a document an admin added, an
    # index built before them, ALQAC's codes it is trained on) as for one with them.
    base: np.ndarray


@dataclass
class Retrieved:
    query: Query
    hits: list[Hit] = field(default_factory=list)
    refused: bool = True
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds per stage, for benchmarks


class Stopwatch:
    """Milliseconds spent in each stage, so a benchmark can show each stage's share of the latency."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + (now - self._last) * 1000
        self._last = now


class Pipeline:
    def __init__(self, index: HybridIndex, settings: Settings | None = None, mode: str = "hybrid",
                 wording: tuple[Path, ...] = ()) -> None:
        """`wording`: the admins' everyday-wording files (`index.thesaurus`), read on every question."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.index = index
        self.settings = settings or default()
        self.mode = mode
        self.wording = wording
        self.lexical = LexicalRetriever(index)
        self.dense = DenseRetriever(index)
        self.examples = ExampleRetriever(index)
        self.priors = chunk_priors(index, self.settings.priors)

    def run(self, question: str) -> Retrieved:
        clock = Stopwatch()
        query = analyse(question, lambda: self.index.restorer, self.wording)
        clock.lap("analysis")
        if query.empty or not len(self.index):
            return Retrieved(query, timings=clock.timings)
        found = self.candidates(query, clock)
        hits, signal = self.rank(found, clock=clock)
        refused = refuse(hits, self.settings.refusal, signal)
        return Retrieved(query, hits, refused, clock.timings)

    def candidates(self, query: Query, clock: Stopwatch | None = None) -> Candidates:
        clock = clock or Stopwatch()
        lexical = self.lexical.scores(query.lexical)
        clock.lap("lexical")
        dense = np.zeros(len(self.index), dtype=np.float32)
        vector = examples = None
        if self.mode != "lexical":
            vector = self.dense.embed(query.text)
            dense = self.dense.scores(vector, lexical, self.settings.candidates)
            examples = self.examples.scores(vector)
        clock.lap("dense")
        return Candidates(query, lexical, dense, vector, examples)

    def rank(self, found: Candidates, settings: Settings | None = None,
             clock: Stopwatch | None = None) -> tuple[list[Hit], Signal | None]:
        """Fusion, priors and reranking over the candidates; `settings` overrides the pipeline's (for sweeps).
        Also what the reranker says about whether anything answers (None without the reranker)."""
        clock = clock or Stopwatch()
        s = settings or self.settings
        fused = self.fuse(found, settings)
        order = fused.order[: max(s.results, s.rerank.top_n)]
        chunks = self.index.chunks
        hits = [Hit(chunks[i], float(fused.scores[i]), float(found.dense[i]), float(found.lexical[i]),
                    float(fused.scores[i])) for i in order]
        clock.lap("fusion")
        signal = None
        if s.rerank.enabled and hits:
            head, rows = self.head(found, fused, s)
            ranked, probability = self.reranker.order(rows, [h.chunk.article_key for h in hits[: len(head)]],
                                                     s.rerank.reorder, s.refusal.min_article)
            likeliest = hits[int(np.argmax(probability))].chunk.doc
            signal = Signal(float(probability.max()), self.reranker.answerable_probability(
                rows, found.vector, self.index.embedder.model_id, likeliest))
            reranked = [dataclasses.replace(hits[r], score=float(probability[r])) for r in ranked]
            hits = reranked + [dataclasses.replace(h, score=0.0) for h in hits[len(head):]]
            clock.lap("rerank")
        return hits[: s.results], signal

    def fuse(self, found: Candidates, settings: Settings | None = None) -> Fused:
        """Fusion and priors: every chunk's score, and the chunks with a score, best first."""
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
        priors = self.priors if settings is None else chunk_priors(self.index, s.priors)
        priors = priors * applicability_priors(self.index, found.query, s.priors.other_group,
                                               s.priors.outside_service)
        base = scores * priors
        scores = base
        if found.examples is not None and s.fusion.examples > 0:
            scores = base + s.fusion.examples * fusion.floored(found.examples, s.fusion.examples_floor,
                                                               s.fusion.dense_min_spread) * priors
        order = np.argsort(-scores)
        return Fused(scores, order[scores[order] > 0], dense, lexical, priors, base)

    def head(self, found: Candidates, fused: Fused, settings: Settings | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The candidates the reranker reads (the best `rerank.top_n` fused) and their feature rows;
        `benchmarks/tune.py` trains on exactly these."""
        s = settings or self.settings
        head = fused.order[: s.rerank.top_n]
        rows = rerank.features(self.index, found.query, head, fused.base, fused.dense, found.dense, fused.lexical,
                               fused.priors)
        return head, rows

    @functools.cached_property
    def reranker(self) -> rerank.Model:
        return rerank.default_model()
