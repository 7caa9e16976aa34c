"""Embeddings remembered by (model, exact text), so nothing is embedded twice.

Embedding the bundled knowledge base (~14,000 chunks) takes a quarter of an hour on two cores;
the vectors only change when the model or the text does. The builder therefore looks every
chunk up here first and embeds only the misses. Two layers are read:

- the shipped cache, `knowledge_base/embeddings/<model_id>.npz`, made by the maintainers with the
  same bundled model (`python -m index.vector_cache`), so a fresh install answers in seconds;
- the local cache in the data directory, which grows with every build, upload and edit.

A key is a hash of the model id and the text; a stale entry can only miss, never mislead.
Vectors are kept as float16 (cosine error ~1e-3, far below the gaps between ranked results).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "knowledge_base" / "embeddings"


def text_key(model_id: str, text: str) -> bytes:
    return hashlib.blake2b(f"{model_id}\0{text}".encode(), digest_size=16).digest()


def _file_name(model_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in model_id) + ".npz"


class VectorCache:
    def __init__(self, model_id: str, dim: int, local_dir: Path | None, shipped_dir: Path = SHIPPED_DIR) -> None:
        self.model_id, self.dim = model_id, dim
        self.local_path = local_dir / _file_name(model_id) if local_dir else None
        self._table: dict[bytes, np.ndarray] = {}
        self._dirty = False
        for path in (shipped_dir / _file_name(model_id), self.local_path):
            if path is not None and path.exists():
                self._load(path)

    def _load(self, path: Path) -> None:
        with np.load(path) as data:
            if data["vectors"].shape[1:] != (self.dim,):
                return  # another dimension: not this model's space, ignore rather than mislead
            keys = data["keys"]
            vectors = data["vectors"]
        for key, vec in zip(keys, vectors, strict=True):
            self._table[key.tobytes()] = vec

    def __len__(self) -> int:
        return len(self._table)

    def embed(self, texts: list[str], compute, show_progress: bool = False) -> np.ndarray:
        """Vectors for `texts`, calling `compute(list[str]) -> ndarray` only for texts not cached."""
        keys = [text_key(self.model_id, t) for t in texts]
        missing = sorted({i for i, k in enumerate(keys) if k not in self._table})
        unique: dict[bytes, int] = {}
        for i in missing:
            unique.setdefault(keys[i], i)
        if unique:
            fresh = compute([texts[i] for i in unique.values()], show_progress)
            for key, vec in zip(unique, fresh, strict=True):
                self._table[key] = vec.astype(np.float16)
            self._dirty = True
        out = np.stack([self._table[k].astype(np.float32) for k in keys]) if keys else np.zeros((0, self.dim))
        # Re-normalise: float16 storage shifts norms by ~1e-4, and the index assumes unit vectors.
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.maximum(norms, 1e-12)).astype(np.float32)

    def save(self, path: Path | None = None) -> None:
        """Write atomically; a crash leaves the previous cache, never half of one."""
        path = path or self.local_path
        if path is None or (not self._dirty and path == self.local_path):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.frombuffer(b"".join(self._table), dtype=np.dtype("V16")) if self._table else np.zeros(0, "V16")
        vectors = np.stack(list(self._table.values())) if self._table else np.zeros((0, self.dim), np.float16)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=path.parent)
        os.close(fd)
        np.savez(tmp, keys=keys, vectors=vectors)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; other users (a service account) must read it
        os.replace(tmp, path)
        self._dirty = False


def ship(texts: list[str], embedder, cache: VectorCache, path: Path) -> int:
    """Write exactly the vectors of `texts` (the bundled chunks) to the shipped cache file."""
    cache.embed(texts, lambda missing, bar: embedder.embed_passages(missing, show_progress=bar), show_progress=True)
    cache.save()
    subset = VectorCache(cache.model_id, cache.dim, None, shipped_dir=Path("/nonexistent"))
    for text in texts:
        key = text_key(cache.model_id, text)
        subset._table[key] = cache._table[key]
    subset._dirty = True
    subset.save(path)
    return len(subset)


def main() -> None:
    """Refresh the shipped vectors after `python -m knowledge_base.bundle` changed the documents, or
    index/data/cau_hoi_theo_dieu.jsonl its example questions."""
    import argparse

    from index import examples
    from index.chunking import chunk_document
    from index.embedders import load_embedder
    from knowledge_base.store import load_all

    parser = argparse.ArgumentParser(description="Ghi vectơ của kho văn bản đóng gói (dành cho người bảo trì)")
    parser.add_argument("--cache-dir", type=Path, help="bộ đệm cục bộ dùng lại giữa các lần chạy")
    args = parser.parse_args()
    embedder = load_embedder()
    chunks = [c for doc in load_all() for c in chunk_document(doc)[0]]
    texts = [c.embedding_text() for c in chunks]
    cache = VectorCache(embedder.model_id, embedder.dim, args.cache_dir)
    # The example questions of the bundled articles, embedded as questions (index.examples).
    questions = examples.cache_texts(examples.for_build([c.to_dict() for c in chunks]))
    cache.embed(questions, examples.computer(embedder), show_progress=True)
    texts += questions
    target = SHIPPED_DIR / _file_name(embedder.model_id)
    print(f"{ship(texts, embedder, cache, target)} vectors → {target}")


if __name__ == "__main__":
    main()
