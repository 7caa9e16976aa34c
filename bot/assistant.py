"""What every chat channel does, once: answer and record, follow-ups, feedback, admin actions.

Telegram and Zalo differ only in how messages arrive and how replies look; the decisions — who
is an admin, what is recorded, what an upload may contain — live here so both channels make them
the same way. Methods are synchronous (model, index and database are); channels call them through
`asyncio.to_thread`.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.answer import Answer, Answerer
from bot.config import Settings
from bot.library import Library
from bot.quiz.master import QuizMaster
from bot.storage import Stats, Store
from bot.uploads import PendingUpload, Uploads
from knowledge_base.model import Document, Status


@dataclass(frozen=True)
class Asked:
    answer: Answer
    question_id: int


class RateLimiter:
    """At most `per_minute` questions per user in any sliding minute: one person cannot starve the rest."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, channel: str, user_id: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen[(channel, user_id)]
            while times and now - times[0] >= 60:
                times.popleft()
            if len(times) >= self.per_minute:
                return False
            times.append(now)
            return True


class Assistant:
    def __init__(self, settings: Settings, library: Library | None = None, store: Store | None = None) -> None:
        self.settings = settings
        self.library = library or Library(settings)
        self.store = store or Store(settings.database, log_content=settings.log_question_text)
        self.uploads = Uploads(settings.uploads_dir, max_bytes=settings.max_upload_mb * 1024 * 1024)
        self.limiter = RateLimiter(settings.questions_per_minute)
        self._reindex_lock = threading.Lock()

    @functools.cached_property
    def quiz(self) -> QuizMaster:
        """Quiz mode shares the database and the bank in service; channels register themselves on it."""
        return QuizMaster(self.store, self.library.quiz_bank)

    def warm_up(self) -> None:
        """Load the model and index before the first user waits for them."""
        self.library.ensure_index(progress=False)
        Answerer(self.library.index).ask("đeo thẻ công chức")

    # ------------------------------------------------------------ questions

    def ask(self, channel: str, user_id: str, chat_id: str, text: str, display_name: str | None = None) -> Asked:
        self.store.touch_user(channel, user_id, display_name)
        # A fresh Answerer per question: it binds the index in service, which /reindex may have swapped.
        answer = Answerer(self.library.index).ask(text)
        question_id = self.store.record_question(
            channel, user_id, chat_id, text, refused=answer.refused,
            citations=[c.label for c in answer.citations[:3]], took_ms=answer.took_ms,
        )
        return Asked(answer, question_id)

    def answer_again(self, question_id: int) -> Answer | None:
        """A recorded question answered anew: a follow-up button that reaches another worker, or
        arrives after a restart, needs its answer; None when the words were not logged."""
        text = self.store.question_text(question_id)
        return Answerer(self.library.index).ask(text) if text else None

    def article_text(self, answer: Answer, position: int = 0) -> tuple[str, str] | None:
        """(heading with citation, full text) of the article a cited provision belongs to."""
        if position >= len(answer.hits) or answer.refused:
            return None
        chunk = answer.hits[position].chunk
        article = self.library.index.article(chunk)
        if article is None:
            return None
        return f"{article['heading']} — {article['label']}", article["text"]

    def feedback(self, question_id: int, channel: str, user_id: str, value: int) -> None:
        self.store.record_feedback(question_id, channel, user_id, value)

    # ------------------------------------------------------------ admins

    def is_admin(self, channel: str, user_id: str) -> bool:
        return self.settings.is_admin(channel, user_id) or self.store.is_admin(channel, user_id)

    def allow_admin(self, channel: str, user_id: str, action: str) -> bool:
        """Admins pass; anyone else's attempt is recorded as refused (the channel tells them so)."""
        if self.is_admin(channel, user_id):
            return True
        self.audit(channel, user_id, action, "", "error: không có quyền")
        return False

    def audit(self, channel: str, user_id: str, action: str, detail: str, result: str = "ok") -> None:
        self.store.audit(channel, user_id, action, detail, result)

    def receive_upload(self, channel: str, user_id: str, filename: str, data: bytes) -> PendingUpload:
        """Parse an uploaded directive and keep it aside until an admin confirms (any worker may confirm)."""
        try:
            pending = self.uploads.stage(filename, data)
        except Exception as exc:
            self.audit(channel, user_id, "upload", filename, f"error: {exc}")
            raise
        self.audit(channel, user_id, "upload", f"{filename} → {pending.document.id}", "ok: chờ xác nhận")
        return pending

    def confirm_upload(self, channel: str, user_id: str, token: str) -> Document:
        pending = self.uploads.get(token)
        try:
            self.library.add(pending.document)
        except Exception as exc:
            self.audit(channel, user_id, "add_document", pending.document.id, f"error: {exc}")
            raise
        self.uploads.discard(token)
        doc = pending.document
        self.store.register_document(doc.id, doc.display_name, doc.validity.status.value,
                                     channel=channel, user_id=user_id, source=pending.filename)
        self.audit(channel, user_id, "add_document", doc.id)
        return doc

    def cancel_upload(self, channel: str, user_id: str, token: str) -> None:
        self.uploads.discard(token)
        self.audit(channel, user_id, "cancel_upload", token)

    def reindex(self, channel: str, user_id: str, report: Callable[[str], None] | None = None) -> int:
        """Rebuild the whole index aside; the old one serves until the swap. Returns the chunk count."""
        if not self._reindex_lock.acquire(blocking=False):
            raise ReindexRunning
        try:
            self.library.rebuild(report=report)
            count = len(self.library.index)
        except Exception as exc:
            self.audit(channel, user_id, "reindex", "", f"error: {exc}")
            raise
        finally:
            self._reindex_lock.release()
        self.audit(channel, user_id, "reindex", f"{count} đoạn")
        return count

    def documents(self) -> list[Document]:
        return self.library.documents()

    def mark_superseded(self, channel: str, user_id: str, doc_id: str, by: str) -> Document:
        note = f"Đã bị thay thế bởi {by} (quản trị viên ghi nhận)." if by else ""
        try:
            doc = self.library.set_status(doc_id, Status.SUPERSEDED, [by] if by else [], note)
        except KeyError:
            self.audit(channel, user_id, "mark_superseded", doc_id, "error: không có văn bản này")
            raise
        self._sync_registry(doc)
        self.audit(channel, user_id, "mark_superseded", f"{doc_id} ← {by}")
        return doc

    def remove_document(self, channel: str, user_id: str, doc_id: str) -> bool:
        removed = self.library.remove(doc_id)
        if removed:
            # A bundled document was never in the registry of admin changes.
            with contextlib.suppress(KeyError):
                self.store.remove_document(doc_id)
        self.audit(channel, user_id, "remove_document", doc_id, "ok" if removed else "error: không có văn bản này")
        return removed

    def _sync_registry(self, doc: Document) -> None:
        try:
            self.store.mark_document(doc.id, doc.validity.status.value)
        except KeyError:
            self.store.register_document(doc.id, doc.display_name, doc.validity.status.value)

    def stats(self, days: int = 7) -> Stats:
        return self.store.stats(days)


class ReindexRunning(RuntimeError):
    """A rebuild is already under way in this process."""
