"""The knowledge base in service and its index, as one object the CLI and the chat channels share.

The bundled documents are copied into the data directory, and the data directory is the truth: an
admin's upload, correction or removal survives an upgrade of the package, while a bundled document
nobody touched takes the new release's version (`knowledge_base.bundled`). The index follows the
documents: when they no longer match it, it is rebuilt before the first question.
Every process re-opens the index when another process (a `/reindex`, an `index add`) has swapped
in a new build, so several bot workers sharing one index directory stay consistent.

Every change to the knowledge base is a transaction, in this order, under one write lock:

1. check the document completely (`knowledge_base.validation`: metadata, structure, limits, and
   that it can be saved and read back) — nothing is written before this passes;
2. write the new index build aside, unpublished;
3. write the new file in the staging folder (same file system, never loaded);
4. copy the outgoing version, if any, into the history;
5. commit: rename the staged file over the served one (or delete the removed one) — atomic;
6. publish the new index build — atomic.

A kill before 5 leaves the documents as they were (a stray build and staged file are removed at
the next start); a kill between 5 and 6 leaves documents that an unpublished build already matches,
and the next start publishes it. Either way every worker keeps answering, and nothing is lost.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from bot import faults
from bot.config import Settings
from bot.quiz import bank, editing
from index import builder, storage, thesaurus
from index.chunking import chunk_document
from index.embedders import load_embedder
from index.embedders.base import Embedder
from index.searcher import HybridIndex
from knowledge_base import bundled, ids, store, validation, validity
from knowledge_base.history import History, Version
from knowledge_base.limits import Limits
from knowledge_base.limits import default as default_limits
from knowledge_base.model import Document, Kind, Status, Validity
from knowledge_base.provisions import Ref, UnknownProvision, resolve

log = logging.getLogger(__name__)
REGRESSION_FILE = "regression.jsonl"  # questions an admin linked to their right provision (eval format)


class KnowledgeBaseError(Exception):
    """A change that was refused; the message is for the admin, in Vietnamese, and names no server path."""


class DocumentExists(KnowledgeBaseError):
    """The number is taken: replacing it must be asked for."""

    def __init__(self, existing: Document | None, file_name: str) -> None:
        self.existing = existing
        self.file_name = file_name
        if existing is None:
            what = f"tệp {file_name} (đang lỗi, không đọc được)"
        else:
            what = f"{existing.display_name} ({articles(existing)} điều)"
        super().__init__(f"Số hiệu này đã có trong cơ sở tri thức: {what}; văn bản đó không bị thay.")


class UnknownDocument(KnowledgeBaseError):
    def __init__(self, doc_id: str) -> None:
        self.doc_id = doc_id
        super().__init__(f"Không có văn bản số hiệu “{doc_id}” trong cơ sở tri thức.")


class UnknownVersion(KnowledgeBaseError):
    def __init__(self, doc_id: str, number: int | None) -> None:
        which = f"bản số {number} của " if number is not None else "bản cũ nào của "
        super().__init__(f"Không có {which}“{doc_id}” trong lịch sử.")


@dataclass(frozen=True)
class Change:
    """What a committed change did: the document now served (None after a removal) and the kept version."""

    document: Document | None
    previous: Document | None
    kept: Version | None


def articles(doc: Document) -> int:
    """The size of a document as admins count it: its Điều (or a directive's numbered items)."""
    return sum(1 for node in doc.walk() if node.kind in (Kind.ARTICLE, Kind.ITEM))


class Library:
    def __init__(self, settings: Settings, limits: Limits | None = None) -> None:
        self.settings = settings
        self.limits = limits or default_limits()
        self.history = History(settings.history_dir)
        self._embedder: Embedder | None = None
        self._index: HybridIndex | None = None
        self._index_name: str | None = None
        self._lock = threading.RLock()  # in-process caches: held for moments
        self._write_lock = threading.RLock()  # one writer thread in this process; see _writing
        self._held = threading.local()
        self._quiz: tuple[tuple, bank.Bank] | None = None
        self._synced = self._quiz_synced = self._recovered = False
        self._scan: tuple[tuple, store.Scan] | None = None
        self._reported: set[tuple[str, str]] = set()
        self.validity = validity.Source(settings.data_dir / validity.ADMIN_FILE)

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
            with self._writing():  # an admin's change committed meanwhile must not be overwritten
                report = bundled.sync(kb)
            self._synced = True
            if report.updated or report.kept:
                log.info("bundled documents: %d updated from this release, %d kept as changed here (%s)",
                         len(report.updated), len(report.kept), ", ".join(report.kept[:5]))
        return kb

    def scan(self) -> store.Scan:
        """The documents in service and the files skipped (unreadable, invalid, duplicate), cached
        until a file changes; a skipped file is logged once per process."""
        kb = self.ensure_knowledge_base()
        stamp = tuple((p.name, st.st_mtime_ns, st.st_size) for p in store.document_files(kb)
                      if (st := _stat(p)) is not None)
        with self._lock:
            if self._scan is None or self._scan[0] != stamp:
                self._scan = (stamp, self._checked(store.scan(kb)))
            result = self._scan[1]
        for skipped in result.skipped:
            if (skipped.path.name, skipped.reason) not in self._reported:
                self._reported.add((skipped.path.name, skipped.reason))
                log.warning("knowledge base: skipping %s: %s", skipped.path.name, skipped.reason)
        return result

    def _checked(self, result: store.Scan) -> store.Scan:
        """A file that loads but breaks the rules (a NUL in its title, 100,000 chunks) is skipped too."""
        kept = store.Scan()
        kept.skipped = list(result.skipped)
        for doc in result.documents:
            problems = validation.check(doc, self.limits, round_trip=False)
            if problems:
                kept.skipped.append(store.Skipped(result.paths[doc.id], "; ".join(problems)))
            else:
                kept.documents.append(doc)
                kept.paths[doc.id] = result.paths[doc.id]
        return kept

    def documents(self) -> list[Document]:
        return self.scan().documents

    def skipped(self) -> list[store.Skipped]:
        """Files in the knowledge base that are not served, and why: for `index info`, `/docs` and admins."""
        return self.scan().skipped

    def document(self, doc_id: str) -> Document | None:
        found = self._find(self.scan(), doc_id)
        return found[0] if found else None

    @staticmethod
    def _find(result: store.Scan, doc_id: str) -> tuple[Document, Path] | None:
        """The document with this id, however the admin spelled it ("80-2025-qh15" finds 80/2025/QH15)."""
        wanted = ids.loose_key(doc_id)
        for doc in result.documents:
            if ids.key(doc.id) == wanted:
                return doc, result.paths[doc.id]
        return None

    # ------------------------------------------------------------ validity register

    def register(self) -> validity.Register:
        """The validity register in service: the curated entries and the admins' (re-read when changed)."""
        return self.validity.get()

    def add_change(self, change: validity.Change, *, actor: str) -> validity.Change:
        """Record a change to one unit in the admins' register file, atomically.

        KnowledgeBaseError when the unit (or the current rule it names) is not in the knowledge base,
        when the same change is already recorded, or when the admins' file no longer reads (it is then
        left as it is, for a person to repair). The next answer reads the entry; no reindex is needed.
        """
        documents = {d.id: d for d in self.documents()}
        change = replace(change, unit=_as_stored(change.unit, documents),
                         current=_as_stored(change.current, documents) if change.current else None)
        wrong = validity.problems(validity.Register([change]), documents)
        if wrong:
            raise KnowledgeBaseError("Không ghi nhận được: " + "; ".join(wrong) + ".")
        path = self.settings.data_dir / validity.ADMIN_FILE
        with self._writing():
            try:
                existing = validity.load([path]).changes
            except validity.RegisterError as exc:
                raise KnowledgeBaseError(f"{exc} Hãy sửa tệp này trước khi thêm mục mới.") from exc
            if any(c.unit == change.unit and c.change == change.change and c.by == change.by for c in existing):
                raise KnowledgeBaseError(f"Thay đổi này của {change.unit.label()} {change.unit.doc} đã được ghi nhận.")
            recorded = replace(change, recorded_by=actor)
            store.replace_file(path, validity.dump([*existing, recorded], path))
        return recorded

    # ------------------------------------------------------------ quiz bank

    @property
    def quiz_dir(self) -> Path:
        """The bank in service sits beside the documents it cites; trainers may edit it (`knowledge_base.bundled`)."""
        directory = self.settings.kb_dir / "quiz"
        if not self._quiz_synced:
            with self._writing():
                bundled.sync(directory, bank.BUNDLED_DIR, "*.yaml")
            self._quiz_synced = True
        return directory

    def quiz_bank(self) -> bank.Bank:
        """The validated bank, re-read when an admin edits a bank file or the knowledge base changes."""
        directory = self.quiz_dir
        stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.yaml")))
        stamp += (storage.current_name(self.settings.index_dir),)
        register = self.register()
        stamp += (id(register),)  # the Source hands out a new register when a file changed
        with self._lock:
            if self._quiz is None or self._quiz[0] != stamp:
                documents = {d.id: d for d in self.documents()}
                self._quiz = (stamp, bank.load(directory, documents, register))
            return self._quiz[1]

    def edit_quiz(self, work: Callable[[editing.Editor, dict[str, Document]], editing.QuizQuestion]
                  ) -> editing.QuizQuestion:
        """One change to the bank files, under the write lock: another worker may be editing too."""
        with self._writing():
            return work(editing.Editor(self.quiz_dir), {d.id: d for d in self.documents()})

    # ------------------------------------------------------------ what admins teach search

    def wording(self) -> tuple[Path, ...]:
        """The admins' everyday-wording file, read beside the shipped one on every question."""
        return (self.settings.data_dir / thesaurus.ADMIN_FILE,)

    def add_wording(self, phrase: str, terms: str, *, actor: str) -> str:
        """Append one "phrase | terms" line to the admins' wording file (atomically); returns the line."""
        phrase, terms = " ".join(phrase.split()), " ".join(terms.split())
        wrong = thesaurus.line_problems(phrase, terms)
        if wrong:
            raise KnowledgeBaseError("Chưa thêm được: " + "; ".join(wrong) + ".")
        path = self.wording()[0]
        with self._writing():
            text = path.read_text(encoding="utf-8") if path.exists() else (
                "# Cách nói thường ngày | thuật ngữ pháp lý, do quản trị viên thêm (xem index/data)\n")
            known = {said.lower() for source in (thesaurus.THESAURUS, path) if source.exists()
                     for said, _ in thesaurus.entries(source)}
            if phrase.lower() in known:
                raise KnowledgeBaseError(f"Cụm từ “{phrase}” đã có trong danh sách.")
            line = f"{phrase} | {terms}"
            note = f"# {actor}, {date.today().strftime('%d/%m/%Y')}"
            store.replace_file(path, (text.rstrip("\n") + f"\n{note}\n{line}\n").encode("utf-8"))
        return line

    def add_regression(self, question: str, provision: Ref, *, actor: str) -> dict:
        """Keep a question with the provision that answers it, for `conduct-bot eval` (shared/eval format)."""
        documents = {d.id: d for d in self.documents()}
        provision = _as_stored(provision, documents)
        try:
            resolve(provision, documents)
        except UnknownProvision as exc:
            raise KnowledgeBaseError(f"Không tìm thấy quy định này trong kho: {exc}.") from exc
        path = self.settings.data_dir / REGRESSION_FILE
        with self._writing():
            lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
            if any(json.loads(line).get("question") == question for line in lines if line.strip()):
                raise KnowledgeBaseError("Câu hỏi này đã có trong bộ câu hỏi kiểm thử.")
            case = {"id": f"r{len(lines) + 1:03d}", "question": question, "gold": [provision.to_dict()],
                    "kind": "admin_linked", "note": f"gắn bởi {actor}"}
            lines.append(json.dumps(case, ensure_ascii=False))
            store.replace_file(path, ("\n".join(lines) + "\n").encode("utf-8"))
        return case

    # ------------------------------------------------------------ index lifecycle

    def recover(self) -> list[Path]:
        """Once per process, before the first read: remove what a killed writer left behind.

        Under the write lock, so a writer in another worker is never mid-way through what is removed.
        """
        if self._recovered:
            return []
        removed: list[Path] = []
        with self._writing():
            kb = self.ensure_knowledge_base()
            removed += storage.clean(self.settings.index_dir)
            removed += self.history.clean()
            for leftover in [*kb.glob(".*.tmp"), *kb.glob(".tmp-*")]:  # .tmp-*.md: written by older versions
                leftover.unlink(missing_ok=True)
                removed.append(leftover)
            if self.settings.staging_dir.exists():
                removed.append(self.settings.staging_dir)
                shutil.rmtree(self.settings.staging_dir, ignore_errors=True)
            self._recovered = True
        if removed:
            log.info("removed %d leftovers of an interrupted change: %s", len(removed),
                     ", ".join(p.name for p in removed[:5]))
        return removed

    def ensure_index(self, progress: bool = True) -> None:
        """Build the index on first use, so `ask` works on a fresh machine with no extra step, and
        bring it in line with the documents when they changed under it (a release, a file fixed by
        hand, a change interrupted between commit and publish)."""
        self.recover()
        if storage.current_name(self.settings.index_dir) is None:
            if progress:
                print("Đang xây chỉ mục lần đầu (vài phút)…", file=sys.stderr)
            self.rebuild(progress=progress)
            return
        if self._index_matches(self._current_manifest(), self._expected()):
            return
        with self._writing():
            expected = self._expected()
            if self._index_matches(self._current_manifest(), expected):  # another worker got there first
                return
            waiting = self._matching_unpublished(expected)
            if waiting is not None:
                log.info("publishing build %s, which an interrupted change left unpublished", waiting.name)
                storage.publish_build(self.settings.index_dir, waiting)
                return
            if progress:
                print("Văn bản đã thay đổi so với chỉ mục: đang cập nhật chỉ mục…", file=sys.stderr)
            self._build(self.documents(), progress)

    def _current_manifest(self) -> storage.Manifest:
        return storage.read_manifest(storage.current_build(self.settings.index_dir))

    def _expected(self) -> tuple[dict[str, str], set[str]]:
        """The hash of every document in service, and the file names of the skipped ones."""
        result = self.scan()
        return ({d.id: builder.document_hash(d) for d in result.documents},
                {s.path.name.lower() for s in result.skipped})

    @staticmethod
    def _index_matches(manifest: storage.Manifest, expected: tuple[dict[str, str], set[str]]) -> bool:
        """The index serves exactly the documents on disk. A file that went bad after it was indexed
        keeps serving its last good version (it is reported, not silently dropped)."""
        hashes, broken = dict(expected[0]), expected[1]
        indexed = {doc_id: meta["hash"] for doc_id, meta in manifest.documents.items()}
        for doc_id, digest in indexed.items():
            if doc_id not in hashes and ids.loose_key(doc_id) in broken:
                hashes[doc_id] = digest
        return indexed == hashes

    def _matching_unpublished(self, expected: tuple[dict[str, str], set[str]]) -> Path | None:
        current = storage.current_name(self.settings.index_dir)
        for build in reversed(storage.complete_builds(self.settings.index_dir)):
            if build.name != current and self._index_matches(storage.read_manifest(build), expected):
                return build
        return None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time across threads *and* worker processes sharing the data directory.

        Each change reads the current build and writes the next one; two writers at once would
        each miss the other's change. Readers never wait: they keep the build they have.
        Re-entrant within a thread (a change may sync the bundled files first).
        """
        with self._write_lock:
            if getattr(self._held, "depth", 0):
                self._held.depth += 1
                try:
                    yield
                finally:
                    self._held.depth -= 1
                return
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            with open(self.settings.data_dir / ".write.lock", "w") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                self._held.depth = 1
                try:
                    yield
                finally:
                    self._held.depth = 0
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def rebuild(self, progress: bool = False, report: builder.Report | None = None) -> Path:
        with self._writing():
            return self._build(self.documents(), progress, report)

    def _build(self, documents: list[Document], progress: bool, report: builder.Report | None = None) -> Path:
        """A full build; the caller holds the write lock."""
        return builder.build(self.settings.index_dir, documents, self.embedder, progress=progress,
                             cache_dir=self.settings.cache_dir, report=report)

    # ------------------------------------------------------------ changes (transactions)

    def check(self, doc: Document) -> None:
        """Everything that can be known before writing: InvalidDocument with every reason."""
        problems = validation.check(doc, self.limits)
        if not problems:
            chunks = len(chunk_document(doc)[0])
            if chunks > self.limits.max_chunks:
                problems.append(f"tách ra {chunks} đoạn để tìm kiếm, vượt giới hạn {self.limits.max_chunks} "
                                "(mỗi đoạn phải được tính vectơ; hãy tách văn bản)")
        if problems:
            raise validation.InvalidDocument(problems)

    def add(self, doc: Document, *, actor: str, replace: bool = False, reason: str = "",
            action: str = "replaced", progress: bool = False) -> Change:
        """Add a document, or replace the one with the same number when `replace` is True.

        DocumentExists when the number is taken and `replace` is False; InvalidDocument when the
        document breaks a rule. On any failure the knowledge base and the index are as they were.
        """
        self.check(doc)
        self.ensure_index(progress)
        kb = self.ensure_knowledge_base()
        with self._writing():
            result = self.scan()
            found = self._find(result, doc.id)
            target = kb / ids.file_name(doc.id)
            # The number is taken by a served document, or by a file that no longer loads.
            previous, old_path = found if found else (None, _skipped_path(result, target.name))
            if old_path is not None and not replace:
                raise DocumentExists(previous, target.name)
            drop = (previous.id,) if previous is not None and previous.id != doc.id else ()
            build = builder.add_document(self.settings.index_dir, doc, self.embedder, progress=progress,
                                         cache_dir=self.settings.cache_dir, drop=drop, publish=False)
            staged = store.write(doc, self.settings.staging_dir / target.name)
            kept = self._keep(old_path, previous, action, actor, reason) if old_path else None
            faults.point("add:before-commit")
            os.replace(staged, target)
            if old_path is not None and old_path.name != target.name:
                old_path.unlink(missing_ok=True)  # the same number under another file name
            faults.point("add:before-publish")
            storage.publish_build(self.settings.index_dir, build)
            return Change(doc, previous, kept)

    def remove(self, doc_id: str, *, actor: str, reason: str = "") -> Change:
        """Take a document out of service; its file goes to the history, from where it can be restored.

        A file that cannot be read at all can be removed too (by the number its file name gives).
        """
        self.ensure_index(progress=False)
        with self._writing():
            result = self.scan()
            found = self._find(result, doc_id)
            path = found[1] if found else _skipped_path(result, ids.loose_key(doc_id))
            if path is None:
                raise UnknownDocument(doc_id)
            previous = found[0] if found else None
            indexed = storage.read_manifest(storage.current_build(self.settings.index_dir)).documents
            build = None
            if previous is not None and previous.id in indexed:
                build = builder.remove_document(self.settings.index_dir, previous.id, publish=False)
            kept = self._keep(path, previous, "removed", actor, reason)
            faults.point("remove:before-commit")
            path.unlink()
            faults.point("remove:before-publish")
            if build is not None:
                storage.publish_build(self.settings.index_dir, build)
            return Change(None, previous, kept)

    def set_status(self, doc_id: str, status: Status, superseded_by: list[str] | None = None, note: str = "",
                   *, actor: str) -> Document:
        """Record a validity change (e.g. superseded by a new decree) and re-index that document only.

        Its chunks carry the status, which the answers print and the ranking uses. UnknownDocument
        when there is no such document.
        """
        doc = self.document(doc_id)
        if doc is None:
            raise UnknownDocument(doc_id)
        validity = Validity(status=status, note=note or doc.validity.note,
                            superseded_by=superseded_by if superseded_by is not None else doc.validity.superseded_by,
                            replaces=doc.validity.replaces, basis="ghi nhận của quản trị viên",
                            as_of=date.today().strftime("%d/%m/%Y"))
        updated = replace(doc, validity=validity)
        self.add(updated, actor=actor, replace=True, action="status", reason=note)
        return updated

    def restore(self, doc_id: str, number: int | None = None, *, actor: str) -> Change:
        """Serve a kept version again; the version it replaces goes into the history in turn."""
        version = self.history.find(doc_id, number)
        if version is None:
            raise UnknownVersion(doc_id, number)
        try:
            doc = store.load(self.history.file(version))
        except (store.StoreError, OSError, UnicodeDecodeError) as exc:
            raise KnowledgeBaseError(f"Bản số {version.number} của “{version.doc_id}” trong lịch sử không đọc được, "
                                     "không khôi phục.") from exc
        return self.add(doc, actor=actor, replace=True, action="restored",
                        reason=f"khôi phục bản số {version.number} ({version.when:%d/%m/%Y %H:%M})")

    def _keep(self, path: Path, doc: Document | None, action: str, actor: str, reason: str) -> Version:
        return self.history.keep(path, doc_id=doc.id if doc else path.stem, title=doc.display_name if doc else "",
                                 articles=articles(doc) if doc else 0, action=action, actor=actor, reason=reason)

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


def _as_stored(ref: Ref, documents: dict[str, Document]) -> Ref:
    """The reference with its document number as the knowledge base writes it ("59/2019/ND-CP" → "59/2019/NĐ-CP")."""
    wanted = ids.loose_key(ref.doc)
    return replace(ref, doc=next((doc_id for doc_id in documents if ids.loose_key(doc_id) == wanted), ref.doc))


def _stat(path: Path) -> os.stat_result | None:
    """A file's stat, or None when another process removed it between listing and looking."""
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def _skipped_path(result: store.Scan, file_name: str) -> Path | None:
    return next((s.path for s in result.skipped if s.path.name.lower() == file_name.lower()), None)
