"""Building the index: whole, or one document at a time.

A full build embeds every chunk. Adding or removing a document starts from the build in
service, embeds only that document's chunks, recomputes BM25 from stored tokens and writes a
new build — so an admin's upload costs seconds, not a re-embedding of the corpus.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

import numpy as np

from index import examples, storage
from index.chunking import Chunk, chunk_document
from index.embedders.base import Embedder
from index.text import plain_words, segmented_words
from index.vector_cache import VectorCache
from knowledge_base.model import Document
from knowledge_base.store import render


def document_hash(doc: Document) -> str:
    return hashlib.sha256(render(doc).encode("utf-8")).hexdigest()[:16]


def corpus_hash(doc_hashes: Iterable[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for doc_id, h in sorted(doc_hashes):
        digest.update(f"{doc_id}\0{h}\n".encode())
    return digest.hexdigest()[:16]


def _prepare(doc: Document, next_id: int) -> tuple[list[dict], list[dict]]:
    chunks, articles = chunk_document(doc)
    rows = []
    for offset, chunk in enumerate(chunks):
        chunk.id = next_id + offset
        row = chunk.to_dict()
        # Headings repeat across a document's chunks; segmenting them once halves pyvi's time.
        row["tokens"] = _segmented_heading(chunk.context) + segmented_words(chunk.text)
        row["plain"] = plain_words(f"{chunk.context}\n{chunk.text}")
        rows.append(row)
    return rows, [asdict(a) for a in articles]


@lru_cache(maxsize=4096)
def _segmented_heading(text: str) -> list[str]:
    return segmented_words(text)


Report = Callable[[str], None]
_REPORT_BATCH = 256


def _embed(embedder: Embedder, rows: list[dict], progress: bool, cache: VectorCache,
           report: Report | None = None) -> np.ndarray:
    texts = [Chunk.from_dict(r).embedding_text() for r in rows]
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)

    def embed_missing(missing: list[str], bar: bool) -> np.ndarray:
        if report is None:
            return embedder.embed_passages(missing, show_progress=bar)
        parts = []
        for start in range(0, len(missing), _REPORT_BATCH):
            report(f"Đang tính vectơ cho đoạn mới: {start}/{len(missing)}")
            parts.append(embedder.embed_passages(missing[start : start + _REPORT_BATCH], show_progress=bar))
        return np.vstack(parts)

    vectors = cache.embed(texts, embed_missing, show_progress=progress)
    cache.save()
    return vectors


def _manifest(model_id: str, dim: int, docs_meta: dict[str, dict], chunks: list[dict],
              articles: list[dict]) -> storage.Manifest:
    return storage.Manifest(
        model_id=model_id,
        dim=dim,
        corpus_hash=corpus_hash((d, m["hash"]) for d, m in docs_meta.items()),
        built_at=storage.Manifest.now(),
        counts={"documents": len(docs_meta), "chunks": len(chunks), "articles": len(articles)},
        documents=docs_meta,
    )


def _doc_meta(doc: Document, n_chunks: int) -> dict:
    return {"hash": document_hash(doc), "chunks": n_chunks, "status": doc.validity.status.value,
            "title": doc.display_name, "type": doc.doc_type, "subject": doc.title, "scope": doc.scope,
            "validity": doc.validity.label, "note": doc.validity.note, "replaces": list(doc.validity.replaces),
            "superseded_by": list(doc.validity.superseded_by),
            "name": doc.name}


def build(root: Path, documents: list[Document], embedder: Embedder, progress: bool = False,
          cache_dir: Path | None = None, report: Report | None = None, publish: bool = True) -> Path:
    """Build from scratch and swap it in atomically. The old index serves until the swap.

    `report` receives short Vietnamese progress lines (a chat admin watches one message being edited).
    """
    chunks: list[dict] = []
    articles: list[dict] = []
    docs_meta: dict[str, dict] = {}
    for doc in documents:
        rows, arts = _prepare(doc, len(chunks))
        chunks += rows
        articles += arts
        docs_meta[doc.id] = _doc_meta(doc, len(rows))
    if report:
        report(f"Đã đọc {len(documents)} văn bản, {len(chunks)} đoạn; đang lấy vectơ…")
    # One vector cache for the chunks and the example questions: the shipped file is read once.
    cache = VectorCache(embedder.model_id, embedder.dim, cache_dir)
    vectors = _embed(embedder, chunks, progress, cache, report)
    if report:
        report("Đang ghi chỉ mục mới…")
    index = storage.new_vector_index(embedder.dim)
    storage.add_vectors(index, [c["id"] for c in chunks], vectors)
    manifest = _manifest(embedder.model_id, embedder.dim, docs_meta, chunks, articles)
    files = storage.BuildFiles(manifest, chunks, articles, index)
    return storage.write_build(root, _with_examples(files, embedder, cache), publish=publish)


def add_document(root: Path, doc: Document, embedder: Embedder, progress: bool = False,
                 cache_dir: Path | None = None, *, drop: tuple[str, ...] = (), publish: bool = True) -> Path:
    """Add (or replace) one document without re-embedding the others; `drop` removes other ids too
    (the old spelling of a number the new document replaces)."""
    current = storage.read_build(storage.current_build(root))
    check_model(current.manifest, embedder)
    files = current
    for doc_id in {doc.id, *drop}:
        files = _without(files, doc_id)
    next_id = max((c["id"] for c in files.chunks), default=-1) + 1
    rows, arts = _prepare(doc, next_id)
    cache = VectorCache(embedder.model_id, embedder.dim, cache_dir)
    storage.add_vectors(files.vectors, [r["id"] for r in rows], _embed(embedder, rows, progress, cache))
    files.chunks += rows
    files.articles += arts
    docs_meta = {k: v for k, v in files.manifest.documents.items() if k not in drop}
    docs_meta[doc.id] = _doc_meta(doc, len(rows))
    files.manifest = _manifest(embedder.model_id, embedder.dim, docs_meta, files.chunks, files.articles)
    return storage.write_build(root, _with_examples(files, embedder, cache), publish=publish)


def remove_document(root: Path, doc_id: str, *, publish: bool = True) -> Path:
    """Remove one document (an id the index does not have changes nothing); no model is needed."""
    current = storage.read_build(storage.current_build(root))
    files = _without(current, doc_id)
    docs_meta = {k: v for k, v in current.manifest.documents.items() if k != doc_id}
    old = current.manifest
    files.manifest = _manifest(old.model_id, old.dim, docs_meta, files.chunks, files.articles)
    return storage.write_build(root, files, publish=publish)


def _without(files: storage.BuildFiles, doc_id: str) -> storage.BuildFiles:
    drop = [c["id"] for c in files.chunks if c["doc"] == doc_id]
    if drop:
        files.vectors.remove_ids(np.asarray(drop, dtype=np.int64))
    keep = [i for i, e in enumerate(files.examples) if e["doc"] != doc_id]
    return storage.BuildFiles(
        manifest=files.manifest,
        chunks=[c for c in files.chunks if c["doc"] != doc_id],
        articles=[a for a in files.articles if a["doc"] != doc_id],
        vectors=files.vectors,
        examples=[files.examples[i] for i in keep],
        example_vectors=None if files.example_vectors is None else files.example_vectors[keep],
    )


def _with_examples(files: storage.BuildFiles, embedder: Embedder, cache: VectorCache) -> storage.BuildFiles:
    """The example questions of the build's articles (index.examples), read afresh from the shipped
    file: a document added back, or a new version of a law, gets them; their vectors are cached."""
    rows = examples.for_build(files.chunks)
    files.examples, files.example_vectors = rows, examples.embed(embedder, rows, cache)
    return files


def check_model(manifest: storage.Manifest, embedder: Embedder) -> None:
    if manifest.model_id != embedder.model_id or manifest.dim != embedder.dim:
        raise storage.IndexMismatch(
            f"Chỉ mục được xây bằng mô hình '{manifest.model_id}' ({manifest.dim} chiều), nhưng cấu hình "
            f"hiện tại dùng '{embedder.model_id}' ({embedder.dim} chiều). Xây lại chỉ mục: "
            "conduct-bot index build"
        )

