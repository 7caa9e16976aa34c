"""Candidate retrievers: BM25 over two views of every chunk, the dense model over its vectors, and the
dense model over the example questions each article answers (`index.examples`).

Each returns one score per chunk of the index (0 for a chunk it did not retrieve), so fusion can
combine them position by position. They are separate stages because they cost differently and
are compared separately (`benchmarks/`): lexical-only and dense-only are the baselines.
"""

from __future__ import annotations

import numpy as np

from index.searcher import HybridIndex
from index.text import plain_words, segmented_words
from retrieval.fusion import max_normalised


class LexicalRetriever:
    """Mean of two BM25 views, each scaled to its best hit.

    Segmented words reward exact legal terms ("đình_công"); syllables without marks match
    queries typed without diacritics ("dinh cong") and survive pyvi's segmentation errors.
    Together they beat either alone on the dev set.
    """

    def __init__(self, index: HybridIndex) -> None:
        self.index = index

    def scores(self, text: str) -> np.ndarray:
        plain = max_normalised(self.index.bm25_plain.scores(plain_words(text)))
        segmented = max_normalised(self.index.bm25_segmented.scores(segmented_words(text)))
        return (segmented + plain) / 2


class DenseRetriever:
    """Cosine for the dense top candidates and for every lexical candidate; 0 elsewhere.

    Lexical candidates get their cosine too (read back from the vector index), so fusion never
    mistakes "not among the dense top k" for "unrelated".
    """

    def __init__(self, index: HybridIndex) -> None:
        self.index = index

    def embed(self, text: str) -> np.ndarray:
        return self.index.embedder.embed_queries([text])[0:1]

    def scores(self, query: np.ndarray, lexical: np.ndarray, candidates: int) -> np.ndarray:
        index = self.index
        out = np.zeros(len(index.chunks), dtype=np.float32)
        sims, ids = index.vectors.search(query, min(candidates, len(index.chunks)))
        for sim, cid in zip(sims[0], ids[0], strict=True):
            if cid >= 0:
                out[index.position[int(cid)]] = sim
        lex_candidates = np.argsort(-lexical)[:candidates]
        missing = [int(i) for i in lex_candidates if lexical[i] > 0 and out[i] == 0]
        if missing:
            vecs = np.vstack([index.vectors.reconstruct(int(index.ids[i])) for i in missing])
            out[missing] = vecs @ query[0]
        return out


class ExampleRetriever:
    """Each chunk scored by the best cosine between the question and the example questions of its
    article (0 for an article without examples).

    The question's own vector is reused: this costs one (examples × dim) product, about 1 ms.
    """

    def __init__(self, index: HybridIndex) -> None:
        self.index = index

    def scores(self, query: np.ndarray) -> np.ndarray:
        index = self.index
        if not len(index.examples):
            return np.zeros(len(index.chunks), dtype=np.float32)
        which, chunk_slot = index.example_articles
        best = np.zeros(int(which.max()) + 2, dtype=np.float32)  # the last slot stands for "no examples"
        np.maximum.at(best, which, np.clip(index.example_vectors @ query[0], 0.0, None))
        return best[chunk_slot]
