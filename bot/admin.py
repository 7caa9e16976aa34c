"""The admin commands, written once for every channel: the CLI, Telegram, Zalo (and a web console).

Each command checks, acts through `Library`'s transactions, and records the attempt in the audit
whatever its outcome: done ("ok"), refused because of what the admin asked ("refused: …"), or
failed inside ("error: …"). A channel only turns arguments into a call and the result (or
`AdminError`, whose message is Vietnamese, names no server path and says whether anything
changed) into a reply, so the channels cannot drift apart.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.config import Settings
from bot.library import Change, KnowledgeBaseError, Library
from bot.quiz.bank import BankError, QuizQuestion
from bot.storage import Store
from bot.storage.tables import VERDICTS
from bot.uploads import PendingUpload, Uploads
from index import builder
from knowledge_base import hygiene, ids, intake, validity
from knowledge_base.history import Version
from knowledge_base.limits import mb
from knowledge_base.model import Document, Status
from knowledge_base.parsers import ParseError
from knowledge_base.provisions import Ref
from knowledge_base.validation import InvalidDocument

log = logging.getLogger(__name__)
T = TypeVar("T")

UNCHANGED = "Cơ sở tri thức không thay đổi."


@dataclass(frozen=True)
class Actor:
    """Who acts, as the audit and the history record it: "telegram:4242", "cli:root"."""

    channel: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.user_id}"


class AdminError(Exception):
    """A command that did not happen; the message is the whole reply for the admin."""


class ReindexRunning(RuntimeError):
    """A rebuild is already under way in this process."""


class Admin:
    def __init__(self, settings: Settings, library: Library, store: Store, uploads: Uploads | None = None) -> None:
        self.settings = settings
        self.library = library
        self.store = store
        self.uploads = uploads or Uploads(settings.uploads_dir)
        self._reindexing = threading.Lock()

    # ------------------------------------------------------------ who may

    def is_admin(self, actor: Actor) -> bool:
        """Bot admins come from ADMIN_IDS or the database; whoever runs the CLI on the server is one."""
        if actor.channel == "cli":
            return True
        return self.settings.is_admin(actor.channel, actor.user_id) or self.store.is_admin(actor.channel,
                                                                                           actor.user_id)

    def allow(self, actor: Actor, action: str) -> bool:
        """Admins pass; anyone else's attempt is recorded as refused (the channel tells them so)."""
        if self.is_admin(actor):
            return True
        self.audit(actor, action, "", "refused: không có quyền")
        return False

    def audit(self, actor: Actor, action: str, detail: str, result: str = "ok") -> None:
        self.store.audit(actor.channel, hygiene.clean(actor.user_id), action, hygiene.clean(detail)[:500],
                         hygiene.clean(result)[:500])

    def _run(self, actor: Actor, action: str, detail: str, work: Callable[[], T],
             outcome: Callable[[T], tuple[str, str]] | None = None) -> T:
        """Run one command: audit its outcome, and turn every failure into an AdminError for the admin.

        `outcome` gives the audit's (detail, result) for a success, when they say more than "ok".
        """
        try:
            result = work()
        except (KnowledgeBaseError, InvalidDocument, ParseError, ids.InvalidId, validity.RegisterError,
                BankError) as exc:
            message = _sentence(exc)
            self.audit(actor, action, detail, f"refused: {message}")
            raise AdminError(f"{message} {UNCHANGED}") from exc
        except Exception as exc:
            log.exception("admin command %s (%s) failed", action, detail)
            self.audit(actor, action, detail, f"error: {type(exc).__name__}")
            raise AdminError(f"Lỗi hệ thống khi thực hiện lệnh; {UNCHANGED[0].lower()}{UNCHANGED[1:]} "
                             "Chi tiết đã được ghi vào nhật ký máy chủ.") from exc
        self.audit(actor, action, *(outcome(result) if outcome else (detail, "ok")))
        return result

    # ------------------------------------------------------------ uploads in chat

    def preview_upload(self, actor: Actor, filename: str, data: bytes, max_bytes: int) -> PendingUpload:
        """Parse and check an uploaded file and keep it aside until an admin confirms it (any worker may)."""

        def work() -> PendingUpload:
            if len(data) > max_bytes:
                raise ParseError(f"Tệp quá lớn ({mb(len(data))}); giới hạn khi gửi qua chat là {mb(max_bytes)}.")
            doc = intake.parse(data, filename, self.library.limits)
            self.library.check(doc)
            return self.uploads.keep(filename, doc, self.library.document(doc.id))

        return self._run(actor, "upload", filename, work,
                         lambda pending: (f"{filename} → {pending.document.id}", "ok: chờ xác nhận"))

    def confirm_upload(self, actor: Actor, token: str, replace: bool) -> Change:
        """Add the previewed document; `replace` must match what the preview offered (it named the
        document being replaced), and that document must not have changed since."""

        def work() -> Change:
            pending = self.uploads.get(token)
            current = self.library.document(pending.document.id)
            if pending.replaces is not None:
                if not replace:
                    raise KnowledgeBaseError("Văn bản này sẽ thay thế một văn bản đã có; hãy bấm nút thay thế.")
                if current is None or builder.document_hash(current) != pending.replaces.digest:
                    raise KnowledgeBaseError("Văn bản cần thay thế đã thay đổi kể từ lúc xem trước; hãy gửi lại tệp.")
            change = self.library.add(pending.document, actor=str(actor), replace=pending.replaces is not None,
                                      reason=f"tải lên tệp {pending.filename}")
            self.uploads.discard(token)
            self.store.register_document(pending.document.id, pending.document.display_name,
                                         pending.document.validity.status.value, channel=actor.channel,
                                         user_id=actor.user_id, source=pending.filename)
            return change

        return self._run(actor, "replace_document" if replace else "add_document", token, work)

    def cancel_upload(self, actor: Actor, token: str) -> None:
        self._run(actor, "cancel_upload", token, lambda: self.uploads.discard(token))

    # ------------------------------------------------------------ documents

    def add_file(self, actor: Actor, path: Path, *, doc_id: str | None = None, title: str | None = None,
                 replace: bool = False, reason: str = "", progress: bool = False) -> Change:
        """`conduct-bot index add`: the same checks and transaction as an upload, confirmed at once."""

        def work() -> Change:
            number = ids.canonical(doc_id) if doc_id else None
            doc = intake.parse_path(path, self.library.limits, doc_id=number, title=title or None)
            return self.library.add(doc, actor=str(actor), replace=replace, progress=progress,
                                    reason=reason or f"thêm tệp {path.name}")

        return self._run(actor, "replace_document" if replace else "add_document", f"{path.name} {doc_id or ''}",
                         work)

    def remove(self, actor: Actor, doc_id: str, reason: str = "") -> Change:
        def work() -> Change:
            change = self.library.remove(doc_id, actor=str(actor), reason=reason)
            if change.previous is not None:
                with contextlib.suppress(KeyError):  # a bundled document was never in the registry
                    self.store.remove_document(change.previous.id)
            return change

        return self._run(actor, "remove_document", doc_id, work)

    def mark_superseded(self, actor: Actor, doc_id: str, by: str = "") -> Document:
        def work() -> Document:
            replacement = ids.canonical(by) if by else ""
            note = f"Đã bị thay thế bởi {replacement} (quản trị viên ghi nhận)." if replacement else ""
            doc = self.library.set_status(doc_id, Status.SUPERSEDED, [replacement] if replacement else [], note,
                                          actor=str(actor))
            try:
                self.store.mark_document(doc.id, doc.validity.status.value)
            except KeyError:
                self.store.register_document(doc.id, doc.display_name, doc.validity.status.value)
            return doc

        return self._run(actor, "mark_superseded", f"{doc_id} ← {by}".strip(" ←"), work)

    def record_change(self, actor: Actor, change: validity.Change) -> validity.Change:
        """A unit repealed, replaced, amended or outdated: into the admins' validity register."""
        detail = f"{change.unit.label()} {change.unit.doc}: {change.change} ← {change.by}"
        return self._run(actor, "validity_change", detail,
                         lambda: self.library.add_change(change, actor=str(actor)))

    # ------------------------------------------------------------ quiz bank

    def quiz_flags(self, actor: Actor, question_id: str, *, reviewed: bool | None = None,
                   enabled: bool | None = None) -> QuizQuestion:
        """Approve a question (a person has read it) or switch it on or off."""
        what = ", ".join(f"{k}={v}" for k, v in (("reviewed", reviewed), ("enabled", enabled)) if v is not None)
        return self._run(actor, "quiz_flags", f"{question_id}: {what}", lambda: self.library.edit_quiz(
            lambda editor, docs: editor.set_flags(question_id, docs, reviewed=reviewed, enabled=enabled)))

    def quiz_save(self, actor: Actor, question: QuizQuestion, *, new: bool) -> QuizQuestion:
        """An edited or new question, saved only when it and the whole bank validate; saved by a
        person, so it counts as reviewed."""
        return self._run(actor, "quiz_add" if new else "quiz_edit", question.id, lambda: self.library.edit_quiz(
            lambda editor, docs: editor.save(question, docs, new=new, reviewed=True)))

    # ------------------------------------------------------------ questions the bot could not answer

    def review_question(self, actor: Actor, question_id: int, verdict: str, *, note: str = "",
                        provision: Ref | None = None, phrase: str = "", terms: str = "") -> str:
        """An admin's verdict on a refused or down-voted question, and what it changes:

        "missing" — a source the knowledge base lacks (`note` names it; listed with the missing documents);
        "thesaurus" — a wording line so search finds the legal term (`phrase | terms`);
        "linked" — the right provision, kept as a regression case for `conduct-bot eval`;
        "dismissed" — nothing to do (small talk, a duplicate).
        Returns a sentence saying what was done.
        """
        if verdict not in VERDICTS:
            raise AdminError("Thao tác không hợp lệ.")

        def work() -> str:
            text = self.store.question_text(question_id)
            if text is None:
                raise KnowledgeBaseError("Không còn lời câu hỏi này (ghi câu hỏi đang tắt hoặc đã xóa).")
            done = "Đã đánh dấu bỏ qua."
            if verdict == "missing":
                if not note.strip():
                    raise KnowledgeBaseError("Hãy ghi văn bản còn thiếu (ví dụ: Quyết định 129/2007/QĐ-TTg).")
                done = f"Đã ghi vào danh sách văn bản còn thiếu: {note.strip()}."
            elif verdict == "thesaurus":
                line = self.library.add_wording(phrase, terms, actor=str(actor))
                done = f"Đã thêm vào từ điển cách nói: “{line}”; câu hỏi sau dùng ngay, không cần xây lại chỉ mục."
            elif verdict == "linked":
                if provision is None:
                    raise KnowledgeBaseError("Hãy ghi quy định đúng, ví dụ: khoản 1 Điều 8 42/2013/QH13.")
                case = self.library.add_regression(text, provision, actor=str(actor))
                done = f"Đã lưu làm câu kiểm thử {case['id']} (conduct-bot eval)."
            self.store.review_question(question_id, verdict, note=(note or phrase).strip()[:500],
                                       provision=f"{provision.label()} {provision.doc}".strip() if provision else None,
                                       by=str(actor))
            return done

        return self._run(actor, f"question_{verdict}", f"#{question_id} {note or phrase}".strip(), work)

    def history(self, doc_id: str | None = None) -> list[Version]:
        """Kept versions, newest first; of one document (however its number is spelled) or of all."""
        return self.library.history.versions(doc_id or None)

    def restore(self, actor: Actor, doc_id: str, number: int | None = None) -> Change:
        return self._run(actor, "restore_document", f"{doc_id} #{number or 'mới nhất'}",
                         lambda: self.library.restore(doc_id, number, actor=str(actor)))

    def reindex(self, actor: Actor, report: Callable[[str], None] | None = None) -> int:
        """Rebuild the whole index aside; the old one serves until the swap. Returns the chunk count.

        ReindexRunning when this process is already rebuilding (another worker's rebuild waits for the lock).
        """
        if not self._reindexing.acquire(blocking=False):
            self.audit(actor, "reindex", "", "refused: đang xây lại")
            raise ReindexRunning

        def work() -> int:
            self.library.rebuild(report=report)
            return len(self.library.index)

        try:
            return self._run(actor, "reindex", "", work, lambda count: (f"{count} đoạn", "ok"))
        finally:
            self._reindexing.release()


def _sentence(exc: Exception) -> str:
    text = str(exc).strip()
    if isinstance(exc, InvalidDocument):
        text = "Văn bản chưa thêm được: " + "; ".join(exc.problems)
    return text if text.endswith((".", "?", "!")) else text + "."

