"""The knowledge base in service and its index, as one object the CLI and the chat channels share.

The bundled documents are copied into the data directory, and the data directory is the truth: an
admin's upload, correction or removal survives an upgrade of the package, while a bundled document
nobody touched takes the new release's version (`knowledge_base.bundled`). The index follows the
documents: when they no longer match it, it is rebuilt before the first question.
Every process re-opens the index when another process (a `/reindex`, an `index add`) has swapped
in a new build, so several bot workers sharing one index directory stay consistent.
"""

from __future__ import annotations

import fcntl
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from bot.config import Settings
from bot.quiz import bank
from index import builder, storage
from index.embedders import load_embedder
from index.embedders.base import Embedder
from index.searcher import HybridIndex
from knowledge_base import bundled, store
from knowledge_base.model import Document, Status, Validity

log = logging.getLogger(__name__)


class Library:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder: Embedder | None = None
        self._index: HybridIndex | None = None
        self._index_name: str | None = None
        self._lock = threading.RLock()
        self._quiz: tuple[tuple, bank.Bank] | None = None
        self._synced = self._quiz_synced = False

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
        if not self._synced:
            report = bundled.sync(kb)
            self._synced = True
            if report.updated or report.kept:
                log.info("bundled documents: %d updated from this release, %d kept as changed here (%s)",
                         len(report.updated), len(report.kept), ", ".join(report.kept[:5]))
        return kb

    # ------------------------------------------------------------ quiz bank

    @property
    def quiz_dir(self) -> Path:
        """The bank in service sits beside the documents it cites; trainers may edit it (`knowledge_base.bundled`)."""
        directory = self.settings.kb_dir / "quiz"
        if not self._quiz_synced:
            bundled.sync(directory, bank.BUNDLED_DIR, "*.yaml")
            self._quiz_synced = True
        return directory

    def quiz_bank(self) -> bank.Bank:
        """The validated bank, re-read when an admin edits a bank file or the knowledge base changes."""
        directory = self.quiz_dir
        stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.yaml")))
        stamp += (storage.current_name(self.settings.index_dir),)
        with self._lock:
            if self._quiz is None or self._quiz[0] != stamp:
                documents = {d.id: d for d in self.documents()}
                self._quiz = (stamp, bank.load(directory, documents))
            return self._quiz[1]

    def documents(self) -> list[Document]:
        return store.load_all(self.ensure_knowledge_base())

    def document(self, doc_id: str) -> Document | None:
        path = self.ensure_knowledge_base() / store.file_name(doc_id)
        return store.load(path) if path.exists() else None

    # ------------------------------------------------------------ index lifecycle

    def ensure_index(self, progress: bool = True) -> None:
        """Build the index on first use, so `ask` works on a fresh machine with no extra step, and
        rebuild it when the documents changed under it (a release, or a file fixed by hand)."""
        if storage.current_name(self.settings.index_dir) is None:
            if progress:
                print("Đang xây chỉ mục lần đầu (vài phút)…", file=sys.stderr)
            self.rebuild(progress=progress)
        elif not self._index_matches(self.documents()):
            with self._writing():
                documents = self.documents()
                if self._index_matches(documents):  # another worker got there first
                    return
                if progress:
                    print("Văn bản đã thay đổi so với chỉ mục: đang cập nhật chỉ mục…", file=sys.stderr)
                self._build(documents, progress)

    def _index_matches(self, documents: list[Document]) -> bool:
        manifest = storage.read_manifest(storage.current_build(self.settings.index_dir))
        indexed = {doc_id: meta["hash"] for doc_id, meta in manifest.documents.items()}
        return indexed == {d.id: builder.document_hash(d) for d in documents}

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time across threads *and* worker processes sharing the data directory.

        Each change reads the current build and writes the next one; two writers at once would
        each miss the other's change. Readers never wait: they keep the build they have.
        """
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.settings.data_dir / ".write.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def rebuild(self, progress: bool = False, report: builder.Report | None = None) -> Path:
        with self._writing():
            return self._build(self.documents(), progress, report)

    def _build(self, documents: list[Document], progress: bool, report: builder.Report | None = None) -> Path:
        """A full build; the caller holds the write lock."""
        return builder.build(self.settings.index_dir, documents, self.embedder, progress=progress,
                             cache_dir=self.settings.cache_dir, report=report)

    def add(self, doc: Document, progress: bool = False) -> Path:
        """Save a document into the knowledge base and index it incrementally."""
        self.ensure_index(progress)
        with self._writing():
            store.save(doc, self.ensure_knowledge_base())
            return builder.add_document(self.settings.index_dir, doc, self.embedder, progress=progress,
                                        cache_dir=self.settings.cache_dir)

    def remove(self, doc_id: str) -> bool:
        with self._writing():
            path = self.ensure_knowledge_base() / store.file_name(doc_id)
            if not path.exists():
                return False
            builder.remove_document(self.settings.index_dir, doc_id)
            path.unlink()
            return True

    def set_status(self, doc_id: str, status: Status, superseded_by: list[str] | None = None,
                   note: str = "") -> Document:
        """Record a validity change (e.g. superseded by a new decree) and re-index that document only.

        Its chunks carry the status, which the answers print and the ranking uses.
        """
        doc = self.document(doc_id)
        if doc is None:
            raise KeyError(doc_id)
        validity = Validity(status=status, note=note or doc.validity.note,
                            superseded_by=superseded_by if superseded_by is not None else doc.validity.superseded_by,
                            replaces=doc.validity.replaces)
        updated = replace(doc, validity=validity)
        self.add(updated)
        return updated

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
