"""A ranked chunk with the evidence behind its score: what every stage after fusion passes on."""

from __future__ import annotations

from dataclasses import dataclass

from index.chunking import Chunk


@dataclass
class Hit:
    chunk: Chunk
    score: float  # the final score, after every stage
    dense: float = 0.0  # cosine between question and chunk (0: not a dense candidate)
    lexical: float = 0.0  # lexical score, scaled to the best lexical hit of the question
    fused: float = 0.0  # after fusion and priors, before reranking
