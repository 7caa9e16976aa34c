"""BM25 over pre-tokenised chunks.

Our own small implementation on a SciPy sparse matrix rather than a library, because adding or
removing one document must not rebuild anything expensive: the statistics are recomputed from
the stored tokens in milliseconds, and no embedding is touched.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import sparse


class BM25:
    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        lengths = np.zeros(len(docs), dtype=np.float32)
        for i, tokens in enumerate(docs):
            lengths[i] = len(tokens)
            for term, tf in Counter(tokens).items():
                j = self.vocab.setdefault(term, len(self.vocab))
                rows.append(i)
                cols.append(j)
                vals.append(tf)
        n = len(docs)
        tf = sparse.csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=(n, len(self.vocab)))
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=len(self.vocab)).astype(np.float32)
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        avg = float(lengths.mean()) if n else 1.0
        norm = k1 * (1 - b + b * lengths / max(avg, 1e-9))
        tf = tf.tocoo()
        weighted = tf.data * (k1 + 1) / (tf.data + norm[tf.row])
        # Term-major so a query touches only its own terms' columns.
        self.matrix = sparse.csc_matrix((weighted.astype(np.float32), (tf.row, tf.col)), shape=tf.shape)
        self.size = n

    def matched_idf(self, query: list[str]) -> tuple[np.ndarray, float]:
        """Per chunk, the summed IDF of the distinct query terms it contains; and the query's total IDF,
        an unseen term counting as the rarest (a question about what no chunk mentions is uncovered)."""
        out = np.zeros(self.size, dtype=np.float32)
        top = float(self.idf.max()) if self.idf.size else 1.0
        total = 0.0
        for term in set(query):
            j = self.vocab.get(term)
            if j is None:
                total += top
                continue
            total += float(self.idf[j])
            out[self.matrix.getcol(j).indices] += self.idf[j]
        return out, total

    def idf_of(self, term: str) -> float:
        j = self.vocab.get(term)
        return float(self.idf[j]) if j is not None else (float(self.idf.max()) if self.idf.size else 1.0)

    def scores(self, query: list[str]) -> np.ndarray:
        out = np.zeros(self.size, dtype=np.float32)
        for term, count in Counter(query).items():
            j = self.vocab.get(term)
            if j is None:
                continue
            col = self.matrix.getcol(j)
            out[col.indices] += self.idf[j] * col.data * min(count, 2)
        return out
