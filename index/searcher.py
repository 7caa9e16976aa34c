"""One loaded build, ready to be searched: chunks, both BM25 views, vectors, whole articles.

BM25 runs over two views of every chunk — pyvi-segmented words, and syllables with the marks
stripped, which is the only way "dinh cong" can match "đình công". How a question is searched
(analysis, retrievers, fusion, priors, refusal) is `retrieval/`'s; this class only holds what
`index.builder` wrote, and the diacritic restorer built from the same texts.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np

from index import examples, storage
from index.builder import check_model
from index.chunking import Chunk
from index.diacritics import DiacriticRestorer, question_language
from index.embedders.base import Embedder
from index.lexical import BM25


class HybridIndex:
    def __init__(self, build: storage.BuildFiles, embedder: Embedder, path: Path | None = None) -> None:
        check_model(build.manifest, embedder)
        self.path = path
        self.manifest = build.manifest
        self.embedder = embedder
        self.chunks = [Chunk.from_dict(c) for c in build.chunks]
        self.ids = np.asarray([c.id for c in self.chunks], dtype=np.int64)
        self.position = {int(cid): i for i, cid in enumerate(self.ids)}
        self.vectors = build.vectors
        self.bm25_segmented = BM25([c["tokens"] for c in build.chunks])
        self.bm25_plain = BM25([c["plain"] for c in build.chunks])
        self.articles = {(a["doc"], a["article"], a["attachment"]): a for a in build.articles}
        self.examples = build.examples  # index.examples: questions each article answers
        self.example_vectors = (build.example_vectors if build.example_vectors is not None
                                else np.zeros((0, embedder.dim), dtype=np.float32))

    @classmethod
    def load(cls, root: Path, embedder: Embedder) -> HybridIndex:
        path = storage.current_build(root)
        return cls(storage.read_build(path), embedder, path)

    def __len__(self) -> int:
        return len(self.chunks)

    @cached_property
    def restorer(self) -> DiacriticRestorer:
        """Built on the first unaccented question (~0.5 s), from this build's own articles."""
        texts = [f"{a['heading']}\n{a['text']}" for a in self.articles.values()]
        return DiacriticRestorer(texts, question_language())

    @cached_property
    def example_articles(self) -> tuple[np.ndarray, np.ndarray]:
        """Which article each example points at and which article each chunk belongs to, as slots
        0…n−1 over the articles that have examples (−1: a chunk of an article without any); what
        `retrieval.candidates.ExampleRetriever` spreads a score over."""
        keys = list(dict.fromkeys(examples.key(e) for e in self.examples))
        slot = {k: n for n, k in enumerate(keys)}
        which = np.asarray([slot[examples.key(e)] for e in self.examples], dtype=np.int64)
        chunk_slot = np.asarray([slot.get(c.article_key, -1) for c in self.chunks], dtype=np.int64)
        return which, chunk_slot

    def article(self, chunk: Chunk) -> dict | None:
        """The whole article a chunk belongs to ("Xem toàn văn Điều …")."""
        return self.articles.get(chunk.article_key)
