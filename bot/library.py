"""The knowledge base in service and its index, as one object the CLI and the chat channels share.

The bundled documents are copied into the data directory on first use; from then on the data
directory is the truth, so an admin's upload or correction survives an upgrade of the package.
Every process re-opens the index when another process (a `/reindex`, an `index add`) has swapped
in a new build, so several bot workers sharing one index directory stay consistent.
"""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

from bot.config import Settings
from index import builder, storage
from index.embedders import load_embedder
from index.embedders.base import Embedder
from index.searcher import HybridIndex
from knowledge_base import store
from knowledge_base.model import Document


class Library:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder: Embedder | None = None
        self._index: HybridIndex | None = None
        self._index_name: str | None = None
        self._lock = threading.RLock()

    # ------------------------------------------------------------ model and documents

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            s = self.settings
            self._embedder = load_embedder(
                s.embedding_model,
                runtime=s.embedding_runtime,
                segment=s.segment_for_embedding,
                query_prefix=s.query_prefix,
                passage_prefix=s.passage_prefix,
            )
        return self._embedder

    def ensure_knowledge_base(self) -> Path:
        kb = self.settings.kb_dir
        if not any(kb.glob("*.md")):
            kb.mkdir(parents=True, exist_ok=True)
            for path in store.BUNDLED_DIR.glob("*.md"):
                shutil.copy2(path, kb / path.name)
        return kb

    def documents(self) -> list[Document]:
        return store.load_all(self.ensure_knowledge_base())

    def document(self, doc_id: str) -> Document | None:
        path = self.ensure_knowledge_base() / store.file_name(doc_id)
        return store.load(path) if path.exists() else None

    # ------------------------------------------------------------ index lifecycle

    def ensure_index(self, progress: bool = True) -> None:
        """Build the index on first use, so `ask` works on a fresh machine with no extra step."""
        if storage.current_name(self.settings.index_dir) is None:
            if progress:
                print("Đang xây chỉ mục lần đầu (vài phút)…", file=sys.stderr)
            self.rebuild(progress=progress)

    def rebuild(self, progress: bool = False) -> Path:
        with self._lock:
            return builder.build(self.settings.index_dir, self.documents(), self.embedder, progress=progress,
                                 cache_dir=self.settings.cache_dir)

    def add(self, doc: Document, progress: bool = False) -> Path:
        """Save a document into the knowledge base and index it incrementally."""
        with self._lock:
            self.ensure_index(progress)
            store.save(doc, self.ensure_knowledge_base())
            return builder.add_document(self.settings.index_dir, doc, self.embedder, progress=progress,
                                        cache_dir=self.settings.cache_dir)

    def remove(self, doc_id: str) -> bool:
        with self._lock:
            path = self.ensure_knowledge_base() / store.file_name(doc_id)
            if not path.exists():
                return False
            builder.remove_document(self.settings.index_dir, doc_id)
            path.unlink()
            return True

    @property
    def index(self) -> HybridIndex:
        """The index in service, re-opened if another process swapped in a new build."""
        root = self.settings.index_dir
        name = storage.current_name(root)
        if self._index is None or name != self._index_name:
            with self._lock:
                self._index = HybridIndex.load(root, self.embedder)
                self._index_name = name
        return self._index
